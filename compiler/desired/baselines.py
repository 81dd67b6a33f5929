"""A baseline constraints file (Clarify's analysis.json, model bias part): its shape (pure).

Written once for the two readers: compile, which uploads a baseline file from git
(`constraints: <path>`), and preview/baseline, which compare metrics against one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from compiler.diagnostics import Diagnostic, SourceSpan


def read_baseline(
    document: Any, source: str = "baseline"
) -> tuple[dict[str, Any] | None, tuple[Diagnostic, ...]]:
    """The `post_training_bias_metrics` of an analysis.json value, or E714 saying what is wrong."""

    def bad(message: str) -> tuple[None, tuple[Diagnostic, ...]]:
        return None, (Diagnostic("E714", f"{source}: {message}", field="constraints"),)

    if not isinstance(document, Mapping):
        return bad("not a JSON object")
    post = document.get("post_training_bias_metrics")
    if not isinstance(post, Mapping):
        return bad("has no post_training_bias_metrics object (is it a model bias analysis.json?)")
    facets = post.get("facets")
    if not isinstance(facets, Mapping):
        return bad("post_training_bias_metrics.facets is not an object")
    for name, entries in facets.items():
        if not isinstance(entries, list):
            return bad(f"facets.{name} is not a list")
        for j, entry in enumerate(entries):
            if not isinstance(entry, Mapping) or not isinstance(entry.get("metrics"), list):
                return bad(f"facets.{name}[{j}] has no metrics list")
            if "value_or_threshold" not in entry:
                return bad(f"facets.{name}[{j}] has no value_or_threshold")
            for k, metric in enumerate(entry["metrics"]):
                if not isinstance(metric, Mapping) or not isinstance(metric.get("name"), str):
                    return bad(f"facets.{name}[{j}].metrics[{k}] has no name")
    return dict(post), ()


def baseline_file(
    value: str, attachment: bytes | str | None, span: SourceSpan | None
) -> tuple[bytes | None, tuple[Diagnostic, ...]]:
    """The bytes of the baseline file `constraints: value` names, checked; or E714 located
    at `constraints` saying what is wrong and how to make one."""
    hints = (
        "write one with `biaswatch baseline NAME --data SAMPLE --out PATH`, or give an "
        "s3:// URI; a file path is relative to the monitor file's folder",
    )

    def bad(message: str) -> tuple[None, tuple[Diagnostic, ...]]:
        text = f"baseline file {value!r}: {message}"
        return None, (Diagnostic("E714", text, span, "constraints", hints=hints),)

    if attachment is None:
        return bad("was not read (name it in the monitor file itself, not in defaults)")
    if isinstance(attachment, str):
        return bad(f"cannot be read: {attachment}")
    try:
        document = json.loads(attachment)
    except (ValueError, UnicodeDecodeError) as exc:
        return bad(f"is not JSON ({exc})")
    _, problems = read_baseline(document, f"baseline file {value!r}")
    if problems:
        return None, tuple(
            Diagnostic(p.code, p.message, span, "constraints", hints=hints) for p in problems
        )
    return attachment, ()
