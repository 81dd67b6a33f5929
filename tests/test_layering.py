"""Dependencies point one way, derived from the folders: config → desired → state → importer →
analysis → aws → render → cli; the pure folders import no I/O library and no adapter.

Every rule names folders or files that must exist: a rule about a missing path fails, so moving
a module can never switch a check off.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "compiler"

# The order data flows. A module may import from its own folder, from an earlier folder, and
# from the loose top-level modules (diagnostics); never from a later folder.
ORDER = ("config", "desired", "state", "importer", "analysis", "aws", "render", "cli")
# Pure: functions of values. No I/O library, no clock, no print/open/input.
PURE = ("config", "desired", "state", "importer")
# Files inside pure folders that are adapters on purpose, each with the reason.
ADAPTERS_IN_PURE = {
    "config/workspace.py": "the only module that reads the project's files from disk",
}
# The emulator stands apart: only the AWS adapter (connecting to it) and the CLI load it, and
# it may use the pure folders (it validates requests against the same service model).
EMULATOR_USERS = ("aws", "cli")
# Loose modules that may import a folder: `python -m compiler` runs the CLI.
LOOSE_IMPORTS = {"compiler.__main__": ("cli",)}
BOTO3_IMPORTERS = ("aws/client.py",)
LOOSE_MAX = 6
FORBIDDEN_IN_PURE = {"boto3", "click", "subprocess", "socket", "requests", "moto", "time"}
FORBIDDEN_CALLS_IN_PURE = {"print", "open", "input"}


def _modules() -> Iterator[Path]:
    yield from sorted(PACKAGE.rglob("*.py"))


def _name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _folder(module: str) -> str | None:
    """The first-level folder of compiler.<folder>.<...>, or None for a loose module."""
    parts = module.split(".")
    if len(parts) < 3 and not (PACKAGE / parts[-1]).is_dir():
        return None
    return parts[1] if len(parts) > 1 else None


def _imports(path: Path) -> set[str]:
    """Every module imported anywhere in the file, deferred imports included."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                as_path = ROOT / Path(*sub.split("."))
                if as_path.with_suffix(".py").is_file() or (as_path / "__init__.py").is_file():
                    names.add(sub)
                else:
                    names.add(node.module)
    return names


def _calls(path: Path) -> set[str]:
    return {
        n.func.id
        for n in ast.walk(ast.parse(path.read_text()))
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }


def test_named_paths__all_exist() -> None:
    for folder in (*ORDER, "emulator"):
        assert (PACKAGE / folder / "__init__.py").is_file(), f"compiler/{folder}/ is missing"
    for rel in (*ADAPTERS_IN_PURE, *BOTO3_IMPORTERS):
        assert (PACKAGE / rel).is_file(), f"compiler/{rel} is named by a layering rule but missing"


def test_loose_modules__at_most_six_and_no_unknown_folder() -> None:
    loose = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(loose) <= LOOSE_MAX, loose
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders <= {*ORDER, "emulator"}, f"folder without a layering rule: {folders}"


@pytest.mark.parametrize("path", list(_modules()), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module__imports_only_earlier_folders(path: Path) -> None:
    me = _folder(_name(path))
    for imported in _imports(path):
        if not imported.startswith("compiler.") or imported == "compiler":
            continue
        other = _folder(imported)
        if other is None or other == me:
            continue
        if other == "emulator":
            assert me in (*EMULATOR_USERS, "emulator"), f"{_name(path)} imports {imported}"
            continue
        if me is None:
            assert other in LOOSE_IMPORTS.get(_name(path), ()), f"{_name(path)} imports {imported}"
            continue
        if me == "emulator":
            assert other in PURE, f"the emulator imports {imported}: only pure folders allowed"
            continue
        assert ORDER.index(other) <= ORDER.index(me), (
            f"{_name(path)} ({me}) imports {imported} ({other}), which comes later in {ORDER}"
        )
    assert not any(i == "tools" or i.startswith("tools.") for i in _imports(path)), (
        f"{_name(path)} imports the developer tools, which are not shipped"
    )


@pytest.mark.parametrize(
    "path",
    [
        p
        for folder in PURE
        for p in sorted((PACKAGE / folder).rglob("*.py"))
        if p.relative_to(PACKAGE).as_posix() not in ADAPTERS_IN_PURE
    ],
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_pure_module__no_io_library_and_no_io_call(path: Path) -> None:
    imported = _imports(path)
    assert not {i for i in imported if i.split(".")[0] in FORBIDDEN_IN_PURE}, imported
    assert not _calls(path) & FORBIDDEN_CALLS_IN_PURE


def test_boto3__imported_only_by_the_aws_client_and_emulator() -> None:
    for path in _modules():
        rel = path.relative_to(PACKAGE).as_posix()
        if rel in BOTO3_IMPORTERS or rel.startswith("emulator/"):
            continue
        assert not {i for i in _imports(path) if i.split(".")[0] == "boto3"}, rel


def test_imports__no_cycles_among_compiler_modules() -> None:
    graph: dict[str, set[str]] = {}
    known = {_name(p) for p in _modules()}
    for path in _modules():
        graph[_name(path)] = {i for i in _imports(path) if i in known and i != _name(path)}
    cycles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert not cycles, "import cycles: " + "; ".join(" → ".join(c) for c in cycles)
