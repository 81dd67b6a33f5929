"""Listing schedules, definitions and executions: every filter, sort order and pagination."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from compiler.emulator import Emulator
from compiler.emulator.testing import (
    bias_definition_request,
    create_endpoint_with_capture,
    schedule_config,
)


def all_pages(call: Any, key: str, **kwargs: Any) -> tuple[list[dict[str, Any]], int]:
    items: list[dict[str, Any]] = []
    pages = 0
    token = None
    while True:
        response = call(**kwargs, **({"NextToken": token} if token else {}))
        pages += 1
        items.extend(response[key])
        token = response.get("NextToken")
        if not token:
            return items, pages


def names(items: list[dict[str, Any]]) -> list[str]:
    return [i["MonitoringScheduleName"] for i in items]


def test_list_schedules__300_schedules__pages_cover_all_once(sm: Any, definition: str) -> None:
    for i in range(300):
        sm.create_monitoring_schedule(
            MonitoringScheduleName=f"s-{i:03d}",
            MonitoringScheduleConfig=schedule_config(definition),
        )
    first = sm.list_monitoring_schedules()
    assert len(first["MonitoringScheduleSummaries"]) == 10  # the documented default
    items, pages = all_pages(
        sm.list_monitoring_schedules, "MonitoringScheduleSummaries", MaxResults=100
    )
    assert pages == 3
    assert sorted(names(items)) == [f"s-{i:03d}" for i in range(300)]
    paginator = sm.get_paginator("list_monitoring_schedules")
    via_paginator = [
        s["MonitoringScheduleName"]
        for page in paginator.paginate(PaginationConfig={"PageSize": 7})
        for s in page["MonitoringScheduleSummaries"]
    ]
    assert len(via_paginator) == 300 and len(set(via_paginator)) == 300
    ascending, _ = all_pages(
        sm.list_monitoring_schedules,
        "MonitoringScheduleSummaries",
        MaxResults=100,
        SortBy="Name",
        SortOrder="Ascending",
    )
    assert names(ascending) == [f"s-{i:03d}" for i in range(300)]


@pytest.fixture
def mixed(emulator: Emulator, sm: Any, definition: str) -> dict[str, Any]:
    """Schedules on two endpoints, one stopped, with a time mark between two batches."""
    create_endpoint_with_capture(sm, "fraud-prod")
    sm.create_model_bias_job_definition(
        **bias_definition_request("fraud-bias", endpoint="fraud-prod")
    )
    for name in ("credit-a", "credit-b"):
        sm.create_monitoring_schedule(
            MonitoringScheduleName=name, MonitoringScheduleConfig=schedule_config(definition)
        )
    time.sleep(0.02)
    mark = dt.datetime.now(dt.UTC)
    time.sleep(0.02)
    for name in ("fraud-a", "fraud-b"):
        sm.create_monitoring_schedule(
            MonitoringScheduleName=name, MonitoringScheduleConfig=schedule_config("fraud-bias")
        )
    sm.stop_monitoring_schedule(MonitoringScheduleName="credit-b")
    return {"mark": mark}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"EndpointName": "fraud-prod"}, ["fraud-a", "fraud-b"]),
        ({"NameContains": "credit"}, ["credit-a", "credit-b"]),
        ({"StatusEquals": "Stopped"}, ["credit-b"]),
        ({"StatusEquals": "Scheduled"}, ["credit-a", "fraud-a", "fraud-b"]),
        ({"MonitoringTypeEquals": "ModelBias"}, ["credit-a", "credit-b", "fraud-a", "fraud-b"]),
        ({"MonitoringTypeEquals": "DataQuality"}, []),
        ({"MonitoringJobDefinitionName": "fraud-bias"}, ["fraud-a", "fraud-b"]),
    ],
)
def test_list_schedules__filter__only_matching(
    sm: Any, mixed: dict[str, Any], filters: dict[str, str], expected: list[str]
) -> None:
    items = sm.list_monitoring_schedules(**filters)["MonitoringScheduleSummaries"]
    assert sorted(names(items)) == expected


def test_list_schedules__creation_time_bounds__split_at_mark(
    sm: Any, mixed: dict[str, Any]
) -> None:
    after = sm.list_monitoring_schedules(CreationTimeAfter=mixed["mark"])
    before = sm.list_monitoring_schedules(CreationTimeBefore=mixed["mark"])
    assert sorted(names(after["MonitoringScheduleSummaries"])) == ["fraud-a", "fraud-b"]
    assert sorted(names(before["MonitoringScheduleSummaries"])) == ["credit-a", "credit-b"]


def test_list_schedules__last_modified_bounds__stop_counts_as_modification(
    sm: Any, mixed: dict[str, Any]
) -> None:
    after = sm.list_monitoring_schedules(LastModifiedTimeAfter=mixed["mark"])
    before = sm.list_monitoring_schedules(LastModifiedTimeBefore=mixed["mark"])
    assert sorted(names(after["MonitoringScheduleSummaries"])) == ["credit-b", "fraud-a", "fraud-b"]
    assert names(before["MonitoringScheduleSummaries"]) == ["credit-a"]


def test_list_schedules__default_sort__creation_time_descending(
    sm: Any, mixed: dict[str, Any]
) -> None:
    items = sm.list_monitoring_schedules()["MonitoringScheduleSummaries"]
    times = [i["CreationTime"] for i in items]
    assert times == sorted(times, reverse=True)
    assert names(items)[-1] in ("credit-a", "credit-b")


def test_list_schedules__sort_by_status_ascending__grouped(sm: Any, mixed: dict[str, Any]) -> None:
    items = sm.list_monitoring_schedules(SortBy="Status", SortOrder="Ascending")[
        "MonitoringScheduleSummaries"
    ]
    assert [i["MonitoringScheduleStatus"] for i in items] == ["Scheduled"] * 3 + ["Stopped"]


def test_list_schedules__summary__carries_endpoint_definition_type(
    sm: Any, mixed: dict[str, Any]
) -> None:
    item = sm.list_monitoring_schedules(NameContains="fraud-a")["MonitoringScheduleSummaries"][0]
    assert item["EndpointName"] == "fraud-prod"
    assert item["MonitoringJobDefinitionName"] == "fraud-bias"
    assert item["MonitoringType"] == "ModelBias"


def test_list_schedules__bad_next_token__validation_exception(sm: Any) -> None:
    with pytest.raises(ClientError) as info:
        sm.list_monitoring_schedules(NextToken="garbage!")
    assert info.value.response["Error"]["Code"] == "ValidationException"


def test_list_definitions__filters_and_sort__as_asked(sm: Any, mixed: dict[str, Any]) -> None:
    by_endpoint = sm.list_model_bias_job_definitions(EndpointName="fraud-prod")
    assert [d["MonitoringJobDefinitionName"] for d in by_endpoint["JobDefinitionSummaries"]] == [
        "fraud-bias"
    ]
    by_name = sm.list_model_bias_job_definitions(SortBy="Name", SortOrder="Ascending")
    listed = [d["MonitoringJobDefinitionName"] for d in by_name["JobDefinitionSummaries"]]
    assert listed == ["credit-risk-bias-0a1b2c3d", "fraud-bias"]
    contains = sm.list_model_bias_job_definitions(NameContains="credit")
    assert len(contains["JobDefinitionSummaries"]) == 1
    assert contains["JobDefinitionSummaries"][0]["EndpointName"] == "credit-risk-prod"
    after = sm.list_model_bias_job_definitions(CreationTimeAfter=mixed["mark"])
    assert [d["MonitoringJobDefinitionName"] for d in after["JobDefinitionSummaries"]] == []
    paged = sm.list_model_bias_job_definitions(MaxResults=1)
    assert len(paged["JobDefinitionSummaries"]) == 1 and paged["NextToken"]
