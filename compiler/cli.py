"""The biaswatch command line: wiring, output and exit codes (the only place that prints)."""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import click

from compiler import __version__
from compiler.build import EnvironmentBuild, Project, build_environment, build_project
from compiler.diagnostics import Diagnostic, SourceSpan, has_errors, sort_diagnostics
from compiler.render.diagnostics import RENDERERS
from compiler.workspace import Workspace, load_workspace

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_USAGE = 64


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
@click.pass_obj
def validate(opts: Options, paths: tuple[str, ...], env: str | None) -> None:
    """Check monitor files and biaswatch.yaml; no network. Exit 0 valid, 1 invalid."""
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


def _attach_optional_commands() -> None:
    try:
        from compiler.emulator.cli import emulator
    except ImportError:  # the emulator package is optional at import time only during development
        return
    cli.add_command(emulator)


_attach_optional_commands()


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Entry point: maps every outcome to the documented exit codes, never a traceback for bad input."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
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
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        code = EXIT_ERROR
    except click.ClickException as exc:
        exc.show()
        code = EXIT_ERROR
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        code = 130
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
