"""`forget NAME`: stop managing a schedule without deleting it (registered by cli.main)."""

from __future__ import annotations

import click

from compiler.aws.client import AwsError
from compiler.aws.forget import forget_monitor
from compiler.cli.common import (
    Options,
    emit_diagnostics,
    environment_lock,
    fail,
    open_session,
    parse_duration,
)
from compiler.diagnostics import Diagnostic, Severity, SourceSpan


@click.command(name="forget")
@click.argument("name")
@click.option("--env", "env", default=None, help="Environment whose schedule to forget.")
@click.option(
    "--lock-timeout",
    default="60s",
    show_default=True,
    help="How long to wait for the environment lock (e.g. 30s, 5m).",
)
@click.pass_obj
def forget_cmd(opts: Options, name: str, env: str | None, lock_timeout: str) -> None:
    """Stop managing schedule NAME without deleting it: remove the biaswatch tags of the
    schedule, its job definition and its alarms. Then remove its monitor file."""
    lock_seconds = parse_duration(lock_timeout, "--lock-timeout")
    with open_session(opts, env, check_account_id=True) as session:
        project = session.project.config.project
        with environment_lock(opts, session, "forget", lock_seconds):
            try:
                forgotten = forget_monitor(
                    session.conn.clients,
                    project,
                    name,
                    progress=lambda line: click.echo(line, err=True),
                )
            except AwsError as exc:
                fail(opts, [exc.diagnostic])
        still = next((m for m in session.build.monitors if m.desired.name == name), None)
    count = len(forgotten)
    click.echo(
        f"Forgot {name!r}: biaswatch tags removed from {count} resource"
        f"{'' if count == 1 else 's'}; it keeps running, unmanaged."
    )
    if still is not None:
        # The file still names it: the next plan finds a schedule it does not own (E414).
        path = still.desired.source_path
        emit_diagnostics(
            opts,
            [
                Diagnostic(
                    "W606",
                    f"monitor file {path!r} still names the forgotten schedule {name!r}",
                    SourceSpan(path) if path else None,
                    "name",
                    Severity.WARNING,
                    (f"remove {path} (plan is blocked with E414 until it is gone)",),
                )
            ],
        )
