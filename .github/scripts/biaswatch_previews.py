"""Bias previews for the pull-request comment: every monitor with a sample file beside it.

    python .github/scripts/biaswatch_previews.py --env ENV --out FILE [--project-file F]

Convention: a monitor file `monitors/<stem>.yaml` may keep a sample of its model's data
next to it as `monitors/<stem>.sample.csv` (or `.sample.jsonl`): the analysis config's
columns (the label is the ground truth) and a `prediction` column with the model's output
(docs/preview.md). For each monitor of the environment that has one, this runs
`biaswatch preview NAME --data SAMPLE --format markdown` and writes the sections to FILE
(empty when no monitor has a sample). A preview with violations of the monitor's baseline
(exit 2) is shown as such; one that cannot run (exit 1: pre-flight) is shown with its
diagnostics. Exit 0 unless the project itself cannot be loaded.

Run it with the Python that has biaswatch installed (the action's venv in pr.yml).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from compiler.config.workspace import load_workspace
from compiler.desired.pipeline import build_environment, build_project
from compiler.diagnostics import has_errors

SAMPLE_SUFFIXES = (".sample.csv", ".sample.jsonl")
HEADING = "#### Bias preview on sample files"


def samples(project_file: Path, environment: str) -> list[tuple[str, Path]]:
    """(schedule name, sample file) for each monitor with a sample beside its file."""
    ws = load_workspace(project_file)
    if ws.project_document is None:
        raise SystemExit(f"biaswatch_previews: cannot load {project_file}")
    project, diagnostics = build_project(ws.project_document)
    if project is None or has_errors(diagnostics):
        raise SystemExit(f"biaswatch_previews: {project_file} is invalid; run biaswatch validate")
    build = build_environment(project, ws.documents, environment)
    found = []
    for monitor in build.monitors:
        source = ws.root / monitor.desired.source_path
        stem = source.name.rsplit(".", 1)[0]
        for suffix in SAMPLE_SUFFIXES:
            sample = source.with_name(stem + suffix)
            if sample.is_file():
                found.append((monitor.desired.name, sample))
                break
    return sorted(found)


def preview_section(project_file: Path, environment: str, name: str, sample: Path) -> str:
    command = [
        *(sys.executable, "-m", "compiler", "--no-color"),
        *("--project-file", str(project_file), "--env", environment),
        *("preview", name, "--data", str(sample), "--format", "markdown"),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    shown = sample.as_posix()
    if done.returncode in (0, 2):
        return f"_Sample `{shown}`._\n\n{done.stdout.strip()}\n"
    return (
        f"**`{name}`: the preview could not run** on `{shown}` (exit {done.returncode}):\n\n"
        f"```\n{done.stderr.strip()[:4000]}\n```\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", required=True, help="The biaswatch environment.")
    parser.add_argument("--out", required=True, type=Path, help="The Markdown file to write.")
    parser.add_argument("--project-file", default="biaswatch.yaml", type=Path)
    args = parser.parse_args(argv)
    found = samples(args.project_file, args.env)
    text = ""
    if found:
        sections = [preview_section(args.project_file, args.env, n, s) for n, s in found]
        text = "\n".join([f"{HEADING} — {args.env}\n", *sections])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"{len(found)} preview(s) written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
