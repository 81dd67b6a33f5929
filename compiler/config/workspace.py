"""Disk adapter: find and load biaswatch.yaml and the monitor files of a project."""

from __future__ import annotations

import dataclasses
import errno
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from compiler.config.loader import load_file
from compiler.config.source import Document, is_repo_file
from compiler.diagnostics import Diagnostic, SourceSpan

MONITOR_SUFFIXES = (".yaml", ".yml")
# More monitor files than any fleet biaswatch is measured with (10,000 validate in seconds,
# see the README's performance section); a monitors folder pointing at a system directory
# stops here instead of parsing every YAML file on the machine.
MAX_MONITOR_FILES: Final = 20_000


@dataclass(frozen=True)
class Workspace:
    root: Path
    project_document: Document | None
    documents: tuple[Document, ...]
    diagnostics: tuple[Diagnostic, ...]


def display_path(path: Path, root: Path) -> str:
    """path relative to root: as written if it lies under root, else after resolving symlinks.

    os.path.realpath rather than Path.resolve: on Python 3.11 resolve raises for a symlink loop.
    """
    for resolve in (os.path.abspath, os.path.realpath):
        try:
            return Path(resolve(path)).relative_to(resolve(root)).as_posix()
        except ValueError:
            continue
    return path.as_posix()


def path_exists(path: Path | str) -> bool:
    """Whether anything is at path; False (never an exception) for names the OS refuses."""
    kind = _probe(Path(path))
    return isinstance(kind, str) and kind != "missing"


def _probe(path: Path) -> str | OSError:
    """'dir', 'file' (anything else that exists), 'missing', or why the path cannot be looked at.

    Path.exists/is_dir raise for some errors (ENAMETOOLONG: a name longer than the file
    system allows) and hide others (ELOOP); the caller needs to tell them apart.
    """
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        return "missing"
    except OSError as error:
        return error
    except ValueError:  # an embedded NUL byte
        return OSError(0, "the path contains a NUL character")
    return "dir" if stat.S_ISDIR(mode) else "file"


def _reason(error: OSError) -> str:
    return (error.strerror or type(error).__name__).lower()


def _is_within(path: Path, root: Path) -> bool:
    real, real_root = os.path.realpath(path), os.path.realpath(root)
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


@dataclass(frozen=True)
class _Walk:
    files: list[Path]
    too_many: bool
    unreadable: list[tuple[Path, OSError]]


def _walk(folder: Path, limit: int) -> _Walk:
    """Monitor-file candidates under folder, sorted, stopping after limit + 1 (too_many).

    Every entry with a monitor suffix that is not a directory is a candidate, symlinks
    included, so that one that is dangling or loops is reported by the loader rather than
    skipped (a skipped monitor would look deleted). Symlinked directories are not entered,
    as Path.rglob does not enter them.
    """
    found: list[Path] = []
    unreadable: list[tuple[Path, OSError]] = []
    todo = [folder]
    while todo:
        current = todo.pop()
        try:
            with os.scandir(current) as entries:
                items = list(entries)
        except OSError as error:
            # A folder that cannot be listed may hold monitors: say so, never skip it.
            unreadable.append((current, error))
            continue
        for entry in items:
            try:
                is_real_dir = entry.is_dir(follow_symlinks=False)
                is_dir = is_real_dir or entry.is_dir()
            except OSError:
                is_real_dir = is_dir = False
            if is_real_dir:
                todo.append(Path(entry.path))
            if not is_dir and os.path.splitext(entry.name)[1] in MONITOR_SUFFIXES:
                found.append(Path(entry.path))
                if len(found) > limit:
                    return _Walk(sorted(found), True, unreadable)
    return _Walk(sorted(found), False, unreadable)


def _too_many(where: str, limit: int) -> Diagnostic:
    return Diagnostic(
        "E507",
        f"more than {limit:,} monitor files in {where!r}; none were read",
        SourceSpan(where),
        hints=("point monitors: at the folder of this project's monitor files",),
    )


def _project_file_hints(project_file: Path) -> tuple[str, ...]:
    above = project_file.absolute().parent.parent / project_file.name
    if not project_file.is_absolute() and _probe(above) == "file":
        # The usual slip: running validate from inside monitors/.
        return (f"{project_file.name} is in the parent folder: run biaswatch from there",)
    return ("run biaswatch from the repository root or pass --project-file",)


def load_workspace(
    project_file: Path,
    paths: Sequence[Path] | None = None,
    monitors_dir: str | None = None,
    *,
    max_files: int = MAX_MONITOR_FILES,
) -> Workspace:
    """Load the project file and the monitor files (all of `monitors/` when no paths are given)."""
    root = project_file.parent
    diags: list[Diagnostic] = []
    project_doc = None
    project_kind = _probe(project_file)
    if isinstance(project_kind, OSError):
        diags.append(
            Diagnostic(
                "E501",
                f"project file {project_file.name!r} cannot be read: {_reason(project_kind)}",
                SourceSpan(project_file.as_posix()),
                hints=("pass --project-file with a shorter path",)
                if _is_name_too_long(project_kind)
                else (),
            )
        )
    elif project_kind != "file":
        diags.append(
            Diagnostic(
                "E501",
                f"project file {project_file.name!r} not found",
                SourceSpan(project_file.as_posix()),
                hints=_project_file_hints(project_file),
            )
        )
    else:
        project_doc, load_diags = load_file(project_file, display_path(project_file, root))
        diags.extend(load_diags)
    files: list[Path] = []
    if paths:
        files = _named_paths(paths, root, max_files, diags)
    elif project_kind == "missing":
        # Without a project file there is no monitors folder to look for: E501 says it all.
        files = []
    else:
        files = _monitors_folder(
            root, monitors_dir or _monitors_dir(project_doc), project_doc, max_files, diags
        )
    documents = []
    for path in files:
        doc, load_diags = load_file(path, display_path(path, root))
        diags.extend(load_diags)
        if doc is not None:
            documents.append(_with_attachments(doc, path, root))
    return Workspace(root, project_doc, tuple(documents), tuple(diags))


# Baseline files are small JSON documents (Clarify's analysis.json); more is a mistake.
MAX_ATTACHMENT_BYTES: Final = 1_000_000


def _with_attachments(doc: Document, path: Path, root: Path) -> Document:
    """Read the baseline files a monitor names (`constraints:` at the top or in an override)
    relative to its own folder; kept by the value as written, or why it cannot be read."""
    data = doc.data if isinstance(doc.data, dict) else {}
    layers = [
        data,
        *(
            (data.get("overrides") or {}).values()
            if isinstance(data.get("overrides"), dict)
            else ()
        ),
    ]
    values = {
        layer["constraints"]
        for layer in layers
        if isinstance(layer, dict)
        and isinstance(layer.get("constraints"), str)
        and is_repo_file(layer["constraints"])
    }
    if not values:
        return doc
    return dataclasses.replace(
        doc, attachments={v: _read_attachment(path.parent / v, root) for v in sorted(values)}
    )


def _read_attachment(path: Path, root: Path) -> bytes | str:
    if "\0" in str(path):
        return "the path contains a NUL character"
    if not _is_within(path, root):
        return "it is outside the project folder"
    kind = _probe(path)
    if isinstance(kind, OSError):
        return _reason(kind)
    if kind != "file":
        return "no such file" if kind == "missing" else "it is a folder"
    try:
        with path.open("rb") as f:
            body = f.read(MAX_ATTACHMENT_BYTES + 1)
    except OSError as error:
        return _reason(error)
    if len(body) > MAX_ATTACHMENT_BYTES:
        return f"it is larger than {MAX_ATTACHMENT_BYTES:,} bytes"
    return body


def _named_paths(
    paths: Sequence[Path], root: Path, max_files: int, diags: list[Diagnostic]
) -> list[Path]:
    """The monitor files named on the command line (folders walked); problems go to diags."""
    found: list[Path] = []
    for path in paths:
        kind = _probe(path)
        if isinstance(kind, OSError):
            message = f"cannot read file: {_reason(kind)}"
            diags.append(Diagnostic("E101", message, SourceSpan(display_path(path, root))))
        elif kind == "missing" and not os.path.islink(path):
            message = "no such file or directory"
            diags.append(Diagnostic("E101", message, SourceSpan(display_path(path, root))))
        elif kind == "dir":
            walk = _walk(path, max_files - len(found))
            found.extend(walk.files)
            for folder, error in walk.unreadable:
                message = f"cannot read folder: {_reason(error)}"
                diags.append(Diagnostic("E101", message, SourceSpan(display_path(folder, root))))
        else:
            # A dangling symlink goes to the loader, which says what it points at.
            found.append(path)
        if len(found) > max_files:
            shown = display_path(path, root)
            diags.append(_too_many(shown, max_files))
            return []
    return list(dict.fromkeys(found))


def _monitors_folder(
    root: Path, name: str, project_doc: Document | None, max_files: int, diags: list[Diagnostic]
) -> list[Path]:
    """The monitor files of the project's monitors folder; problems are appended to diags."""
    folder = root / name
    shown = display_path(folder, root)
    at = _monitors_span(project_doc, shown)
    kind = _probe(folder)
    if isinstance(kind, OSError):
        message = f"monitors folder {shown!r} cannot be read: {_reason(kind)}"
        diags.append(Diagnostic("E502", message, at, "monitors"))
        return []
    if kind == "dir" and not _is_within(folder, root):
        diags.append(
            Diagnostic(
                "E506",
                f"monitors folder {shown!r} is outside the project folder "
                f"(it resolves to {os.path.realpath(folder)!r})",
                at,
                "monitors",
                hints=("keep the monitor files inside the repository, e.g. monitors: monitors",),
            )
        )
        return []
    walk = _walk(folder, max_files) if kind == "dir" else _Walk([], False, [])
    if walk.too_many:
        diags.append(_too_many(shown, max_files))
        return []
    for path, error in walk.unreadable:
        message = f"cannot read folder: {_reason(error)}"
        diags.append(Diagnostic("E101", message, SourceSpan(display_path(path, root))))
    files = []
    for path in walk.files:
        if _is_within(path, root):
            files.append(path)
        else:
            diags.append(
                Diagnostic(
                    "E506",
                    f"monitor file links to {os.path.realpath(path)!r}, outside the project folder",
                    SourceSpan(display_path(path, root)),
                    hints=("copy the file into the repository",),
                )
            )
    if not walk.files and not walk.unreadable:
        diags.append(Diagnostic("E502", f"no monitor files in {shown!r}", SourceSpan(shown)))
    return files


def write_output(path: Path, text: str) -> Diagnostic | None:
    """Write a file biaswatch produces (a saved plan); a diagnostic when the OS refuses."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        return Diagnostic(
            "E508",
            f"cannot write {path.as_posix()!r}: {_reason(error)}",
            SourceSpan(path.as_posix()),
        )
    return None


def _is_name_too_long(error: OSError) -> bool:
    return error.errno == errno.ENAMETOOLONG


def _monitors_span(project_doc: Document | None, shown: str) -> SourceSpan:
    if project_doc is not None and "monitors" in project_doc.data:
        return project_doc.source.span_for(("monitors",))
    return SourceSpan(shown)


def _monitors_dir(project_doc: Document | None) -> str:
    if project_doc is not None and isinstance(project_doc.data.get("monitors"), str):
        return str(project_doc.data["monitors"])
    return "monitors"
