"""WSGI middleware in front of moto: admin routes, request validation, faults, counting and saving."""

from __future__ import annotations

import datetime as _dt
import io
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from moto.moto_api._internal.models import moto_api_backend
from moto.sagemaker.models import SageMakerModelBackend, sagemaker_backends

from compiler.desired.servicemodel import ModelProblem, check_request
from compiler.emulator import alarms, executions, schedules, state
from compiler.emulator.faults import Faults

ADMIN_PREFIX = "/_biaswatch/"

# The operations whose requests are checked against botocore's model before moto sees
# them: SageMaker enforces max/pattern/enum server-side (reference 1.0); moto does not.
VALIDATED_OPERATIONS = frozenset(
    {
        "CreateMonitoringSchedule",
        "DescribeMonitoringSchedule",
        "ListMonitoringSchedules",
        "UpdateMonitoringSchedule",
        "DeleteMonitoringSchedule",
        "StartMonitoringSchedule",
        "StopMonitoringSchedule",
        "ListMonitoringExecutions",
        "AddTags",
        "ListTags",
        "DeleteTags",
        "CreateModelBiasJobDefinition",
        "DescribeModelBiasJobDefinition",
        "DeleteModelBiasJobDefinition",
        "ListModelBiasJobDefinitions",
    }
)

# CloudWatch (alarms) over its JSON protocol; checked against botocore's CloudWatch model.
CLOUDWATCH_TARGET = "GraniteServiceVersion20100801."
VALIDATED_CLOUDWATCH_OPERATIONS = frozenset(
    {
        "PutMetricAlarm",
        "DescribeAlarms",
        "DeleteAlarms",
        "ListTagsForResource",
        "TagResource",
        "UntagResource",
    }
)

_READ_PREFIXES = ("Describe", "List", "Search", "Get", "Query")

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def validation_message(problems: tuple[ModelProblem, ...]) -> str:
    """SageMaker's wording: a count, then each member and the rule it breaks."""
    count = len(problems)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(
        f"Value at '{p.path}' failed to satisfy constraint: {p.message}" for p in problems
    )


def _json_error(status: int, code: str, message: str) -> tuple[str, list[tuple[str, str]], bytes]:
    body = json.dumps({"__type": code, "message": message}).encode()
    reason = {400: "Bad Request", 500: "Internal Server Error", 503: "Service Unavailable"}
    headers = [
        ("Content-Type", "application/x-amz-json-1.1"),
        ("x-amzn-ErrorType", code),
        ("Content-Length", str(len(body))),
    ]
    return f"{status} {reason.get(status, 'Error')}", headers, body


def _xml_error(status: int, code: str, message: str) -> tuple[str, list[tuple[str, str]], bytes]:
    # S3 speaks XML; its throttling code is SlowDown (503).
    if code == "ThrottlingException":
        status, code = 503, "SlowDown"
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
        f"<Message>{message}</Message></Error>"
    ).encode()
    reason = {500: "Internal Server Error", 503: "Service Unavailable"}
    headers = [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))]
    return f"{status} {reason.get(status, 'Error')}", headers, body


class Controller:
    """The emulator's run-time knobs, shared by the Python API and the admin endpoint."""

    def __init__(
        self,
        faults: Faults,
        account_id: str,
        region: str,
        state_file: Path | None,
    ) -> None:
        self.faults = faults
        self.account_id = account_id
        self.region = region
        self.state_file = state_file
        self.requests: Counter[str] = Counter()
        self._count_lock = threading.Lock()
        # Serialises mutating calls with their save, so a saved file is never half a change.
        self.mutation_lock = threading.RLock()

    def backend(
        self, account_id: str | None = None, region: str | None = None
    ) -> SageMakerModelBackend:
        return sagemaker_backends[account_id or self.account_id][region or self.region]

    def count(self, operation: str) -> None:
        with self._count_lock:
            self.requests[operation] += 1

    def request_counts(self) -> dict[str, int]:
        with self._count_lock:
            return dict(self.requests)

    def reset_counts(self) -> None:
        with self._count_lock:
            self.requests.clear()

    def save(self) -> None:
        if self.state_file is not None:
            with self.mutation_lock:
                state.save_state(self.state_file)

    def reset(self, save: bool = True) -> None:
        """Forget everything: moto's state (all services), counters and faults."""
        with self.mutation_lock:
            moto_api_backend.reset()
            alarms.reset()
            self.faults.clear()
            self.reset_counts()
            schedules.settings.fail_next_schedule_with = None
            schedules.settings.execution_outcomes.clear()
            if save:
                self.save()

    def configure(self, values: dict[str, Any]) -> dict[str, Any]:
        """Apply lifecycle/execution settings; unknown keys are an error."""
        s = schedules.settings
        known = {
            "pending_seconds",
            "fail_next_schedule_with",
            "execution_interval_seconds",
            "execution_outcomes",
        }
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        if "pending_seconds" in values:
            s.pending_seconds = float(values["pending_seconds"])
        if "fail_next_schedule_with" in values:
            s.fail_next_schedule_with = values["fail_next_schedule_with"]
        if "execution_interval_seconds" in values:
            interval = values["execution_interval_seconds"]
            s.execution_interval_seconds = None if interval is None else float(interval)
        if "execution_outcomes" in values:
            s.execution_outcomes.update(values["execution_outcomes"])
        return {
            "pending_seconds": s.pending_seconds,
            "fail_next_schedule_with": s.fail_next_schedule_with,
            "execution_interval_seconds": s.execution_interval_seconds,
            "execution_outcomes": dict(s.execution_outcomes),
        }

    def add_execution(
        self,
        schedule_name: str,
        status: str = "Completed",
        scheduled_time: _dt.datetime | None = None,
        violations: list[dict[str, Any]] | None = None,
        failure_reason: str | None = None,
        account_id: str | None = None,
        region: str | None = None,
    ) -> dict[str, Any]:
        with self.mutation_lock:
            summary = executions.add_execution(
                self.backend(account_id, region),
                schedule_name,
                status=status,
                scheduled_time=scheduled_time,
                violations=violations,
                failure_reason=failure_reason,
            )
            self.save()
            return summary

    def fail_schedule(
        self,
        schedule_name: str,
        reason: str,
        account_id: str | None = None,
        region: str | None = None,
    ) -> None:
        with self.mutation_lock:
            schedules.fail_schedule(self.backend(account_id, region), schedule_name, reason)
            self.save()


class Gateway:
    """The WSGI application the server runs: admin routes, then checks, then moto."""

    def __init__(self, app: WsgiApp, controller: Controller) -> None:
        self.app = app
        self.controller = controller

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(ADMIN_PREFIX):
            # Never subject to faults: tests steer the emulator through it.
            return self._admin(environ, start_response, path[len(ADMIN_PREFIX) :])
        body = _read_body(environ)
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        service = (
            "sagemaker"
            if target.startswith("SageMaker.")
            else "cloudwatch"
            if target.startswith(CLOUDWATCH_TARGET)
            else "s3"
        )
        operation = target.split(".", 1)[1] if service != "s3" else _s3_operation(environ)
        # moto picks the account from this header; requests without it land in the account
        # the emulator was started for.
        environ.setdefault("HTTP_X_MOTO_ACCOUNT_ID", self.controller.account_id)
        self.controller.count(operation)

        decision = self.controller.faults.decide(operation)
        if decision.latency_s:
            time.sleep(decision.latency_s)
        render = _json_error if service != "s3" else _xml_error
        if decision.error is not None:
            return _send(start_response, *render(*decision.error))

        if (service == "sagemaker" and operation in VALIDATED_OPERATIONS) or (
            service == "cloudwatch" and operation in VALIDATED_CLOUDWATCH_OPERATIONS
        ):
            problems = _problems(operation, body, service)
            if problems:
                # CloudWatch's query-compatible code for a model violation is ValidationError.
                code = "ValidationException" if service == "sagemaker" else "ValidationError"
                return _send(start_response, *_json_error(400, code, problems))

        mutating = (
            not operation.startswith(_READ_PREFIXES)
            if service != "s3"
            else environ["REQUEST_METHOD"] in ("PUT", "POST", "DELETE")
        )
        if mutating:
            with self.controller.mutation_lock:
                status, headers, chunks = _run(self.app, environ)
                if service == "cloudwatch" and status.startswith("2"):
                    alarms.record(
                        environ["HTTP_X_MOTO_ACCOUNT_ID"],
                        _region(environ) or self.controller.region,
                        operation,
                        _json(body),
                    )
                self.controller.save()
        else:
            status, headers, chunks = _run(self.app, environ)
        if decision.lose_response:
            # The call took effect; the client sees a 500 (reliability.md, "lost response").
            return _send(start_response, *render(*_LOST))
        return _send(start_response, status, headers, chunks)

    def _admin(
        self, environ: dict[str, Any], start_response: StartResponse, route: str
    ) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        try:
            payload = json.loads(_read_body(environ) or b"{}")
            if not isinstance(payload, dict):
                raise ValueError("the admin payload must be a JSON object")
            result = self._admin_route(method, route.strip("/"), payload)
        except LookupError as exc:
            return _send(start_response, *_admin_json(404, {"error": str(exc)}))
        except (ValueError, TypeError) as exc:
            return _send(start_response, *_admin_json(400, {"error": str(exc)}))
        except Exception as exc:  # moto's errors from add_execution/fail_schedule
            return _send(
                start_response, *_admin_json(400, {"error": f"{type(exc).__name__}: {exc}"})
            )
        return _send(start_response, *_admin_json(200, result))

    def _admin_route(self, method: str, route: str, payload: dict[str, Any]) -> Any:
        c = self.controller
        if route == "health":
            return {"ok": True}
        if route == "faults" and method == "GET":
            return c.faults.describe()
        if route == "faults" and method == "POST":
            if payload.get("clear"):
                c.faults.clear()
            c.faults.configure(
                latency_ms=payload.get("latency_ms"),
                throttle_tps=payload.get("throttle_tps"),
                fault_rate=payload.get("fault_rate"),
                include_s3=payload.get("include_s3"),
                clear_throttle="throttle_tps" in payload,
            )
            for rule in payload.get("inject", []):
                c.faults.inject(**rule)
            return c.faults.describe()
        if route == "requests" and method == "GET":
            return c.request_counts()
        if route == "requests" and method == "DELETE":
            c.reset_counts()
            return {}
        if route == "reset" and method == "POST":
            c.reset()
            return {}
        if route == "settings" and method in ("GET", "POST"):
            return c.configure(payload if method == "POST" else {})
        if route == "executions" and method == "POST":
            when = payload.pop("scheduled_time", None)
            scheduled = schedules.as_datetime(when) if when is not None else None
            return c.add_execution(scheduled_time=scheduled, **payload)
        if route == "fail-schedule" and method == "POST":
            c.fail_schedule(**payload)
            return {}
        if route == "save" and method == "POST":
            c.save()
            return {}
        raise LookupError(f"no admin route {method} {ADMIN_PREFIX}{route}")


_LOST = (500, "InternalFailure", "We encountered an internal error. Please try again.")


def _json(body: bytes) -> dict[str, Any]:
    try:
        params = json.loads(body or b"{}")
    except json.JSONDecodeError:
        return {}
    return params if isinstance(params, dict) else {}


def _region(environ: dict[str, Any]) -> str | None:
    """The region in the request's SigV4 credential scope."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    scope = auth.split("Credential=", 1)[1].split(",", 1)[0] if "Credential=" in auth else ""
    parts = scope.split("/")
    return parts[2] if len(parts) > 2 else None


def _s3_operation(environ: dict[str, Any]) -> str:
    """S3 requests by method ("S3:GET", "S3:PUT", …); a ListObjectsV2 is "S3:LIST"."""
    method = environ["REQUEST_METHOD"]
    if method == "GET" and "list-type=2" in environ.get("QUERY_STRING", ""):
        return "S3:LIST"
    return f"S3:{method}"


def _problems(operation: str, body: bytes, service: str = "sagemaker") -> str | None:
    try:
        params = json.loads(body or b"{}")
    except json.JSONDecodeError:
        return "the request body is not JSON"
    found = check_request(operation, params if isinstance(params, dict) else {}, service)
    return validation_message(found) if found else None


def _read_body(environ: dict[str, Any]) -> bytes:
    """Read the whole body and put it back, so moto can read it again."""
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    length = environ.get("CONTENT_LENGTH") or ""
    if length.isdigit():
        body = stream.read(int(length))
    elif environ.get("wsgi.input_terminated"):
        body = stream.read()
        environ.pop("HTTP_TRANSFER_ENCODING", None)
    else:
        body = b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return bytes(body)


def _run(app: WsgiApp, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    captured: dict[str, Any] = {}

    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        captured["status"], captured["headers"] = status, headers

    result = app(environ, start)
    try:
        chunks = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return captured["status"], captured["headers"], chunks


def _send(
    start_response: StartResponse, status: str, headers: list[tuple[str, str]], body: bytes
) -> list[bytes]:
    start_response(status, headers)
    return [body]


def _admin_json(status: int, value: Any) -> tuple[str, list[tuple[str, str]], bytes]:
    body = json.dumps(value, default=str).encode()
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}[status]
    return (
        f"{status} {reason}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        body,
    )
