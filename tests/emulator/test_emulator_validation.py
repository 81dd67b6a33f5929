"""The emulator refuses what SageMaker refuses: model rules, schedule rules and reference checks."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from compiler.emulator import Emulator
from compiler.emulator.testing import bias_definition_request, schedule_config


def refused(call: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    error = info.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


@pytest.fixture
def raw_sm(emulator: Emulator) -> Any:
    """A client that skips botocore's own checks, so the server's are what is tested."""
    return emulator.client("sagemaker", config=Config(parameter_validation=False))


@pytest.mark.parametrize(
    ("name", "rule"),
    [("credit_risk", "pattern"), ("a" * 64, "maximum 63"), ("-lead", "pattern")],
)
def test_create_schedule__bad_name__validation_exception_names_member(
    sm: Any, definition: str, name: str, rule: str
) -> None:
    code, message = refused(
        sm.create_monitoring_schedule,
        MonitoringScheduleName=name,
        MonitoringScheduleConfig=schedule_config(definition),
    )
    assert code == "ValidationException"
    assert "MonitoringScheduleName" in message and rule in message


def test_create_schedule__bad_monitoring_type__validation_exception(
    sm: Any, definition: str
) -> None:
    code, message = refused(
        sm.create_monitoring_schedule,
        MonitoringScheduleName="credit-risk",
        MonitoringScheduleConfig=schedule_config(definition, monitoring_type="Bias"),
    )
    assert code == "ValidationException"
    assert "MonitoringScheduleConfig.MonitoringType" in message


def test_create_schedule__empty_expression__server_rejects_below_min(
    raw_sm: Any, definition: str
) -> None:
    code, message = refused(
        raw_sm.create_monitoring_schedule,
        MonitoringScheduleName="credit-risk",
        MonitoringScheduleConfig=schedule_config(definition, ""),
    )
    assert code == "ValidationException"
    assert "ScheduleConfig.ScheduleExpression" in message and "minimum 1" in message


@pytest.mark.parametrize(
    "expression",
    [
        "rate(1 hour)",
        "cron(5 * ? * * *)",
        "cron(0 24 ? * * *)",
        "cron(0 1/25 ? * * *)",
        "cron(0 1/0 ? * * *)",
        "cron(0 * * * ? *)",
        "cron(0/30 * ? * * *)",
        "now",
    ],
)
def test_create_schedule__unsupported_cron__validation_exception(
    sm: Any, definition: str, expression: str
) -> None:
    code, message = refused(
        sm.create_monitoring_schedule,
        MonitoringScheduleName="credit-risk",
        MonitoringScheduleConfig=schedule_config(definition, expression),
    )
    assert code == "ValidationException"
    assert "ScheduleExpression" in message


@pytest.mark.parametrize(
    "expression",
    ["cron(0 * ? * * *)", "cron(0 23 ? * * *)", "cron(0 0/2 ? * * *)", "cron(0 17/12 ? * * *)"],
)
def test_create_schedule__documented_cron__accepted(
    sm: Any, definition: str, expression: str
) -> None:
    sm.create_monitoring_schedule(
        MonitoringScheduleName="credit-risk",
        MonitoringScheduleConfig=schedule_config(definition, expression),
    )


@pytest.mark.parametrize(
    ("window", "fragment"),
    [
        ({}, "required when ScheduleExpression is NOW"),
        ({"DataAnalysisStartTime": "-PT1H"}, "required when ScheduleExpression is NOW"),
        ({"DataAnalysisStartTime": "-PT1H", "DataAnalysisEndTime": "-PT5H"}, "before"),
        ({"DataAnalysisStartTime": "-PT30H", "DataAnalysisEndTime": "-PT1H"}, "24 hours"),
        ({"DataAnalysisStartTime": "PT5H", "DataAnalysisEndTime": "-PT1H"}, "negative ISO-8601"),
        ({"DataAnalysisStartTime": "-P", "DataAnalysisEndTime": "-PT1H"}, "negative ISO-8601"),
    ],
)
def test_create_schedule__bad_now_window__validation_exception(
    sm: Any, definition: str, window: dict[str, str], fragment: str
) -> None:
    code, message = refused(
        sm.create_monitoring_schedule,
        MonitoringScheduleName="once",
        MonitoringScheduleConfig=schedule_config(definition, "NOW", **window),
    )
    assert code == "ValidationException"
    assert fragment in message


def test_create_schedule__cron_window_over_24h__validation_exception(
    sm: Any, definition: str
) -> None:
    code, message = refused(
        sm.create_monitoring_schedule,
        MonitoringScheduleName="credit-risk",
        MonitoringScheduleConfig=schedule_config(
            definition, DataAnalysisStartTime="-P2D", DataAnalysisEndTime="-PT0H"
        ),
    )
    assert code == "ValidationException" and "24 hours" in message


@pytest.mark.parametrize(
    ("stopping", "expression", "accepted"),
    [
        ({"MaxRuntimeInSeconds": 3600}, "cron(0 * ? * * *)", False),
        ({"MaxRuntimeInSeconds": 3600}, "cron(0 0/1 ? * * *)", False),
        ({"MaxRuntimeInSeconds": 1801}, "cron(0 * ? * * *)", False),
        ({"MaxRuntimeInSeconds": 1800}, "cron(0 * ? * * *)", True),
        ({"MaxRuntimeInSeconds": 3600}, "cron(0 4 ? * * *)", True),
        ({"MaxRuntimeInSeconds": 3600}, "cron(0 0/2 ? * * *)", True),
        (None, "cron(0 * ? * * *)", False),
        (None, "cron(0 4 ? * * *)", True),
    ],
)
def test_create_schedule__hourly_runtime_limit__1800_seconds(
    sm: Any, endpoint: str, stopping: dict[str, int] | None, expression: str, accepted: bool
) -> None:
    request = bias_definition_request()
    if stopping is None:
        del request["StoppingCondition"]
    else:
        request["StoppingCondition"] = stopping
    sm.create_model_bias_job_definition(**request)
    kwargs = {
        "MonitoringScheduleName": "credit-risk",
        "MonitoringScheduleConfig": schedule_config(expression=expression),
    }
    if accepted:
        sm.create_monitoring_schedule(**kwargs)
    else:
        code, message = refused(sm.create_monitoring_schedule, **kwargs)
        assert code == "ValidationException"
        assert "MaxRuntimeInSeconds" in message and "1800" in message


def test_create_schedule__missing_definition__resource_not_found(sm: Any, endpoint: str) -> None:
    code, _ = refused(
        sm.create_monitoring_schedule,
        MonitoringScheduleName="credit-risk",
        MonitoringScheduleConfig=schedule_config("does-not-exist"),
    )
    assert code == "ResourceNotFound"


def test_create_schedule__definition_of_other_type__validation_exception(
    sm: Any, definition: str
) -> None:
    code, message = refused(
        sm.create_monitoring_schedule,
        MonitoringScheduleName="credit-risk",
        MonitoringScheduleConfig=schedule_config(definition, monitoring_type="DataQuality"),
    )
    assert code == "ValidationException" and "ModelBias" in message


def test_create_schedule__definition_name_without_type__validation_exception(
    sm: Any, definition: str
) -> None:
    code, message = refused(
        sm.create_monitoring_schedule,
        MonitoringScheduleName="credit-risk",
        MonitoringScheduleConfig=schedule_config(definition, monitoring_type=None),
    )
    assert code == "ValidationException" and "MonitoringType" in message


def test_create_schedule__endpoint_missing__validation_exception(sm: Any) -> None:
    sm.create_model_bias_job_definition(**bias_definition_request(endpoint="ghost"))
    code, message = refused(
        sm.create_monitoring_schedule,
        MonitoringScheduleName="credit-risk",
        MonitoringScheduleConfig=schedule_config(),
    )
    assert code == "ValidationException" and "ghost" in message


def test_update_schedule__bad_cron__validation_exception_and_unchanged(
    sm: Any, definition: str
) -> None:
    config = schedule_config(definition)
    sm.create_monitoring_schedule(
        MonitoringScheduleName="credit-risk", MonitoringScheduleConfig=config
    )
    code, _ = refused(
        sm.update_monitoring_schedule,
        MonitoringScheduleName="credit-risk",
        MonitoringScheduleConfig=schedule_config(definition, "cron(0 0 1 * ? *)"),
    )
    assert code == "ValidationException"
    described = sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk")
    assert described["MonitoringScheduleConfig"] == config


def test_create_definition__duplicate_name__resource_in_use(sm: Any, definition: str) -> None:
    code, _ = refused(sm.create_model_bias_job_definition, **bias_definition_request())
    assert code == "ResourceInUse"


@pytest.mark.parametrize(
    ("change", "member"),
    [
        ({"JobDefinitionName": "x" * 64}, "JobDefinitionName"),
        ({"RoleArn": "not-a-role-arn-at-all"}, "RoleArn"),
        (
            {
                "JobResources": {
                    "ClusterConfig": {
                        "InstanceCount": 1,
                        "InstanceType": "ml.fake.huge",
                        "VolumeSizeInGB": 30,
                    }
                }
            },
            "JobResources.ClusterConfig.InstanceType",
        ),
        ({"StoppingCondition": {"MaxRuntimeInSeconds": 90000}}, "MaxRuntimeInSeconds"),
    ],
)
def test_create_definition__model_violation__validation_exception(
    sm: Any, endpoint: str, change: dict[str, Any], member: str
) -> None:
    code, message = refused(
        sm.create_model_bias_job_definition, **bias_definition_request(**change)
    )
    assert code == "ValidationException" and member in message


def test_describe_definition__after_create__echoes_exactly_what_was_sent(
    sm: Any, endpoint: str
) -> None:
    request = bias_definition_request(Tags=[{"Key": "a", "Value": "b"}])
    arn = sm.create_model_bias_job_definition(**request)["JobDefinitionArn"]
    described = sm.describe_model_bias_job_definition(
        JobDefinitionName=request["JobDefinitionName"]
    )
    described.pop("ResponseMetadata")
    assert described.pop("JobDefinitionArn") == arn
    described.pop("CreationTime")
    del request["Tags"]
    assert described == request
    assert "ModelBiasBaselineConfig" not in described


def test_describe_definition__unknown__resource_not_found(sm: Any) -> None:
    code, _ = refused(sm.describe_model_bias_job_definition, JobDefinitionName="nope")
    assert code == "ResourceNotFound"


def test_delete_definition__referenced_by_schedule__resource_in_use(
    sm: Any, definition: str
) -> None:
    sm.create_monitoring_schedule(
        MonitoringScheduleName="credit-risk", MonitoringScheduleConfig=schedule_config(definition)
    )
    code, message = refused(sm.delete_model_bias_job_definition, JobDefinitionName=definition)
    assert code == "ResourceInUse" and "credit-risk" in message
    sm.delete_monitoring_schedule(MonitoringScheduleName="credit-risk")
    sm.delete_model_bias_job_definition(JobDefinitionName=definition)


def test_delete_definition__unknown__resource_not_found(sm: Any) -> None:
    code, _ = refused(sm.delete_model_bias_job_definition, JobDefinitionName="nope")
    assert code == "ResourceNotFound"


def test_list_tags__max_results_below_50__server_rejects(raw_sm: Any, definition: str) -> None:
    arn = raw_sm.create_monitoring_schedule(
        MonitoringScheduleName="credit-risk", MonitoringScheduleConfig=schedule_config(definition)
    )["MonitoringScheduleArn"]
    code, message = refused(raw_sm.list_tags, ResourceArn=arn, MaxResults=10)
    assert code == "ValidationException" and "MaxResults" in message


def test_add_tags__bad_key__validation_exception(sm: Any, definition: str) -> None:
    arn = sm.create_monitoring_schedule(
        MonitoringScheduleName="credit-risk", MonitoringScheduleConfig=schedule_config(definition)
    )["MonitoringScheduleArn"]
    code, message = refused(sm.add_tags, ResourceArn=arn, Tags=[{"Key": "bad#key", "Value": "v"}])
    assert code == "ValidationException" and "Tags[0].Key" in message


def test_list_schedules__max_results_over_100__validation_exception(sm: Any) -> None:
    code, message = refused(sm.list_monitoring_schedules, MaxResults=101)
    assert code == "ValidationException" and "MaxResults" in message


def test_validation_error__wire_format__json_type_and_message(emulator: Emulator) -> None:
    import json
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        emulator.endpoint_url + "/",
        data=json.dumps({"MonitoringScheduleName": "bad_name"}).encode(),
        headers={
            "X-Amz-Target": "SageMaker.DescribeMonitoringSchedule",
            "Content-Type": "application/x-amz-json-1.1",
        },
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=5)
    assert info.value.code == 400
    body = json.loads(info.value.read())
    info.value.close()
    assert body["__type"] == "ValidationException"
    assert "MonitoringScheduleName" in body["message"]
