"""Positive labels and positive predictions as booleans, by the rules docs/preview.md states (pure)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from compiler.analysis.config import AnalysisSpec


def is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    try:
        float(str(value))
    except ValueError:
        return False
    return True


def is_numeric_column(series: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(series.dtype)) and not pd.api.types.is_bool_dtype(
        series.dtype
    )


def matches(series: pd.Series, values: Sequence[Any]) -> pd.Series:
    """Rows equal to one of `values`; `1`, `1.0` and `"1"` are the same value (Clarify converts
    the configured values to the column's type before comparing)."""
    if is_numeric_column(series):
        numbers = [float(v) for v in values if is_number(v)]
        return series.isin(numbers)
    if pd.api.types.is_bool_dtype(series.dtype):
        wanted = {str(v).lower() for v in values}
        return series.map(lambda b: str(b).lower() in wanted).astype(bool)
    text = series.astype(str)
    wanted_text = {str(v) for v in values}
    # Numbers written as text in the data ("1.0") still match a configured 1.
    wanted_text |= {_number_text(v) for v in values if is_number(v)}
    hits = text.isin(wanted_text)
    numeric = pd.to_numeric(series, errors="coerce")
    numbers = [float(v) for v in values if is_number(v)]
    if numbers:
        hits = hits | numeric.isin(numbers)
    return hits.fillna(False).astype(bool)


def _number_text(value: Any) -> str:
    number = float(str(value))
    return str(int(number)) if number.is_integer() else str(number)


def label_positive(spec: AnalysisSpec, label: pd.Series) -> pd.Series:
    """True where the ground truth is positive: one of the values, or above the threshold."""
    if spec.label_is_threshold:
        return (pd.to_numeric(label, errors="coerce") > float(spec.label_values[0])).fillna(False)
    return matches(label, spec.label_values)


def predicted_positive(spec: AnalysisSpec, prediction: pd.Series) -> pd.Series:
    """True where the model predicted the positive outcome.

    With a probability threshold the prediction is a score and positive means
    `score > threshold` (strictly greater: a score equal to the threshold is negative).
    Otherwise the prediction is a label, read like the ground truth.
    """
    if spec.probability_threshold is not None:
        scores = pd.to_numeric(prediction, errors="coerce")
        return (scores > spec.probability_threshold).fillna(False).astype(bool)
    return label_positive(spec, prediction).astype(bool)


def label_value_or_threshold(spec: AnalysisSpec, label: pd.Series) -> str:
    """The `label_value_or_threshold` string Clarify writes: the values joined by commas, or
    the interval of positive labels for a threshold (as smclarify prints it, e.g. "(0.5, 1.0]")."""
    if not spec.label_is_threshold:
        return ",".join(str(v) for v in spec.label_values)
    threshold = float(spec.label_values[0])
    top = pd.to_numeric(label, errors="coerce").max()
    if top is None or (isinstance(top, float) and math.isnan(top)) or top <= threshold:
        return f"({threshold}, {threshold}]"
    return str(pd.Interval(threshold, top, closed="right"))
