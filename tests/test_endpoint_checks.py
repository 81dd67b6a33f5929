"""Issue 9 §5: the default plan checks endpoints in full (DescribeEndpoint +
DescribeEndpointConfig) only for the monitors it sends; the rest exist by ListEndpoints
pages. drift and --verify check every endpoint. Through the served emulator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from compiler.aws import client as aws
from compiler.aws.read import read_live
from compiler.emulator import Emulator
from compiler.emulator.seed import create_endpoint_with_capture
from compiler.emulator.testing import running_emulator
from compiler.state.plan import build_plan
from compiler.state.projection import EndpointState
from tools import bench

SIZE = 120  # more than one ListEndpoints page (100)


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    yield from running_emulator(pending_seconds=0)


@pytest.fixture(scope="module")
def applied(
    emulator: Emulator, tmp_path_factory: pytest.TempPathFactory
) -> tuple[aws.Clients, Path, Path]:
    """SIZE monitors, each on its own endpoint, applied once for the module."""
    root = tmp_path_factory.mktemp("fleet")
    project_file = bench.write_fleet(root, SIZE, emulator.endpoint_url, endpoints=SIZE)
    clients = aws.make_clients(bench.REGION, emulator.endpoint_url, bench.CREDENTIALS)
    bench.seed(clients, endpoints=SIZE)
    cache = root / ".biaswatch" / "cache"
    bench.apply_fleet(clients, project_file, cache)
    return clients, project_file, cache


@pytest.fixture
def fleet(
    applied: tuple[aws.Clients, Path, Path], emulator: Emulator
) -> Iterator[tuple[aws.Clients, Path, Path]]:
    """The applied fleet with fresh counters; what a test changes is put back after it."""
    clients, project_file, _ = applied
    files = {p: p.read_text() for p in (project_file.parent / "monitors").glob("*.yaml")}
    clients.calls.counts.clear()
    yield applied
    emulator.clear_faults()
    for path, text in files.items():
        path.write_text(text)
    sm = emulator.client("sagemaker")
    for i in range(SIZE):
        try:
            sm.describe_endpoint(EndpointName=f"bench-ep-{i}")
        except sm.exceptions.ClientError:
            create_endpoint_with_capture(
                sm, f"bench-ep-{i}", f"s3://{bench.DATA_BUCKET}/capture/bench-ep-{i}"
            )


def _plan(clients: aws.Clients, project_file: Path, cache: Path, **read: Any) -> Any:
    desired = [m.desired for m in bench.compile_fleet(project_file).monitors]
    live = read_live(clients, bench.PROJECT, desired, cache, **read)
    return live, build_plan(
        bench.PROJECT,
        bench.ENV,
        bench.ACCOUNT,
        bench.REGION,
        desired,
        live.state,
        endpoint_states=live.endpoint_states,
    )


def test_plan__unchanged_fleet__endpoints_by_list_pages_only(
    fleet: tuple[aws.Clients, Path, Path],
) -> None:
    clients, project_file, cache = fleet
    live, plan = _plan(clients, project_file, cache)
    counts = clients.calls.counts
    assert counts["ListEndpoints"] == 2  # 120 endpoints, 100 a page
    assert counts["DescribeEndpoint"] == counts["DescribeEndpointConfig"] == 0
    assert set(live.endpoint_states.values()) == {EndpointState.LISTED}
    assert not plan.has_changes and not plan.diagnostics


def test_plan__changed_monitor__its_endpoint_checked_in_full(
    fleet: tuple[aws.Clients, Path, Path],
) -> None:
    clients, project_file, cache = fleet
    monitor = project_file.parent / "monitors" / "bench-7.yaml"
    text = monitor.read_text()
    monitor.write_text(
        text.replace("schedule_cron_expression: hourly", "schedule_cron_expression: daily")
    )
    assert text != monitor.read_text()
    live, plan = _plan(clients, project_file, cache)
    counts = clients.calls.counts
    assert counts["DescribeEndpoint"] == counts["DescribeEndpointConfig"] == 1
    assert live.endpoint_states["bench-ep-7"] is EndpointState.OK
    assert live.endpoint_states["bench-ep-8"] is EndpointState.LISTED
    assert [c.name for c in plan.changes if not c.is_noop] == ["bench-7"]


def test_plan__endpoint_deleted_out_of_band__w601_without_a_describe(
    fleet: tuple[aws.Clients, Path, Path], emulator: Emulator
) -> None:
    clients, project_file, cache = fleet
    emulator.client("sagemaker").delete_endpoint(EndpointName="bench-ep-3")
    live, plan = _plan(clients, project_file, cache)
    assert clients.calls.counts["DescribeEndpoint"] == 0
    assert live.endpoint_states["bench-ep-3"] is EndpointState.MISSING
    assert [(d.code, d.span.path if d.span else None) for d in plan.diagnostics] == [
        ("W601", "monitors/bench-3.yaml")
    ]


def test_plan__list_endpoints_denied__every_endpoint_described(
    fleet: tuple[aws.Clients, Path, Path], emulator: Emulator
) -> None:
    clients, project_file, cache = fleet
    emulator.inject_fault("denied", operation="ListEndpoints", count=1)
    live, plan = _plan(clients, project_file, cache)
    assert clients.calls.counts["DescribeEndpoint"] == SIZE
    assert set(live.endpoint_states.values()) == {EndpointState.OK}
    assert not plan.has_changes


def test_read__verify__every_endpoint_checked_in_full(
    fleet: tuple[aws.Clients, Path, Path],
) -> None:
    clients, project_file, cache = fleet
    live, _ = _plan(clients, project_file, cache, verify_definitions=True)
    counts = clients.calls.counts
    assert counts["ListEndpoints"] == 0
    assert counts["DescribeEndpoint"] == counts["DescribeEndpointConfig"] == SIZE
    assert set(live.endpoint_states.values()) == {EndpointState.OK}
