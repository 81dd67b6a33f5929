"""What every command shares: options, exit codes, diagnostics output, workspace and session."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import click

from compiler.aws.apply import ApplyResult
from compiler.aws.client import AwsError
from compiler.aws.connect import Connection, check_account, connect
from compiler.aws.lock import HeldLock, acquire_lock, release_lock
from compiler.aws.read import LiveRead, read_live
from compiler.config.workspace import Workspace, load_workspace
from compiler.desired.artifacts import lock_uri
from compiler.desired.pipeline import EnvironmentBuild, Project, build_environment, build_project
from compiler.diagnostics import Diagnostic, has_errors, sort_diagnostics
from compiler.render.diagnostics import RENDERERS
from compiler.render.json import render_plan_json
from compiler.render.markdown import render_plan_markdown
from compiler.render.text import render_plan_text
from compiler.state.plan import Plan, build_plan

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


def open_workspace(opts: Options, paths: Sequence[str] = ()) -> tuple[Workspace, Project]:
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


def environment_name(opts: Options, project: Project, env: str | None) -> str:
    if env and opts.env and env != opts.env:
        # `biaswatch --env a plan --env b` used to plan b silently; neither reading is safe.
        raise click.UsageError(
            f"--env is given twice with different values: {opts.env!r} before the command "
            f"and {env!r} after it; give one"
        )
    name = env or opts.env or project.config.default_environment
    if name not in project.config.environments:
        raise click.UsageError(
            f"unknown environment {name!r}; declared: {', '.join(project.config.environments)}"
        )
    return name


def build_or_fail(
    opts: Options, ws: Workspace, project: Project, env: str | None
) -> EnvironmentBuild:
    build = build_environment(project, ws.documents, environment_name(opts, project, env))
    if has_errors(build.diagnostics):
        fail(opts, build.diagnostics)
    emit_diagnostics(opts, build.diagnostics)
    return build


def monitor_files(ws: Workspace) -> list[tuple[str, bytes]]:
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
def open_session(opts: Options, env: str | None, *, check_account_id: bool) -> Iterator[Session]:
    ws, project = open_workspace(opts)
    build = build_or_fail(opts, ws, project, env)
    try:
        with connect(build.name, build.environment, ws.root) as conn:
            account = check_account(conn) if check_account_id else None
            yield Session(ws, project, build, conn, account or build.target.account_id)
    except AwsError as exc:
        fail(opts, [exc.diagnostic])


@contextlib.contextmanager
def environment_lock(
    opts: Options, session: Session, operation: str, timeout_seconds: float
) -> Iterator[HeldLock]:
    """Hold the environment's lock for the block: the holder is reported while waiting, and
    the lock is released however the block ends (a failed release is reported, not raised)."""
    env_cfg = session.build.environment
    uri = lock_uri(env_cfg.artifact_bucket, env_cfg.artifact_prefix, session.build.name)
    clients = session.conn.clients
    try:
        held = acquire_lock(
            clients,
            uri,
            operation,
            session.build.name,
            timeout_seconds,
            report=lambda line: click.echo(line, err=True),
        )
    except AwsError as exc:
        fail(opts, [exc.diagnostic])
    try:
        yield held
    finally:
        try:
            release_lock(clients, uri, held)
        except AwsError as exc:
            emit_diagnostics(opts, [exc.diagnostic])


def read_plan(
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


def render_plan(plan: Plan, fmt: str, color: bool) -> str:
    if fmt == "json":
        return render_plan_json(plan)
    if fmt == "markdown":
        return render_plan_markdown(plan)
    return render_plan_text(plan, color=color)


FORMAT = click.Choice(["text", "json", "markdown"])


def print_apply_result(result: ApplyResult) -> None:
    for outcome in result.outcomes:
        if outcome.status != "done":
            click.echo(f"  {outcome.status}: {outcome.name}: {outcome.detail}", err=True)
    click.echo(
        f"Apply: {result.count('done')} done, {result.count('failed')} failed, {result.count('not attempted')} not attempted."
    )


def poll_interval(session: Session) -> float:
    return 0.2 if session.conn.emulated else 5.0


def require_confirmation_channel(planfile: object, auto_approve: bool) -> None:
    """Refuse an apply that could never be confirmed, before anything is read or locked."""
    if planfile is None and not auto_approve and not sys.stdin.isatty():
        raise click.UsageError(
            "apply needs confirmation: run it in a terminal, pass --auto-approve, or apply a saved plan"
        )


def parse_duration(text: str, option: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    try:
        if text[-1:] in units:
            return float(text[:-1]) * units[text[-1]]
        return float(text)
    except ValueError:
        raise click.UsageError(f"{option}: {text!r} is not a duration like 30s, 5m or 1h") from None
