"""Crash and concurrency: separate biaswatch processes against one served emulator."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from compiler.emulator import Emulator
from compiler.emulator.testing import create_endpoint_with_capture, running_emulator
from tests.support import write_project_file

REPO = Path(__file__).resolve().parent.parent
MUTATING = (
    "CreateModelBiasJobDefinition",
    "CreateMonitoringSchedule",
    "UpdateMonitoringSchedule",
    "DeleteModelBiasJobDefinition",
)


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    yield from running_emulator(pending_seconds=0.5)


@pytest.fixture
def project(tmp_path: Path, emulator: Emulator) -> Path:
    (tmp_path / "monitors").mkdir()
    for name in ("credit-risk.yaml", "churn-batch.yaml"):
        shutil.copy(REPO / "monitors" / name, tmp_path / "monitors" / name)
    write_project_file(tmp_path, emulator.endpoint_url)
    emulator.client("s3").create_bucket(Bucket="biaswatch-test")
    create_endpoint_with_capture(emulator.client("sagemaker"), "credit-risk-prod")
    return tmp_path


def _cli(project: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "compiler", *args],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _run(project: Path, *args: str) -> tuple[int, str]:
    proc = _cli(project, *args)
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out + err


def _assert_converged(project: Path, emulator: Emulator) -> None:
    code, output = _run(project, "apply", "--auto-approve")
    assert code == 0, output
    code, output = _run(project, "plan", "--detailed-exitcode")
    assert code == 0, output
    sm = emulator.client("sagemaker")
    schedules = sm.list_monitoring_schedules()["MonitoringScheduleSummaries"]
    assert sorted(s["MonitoringScheduleName"] for s in schedules) == [
        "churn-batch-bias",
        "credit-risk-bias",
    ]
    definitions = {
        d["MonitoringJobDefinitionName"]
        for d in sm.list_model_bias_job_definitions()["JobDefinitionSummaries"]
    }
    referenced = {
        sm.describe_monitoring_schedule(MonitoringScheduleName=s["MonitoringScheduleName"])[
            "MonitoringScheduleConfig"
        ]["MonitoringJobDefinitionName"]
        for s in schedules
    }
    assert referenced == definitions, (
        "no orphans, and every schedule points at an existing definition"
    )


def _kill_after(proc: subprocess.Popen[str], emulator: Emulator, calls: int, before: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        done = sum(n for op, n in emulator.request_counts().items() if op in MUTATING)
        if done - before >= calls:
            break
        time.sleep(0.005)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)


@pytest.mark.parametrize("calls", [1, 3])
def test_kill_9__during_create__rerun_converges(
    project: Path, emulator: Emulator, calls: int
) -> None:
    emulator.set_faults(latency_ms=150)
    proc = _cli(project, "apply", "--auto-approve", "--lock-timeout", "1s")
    _kill_after(proc, emulator, calls, 0)
    emulator.set_faults(latency_ms=0)
    # The killed run held the lock; a real operator clears it with force-unlock.
    _force_unlock(project, emulator)
    _assert_converged(project, emulator)


@pytest.mark.parametrize("calls", [1, 3])
def test_kill_9__during_definition_swap__rerun_converges(
    project: Path, emulator: Emulator, calls: int
) -> None:
    code, output = _run(project, "apply", "--auto-approve")
    assert code == 0, output
    for name in ("credit-risk.yaml", "churn-batch.yaml"):
        path = project / "monitors" / name
        path.write_text(
            path.read_text().replace(
                "label_values_or_threshold: [1]", "label_values_or_threshold: [0]"
            )
        )
    emulator.set_faults(latency_ms=150)
    before = sum(n for op, n in emulator.request_counts().items() if op in MUTATING)
    proc = _cli(project, "apply", "--auto-approve")
    _kill_after(proc, emulator, calls, before)
    emulator.set_faults(latency_ms=0)
    _force_unlock(project, emulator)
    _assert_converged(project, emulator)


def _force_unlock(project: Path, emulator: Emulator) -> None:
    import json

    s3 = emulator.client("s3")
    try:
        body = s3.get_object(Bucket="biaswatch-test", Key="biaswatch/test/biaswatch.lock")[
            "Body"
        ].read()
    except s3.exceptions.NoSuchKey:
        return
    code, output = _run(project, "force-unlock", json.loads(body)["id"])
    assert code == 0, output


def test_two_applies_at_once__one_waits_for_the_lock__no_duplicates(
    project: Path, emulator: Emulator
) -> None:
    emulator.set_faults(latency_ms=1000)  # the first run holds the lock for several seconds
    first = _cli(project, "apply", "--auto-approve")
    s3 = emulator.client("s3")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # start the second run only once the lock is taken
        listed = s3.list_objects_v2(Bucket="biaswatch-test", Prefix="biaswatch/test/biaswatch.lock")
        if listed.get("KeyCount") or first.poll() is not None:
            break
        time.sleep(0.02)
    second = _cli(project, "apply", "--auto-approve", "--lock-timeout", "60s")
    out1, err1 = first.communicate(timeout=120)
    out2, err2 = second.communicate(timeout=120)
    assert first.returncode == 0, out1 + err1
    assert second.returncode == 0, out2 + err2
    both = out1 + err1 + out2 + err2
    assert "waiting for the lock held by" in both
    assert both.count("Apply: 2 done") == 1, "exactly one run created the monitors"
    assert "No changes." in out1 + out2
    emulator.set_faults(latency_ms=0)
    counts = emulator.request_counts()
    assert counts.get("CreateMonitoringSchedule") == 2
    _assert_converged(project, emulator)


def test_apply__interrupted_with_ctrl_c__lock_released(project: Path, emulator: Emulator) -> None:
    emulator.set_faults(latency_ms=150)
    proc = _cli(project, "apply", "--auto-approve")
    s3 = emulator.client("s3")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        listed = s3.list_objects_v2(Bucket="biaswatch-test", Prefix="biaswatch/test/biaswatch.lock")
        if listed.get("KeyCount"):
            break
        time.sleep(0.02)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    emulator.set_faults(latency_ms=0)
    assert proc.returncode == 130, out + err
    assert "interrupted" in err and "Traceback" not in err
    listed = s3.list_objects_v2(Bucket="biaswatch-test", Prefix="biaswatch/test/biaswatch.lock")
    assert not listed.get("KeyCount"), "the lock is released on Ctrl-C"
    _assert_converged(project, emulator)
