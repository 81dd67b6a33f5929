"""The biaswatch command line: the root group, command registration and exit codes (the only place that exits)."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import click

from compiler import __version__
from compiler.cli.analysis import baseline, preview
from compiler.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    Options,
    Stop,
)
from compiler.cli.deploy import apply, drift, force_unlock_cmd, plan
from compiler.cli.forget import forget_cmd
from compiler.cli.imports import import_cmd
from compiler.cli.ops import bootstrap_cmd, iam_policy_cmd
from compiler.cli.validate import compile_cmd, validate
from compiler.interrupt import EXIT_TERMINATED, interrupt_exit_code, sigterm_as_interrupt
from compiler.render.diagnostics import RENDERERS

EPILOG = """\b
Next steps:
  biaswatch validate               check biaswatch.yaml and monitors/ (no network)
  biaswatch plan                   see what apply would change (the local emulator needs no AWS)
  biaswatch apply                  make it so
  biaswatch <command> --help       options of one command
Docs: docs/getting-started.md in the biaswatch repository (docs/diagnostics.md lists every code).
"""


class LazyEmulatorGroup(click.Group):
    """Loads the emulator (moto, flask, werkzeug: about half a second) only when it is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), "emulator"])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == "emulator":
            from compiler.emulator.cli import emulator

            return emulator
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=LazyEmulatorGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EPILOG,
)
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


for _command in (
    validate,
    compile_cmd,
    plan,
    apply,
    drift,
    force_unlock_cmd,
    forget_cmd,
    import_cmd,
    iam_policy_cmd,
    bootstrap_cmd,
    preview,
    baseline,
):
    cli.add_command(_command)


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
