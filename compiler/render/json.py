"""Render a plan or a drift report as versioned, deterministic JSON (public API)."""

from __future__ import annotations

import base64
import enum
import json
import math
from collections.abc import Mapping
from typing import Any

from compiler.diagnostics import Diagnostic
from compiler.render.common import KIND_TITLES, summary_line
from compiler.state.diff import FieldChange
from compiler.state.drift import DriftReport, Finding, Violation
from compiler.state.plan import Cleanup, MonitorChange, Plan

# Bump on any incompatible change to the shapes below and note it in CHANGELOG.md.
FORMAT_VERSION = 1


def jsonable(value: Any) -> Any:
    """`value` as plain JSON data: mappings with sorted string keys, lists, finite numbers."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((jsonable(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, bytes | bytearray):
        # Never expected in a plan; base64 keeps the output valid rather than failing late.
        return base64.b64encode(bytes(value)).decode("ascii")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _change(c: FieldChange) -> dict[str, Any]:
    return {
        "resource": c.resource,
        "path": c.path,
        "before": jsonable(c.before),
        "after": jsonable(c.after),
    }


def _note(d: Diagnostic) -> dict[str, Any]:
    return {
        "severity": d.severity.value,
        "code": d.code,
        "message": d.message,
        "field": d.field,
        "path": d.span.path if d.span else None,
        "line": d.span.line if d.span else None,
        "column": d.span.column if d.span else None,
        "hints": list(d.hints),
    }


def _monitor(c: MonitorChange) -> dict[str, Any]:
    out = _monitor_fields(c)
    if c.alarms:  # only then, so plans without alarm changes keep their exact shape
        out["alarms"] = [
            {"name": a.alarm_name, "key": a.key, "action": a.action.name.lower()} for a in c.alarms
        ]
    return out


def _monitor_fields(c: MonitorChange) -> dict[str, Any]:
    return {
        "name": c.name,
        "action": c.action.name.lower(),
        "actions": [a.name.lower() for a in c.actions],
        "source_path": c.source_path,
        "job_definition": c.desired.job_definition_name if c.desired else None,
        "live_job_definition": c.live_job_definition,
        "live_fingerprint": c.live_fingerprint,
        "retag": c.retag,
        "toggle": c.toggle.name.lower() if c.toggle else None,
        "restore_config": c.restore_config,
        "reason": c.reason,
        "changes": [_change(ch) for ch in c.changes],
        "notes": [_note(n) for n in c.notes],
    }


def _cleanup(c: Cleanup) -> dict[str, Any]:
    return {"job_definition": c.job_definition, "source_path": c.source_path}


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The plan's public JSON shape (format_version 1); monitors and cleanups sorted by name."""
    return {
        "format_version": FORMAT_VERSION,
        "kind": "plan",
        "project": plan.project,
        "environment": plan.environment,
        "account_id": plan.account_id,
        "region": plan.region,
        "summary": dict(plan.summary()),
        "summary_line": summary_line(plan),
        "monitors": [_monitor(c) for c in sorted(plan.changes, key=lambda c: c.name)],
        "cleanups": [_cleanup(c) for c in sorted(plan.cleanups, key=lambda c: c.job_definition)],
        "diagnostics": [_note(d) for d in plan.diagnostics],
        "has_changes": plan.has_changes,
        "blocked": plan.blocked,
    }


def render_plan_json(plan: Plan) -> str:
    return _dump(plan_to_dict(plan))


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "name": f.name,
        "kind": f.kind,
        "title": KIND_TITLES[f.kind],
        "source_path": f.source_path,
        "detail": f.detail,
        "changes": [_change(c) for c in f.changes],
        "remedy": f.remedy,
    }


def _violation(v: Violation) -> dict[str, Any]:
    return {
        "name": v.name,
        "source_path": v.source_path,
        "execution_status": v.execution_status,
        "scheduled_time": v.scheduled_time,
        "processing_job_arn": v.processing_job_arn,
        "readable": v.readable,
        "metrics": [
            {
                "metric_name": m.metric_name,
                "facet": m.facet,
                "facet_value": m.facet_value,
                "description": m.description,
            }
            for m in v.metrics
        ],
    }


def drift_to_dict(report: DriftReport) -> dict[str, Any]:
    """The drift report's public JSON shape (format_version 1); findings sorted by monitor."""
    kinds = sorted({f.kind for f in report.findings})
    return {
        "format_version": FORMAT_VERSION,
        "kind": "drift",
        "project": report.project,
        "environment": report.environment,
        "account_id": report.account_id,
        "region": report.region,
        "summary": {
            "findings": len(report.findings),
            "monitors": len({f.name for f in report.findings}),
            "violations": len({v.name for v in report.violations}),
            "by_kind": {k: sum(1 for f in report.findings if f.kind == k) for k in kinds},
        },
        "findings": [
            _finding(f) for f in sorted(report.findings, key=lambda f: (f.name, f.kind, f.detail))
        ],
        "violations": [_violation(v) for v in sorted(report.violations, key=lambda v: v.name)],
        "has_drift": report.has_drift,
    }


def render_drift_json(report: DriftReport) -> str:
    return _dump(drift_to_dict(report))


def _dump(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
