"""Clarify's post-training bias metrics for every facet, in analysis.json's shape, via smclarify (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from compiler.analysis import clarify
from compiler.analysis.config import AnalysisSpec, FacetSpec
from compiler.analysis.labels import label_positive, label_value_or_threshold, predicted_positive
from compiler.diagnostics import Diagnostic, Severity

# The flip test (FT) fits a k-nearest-neighbour model on the advantaged rows and queries it
# with the disadvantaged ones, and smclarify walks the rows in Python: on more rows than this
# it runs on a uniform random sample of this many rows (fixed seed, so reruns agree).
FT_MAX_ROWS = 20_000
FT_SEED = 0
# Metrics that need a group_variable: left out when the config has none.
GROUP_METRICS = frozenset({"CDDPL"})


@dataclass(frozen=True)
class MetricsResult:
    """`post_training_bias_metrics` of Clarify's analysis.json, and what went wrong on the way."""

    document: dict[str, Any] | None
    diagnostics: tuple[Diagnostic, ...]
    label_positive: int
    predicted_positive: int
    ft_rows: int


def metric_names(spec: AnalysisSpec) -> tuple[str, ...]:
    """The metrics computed: all of smclarify's post-training metrics (as the monitor job
    runs them), CDDPL only when group_variable is set."""
    names = clarify.post_training_metric_names()
    if spec.group_variable is None:
        names = tuple(n for n in names if n not in GROUP_METRICS)
    return names


def compute_post_training_metrics(
    spec: AnalysisSpec,
    frame: pd.DataFrame,
    prediction_column: str,
    *,
    ft_max_rows: int = FT_MAX_ROWS,
    seed: int = FT_SEED,
) -> MetricsResult:
    """Every facet and facet value of `spec` on `frame` (pre-flight must have passed).

    A metric smclarify cannot compute is kept with `value: null` and its `error`, as Clarify
    writes it, and is also reported as W620; a facet smclarify rejects as a whole is E713.
    """
    label = label_positive(spec, frame[spec.label]).astype(bool).reset_index(drop=True)
    predicted = predicted_positive(spec, frame[prediction_column]).astype(bool)
    predicted = predicted.reset_index(drop=True)
    analysed = set([spec.label, prediction_column])
    feature_names = [
        c
        for c in (spec.headers if spec.headers is not None else tuple(frame.columns))
        if c in frame.columns and c not in analysed
    ]
    features = clarify.as_clarify_frame(frame[feature_names].reset_index(drop=True))
    group = (
        clarify.as_clarify_series(frame[spec.group_variable].reset_index(drop=True))
        if spec.group_variable is not None
        else None
    )
    names = metric_names(spec)
    sample = _ft_sample(len(frame), ft_max_rows, seed) if "FT" in names else None

    diagnostics: list[Diagnostic] = []
    facets: dict[str, list[dict[str, Any]]] = {}
    for i, facet in enumerate(spec.facets):
        try:
            entries = _facet_report(facet, features, label, predicted, group, names, sample)
        except Exception as exc:  # smclarify raises bare ValueError/RuntimeError for bad data
            diagnostics.append(
                Diagnostic(
                    "E713",
                    f"Clarify could not analyse facet {facet.name!r}: {_reason(exc)}",
                    field=f"analysis_config.facet[{i}]",
                )
            )
            continue
        facets.setdefault(facet.name, []).extend(entries)
        diagnostics.extend(_metric_errors(facet.name, entries))
    if sample is not None and "FT" in names:
        diagnostics.append(
            Diagnostic(
                "W626",
                f"FT (flip test) computed on a random sample of {len(sample):,} of "
                f"{len(frame):,} rows (seed {seed}); the other metrics use every row",
                severity=Severity.WARNING,
            )
        )
    document = None
    if not any(d.is_error for d in diagnostics):
        document = {
            "label": spec.label,
            "label_value_or_threshold": label_value_or_threshold(spec, frame[spec.label]),
            "facets": facets,
        }
    return MetricsResult(
        document=document,
        diagnostics=tuple(diagnostics),
        label_positive=int(label.sum()),
        predicted_positive=int(predicted.sum()),
        ft_rows=len(sample) if sample is not None else len(frame),
    )


def _reason(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _ft_sample(rows: int, limit: int, seed: int) -> np.ndarray | None:
    if rows <= limit:
        return None
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(rows, size=limit, replace=False))


def _facet_report(
    facet: FacetSpec,
    features: pd.DataFrame,
    label: pd.Series,
    predicted: pd.Series,
    group: pd.Series | None,
    names: Sequence[str],
    sample: np.ndarray | None,
) -> list[dict[str, Any]]:
    column = clarify.as_clarify_series(features[facet.name])
    others = features.drop(columns=[facet.name])
    values: list[Any] | None = list(facet.values) if facet.values is not None else None
    threshold_text: str | None = None
    if values is not None and clarify.is_continuous(column, values):
        # Clarify reads one numeric value as "greater than" (the interval (t, max]). smclarify
        # tests each row against an IntervalIndex in Python once per metric, which takes
        # minutes on a million rows; the same membership, computed once and vectorised, is
        # passed as a True/False facet and the interval is written back as Clarify prints it.
        threshold = float(values[0])
        numbers = pd.to_numeric(column)
        top = numbers.max()
        threshold_text = str(pd.Interval(threshold, max(float(top), threshold)))
        column = (numbers > threshold).rename(facet.name)
        values = [True]
    else:
        # Pin the reading chosen on all rows, so the FT sample cannot flip it.
        column = column.astype("category")
    column = column.rename(facet.name)

    main = [n for n in names if n != "FT" or sample is None]
    entries = clarify.bias_report(others, column, values, label, predicted, main, group)
    if sample is not None and "FT" in names:
        ft = clarify.bias_report(
            others.iloc[sample].reset_index(drop=True),
            column.iloc[sample].reset_index(drop=True),
            values,
            label.iloc[sample].reset_index(drop=True),
            predicted.iloc[sample].reset_index(drop=True),
            ["FT"],
            None,
        )
        _merge_ft(entries, ft)
    if threshold_text is not None:
        for entry in entries:
            entry["value_or_threshold"] = threshold_text
    return entries


def _merge_ft(entries: list[dict[str, Any]], ft: list[dict[str, Any]]) -> None:
    by_value = {e["value_or_threshold"]: e["metrics"] for e in ft}
    for entry in entries:
        found = by_value.get(entry["value_or_threshold"])
        metric = (
            found[0]
            if found
            else {
                "name": "FT",
                "description": "Flip Test (FT)",
                "value": None,
                "error": "Facet value absent from the flip-test sample",
            }
        )
        entry["metrics"] = sorted([*entry["metrics"], metric], key=lambda m: m["name"])


def _metric_errors(facet: str, entries: Sequence[dict[str, Any]]) -> list[Diagnostic]:
    out = []
    for entry in entries:
        for metric in entry["metrics"]:
            if "error" in metric:
                out.append(
                    Diagnostic(
                        "W620",
                        f"facet {facet!r} value {entry['value_or_threshold']!r}: "
                        f"{metric['name']} could not be computed: {metric['error']}",
                        severity=Severity.WARNING,
                    )
                )
    return out
