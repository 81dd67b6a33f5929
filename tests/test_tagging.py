"""Tags in pages: the emulator's GetResources, and the reader's calls per managed monitor."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from compiler.aws import client as aws
from compiler.aws.read import DEFINITION_TYPE, SCHEDULE_TYPE, read_live
from compiler.desired.resources import OWNER_TAG
from compiler.emulator import Emulator
from compiler.emulator.testing import (
    bias_definition_request,
    create_endpoint_with_capture,
    running_emulator,
    schedule_config,
)
from compiler.state.projection import EndpointState, LiveState
from tools import bench

OURS = [{"Key": OWNER_TAG, "Values": ["risk"]}]
TYPES = [SCHEDULE_TYPE, DEFINITION_TYPE]


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    yield from running_emulator(pending_seconds=0)


def _create(sm: Any, name: str, project: str | None, extra: int = 0) -> None:
    tags = [{"Key": OWNER_TAG, "Value": project}] if project else []
    tags += [{"Key": f"k{i}", "Value": "v"} for i in range(extra)]
    request = bias_definition_request(f"{name}-def")
    if tags:
        request["Tags"] = tags
    sm.create_model_bias_job_definition(**request)
    params: dict[str, Any] = {
        "MonitoringScheduleName": name,
        "MonitoringScheduleConfig": schedule_config(f"{name}-def"),
    }
    if tags:
        params["Tags"] = tags
    sm.create_monitoring_schedule(**params)


def _pages(tagging: Any, **params: Any) -> list[dict[str, dict[str, str]]]:
    pages, token = [], None
    while True:
        page = tagging.get_resources(**params, **({"PaginationToken": token} if token else {}))
        pages.append(
            {
                r["ResourceARN"].rsplit(":", 1)[1]: {t["Key"]: t["Value"] for t in r["Tags"]}
                for r in page["ResourceTagMappingList"]
            }
        )
        token = page.get("PaginationToken")
        if not token:
            return pages


def test_get_resources__tag_and_type_filters__only_matching_sagemaker_resources(
    emulator: Emulator,
) -> None:
    sm, tagging = emulator.client("sagemaker"), emulator.client("resourcegroupstaggingapi")
    create_endpoint_with_capture(sm)
    _create(sm, "ours-a", "risk")
    _create(sm, "ours-b", "risk")
    _create(sm, "theirs", "churn")
    _create(sm, "untagged", None)
    sm.add_tags(
        ResourceArn=sm.describe_monitoring_schedule(MonitoringScheduleName="ours-b")[
            "MonitoringScheduleArn"
        ],
        Tags=[{"Key": "team", "Value": "risk"}],
    )

    (found,) = _pages(tagging, TagFilters=OURS, ResourceTypeFilters=TYPES)
    assert found == {
        "monitoring-schedule/ours-a": {OWNER_TAG: "risk"},
        "monitoring-schedule/ours-b": {OWNER_TAG: "risk", "team": "risk"},
        "model-bias-job-definition/ours-a-def": {OWNER_TAG: "risk"},
        "model-bias-job-definition/ours-b-def": {OWNER_TAG: "risk"},
    }
    (schedules_only,) = _pages(tagging, TagFilters=OURS, ResourceTypeFilters=[SCHEDULE_TYPE])
    assert set(schedules_only) == {"monitoring-schedule/ours-a", "monitoring-schedule/ours-b"}
    (by_service,) = _pages(
        tagging, TagFilters=[{"Key": OWNER_TAG}], ResourceTypeFilters=["sagemaker"]
    )
    assert {"monitoring-schedule/theirs", "model-bias-job-definition/theirs-def"} <= set(by_service)
    assert not any("untagged" in arn for arn in by_service)


def test_get_resources__resources_per_page__pages_cover_everything_once(
    emulator: Emulator,
) -> None:
    sm, tagging = emulator.client("sagemaker"), emulator.client("resourcegroupstaggingapi")
    create_endpoint_with_capture(sm)
    for i in range(7):
        # Four tags each: moto's fixed 100-tags-per-page cut would not show at this size,
        # but 7 × 2 resources over pages of 3 must still come back whole.
        _create(sm, f"m{i}", "risk", extra=3)
    _create(sm, "other", "churn")

    pages = _pages(tagging, TagFilters=OURS, ResourceTypeFilters=TYPES, ResourcesPerPage=3)
    assert [len(p) for p in pages] == [3, 3, 3, 3, 2]
    arns = [arn for page in pages for arn in page]
    assert len(arns) == len(set(arns)) == 14
    assert all(tags[OWNER_TAG] == "risk" and len(tags) == 4 for p in pages for tags in p.values())


def test_get_resources__without_tags_per_page__a_page_holds_resources_per_page(
    emulator: Emulator,
) -> None:
    sm, tagging = emulator.client("sagemaker"), emulator.client("resourcegroupstaggingapi")
    create_endpoint_with_capture(sm)
    for i in range(30):
        _create(sm, f"m{i}", "risk", extra=4)  # 5 tags × 60 resources = 300 tags

    pages = _pages(tagging, TagFilters=OURS, ResourceTypeFilters=TYPES, ResourcesPerPage=100)
    assert [len(p) for p in pages] == [60]
    limited = _pages(tagging, TagFilters=OURS, ResourceTypeFilters=TYPES, TagsPerPage=100)
    assert sum(len(p) for p in limited) == 60 and len(limited) > 1


# ---------------------------------------------------------------- the reader


@pytest.fixture
def fleet(emulator: Emulator, tmp_path: Path) -> tuple[aws.Clients, list[Any], Path]:
    """30 monitors on one endpoint, applied, with a warm analysis-config cache."""
    project_file = bench.write_fleet(tmp_path, 30, emulator.endpoint_url, endpoints=1)
    clients = aws.make_clients(bench.REGION, emulator.endpoint_url, bench.CREDENTIALS)
    bench.seed(clients, endpoints=1)
    cache = tmp_path / ".biaswatch" / "cache"
    bench.apply_fleet(clients, project_file, cache)
    desired = [m.desired for m in bench.compile_fleet(project_file).monitors]
    read_live(clients, bench.PROJECT, desired, cache)  # warms the cache
    clients.calls.counts.clear()
    return clients, desired, cache


def test_read_live__warm_cache__at_most_2_2_calls_per_managed_monitor(
    fleet: tuple[aws.Clients, list[Any], Path],
) -> None:
    clients, desired, cache = fleet
    live = read_live(clients, bench.PROJECT, desired, cache)

    counts = clients.calls.counts
    assert counts["ListTags"] == 0 and counts["GetObject"] == 0
    assert counts["GetResources"] == 1  # 60 resources, one page
    # Definitions are content-addressed: the tagging page proves each exists and is ours.
    assert counts["DescribeMonitoringSchedule"] == 30
    assert counts["DescribeModelBiasJobDefinition"] == 0
    # One listing of the config objects shows none was altered (issue 9 §2): no GetObject.
    assert counts["ListObjectsV2"] == 1
    # 30 describes plus 7 calls per environment (4 page walks, the listing, one endpoint)
    assert clients.calls.total / len(desired) <= 1.25, dict(counts)
    assert all(m.owner == bench.PROJECT for m in live.state.monitors.values())


def test_read_live__verify_definitions__same_state_at_most_2_2_calls_per_monitor(
    fleet: tuple[aws.Clients, list[Any], Path],
) -> None:
    clients, desired, cache = fleet
    trusted = read_live(clients, bench.PROJECT, desired, cache)
    read_live(clients, bench.PROJECT, desired, cache, verify_definitions=True)  # warms the cache
    clients.calls.counts.clear()
    verified = read_live(clients, bench.PROJECT, desired, cache, verify_definitions=True)

    counts = clients.calls.counts
    assert counts["DescribeMonitoringSchedule"] == counts["DescribeModelBiasJobDefinition"] == 30
    assert clients.calls.total / len(desired) <= 2.2, dict(counts)
    # The same state, except that the default read only lists the endpoints of monitors
    # it sends nothing for (issue 9 §5), where --verify checks their capture too.
    assert {m.endpoint_state for m in trusted.state.monitors.values()} == {EndpointState.LISTED}
    assert {m.endpoint_state for m in verified.state.monitors.values()} == {EndpointState.OK}
    assert _without_endpoint_states(verified.state) == _without_endpoint_states(trusted.state)


def _without_endpoint_states(state: LiveState) -> LiveState:
    monitors = {n: dataclasses.replace(m, endpoint_state=None) for n, m in state.monitors.items()}
    return dataclasses.replace(state, monitors=monitors)


def test_read_live__trusted_definition_deleted__described_and_reported_gone(
    fleet: tuple[aws.Clients, list[Any], Path],
) -> None:
    clients, desired, cache = fleet
    name = desired[0].job_definition_name
    schedule = clients.sagemaker.describe_monitoring_schedule(
        MonitoringScheduleName=desired[0].name
    )
    # Out of band: the schedule is re-pointed elsewhere so the definition can be deleted.
    other = desired[1].job_definition_name
    config = dict(schedule["MonitoringScheduleConfig"], MonitoringJobDefinitionName=other)
    clients.sagemaker.update_monitoring_schedule(
        MonitoringScheduleName=desired[0].name, MonitoringScheduleConfig=config
    )
    clients.sagemaker.delete_model_bias_job_definition(JobDefinitionName=name)
    live = read_live(clients, bench.PROJECT, desired, cache)
    assert live.state.monitors[desired[0].name].job_definition_name == other


def _denied(**_: Any) -> Any:
    raise botocore.exceptions.ClientError(
        {"Error": {"Code": "AccessDeniedException", "Message": "not allowed"}}, "GetResources"
    )


def test_read_live__get_resources_denied__falls_back_to_list_tags_same_state(
    fleet: tuple[aws.Clients, list[Any], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    clients, desired, cache = fleet
    paged = read_live(clients, bench.PROJECT, desired, cache)
    monkeypatch.setattr(clients.tagging, "get_resources", _denied)
    clients.calls.counts.clear()

    fallback = read_live(clients, bench.PROJECT, desired, cache)

    assert fallback.state == paged.state
    assert clients.calls.counts["ListTags"] == 60  # each schedule and each definition


def test_read_live__pages_miss_a_resource__list_tags_keeps_ownership_right(
    fleet: tuple[aws.Clients, list[Any], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The tagging API is eventually consistent: a just-created resource may be missing.
    clients, desired, cache = fleet
    paged = read_live(clients, bench.PROJECT, desired, cache)
    real = clients.tagging.get_resources

    def lagging(**params: Any) -> Any:
        page = real(**params)
        page["ResourceTagMappingList"] = [
            r for r in page["ResourceTagMappingList"] if "bench-7" not in r["ResourceARN"]
        ]
        return page

    monkeypatch.setattr(clients.tagging, "get_resources", lagging)
    clients.calls.counts.clear()

    lagged = read_live(clients, bench.PROJECT, desired, cache)

    assert lagged.state == paged.state
    assert lagged.state.monitors["bench-7"].owner == bench.PROJECT
    assert clients.calls.counts["ListTags"] == 2  # that schedule and its definition
