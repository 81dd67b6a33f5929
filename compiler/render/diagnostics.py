"""Render diagnostics as text lines, JSON, or GitHub workflow annotations."""

from __future__ import annotations

import json
from collections.abc import Sequence

from compiler.diagnostics import Diagnostic

DIAGNOSTICS_FORMAT_VERSION = 1


def render_text(diagnostics: Sequence[Diagnostic]) -> str:
    lines = []
    for d in diagnostics:
        where = f"{d.span.path}:{d.span.line}:{d.span.column}: " if d.span else ""
        field = f" {d.field}:" if d.field else ""
        lines.append(f"{where}{d.severity.value} {d.code}{field} {d.message}")
        lines.extend(f"    hint: {h}" for h in d.hints)
    return "\n".join(lines) + ("\n" if lines else "")


def render_json(diagnostics: Sequence[Diagnostic]) -> str:
    items = [
        {
            "severity": d.severity.value,
            "code": d.code,
            "path": d.span.path if d.span else None,
            "line": d.span.line if d.span else None,
            "column": d.span.column if d.span else None,
            "field": d.field,
            "message": d.message,
            "hints": list(d.hints),
        }
        for d in diagnostics
    ]
    return (
        json.dumps({"version": DIAGNOSTICS_FORMAT_VERSION, "diagnostics": items}, indent=2) + "\n"
    )


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(diagnostics: Sequence[Diagnostic]) -> str:
    lines = []
    for d in diagnostics:
        props = []
        if d.span:
            props += [
                f"file={_escape_property(d.span.path)}",
                f"line={d.span.line}",
                f"col={d.span.column}",
            ]
        props.append(f"title={_escape_property(d.code + (' ' + d.field if d.field else ''))}")
        message = d.message + "".join(f"\nhint: {h}" for h in d.hints)
        lines.append(f"::{d.severity.value} {','.join(props)}::{_escape_data(message)}")
    return "\n".join(lines) + ("\n" if lines else "")


RENDERERS = {"text": render_text, "json": render_json, "github": render_github}
