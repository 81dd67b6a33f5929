"""Synthetic monitoring executions: admin-added, on the compressed clock, and their violations file."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from compiler.emulator import Emulator
from compiler.emulator.testing import AdminClient, schedule_config

HOUR = dt.datetime(2026, 1, 2, 13, tzinfo=dt.UTC)


@pytest.fixture
def schedule(sm: Any, s3: Any, definition: str) -> str:
    s3.create_bucket(Bucket="acme")
    sm.create_monitoring_schedule(
        MonitoringScheduleName="credit-risk", MonitoringScheduleConfig=schedule_config(definition)
    )
    return "credit-risk"


def test_add_execution__completed__listed_and_last_summary(
    emulator: Emulator, sm: Any, schedule: str
) -> None:
    emulator.add_execution(schedule, "Completed", scheduled_time=HOUR)
    listed = sm.list_monitoring_executions(MonitoringScheduleName=schedule)
    (summary,) = listed["MonitoringExecutionSummaries"]
    assert summary["MonitoringExecutionStatus"] == "Completed"
    assert summary["ScheduledTime"] == HOUR
    assert summary["EndpointName"] == "credit-risk-prod"
    assert summary["MonitoringType"] == "ModelBias"
    assert ":processing-job/model-monitoring-202601021300-" in summary["ProcessingJobArn"]
    described = sm.describe_monitoring_schedule(MonitoringScheduleName=schedule)
    assert described["LastMonitoringExecutionSummary"] == summary


def test_add_execution__with_violations__writes_constraint_violations(
    emulator: Emulator, sm: Any, s3: Any, schedule: str
) -> None:
    emulator.add_execution(schedule, "CompletedWithViolations", scheduled_time=HOUR)
    key = "monitoring/credit-risk/credit-risk-prod/credit-risk/2026/01/02/13/constraint_violations.json"
    body = json.loads(s3.get_object(Bucket="acme", Key=key)["Body"].read())
    assert body["version"] == "1.0"
    violation = body["violations"][0]
    assert violation["metric_name"] == "CI"
    assert violation["constraint_check_type"] == "bias_drift_check"
    assert {"facet", "facet_value", "description"} <= set(violation)


def test_add_execution__violations_without_bucket__execution_failed(
    emulator: Emulator, sm: Any, definition: str
) -> None:
    sm.create_monitoring_schedule(
        MonitoringScheduleName="credit-risk", MonitoringScheduleConfig=schedule_config(definition)
    )
    summary = emulator.add_execution("credit-risk", "CompletedWithViolations")
    assert summary["MonitoringExecutionStatus"] == "Failed"
    assert "acme" in summary["FailureReason"]


def test_list_executions__filters_sort_pages__as_asked(
    emulator: Emulator, sm: Any, schedule: str
) -> None:
    for hour in range(5):
        status = "CompletedWithViolations" if hour % 2 else "Completed"
        emulator.add_execution(schedule, status, scheduled_time=HOUR + dt.timedelta(hours=hour))
    page = sm.list_monitoring_executions(
        SortBy="ScheduledTime", SortOrder="Ascending", MaxResults=2
    )
    assert [s["ScheduledTime"].hour for s in page["MonitoringExecutionSummaries"]] == [13, 14]
    rest = sm.list_monitoring_executions(
        SortBy="ScheduledTime", SortOrder="Ascending", MaxResults=10, NextToken=page["NextToken"]
    )
    assert [s["ScheduledTime"].hour for s in rest["MonitoringExecutionSummaries"]] == [15, 16, 17]
    violated = sm.list_monitoring_executions(StatusEquals="CompletedWithViolations")
    assert len(violated["MonitoringExecutionSummaries"]) == 2
    window = sm.list_monitoring_executions(
        ScheduledTimeAfter=HOUR, ScheduledTimeBefore=HOUR + dt.timedelta(hours=3)
    )
    assert len(window["MonitoringExecutionSummaries"]) == 2
    assert sm.list_monitoring_executions(EndpointName="other")["MonitoringExecutionSummaries"] == []
    by_definition = sm.list_monitoring_executions(
        MonitoringJobDefinitionName="credit-risk-bias-0a1b2c3d", MonitoringTypeEquals="ModelBias"
    )
    assert len(by_definition["MonitoringExecutionSummaries"]) == 5
    newest = sm.list_monitoring_executions()["MonitoringExecutionSummaries"]
    created = [s["CreationTime"] for s in newest]
    assert created == sorted(created, reverse=True)


def test_add_execution__unknown_schedule__error(emulator: Emulator, sm: Any) -> None:
    with pytest.raises(Exception, match="does not exist"):
        emulator.add_execution("nope")


def test_executions__compressed_clock__generated_with_configured_outcome(
    emulator: Emulator, sm: Any, schedule: str
) -> None:
    emulator.configure(
        execution_interval_seconds=0.1, execution_outcomes={schedule: "CompletedWithViolations"}
    )
    time.sleep(0.35)
    summaries = sm.list_monitoring_executions(MonitoringScheduleName=schedule)[
        "MonitoringExecutionSummaries"
    ]
    assert len(summaries) >= 2
    assert {s["MonitoringExecutionStatus"] for s in summaries} == {"CompletedWithViolations"}


def test_executions__stopped_schedule__none_generated(
    emulator: Emulator, sm: Any, schedule: str
) -> None:
    sm.stop_monitoring_schedule(MonitoringScheduleName=schedule)
    emulator.configure(execution_interval_seconds=0.05)
    time.sleep(0.15)
    assert sm.list_monitoring_executions()["MonitoringExecutionSummaries"] == []


def test_admin_endpoint__add_execution_and_fail_schedule__over_http(
    emulator: Emulator, sm: Any, schedule: str
) -> None:
    admin = AdminClient(emulator.endpoint_url)
    admin.add_execution(schedule, status="Completed", scheduled_time=HOUR.isoformat())
    admin.fail_schedule(schedule, "boom")
    described = sm.describe_monitoring_schedule(MonitoringScheduleName=schedule)
    assert described["MonitoringScheduleStatus"] == "Failed"
    assert described["LastMonitoringExecutionSummary"]["ScheduledTime"] == HOUR


def test_delete_schedule__with_executions__history_kept(
    emulator: Emulator, sm: Any, schedule: str
) -> None:
    emulator.add_execution(schedule, scheduled_time=HOUR)
    sm.delete_monitoring_schedule(MonitoringScheduleName=schedule)
    listed = sm.list_monitoring_executions(MonitoringScheduleName=schedule)
    assert len(listed["MonitoringExecutionSummaries"]) == 1
    with pytest.raises(ClientError):
        sm.describe_monitoring_schedule(MonitoringScheduleName=schedule)
