"""The `emulator` click group: `biaswatch emulator serve` runs the local SageMaker emulator in the foreground."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType

import click

from compiler.config.spec import EMULATOR_PENDING_SECONDS
from compiler.emulator.server import Emulator
from compiler.emulator.state import StateFileError


@click.group("emulator")
def emulator() -> None:
    """The local SageMaker emulator (moto + monitoring schedules)."""


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@emulator.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=5057, show_default=True, type=int, help="Port (0: any free).")
@click.option(
    "--state",
    "state_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSON file to restore from and save to after every change.",
)
@click.option(
    "--latency-ms",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Delay added to every request, in milliseconds.",
)
@click.option("--throttle-tps", type=click.FloatRange(min=0, min_open=True), help="Per operation.")
@click.option(
    "--fault-rate",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0.0, 1.0),
    help="Share of SageMaker requests answered with a transient error (0 to 1).",
)
@click.option(
    "--pending-seconds",
    default=EMULATOR_PENDING_SECONDS,
    show_default=True,
    type=click.FloatRange(min=0),
    help="How long new schedules stay Pending (as emulator.pending_seconds).",
)
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the fault dice.")
@click.option("--allow-non-loopback", is_flag=True, help="Allow binding beyond loopback.")
def serve(
    host: str,
    port: int,
    state_file: Path | None,
    latency_ms: int,
    throttle_tps: float | None,
    fault_rate: float,
    pending_seconds: float,
    seed: int,
    allow_non_loopback: bool,
) -> None:
    """Run the emulator until Ctrl-C."""
    try:
        running = Emulator(
            host=host,
            port=port,
            state_file=state_file,
            pending_seconds=pending_seconds,
            latency_ms=latency_ms,
            throttle_tps=throttle_tps,
            fault_rate=fault_rate,
            seed=seed,
            allow_non_loopback=allow_non_loopback,
        ).start()
    except (ValueError, StateFileError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    url = running.endpoint_url
    click.echo(f"biaswatch emulator: SageMaker and S3 on {url} (Ctrl-C to stop)", err=True)
    click.echo(
        f"point a client at it: boto3 endpoint_url={url!r} with any dummy keys, or "
        f"AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing aws --endpoint-url {url} "
        "sagemaker list-monitoring-schedules",
        err=True,
    )
    if threading.current_thread() is threading.main_thread():
        # Treat a polite kill like Ctrl-C, so the state is saved and the exit is 0.
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()
    click.echo("biaswatch emulator: stopped", err=True)
