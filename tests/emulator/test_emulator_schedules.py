"""Conformance of the monitoring schedule operations, over HTTP with plain boto3 clients."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from compiler.emulator import Emulator
from compiler.emulator.testing import bias_definition_request, schedule_config

ARN_PREFIX = "arn:aws:sagemaker:us-east-1:123456789012:monitoring-schedule/"


def error_code(info: pytest.ExceptionInfo[ClientError]) -> str:
    return str(info.value.response["Error"]["Code"])


def test_create_schedule__valid_request__returns_arn(sm: Any, definition: str) -> None:
    response = sm.create_monitoring_schedule(
        MonitoringScheduleName="credit-risk", MonitoringScheduleConfig=schedule_config(definition)
    )
    assert response["MonitoringScheduleArn"] == ARN_PREFIX + "credit-risk"


def test_describe_schedule__after_create__echoes_config_and_derived_members(
    sm: Any, definition: str
) -> None:
    config = schedule_config(definition)
    sm.create_monitoring_schedule(
        MonitoringScheduleName="credit-risk", MonitoringScheduleConfig=config
    )
    described = sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk")
    assert described["MonitoringScheduleConfig"] == config
    assert described["MonitoringType"] == "ModelBias"
    assert described["EndpointName"] == "credit-risk-prod"
    assert described["MonitoringScheduleStatus"] == "Scheduled"
    assert "FailureReason" not in described
    assert "LastMonitoringExecutionSummary" not in described
    assert described["CreationTime"] == described["LastModifiedTime"]


def test_create_schedule__duplicate_name__resource_in_use(sm: Any, definition: str) -> None:
    sm.create_monitoring_schedule(
        MonitoringScheduleName="credit-risk", MonitoringScheduleConfig=schedule_config(definition)
    )
    with pytest.raises(ClientError) as info:
        sm.create_monitoring_schedule(
            MonitoringScheduleName="credit-risk",
            MonitoringScheduleConfig=schedule_config(definition),
        )
    assert error_code(info) == "ResourceInUse"


@pytest.mark.parametrize(
    "call",
    [
        "describe_monitoring_schedule",
        "delete_monitoring_schedule",
        "start_monitoring_schedule",
        "stop_monitoring_schedule",
    ],
)
def test_schedule_operation__unknown_name__resource_not_found(sm: Any, call: str) -> None:
    with pytest.raises(ClientError) as info:
        getattr(sm, call)(MonitoringScheduleName="nope")
    assert error_code(info) == "ResourceNotFound"


def test_update_schedule__unknown_name__resource_not_found(sm: Any, definition: str) -> None:
    with pytest.raises(ClientError) as info:
        sm.update_monitoring_schedule(
            MonitoringScheduleName="nope", MonitoringScheduleConfig=schedule_config(definition)
        )
    assert error_code(info) == "ResourceNotFound"


def test_update_schedule__new_cron__describe_shows_it_and_later_modified_time(
    sm: Any, definition: str
) -> None:
    sm.create_monitoring_schedule(
        MonitoringScheduleName="credit-risk", MonitoringScheduleConfig=schedule_config(definition)
    )
    before = sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk")
    time.sleep(0.01)
    new = schedule_config(definition, "cron(0 3 ? * * *)")
    sm.update_monitoring_schedule(
        MonitoringScheduleName="credit-risk", MonitoringScheduleConfig=new
    )
    after = sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk")
    assert after["MonitoringScheduleConfig"] == new
    assert after["LastModifiedTime"] > before["LastModifiedTime"]
    assert after["CreationTime"] == before["CreationTime"]


def test_update_schedule__swap_definition__points_at_new_definition(
    sm: Any, definition: str
) -> None:
    sm.create_monitoring_schedule(
        MonitoringScheduleName="credit-risk", MonitoringScheduleConfig=schedule_config(definition)
    )
    sm.create_model_bias_job_definition(**bias_definition_request("credit-risk-bias-ffff0000"))
    sm.update_monitoring_schedule(
        MonitoringScheduleName="credit-risk",
        MonitoringScheduleConfig=schedule_config("credit-risk-bias-ffff0000"),
    )
    sm.delete_model_bias_job_definition(JobDefinitionName=definition)
    described = sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk")
    assert described["MonitoringScheduleConfig"]["MonitoringJobDefinitionName"] == (
        "credit-risk-bias-ffff0000"
    )


def test_delete_schedule__scheduled__gone(sm: Any, definition: str) -> None:
    sm.create_monitoring_schedule(
        MonitoringScheduleName="credit-risk", MonitoringScheduleConfig=schedule_config(definition)
    )
    sm.delete_monitoring_schedule(MonitoringScheduleName="credit-risk")
    with pytest.raises(ClientError) as info:
        sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk")
    assert error_code(info) == "ResourceNotFound"


def test_stop_and_start__scheduled_schedule__stopped_then_scheduled(
    sm: Any, definition: str
) -> None:
    sm.create_monitoring_schedule(
        MonitoringScheduleName="credit-risk", MonitoringScheduleConfig=schedule_config(definition)
    )
    sm.stop_monitoring_schedule(MonitoringScheduleName="credit-risk")
    status = sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk")
    assert status["MonitoringScheduleStatus"] == "Stopped"
    sm.start_monitoring_schedule(MonitoringScheduleName="credit-risk")
    status = sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk")
    assert status["MonitoringScheduleStatus"] == "Scheduled"


def test_lifecycle__pending_seconds__pending_then_scheduled(
    emulator: Emulator, sm: Any, definition: str
) -> None:
    emulator.configure(pending_seconds=0.3)
    sm.create_monitoring_schedule(
        MonitoringScheduleName="credit-risk", MonitoringScheduleConfig=schedule_config(definition)
    )
    first = sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk")
    assert first["MonitoringScheduleStatus"] == "Pending"
    time.sleep(0.35)
    later = sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk")
    assert later["MonitoringScheduleStatus"] == "Scheduled"


def test_delete_schedule__pending__validation_exception(
    emulator: Emulator, sm: Any, definition: str
) -> None:
    emulator.configure(pending_seconds=30)
    sm.create_monitoring_schedule(
        MonitoringScheduleName="credit-risk", MonitoringScheduleConfig=schedule_config(definition)
    )
    with pytest.raises(ClientError) as info:
        sm.delete_monitoring_schedule(MonitoringScheduleName="credit-risk")
    assert error_code(info) == "ValidationException"
    assert info.value.response["Error"]["Message"] == "Monitoring schedule in status Pending"


@pytest.mark.parametrize("call", ["update", "stop", "start"])
def test_schedule_change__pending__validation_exception(
    emulator: Emulator, sm: Any, definition: str, call: str
) -> None:
    emulator.configure(pending_seconds=30)
    sm.create_monitoring_schedule(
        MonitoringScheduleName="credit-risk", MonitoringScheduleConfig=schedule_config(definition)
    )
    with pytest.raises(ClientError) as info:
        if call == "update":
            sm.update_monitoring_schedule(
                MonitoringScheduleName="credit-risk",
                MonitoringScheduleConfig=schedule_config(definition),
            )
        else:
            getattr(sm, f"{call}_monitoring_schedule")(MonitoringScheduleName="credit-risk")
    assert error_code(info) == "ValidationException"


def test_update_schedule__after_pending__goes_pending_again(
    emulator: Emulator, sm: Any, definition: str
) -> None:
    sm.create_monitoring_schedule(
        MonitoringScheduleName="credit-risk", MonitoringScheduleConfig=schedule_config(definition)
    )
    emulator.configure(pending_seconds=30)
    sm.update_monitoring_schedule(
        MonitoringScheduleName="credit-risk",
        MonitoringScheduleConfig=schedule_config(definition, "cron(0 5 ? * * *)"),
    )
    described = sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk")
    assert described["MonitoringScheduleStatus"] == "Pending"


def test_fail_schedule__hook__failed_with_reason(
    emulator: Emulator, sm: Any, definition: str
) -> None:
    sm.create_monitoring_schedule(
        MonitoringScheduleName="credit-risk", MonitoringScheduleConfig=schedule_config(definition)
    )
    emulator.fail_schedule("credit-risk", "Endpoint credit-risk-prod has no data capture")
    described = sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk")
    assert described["MonitoringScheduleStatus"] == "Failed"
    assert described["FailureReason"] == "Endpoint credit-risk-prod has no data capture"


def test_fail_next_schedule__option__next_create_fails_after_pending(
    emulator: Emulator, sm: Any, definition: str
) -> None:
    emulator.configure(fail_next_schedule_with="Access denied to role")
    sm.create_monitoring_schedule(
        MonitoringScheduleName="credit-risk", MonitoringScheduleConfig=schedule_config(definition)
    )
    sm.create_monitoring_schedule(
        MonitoringScheduleName="other", MonitoringScheduleConfig=schedule_config(definition)
    )
    failed = sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk")
    fine = sm.describe_monitoring_schedule(MonitoringScheduleName="other")
    assert (failed["MonitoringScheduleStatus"], failed["FailureReason"]) == (
        "Failed",
        "Access denied to role",
    )
    assert fine["MonitoringScheduleStatus"] == "Scheduled"


def test_tags__schedule_arn__add_overwrite_list_delete(sm: Any, definition: str) -> None:
    arn = sm.create_monitoring_schedule(
        MonitoringScheduleName="credit-risk",
        MonitoringScheduleConfig=schedule_config(definition),
        Tags=[{"Key": "biaswatch:project", "Value": "credit"}],
    )["MonitoringScheduleArn"]
    sm.add_tags(
        ResourceArn=arn,
        Tags=[{"Key": "biaswatch:project", "Value": "risk"}, {"Key": "team", "Value": "ml"}],
    )
    tags = sm.list_tags(ResourceArn=arn)["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [
        ("biaswatch:project", "risk"),
        ("team", "ml"),
    ]
    sm.delete_tags(ResourceArn=arn, TagKeys=["team"])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "biaswatch:project", "Value": "risk"}]


def test_list_tags__sixty_tags__paginates_by_fifty(sm: Any, definition: str) -> None:
    arn = sm.create_monitoring_schedule(
        MonitoringScheduleName="credit-risk", MonitoringScheduleConfig=schedule_config(definition)
    )["MonitoringScheduleArn"]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": f"x{i}", "Value": "v"} for i in range(10)])
    first = sm.list_tags(ResourceArn=arn, MaxResults=50)
    assert len(first["Tags"]) == 50
    second = sm.list_tags(ResourceArn=arn, MaxResults=50, NextToken=first["NextToken"])
    assert len(second["Tags"]) == 10
    assert "NextToken" not in second


@pytest.mark.parametrize("call", ["add_tags", "list_tags", "delete_tags"])
def test_tags__unknown_schedule_arn__resource_not_found(sm: Any, call: str) -> None:
    arn = ARN_PREFIX + "nope"
    kwargs: dict[str, Any] = {"ResourceArn": arn}
    if call == "add_tags":
        kwargs["Tags"] = [{"Key": "a", "Value": "b"}]
    if call == "delete_tags":
        kwargs["TagKeys"] = ["a"]
    with pytest.raises(ClientError) as info:
        getattr(sm, call)(**kwargs)
    assert error_code(info) == "ResourceNotFound"


def test_tags__bias_definition_arn__listed(sm: Any, endpoint: str) -> None:
    arn = sm.create_model_bias_job_definition(
        **bias_definition_request(Tags=[{"Key": "biaswatch:project", "Value": "credit"}])
    )["JobDefinitionArn"]
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [
        {"Key": "biaswatch:project", "Value": "credit"}
    ]


def test_create_schedule__now_with_window__accepted(sm: Any, definition: str) -> None:
    config = schedule_config(
        definition, "NOW", DataAnalysisStartTime="-PT5H", DataAnalysisEndTime="-PT1H"
    )
    sm.create_monitoring_schedule(MonitoringScheduleName="once", MonitoringScheduleConfig=config)
    assert (
        sm.describe_monitoring_schedule(MonitoringScheduleName="once")["MonitoringScheduleConfig"]
        == config
    )


def test_update_schedule__stopped__stays_stopped_after_pending(sm: Any, definition: str) -> None:
    sm.create_monitoring_schedule(
        MonitoringScheduleName="credit-risk", MonitoringScheduleConfig=schedule_config(definition)
    )
    sm.stop_monitoring_schedule(MonitoringScheduleName="credit-risk")
    sm.update_monitoring_schedule(
        MonitoringScheduleName="credit-risk",
        MonitoringScheduleConfig=schedule_config(definition, "cron(0 6 ? * * *)"),
    )
    described = sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk")
    assert described["MonitoringScheduleStatus"] == "Stopped"


def test_update_schedule__failed__cleared_to_scheduled(
    emulator: Emulator, sm: Any, definition: str
) -> None:
    sm.create_monitoring_schedule(
        MonitoringScheduleName="credit-risk", MonitoringScheduleConfig=schedule_config(definition)
    )
    emulator.fail_schedule("credit-risk", "boom")
    sm.update_monitoring_schedule(
        MonitoringScheduleName="credit-risk", MonitoringScheduleConfig=schedule_config(definition)
    )
    described = sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk")
    assert described["MonitoringScheduleStatus"] == "Scheduled"
    assert "FailureReason" not in described


def test_start_schedule__failed__validation_exception(
    emulator: Emulator, sm: Any, definition: str
) -> None:
    sm.create_monitoring_schedule(
        MonitoringScheduleName="credit-risk", MonitoringScheduleConfig=schedule_config(definition)
    )
    emulator.fail_schedule("credit-risk", "boom")
    with pytest.raises(ClientError) as info:
        sm.start_monitoring_schedule(MonitoringScheduleName="credit-risk")
    assert error_code(info) == "ValidationException"
