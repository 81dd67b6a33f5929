"""The state file: what survives a restart, atomic saves, and clear errors for bad files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from compiler.emulator import Emulator, StateFileError
from compiler.emulator.state import STATE_VERSION
from compiler.emulator.testing import (
    bias_definition_request,
    create_endpoint_with_capture,
    schedule_config,
)

HOUR = dt.datetime(2026, 1, 2, 13, tzinfo=dt.UTC)


def populate(emu: Emulator) -> dict[str, Any]:
    sm, s3 = emu.client("sagemaker"), emu.client("s3")
    create_endpoint_with_capture(sm, "credit-risk-prod")
    request = bias_definition_request(Tags=[{"Key": "biaswatch:project", "Value": "credit"}])
    definition_arn = sm.create_model_bias_job_definition(**request)["JobDefinitionArn"]
    schedule_arn = sm.create_monitoring_schedule(
        MonitoringScheduleName="credit-risk",
        MonitoringScheduleConfig=schedule_config(),
        Tags=[{"Key": "biaswatch:project", "Value": "credit"}],
    )["MonitoringScheduleArn"]
    sm.add_tags(ResourceArn=schedule_arn, Tags=[{"Key": "owner", "Value": "ml"}])
    sm.stop_monitoring_schedule(MonitoringScheduleName="credit-risk")
    s3.create_bucket(Bucket="acme")
    s3.put_object(Bucket="acme", Key="configs/analysis.json", Body=b'{"x": 1}', Metadata={"h": "1"})
    emu.add_execution("credit-risk", "CompletedWithViolations", scheduled_time=HOUR)
    return {
        "definition": sm.describe_model_bias_job_definition(
            JobDefinitionName=request["JobDefinitionName"]
        ),
        "schedule": sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk"),
        "definition_arn": definition_arn,
        "schedule_arn": schedule_arn,
    }


def strip(response: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def test_state_file__restart__everything_survives(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    with Emulator(pending_seconds=0, state_file=path) as emu:
        before = populate(emu)
    with Emulator(pending_seconds=0, state_file=path) as emu:
        sm, s3 = emu.client("sagemaker"), emu.client("s3")
        assert sm.describe_endpoint(EndpointName="credit-risk-prod")["EndpointName"]
        config = sm.describe_endpoint_config(EndpointConfigName="credit-risk-prod-config")
        assert config["DataCaptureConfig"]["EnableCapture"] is True
        definition = sm.describe_model_bias_job_definition(
            JobDefinitionName="credit-risk-bias-0a1b2c3d"
        )
        assert strip(definition) == strip(before["definition"])
        schedule = sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk")
        assert strip(schedule) == strip(before["schedule"])
        assert schedule["MonitoringScheduleStatus"] == "Stopped"
        assert sorted(
            t["Key"] for t in sm.list_tags(ResourceArn=before["schedule_arn"])["Tags"]
        ) == [
            "biaswatch:project",
            "owner",
        ]
        assert sm.list_tags(ResourceArn=before["definition_arn"])["Tags"] == [
            {"Key": "biaswatch:project", "Value": "credit"}
        ]
        obj = s3.get_object(Bucket="acme", Key="configs/analysis.json")
        assert obj["Body"].read() == b'{"x": 1}'
        assert obj["Metadata"] == {"h": "1"}
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="acme")["Contents"]]
        assert any(k.endswith("constraint_violations.json") for k in keys)
        executions = sm.list_monitoring_executions()["MonitoringExecutionSummaries"]
        assert [e["ScheduledTime"] for e in executions] == [HOUR]


def test_state_file__after_each_mutating_call__saved_valid_json(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    with Emulator(pending_seconds=0, state_file=path) as emu:
        sm = emu.client("sagemaker")
        create_endpoint_with_capture(sm)
        sm.create_model_bias_job_definition(**bias_definition_request())
        saved = json.loads(path.read_text())
        assert saved["version"] == STATE_VERSION
        (entry,) = saved["sagemaker"]
        assert [d["request"]["JobDefinitionName"] for d in entry["bias_definitions"]] == [
            "credit-risk-bias-0a1b2c3d"
        ]
        assert not list(tmp_path.glob("*.tmp"))


def test_state_file__deleted_resources__stay_deleted(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    with Emulator(pending_seconds=0, state_file=path) as emu:
        populate(emu)
        sm = emu.client("sagemaker")
        sm.delete_monitoring_schedule(MonitoringScheduleName="credit-risk")
        sm.delete_model_bias_job_definition(JobDefinitionName="credit-risk-bias-0a1b2c3d")
    with Emulator(pending_seconds=0, state_file=path) as emu:
        sm = emu.client("sagemaker")
        assert sm.list_monitoring_schedules()["MonitoringScheduleSummaries"] == []
        assert sm.list_model_bias_job_definitions()["JobDefinitionSummaries"] == []


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "cannot read"),
        ('{"format": "something-else", "version": 1}', "not a biaswatch emulator state file"),
        ('{"format": "biaswatch-emulator-state", "version": 99}', "version 99"),
        (
            '{"format": "biaswatch-emulator-state", "version": 1, "sagemaker": [{"account_id": 1}]}',
            "damaged",
        ),
    ],
)
def test_state_file__unreadable_or_incompatible__state_file_error(
    tmp_path: Path, content: str, fragment: str
) -> None:
    path = tmp_path / "state.json"
    path.write_text(content)
    with pytest.raises(StateFileError, match=fragment):
        Emulator(state_file=path).start()
    # The failed start released the per-process slot.
    with Emulator(pending_seconds=0):
        pass


def test_state_file__missing__starts_empty_and_creates_it(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "state.json"
    with Emulator(pending_seconds=0, state_file=path) as emu:
        assert (
            emu.client("sagemaker").list_monitoring_schedules()["MonitoringScheduleSummaries"] == []
        )
    assert json.loads(path.read_text())["format"] == "biaswatch-emulator-state"
