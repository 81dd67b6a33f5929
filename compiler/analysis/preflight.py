"""Pre-flight checks: does this data fit this analysis config? Diagnostics before any metric (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from compiler.analysis import clarify
from compiler.analysis.config import AnalysisSpec, FacetSpec
from compiler.analysis.labels import (
    is_number,
    is_numeric_column,
    label_positive,
    matches,
    predicted_positive,
)
from compiler.diagnostics import Diagnostic, Severity

SHOWN_VALUES = 5


def _seen(series: pd.Series) -> str:
    """A few distinct values of `series`, quoted, for a message."""
    values = series.dropna().unique()[: SHOWN_VALUES + 1]
    shown = ", ".join(repr(_plain(v)) for v in values[:SHOWN_VALUES])
    return shown + (", ..." if len(values) > SHOWN_VALUES else "") if shown else "none"


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _missing(columns: Sequence[str], name: str) -> str:
    available = ", ".join(repr(c) for c in columns[:12]) + (", ..." if len(columns) > 12 else "")
    return f"the data has {available or 'no columns'}"


def check_columns(
    spec: AnalysisSpec, columns: Sequence[str], prediction_column: str
) -> tuple[Diagnostic, ...]:
    """E704–E707: every column the analysis reads is present (named when it is not)."""
    out: list[Diagnostic] = []
    present = set(columns)
    for i, facet in enumerate(spec.facets):
        if facet.name not in present:
            out.append(
                Diagnostic(
                    "E704",
                    f"facet column {facet.name!r} is not in the data",
                    field=f"analysis_config.facet[{i}].name_or_index",
                    hints=(_missing(columns, facet.name),),
                )
            )
    if spec.label not in present:
        out.append(
            Diagnostic(
                "E705",
                f"label column {spec.label!r} (the ground truth) is not in the data",
                field="analysis_config.label",
                hints=(_missing(columns, spec.label),),
            )
        )
    if prediction_column not in present:
        out.append(
            Diagnostic(
                "E706",
                f"prediction column {prediction_column!r} (the model's output) is not in the data",
                field="--prediction-column",
                hints=(_missing(columns, prediction_column), "name it with --prediction-column"),
            )
        )
    if spec.group_variable is not None and spec.group_variable not in present:
        out.append(
            Diagnostic(
                "E707",
                f"group_variable column {spec.group_variable!r} is not in the data",
                field="analysis_config.group_variable",
                hints=(_missing(columns, spec.group_variable),),
            )
        )
    return tuple(out)


def check_data(
    spec: AnalysisSpec, frame: pd.DataFrame, prediction_column: str
) -> tuple[Diagnostic, ...]:
    """E708–E711 and W623/W624 on the values; assumes check_columns found nothing."""
    out: list[Diagnostic] = []
    out.extend(_check_label(spec, frame[spec.label]))
    out.extend(_check_prediction(spec, frame[prediction_column], prediction_column))
    for i, facet in enumerate(spec.facets):
        out.extend(_check_facet(i, facet, frame[facet.name]))
    return tuple(out)


def preflight(
    spec: AnalysisSpec, frame: pd.DataFrame, columns: Sequence[str], prediction_column: str
) -> tuple[Diagnostic, ...]:
    """All pre-flight checks: the columns first, then (when they are all there) the values."""
    missing = check_columns(spec, columns, prediction_column)
    if missing:
        return missing
    return check_data(spec, frame, prediction_column)


def _check_label(spec: AnalysisSpec, label: pd.Series) -> list[Diagnostic]:
    field = "analysis_config.label_values_or_threshold"
    values = list(spec.label_values)
    present = label.dropna()
    if present.empty:
        return [Diagnostic("E710", f"label column {spec.label!r} has no values", field=field)]
    numeric_column = (
        is_numeric_column(present) or pd.to_numeric(present, errors="coerce").notna().all()
    )
    if spec.label_is_threshold and not numeric_column:
        return [
            Diagnostic(
                "E710",
                f"label column {spec.label!r} holds text ({_seen(present)}) but "
                f"label_values_or_threshold is the numeric threshold {values[0]!r}",
                field=field,
                hints=("write the positive label values as a list, e.g. [yes]",),
            )
        ]
    if not spec.label_is_threshold:
        numeric_values = all(is_number(v) for v in values)
        if numeric_column and not any(is_number(v) for v in values):
            return [
                Diagnostic(
                    "E710",
                    f"label column {spec.label!r} holds numbers ({_seen(present)}) but "
                    f"label_values_or_threshold is {values!r}",
                    field=field,
                    hints=("write the positive label as it appears in the data, e.g. [1]",),
                )
            ]
        if not numeric_column and numeric_values and not matches(present, values).any():
            return [
                Diagnostic(
                    "E710",
                    f"label column {spec.label!r} holds text ({_seen(present)}) but "
                    f"label_values_or_threshold is {values!r}",
                    field=field,
                    hints=("write the positive label as it appears in the data",),
                )
            ]
    if not label_positive(spec, present).any():
        return [
            Diagnostic(
                "W623",
                f"no row of label column {spec.label!r} is positive for "
                f"label_values_or_threshold {values if not spec.label_is_threshold else values[0]!r} "
                f"(values seen: {_seen(present)})",
                field=field,
                severity=Severity.WARNING,
                hints=("recall and acceptance metrics are degenerate without positive labels",),
            )
        ]
    return []


def _check_prediction(spec: AnalysisSpec, prediction: pd.Series, column: str) -> list[Diagnostic]:
    field = "--prediction-column"
    present = prediction.dropna()
    if present.empty:
        return [Diagnostic("E709", f"prediction column {column!r} has no values", field=field)]
    if spec.probability_threshold is not None:
        scores = pd.to_numeric(present, errors="coerce")
        bad = present[scores.isna()]
        if not bad.empty:
            return [
                Diagnostic(
                    "E711",
                    f"prediction column {column!r} holds {_seen(bad)}, not scores, but the "
                    f"monitor's probability threshold is {spec.probability_threshold}",
                    field=field,
                    hints=(
                        "give the score column, or remove probability_threshold_attribute "
                        "if the model outputs labels",
                    ),
                )
            ]
        if not (scores > spec.probability_threshold).any():
            return [
                Diagnostic(
                    "E709",
                    f"no predicted positives: no score in {column!r} is above the probability "
                    f"threshold {spec.probability_threshold} (highest {_plain(scores.max())!r})",
                    field="probability_threshold_attribute",
                    hints=("a score equal to the threshold counts as negative",),
                )
            ]
        return []
    if not predicted_positive(spec, present).any():
        shown = spec.label_values[0] if spec.label_is_threshold else list(spec.label_values)
        return [
            Diagnostic(
                "E709",
                f"no predicted positives: no value in {column!r} matches "
                f"label_values_or_threshold {shown!r} (values seen: {_seen(present)})",
                field=field,
                hints=(
                    "the prediction column must hold labels like the label column, or set "
                    "probability_threshold_attribute if it holds scores",
                ),
            )
        ]
    return []


def _check_facet(i: int, facet: FacetSpec, series: pd.Series) -> list[Diagnostic]:
    field = f"analysis_config.facet[{i}].value_or_threshold"
    present = series.dropna()
    if facet.values is None:
        if present.nunique() < 2:
            return [
                Diagnostic(
                    "W624",
                    f"facet {facet.name!r} has a single value ({_seen(present)}): no group to "
                    "compare with",
                    field=field,
                    severity=Severity.WARNING,
                )
            ]
        return []
    values = list(facet.values)
    if clarify.is_continuous(present, values):
        if len(values) != 1 or not is_number(values[0]):
            return [
                Diagnostic(
                    "E708",
                    f"facet {facet.name!r} is numeric with many distinct values, so Clarify "
                    f"reads value_or_threshold as one numeric threshold, not {values!r}",
                    field=field,
                )
            ]
        threshold = float(values[0])
        above = int((pd.to_numeric(present, errors="coerce") > threshold).sum())
        if above == 0:
            return [
                Diagnostic(
                    "E708",
                    f"facet value never occurs: no row has {facet.name!r} above the threshold "
                    f"{values[0]!r} (highest {_plain(pd.to_numeric(present).max())!r})",
                    field=field,
                )
            ]
        if above == len(present):
            return [_covers_all(facet, field, f"above {values[0]!r}")]
        return []
    hits = int(matches(present, values).sum())
    if hits == 0:
        return [
            Diagnostic(
                "E708",
                f"facet value never occurs: no row has {facet.name!r} equal to "
                f"{', '.join(repr(v) for v in values)} (values seen: {_seen(present)})",
                field=field,
            )
        ]
    if hits == len(present):
        return [_covers_all(facet, field, "equal to " + ", ".join(repr(v) for v in values))]
    return []


def _covers_all(facet: FacetSpec, field: str, what: str) -> Diagnostic:
    return Diagnostic(
        "W624",
        f"every row has {facet.name!r} {what}: no group to compare with",
        field=field,
        severity=Severity.WARNING,
    )
