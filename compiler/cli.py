"""The biaswatch command line: wiring, output and exit codes (the only place that prints)."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import click

from compiler import __version__
from compiler.apply import ApplyResult, Waits, apply_plan
from compiler.aws import AwsError
from compiler.build import EnvironmentBuild, Project, build_environment, build_project
from compiler.diagnostics import Diagnostic, SourceSpan, has_errors, sort_diagnostics
from compiler.drift import build_drift
from compiler.emulator.cli import emulator as emulator_group
from compiler.interrupt import EXIT_TERMINATED, interrupt_exit_code, sigterm_as_interrupt
from compiler.live import LiveRead, read_live, read_violation_bodies
from compiler.lock import acquire_lock, force_unlock, lock_uri, release_lock
from compiler.plan import Plan, build_plan
from compiler.planfile import build_plan_file, check_plan_file, files_digest, parse_plan_file
from compiler.render.diagnostics import RENDERERS
from compiler.render.json import plan_to_dict, render_drift_json, render_plan_json
from compiler.render.markdown import render_drift_markdown, render_plan_markdown
from compiler.render.text import render_drift_text, render_plan_text
from compiler.runtime import Connection, check_account, connect
from compiler.workspace import Workspace, load_workspace

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_USAGE = 64
CACHE_DIR = Path(".biaswatch") / "cache"


@dataclass
class Options:
    project_file: Path
    env: str | None
    color: bool
    debug: bool
    diagnostics_format: str


class Stop(Exception):
    """Leave the command with an exit code after its output was written."""

    def __init__(self, code: int) -> None:
        self.code = code


def emit_diagnostics(opts: Options, diagnostics: Sequence[Diagnostic]) -> None:
    if diagnostics:
        click.echo(
            RENDERERS[opts.diagnostics_format](sort_diagnostics(diagnostics)), err=True, nl=False
        )


def fail(opts: Options, diagnostics: Sequence[Diagnostic]) -> NoReturn:
    emit_diagnostics(opts, diagnostics)
    raise Stop(EXIT_ERROR)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="biaswatch")
@click.option(
    "--project-file",
    default="biaswatch.yaml",
    show_default=True,
    type=click.Path(path_type=Path),
    help="The project file; monitor paths are relative to its folder.",
)
@click.option(
    "--env", "env", default=None, help="Environment (default: the project's default_environment)."
)
@click.option("--no-color", is_flag=True, help="No colour (also NO_COLOR).")
@click.option("--debug", is_flag=True, help="Show a traceback for internal errors.")
@click.option(
    "--diagnostics-format",
    type=click.Choice(sorted(RENDERERS)),
    default="text",
    show_default=True,
    help="How to print errors and warnings on stderr.",
)
@click.pass_context
def cli(
    ctx: click.Context,
    project_file: Path,
    env: str | None,
    no_color: bool,
    debug: bool,
    diagnostics_format: str,
) -> None:
    """biaswatch — SageMaker model bias monitors as reviewed, versioned YAML."""
    color = not no_color and "NO_COLOR" not in os.environ and sys.stdout.isatty()
    ctx.obj = Options(project_file, env, color, debug, diagnostics_format)


def _workspace(opts: Options, paths: Sequence[str] = ()) -> tuple[Workspace, Project]:
    ws = load_workspace(opts.project_file, [Path(p) for p in paths] or None)
    diags = list(ws.diagnostics)
    project = None
    if ws.project_document is not None:
        project, project_diags = build_project(ws.project_document)
        diags.extend(project_diags)
    if project is None or has_errors(diags):
        fail(opts, diags)
    emit_diagnostics(opts, diags)
    return ws, project


def _environment_names(opts: Options, project: Project, env: str | None) -> str:
    name = env or opts.env or project.config.default_environment
    if name not in project.config.environments:
        raise click.UsageError(
            f"unknown environment {name!r}; declared: {', '.join(project.config.environments)}"
        )
    return name


@cli.command()
@click.argument("paths", nargs=-1)
@click.option(
    "--env", "env", default=None, help="Validate for one environment only (default: all)."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(RENDERERS)),
    default=None,
    help="Diagnostics format (same as the global --diagnostics-format).",
)
@click.pass_obj
def validate(opts: Options, paths: tuple[str, ...], env: str | None, fmt: str | None) -> None:
    """Check monitor files and biaswatch.yaml; no network. Exit 0 valid, 1 invalid."""
    if fmt is not None:
        opts.diagnostics_format = fmt
    ws, project = _workspace(opts, paths)
    names = (
        [_environment_names(opts, project, env)]
        if env or opts.env
        else list(project.config.environments)
    )
    diags: list[Diagnostic] = []
    count = 0
    for name in names:
        build = build_environment(project, ws.documents, name)
        diags.extend(build.diagnostics)
        count = max(count, len(build.monitors))
    if has_errors(diags):
        fail(opts, diags)
    emit_diagnostics(opts, diags)
    click.echo(
        f"{len(ws.documents)} monitor file(s) valid in {len(names)} environment(s): {', '.join(names)}",
        err=True,
    )


def _build(opts: Options, ws: Workspace, project: Project, env: str | None) -> EnvironmentBuild:
    build = build_environment(project, ws.documents, _environment_names(opts, project, env))
    if has_errors(build.diagnostics):
        fail(opts, build.diagnostics)
    emit_diagnostics(opts, build.diagnostics)
    return build


@cli.command(name="compile")
@click.argument("selectors", nargs=-1)
@click.option("--env", "env", default=None, help="Environment to compile for.")
@click.pass_obj
def compile_cmd(opts: Options, selectors: tuple[str, ...], env: str | None) -> None:
    """Print the exact SageMaker requests per monitor (JSON); no network."""
    paths = [s for s in selectors if Path(s).exists()]
    names = [s for s in selectors if s not in paths]
    ws, project = _workspace(opts, paths if paths and not names else ())
    build = _build(opts, ws, project, env)
    selected = list(build.monitors)
    if selectors:
        wanted_paths = {str(Path(p).resolve()) for p in paths}
        selected = [
            m
            for m in build.monitors
            if m.spec.name in names
            or str((ws.root / m.desired.source_path).resolve()) in wanted_paths
        ]
        missing = [n for n in names if n not in {m.spec.name for m in build.monitors}]
        if missing:
            fail(
                opts,
                [
                    Diagnostic(
                        "E503",
                        f"no monitor named {n!r} in environment {build.name!r}",
                        SourceSpan(str(opts.project_file)),
                    )
                    for n in missing
                ],
            )
    out: dict[str, Any] = {
        m.spec.name: m.desired.compiled_view() for m in sorted(selected, key=lambda m: m.spec.name)
    }
    click.echo(json.dumps(out, indent=2, sort_keys=False, ensure_ascii=False))


def _monitor_files(ws: Workspace) -> list[tuple[str, bytes]]:
    files = [(d.path, (ws.root / d.path).read_bytes()) for d in ws.documents]
    if ws.project_document is not None:
        files.append((ws.project_document.path, (ws.root / ws.project_document.path).read_bytes()))
    return files


@dataclass
class Session:
    """One environment's compiled monitors, an open connection and its live state."""

    ws: Workspace
    project: Project
    build: EnvironmentBuild
    conn: Connection
    account: str | None


@contextlib.contextmanager
def _session(opts: Options, env: str | None, *, check_account_id: bool) -> Iterator[Session]:
    ws, project = _workspace(opts)
    build = _build(opts, ws, project, env)
    try:
        with connect(build.name, build.environment, ws.root) as conn:
            account = check_account(conn) if check_account_id else None
            yield Session(ws, project, build, conn, account or build.target.account_id)
    except AwsError as exc:
        fail(opts, [exc.diagnostic])


def _read_plan(
    session: Session, *, allow_destroy: bool, targets: Sequence[str] = (), verify: bool = False
) -> tuple[Plan, LiveRead]:
    desired = [m.desired for m in session.build.monitors]
    unknown = sorted(set(targets) - {d.name for d in desired})
    if unknown:
        raise click.UsageError(
            f"--target names no monitor in environment {session.build.name!r}: {', '.join(unknown)}"
        )
    live = read_live(
        session.conn.clients,
        session.project.config.project,
        desired,
        session.ws.root / CACHE_DIR / session.build.name,
        use_cache=not verify,
        verify_definitions=verify,
    )
    plan = build_plan(
        session.project.config.project,
        session.build.name,
        session.account,
        session.build.target.region,
        desired,
        live.state,
        allow_destroy=allow_destroy,
        targets=targets or None,
        endpoint_states=live.endpoint_states,
    )
    return plan, live


def _render_plan(plan: Plan, fmt: str, color: bool) -> str:
    if fmt == "json":
        return render_plan_json(plan)
    if fmt == "markdown":
        return render_plan_markdown(plan)
    return render_plan_text(plan, color=color)


FORMAT = click.Choice(["text", "json", "markdown"])


@cli.command()
@click.option("--env", "env", default=None, help="Environment to plan.")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Save the plan for `apply FILE`.",
)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when the plan has changes.")
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
    with _session(opts, env, check_account_id=True) as session:
        try:
            the_plan, _ = _read_plan(
                session, allow_destroy=allow_destroy, targets=targets, verify=verify
            )
        except AwsError as exc:
            fail(opts, [exc.diagnostic])
        emit_diagnostics(opts, the_plan.diagnostics)
        click.echo(_render_plan(the_plan, fmt, opts.color), nl=False)
        if out is not None:
            saved = build_plan_file(
                the_plan,
                tool_version=__version__,
                monitors_digest=files_digest(_monitor_files(session.ws)),
                created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                rendered=plan_to_dict(the_plan),
                verified=verify,
            )
            out.write_text(json.dumps(saved, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            click.echo(f"Saved the plan to {out}. Apply it with: biaswatch apply {out}", err=True)
    if the_plan.blocked:
        raise Stop(EXIT_ERROR)
    if detailed_exitcode and the_plan.has_changes:
        raise Stop(EXIT_CHANGES)


def _print_apply_result(result: ApplyResult) -> None:
    for outcome in result.outcomes:
        if outcome.status != "done":
            click.echo(f"  {outcome.status}: {outcome.name}: {outcome.detail}", err=True)
    click.echo(
        f"Apply: {result.count('done')} done, {result.count('failed')} failed, {result.count('not attempted')} not attempted."
    )


@cli.command()
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
    lock_seconds = _duration(lock_timeout, "--lock-timeout")
    wait_seconds = _duration(wait_timeout, "--wait-timeout")
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
    with _session(opts, env, check_account_id=True) as session:
        env_cfg = session.build.environment
        uri = lock_uri(env_cfg.artifact_bucket, env_cfg.artifact_prefix, session.build.name)
        clients = session.conn.clients
        try:
            held = acquire_lock(
                clients,
                uri,
                "apply",
                session.build.name,
                lock_seconds,
                report=lambda line: click.echo(line, err=True),
            )
        except AwsError as exc:
            fail(opts, [exc.diagnostic])
        try:
            try:
                # A saved plan is re-read the way it was made, so that its fingerprints compare;
                # without one, apply verifies everything (it restores altered configs).
                verify = bool(saved.get("verified", True)) if saved is not None else True
                the_plan, _ = _read_plan(
                    session, allow_destroy=allow_destroy, targets=targets, verify=verify
                )
            except AwsError as exc:
                fail(opts, [exc.diagnostic])
            if saved is not None:
                problems = check_plan_file(
                    saved,
                    the_plan,
                    monitors_digest=files_digest(_monitor_files(session.ws)),
                    caller_account=session.account,
                )
                if problems:
                    fail(opts, problems)
            emit_diagnostics(opts, the_plan.diagnostics)
            if the_plan.blocked:
                click.echo(render_plan_text(the_plan, color=opts.color), nl=False)
                fail(opts, [Diagnostic("E419", "the plan is blocked; nothing was changed")])
            if not the_plan.has_changes:
                click.echo(the_plan.summary_line())
                return
            if saved is None:
                click.echo(render_plan_text(the_plan, color=opts.color), nl=False)
                if not auto_approve:
                    if not sys.stdin.isatty():
                        raise click.UsageError(
                            "apply needs confirmation: run it in a terminal, pass --auto-approve, or apply a saved plan"
                        )
                    if not click.confirm("Apply these changes?", default=False, err=True):
                        click.echo("Apply cancelled; nothing was changed.", err=True)
                        raise Stop(EXIT_ERROR)
            result = apply_plan(
                clients,
                the_plan,
                waits=Waits(timeout_seconds=wait_seconds, poll_seconds=_poll(session)),
                progress=lambda line: click.echo(line, err=True),
                cancel=held.lost,
                cancel_reason=held.lost_diagnostic,
            )
            _print_apply_result(result)
            if not result.ok:
                fail(
                    opts,
                    [o.diagnostic for o in result.outcomes if o.diagnostic]
                    + [
                        Diagnostic(
                            "E419",
                            "apply incomplete; run apply again to converge",
                            hints=("what succeeded stays applied",),
                        )
                    ],
                )
        finally:
            try:
                release_lock(clients, uri, held)
            except AwsError as exc:
                emit_diagnostics(opts, [exc.diagnostic])


def _poll(session: Session) -> float:
    return 0.2 if session.conn.emulated else 5.0


def _duration(text: str, option: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    try:
        if text[-1:] in units:
            return float(text[:-1]) * units[text[-1]]
        return float(text)
    except ValueError:
        raise click.UsageError(f"{option}: {text!r} is not a duration like 30s, 5m or 1h") from None


@cli.command()
@click.option("--env", "env", default=None, help="Environment to audit.")
@click.option("--format", "fmt", type=FORMAT, default="text", show_default=True)
@click.pass_obj
def drift(opts: Options, env: str | None, fmt: str) -> None:
    """Audit live state against git. Exit 0 none, 2 drift, 1 error."""
    with _session(opts, env, check_account_id=True) as session:
        try:
            the_plan, live = _read_plan(session, allow_destroy=False, verify=True)
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


@cli.command(name="force-unlock")
@click.argument("lock_id")
@click.option("--env", "env", default=None)
@click.pass_obj
def force_unlock_cmd(opts: Options, lock_id: str, env: str | None) -> None:
    """Clear a lock left by a dead run (give the id the lock error printed)."""
    with _session(opts, env, check_account_id=True) as session:
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


cli.add_command(emulator_group)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Entry point: maps every outcome to the documented exit codes, never a traceback for bad input."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        with sigterm_as_interrupt():
            cli.main(
                args=list(argv) if argv is not None else None,
                prog_name="biaswatch",
                standalone_mode=False,
            )
        code = EXIT_OK
    except Stop as stop:
        code = stop.code
    except click.UsageError as exc:
        exc.show()
        code = EXIT_USAGE
    except click.exceptions.Abort as exc:
        # click turns Ctrl-C (KeyboardInterrupt), SIGTERM (Terminated) and EOF at a prompt into Abort.
        code = interrupt_exit_code(exc)
        what = "terminated (SIGTERM)" if code == EXIT_TERMINATED else "interrupted"
        click.echo(
            f"{what}; the lock, if held, was released; what finished stays applied, "
            "run the command again to converge",
            err=True,
        )
    except click.ClickException as exc:
        exc.show()
        code = EXIT_ERROR
    except KeyboardInterrupt as exc:
        code = interrupt_exit_code(exc)
        click.echo("terminated (SIGTERM)" if code == EXIT_TERMINATED else "interrupted", err=True)
    except Exception as exc:
        if debug:
            traceback.print_exc()
        click.echo(f"internal error: {type(exc).__name__}: {exc}", err=True)
        click.echo(
            "    hint: this is a bug in biaswatch; rerun with --debug and report the traceback",
            err=True,
        )
        code = EXIT_ERROR
    sys.exit(code)


def _register_subcommands() -> None:
    """Commands defined in their own modules; they import this one, so they attach last."""
    from compiler.cli_import import import_cmd
    from compiler.cli_ops import bootstrap_cmd, iam_policy_cmd

    cli.add_command(import_cmd)
    cli.add_command(iam_policy_cmd)
    cli.add_command(bootstrap_cmd)


_register_subcommands()
