"""Render a bias preview as text, Markdown or JSON (pure string building)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from compiler.analysis.baseline import INDICATIVE, build_violations_document
from compiler.analysis.preview import PreviewResult
from compiler.diagnostics import Diagnostic
from compiler.render import markdown as md
from compiler.render.text import clean

PREVIEW_FORMAT_VERSION = 1


def _value(raw: Any) -> str:
    if raw is None:
        return "n/a"
    if isinstance(raw, float):
        return f"{raw:.4f}"
    return str(raw)


def _rows(result: PreviewResult) -> list[tuple[str, str, str, str, str]]:
    """(facet, value, metric, value, note) for every metric, in the document's order."""
    out = []
    for facet, entries in (result.metrics or {}).get("facets", {}).items():
        for entry in entries:
            for metric in entry["metrics"]:
                note = metric.get("error", "")
                out.append(
                    (
                        facet,
                        str(entry["value_or_threshold"]),
                        metric["name"],
                        _value(metric.get("value")),
                        note,
                    )
                )
    return out


def _counts(result: PreviewResult) -> str:
    c = result.counts
    parts = [f"{c.get('rows', 0):,} rows"]
    if "captured" in c and "matched" in c:
        parts.append(f"{c['matched']:,} of {c['captured']:,} captured records matched ground truth")
    if "label_positive" in c:
        parts.append(f"{c['label_positive']:,} positive labels")
    if "predicted_positive" in c:
        parts.append(f"{c['predicted_positive']:,} predicted positive")
    return ", ".join(parts)


def render_preview_text(result: PreviewResult, name: str) -> str:
    lines = [f"Bias preview of {clean(name)}: {_counts(result)}"]
    if result.metrics is not None:
        lines.append(
            f"label {clean(result.metrics['label'])} positive when "
            f"{clean(result.metrics['label_value_or_threshold'])}"
        )
        rows = _rows(result)
        widths = [
            max(len(clean(r[i])) for r in [("facet", "facet value", "metric", "value", ""), *rows])
            for i in range(4)
        ]
        header = ("facet", "facet value", "metric", "value")
        lines.append("")
        lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
        for row in rows:
            cells = "  ".join(clean(c).ljust(w) for c, w in zip(row[:4], widths, strict=True))
            lines.append((cells + (f"  ({clean(row[4])})" if row[4] else "")).rstrip())
    lines.extend(_violations_text(result))
    return "\n".join(lines) + "\n"


def _violations_text(result: PreviewResult) -> list[str]:
    if not result.compared_to_baseline:
        return []
    if not result.violations:
        return ["", f"No violations of the baseline ({INDICATIVE})."]
    out = ["", f"{len(result.violations)} violation(s) of the baseline ({INDICATIVE}):"]
    for v in result.violations:
        out.append(
            f"  {clean(v.facet)}={clean(v.facet_value)} {v.metric_name}: {clean(v.description)}"
        )
    return out


def render_preview_markdown(result: PreviewResult, name: str) -> str:
    lines = [f"### Bias preview: {md.code(name)}", "", md.text(_counts(result))]
    if result.metrics is not None:
        lines += [
            "",
            f"Label {md.code(result.metrics['label'])} positive when "
            f"{md.code(result.metrics['label_value_or_threshold'])}.",
            "",
            "| Facet | Facet value | Metric | Value | Note |",
            "| --- | --- | --- | ---: | --- |",
        ]
        for facet, value, metric, number, note in _rows(result):
            lines.append(
                f"| {md.code(facet)} | {md.code(value)} | {metric} | {number} | {md.text(note)} |"
            )
    if result.compared_to_baseline:
        lines += [
            "",
            f"**Baseline**: {len(result.violations)} violation(s) — {md.text(INDICATIVE)}.",
        ]
        if result.violations:
            lines += [
                "",
                "| Facet | Facet value | Metric | Description |",
                "| --- | --- | --- | --- |",
            ]
            for v in result.violations:
                lines.append(
                    f"| {md.code(v.facet)} | {md.code(v.facet_value)} | {v.metric_name} | {md.text(v.description)} |"
                )
    lines.extend(_diagnostics_markdown(result.diagnostics))
    return "\n".join(lines) + "\n"


def _diagnostics_markdown(diagnostics: Sequence[Diagnostic]) -> list[str]:
    if not diagnostics:
        return []
    out = ["", "<details><summary>Notes</summary>", ""]
    out += [f"- {d.severity.value} {d.code}: {md.text(d.message)}" for d in diagnostics]
    return [*out, "", "</details>"]


def render_preview_json(result: PreviewResult, name: str) -> str:
    """Versioned JSON: `post_training_bias_metrics` in Clarify's analysis.json shape and
    `violations` in constraint_violations.json's."""
    document: dict[str, Any] = {
        "format_version": PREVIEW_FORMAT_VERSION,
        "name": name,
        "counts": dict(sorted(result.counts.items())),
        "post_training_bias_metrics": result.metrics,
        "diagnostics": [
            {"code": d.code, "severity": d.severity.value, "field": d.field, "message": d.message}
            for d in result.diagnostics
        ],
    }
    if result.compared_to_baseline:
        document["constraint_violations"] = build_violations_document(result.violations)
        document["note"] = INDICATIVE
    return json.dumps(document, indent=2, sort_keys=False, allow_nan=False) + "\n"
