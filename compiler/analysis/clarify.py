"""The one door to `smclarify`, AWS's open-source Clarify metrics (imported lazily: it is slow to load)."""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import pandas as pd


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """smclarify logs a traceback for every metric it cannot compute (we report those as
    values) and trips pandas deprecation warnings; neither may reach the user's terminal."""
    logger = logging.getLogger("smclarify")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            yield
    finally:
        logger.setLevel(level)


def as_clarify_series(series: pd.Series) -> pd.Series:
    """`series` in a dtype smclarify 0.5 understands.

    pandas 3 reads text as StringDtype, which smclarify's numpy dtype checks reject
    ("Cannot interpret StringDtype as a data type"); object dtype is what pandas 2 gave it.
    """
    if isinstance(series.dtype, pd.StringDtype) or (
        series.dtype != object and pd.api.types.is_string_dtype(series.dtype)
    ):
        return series.astype(object)
    return series


def as_clarify_frame(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({c: as_clarify_series(frame[c]) for c in frame.columns}, index=frame.index)


def is_continuous(series: pd.Series, values: Sequence[Any] | None) -> bool:
    """Whether Clarify treats a facet as a threshold ("greater than") rather than as values.

    smclarify decides from the dtype and the share of distinct values (5%): a float column, or
    an integer one with many distinct values, given one numeric value, is a threshold.
    """
    from smclarify.bias.metrics import common

    with _quiet():
        kind = common.series_datatype(as_clarify_series(series), list(values) if values else None)
    return bool(kind == common.DataType.CONTINUOUS)


def post_training_metric_names() -> tuple[str, ...]:
    """The post-training metrics smclarify registers, by name, in the order it reports them."""
    import smclarify.bias.metrics

    return tuple(sorted(f.__name__ for f in smclarify.bias.metrics.POSTTRAINING_METRICS))


def bias_report(
    features: pd.DataFrame,
    facet: pd.Series,
    facet_values: Sequence[Any] | None,
    label_positive: pd.Series,
    predicted_positive: pd.Series,
    metrics: Sequence[str],
    group_variable: pd.Series | None,
) -> list[dict[str, Any]]:
    """smclarify's post-training `bias_report` for one facet column (the list Clarify writes
    under `facets[<name>]`). Labels are passed as booleans (True = positive), so the label
    interpretation is ours (documented in docs/preview.md) and the facet's is smclarify's.
    """
    from smclarify.bias.report import FacetColumn, LabelColumn, StageType
    from smclarify.bias.report import bias_report as report

    name = str(facet.name)
    df = features.assign(**{name: facet})
    with _quiet():
        return report(
            df,
            FacetColumn(name, list(facet_values) if facet_values is not None else None),
            LabelColumn("__label__", label_positive, [True]),
            StageType.POST_TRAINING,
            predicted_label_column=LabelColumn("__predicted__", predicted_positive, [True]),
            metrics=list(metrics),
            group_variable=group_variable,
        )
