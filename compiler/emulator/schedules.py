"""Monitoring schedules, executions and stricter bias job definitions, attached to moto's SageMaker."""

from __future__ import annotations

import datetime as _dt
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from moto.sagemaker.exceptions import ResourceInUseException, ResourceNotFound, ValidationError
from moto.sagemaker.models import SageMakerModelBackend

from compiler.emulator import rules

UTC = _dt.UTC

# moto's attribute holding each job-definition type, by MonitoringType.
DEFINITION_TABLES = {
    "ModelBias": "model_bias_job_definitions",
    "DataQuality": "data_quality_job_definitions",
    "ModelQuality": "model_quality_job_definitions",
    "ModelExplainability": "model_explainability_job_definitions",
}

EXECUTION_STATUSES = ("Completed", "CompletedWithViolations", "Failed")


def _utcnow() -> _dt.datetime:
    return _dt.datetime.now(UTC)


@dataclass
class EmulatorSettings:
    """Process-wide knobs; moto's backends are process-global, so these are too."""

    pending_seconds: float = 1.0
    fail_next_schedule_with: str | None = None
    # None: no synthetic executions; otherwise one execution per this many seconds per
    # Scheduled schedule (a compressed clock standing in for the hourly cadence).
    execution_interval_seconds: float | None = None
    execution_outcomes: dict[str, str] = field(default_factory=dict)
    clock: Callable[[], _dt.datetime] = _utcnow


settings = EmulatorSettings()


@dataclass
class Schedule:
    """One monitoring schedule; its status is computed from timestamps on every read."""

    name: str
    arn: str
    config: dict[str, Any]
    tags: list[dict[str, str]]
    creation_time: _dt.datetime
    last_modified_time: _dt.datetime
    pending_until: _dt.datetime
    stopped: bool = False
    failure_reason: str | None = None

    def status(self, now: _dt.datetime) -> str:
        if now < self.pending_until:
            return "Pending"
        if self.failure_reason is not None:
            return "Failed"
        return "Stopped" if self.stopped else "Scheduled"

    @property
    def monitoring_type(self) -> str | None:
        return self.config.get("MonitoringType")

    @property
    def definition_name(self) -> str | None:
        return self.config.get("MonitoringJobDefinitionName")


@dataclass
class Execution:
    """One (synthetic) monitoring execution; Clarify is never run."""

    schedule_name: str
    scheduled_time: _dt.datetime
    creation_time: _dt.datetime
    last_modified_time: _dt.datetime
    status: str
    processing_job_arn: str
    endpoint_name: str | None
    definition_name: str | None
    monitoring_type: str | None
    failure_reason: str | None = None

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "MonitoringScheduleName": self.schedule_name,
            "ScheduledTime": self.scheduled_time,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
            "MonitoringExecutionStatus": self.status,
            "ProcessingJobArn": self.processing_job_arn,
        }
        if self.endpoint_name:
            out["EndpointName"] = self.endpoint_name
        if self.failure_reason:
            out["FailureReason"] = self.failure_reason
        if self.definition_name:
            out["MonitoringJobDefinitionName"] = self.definition_name
        if self.monitoring_type:
            out["MonitoringType"] = self.monitoring_type
        return out


@dataclass
class Extras:
    """What biaswatch adds to one moto SageMaker backend (one account and region)."""

    schedules: dict[str, Schedule] = field(default_factory=dict)
    executions: list[Execution] = field(default_factory=list)
    # The CreateModelBiasJobDefinition requests as sent (minus Tags): Describe echoes them,
    # as SageMaker does for members that were sent; moto drops or invents some (README).
    bias_requests: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Create requests of the endpoint chain, kept so that persistence can rebuild endpoints.
    endpoint_requests: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {"Model": {}, "EndpointConfig": {}, "Endpoint": {}}
    )


# moto's reset() replaces a backend's __dict__, which drops these extras with the rest.
_EXTRAS_ATTR = "_biaswatch_extras"
lock = threading.RLock()


def as_datetime(value: Any) -> _dt.datetime:
    if isinstance(value, int | float):
        return _dt.datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        try:
            return _dt.datetime.fromtimestamp(float(value), UTC)
        except ValueError:
            parsed = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if isinstance(value, _dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    raise ValidationError(f"{value!r} is not a timestamp")


def extras(backend: SageMakerModelBackend) -> Extras:
    with lock:
        found = backend.__dict__.get(_EXTRAS_ATTR)
        if found is None:
            found = Extras()
            backend.__dict__[_EXTRAS_ATTR] = found
        return found


def schedule_arn(backend: SageMakerModelBackend, name: str) -> str:
    return (
        f"arn:aws:sagemaker:{backend.region_name}:{backend.account_id}:monitoring-schedule/{name}"
    )


# ---------------------------------------------------------------- job definitions


def _find_definition(backend: SageMakerModelBackend, monitoring_type: str, name: str) -> Any:
    return getattr(backend, DEFINITION_TABLES[monitoring_type]).get(name)


def _definition_input(backend: SageMakerModelBackend, monitoring_type: str, name: str) -> Any:
    if monitoring_type == "ModelBias":
        request = extras(backend).bias_requests.get(name)
        if request is not None:
            return request.get("ModelBiasJobInput", {})
    definition = _find_definition(backend, monitoring_type, name)
    for attr, value in vars(definition).items():
        if attr.endswith("_job_input") and isinstance(value, dict):
            return value
    return {}


def definition_endpoint(backend: SageMakerModelBackend, monitoring_type: str, name: str) -> Any:
    job_input = _definition_input(backend, monitoring_type, name)
    return (job_input.get("EndpointInput") or {}).get("EndpointName")


def _definition_stopping_condition(
    backend: SageMakerModelBackend, monitoring_type: str, name: str
) -> Mapping[str, Any] | None:
    if monitoring_type == "ModelBias":
        request = extras(backend).bias_requests.get(name)
        if request is not None:
            return request.get("StoppingCondition")
    return getattr(_find_definition(backend, monitoring_type, name), "stopping_condition", None)


def referencing_schedules(
    backend: SageMakerModelBackend, monitoring_type: str, name: str
) -> list[str]:
    return [
        s.name
        for s in extras(backend).schedules.values()
        if s.definition_name == name and s.monitoring_type == monitoring_type
    ]


# ---------------------------------------------------------------- schedule config checks


def _resolve_config(backend: SageMakerModelBackend, config: Mapping[str, Any]) -> None:
    """Raise the error SageMaker would for a schedule config that is well-formed but wrong."""
    if "MonitoringJobDefinition" in config:
        raise ValidationError(
            "MonitoringScheduleConfig.MonitoringJobDefinition: the inline job definition form "
            "is not modelled by the biaswatch emulator; use MonitoringJobDefinitionName"
        )
    name = config.get("MonitoringJobDefinitionName")
    monitoring_type = config.get("MonitoringType")
    if name is None:
        raise ValidationError(
            "MonitoringScheduleConfig.MonitoringJobDefinitionName: required member missing"
        )
    if monitoring_type is None:
        # The reference form needs both (reference 1.4).
        raise ValidationError(
            "MonitoringScheduleConfig.MonitoringType: required together with "
            "MonitoringJobDefinitionName"
        )
    if _find_definition(backend, monitoring_type, name) is None:
        others = [t for t in DEFINITION_TABLES if _find_definition(backend, t, name) is not None]
        if others:
            # UNCONFIRMED (README): the code SageMaker uses for a definition of another type.
            raise ValidationError(
                f"MonitoringScheduleConfig.MonitoringJobDefinitionName: job definition {name!r} "
                f"is a {others[0]} job definition, not {monitoring_type}"
            )
        # UNCONFIRMED (README): ResourceNotFound for a missing referenced definition.
        raise ResourceNotFound(f"Job definition {name} not found")
    endpoint = definition_endpoint(backend, monitoring_type, name)
    # SageMaker checks at CreateMonitoringSchedule that the endpoint of EndpointInput exists in
    # the same account (reference 3.3, sagemaker-python-sdk issue #4873); the error code is
    # UNCONFIRMED (README). Data capture being enabled is not checked (reference 3.10).
    if endpoint and endpoint not in backend.endpoints:
        raise ValidationError(
            f"Endpoint {endpoint!r} named in job definition {name!r} does not exist in account "
            f"{backend.account_id} region {backend.region_name}"
        )
    schedule_config = config.get("ScheduleConfig")
    if schedule_config is None:
        # Left out = a daily run at a time SageMaker chooses (reference 3.2); what Describe
        # then shows is UNCONFIRMED, the emulator echoes the config without ScheduleConfig.
        return
    problems = rules.schedule_config_problems(schedule_config)
    cadence = rules.parse_schedule_expression(schedule_config.get("ScheduleExpression", ""))
    if cadence is not None:
        runtime = rules.max_runtime_problem(
            cadence, monitoring_type, _definition_stopping_condition(backend, monitoring_type, name)
        )
        if runtime:
            problems.append(f"job definition {name!r}: {runtime}")
    if problems:
        raise ValidationError("; ".join(problems))


# ---------------------------------------------------------------- schedule operations


def get_schedule(backend: SageMakerModelBackend, name: str) -> Schedule:
    found = extras(backend).schedules.get(name)
    if found is None:
        raise ResourceNotFound(f"Monitoring Schedule {schedule_arn(backend, name)} does not exist")
    return found


def create_monitoring_schedule(
    backend: SageMakerModelBackend,
    name: str,
    config: dict[str, Any],
    tags: list[dict[str, str]],
) -> str:
    with lock:
        ext = extras(backend)
        if name in ext.schedules:
            raise ResourceInUseException(
                f"Monitoring Schedule {schedule_arn(backend, name)} already exists"
            )
        _resolve_config(backend, config)
        now = settings.clock()
        failure, settings.fail_next_schedule_with = settings.fail_next_schedule_with, None
        schedule = Schedule(
            name=name,
            arn=schedule_arn(backend, name),
            config=config,
            tags=list(tags),
            creation_time=now,
            last_modified_time=now,
            pending_until=now + _dt.timedelta(seconds=settings.pending_seconds),
            failure_reason=failure,
        )
        ext.schedules[name] = schedule
        return schedule.arn


def update_monitoring_schedule(
    backend: SageMakerModelBackend, name: str, config: dict[str, Any]
) -> str:
    with lock:
        schedule = get_schedule(backend, name)
        now = settings.clock()
        if schedule.status(now) == "Pending":
            # UNCONFIRMED (reference 3.6, 4.4): updating a Pending schedule is assumed to fail
            # like deleting one does; the conservative reading.
            raise ValidationError("Monitoring schedule in status Pending")
        _resolve_config(backend, config)
        schedule.config = config
        schedule.last_modified_time = now
        schedule.pending_until = now + _dt.timedelta(seconds=settings.pending_seconds)
        # UNCONFIRMED (README): an update clears a failure and keeps a Stopped schedule stopped.
        failure, settings.fail_next_schedule_with = settings.fail_next_schedule_with, None
        schedule.failure_reason = failure
        return schedule.arn


def delete_monitoring_schedule(backend: SageMakerModelBackend, name: str) -> None:
    with lock:
        schedule = get_schedule(backend, name)
        if schedule.status(settings.clock()) == "Pending":
            # aws/amazon-sagemaker-examples issue #2342 (reference 3.6).
            raise ValidationError("Monitoring schedule in status Pending")
        # The execution history is kept (DeleteMonitoringSchedule doc string, reference 3.8).
        del extras(backend).schedules[name]


def start_monitoring_schedule(backend: SageMakerModelBackend, name: str) -> None:
    with lock:
        schedule = get_schedule(backend, name)
        status = schedule.status(settings.clock())
        if status in ("Pending", "Failed"):
            # UNCONFIRMED (README): starting a Pending or Failed schedule is refused.
            raise ValidationError(f"Monitoring schedule in status {status} cannot be started")
        if schedule.stopped:
            schedule.stopped = False
            schedule.last_modified_time = settings.clock()


def stop_monitoring_schedule(backend: SageMakerModelBackend, name: str) -> None:
    with lock:
        schedule = get_schedule(backend, name)
        status = schedule.status(settings.clock())
        if status in ("Pending", "Failed"):
            # UNCONFIRMED (README): stopping a Pending or Failed schedule is refused.
            raise ValidationError(f"Monitoring schedule in status {status} cannot be stopped")
        if not schedule.stopped:
            schedule.stopped = True
            schedule.last_modified_time = settings.clock()


def fail_schedule(backend: SageMakerModelBackend, name: str, reason: str) -> None:
    """Test hook: the schedule reports Failed with `reason` (after any Pending time left)."""
    with lock:
        get_schedule(backend, name).failure_reason = reason


def schedule_endpoint(backend: SageMakerModelBackend, schedule: Schedule) -> str | None:
    t, n = schedule.monitoring_type, schedule.definition_name
    if t in DEFINITION_TABLES and n and _find_definition(backend, t, n) is not None:
        endpoint: str | None = definition_endpoint(backend, t, n)
        return endpoint
    return None


def schedule_summary(
    backend: SageMakerModelBackend, schedule: Schedule, now: _dt.datetime
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "MonitoringScheduleName": schedule.name,
        "MonitoringScheduleArn": schedule.arn,
        "CreationTime": schedule.creation_time,
        "LastModifiedTime": schedule.last_modified_time,
        "MonitoringScheduleStatus": schedule.status(now),
    }
    endpoint = schedule_endpoint(backend, schedule)
    if endpoint:
        out["EndpointName"] = endpoint
    if schedule.definition_name:
        out["MonitoringJobDefinitionName"] = schedule.definition_name
    if schedule.monitoring_type:
        out["MonitoringType"] = schedule.monitoring_type
    return out
