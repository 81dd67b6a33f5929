"""Monitoring schedules, executions and stricter bias job definitions, attached to moto's SageMaker."""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.sagemaker.exceptions import ResourceInUseException, ResourceNotFound, ValidationError
from moto.sagemaker.models import SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse

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
_lock = threading.RLock()


def extras(backend: SageMakerModelBackend) -> Extras:
    with _lock:
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


def _definition_endpoint(backend: SageMakerModelBackend, monitoring_type: str, name: str) -> Any:
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


def _referencing_schedules(
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
    endpoint = _definition_endpoint(backend, monitoring_type, name)
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


def _get_schedule(backend: SageMakerModelBackend, name: str) -> Schedule:
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
    with _lock:
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
    with _lock:
        schedule = _get_schedule(backend, name)
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
    with _lock:
        schedule = _get_schedule(backend, name)
        if schedule.status(settings.clock()) == "Pending":
            # aws/amazon-sagemaker-examples issue #2342 (reference 3.6).
            raise ValidationError("Monitoring schedule in status Pending")
        # The execution history is kept (DeleteMonitoringSchedule doc string, reference 3.8).
        del extras(backend).schedules[name]


def start_monitoring_schedule(backend: SageMakerModelBackend, name: str) -> None:
    with _lock:
        schedule = _get_schedule(backend, name)
        status = schedule.status(settings.clock())
        if status in ("Pending", "Failed"):
            # UNCONFIRMED (README): starting a Pending or Failed schedule is refused.
            raise ValidationError(f"Monitoring schedule in status {status} cannot be started")
        if schedule.stopped:
            schedule.stopped = False
            schedule.last_modified_time = settings.clock()


def stop_monitoring_schedule(backend: SageMakerModelBackend, name: str) -> None:
    with _lock:
        schedule = _get_schedule(backend, name)
        status = schedule.status(settings.clock())
        if status in ("Pending", "Failed"):
            # UNCONFIRMED (README): stopping a Pending or Failed schedule is refused.
            raise ValidationError(f"Monitoring schedule in status {status} cannot be stopped")
        if not schedule.stopped:
            schedule.stopped = True
            schedule.last_modified_time = settings.clock()


def fail_schedule(backend: SageMakerModelBackend, name: str, reason: str) -> None:
    """Test hook: the schedule reports Failed with `reason` (after any Pending time left)."""
    with _lock:
        _get_schedule(backend, name).failure_reason = reason


def _schedule_endpoint(backend: SageMakerModelBackend, schedule: Schedule) -> str | None:
    t, n = schedule.monitoring_type, schedule.definition_name
    if t in DEFINITION_TABLES and n and _find_definition(backend, t, n) is not None:
        endpoint: str | None = _definition_endpoint(backend, t, n)
        return endpoint
    return None


def _schedule_summary(
    backend: SageMakerModelBackend, schedule: Schedule, now: _dt.datetime
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "MonitoringScheduleName": schedule.name,
        "MonitoringScheduleArn": schedule.arn,
        "CreationTime": schedule.creation_time,
        "LastModifiedTime": schedule.last_modified_time,
        "MonitoringScheduleStatus": schedule.status(now),
    }
    endpoint = _schedule_endpoint(backend, schedule)
    if endpoint:
        out["EndpointName"] = endpoint
    if schedule.definition_name:
        out["MonitoringJobDefinitionName"] = schedule.definition_name
    if schedule.monitoring_type:
        out["MonitoringType"] = schedule.monitoring_type
    return out


def describe_monitoring_schedule(backend: SageMakerModelBackend, name: str) -> dict[str, Any]:
    with _lock:
        generate_due_executions(backend)
        schedule = _get_schedule(backend, name)
        now = settings.clock()
        out = _schedule_summary(backend, schedule, now)
        out["MonitoringScheduleConfig"] = schedule.config
        if out["MonitoringScheduleStatus"] == "Failed":
            out["FailureReason"] = schedule.failure_reason
        mine = [e for e in extras(backend).executions if e.schedule_name == name]
        if mine:
            last = max(mine, key=lambda e: (e.scheduled_time, e.creation_time))
            out["LastMonitoringExecutionSummary"] = last.summary()
        return out


# ---------------------------------------------------------------- listing


def _as_datetime(value: Any) -> _dt.datetime:
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


Predicate = Callable[[Mapping[str, Any]], bool]


def _equals(summary_field: str, value: Any) -> Predicate:
    return lambda s: s.get(summary_field) == value


def _contains(summary_field: str, value: str) -> Predicate:
    return lambda s: value in s[summary_field]


def _before(summary_field: str, bound: _dt.datetime) -> Predicate:
    return lambda s: bool(s[summary_field] < bound)


def _after(summary_field: str, bound: _dt.datetime) -> Predicate:
    return lambda s: bool(s[summary_field] > bound)


def _time_filters(params: Mapping[str, Any], fields: Iterable[tuple[str, str]]) -> list[Predicate]:
    """Predicates over a summary for each `<Field>Before`/`<Field>After` parameter given."""
    tests: list[Predicate] = []
    for param_prefix, summary_field in fields:
        if f"{param_prefix}Before" in params:
            bound = _as_datetime(params[f"{param_prefix}Before"])
            tests.append(_before(summary_field, bound))
        if f"{param_prefix}After" in params:
            bound = _as_datetime(params[f"{param_prefix}After"])
            tests.append(_after(summary_field, bound))
    return tests


def paginate(
    items: list[dict[str, Any]], params: Mapping[str, Any]
) -> tuple[list[dict[str, Any]], str | None]:
    """One page: MaxResults defaults to 10 (model doc string); the token is an opaque offset."""
    size = int(params.get("MaxResults", 10))
    token = params.get("NextToken")
    start = 0
    if token:
        try:
            start = int(base64.urlsafe_b64decode(token.encode()).decode().removeprefix("offset:"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValidationError(f"NextToken: {token!r} is not a valid pagination token") from exc
    page = items[start : start + size]
    following = start + size
    if following < len(items):
        return page, base64.urlsafe_b64encode(f"offset:{following}".encode()).decode()
    return page, None


def _sorted(
    items: list[dict[str, Any]], params: Mapping[str, Any], keys: Mapping[str, str], default: str
) -> list[dict[str, Any]]:
    field_name = keys[params.get("SortBy", default)]
    descending = params.get("SortOrder", "Descending") == "Descending"
    # The name/ARN second key keeps pages stable when the primary key ties.
    tiebreak = "MonitoringScheduleName" if "MonitoringScheduleName" in keys.values() else field_name
    return sorted(
        items,
        key=lambda s: (s.get(field_name), s.get(tiebreak), s.get("ScheduledTime")),
        reverse=descending,
    )


def _query(
    items: list[dict[str, Any]],
    params: Mapping[str, Any],
    *,
    times: tuple[str, ...],
    equals: Mapping[str, str],
    sort_keys: Mapping[str, str],
    contains: str | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """A List* operation: the request's filters (`<time>Before/After`, equality params,
    NameContains), then SortBy/SortOrder (default CreationTime, Descending), then a page."""
    tests = _time_filters(params, tuple((t, t) for t in times))
    tests += [_equals(field, params[param]) for param, field in equals.items() if param in params]
    if contains is not None and "NameContains" in params:
        tests.append(_contains(contains, params["NameContains"]))
    kept = [s for s in items if all(t(s) for t in tests)]
    return paginate(_sorted(kept, params, sort_keys, "CreationTime"), params)


def list_monitoring_schedules(
    backend: SageMakerModelBackend, params: Mapping[str, Any]
) -> tuple[list[dict[str, Any]], str | None]:
    with _lock:
        now = settings.clock()
        items = [_schedule_summary(backend, s, now) for s in extras(backend).schedules.values()]
    return _query(
        items,
        params,
        times=("CreationTime", "LastModifiedTime"),
        equals={
            "EndpointName": "EndpointName",
            "StatusEquals": "MonitoringScheduleStatus",
            "MonitoringTypeEquals": "MonitoringType",
            "MonitoringJobDefinitionName": "MonitoringJobDefinitionName",
        },
        contains="MonitoringScheduleName",
        sort_keys={
            "Name": "MonitoringScheduleName",
            "CreationTime": "CreationTime",
            "Status": "MonitoringScheduleStatus",
        },
    )


def list_monitoring_executions(
    backend: SageMakerModelBackend, params: Mapping[str, Any]
) -> tuple[list[dict[str, Any]], str | None]:
    with _lock:
        generate_due_executions(backend)
        items = [e.summary() for e in extras(backend).executions]
    return _query(
        items,
        params,
        times=("ScheduledTime", "CreationTime", "LastModifiedTime"),
        equals={
            "MonitoringScheduleName": "MonitoringScheduleName",
            "EndpointName": "EndpointName",
            "StatusEquals": "MonitoringExecutionStatus",
            "MonitoringTypeEquals": "MonitoringType",
            "MonitoringJobDefinitionName": "MonitoringJobDefinitionName",
        },
        sort_keys={
            "CreationTime": "CreationTime",
            "ScheduledTime": "ScheduledTime",
            "Status": "MonitoringExecutionStatus",
        },
    )


def list_model_bias_job_definitions(
    backend: SageMakerModelBackend, params: Mapping[str, Any]
) -> tuple[list[dict[str, Any]], str | None]:
    with _lock:
        items = []
        for name, definition in backend.model_bias_job_definitions.items():
            summary: dict[str, Any] = {
                "MonitoringJobDefinitionName": name,
                "MonitoringJobDefinitionArn": definition.arn,
                "CreationTime": _as_datetime(definition.creation_time),
            }
            endpoint = _definition_endpoint(backend, "ModelBias", name)
            if endpoint:
                summary["EndpointName"] = endpoint
            items.append(summary)
    return _query(
        items,
        params,
        times=("CreationTime",),
        equals={"EndpointName": "EndpointName"},
        contains="MonitoringJobDefinitionName",
        sort_keys={"Name": "MonitoringJobDefinitionName", "CreationTime": "CreationTime"},
    )


# ---------------------------------------------------------------- executions


def _output_uri(backend: SageMakerModelBackend, schedule: Schedule) -> str | None:
    if schedule.monitoring_type != "ModelBias" or not schedule.definition_name:
        return None
    request = extras(backend).bias_requests.get(schedule.definition_name, {})
    outputs = request.get("ModelBiasJobOutputConfig", {}).get("MonitoringOutputs", [])
    return outputs[0]["S3Output"]["S3Uri"] if outputs else None


def _write_violations(
    backend: SageMakerModelBackend,
    schedule: Schedule,
    scheduled: _dt.datetime,
    violations: list[dict[str, Any]],
) -> str | None:
    """Write constraint_violations.json (reference 3.12); a failure reason if impossible."""
    from moto.s3.models import s3_backends

    uri = _output_uri(backend, schedule)
    if uri is None:
        return "the job definition has no S3 output"
    bucket, _, prefix = uri.removeprefix("s3://").removeprefix("https://").partition("/")
    s3 = s3_backends[backend.account_id]["aws"]
    if bucket not in s3.buckets:
        return f"output bucket {bucket} does not exist"
    # The layout <output>/<endpoint>/<schedule>/yyyy/mm/dd/hh/ follows Model Monitor's
    # documented output paths; treat it as UNCONFIRMED for bias jobs (README).
    endpoint = _schedule_endpoint(backend, schedule) or "batch"
    key = "/".join(
        p
        for p in (prefix.strip("/"), endpoint, schedule.name, scheduled.strftime("%Y/%m/%d/%H"))
        if p
    )
    body = {"version": "1.0", "violations": violations}
    s3.put_object(bucket, f"{key}/constraint_violations.json", json.dumps(body).encode())
    return None


DEFAULT_VIOLATIONS = [
    {
        "facet": "sex",
        "facet_value": "0",
        "metric_name": "CI",
        "constraint_check_type": "bias_drift_check",
        "description": "Value 0.42 does not meet the constraint requirement",
    }
]


def add_execution(
    backend: SageMakerModelBackend,
    schedule_name: str,
    status: str = "Completed",
    scheduled_time: _dt.datetime | None = None,
    violations: list[dict[str, Any]] | None = None,
    failure_reason: str | None = None,
) -> dict[str, Any]:
    """Record one finished execution of a schedule; violations go to its S3 output."""
    if status not in EXECUTION_STATUSES:
        raise ValidationError(f"status {status!r} is not one of {', '.join(EXECUTION_STATUSES)}")
    with _lock:
        schedule = _get_schedule(backend, schedule_name)
        now = settings.clock()
        scheduled = scheduled_time or now.replace(minute=0, second=0, microsecond=0)
        if status == "CompletedWithViolations":
            problem = _write_violations(
                backend, schedule, scheduled, violations or DEFAULT_VIOLATIONS
            )
            if problem:
                status, failure_reason = "Failed", problem
        digest = hashlib.sha256(f"{schedule.arn}{scheduled.isoformat()}{now}".encode())
        job = f"model-monitoring-{scheduled:%Y%m%d%H%M}-{digest.hexdigest()[:8]}"
        execution = Execution(
            schedule_name=schedule_name,
            scheduled_time=scheduled,
            creation_time=now,
            last_modified_time=now,
            status=status,
            processing_job_arn=(
                f"arn:aws:sagemaker:{backend.region_name}:{backend.account_id}:processing-job/{job}"
            ),
            endpoint_name=_schedule_endpoint(backend, schedule),
            definition_name=schedule.definition_name,
            monitoring_type=schedule.monitoring_type,
            failure_reason=failure_reason if status == "Failed" else None,
        )
        extras(backend).executions.append(execution)
        return execution.summary()


def generate_due_executions(backend: SageMakerModelBackend) -> None:
    """On the compressed clock, add the executions each Scheduled schedule is owed."""
    interval = settings.execution_interval_seconds
    if not interval:
        return
    with _lock:
        now = settings.clock()
        step = _dt.timedelta(seconds=interval)
        for schedule in list(extras(backend).schedules.values()):
            if schedule.status(now) != "Scheduled":
                continue
            done = [
                e.scheduled_time
                for e in extras(backend).executions
                if e.schedule_name == schedule.name
            ]
            due = (max(done) if done else schedule.pending_until) + step
            # Bounded so that a long-idle emulator does not produce thousands at once.
            for _ in range(100):
                if due > now:
                    break
                outcome = settings.execution_outcomes.get(schedule.name, "Completed")
                add_execution(backend, schedule.name, status=outcome, scheduled_time=due)
                due += step


# ---------------------------------------------------------------- HTTP handlers


def _body(response: SageMakerResponse) -> dict[str, Any]:
    # The raw JSON as sent, so that Describe can echo it exactly (moto's parsed params
    # convert some values).
    raw = response.body
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8")
    loaded = json.loads(raw or "{}")
    return loaded if isinstance(loaded, dict) else {}


def _list_result(key: str, page: tuple[list[dict[str, Any]], str | None]) -> ActionResult:
    items, token = page
    result: dict[str, Any] = {key: items}
    if token:
        result["NextToken"] = token
    return ActionResult(result)


def _h_create_monitoring_schedule(self: SageMakerResponse) -> ActionResult:
    p = _body(self)
    arn = create_monitoring_schedule(
        self.sagemaker_backend,
        p["MonitoringScheduleName"],
        p["MonitoringScheduleConfig"],
        p.get("Tags", []),
    )
    return ActionResult({"MonitoringScheduleArn": arn})


def _h_update_monitoring_schedule(self: SageMakerResponse) -> ActionResult:
    p = _body(self)
    arn = update_monitoring_schedule(
        self.sagemaker_backend, p["MonitoringScheduleName"], p["MonitoringScheduleConfig"]
    )
    return ActionResult({"MonitoringScheduleArn": arn})


def _h_describe_monitoring_schedule(self: SageMakerResponse) -> ActionResult:
    name = _body(self)["MonitoringScheduleName"]
    return ActionResult(describe_monitoring_schedule(self.sagemaker_backend, name))


def _h_delete_monitoring_schedule(self: SageMakerResponse) -> EmptyResult:
    delete_monitoring_schedule(self.sagemaker_backend, _body(self)["MonitoringScheduleName"])
    return EmptyResult()


def _h_start_monitoring_schedule(self: SageMakerResponse) -> EmptyResult:
    start_monitoring_schedule(self.sagemaker_backend, _body(self)["MonitoringScheduleName"])
    return EmptyResult()


def _h_stop_monitoring_schedule(self: SageMakerResponse) -> EmptyResult:
    stop_monitoring_schedule(self.sagemaker_backend, _body(self)["MonitoringScheduleName"])
    return EmptyResult()


def _h_list_monitoring_schedules(self: SageMakerResponse) -> ActionResult:
    page = list_monitoring_schedules(self.sagemaker_backend, _body(self))
    return _list_result("MonitoringScheduleSummaries", page)


def _h_list_monitoring_executions(self: SageMakerResponse) -> ActionResult:
    page = list_monitoring_executions(self.sagemaker_backend, _body(self))
    return _list_result("MonitoringExecutionSummaries", page)


def _h_list_model_bias_job_definitions(self: SageMakerResponse) -> ActionResult:
    page = list_model_bias_job_definitions(self.sagemaker_backend, _body(self))
    return _list_result("JobDefinitionSummaries", page)


_original: dict[str, Callable[..., Any]] = {}


def _h_create_model_bias_job_definition(self: SageMakerResponse) -> Any:
    p = _body(self)
    backend = self.sagemaker_backend
    name = p["JobDefinitionName"]
    with _lock:
        # moto overwrites silently; SageMaker answers ResourceInUse (reference 1.8). Only
        # bias names are compared: a shared namespace across the four types is UNCONFIRMED
        # (reference 4.9).
        if name in backend.model_bias_job_definitions:
            raise ResourceInUseException(f"Job definition {name} already exists")
        result = _original["create_model_bias_job_definition"](self)
        extras(backend).bias_requests[name] = {k: v for k, v in p.items() if k != "Tags"}
    return result


def _h_describe_model_bias_job_definition(self: SageMakerResponse) -> ActionResult:
    name = _body(self)["JobDefinitionName"]
    backend = self.sagemaker_backend
    with _lock:
        definition = backend.model_bias_job_definitions.get(name)
        request = extras(backend).bias_requests.get(name)
        if definition is None or request is None:
            raise ResourceNotFound(f"Job definition {name} not found")
        # Exactly what was sent, plus the ARN and CreationTime: moto adds
        # ModelBiasBaselineConfig {} and renames/drops members (reference 1.8).
        out = dict(request)
        out["JobDefinitionArn"] = definition.arn
        out["CreationTime"] = _as_datetime(definition.creation_time)
    return ActionResult(out)


def _h_delete_model_bias_job_definition(self: SageMakerResponse) -> Any:
    name = _body(self)["JobDefinitionName"]
    backend = self.sagemaker_backend
    with _lock:
        users = _referencing_schedules(backend, "ModelBias", name)
        if users:
            # The SDK says a definition "is locked by schedule"; the code SageMaker uses is
            # UNCONFIRMED (reference 3.8, 4.4); the emulator answers ResourceInUse.
            raise ResourceInUseException(
                f"Job definition {name} is in use by monitoring schedule(s) {', '.join(users)}"
            )
        result = _original["delete_model_bias_job_definition"](self)
        extras(backend).bias_requests.pop(name, None)
    return result


def _recording(operation: str, kind: str, key: str, deleting: bool = False) -> Callable[..., Any]:
    """Wrap moto's handler to keep the request, so persistence can rebuild endpoints."""

    def handler(self: SageMakerResponse) -> Any:
        p = _body(self)
        with _lock:
            result = _original[operation](self)
            book = extras(self.sagemaker_backend).endpoint_requests[kind]
            if deleting:
                book.pop(p.get(key, ""), None)
            else:
                book[p[key]] = p
        return result

    return handler


# ---------------------------------------------------------------- tags


def _get_resource_from_arn(self: SageMakerModelBackend, arn: str) -> Any:
    resource_part = arn.split(":", 5)[-1]
    kind, _, name = resource_part.partition("/")
    parts = arn.split(":")
    if len(parts) >= 5 and (parts[3] != self.region_name or parts[4] != self.account_id):
        raise ResourceNotFound(f"Resource {arn} not found")
    if kind == "monitoring-schedule":
        found: Any = extras(self).schedules.get(name)
    else:
        try:
            found = _original["_get_resource_from_arn"](self, arn)
        except (AttributeError, ValueError) as exc:
            # moto fails with AttributeError on an ARN type it does not know.
            raise ValidationError(f"Resource type of {arn} is not supported") from exc
    if found is None:
        raise ResourceNotFound(f"Resource {arn} not found")
    return found


def _add_tags(self: SageMakerModelBackend, arn: str, tags: list[dict[str, str]]) -> Any:
    # AddTags "adds or overwrites" (reference 1.7); moto appends duplicates.
    with _lock:
        resource = self._get_resource_from_arn(arn)
        merged = {t["Key"]: t for t in resource.tags}
        for tag in tags:
            merged[tag["Key"]] = tag
        resource.tags = list(merged.values())
        return resource.tags


# ---------------------------------------------------------------- installation


_RESPONSE_HANDLERS: dict[str, Callable[..., Any]] = {
    "create_monitoring_schedule": _h_create_monitoring_schedule,
    "update_monitoring_schedule": _h_update_monitoring_schedule,
    "describe_monitoring_schedule": _h_describe_monitoring_schedule,
    "delete_monitoring_schedule": _h_delete_monitoring_schedule,
    "start_monitoring_schedule": _h_start_monitoring_schedule,
    "stop_monitoring_schedule": _h_stop_monitoring_schedule,
    "list_monitoring_schedules": _h_list_monitoring_schedules,
    "list_monitoring_executions": _h_list_monitoring_executions,
    "create_model_bias_job_definition": _h_create_model_bias_job_definition,
    "describe_model_bias_job_definition": _h_describe_model_bias_job_definition,
    "delete_model_bias_job_definition": _h_delete_model_bias_job_definition,
    "list_model_bias_job_definitions": _h_list_model_bias_job_definitions,
    "create_model": _recording("create_model", "Model", "ModelName"),
    "delete_model": _recording("delete_model", "Model", "ModelName", deleting=True),
    "create_endpoint_config": _recording(
        "create_endpoint_config", "EndpointConfig", "EndpointConfigName"
    ),
    "delete_endpoint_config": _recording(
        "delete_endpoint_config", "EndpointConfig", "EndpointConfigName", deleting=True
    ),
    "create_endpoint": _recording("create_endpoint", "Endpoint", "EndpointName"),
    "delete_endpoint": _recording("delete_endpoint", "Endpoint", "EndpointName", deleting=True),
}

_BACKEND_METHODS: dict[str, Callable[..., Any]] = {
    "_get_resource_from_arn": _get_resource_from_arn,
    "add_tags": _add_tags,
}


def install() -> None:
    """Attach the handlers to moto's SageMaker classes; idempotent."""
    with _lock:
        if _original:
            return
        for name, handler in _RESPONSE_HANDLERS.items():
            existing = getattr(SageMakerResponse, name, None)
            if existing is not None:
                _original[name] = existing
            setattr(SageMakerResponse, name, handler)
        for name, method in _BACKEND_METHODS.items():
            _original[name] = getattr(SageMakerModelBackend, name)
            setattr(SageMakerModelBackend, name, method)
