"""`validate` and `compile`: check and compile monitor files; no network."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import click

from compiler.cli.common import (
    Options,
    build_or_fail,
    emit_diagnostics,
    environment_name,
    fail,
    open_workspace,
)
from compiler.config.workspace import path_exists
from compiler.desired.pipeline import build_environment, merge_environment_diagnostics
from compiler.diagnostics import Diagnostic, SourceSpan, has_errors
from compiler.render.diagnostics import RENDERERS


@click.command()
@click.argument("paths", nargs=-1)
@click.option(
    "--env", "env", default=None, help="Validate for one environment only (default: all)."
)
@click.option(
    "--diagnostics-format",
    "fmt",
    type=click.Choice(sorted(RENDERERS)),
    default=None,
    help="How to print errors and warnings on stderr (as the global --diagnostics-format).",
)
@click.option(
    "--format",
    "legacy_fmt",
    type=click.Choice(sorted(RENDERERS)),
    default=None,
    hidden=True,
    help="Deprecated spelling of --diagnostics-format.",
)
@click.pass_obj
def validate(
    opts: Options,
    paths: tuple[str, ...],
    env: str | None,
    fmt: str | None,
    legacy_fmt: str | None,
) -> None:
    """Check monitor files and biaswatch.yaml; no network. Exit 0 valid, 1 invalid."""
    # On plan, drift and preview --format is the report's format (stdout); validate has no
    # report, so its diagnostics format is spelled like the global option.
    if fmt or legacy_fmt:
        opts.diagnostics_format = fmt or legacy_fmt or opts.diagnostics_format
    try:
        _validate(opts, paths, env)
    finally:
        if legacy_fmt is not None:
            click.echo(
                "note: `validate --format` is deprecated; write `validate --diagnostics-format` "
                "(--format is the report format on plan and drift)",
                err=True,
            )


def _validate(opts: Options, paths: tuple[str, ...], env: str | None) -> None:
    ws, project = open_workspace(opts, paths)
    names = (
        [environment_name(opts, project, env)]
        if env or opts.env
        else list(project.config.environments)
    )
    per_environment = [
        (name, build_environment(project, ws.documents, name).diagnostics) for name in names
    ]
    diags = list(merge_environment_diagnostics(per_environment))
    if has_errors(diags):
        fail(opts, diags)
    emit_diagnostics(opts, diags)
    click.echo(
        f"{len(ws.documents)} monitor file(s) valid in {len(names)} environment(s): {', '.join(names)}",
        err=True,
    )


@click.command(name="compile")
@click.argument("selectors", nargs=-1)
@click.option("--env", "env", default=None, help="Environment to compile for.")
@click.pass_obj
def compile_cmd(opts: Options, selectors: tuple[str, ...], env: str | None) -> None:
    """Print the exact SageMaker requests per monitor (JSON); no network."""
    paths = [s for s in selectors if path_exists(s)]
    names = [s for s in selectors if s not in paths]
    ws, project = open_workspace(opts, paths if paths and not names else ())
    build = build_or_fail(opts, ws, project, env)
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
                        hints=_close_names(n, [m.spec.name for m in build.monitors]),
                    )
                    for n in missing
                ],
            )
    out: dict[str, Any] = {
        m.spec.name: m.desired.compiled_view() for m in sorted(selected, key=lambda m: m.spec.name)
    }
    click.echo(json.dumps(out, indent=2, sort_keys=False, ensure_ascii=False))


def _close_names(name: str, known: list[str]) -> tuple[str, ...]:
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    if close:
        return (f"did you mean {' or '.join(repr(c) for c in close)}?",)
    return (f"monitors in this environment: {', '.join(sorted(known))}",) if known else ()
