"""The local SageMaker emulator: moto's threaded server on loopback, wrapped by biaswatch's gateway."""

from __future__ import annotations

import datetime as _dt
import ipaddress
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

import boto3
from botocore.config import Config
from moto import backends as moto_backends
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

from compiler.emulator import handlers, state, tagging
from compiler.emulator.faults import Faults
from compiler.emulator.gateway import Controller, Gateway

DEFAULT_RETRIES = {"mode": "standard", "total_max_attempts": 3}

# One boto3 session for all clients made here: it caches the (large) SageMaker service
# model, so a client costs milliseconds instead of ~0.4 s. Sessions are not thread-safe,
# hence the lock.
_session: boto3.session.Session | None = None
_session_lock = threading.Lock()


def _shared_session() -> boto3.session.Session:
    global _session
    if _session is None:
        _session = boto3.session.Session()
    return _session


# moto keeps every backend in process-global dictionaries, so two emulators in one process
# would share (and reset) one state. The emulator therefore allows one running instance
# per process; start() resets moto's state and refuses while another one runs.
_running_lock = threading.Lock()
_running: Emulator | None = None


class _QuietHandler(MotoRequestHandler):
    """moto's handler without werkzeug's per-request access log on stderr."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class _Server(ThreadedMotoServer):
    """moto's ThreadedMotoServer with biaswatch's gateway around moto's WSGI app."""

    def __init__(self, host: str, port: int, controller: Controller) -> None:
        super().__init__(ip_address=host, port=port, verbose=False)
        self._controller = controller
        self.error: BaseException | None = None

    def _server_entry(self) -> None:
        try:
            app = Gateway(DomainDispatcherApplication(create_backend_app), self._controller)
            self._server = make_server(
                self._ip_address, self._port, app, True, request_handler=_QuietHandler
            )
        except BaseException as exc:  # e.g. the port is taken; start() re-raises it
            self.error = exc
            self._server_ready_event.set()
            return
        self._server_ready_event.set()
        # A short poll interval keeps stop() fast (werkzeug's default is 0.5 s).
        self._server.serve_forever(poll_interval=0.05)


def _cache_moto_module_listing() -> None:
    """moto's dispatcher lists its package folder on every request (~180 stat calls); the
    folder does not change while we run, so list it once. Measured: 2.8 → 1.2 ms CPU per
    request in-process (compiler/bench.py --profile)."""
    if getattr(moto_backends.list_of_moto_modules, "_biaswatch_cached", False):
        return
    modules = tuple(moto_backends.list_of_moto_modules())

    def cached() -> tuple[str, ...]:
        return modules

    cached._biaswatch_cached = True  # type: ignore[attr-defined]
    moto_backends.list_of_moto_modules = cached


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Emulator:
    """A local SageMaker + S3 endpoint for tests and demos; use as a context manager."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        state_file: str | Path | None = None,
        pending_seconds: float = 1.0,
        latency_ms: int = 0,
        throttle_tps: float | None = None,
        fault_rate: float = 0.0,
        seed: int = 0,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        allow_non_loopback: bool = False,
        fault_s3: bool = False,
        fail_next_schedule_with: str | None = None,
        execution_interval_seconds: float | None = None,
    ) -> None:
        if not _is_loopback(host) and not allow_non_loopback:
            raise ValueError(
                f"refusing to bind the emulator to non-loopback address {host!r}: it has no "
                "authentication; pass allow_non_loopback=True (--allow-non-loopback) to do it anyway"
            )
        if not 0.0 <= fault_rate <= 1.0:
            raise ValueError(f"fault_rate must be between 0 and 1, got {fault_rate}")
        self.host = host
        self.port = port
        self.region = region
        self.account_id = account_id
        self.state_file = Path(state_file) if state_file is not None else None
        self._settings = {
            "pending_seconds": pending_seconds,
            "fail_next_schedule_with": fail_next_schedule_with,
            "execution_interval_seconds": execution_interval_seconds,
        }
        self.faults = Faults(
            latency_ms=latency_ms,
            throttle_tps=throttle_tps,
            fault_rate=fault_rate,
            seed=seed,
            include_s3=fault_s3,
        )
        self.controller = Controller(self.faults, account_id, region, self.state_file)
        self._server: _Server | None = None

    # ------------------------------------------------------------ lifecycle

    def start(self) -> Emulator:
        global _running
        with _running_lock:
            if _running is not None:
                raise RuntimeError(
                    "another biaswatch emulator is running in this process; moto's state is "
                    "process-global, so stop it first"
                )
            _running = self
        try:
            handlers.install()
            tagging.install()
            _cache_moto_module_listing()
            # reset() clears the faults too, so keep the standing ones given to __init__
            # (`serve --latency-ms/--throttle-tps/--fault-rate`) and put them back after it.
            standing = (self.faults.latency_ms, self.faults.throttle_tps, self.faults.fault_rate)
            # No save here: the state file is read below, not overwritten.
            self.controller.reset(save=False)
            self.faults.configure(
                latency_ms=standing[0],
                throttle_tps=standing[1],
                fault_rate=standing[2],
                clear_throttle=True,
            )
            self.controller.configure(dict(self._settings))
            if self.state_file is not None:
                state.load_state(self.state_file)
            server = _Server(self.host, self.port, self.controller)
            server.start()
            if server.error is not None:
                raise OSError(
                    f"cannot start the emulator on {self.host}:{self.port}: {server.error}"
                )
            self._server = server
        except BaseException:
            with _running_lock:
                _running = None
            raise
        return self

    def stop(self) -> None:
        global _running
        if self._server is None:
            return
        try:
            self._server.stop()
            self.controller.save()
        finally:
            self._server = None
            with _running_lock:
                _running = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------ clients

    @property
    def endpoint_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the emulator is not running; call start() first")
        host, port = self._server.get_host_and_port()
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"

    def client(self, service_name: str, config: Config | None = None, **kwargs: Any) -> Any:
        """A boto3 client for this emulator; the dummy credentials live only on the client."""
        base = Config(retries=DEFAULT_RETRIES, s3={"addressing_style": "path"})  # type: ignore[arg-type]
        with _session_lock:
            return _shared_session().client(
                service_name,  # type: ignore[call-overload]
                endpoint_url=self.endpoint_url,
                region_name=kwargs.pop("region_name", self.region),
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
                config=base.merge(config) if config is not None else base,
                **kwargs,
            )

    # ------------------------------------------------------------ run-time knobs

    def set_faults(
        self,
        latency_ms: int | None = None,
        throttle_tps: float | None = None,
        fault_rate: float | None = None,
        include_s3: bool | None = None,
        clear_throttle: bool = False,
    ) -> None:
        """Change the standing faults; None leaves a value as it is."""
        self.faults.configure(
            latency_ms=latency_ms,
            throttle_tps=throttle_tps,
            fault_rate=fault_rate,
            include_s3=include_s3,
            clear_throttle=clear_throttle,
        )

    def inject_fault(
        self, kind: str, operation: str = "*", count: int = 1, latency_ms: int = 0
    ) -> None:
        """Apply `kind` (throttle, error, unavailable, lost_response, latency, denied) to the next `count` calls."""
        self.faults.inject(kind, operation=operation, count=count, latency_ms=latency_ms)

    def clear_faults(self) -> None:
        self.faults.clear()

    def configure(self, **values: Any) -> dict[str, Any]:
        """pending_seconds, fail_next_schedule_with, execution_interval_seconds, execution_outcomes."""
        return self.controller.configure(values)

    def request_counts(self) -> dict[str, int]:
        """Requests received per operation (S3 as "S3:<METHOD>"), faulted ones included."""
        return self.controller.request_counts()

    def reset_counts(self) -> None:
        self.controller.reset_counts()

    def reset(self) -> None:
        """Forget all state, faults and counters (cheaper than a new emulator)."""
        self.controller.reset()

    def add_execution(
        self,
        schedule_name: str,
        status: str = "Completed",
        scheduled_time: _dt.datetime | None = None,
        violations: list[dict[str, Any]] | None = None,
        failure_reason: str | None = None,
    ) -> dict[str, Any]:
        return self.controller.add_execution(
            schedule_name, status, scheduled_time, violations, failure_reason
        )

    def fail_schedule(self, schedule_name: str, reason: str) -> None:
        self.controller.fail_schedule(schedule_name, reason)
