"""Preview: pre-flight, metrics and baseline comparison of one analysis config on rows (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from compiler.analysis.baseline import Violation, compare_to_baseline, read_baseline
from compiler.analysis.config import DEFAULT_PREDICTION_COLUMN, read_analysis_config
from compiler.analysis.metrics import FT_MAX_ROWS, compute_post_training_metrics
from compiler.analysis.preflight import preflight
from compiler.diagnostics import Diagnostic, has_errors


@dataclass(frozen=True)
class PreviewResult:
    """What `biaswatch preview` shows; `metrics` is analysis.json's post_training_bias_metrics."""

    metrics: dict[str, Any] | None
    violations: tuple[Violation, ...]
    diagnostics: tuple[Diagnostic, ...]
    # rows, label_positive, predicted_positive, ft_rows (+ matched/captured from a capture merge)
    counts: Mapping[str, int] = field(default_factory=dict)
    compared_to_baseline: bool = False

    @property
    def ok(self) -> bool:
        return self.metrics is not None and not has_errors(self.diagnostics)


def frame_from_rows(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Rows of decoded text (capture payloads) as a DataFrame, numbers parsed as numbers."""
    frame = pd.DataFrame(list(rows))
    for column in frame.columns:
        converted = pd.to_numeric(frame[column], errors="coerce")
        if converted.notna().sum() == frame[column].notna().sum():
            frame[column] = converted
    return frame


def build_preview(
    analysis_config: Mapping[str, Any],
    rows: pd.DataFrame | Iterable[Mapping[str, Any]],
    prediction_column: str = DEFAULT_PREDICTION_COLUMN,
    baseline: Mapping[str, Any] | None = None,
    *,
    probability_threshold: float | None = None,
    columns: Iterable[str] | None = None,
    extra_counts: Mapping[str, int] | None = None,
    ft_max_rows: int = FT_MAX_ROWS,
) -> PreviewResult:
    """Check `rows` against the compiled `analysis_config`, compute the metrics, compare them
    to `baseline` (an analysis.json value) when given.

    `probability_threshold` is the monitor input's probability_threshold_attribute: with it,
    the prediction column holds scores and `score > threshold` is a positive prediction.
    `columns` are all the columns the source had (a loader may have kept fewer).
    """
    frame = rows if isinstance(rows, pd.DataFrame) else frame_from_rows(rows)
    counts: dict[str, int] = {"rows": len(frame), **(extra_counts or {})}
    spec, problems = read_analysis_config(analysis_config, probability_threshold)
    if spec is None:
        return PreviewResult(None, (), problems, counts)
    base: dict[str, Any] | None = None
    diagnostics: list[Diagnostic] = []
    if baseline is not None:
        base, bad = read_baseline(baseline)
        diagnostics.extend(bad)
    if frame.empty:
        diagnostics.append(Diagnostic("E702", "no data rows to analyse"))
        return PreviewResult(None, (), tuple(diagnostics), counts)
    names = tuple(columns) if columns is not None else tuple(str(c) for c in frame.columns)
    diagnostics.extend(preflight(spec, frame, names, prediction_column))
    if has_errors(diagnostics):
        return PreviewResult(None, (), tuple(diagnostics), counts)
    result = compute_post_training_metrics(spec, frame, prediction_column, ft_max_rows=ft_max_rows)
    diagnostics.extend(result.diagnostics)
    counts.update(
        label_positive=result.label_positive,
        predicted_positive=result.predicted_positive,
        ft_rows=result.ft_rows,
    )
    violations: tuple[Violation, ...] = ()
    if result.document is not None and base is not None:
        violations = compare_to_baseline(result.document, base)
    return PreviewResult(
        result.document,
        violations,
        tuple(diagnostics),
        counts,
        compared_to_baseline=base is not None,
    )
