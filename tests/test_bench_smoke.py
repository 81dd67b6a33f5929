"""`make bench` still runs, on a tiny fleet (calls are checked, never time)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools import bench


def test_bench__tiny_fleets__rows_with_an_empty_plan_and_listed_endpoints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results.json"
    argv = ["--sizes", "3", "--without-alarms", "3", "--shared", "4", "--latency-ms", "0"]
    assert bench.main([*argv, "--emulator", "thread", "--out", str(out)]) == 0
    rows = json.loads(out.read_text())["results"]
    assert [(r["monitors"], r["endpoints"], r["alarms"]) for r in rows] == [
        (3, 3, True),
        (3, 3, False),
        (4, bench.ENDPOINTS, True),
    ]
    for r in rows:
        assert r["plan_changes"] == 0
        ops = r["calls_by_operation"]
        assert ops["DescribeMonitoringSchedule"] == r["monitors"]
        assert ops["ListEndpoints"] == 1 and "DescribeEndpoint" not in ops
        assert ops["ListObjectsV2"] == 1 and "GetObject" not in ops
    assert "monitors  endpoints  alarms" in capsys.readouterr().out
