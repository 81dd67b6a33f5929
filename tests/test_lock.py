"""The environment lock against a served emulator: lost responses, leases, takeover, holders."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from compiler.emulator import Emulator
from compiler.emulator.testing import AdminClient, create_endpoint_with_capture, running_emulator
from tests.support import write_project_file

REPO = Path(__file__).resolve().parent.parent
BUCKET = "biaswatch-test"
LOCK_KEY = "biaswatch/test/biaswatch.lock"


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    yield from running_emulator(pending_seconds=0.5)


@pytest.fixture
def admin(emulator: Emulator) -> AdminClient:
    return AdminClient(emulator.endpoint_url)


@pytest.fixture
def project(tmp_path: Path, emulator: Emulator) -> Path:
    (tmp_path / "monitors").mkdir()
    for name in ("credit-risk.yaml", "churn-batch.yaml"):
        shutil.copy(REPO / "monitors" / name, tmp_path / "monitors" / name)
    write_project_file(tmp_path, emulator.endpoint_url)
    emulator.client("s3").create_bucket(Bucket=BUCKET)
    create_endpoint_with_capture(emulator.client("sagemaker"), "credit-risk-prod")
    return tmp_path


def cli(project: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    base = {**os.environ, "PYTHONPATH": str(REPO)}
    base.pop("BIASWATCH_LOCK_LEASE_SECONDS", None)
    return subprocess.Popen(
        [sys.executable, "-m", "compiler", *args],
        cwd=project,
        env={**base, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run(project: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    proc = cli(project, *args, env=env)
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out + err


def read_lock(emulator: Emulator) -> dict[str, Any] | None:
    s3 = emulator.client("s3")
    try:
        body = s3.get_object(Bucket=BUCKET, Key=LOCK_KEY)["Body"].read()
    except s3.exceptions.NoSuchKey:
        return None
    parsed: dict[str, Any] = json.loads(body)
    return parsed


def wait_for_lock(emulator: Emulator, proc: subprocess.Popen[str]) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        found = read_lock(emulator)
        if found is not None:
            return found
        time.sleep(0.02)
    raise AssertionError("the apply never took the lock")


def foreign_lock(emulator: Emulator, *, lease: float, expires_in: float) -> dict[str, Any]:
    """A lock as a run on another machine writes it (its process cannot be checked from here)."""
    now = datetime.now(UTC)
    lock = {
        "id": "11111111-2222-3333-4444-555555555555",
        "holder": "runner",
        "host": "ci-runner-elsewhere",
        "pid": 4242,
        "time": now.isoformat(timespec="seconds"),
        "operation": "apply",
        "environment": "test",
        "run": "",
        "lease_seconds": lease,
        "expires": (now + timedelta(seconds=expires_in)).isoformat(timespec="seconds"),
        "generation": 0,
        "machine": "0123456789abcdef",
        "pid_start": "",
    }
    emulator.client("s3").put_object(Bucket=BUCKET, Key=LOCK_KEY, Body=json.dumps(lock).encode())
    return lock


def assert_converged(project: Path, emulator: Emulator) -> None:
    code, output = run(project, "plan", "--detailed-exitcode")
    assert code == 0, output
    names = sorted(
        s["MonitoringScheduleName"]
        for s in emulator.client("sagemaker").list_monitoring_schedules()[
            "MonitoringScheduleSummaries"
        ]
    )
    assert names == ["churn-batch-bias", "credit-risk-bias"]
    assert read_lock(emulator) is None, "nothing is left for a person to clean up"


# ---- item 1: a lost response to the lock's own write ----------------------------------


def test_acquire_lock__own_put_response_lost__recognises_its_own_lock(
    project: Path, emulator: Emulator, admin: AdminClient
) -> None:
    admin.inject_fault("lost_response", operation="S3:PUT")
    code, output = run(project, "apply", "--auto-approve", "--lock-timeout", "5s")
    assert code == 0, output
    assert "E413" not in output
    assert "Apply: 2 done" in output
    assert admin.request_counts()["S3:PUT"] >= 2, "the lock PUT was retried after the loss"
    assert_converged(project, emulator)


def test_lock_renewal__renewal_response_lost__keeps_the_lock(
    project: Path, emulator: Emulator, admin: AdminClient
) -> None:
    # Renewals every 0.25 s; the first one after the lock is taken loses its response, so
    # the retried If-Match meets our own new ETag (412) and must not count as a takeover.
    emulator.set_faults(latency_ms=150)
    proc = cli(project, "apply", "--auto-approve", env={"BIASWATCH_LOCK_LEASE_SECONDS": "1"})
    wait_for_lock(emulator, proc)
    admin.inject_fault("lost_response", operation="S3:PUT")
    out, err = proc.communicate(timeout=120)
    emulator.set_faults(latency_ms=0)
    assert proc.returncode == 0, out + err
    assert "E427" not in err and "Apply: 2 done" in out
    assert_converged(project, emulator)


# ---- item 2: lease, renewal, takeover ---------------------------------------------------


def test_apply__foreign_lock_not_renewed__taken_over_after_its_lease(
    project: Path, emulator: Emulator
) -> None:
    foreign_lock(emulator, lease=2, expires_in=2)
    code, output = run(project, "apply", "--auto-approve", "--lock-timeout", "0.5s")
    assert code == 1 and "E413" in output, "a live lease is respected"
    started = time.monotonic()
    code, output = run(project, "apply", "--auto-approve", "--lock-timeout", "15s")
    assert code == 0, output
    assert time.monotonic() - started >= 2, "not before the lease lapsed"
    assert "took over the lock of runner@ci-runner-elsewhere" in output
    assert "not renewed" in output
    assert_converged(project, emulator)


def test_apply__foreign_lock_expired_long_ago__taken_over_at_once(
    project: Path, emulator: Emulator
) -> None:
    foreign_lock(emulator, lease=120, expires_in=-3600)
    code, output = run(project, "apply", "--auto-approve", "--lock-timeout", "0s")
    assert code == 0, output
    assert "its lease ended at" in output
    assert_converged(project, emulator)


def test_apply__two_waiters_on_a_lapsed_lock__exactly_one_takes_it_over(
    project: Path, emulator: Emulator
) -> None:
    foreign_lock(emulator, lease=1, expires_in=1)
    emulator.set_faults(latency_ms=100)
    first = cli(project, "apply", "--auto-approve", "--lock-timeout", "60s")
    second = cli(project, "apply", "--auto-approve", "--lock-timeout", "60s")
    out1, err1 = first.communicate(timeout=120)
    out2, err2 = second.communicate(timeout=120)
    emulator.set_faults(latency_ms=0)
    assert first.returncode == 0, out1 + err1
    assert second.returncode == 0, out2 + err2
    both = out1 + err1 + out2 + err2
    assert both.count("took over the lock of runner@ci-runner-elsewhere") == 1
    assert both.count("Apply: 2 done") == 1, "exactly one run created the monitors"
    assert emulator.request_counts()["CreateMonitoringSchedule"] == 2
    assert_converged(project, emulator)


def test_apply__holder_waits_for_pending__renews_its_lease_and_keeps_the_lock(
    project: Path, emulator: Emulator
) -> None:
    # The holder waits ~12 s for Pending, many times its 1 s lease; the waiter gives up
    # after 3 s (both start slowly on a busy machine, hence the margins).
    emulator.configure(pending_seconds=12)
    lease = {"BIASWATCH_LOCK_LEASE_SECONDS": "1"}
    holder = cli(project, "apply", "--auto-approve", env=lease)
    first = wait_for_lock(emulator, holder)
    waiter = cli(project, "apply", "--auto-approve", "--lock-timeout", "3s", env=lease)
    w_out, w_err = waiter.communicate(timeout=60)
    renewed = read_lock(emulator)
    out, err = holder.communicate(timeout=120)
    emulator.configure(pending_seconds=0.5)
    assert holder.returncode == 0, out + err
    assert waiter.returncode == 1 and "E413" in w_err, w_out + w_err
    assert "took over" not in w_err
    assert renewed is not None and renewed["id"] == first["id"]
    assert renewed["generation"] > first["generation"], "the lease was renewed while waiting"
    assert renewed["lease_seconds"] == 1
    assert_converged(project, emulator)


def test_apply__waiting_for_the_lock__names_the_holder_at_once(
    project: Path, emulator: Emulator
) -> None:
    foreign_lock(emulator, lease=120, expires_in=120)
    proc = cli(project, "apply", "--auto-approve", "--lock-timeout", "60s")
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(proc.stderr.readline()))  # type: ignore[union-attr]
    reader.start()
    reader.join(timeout=10)
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=30)
    assert lines and "waiting for the lock held by runner@ci-runner-elsewhere" in lines[0]
    assert "lock id 11111111-2222-3333-4444-555555555555" in lines[0]


def test_apply__lease_env_out_of_range__e428(project: Path) -> None:
    code, output = run(
        project, "apply", "--auto-approve", env={"BIASWATCH_LOCK_LEASE_SECONDS": "900"}
    )
    assert code == 1
    assert "E428" in output and "Traceback" not in output


# ---- kill -9: nothing a person must clean up -------------------------------------------


def _kill_9_after_first_create(proc: subprocess.Popen[str], emulator: Emulator) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if emulator.request_counts().get("CreateModelBiasJobDefinition"):
            break
        time.sleep(0.005)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)


def test_kill_9__same_machine__next_apply_takes_over_without_force_unlock(
    project: Path, emulator: Emulator
) -> None:
    emulator.set_faults(latency_ms=150)
    lease = {"BIASWATCH_LOCK_LEASE_SECONDS": "3"}
    proc = cli(project, "apply", "--auto-approve", env=lease)
    _kill_9_after_first_create(proc, emulator)
    emulator.set_faults(latency_ms=0)
    assert read_lock(emulator) is not None, "kill -9 left the lock behind"
    code, output = run(project, "apply", "--auto-approve", "--lock-timeout", "10s", env=lease)
    assert code == 0, output
    assert "took over the lock" in output and "is gone" in output
    assert "force-unlock" not in output
    assert_converged(project, emulator)


def test_kill_9__frozen_holder__later_apply_longer_than_the_lease_converges(
    project: Path, emulator: Emulator
) -> None:
    # A holder whose process still exists but no longer renews (a frozen or cut-off runner;
    # from the waiter's side the same as a run on another machine): only the lease frees it.
    emulator.set_faults(latency_ms=150)
    lease = {"BIASWATCH_LOCK_LEASE_SECONDS": "3"}
    holder = cli(project, "apply", "--auto-approve", env=lease)
    wait_for_lock(emulator, holder)
    holder.send_signal(signal.SIGSTOP)
    emulator.set_faults(latency_ms=0)
    try:
        started = time.monotonic()
        code, output = run(project, "apply", "--auto-approve", "--lock-timeout", "20s", env=lease)
        waited = time.monotonic() - started
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.communicate(timeout=30)
    assert code == 0, output
    assert waited >= 3, "the lease was respected"
    assert "took over the lock" in output and "not renewed" in output
    assert "force-unlock" not in output
    assert_converged(project, emulator)


# ---- item 3: SIGTERM ----------------------------------------------------------------------


def test_apply__sigterm__exits_143_and_releases_the_lock(project: Path, emulator: Emulator) -> None:
    emulator.set_faults(latency_ms=150)
    proc = cli(project, "apply", "--auto-approve")
    wait_for_lock(emulator, proc)
    time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    emulator.set_faults(latency_ms=0)
    assert proc.returncode == 143, out + err
    assert "terminated (SIGTERM)" in err and "released" in err
    assert "Traceback" not in err
    assert read_lock(emulator) is None, "the lock is released on SIGTERM"
    code, output = run(project, "apply", "--auto-approve", "--lock-timeout", "0s")
    assert code == 0, output
    assert_converged(project, emulator)


# ---- item 4: who holds it ------------------------------------------------------------------


def test_lock__user_unset_in_ci__names_the_os_account_and_the_run(
    project: Path, emulator: Emulator
) -> None:
    emulator.set_faults(latency_ms=150)
    env = {k: v for k, v in os.environ.items() if k not in ("USER", "LOGNAME", "LNAME", "USERNAME")}
    env.update(
        PYTHONPATH=str(REPO),
        GITHUB_RUN_ID="987654321",
        GITHUB_SERVER_URL="https://github.example",
        GITHUB_REPOSITORY="acme/models",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "compiler", "apply", "--auto-approve"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lock = wait_for_lock(emulator, proc)
    out, err = proc.communicate(timeout=120)
    emulator.set_faults(latency_ms=0)
    assert proc.returncode == 0, out + err
    assert lock["holder"] == pwd.getpwuid(os.getuid()).pw_name != "unknown"
    assert lock["run"] == "GitHub run https://github.example/acme/models/actions/runs/987654321"


def test_apply__lock_taken_over_while_working__stops_with_e427(
    project: Path, emulator: Emulator
) -> None:
    # The holder waits for Pending; meanwhile its lock is replaced (force-unlock, then a
    # run on another machine). Its next renewal finds that out and no further step starts.
    emulator.configure(pending_seconds=30)
    proc = cli(project, "apply", "--auto-approve", env={"BIASWATCH_LOCK_LEASE_SECONDS": "1"})
    wait_for_lock(emulator, proc)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not emulator.request_counts().get(
        "CreateMonitoringSchedule"
    ):
        time.sleep(0.02)
    foreign_lock(emulator, lease=120, expires_in=120)
    out, err = proc.communicate(timeout=60)
    emulator.configure(pending_seconds=0.5)
    assert proc.returncode == 1, out + err
    assert "E427" in err and "another run took the lock over" in err
    assert "not attempted" in out + err
    assert read_lock(emulator)["id"] == "11111111-2222-3333-4444-555555555555", (  # type: ignore[index]
        "the other run's lock is left alone"
    )
