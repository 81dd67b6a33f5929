"""The compiled Clarify analysis config read into the names the analysis needs (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from compiler.diagnostics import Diagnostic

# Name of the column that holds the model's output when none is given (CSV samples and
# merged capture data alike).
DEFAULT_PREDICTION_COLUMN = "prediction"


@dataclass(frozen=True)
class FacetSpec:
    name: str
    # None: one group per distinct value (Clarify's behaviour when value_or_threshold is absent).
    values: tuple[Any, ...] | None


@dataclass(frozen=True)
class AnalysisSpec:
    """What the analysis reads from `analysis_config.json` (keys resolved to column names)."""

    headers: tuple[str, ...] | None
    label: str
    label_values: tuple[Any, ...]
    # True when label_values_or_threshold was a bare number (a threshold, not a list of values).
    label_is_threshold: bool
    facets: tuple[FacetSpec, ...]
    group_variable: str | None
    probability_threshold: float | None

    @property
    def feature_headers(self) -> tuple[str, ...]:
        """The headers without the label, in order: the columns of a captured CSV input."""
        return tuple(h for h in self.headers or () if h != self.label)


def _column(value: Any, headers: Sequence[str] | None, key: str) -> tuple[str | None, str | None]:
    """A name_or_index as a column name; an index needs `headers` (CSV column position)."""
    if isinstance(value, bool):
        return None, f"{key} must be a column name or index, not {value!r}"
    if isinstance(value, int):
        if headers is None or not 0 <= value < len(headers):
            return None, f"{key} is index {value} but headers has no such column"
        return headers[value], None
    if isinstance(value, str) and value:
        return value, None
    return None, f"{key} must be a column name or index, got {value!r}"


def read_analysis_config(
    config: Mapping[str, Any], probability_threshold: float | None = None
) -> tuple[AnalysisSpec | None, tuple[Diagnostic, ...]]:
    """`config` (the compiled analysis_config.json) as an AnalysisSpec, or E712 diagnostics.

    `probability_threshold` is the monitor input's `probability_threshold_attribute` (the
    monitoring analysis config does not carry it); Clarify's processing-job key
    `probability_threshold` in `config` is used when it is not given.
    """
    problems: list[str] = []
    raw_headers = config.get("headers")
    headers = tuple(str(h) for h in raw_headers) if isinstance(raw_headers, list) else None

    label, problem = _column(config.get("label"), headers, "label")
    if problem:
        problems.append(problem)
    lv = config.get("label_values_or_threshold")
    label_is_threshold = isinstance(lv, int | float) and not isinstance(lv, bool)
    if label_is_threshold:
        label_values: tuple[Any, ...] = (lv,)
    elif isinstance(lv, list) and lv:
        label_values = tuple(lv)
    else:
        label_values = ()
        problems.append("label_values_or_threshold is required to tell positive labels")

    facets: list[FacetSpec] = []
    raw_facets = config.get("facet")
    if not isinstance(raw_facets, list) or not raw_facets:
        problems.append("facet must list at least one facet")
        raw_facets = []
    for i, f in enumerate(raw_facets):
        if not isinstance(f, Mapping):
            problems.append(f"facet[{i}] must be a mapping")
            continue
        name, problem = _column(f.get("name_or_index"), headers, f"facet[{i}].name_or_index")
        if problem or name is None:
            problems.append(problem or f"facet[{i}].name_or_index is required")
            continue
        values = f.get("value_or_threshold")
        facets.append(FacetSpec(name, tuple(values) if isinstance(values, list) else None))

    group: str | None = None
    if config.get("group_variable") is not None:
        group, problem = _column(config["group_variable"], headers, "group_variable")
        if problem:
            problems.append(problem)

    threshold = probability_threshold
    if threshold is None and isinstance(config.get("probability_threshold"), int | float):
        threshold = float(config["probability_threshold"])

    if problems or label is None:
        return None, tuple(
            Diagnostic("E712", f"analysis config cannot be analysed: {p}", field="analysis_config")
            for p in problems or ["label is required"]
        )
    return (
        AnalysisSpec(
            headers=headers,
            label=label,
            label_values=label_values,
            label_is_threshold=label_is_threshold,
            facets=tuple(facets),
            group_variable=group,
            probability_threshold=threshold,
        ),
        (),
    )
