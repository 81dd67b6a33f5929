"""The CLI contract: exit codes, output streams and formats (through click's runner)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from compiler.cli.common import EXIT_ERROR, EXIT_OK, EXIT_USAGE
from tests.support import run

REPO = Path(__file__).resolve().parent.parent


def test_validate__repo_examples__exit_0(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["validate"], capsys)
    assert code == EXIT_OK, err
    assert out == ""
    assert "3 monitor file(s) valid in 2 environment(s)" in err


def _break(project: Path) -> None:
    (project / "monitors" / "broken.yaml").write_text(
        "api_version: biaswatch/v1\nkind: ModelBiasMonitor\nname: broken\nschedule_cron_expression: every minute\n"
        "endpoint_input: {endpoint_name: ep, start_time_offset: -PT1X}\nground_truth_input: s3://b/gt\n"
        "analysis_config: {facet: [{name_or_index: a}]}\n"
    )


def test_validate__invalid_file__exit_1_with_located_diagnostics(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _break(in_tmp_project)
    code, out, err = run(["validate"], capsys)
    assert code == EXIT_ERROR
    assert out == ""
    lines = [line for line in err.splitlines() if not line.startswith("    hint:")]
    assert lines == [
        "monitors/broken.yaml:4:27: error E304 schedule_cron_expression: 'every minute' is not a schedule SageMaker accepts",
        "monitors/broken.yaml:5:56: error E302 endpoint_input.start_time_offset: '-PT1X' is not a negative ISO-8601 duration of at most 15 characters",
    ]
    assert "Traceback" not in err


def test_validate__json_format__carries_same_fields(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _break(in_tmp_project)
    code, _, err = run(["--diagnostics-format", "json", "validate"], capsys)
    assert code == EXIT_ERROR
    items = json.loads(err)["diagnostics"]
    assert [(i["code"], i["path"], i["line"], i["column"], i["field"]) for i in items] == [
        ("E304", "monitors/broken.yaml", 4, 27, "schedule_cron_expression"),
        ("E302", "monitors/broken.yaml", 5, 56, "endpoint_input.start_time_offset"),
    ]


def test_validate__github_format__workflow_annotations(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _break(in_tmp_project)
    code, _, err = run(["--diagnostics-format", "github", "validate"], capsys)
    assert code == EXIT_ERROR
    assert err.splitlines()[0].startswith(
        "::error file=monitors/broken.yaml,line=4,col=27,title=E304 schedule_cron_expression::"
    )


def test_validate__one_path__checks_only_that_file(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _break(in_tmp_project)
    code, _, err = run(["validate", "monitors/credit-risk.yaml"], capsys)
    assert code == EXIT_OK, err


def test_validate__missing_path__exit_1(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["validate", "monitors/nope.yaml"], capsys)
    assert code == EXIT_ERROR
    assert "monitors/nope.yaml:1:1: error E101" in err


def test_validate__no_project_file__exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["validate"], capsys)
    assert code == EXIT_ERROR
    assert "E501" in err and "not found" in err


def test_compile__by_name__prints_requests_json(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["compile", "credit-risk-bias"], capsys)
    assert code == EXIT_OK, err
    data = json.loads(out)
    assert list(data) == ["credit-risk-bias"]
    assert set(data["credit-risk-bias"]) == {
        "CreateModelBiasJobDefinition",
        "CreateMonitoringSchedule",
        "AnalysisConfig",
        "AnalysisConfigS3Uri",
        "PutMetricAlarm",  # the example monitor has an alarm (docs/alarms.md)
    }
    schedule = data["credit-risk-bias"]["CreateMonitoringSchedule"]
    assert schedule["MonitoringScheduleConfig"]["ScheduleConfig"] == {
        "ScheduleExpression": "cron(0 * ? * * *)"
    }
    endpoint = data["credit-risk-bias"]["CreateModelBiasJobDefinition"]["ModelBiasJobInput"][
        "EndpointInput"
    ]
    assert endpoint["ProbabilityThresholdAttribute"] == 0.8
    assert (endpoint["StartTimeOffset"], endpoint["EndTimeOffset"]) == ("-PT1H", "-PT0H")


def test_compile__by_path_and_env__uses_overrides(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["compile", "--env", "prod", "monitors/loan-approval.yaml"], capsys)
    assert code == EXIT_OK, err
    data = json.loads(out)
    assert list(data) == ["loan-approval-prod-bias"]
    request = data["loan-approval-prod-bias"]["CreateModelBiasJobDefinition"]
    assert request["JobResources"]["ClusterConfig"]["InstanceType"] == "ml.m5.2xlarge"
    assert request["RoleArn"] == "arn:aws:iam::210987654321:role/ModelMonitorRole"


def test_compile__unknown_name__exit_1(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["compile", "nope"], capsys)
    assert code == EXIT_ERROR
    assert out == ""
    assert "E503" in err


def test_compile__unknown_env__usage_exit_64(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["compile", "--env", "staging"], capsys)
    assert code == EXIT_USAGE
    assert "unknown environment 'staging'" in err


def test_cli__unknown_option__usage_exit_64(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, _ = run(["validate", "--bogus"], capsys)
    assert code == EXIT_USAGE


def test_cli__help_and_version__exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--help"], capsys)[0] == EXIT_OK
    code, out, _ = run(["--version"], capsys)
    assert code == EXIT_OK and "biaswatch" in out


def test_validate__binary_garbage_file__diagnostic_not_traceback(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (in_tmp_project / "monitors" / "garbage.yaml").write_bytes(b"\xff\xfe\x00garbage\x80")
    code, _, err = run(["validate"], capsys)
    assert code == EXIT_ERROR
    assert (
        "monitors/garbage.yaml:" in err and "Traceback" not in err and "internal error" not in err
    )


def test_validate__project_file_invalid__located(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        (in_tmp_project / "biaswatch.yaml")
        .read_text()
        .replace("default_environment: local", "default_environment: nowhere")
    )
    (in_tmp_project / "biaswatch.yaml").write_text(text)
    code, _, err = run(["validate"], capsys)
    assert code == EXIT_ERROR
    assert "biaswatch.yaml:6:22: error E322 default_environment" in err


def test_python_m_compiler__runs_cli(in_tmp_project: Path) -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "compiler", "validate"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr


def test_repo_copy_fixture__has_examples(in_tmp_project: Path) -> None:
    assert sorted(p.name for p in (in_tmp_project / "monitors").iterdir()) == sorted(
        p.name for p in (REPO / "monitors").iterdir()
    )
    shutil.rmtree(in_tmp_project / "monitors")


def test_validate__format_option__same_as_global_diagnostics_format(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _break(in_tmp_project)
    code, _, err = run(["validate", "--format", "github"], capsys)
    assert code == EXIT_ERROR
    assert err.startswith("::error file=monitors/broken.yaml,line=4,col=27,")
