"""Drift audit as data: what changed behind git's back, and the bias violations SageMaker found."""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from compiler.state.alarms import AlarmAction
from compiler.state.diff import FieldChange
from compiler.state.plan import Action, MonitorChange, Plan
from compiler.state.projection import ConfigState, LiveMonitor, LiveState


class DriftKind(enum.StrEnum):
    """What a drift finding is about (renderers give each a title)."""

    CHANGED = "changed"
    MISSING = "missing"
    CONFIG_ALTERED = "config-altered"
    UNMANAGED = "unmanaged"
    ORPHAN = "orphan"
    STOPPED = "stopped"
    FAILED = "failed"
    ALARM_CHANGED = "alarm-changed"
    ALARM_MISSING = "alarm-missing"
    ALARM_EXTRA = "alarm-extra"


@dataclass(frozen=True)
class Finding:
    name: str
    kind: DriftKind
    source_path: str | None
    detail: str
    changes: tuple[FieldChange, ...] = ()
    remedy: str = ""  # what repairs it: the next apply, or what a person must do


# What repairs each kind of finding. The apply workflow re-plans on main with
# --allow-destroy and applies, so everything it can repair says so; the rest says what a
# person must do. {name} and {env} are filled in per finding.
_NEXT_APPLY = "the next apply from main puts git's version back (merge any pull request)"
REMEDIES: Mapping[DriftKind, str] = {
    DriftKind.CHANGED: _NEXT_APPLY,
    DriftKind.MISSING: "the next apply from main re-creates it (merge any pull request)",
    DriftKind.CONFIG_ALTERED: "the next apply from main rewrites the object from git",
    DriftKind.UNMANAGED: (
        "a person must act: the apply never changes a schedule it does not own. Adopt it "
        "(`biaswatch import {name} --env {env}`, then commit the file) or rename the monitor"
    ),
    DriftKind.ORPHAN: (
        "the next apply from main deletes it (the apply workflow plans with "
        "--allow-destroy); to keep it running unmanaged: `biaswatch forget {name} --env {env}`"
    ),
    DriftKind.STOPPED: "the next apply from main starts it again (merge any pull request)",
    DriftKind.FAILED: (
        "the next apply from main re-sends the schedule so SageMaker retries it; if it "
        "fails again, a person must fix the cause named here"
    ),
    DriftKind.ALARM_CHANGED: _NEXT_APPLY,
    DriftKind.ALARM_MISSING: "the next apply from main re-creates the alarm",
    DriftKind.ALARM_EXTRA: "the next apply from main deletes the alarm",
}
_PROTECTED_ORPHAN = (
    "a person must act: deletion_protection keeps it. Restore its file with "
    "deletion_protection: false, merge, then remove the file (or `biaswatch forget {name} "
    "--env {env}` to keep it running unmanaged)"
)


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
        findings += [_with_remedy(f, plan.environment, current) for f in _findings(change, current)]
    return DriftReport(
        plan.project,
        plan.environment,
        plan.account_id,
        plan.region,
        tuple(findings),
        tuple(_violations(plan.project, live, violation_bodies)),
    )


def _with_remedy(f: Finding, environment: str, current: LiveMonitor | None) -> Finding:
    protected = f.kind is DriftKind.ORPHAN and current is not None and current.deletion_protection
    template = _PROTECTED_ORPHAN if protected else REMEDIES[f.kind]
    return dataclasses.replace(f, remedy=template.format(name=f.name, env=environment))


def _findings(change: MonitorChange, current: LiveMonitor | None) -> list[Finding]:
    """What one monitor's planned change says about drift."""
    name, path = change.name, change.source_path
    if change.action is Action.CREATE:
        return [Finding(name, DriftKind.MISSING, path, "schedule not found in SageMaker")]
    if change.action is Action.BLOCKED:
        owner = f"owned by {current.owner!r}" if current and current.owner else "no ownership tag"
        return [Finding(name, DriftKind.UNMANAGED, path, owner)]
    if change.action in (Action.ORPHAN, Action.DELETE):
        return [Finding(name, DriftKind.ORPHAN, path, change.reason)]
    if current is None:
        return []
    out = []
    config_ok = current.analysis_config_state is ConfigState.OK
    if current.analysis_config_state in _BROKEN_CONFIG:
        out.append(
            Finding(
                name,
                DriftKind.CONFIG_ALTERED,
                path,
                f"{current.config_uri}: {current.analysis_config_state}",
                tuple(c for c in change.changes if c.resource == "analysis_config"),
            )
        )
    if current.baseline_state in _BROKEN_CONFIG:
        out.append(
            Finding(
                name,
                DriftKind.CONFIG_ALTERED,
                path,
                f"{current.baseline_uri}: {current.baseline_state} (baseline file from git)",
            )
        )
    # A broken config object is reported above; its key-by-key changes are not "fields".
    field_changes = tuple(
        c
        for c in change.changes
        if c.resource not in ("state", "alarm") and (config_ok or c.resource != "analysis_config")
    )
    if field_changes and (change.action in (Action.UPDATE, Action.SWAP) or change.retag):
        out.append(
            Finding(name, DriftKind.CHANGED, path, change.reason or "fields differ", field_changes)
        )
    out += _alarm_findings(change)
    if change.toggle is Action.START:
        out.append(Finding(name, DriftKind.STOPPED, path, "schedule is Stopped"))
    if current.status == "Failed":
        reason = current.failure_reason or "no reason given"
        out.append(Finding(name, DriftKind.FAILED, path, reason))
    return out


def _alarm_findings(change: MonitorChange) -> list[Finding]:
    """One finding per alarm that differs from git (apply repairs each)."""
    kinds = {
        AlarmAction.CREATE: DriftKind.ALARM_MISSING,
        AlarmAction.UPDATE: DriftKind.ALARM_CHANGED,
        AlarmAction.RETAG: DriftKind.ALARM_CHANGED,
        AlarmAction.DELETE: DriftKind.ALARM_EXTRA,
    }
    return [
        Finding(change.name, kinds[a.action], change.source_path, a.alarm_name, a.changes)
        for a in change.alarms
    ]


def _violations(
    project: str, live: LiveState, violation_bodies: Mapping[str, bytes | None]
) -> list[Violation]:
    """The bias violations SageMaker's last execution of each owned monitor reported."""
    out = []
    for name, current in sorted(live.monitors.items()):
        last = current.last_execution or {}
        if (
            last.get("MonitoringExecutionStatus") != "CompletedWithViolations"
            or current.owner != project
        ):
            continue
        metrics, readable = parse_violations(violation_bodies.get(name))
        out.append(
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
    return out


_BROKEN_CONFIG = (ConfigState.ALTERED, ConfigState.MISSING, ConfigState.UNPARSABLE)


def _time(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def kinds(report: DriftReport) -> Sequence[str]:
    return sorted({f.kind for f in report.findings})
