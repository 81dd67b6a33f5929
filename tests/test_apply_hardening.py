"""Apply and plan under lost responses and concurrency: adoption of a lost update, the config cache."""

from __future__ import annotations

import hashlib
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from compiler.aws.read import ConfigCache
from compiler.cli.common import EXIT_CHANGES, EXIT_OK
from compiler.emulator import Emulator
from compiler.emulator.testing import AdminClient, create_endpoint_with_capture, running_emulator
from tests.support import run, write_project_file

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    # Pending lasts long enough that botocore's retry of a lost update meets it.
    yield from running_emulator(pending_seconds=3)


@pytest.fixture
def project(tmp_path: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "monitors").mkdir()
    shutil.copy(REPO / "monitors" / "credit-risk.yaml", tmp_path / "monitors" / "credit-risk.yaml")
    write_project_file(tmp_path, emulator.endpoint_url)
    emulator.client("s3").create_bucket(Bucket="biaswatch-test")
    create_endpoint_with_capture(emulator.client("sagemaker"), "credit-risk-prod")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_apply__update_response_lost__adopted_when_the_schedule_holds_the_desired_config(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["apply", "--auto-approve"], capsys)
    assert code == EXIT_OK, err
    monitor = project / "monitors" / "credit-risk.yaml"
    monitor.write_text(
        monitor.read_text().replace(
            "schedule_cron_expression: hourly", "schedule_cron_expression: daily"
        )
    )
    code, out, err = run(["plan", "--detailed-exitcode"], capsys)
    assert code == EXIT_CHANGES and "0 to create, 1 to update" in out, out + err
    admin = AdminClient(emulator.endpoint_url)
    admin.inject_fault("lost_response", operation="UpdateMonitoringSchedule")
    code, out, err = run(["apply", "--auto-approve"], capsys)
    assert code == EXIT_OK, out + err
    assert admin.request_counts()["UpdateMonitoringSchedule"] == 2, "the update was retried"
    assert "E405" not in err and "E419" not in err
    assert "the update took effect (its response was lost)" in err
    assert "Apply: 1 done, 0 failed" in out
    code, out, err = run(["plan", "--detailed-exitcode"], capsys)
    assert code == EXIT_OK, out + err


def test_apply__update_refused_and_schedule_differs__still_an_error(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    # Adoption needs the desired config live: an update SageMaker refused stays a failure.
    code, out, err = run(["apply", "--auto-approve"], capsys)
    assert code == EXIT_OK, err
    monitor = project / "monitors" / "credit-risk.yaml"
    monitor.write_text(
        monitor.read_text().replace(
            "schedule_cron_expression: hourly", "schedule_cron_expression: daily"
        )
    )
    sm = emulator.client("sagemaker")
    live = sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk-bias")
    config = live["MonitoringScheduleConfig"]
    # Someone else's update leaves the schedule Pending with another config.
    config["ScheduleConfig"]["ScheduleExpression"] = "cron(0 5 ? * * *)"
    sm.update_monitoring_schedule(
        MonitoringScheduleName="credit-risk-bias", MonitoringScheduleConfig=config
    )
    code, out, err = run(["apply", "--auto-approve", "--wait-timeout", "0s"], capsys)
    assert code == 1, out + err
    assert "E419" in err


def test_config_cache__concurrent_puts_of_one_key__no_collision(tmp_path: Path) -> None:
    # Concurrent cold-cache plans (processes) each put the same config: with one shared
    # temporary name, one writer's rename found the file already renamed by another.
    body = b'{"label": "approved"}'
    uri = f"s3://b/p/m/analysis_config-{hashlib.sha256(body).hexdigest()[:16]}.json"
    cache = ConfigCache(tmp_path / "cache")
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def writer() -> None:
        start.wait()
        try:
            for _ in range(300):
                cache.put(uri, body)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert cache.get(uri) == body
    assert [p.name for p in (tmp_path / "cache").iterdir() if p.name.endswith(".tmp")] == []


def test_config_cache__unwritable_folder__plan_goes_on_without_it(tmp_path: Path) -> None:
    body = b"{}"
    uri = f"s3://b/p/m/analysis_config-{hashlib.sha256(body).hexdigest()[:16]}.json"
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the folder should be")
    cache = ConfigCache(blocker)
    cache.put(uri, body)
    assert cache.get(uri) is None
