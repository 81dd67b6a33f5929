"""Exit codes are public API: one table, every command, against the emulator over HTTP."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from compiler.emulator import Emulator
from compiler.emulator.testing import create_endpoint_with_capture, running_emulator
from tests.support import run, write_project_file

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    yield from running_emulator(pending_seconds=0)


@pytest.fixture
def project(tmp_path: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Path:
    emulator.reset()
    (tmp_path / "monitors").mkdir()
    shutil.copy(REPO / "monitors" / "credit-risk.yaml", tmp_path / "monitors")
    write_project_file(tmp_path, emulator.endpoint_url)
    emulator.client("s3").create_bucket(Bucket="biaswatch-test")
    create_endpoint_with_capture(emulator.client("sagemaker"), "credit-risk-prod")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _applied(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["apply", "--auto-approve"], capsys)[0] == 0


def _broken(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = project / "monitors" / "credit-risk.yaml"
    path.write_text(path.read_text().replace("hourly", "every minute"))


def _drifted(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _applied(project, capsys)
    path = project / "monitors" / "credit-risk.yaml"
    path.write_text(path.read_text().replace("tags: {team: risk}", "tags: {team: other}"))


def _file_lost(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _applied(project, capsys)
    (project / "monitors" / "credit-risk.yaml").unlink()


def _nothing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    return None


Setup = Callable[[Path, pytest.CaptureFixture[str]], None]
TABLE: list[tuple[str, Setup, list[str], int]] = [
    ("validate ok", _nothing, ["validate"], 0),
    ("validate invalid", _broken, ["validate"], 1),
    ("validate bad option", _nothing, ["validate", "--nope"], 64),
    ("compile ok", _nothing, ["compile"], 0),
    ("compile invalid", _broken, ["compile"], 1),
    ("compile unknown env", _nothing, ["compile", "--env", "nowhere"], 64),
    ("plan no changes", _applied, ["plan", "--detailed-exitcode"], 0),
    ("plan changes, plain", _nothing, ["plan"], 0),
    ("plan changes, detailed", _nothing, ["plan", "--detailed-exitcode"], 2),
    ("plan invalid", _broken, ["plan"], 1),
    ("plan bad target", _nothing, ["plan", "--target", "nope"], 64),
    ("apply ok", _nothing, ["apply", "--auto-approve"], 0),
    ("apply no terminal, no approval", _nothing, ["apply"], 64),
    ("apply missing plan file", _nothing, ["apply", "nope.json"], 1),
    ("apply bad lock timeout", _nothing, ["apply", "--auto-approve", "--lock-timeout", "soon"], 64),
    ("drift none", _applied, ["drift"], 0),
    ("drift found", _drifted, ["drift"], 2),
    ("drift invalid", _broken, ["drift"], 1),
    ("import ok", _file_lost, ["import", "credit-risk-bias"], 0),
    ("import existing file", _applied, ["import", "credit-risk-bias"], 1),
    ("import missing", _nothing, ["import", "nope"], 1),
    ("force-unlock no lock", _nothing, ["force-unlock", "abc"], 1),
    ("iam-policy ok", _nothing, ["iam-policy", "--mode", "apply"], 0),
    ("bootstrap ok", _nothing, ["bootstrap"], 0),
    ("emulator serve bad option", _nothing, ["emulator", "serve", "--nope"], 64),
    ("unknown command", _nothing, ["frobnicate"], 64),
]


@pytest.mark.parametrize("label,setup,argv,expected", TABLE, ids=[t[0] for t in TABLE])
def test_exit_code__command_and_situation__documented_code(
    project: Path,
    capsys: pytest.CaptureFixture[str],
    label: str,
    setup: Setup,
    argv: list[str],
    expected: int,
) -> None:
    setup(project, capsys)
    code, out, err = run(argv, capsys)
    assert code == expected, f"{label}: {out}{err}"
    assert "Traceback" not in out + err
