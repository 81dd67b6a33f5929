"""What every renderer shares: the words and glyphs for actions and drift kinds, the summary
lines, value formatting and grouping. The plan and drift data hold none of this text."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from compiler.diagnostics import Diagnostic
from compiler.state.diff import FieldChange
from compiler.state.drift import DriftKind, DriftReport, Finding
from compiler.state.plan import Action, MonitorChange, Plan

TEXT_VALUE_LIMIT = 120
ABSENT = "(none)"
ARROW = "→"
ELLIPSIS = "…"

_ANALYSIS = "analysis_config"
# C0 and C1 control characters: values come from live state (tags, failure reasons), and an
# escape sequence in one must never reach the terminal as anything but visible text.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

ACTION_GLYPHS: Mapping[Action, str] = {
    Action.NOOP: " ",
    Action.CREATE: "+",
    Action.UPDATE: "~",
    Action.SWAP: "±",
    Action.RETAG: "#",
    Action.STOP: "⏸",
    Action.START: "▶",
    Action.DELETE: "-",
    Action.ORPHAN: "?",
    Action.BLOCKED: "!",
}
ACTION_LABELS: Mapping[Action, str] = {
    Action.NOOP: "no changes",
    Action.CREATE: "create",
    Action.UPDATE: "update in place",
    Action.SWAP: "definition swap",
    Action.RETAG: "retag",
    Action.STOP: "stop",
    Action.START: "start",
    Action.DELETE: "delete",
    Action.ORPHAN: "not in git (kept; --allow-destroy deletes it)",
    Action.BLOCKED: "blocked",
}
KIND_TITLES: Mapping[DriftKind, str] = {
    DriftKind.CHANGED: "changed outside git",
    DriftKind.MISSING: "missing in SageMaker (deleted out of band or never applied)",
    DriftKind.CONFIG_ALTERED: "analysis config object altered",
    DriftKind.UNMANAGED: "name taken by a schedule biaswatch does not own",
    DriftKind.ORPHAN: "managed but no longer in git",
    DriftKind.STOPPED: "stopped though enabled in git",
    DriftKind.FAILED: "schedule failed",
    DriftKind.ALARM_CHANGED: "CloudWatch alarm changed outside git",
    DriftKind.ALARM_MISSING: "CloudWatch alarm missing (deleted out of band or never applied)",
    DriftKind.ALARM_EXTRA: "CloudWatch alarm not in git (owned, under the monitor's name)",
}


def glyph(action: Action) -> str:
    return ACTION_GLYPHS[action]


def label(action: Action) -> str:
    return ACTION_LABELS[action]


def summary_line(plan: Plan) -> str:
    s = plan.summary()
    if not plan.has_changes and not s["blocked"] and not plan.has_orphans:
        return "No changes. SageMaker matches the monitor files."
    update = f"{s['update']} to update"
    if s["swap"]:
        update += f" ({s['swap']} definition swap{'s' if s['swap'] != 1 else ''})"
    parts = [f"{s['create']} to create", update, f"{s['delete']} to delete"]
    line = "Plan: " + ", ".join(parts)
    if s["cleanup"]:
        line += f", {s['cleanup']} unused definition{'s' if s['cleanup'] != 1 else ''} to clean up"
    kept = kept_orphans(plan)
    if kept:
        line += "; " + "; ".join(kept)
    if s["blocked"]:
        line += f"; {s['blocked']} blocked"
    return line + "."


def kept_orphans(plan: Plan) -> list[str]:
    """`1 kept: deleting needs --allow-destroy`: orphans counted by why they stay."""
    orphans = [c for c in plan.changes if c.action is Action.ORPHAN]
    protected = sum(1 for c in orphans if c.protected)
    out = []
    if len(orphans) - protected:
        out.append(f"{len(orphans) - protected} kept: deleting needs --allow-destroy")
    if protected:
        out.append(f"{protected} kept: deletion protection")
    return out


def deleted_resources(change: MonitorChange) -> list[str]:
    """What a delete removes, and what it leaves, in words (from the plan's data)."""
    gone = [f"schedule {change.name!r}"]
    if change.live_job_definition:
        gone.append(f"job definition {change.live_job_definition!r}")
    alarms = [a.alarm_name for a in change.alarms]
    if alarms:
        gone.append(plural(len(alarms), "CloudWatch alarm") + " (" + ", ".join(alarms) + ")")
    out = ["deletes " + ", ".join(gone)]
    if change.live_config_uri:
        out.append(
            f"keeps analysis config object {change.live_config_uri} "
            "(the artifact bucket is versioned; remove it by hand if wanted)"
        )
    return out


def clean(text: str) -> str:
    """`text` with control characters shown as escapes, so it prints on one inert line."""

    def escape(match: re.Match[str]) -> str:
        char = match.group()
        return {"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(char, f"\\x{ord(char):02x}")

    return _CONTROL.sub(escape, text)


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def format_value(value: Any, limit: int = TEXT_VALUE_LIMIT) -> str:
    """One field value on one line: strings in '…', containers as compact JSON, None as (none)."""
    if value is None:
        return ABSENT
    if isinstance(value, str):
        text = "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    else:
        text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=_json_default)
    return truncate(clean(text), limit)


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    return str(value)


def analysis_key(path: str) -> str:
    """`analysis_config.facet[0].name_or_index` → `facet[0].name_or_index`."""
    if path.startswith(_ANALYSIS + "."):
        return path[len(_ANALYSIS) + 1 :]
    return path[len(_ANALYSIS) :] if path.startswith(_ANALYSIS) else path


def split_changes(
    changes: Iterable[FieldChange],
) -> tuple[list[FieldChange], list[FieldChange]]:
    """(other fields, analysis-config keys), each in the order the plan gives them."""
    changes = list(changes)
    analysis = [c for c in changes if c.resource == _ANALYSIS]
    return [c for c in changes if c.resource != _ANALYSIS], analysis


def extras(change: MonitorChange) -> list[str]:
    """Labels of what happens besides the displayed action (retag, start, stop, restore)."""
    shown = change.display_action
    out = [label(a) for a in change.actions if a is not shown]
    if change.restore_config:
        out.append("restore analysis config")
    return out


def listed(plan: Plan) -> list[MonitorChange]:
    return [c for c in plan.changes if not c.is_noop]


def unattached(plan: Plan) -> list[Diagnostic]:
    """Plan diagnostics that no monitor carries as a note."""
    attached = {n for c in plan.changes for n in c.notes}
    return [d for d in plan.diagnostics if d not in attached]


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def where(project: str, environment: str, account_id: str | None, region: str) -> str:
    account = f"account {account_id}" if account_id else "account unknown"
    return f"{project}/{environment} ({account}, {region})"


def metric_label(metric: str, facet: str | None, facet_value: str | None) -> str:
    """`CI sex=female`; the facet parts only where SageMaker gave them."""
    if facet is None:
        return metric
    return f"{metric} {facet}={facet_value}" if facet_value is not None else f"{metric} {facet}"


def group_findings(findings: Iterable[Finding]) -> list[tuple[DriftKind, list[Finding]]]:
    """Findings by kind, kinds in the order DriftKind declares them."""
    order = list(DriftKind)
    groups: dict[DriftKind, list[Finding]] = {}
    for f in findings:
        groups.setdefault(f.kind, []).append(f)
    return sorted(groups.items(), key=lambda item: order.index(item[0]))


def drift_summary_line(report: DriftReport) -> str:
    monitors = len({f.name for f in report.findings})
    violated = len({v.name for v in report.violations})
    with_violations = f"{plural(violated, 'monitor')} with bias violations"
    if report.findings:
        return (
            f"Drift: {plural(len(report.findings), 'finding')} in {plural(monitors, 'monitor')}; "
            f"{with_violations}."
        )
    return f"No drift; {with_violations}." if violated else "No drift."
