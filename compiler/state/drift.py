"""Drift audit as data: what changed behind git's back, and the bias violations SageMaker found."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from compiler.state.alarms import AlarmAction
from compiler.state.diff import FieldChange
from compiler.state.plan import Action, MonitorChange, Plan
from compiler.state.projection import LiveState


@dataclass(frozen=True)
class Finding:
    name: str
    kind: str  # changed | missing | config-altered | unmanaged | orphan | stopped | failed
    source_path: str | None
    detail: str
    changes: tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class ViolationMetric:
    metric_name: str
    facet: str | None
    facet_value: str | None
    description: str


@dataclass(frozen=True)
class Violation:
    name: str
    source_path: str | None
    execution_status: str
    scheduled_time: str | None
    processing_job_arn: str | None
    metrics: tuple[ViolationMetric, ...]
    readable: bool


@dataclass(frozen=True)
class DriftReport:
    project: str
    environment: str
    account_id: str | None
    region: str
    findings: tuple[Finding, ...]
    violations: tuple[Violation, ...]

    @property
    def has_drift(self) -> bool:
        return bool(self.findings)


KIND_TITLES = {
    "changed": "changed outside git",
    "missing": "missing in SageMaker (deleted out of band or never applied)",
    "config-altered": "analysis config object altered",
    "unmanaged": "name taken by a schedule biaswatch does not own",
    "orphan": "managed but no longer in git",
    "stopped": "stopped though enabled in git",
    "failed": "schedule failed",
    "alarm-changed": "CloudWatch alarm changed outside git",
    "alarm-missing": "CloudWatch alarm missing (deleted out of band or never applied)",
    "alarm-extra": "CloudWatch alarm not in git (owned, under the monitor's name)",
}


def _alarm_findings(change: MonitorChange) -> list[Finding]:
    """One finding per alarm that differs from git (apply repairs each)."""
    kinds = {
        AlarmAction.CREATE: "alarm-missing",
        AlarmAction.UPDATE: "alarm-changed",
        AlarmAction.RETAG: "alarm-changed",
        AlarmAction.DELETE: "alarm-extra",
    }
    return [
        Finding(change.name, kinds[a.action], change.source_path, a.alarm_name, a.changes)
        for a in change.alarms
    ]


def parse_violations(body: bytes | None) -> tuple[tuple[ViolationMetric, ...], bool]:
    """constraint_violations.json → metrics; (…, False) when unreadable."""
    if body is None:
        return (), False
    try:
        doc = json.loads(body)
        items = doc.get("violations", [])
        metrics = tuple(
            ViolationMetric(
                str(v.get("metric_name", "?")),
                None if v.get("facet") is None else str(v.get("facet")),
                None if v.get("facet_value") is None else str(v.get("facet_value")),
                str(v.get("description", "")),
            )
            for v in items
            if isinstance(v, dict)
        )
    except (ValueError, AttributeError):
        return (), False
    return metrics, True


def build_drift(
    plan: Plan, live: LiveState, violation_bodies: Mapping[str, bytes | None]
) -> DriftReport:
    findings: list[Finding] = []
    for change in plan.changes:
        current = live.monitors.get(change.name)
        if change.action is Action.CREATE:
            findings.append(
                Finding(
                    change.name, "missing", change.source_path, "schedule not found in SageMaker"
                )
            )
            continue
        if change.action is Action.BLOCKED:
            findings.append(
                Finding(
                    change.name,
                    "unmanaged",
                    change.source_path,
                    f"owned by {current.owner!r}"
                    if current and current.owner
                    else "no ownership tag",
                )
            )
            continue
        if change.action in (Action.ORPHAN, Action.DELETE):
            findings.append(Finding(change.name, "orphan", change.source_path, change.reason))
            continue
        if current is None:
            continue
        if current.analysis_config_state in ("altered", "missing", "unparsable"):
            findings.append(
                Finding(
                    change.name,
                    "config-altered",
                    change.source_path,
                    f"{current.config_uri}: {current.analysis_config_state}",
                    tuple(c for c in change.changes if c.resource == "analysis_config"),
                )
            )
        field_changes = tuple(
            c
            for c in change.changes
            if c.resource not in ("state", "alarm")
            and not (c.resource == "analysis_config" and current.analysis_config_state != "ok")
        )
        if field_changes and (change.action in (Action.UPDATE, Action.SWAP) or change.retag):
            findings.append(
                Finding(
                    change.name,
                    "changed",
                    change.source_path,
                    change.reason or "fields differ",
                    field_changes,
                )
            )
        findings.extend(_alarm_findings(change))
        if change.toggle is Action.START:
            findings.append(
                Finding(change.name, "stopped", change.source_path, "schedule is Stopped")
            )
        if current.status == "Failed":
            findings.append(
                Finding(
                    change.name,
                    "failed",
                    change.source_path,
                    current.failure_reason or "no reason given",
                )
            )
    violations = []
    for name, current in sorted(live.monitors.items()):
        last = current.last_execution or {}
        if (
            last.get("MonitoringExecutionStatus") != "CompletedWithViolations"
            or current.owner != plan.project
        ):
            continue
        metrics, readable = parse_violations(violation_bodies.get(name))
        violations.append(
            Violation(
                name,
                current.source_path,
                "CompletedWithViolations",
                _time(last.get("ScheduledTime")),
                last.get("ProcessingJobArn"),
                metrics,
                readable,
            )
        )
    return DriftReport(
        plan.project,
        plan.environment,
        plan.account_id,
        plan.region,
        tuple(findings),
        tuple(violations),
    )


def _time(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def kinds(report: DriftReport) -> Sequence[str]:
    return sorted({f.kind for f in report.findings})
