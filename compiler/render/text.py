"""Render a plan or a drift report as terraform-like terminal text, coloured only when asked."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from compiler.diagnostics import Diagnostic
from compiler.state.diff import FieldChange
from compiler.state.drift import KIND_TITLES, DriftReport, Finding, Violation
from compiler.state.plan import Action, MonitorChange, Plan

TEXT_VALUE_LIMIT = 120
ABSENT = "(none)"
ARROW = "→"
ELLIPSIS = "…"

_GREEN, _YELLOW, _RED, _RESET = "\x1b[32m", "\x1b[33m", "\x1b[31m", "\x1b[0m"
_GLYPH_COLOURS = {
    "+": _GREEN,
    "~": _YELLOW,
    "±": _YELLOW,
    "#": _YELLOW,
    "▶": _YELLOW,
    "⏸": _YELLOW,
    "-": _RED,
    "!": _RED,
}
# C0 and C1 control characters: values come from live state (tags, failure reasons), and an
# escape sequence in one must never reach the terminal as anything but visible text.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_ANALYSIS = "analysis_config"


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
    out = [a.label for a in change.actions if a is not shown]
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


class _Writer:
    def __init__(self, color: bool) -> None:
        self.color = color
        self.lines: list[str] = []

    def paint(self, glyph: str) -> str:
        colour = _GLYPH_COLOURS.get(glyph)
        return f"{colour}{glyph}{_RESET}" if self.color and colour else glyph

    def add(self, line: str = "") -> None:
        self.lines.append(line)

    def changes(self, changes: Sequence[FieldChange], indent: str, *, created: bool) -> None:
        others, analysis = split_changes(changes)
        for c in others:
            self.change(c.path, c, indent, created=created)
        if analysis:
            self.add(f"{indent}{_ANALYSIS}:")
            for c in analysis:
                self.change(
                    analysis_key(c.path) or "(whole object)", c, indent + "  ", created=created
                )

    def change(self, path: str, c: FieldChange, indent: str, *, created: bool) -> None:
        # A whole-resource change has an empty path; name the resource instead.
        path = clean(path or c.resource)
        if created:
            self.add(f"{indent}{self.paint('+')} {path}: {format_value(c.after)}")
        else:
            self.add(f"{indent}{path}: {format_value(c.before)} {ARROW} {format_value(c.after)}")

    def note(self, d: Diagnostic, indent: str) -> None:
        self.add(f"{indent}{self.paint('!')} {d.code} {clean(d.message)}")
        for hint in d.hints:
            self.add(f"{indent}  hint: {clean(hint)}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def render_plan_text(plan: Plan, *, color: bool = False) -> str:
    """The plan as terraform-like text: one block per monitor that changes, then the summary."""
    out = _Writer(color)
    out.add(
        f"biaswatch plan for {clean(where(plan.project, plan.environment, plan.account_id, plan.region))}"
    )
    for c in listed(plan):
        out.add()
        _monitor_block(out, c)
    if plan.cleanups:
        out.add()
    for cleanup in sorted(plan.cleanups, key=lambda c: c.job_definition):
        source = f"  {clean(cleanup.source_path)}" if cleanup.source_path else ""
        out.add(
            f"  {out.paint('-')} {clean(cleanup.job_definition)}  (unused job definition, cleanup){source}"
        )
    loose = unattached(plan)
    if loose:
        out.add()
        for d in loose:
            out.note(d, "  ")
    unchanged = sum(1 for c in plan.changes if c.is_noop)
    if unchanged:
        out.add()
        out.add(f"{plural(unchanged, 'monitor')} unchanged.")
    out.add()
    out.add(plan.summary_line())
    return out.text()


def _monitor_block(out: _Writer, c: MonitorChange) -> None:
    action = c.display_action
    label = ", ".join([action.label, *extras(c)])
    source = f"  {clean(c.source_path)}" if c.source_path else ""
    out.add(f"  {out.paint(action.glyph)} {clean(c.name)}  ({label}){source}")
    if c.reason:
        out.add(f"      reason: {clean(c.reason)}")
    out.changes(c.changes, "      ", created=c.action is Action.CREATE)
    for note in c.notes:
        out.note(note, "      ")


def render_drift_text(report: DriftReport, *, color: bool = False) -> str:
    """The drift audit: findings grouped by kind, then the bias violations SageMaker reported."""
    out = _Writer(color)
    out.add(
        "biaswatch drift for "
        + clean(where(report.project, report.environment, report.account_id, report.region))
    )
    if report.findings:
        out.add("Field changes read: value in SageMaker → value in git.")
    for kind, findings in group_findings(report.findings):
        out.add()
        out.add(f"{clean(KIND_TITLES.get(kind, kind))}:")
        for f in findings:
            _finding_block(out, f)
    if report.violations:
        out.add()
        out.add("Bias violations reported by SageMaker:")
        for v in report.violations:
            _violation_block(out, v)
    out.add()
    out.add(drift_summary_line(report))
    return out.text()


def _finding_block(out: _Writer, f: Finding) -> None:
    source = f"  {clean(f.source_path)}" if f.source_path else ""
    out.add(f"  {clean(f.name)}{source}")
    if f.detail:
        out.add(f"      {clean(f.detail)}")
    out.changes(f.changes, "      ", created=False)


def _violation_block(out: _Writer, v: Violation) -> None:
    source = f"  {clean(v.source_path)}" if v.source_path else ""
    out.add(f"  {out.paint('!')} {clean(v.name)}{source}")
    out.add(f"      scheduled: {clean(v.scheduled_time or ABSENT)}")
    out.add(f"      processing job: {clean(v.processing_job_arn or ABSENT)}")
    if not v.readable:
        out.add("      violations file not readable")
    elif not v.metrics:
        out.add("      no violations listed in the file")
    for m in v.metrics:
        out.add(
            f"      {clean(metric_label(m.metric_name, m.facet, m.facet_value))}: {clean(m.description)}"
        )


def metric_label(metric: str, facet: str | None, facet_value: str | None) -> str:
    """`CI sex=female`; the facet parts only where SageMaker gave them."""
    if facet is None:
        return metric
    return f"{metric} {facet}={facet_value}" if facet_value is not None else f"{metric} {facet}"


def group_findings(findings: Iterable[Finding]) -> list[tuple[str, list[Finding]]]:
    """Findings by kind, kinds in KIND_TITLES order (unknown kinds last, by name)."""
    order = list(KIND_TITLES)
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        groups.setdefault(f.kind, []).append(f)
    return sorted(
        groups.items(),
        key=lambda item: (order.index(item[0]) if item[0] in order else len(order), item[0]),
    )


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
