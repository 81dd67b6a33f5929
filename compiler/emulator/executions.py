"""Synthetic monitoring executions and the violation reports they write."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from typing import Any

from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import SageMakerModelBackend

from compiler.emulator.schedules import (
    EXECUTION_STATUSES,
    Execution,
    Schedule,
    extras,
    get_schedule,
    lock,
    schedule_endpoint,
    settings,
)


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
    endpoint = schedule_endpoint(backend, schedule) or "batch"
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
    with lock:
        schedule = get_schedule(backend, schedule_name)
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
            endpoint_name=schedule_endpoint(backend, schedule),
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
    with lock:
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
