"""Dependencies point one way: the pure core imports no I/O library and no adapter."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "compiler"
CORE = [
    "diagnostics",
    "source",
    "spec",
    "resolve",
    "rules",
    "compile",
    "resources",
    "facts",
    "build",
    "awsmodel",
    "diff",
    "plan",
    "project",
]
FORBIDDEN = {
    "boto3",
    "click",
    "subprocess",
    "socket",
    "requests",
    "moto",
    "time",
    "datetime.datetime.now",
}
ADAPTERS = {
    "compiler.cli",
    "compiler.aws",
    "compiler.apply",
    "compiler.lock",
    "compiler.workspace",
    "compiler.emulator",
    "compiler.render",
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _calls(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {
        n.func.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }


@pytest.mark.parametrize("module", [m for m in CORE if (PACKAGE / f"{m}.py").exists()])
def test_core_module__imports__no_io_and_no_adapter(module: str) -> None:
    path = PACKAGE / f"{module}.py"
    imported = _imports(path)
    assert not {i for i in imported if i.split(".")[0] in FORBIDDEN}, imported
    assert not {i for i in imported if any(i == a or i.startswith(a + ".") for a in ADAPTERS)}, (
        imported
    )
    assert not _calls(path) & {"print", "open", "input"}


def test_boto3__imported_only_by_the_aws_adapter_and_emulator() -> None:
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel == "aws.py" or rel.startswith("emulator/"):
            continue
        assert not {i for i in _imports(path) if i.split(".")[0] == "boto3"}, rel
