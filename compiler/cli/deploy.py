"""`plan`, `apply`, `drift` and `force-unlock`: the commands that read or change an environment."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click

from compiler import __version__
from compiler.aws.apply import ApplyResult, Waits, apply_plan
from compiler.aws.client import AwsError
from compiler.aws.lock import force_unlock
from compiler.aws.read import read_violation_bodies
from compiler.cli.common import (
    EXIT_CHANGES,
    EXIT_ERROR,
    FORMAT,
    Options,
    Stop,
    emit_diagnostics,
    environment_lock,
    fail,
    monitor_files,
    open_session,
    parse_duration,
    poll_interval,
    print_apply_result,
    read_plan,
    render_plan,
    require_confirmation_channel,
)
from compiler.config.workspace import write_output
from compiler.desired.artifacts import lock_uri
from compiler.diagnostics import Diagnostic
from compiler.render.common import summary_line
from compiler.render.json import plan_to_dict, render_drift_json
from compiler.render.markdown import render_drift_markdown
from compiler.render.text import render_drift_text, render_plan_text
from compiler.state.drift import build_drift
from compiler.state.planfile import build_plan_file, check_plan_file, files_digest, parse_plan_file


@click.command()
@click.option("--env", "env", default=None, help="Environment to plan.")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Save the plan for `apply FILE`.",
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 2 when the plan has changes or keeps managed schedules whose files are gone.",
)
@click.option("--format", "fmt", type=FORMAT, default="text", show_default=True)
@click.option("--target", "targets", multiple=True, help="Plan only these monitors (repeatable).")
@click.option(
    "--allow-destroy", is_flag=True, help="Plan deletion of managed schedules whose files are gone."
)
@click.option(
    "--verify",
    is_flag=True,
    help="Describe every job definition and re-read every analysis config instead of trusting "
    "content-addressed names (what apply without a plan file and drift do).",
)
@click.pass_obj
def plan(
    opts: Options,
    env: str | None,
    out: Path | None,
    detailed_exitcode: bool,
    fmt: str,
    targets: tuple[str, ...],
    allow_destroy: bool,
    verify: bool,
) -> None:
    """Read live state and show what apply would change. Takes no lock."""
    with open_session(opts, env, check_account_id=True) as session:
        try:
            the_plan, _ = read_plan(
                session, allow_destroy=allow_destroy, targets=targets, verify=verify
            )
        except AwsError as exc:
            fail(opts, [exc.diagnostic])
        emit_diagnostics(opts, the_plan.diagnostics)
        click.echo(render_plan(the_plan, fmt, opts.color), nl=False)
        if out is not None:
            saved = build_plan_file(
                the_plan,
                tool_version=__version__,
                monitors_digest=files_digest(monitor_files(session.ws)),
                created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                rendered=plan_to_dict(the_plan),
                verified=verify,
            )
            problem = write_output(out, json.dumps(saved, indent=2, ensure_ascii=False) + "\n")
            if problem is not None:
                fail(opts, [problem])
            click.echo(f"Saved the plan to {out}. Apply it with: biaswatch apply {out}", err=True)
    if the_plan.blocked:
        raise Stop(EXIT_ERROR)
    # Kept orphans are not "no changes": drift reports them, so the plan says so too.
    if detailed_exitcode and (the_plan.has_changes or the_plan.has_orphans):
        raise Stop(EXIT_CHANGES)


@click.command()
@click.argument("planfile", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--env", "env", default=None, help="Environment to apply.")
@click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--allow-destroy", is_flag=True, help="Delete managed schedules whose monitor files are gone."
)
@click.option(
    "--lock-timeout",
    default="60s",
    show_default=True,
    help="How long to wait for the environment lock (e.g. 30s, 5m).",
)
@click.option(
    "--wait-timeout",
    default="10m",
    show_default=True,
    help="How long to wait for a Pending schedule.",
)
@click.option("--target", "targets", multiple=True, help="Apply only these monitors (repeatable).")
@click.pass_obj
def apply(
    opts: Options,
    planfile: Path | None,
    env: str | None,
    auto_approve: bool,
    allow_destroy: bool,
    lock_timeout: str,
    wait_timeout: str,
    targets: tuple[str, ...],
) -> None:
    """Apply a saved plan (refused if stale), or plan, confirm and apply."""
    lock_seconds = parse_duration(lock_timeout, "--lock-timeout")
    wait_seconds = parse_duration(wait_timeout, "--wait-timeout")
    require_confirmation_channel(planfile, auto_approve)
    saved = None
    if planfile is not None:
        try:
            text = planfile.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            fail(opts, [Diagnostic("E412", f"cannot read plan file {planfile}: {exc}")])
        saved, problems = parse_plan_file(text, str(planfile))
        if saved is None:
            fail(opts, problems)
        env = env or saved.get("environment")
        allow_destroy = allow_destroy or any(
            "delete" in m.get("actions", [])
            for m in saved.get("identity", {}).get("monitors", {}).values()
        )
    with (
        open_session(opts, env, check_account_id=True) as session,
        environment_lock(opts, session, "apply", lock_seconds) as held,
    ):
        clients = session.conn.clients
        try:
            # A saved plan is re-read the way it was made, so that its fingerprints compare;
            # without one, apply verifies everything (it restores altered configs).
            verify = bool(saved.get("verified", True)) if saved is not None else True
            the_plan, _ = read_plan(
                session, allow_destroy=allow_destroy, targets=targets, verify=verify
            )
        except AwsError as exc:
            fail(opts, [exc.diagnostic])
        if saved is not None:
            problems = check_plan_file(
                saved,
                the_plan,
                monitors_digest=files_digest(monitor_files(session.ws)),
                caller_account=session.account,
                rendered=plan_to_dict(the_plan),
            )
            if problems:
                fail(opts, problems)
        emit_diagnostics(opts, the_plan.diagnostics)
        if the_plan.blocked:
            click.echo(render_plan_text(the_plan, color=opts.color), nl=False)
            fail(opts, [Diagnostic("E419", "the plan is blocked; nothing was changed")])
        if not the_plan.has_changes:
            click.echo(summary_line(the_plan))
            return
        if saved is None:
            click.echo(render_plan_text(the_plan, color=opts.color), nl=False)
            if not auto_approve and not click.confirm(
                "Apply these changes?", default=False, err=True
            ):
                click.echo("Apply cancelled; nothing was changed.", err=True)
                raise Stop(EXIT_ERROR)
        result = apply_plan(
            clients,
            the_plan,
            waits=Waits(timeout_seconds=wait_seconds, poll_seconds=poll_interval(session)),
            progress=lambda line: click.echo(line, err=True),
            cancel=held.lost,
            cancel_reason=held.lost_diagnostic,
        )
        print_apply_result(result)
        if not result.ok:
            fail(
                opts,
                [o.diagnostic for o in result.outcomes if o.diagnostic]
                + [
                    Diagnostic(
                        "E419",
                        f"apply incomplete: {_failed_count(result)} not done",
                        hints=(
                            "what succeeded stays applied",
                            "fix the cause each error above names, then apply again "
                            "(a throttling or 5xx error needs no fix: apply again)",
                        ),
                    )
                ],
            )


def _failed_count(result: ApplyResult) -> str:
    n = sum(1 for o in result.outcomes if o.status != "done")
    return f"{n} of {len(result.outcomes)} monitor{'s' if len(result.outcomes) != 1 else ''}"


@click.command()
@click.option("--env", "env", default=None, help="Environment to audit.")
@click.option("--format", "fmt", type=FORMAT, default="text", show_default=True)
@click.pass_obj
def drift(opts: Options, env: str | None, fmt: str) -> None:
    """Audit live state against git. Exit 0 none, 2 drift, 1 error."""
    with open_session(opts, env, check_account_id=True) as session:
        try:
            the_plan, live = read_plan(session, allow_destroy=False, verify=True)
            bodies = read_violation_bodies(session.conn.clients, live)
        except AwsError as exc:
            fail(opts, [exc.diagnostic])
        report = build_drift(the_plan, live.state, bodies)
    if fmt == "json":
        click.echo(render_drift_json(report), nl=False)
    elif fmt == "markdown":
        click.echo(render_drift_markdown(report), nl=False)
    else:
        click.echo(render_drift_text(report, color=opts.color), nl=False)
    if report.has_drift:
        raise Stop(EXIT_CHANGES)


@click.command(name="force-unlock")
@click.argument("lock_id")
@click.option(
    "--env", "env", default=None, help="Environment whose lock to clear (default: the project's)."
)
@click.pass_obj
def force_unlock_cmd(opts: Options, lock_id: str, env: str | None) -> None:
    """Clear a lock left by a dead run (give the id the lock error printed)."""
    with open_session(opts, env, check_account_id=True) as session:
        env_cfg = session.build.environment
        try:
            removed = force_unlock(
                session.conn.clients,
                lock_uri(env_cfg.artifact_bucket, env_cfg.artifact_prefix, session.build.name),
                lock_id,
            )
        except AwsError as exc:
            fail(opts, [exc.diagnostic])
        click.echo(f"Removed the lock of {removed.describe()}.")
