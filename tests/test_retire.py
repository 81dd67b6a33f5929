"""Retiring a monitor (orphans counted, saved --allow-destroy plans delete, protection
blocks) and `biaswatch forget`, end to end against the served emulator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compiler.cli.common import EXIT_CHANGES, EXIT_ERROR, EXIT_OK
from compiler.emulator import Emulator
from tests.support import run

REPO = Path(__file__).resolve().parent.parent


def _applied(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["apply", "--auto-approve"], capsys)
    assert code == EXIT_OK, err


def test_plan__monitor_file_removed__counted_as_kept_and_detailed_exitcode_2(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _applied(project, capsys)
    (project / "monitors" / "churn-batch.yaml").unlink()
    code, out, err = run(["plan", "--detailed-exitcode"], capsys)
    assert code == EXIT_CHANGES, out + err
    assert "No changes" not in out
    assert "1 kept: deleting needs --allow-destroy" in out
    # The warning names the recorded file and says it is gone; no 1:1 location in it.
    assert "W606" in err and "monitors/churn-batch.yaml' is gone" in err
    assert "churn-batch.yaml:1:1" not in err
    code, out, _ = run(["plan", "--format", "markdown"], capsys)
    assert "**No changes.**" not in out and "1 kept: deleting needs --allow-destroy" in out
    # drift agrees: exit 2 for the same state
    assert run(["drift"], capsys)[0] == EXIT_CHANGES


def test_apply__saved_plan_made_with_allow_destroy__deletes_exactly_that(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    _applied(project, capsys)
    (project / "monitors" / "churn-batch.yaml").unlink()
    code, out, err = run(
        ["plan", "--allow-destroy", "--out", "plan.json", "--format", "markdown"], capsys
    )
    assert code == EXIT_OK, err
    assert "delete (schedule, job definition; config object kept)" in out
    assert "Deletes schedule 'churn-batch-bias', job definition" in out
    saved = json.loads((project / "plan.json").read_text())
    assert saved["identity"]["monitors"]["churn-batch-bias"]["actions"] == ["delete"]
    code, out, err = run(["apply", "plan.json"], capsys)
    assert code == EXIT_OK, out + err
    sm = emulator.client("sagemaker")
    names = [
        s["MonitoringScheduleName"]
        for s in sm.list_monitoring_schedules()["MonitoringScheduleSummaries"]
    ]
    assert names == ["credit-risk-bias"]
    code, out, err = run(["plan", "--detailed-exitcode"], capsys)
    assert code == EXIT_OK, out + err
    assert run(["drift"], capsys)[0] == EXIT_OK


def test_plan__protected_monitor_removed_with_allow_destroy__blocked_nothing_deleted(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    churn = project / "monitors" / "churn-batch.yaml"
    churn.write_text(churn.read_text() + "deletion_protection: true\n")
    _applied(project, capsys)
    churn.unlink()
    code, out, err = run(["plan", "--detailed-exitcode"], capsys)
    assert code == EXIT_CHANGES and "1 kept: deletion protection" in out
    code, out, err = run(["plan", "--allow-destroy", "--out", "plan.json"], capsys)
    assert code == EXIT_ERROR and "E415" in err
    assert run(["apply", "--auto-approve", "--allow-destroy"], capsys)[0] == EXIT_ERROR
    sm = emulator.client("sagemaker")
    assert sm.describe_monitoring_schedule(MonitoringScheduleName="churn-batch-bias")
    # drift says the apply cannot repair this one, and what a person must do
    code, out, _ = run(["drift", "--format", "json"], capsys)
    (orphan,) = [f for f in json.loads(out)["findings"] if f["kind"] == "orphan"]
    assert orphan["remedy"].startswith("a person must act: deletion_protection keeps it")
    assert "biaswatch forget churn-batch-bias --env test" in orphan["remedy"]


def test_drift__unprotected_orphan__says_the_next_apply_deletes_it(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    _applied(project, capsys)
    (project / "monitors" / "churn-batch.yaml").unlink()
    code, out, _ = run(["drift"], capsys)
    assert code == EXIT_CHANGES
    assert "repair: the next apply from main deletes it" in out


def test_forget__owned_schedule__untagged_kept_running_then_plan_and_drift_clean(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    _applied(project, capsys)
    sm = emulator.client("sagemaker")
    arn = sm.describe_monitoring_schedule(MonitoringScheduleName="churn-batch-bias")[
        "MonitoringScheduleArn"
    ]
    (project / "monitors" / "churn-batch.yaml").unlink()
    code, out, err = run(["forget", "churn-batch-bias"], capsys)
    assert code == EXIT_OK, out + err
    assert "Forgot 'churn-batch-bias'" in out
    tags = {t["Key"] for t in sm.list_tags(ResourceArn=arn)["Tags"]}
    assert not any(k.startswith("biaswatch:") for k in tags)
    assert sm.describe_monitoring_schedule(MonitoringScheduleName="churn-batch-bias")
    code, out, err = run(["plan", "--detailed-exitcode", "--allow-destroy"], capsys)
    assert code == EXIT_OK, out + err
    assert "No changes" in out
    assert run(["drift"], capsys)[0] == EXIT_OK
    # Not ours any more: a second forget refuses, and changes nothing.
    code, _, err = run(["forget", "churn-batch-bias"], capsys)
    assert code == EXIT_ERROR and "E414" in err


def test_forget__unknown_or_foreign_name__refused(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    _applied(project, capsys)
    code, _, err = run(["forget", "no-such-bias"], capsys)
    assert code == EXIT_ERROR and "E403" in err
    sm = emulator.client("sagemaker")
    arn = sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk-bias")[
        "MonitoringScheduleArn"
    ]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "biaswatch:project", "Value": "someone-else"}])
    code, _, err = run(["forget", "credit-risk-bias"], capsys)
    assert code == EXIT_ERROR and "E414" in err and "someone-else" in err
    tags = {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=arn)["Tags"]}
    assert tags["biaswatch:project"] == "someone-else"
