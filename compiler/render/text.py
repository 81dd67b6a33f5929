"""Render a plan or a drift report as terraform-like terminal text, coloured only when asked."""

from __future__ import annotations

from collections.abc import Sequence

from compiler.diagnostics import Diagnostic
from compiler.render.common import (
    ABSENT,
    ARROW,
    KIND_TITLES,
    analysis_key,
    clean,
    drift_summary_line,
    extras,
    format_value,
    glyph,
    group_findings,
    label,
    listed,
    metric_label,
    plural,
    split_changes,
    summary_line,
    unattached,
    where,
)
from compiler.state.diff import FieldChange
from compiler.state.drift import DriftReport, Finding, Violation
from compiler.state.plan import Action, MonitorChange, Plan

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
            self.add(f"{indent}analysis_config:")
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
    out.add(summary_line(plan))
    return out.text()


def _monitor_block(out: _Writer, c: MonitorChange) -> None:
    action = c.display_action
    words = ", ".join([label(action), *extras(c)])
    source = f"  {clean(c.source_path)}" if c.source_path else ""
    out.add(f"  {out.paint(glyph(action))} {clean(c.name)}  ({words}){source}")
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
        out.add(f"{clean(KIND_TITLES[kind])}:")
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
    if f.remedy:
        out.add(f"      repair: {clean(f.remedy)}")


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
