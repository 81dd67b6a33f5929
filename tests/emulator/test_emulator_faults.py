"""Injected latency, throttling, 5xx and lost responses, and how botocore's retries meet them."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from compiler.emulator import Emulator
from compiler.emulator.testing import AdminClient, bias_definition_request, schedule_config

NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})


@pytest.fixture
def once(emulator: Emulator) -> Any:
    """A SageMaker client that makes exactly one attempt per call."""
    return emulator.client("sagemaker", config=NO_RETRIES)


def code_of(call: Any, **kwargs: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    response = info.value.response
    return str(response["Error"]["Code"]), int(response["ResponseMetadata"]["HTTPStatusCode"])


def test_latency__150ms__each_call_takes_longer(emulator: Emulator, once: Any) -> None:
    emulator.set_faults(latency_ms=150)
    started = time.monotonic()
    once.list_monitoring_schedules()
    # A lower bound only: the injected sleep guarantees it; an upper bound would be a
    # timed test that fails on a loaded machine.
    assert time.monotonic() - started >= 0.15
    emulator.set_faults(latency_ms=0)
    assert emulator.faults.latency_ms == 0


def test_throttle__over_tps__throttling_exception_rate_exceeded(
    emulator: Emulator, once: Any
) -> None:
    emulator.set_faults(throttle_tps=2)
    once.list_monitoring_schedules()
    once.list_monitoring_schedules()
    with pytest.raises(ClientError) as info:
        once.list_monitoring_schedules()
    assert info.value.response["Error"]["Code"] == "ThrottlingException"
    assert info.value.response["Error"]["Message"] == "Rate exceeded"
    # Per operation: another operation still has its own budget.
    once.list_model_bias_job_definitions()


def test_throttle__window_passes__admitted_again(emulator: Emulator, once: Any) -> None:
    emulator.set_faults(throttle_tps=1)
    once.list_monitoring_schedules()
    time.sleep(1.05)
    once.list_monitoring_schedules()


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("error", ("InternalFailure", 500)), ("unavailable", ("ServiceUnavailable", 503))],
)
def test_injected_5xx__next_call__fails_then_recovers(
    emulator: Emulator, once: Any, kind: str, expected: tuple[str, int]
) -> None:
    emulator.inject_fault(kind, operation="ListMonitoringSchedules")
    assert code_of(once.list_monitoring_schedules) == expected
    once.list_monitoring_schedules()


def test_fault_rate__one__every_call_5xx(emulator: Emulator, once: Any) -> None:
    emulator.set_faults(fault_rate=1.0)
    for _ in range(3):
        code, status = code_of(once.list_monitoring_schedules)
        assert status in (500, 503) and code in ("InternalFailure", "ServiceUnavailable")


def test_fault_rate__seeded__same_sequence_each_run() -> None:
    from compiler.emulator.faults import Faults

    def run() -> list[bool]:
        faults = Faults(fault_rate=0.5, seed=7)
        return [faults.decide("ListTags").error is not None for _ in range(20)]

    assert run() == run()
    assert any(run()) and not all(run())


def test_lost_response__create__resource_exists_but_client_saw_500(
    emulator: Emulator, once: Any, sm: Any, definition: str
) -> None:
    emulator.inject_fault("lost_response", operation="CreateMonitoringSchedule")
    code, status = code_of(
        once.create_monitoring_schedule,
        MonitoringScheduleName="credit-risk",
        MonitoringScheduleConfig=schedule_config(definition),
    )
    assert (code, status) == ("InternalFailure", 500)
    assert sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk")
    # reliability.md: the retried create then answers ResourceInUse.
    code, _ = code_of(
        once.create_monitoring_schedule,
        MonitoringScheduleName="credit-risk",
        MonitoringScheduleConfig=schedule_config(definition),
    )
    assert code == "ResourceInUse"


def test_retries__two_throttles_then_success__three_requests(emulator: Emulator, sm: Any) -> None:
    emulator.inject_fault("throttle", operation="ListMonitoringSchedules", count=2)
    emulator.reset_counts()
    sm.list_monitoring_schedules()
    assert emulator.request_counts()["ListMonitoringSchedules"] == 3


def test_retries__persistent_5xx__raises_after_total_max_attempts(
    emulator: Emulator, sm: Any
) -> None:
    emulator.inject_fault("error", operation="ListMonitoringSchedules", count=10)
    emulator.reset_counts()
    with pytest.raises(ClientError) as info:
        sm.list_monitoring_schedules()
    assert info.value.response["Error"]["Code"] == "InternalFailure"
    assert emulator.request_counts()["ListMonitoringSchedules"] == 3


def test_retries__persistent_throttle__raises_after_total_max_attempts(
    emulator: Emulator, sm: Any
) -> None:
    emulator.inject_fault("throttle", operation="DescribeMonitoringSchedule", count=10)
    emulator.reset_counts()
    with pytest.raises(ClientError) as info:
        sm.describe_monitoring_schedule(MonitoringScheduleName="x")
    assert info.value.response["Error"]["Code"] == "ThrottlingException"
    assert emulator.request_counts()["DescribeMonitoringSchedule"] == 3


def test_retries__resource_in_use_and_validation__not_retried(
    emulator: Emulator, sm: Any, definition: str
) -> None:
    emulator.reset_counts()
    with pytest.raises(ClientError):
        sm.create_model_bias_job_definition(**bias_definition_request())
    with pytest.raises(ClientError):
        sm.describe_monitoring_schedule(MonitoringScheduleName="bad_name")
    counts = emulator.request_counts()
    assert counts["CreateModelBiasJobDefinition"] == 1
    assert counts["DescribeMonitoringSchedule"] == 1


def test_faults__s3__only_when_included(emulator: Emulator, s3: Any) -> None:
    s3_once = emulator.client("s3", config=NO_RETRIES)
    emulator.set_faults(fault_rate=1.0)
    s3_once.create_bucket(Bucket="acme")
    emulator.set_faults(include_s3=True)
    with pytest.raises(ClientError) as info:
        s3_once.list_objects_v2(Bucket="acme")
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] in (500, 503)


def test_faults__s3_rule__targets_s3_only(emulator: Emulator, once: Any) -> None:
    s3_once = emulator.client("s3", config=NO_RETRIES)
    emulator.inject_fault("unavailable", operation="s3")
    once.list_monitoring_schedules()
    with pytest.raises(ClientError):
        s3_once.list_buckets()


def test_admin_endpoint__faults_over_http__applied_and_admin_never_faulted(
    emulator: Emulator, once: Any
) -> None:
    admin = AdminClient(emulator.endpoint_url)
    admin.set_faults(fault_rate=1.0)
    assert admin.call("GET", "health") == {"ok": True}
    with pytest.raises(ClientError):
        once.list_monitoring_schedules()
    admin.set_faults(clear=True)
    admin.inject_fault("throttle", operation="ListTags", count=1)
    assert admin.call("GET", "faults")["pending"][0]["kind"] == "throttle"
    once.list_monitoring_schedules()
    assert admin.request_counts()["ListMonitoringSchedules"] == 2


def test_admin_endpoint__unknown_route__404(emulator: Emulator) -> None:
    import urllib.error

    with pytest.raises(urllib.error.HTTPError) as info:
        AdminClient(emulator.endpoint_url).call("POST", "nope")
    assert info.value.code == 404
    info.value.close()


def test_inject_fault__unknown_kind__value_error(emulator: Emulator) -> None:
    with pytest.raises(ValueError, match="fault kind"):
        emulator.inject_fault("explode")
