"""Hostile input that used to escape the diagnostics (issue 10, items 8-16).

Each test drives the CLI (or the disk adapter for limits too large to build in a test) and
expects a located diagnostic, exit code 1 and no internal error.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from compiler.cli.common import EXIT_ERROR, EXIT_OK
from compiler.config.resolve import merge_layers
from compiler.config.source import SourceMap
from compiler.config.workspace import load_workspace
from compiler.emulator import Emulator
from compiler.emulator.testing import running_emulator
from compiler.state.planfile import _canonical, parse_plan_file
from tests.support import example_project, run

REPO = Path(__file__).resolve().parent.parent
TOO_LONG = "a" * 300  # longer than NAME_MAX (255) on every file system the CLI runs on


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def _no_internal_error(err: str) -> None:
    assert "internal error" not in err and "Traceback" not in err, err


@pytest.fixture
def alarm() -> Iterator[None]:
    """Fail instead of hanging: a blocked open() is interrupted after 20 seconds."""

    def _raise(signum: int, frame: object) -> None:
        raise TimeoutError("the command hung")

    previous = signal.signal(signal.SIGALRM, _raise)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


# -- item 8: an offset with thousands of digits ----------------------------------------------


def test_validate__offset_with_5000_digits__located_e302(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit(
        in_tmp_project / "monitors" / "credit-risk.yaml",
        "start_time_offset: -PT1H",
        f"start_time_offset: -PT{'9' * 5000}H",
    )
    code, _, err = run(["validate"], capsys)
    _no_internal_error(err)
    assert code == EXIT_ERROR
    first = err.splitlines()[0]
    assert first.startswith("monitors/credit-risk.yaml:16:")
    assert "error E302 endpoint_input.start_time_offset:" in first
    assert "(5,004 characters)" in first and len(first) < 300


# -- item 9: names longer than the file system allows ----------------------------------------


def test_compile__selector_longer_than_a_file_name__e503_not_internal_error(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["compile", TOO_LONG], capsys)
    _no_internal_error(err)
    assert code == EXIT_ERROR and out == ""
    assert "E503" in err


def test_validate__path_longer_than_a_file_name__e101(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for path in (TOO_LONG, f"monitors/{TOO_LONG}.yaml", f"{TOO_LONG}/x.yaml"):
        code, _, err = run(["validate", path], capsys)
        _no_internal_error(err)
        assert code == EXIT_ERROR
        assert "error E101 cannot read file: file name too long" in err


def test_project_file__longer_than_a_file_name__e501(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["--project-file", TOO_LONG, "validate"], capsys)
    _no_internal_error(err)
    assert code == EXIT_ERROR
    assert "E501" in err and "file name too long" in err


def test_validate__monitors_folder_name_too_long__e502_at_the_key(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit(in_tmp_project / "biaswatch.yaml", "monitors: monitors", f"monitors: {'m' * 256}")
    code, _, err = run(["validate"], capsys)
    _no_internal_error(err)
    assert code == EXIT_ERROR
    assert err.startswith("biaswatch.yaml:5:11: error E502 monitors: monitors folder 'mmm")
    assert "file name too long" in err


# -- item 10: a saved plan whose fields have the wrong shape ---------------------------------


def _signed(body: dict[str, Any]) -> str:
    """The plan file with its digest recomputed, as a careful forger would."""
    body = {k: v for k, v in body.items() if k != "digest"}
    body["digest"] = hashlib.sha256(_canonical(body)).hexdigest()
    return json.dumps(body)


def _plan_body() -> dict[str, Any]:
    return {
        "format_version": 1,
        "kind": "biaswatch-plan",
        "tool_version": "0",
        "created_at": "t",
        "project": "p",
        "environment": "test",
        "account_id": None,
        "region": "us-east-1",
        "monitors_digest": "d",
        "verified": False,
        "identity": {
            "monitors": {
                "m": {"actions": ["create"], "live_fingerprint": "", "job_definition": "j"}
            },
            "cleanups": [],
        },
        "plan": {},
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("identity", []),
        ("identity", {"monitors": {"m": "create"}, "cleanups": []}),
        ("identity", {"monitors": {"m": {"actions": "delete"}}, "cleanups": []}),
        ("environment", ["test"]),
        ("verified", "yes"),
        ("plan", []),
    ],
)
def test_parse_plan_file__wrong_shape_with_valid_digest__e412(field: str, value: Any) -> None:
    body = _plan_body()
    body[field] = value
    data, problems = parse_plan_file(_signed(body), "plan.json")
    assert data is None
    assert [p.code for p in problems] == ["E412"]
    assert "malformed" in problems[0].message and field in problems[0].message


# -- item 11: many unknown keys ----------------------------------------------------------------


def test_merge_layers__40000_keys__linear_time() -> None:
    source = SourceMap("m.yaml", {}, {})
    data = {f"x{i}": "v" for i in range(40_000)}
    started = time.perf_counter()
    merged, origins = merge_layers([({"role": "r"}, source, ()), (data, source, ())])
    elapsed = time.perf_counter() - started
    assert len(merged) == 40_001 and len(origins) == 40_001
    # Quadratic, this took minutes; linear, it takes a fraction of a second.
    assert elapsed < 5, elapsed


def test_merge_layers__mapping_replaced_by_scalar__inner_origins_dropped() -> None:
    a, b, c = (SourceMap(f"{n}.yaml", {}, {}) for n in "abc")
    merged, origins = merge_layers(
        [
            ({"x": {"y": {"z": 0}}, "k": 1}, a, ()),
            ({"x": {"y": {"z": 1}}}, b, ()),
            ({"x": 2}, c, ("overrides", "e")),
        ]
    )
    assert merged == {"x": 2, "k": 1}
    assert origins[("x",)].source is c and origins[("x",)].path == ("overrides", "e", "x")
    assert ("x", "y") not in origins and ("x", "y", "z") not in origins
    assert origins[()].source is a


def test_validate__many_unknown_keys__capped_with_one_summary(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = in_tmp_project / "monitors" / "credit-risk.yaml"
    lines = path.read_text().count("\n")
    with path.open("a") as f:
        f.writelines(f"x{i}: v\n" for i in range(500))
    code, _, err = run(["validate", "--env", "local"], capsys)
    assert code == EXIT_ERROR
    listed = [line for line in err.splitlines() if " E201 " in line]
    assert len(listed) == 21  # 20 keys one by one (resolve.MAX_UNKNOWN_KEYS), then a summary
    assert listed[-1] == (
        f"monitors/credit-risk.yaml:{lines + 21}:1: error E201 "
        "x20: 480 more unknown keys from here on are not listed (500 in all)"
    )


# -- item 12: a monitors folder outside the project --------------------------------------------


def test_validate__monitors_is_root_folder__e506_nothing_read(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit(in_tmp_project / "biaswatch.yaml", "monitors: monitors", "monitors: /")
    started = time.perf_counter()
    code, _, err = run(["validate"], capsys)
    assert code == EXIT_ERROR
    assert err.startswith(
        "biaswatch.yaml:5:11: error E506 monitors: monitors folder '/' is outside"
    )
    assert time.perf_counter() - started < 10


def test_validate__monitors_symlink_to_outside__e506(
    in_tmp_project: Path,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    shutil.rmtree(in_tmp_project / "monitors")
    shutil.copytree(REPO / "monitors", elsewhere / "monitors")
    (in_tmp_project / "monitors").symlink_to(elsewhere / "monitors")
    code, _, err = run(["validate"], capsys)
    assert code == EXIT_ERROR
    assert "E506" in err and os.path.realpath(elsewhere / "monitors") in err


def test_validate__monitors_file_symlinked_outside__e506(
    in_tmp_project: Path,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    shutil.copy(REPO / "monitors" / "credit-risk.yaml", elsewhere / "x.yaml")
    (in_tmp_project / "monitors" / "x.yaml").symlink_to(elsewhere / "x.yaml")
    code, _, err = run(["validate"], capsys)
    assert code == EXIT_ERROR
    assert err.startswith("monitors/x.yaml:1:1: error E506 monitor file links to")


def test_validate__monitors_symlink_inside_project__still_valid(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (in_tmp_project / "monitors").rename(in_tmp_project / "real-monitors")
    (in_tmp_project / "monitors").symlink_to(in_tmp_project / "real-monitors")
    code, _, err = run(["validate"], capsys)
    assert code == EXIT_OK, err


def test_load_workspace__more_files_than_the_bound__e507_none_read(in_tmp_project: Path) -> None:
    for i in range(4):
        shutil.copy(
            in_tmp_project / "monitors" / "credit-risk.yaml",
            in_tmp_project / "monitors" / f"c{i}.yaml",
        )
    ws = load_workspace(in_tmp_project / "biaswatch.yaml", max_files=5)
    assert [d.code for d in ws.diagnostics] == ["E507"] and ws.documents == ()
    assert "more than 5 monitor files in 'monitors'" in ws.diagnostics[0].message
    assert len(load_workspace(in_tmp_project / "biaswatch.yaml", max_files=7).documents) == 7


def test_load_workspace__explicit_folder_over_the_bound__e507(in_tmp_project: Path) -> None:
    ws = load_workspace(
        in_tmp_project / "biaswatch.yaml", [in_tmp_project / "monitors"], max_files=2
    )
    assert [d.code for d in ws.diagnostics] == ["E507"] and ws.documents == ()


# -- item 13: a FIFO ---------------------------------------------------------------------------


def test_validate__fifo_as_path__e101_without_hanging(
    in_tmp_project: Path, alarm: None, capsys: pytest.CaptureFixture[str]
) -> None:
    os.mkfifo(in_tmp_project / "pipe.yaml")
    code, _, err = run(["validate", "pipe.yaml"], capsys)
    assert code == EXIT_ERROR
    assert err.startswith("pipe.yaml:1:1: error E101 cannot read file: it is a named pipe (FIFO)")


def test_validate__fifo_in_monitors__e101_not_skipped(
    in_tmp_project: Path, alarm: None, capsys: pytest.CaptureFixture[str]
) -> None:
    os.mkfifo(in_tmp_project / "monitors" / "pipe.yaml")
    code, _, err = run(["validate"], capsys)
    assert code == EXIT_ERROR
    assert "monitors/pipe.yaml:1:1: error E101 cannot read file: it is a named pipe" in err


# -- item 14: non-finite numbers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        (
            "label_values_or_threshold: [1]",
            "label_values_or_threshold: [1, .nan]",
            ":26:34: error E205 analysis_config.label_values_or_threshold[1]: .nan is not allowed",
        ),
        (
            "label_values_or_threshold: [1]",
            "label_values_or_threshold: -.inf",
            ":26:30: error E205 analysis_config.label_values_or_threshold: -.inf is not allowed",
        ),
        (
            "value_or_threshold: [female]",
            "value_or_threshold: [.inf]",
            ":29:28: error E205 analysis_config.facet[0].value_or_threshold[0]: .inf is not allowed",
        ),
        (
            "probability_threshold_attribute: 0.8",
            "probability_threshold_attribute: .NaN",
            ":18:36: error E205 endpoint_input.probability_threshold_attribute: .NaN is not allowed",
        ),
    ],
)
def test_validate__non_finite_number__e205_where_written(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, where: str
) -> None:
    _edit(in_tmp_project / "monitors" / "credit-risk.yaml", old, new)
    code, out, err = run(["compile", "credit-risk-bias"], capsys)
    assert code == EXIT_ERROR and out == ""
    lines = [line for line in err.splitlines() if not line.startswith("    hint:")]
    assert len(lines) == 1, err
    assert lines[0].startswith("monitors/credit-risk.yaml:") and where in lines[0]


# -- item 15: dangling and looping symlinks ------------------------------------------------------


def test_validate__dangling_symlink_in_monitors__e101(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (in_tmp_project / "monitors" / "gone.yaml").symlink_to("nowhere.yaml")
    code, _, err = run(["validate"], capsys)
    assert code == EXIT_ERROR
    assert err.startswith(
        "monitors/gone.yaml:1:1: error E101 cannot read file: it is a symlink to 'nowhere.yaml', "
        "which does not exist"
    )


def test_validate__self_looping_symlink_in_monitors__e101(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (in_tmp_project / "monitors" / "loop.yaml").symlink_to("loop.yaml")
    code, _, err = run(["validate"], capsys)
    _no_internal_error(err)
    assert code == EXIT_ERROR
    assert err.startswith("monitors/loop.yaml:1:1: error E101 cannot read file: too many levels")


# -- items 10 and 16 through apply, against the emulator -----------------------------------------


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    yield from running_emulator(pending_seconds=0.2)


@pytest.fixture
def project(tmp_path: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Path:
    example_project(tmp_path, emulator)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _schedules(emulator: Emulator) -> list[Any]:
    return emulator.client("sagemaker").list_monitoring_schedules()["MonitoringScheduleSummaries"]


def test_apply_saved_plan__readable_section_forged_digest_recomputed__e412_nothing_run(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["plan", "--out", "plan.json"], capsys)[0] == EXIT_OK
    body = json.loads((project / "plan.json").read_text())
    # The reviewer is shown a harmless plan: no field changes for credit-risk-bias.
    shown = next(m for m in body["plan"]["monitors"] if m["name"] == "credit-risk-bias")
    shown["changes"] = []
    (project / "plan.json").write_text(_signed(body))
    code, _, err = run(["apply", "plan.json"], capsys)
    assert code == EXIT_ERROR
    assert "E412" in err and "readable section" in err and "credit-risk-bias" in err
    assert _schedules(emulator) == []


def test_apply_saved_plan__identity_wrong_shape_digest_recomputed__e412(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["plan", "--out", "plan.json"], capsys)[0] == EXIT_OK
    body = json.loads((project / "plan.json").read_text())
    body["identity"]["monitors"]["credit-risk-bias"] = "create"
    (project / "plan.json").write_text(_signed(body))
    code, _, err = run(["apply", "plan.json"], capsys)
    _no_internal_error(err)
    assert code == EXIT_ERROR and "E412" in err and "malformed" in err
    assert _schedules(emulator) == []


def test_apply_saved_plan__unedited__readable_section_matches_and_applies(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["plan", "--out", "plan.json"], capsys)[0] == EXIT_OK
    code, out, err = run(["apply", "plan.json"], capsys)
    assert code == EXIT_OK, err
    assert "Apply: 2 done" in out


def test_plan__out_name_longer_than_a_file_name__e508(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["plan", "--out", f"{TOO_LONG}.json"], capsys)
    _no_internal_error(err)
    assert code == EXIT_ERROR
    assert "error E508 cannot write 'aaa" in err and "file name too long" in err
