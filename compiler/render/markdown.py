"""Render a plan or a drift report as a GitHub pull-request comment that CI can update in place."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

from compiler.diagnostics import Diagnostic
from compiler.render.common import (
    KIND_TITLES,
    analysis_key,
    clean,
    deleted_resources,
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
)
from compiler.state.diff import FieldChange
from compiler.state.drift import DriftReport, Finding, Violation
from compiler.state.plan import Action, MonitorChange, Plan

MARKDOWN_VALUE_LIMIT = 80
_ABSENT = "*(none)*"
# Characters that start inline Markdown or HTML constructs (or end a table cell) mid-line.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")


def marker(kind: str, project: str, environment: str) -> str:
    """The hidden first line CI searches for to edit its one sticky comment."""
    return f"<!-- biaswatch:{kind}:{_comment_safe(project)}:{_comment_safe(environment)} -->"


def _comment_safe(text: str) -> str:
    # "--" may not appear inside an HTML comment; names never contain it, but be sure.
    return clean(text).replace("--", "-\u200b-").replace(">", "&gt;")


def text(value: str) -> str:
    """Running text with Markdown and HTML syntax escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", clean(value))


def code(value: str) -> str:
    """An inline code span that survives backticks and table pipes in its content."""
    value = clean(value).replace("|", "\\|")
    fence = "``" if "`" in value else "`"
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def cell(value: Any) -> str:
    """A field value for a table cell: short, in backticks, or *(none)* when absent."""
    if value is None:
        return _ABSENT
    return code(format_value(value, MARKDOWN_VALUE_LIMIT))


def _heading(kind: str, environment: str) -> str:
    return f"### biaswatch {kind} — {text(environment)}"


def _context(project: str, account_id: str | None, region: str) -> str:
    account = code(account_id) if account_id else "unknown"
    return f"Project {code(project)} · account {account} · region {code(region)}"


def _finish(lines: Sequence[str]) -> str:
    return "\n".join(lines).rstrip("\n") + "\n"


def render_plan_markdown(plan: Plan) -> str:
    """The plan as a PR comment: summary table, one collapsible section per changing monitor."""
    lines = [
        marker("plan", plan.project, plan.environment),
        _heading("plan", plan.environment),
        "",
        _context(plan.project, plan.account_id, plan.region),
        "",
    ]
    changes = listed(plan)
    loose = unattached(plan)
    unchanged = sum(1 for c in plan.changes if c.is_noop)
    if not changes and not plan.cleanups and not loose:
        lines.append("**No changes.** SageMaker matches the monitor files.")
        if unchanged:
            lines += ["", f"{plural(unchanged, 'monitor')} checked."]
        return _finish(lines)
    if changes:
        lines += ["| Monitor | Action | Changes | Source |", "|---|---|---|---|"]
        for c in changes:
            lines.append(
                f"| {code(c.name)} | {_action(c)} | {len(c.changes)} | "
                f"{code(c.source_path) if c.source_path else '—'} |"
            )
        lines.append("")
    if unchanged:
        lines += [f"{plural(unchanged, 'monitor')} unchanged, not shown.", ""]
    for c in changes:
        lines += _monitor_details(c)
    if plan.cleanups:
        lines += ["#### Unused job definitions to clean up", ""]
        for cleanup in sorted(plan.cleanups, key=lambda c: c.job_definition):
            source = f" (from {code(cleanup.source_path)})" if cleanup.source_path else ""
            lines.append(f"- {code(cleanup.job_definition)}{source}")
        lines.append("")
    if loose:
        lines += ["#### Diagnostics", "", *_notes(loose), ""]
    lines.append(f"**{text(summary_line(plan))}**")
    return _finish(lines)


def _action(c: MonitorChange) -> str:
    action = c.display_action
    words = [f"{glyph(action)} {label(action)}", *extras(c)]
    if action is Action.DELETE:
        goes = ["schedule", "job definition"] if c.live_job_definition else ["schedule"]
        goes += ["alarms"] if c.alarms else []
        words[0] += " (" + ", ".join(goes) + "; config object kept)"
    return text(", ".join(words))


def _monitor_details(c: MonitorChange) -> list[str]:
    action = c.display_action
    words = ", ".join([label(action), *extras(c)])
    count = f" ({plural(len(c.changes), 'change')})" if c.changes else ""
    lines = [
        "<details><summary>"
        f"{html.escape(glyph(action))} <code>{html.escape(clean(c.name))}</code> — "
        f"{html.escape(clean(words))}{count}</summary>",
        "",
    ]
    if c.reason:
        lines += [f"Reason: {text(c.reason)}", ""]
    if c.action is Action.DELETE:
        lines += [f"- {text(part[0].upper() + part[1:])}" for part in deleted_resources(c)]
        lines.append("")
    lines += _change_table(c.changes)
    if c.notes:
        lines += [*_notes(c.notes), ""]
    lines += ["</details>", ""]
    return lines


def _change_table(changes: Sequence[FieldChange]) -> list[str]:
    if not changes:
        return []
    others, analysis = split_changes(changes)
    rows = [(c.path or c.resource, c) for c in others] + [
        (f"analysis_config › {analysis_key(c.path) or '(whole object)'}", c) for c in analysis
    ]
    lines = ["| Field | Before | After |", "|---|---|---|"]
    lines += [f"| {code(path)} | {cell(c.before)} | {cell(c.after)} |" for path, c in rows]
    return [*lines, ""]


def _notes(notes: Sequence[Diagnostic]) -> list[str]:
    lines = []
    for d in notes:
        icon = "❌" if d.is_error else "⚠️"
        field = f" {code(d.field)}" if d.field else ""
        lines.append(f"- {icon} **{text(d.code)}**{field}: {text(d.message)}")
        lines += [f"  - hint: {text(h)}" for h in d.hints]
    return lines


def render_drift_markdown(report: DriftReport) -> str:
    """The drift audit as a PR or issue comment: findings by kind, then bias violations."""
    lines = [
        marker("drift", report.project, report.environment),
        _heading("drift", report.environment),
        "",
        _context(report.project, report.account_id, report.region),
        "",
    ]
    if report.findings:
        lines += [
            "| Monitor | Finding | Detail | Source | Repair |",
            "|---|---|---|---|---|",
        ]
        for kind, findings in group_findings(report.findings):
            title = text(KIND_TITLES[kind])
            lines += [
                f"| {code(f.name)} | {title} | {text(f.detail) or '—'} | "
                f"{code(f.source_path) if f.source_path else '—'} | {text(f.remedy) or '—'} |"
                for f in findings
            ]
        lines.append("")
        for f in report.findings:
            lines += _finding_details(f)
    if report.violations:
        lines += ["#### Bias violations reported by SageMaker", ""]
        for v in report.violations:
            lines += _violation(v)
    lines.append(f"**{text(drift_summary_line(report))}**")
    return _finish(lines)


def _finding_details(f: Finding) -> list[str]:
    if not f.changes:
        return []
    title = KIND_TITLES[f.kind]
    return [
        "<details><summary>"
        f"<code>{html.escape(clean(f.name))}</code> — {html.escape(clean(title))} "
        f"({plural(len(f.changes), 'field')})</summary>",
        "",
        "Before is SageMaker, after is git.",
        "",
        *_change_table(f.changes),
        "</details>",
        "",
    ]


def _violation(v: Violation) -> list[str]:
    source = f" ({code(v.source_path)})" if v.source_path else ""
    scheduled = code(v.scheduled_time) if v.scheduled_time else "unknown"
    job = code(v.processing_job_arn) if v.processing_job_arn else "unknown"
    lines = [
        f"- ❌ {code(v.name)}{source}: execution scheduled {scheduled}, processing job {job}",
    ]
    if not v.readable:
        lines.append("  - violations file not readable")
    elif not v.metrics:
        lines.append("  - no violations listed in the file")
    for m in v.metrics:
        lines.append(
            f"  - {code(metric_label(m.metric_name, m.facet, m.facet_value))}: "
            f"{text(m.description)}"
        )
    return [*lines, ""]
