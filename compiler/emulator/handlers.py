"""The HTTP handlers attached to moto's SageMaker responses, and `install()` that attaches them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.sagemaker.exceptions import ResourceInUseException, ResourceNotFound, ValidationError
from moto.sagemaker.models import SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse

from compiler.emulator.queries import (
    describe_monitoring_schedule,
    list_model_bias_job_definitions,
    list_monitoring_executions,
    list_monitoring_schedules,
)
from compiler.emulator.schedules import (
    as_datetime,
    create_monitoring_schedule,
    delete_monitoring_schedule,
    extras,
    lock,
    referencing_schedules,
    start_monitoring_schedule,
    stop_monitoring_schedule,
    update_monitoring_schedule,
)


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
    with lock:
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
    with lock:
        definition = backend.model_bias_job_definitions.get(name)
        request = extras(backend).bias_requests.get(name)
        if definition is None or request is None:
            raise ResourceNotFound(f"Job definition {name} not found")
        # Exactly what was sent, plus the ARN and CreationTime: moto adds
        # ModelBiasBaselineConfig {} and renames/drops members (reference 1.8).
        out = dict(request)
        out["JobDefinitionArn"] = definition.arn
        out["CreationTime"] = as_datetime(definition.creation_time)
    return ActionResult(out)


def _h_delete_model_bias_job_definition(self: SageMakerResponse) -> Any:
    name = _body(self)["JobDefinitionName"]
    backend = self.sagemaker_backend
    with lock:
        users = referencing_schedules(backend, "ModelBias", name)
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
        with lock:
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
    with lock:
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
    with lock:
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
