"""Disk adapter: find and load biaswatch.yaml and the monitor files of a project."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from compiler.config.loader import load_file
from compiler.config.source import Document
from compiler.diagnostics import Diagnostic, SourceSpan

MONITOR_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Workspace:
    root: Path
    project_document: Document | None
    documents: tuple[Document, ...]
    diagnostics: tuple[Diagnostic, ...]


def display_path(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def discover(paths: Sequence[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(p for p in path.rglob("*") if p.suffix in MONITOR_SUFFIXES and p.is_file())
            )
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def load_workspace(
    project_file: Path, paths: Sequence[Path] | None = None, monitors_dir: str | None = None
) -> Workspace:
    """Load the project file and the monitor files (all of `monitors/` when no paths are given)."""
    root = project_file.parent
    diags: list[Diagnostic] = []
    project_doc = None
    if not project_file.is_file():
        diags.append(
            Diagnostic(
                "E501",
                f"project file {project_file.name!r} not found",
                SourceSpan(project_file.as_posix()),
                hints=("run biaswatch from the repository root or pass --project-file",),
            )
        )
    else:
        project_doc, load_diags = load_file(project_file, display_path(project_file, root))
        diags.extend(load_diags)
    if paths:
        files = discover(paths)
        missing = [p for p in files if not p.exists()]
        for p in missing:
            diags.append(
                Diagnostic("E101", "no such file or directory", SourceSpan(display_path(p, root)))
            )
        files = [p for p in files if p.exists()]
    else:
        folder = root / (monitors_dir or _monitors_dir(project_doc))
        files = discover([folder]) if folder.is_dir() else []
        if not files:
            diags.append(
                Diagnostic(
                    "E502",
                    f"no monitor files in {display_path(folder, root)!r}",
                    SourceSpan(display_path(folder, root)),
                )
            )
    documents = []
    for path in files:
        doc, load_diags = load_file(path, display_path(path, root))
        diags.extend(load_diags)
        if doc is not None:
            documents.append(doc)
    return Workspace(root, project_doc, tuple(documents), tuple(diags))


def _monitors_dir(project_doc: Document | None) -> str:
    if project_doc is not None and isinstance(project_doc.data.get("monitors"), str):
        return str(project_doc.data["monitors"])
    return "monitors"
