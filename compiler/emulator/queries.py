"""Read operations of the emulator (describe, list): executions brought up to date first, then
SageMaker's filters, sort orders and pages."""

from __future__ import annotations

import base64
import datetime as _dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import SageMakerModelBackend

from compiler.emulator.executions import generate_due_executions
from compiler.emulator.schedules import (
    as_datetime,
    definition_endpoint,
    extras,
    get_schedule,
    lock,
    schedule_summary,
    settings,
)

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
            bound = as_datetime(params[f"{param_prefix}Before"])
            tests.append(_before(summary_field, bound))
        if f"{param_prefix}After" in params:
            bound = as_datetime(params[f"{param_prefix}After"])
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
    with lock:
        now = settings.clock()
        items = [schedule_summary(backend, s, now) for s in extras(backend).schedules.values()]
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
    with lock:
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
    with lock:
        items = []
        for name, definition in backend.model_bias_job_definitions.items():
            summary: dict[str, Any] = {
                "MonitoringJobDefinitionName": name,
                "MonitoringJobDefinitionArn": definition.arn,
                "CreationTime": as_datetime(definition.creation_time),
            }
            endpoint = definition_endpoint(backend, "ModelBias", name)
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


def describe_monitoring_schedule(backend: SageMakerModelBackend, name: str) -> dict[str, Any]:
    with lock:
        generate_due_executions(backend)
        schedule = get_schedule(backend, name)
        now = settings.clock()
        out = schedule_summary(backend, schedule, now)
        out["MonitoringScheduleConfig"] = schedule.config
        if out["MonitoringScheduleStatus"] == "Failed":
            out["FailureReason"] = schedule.failure_reason
        mine = [e for e in extras(backend).executions if e.schedule_name == name]
        if mine:
            last = max(mine, key=lambda e: (e.scheduled_time, e.creation_time))
            out["LastMonitoringExecutionSummary"] = last.summary()
        return out
