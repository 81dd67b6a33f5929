"""Baseline constraints in Clarify's analysis.json shape, and bias-drift violations against one (pure).

The rule is the one AWS documents for bias drift: a metric violates its constraint when its
value is farther from the metric's neutral value than the baseline's. The service also draws
Normal Bootstrap confidence intervals; a local point estimate cannot, so a violation found
here is indicative, not the service's verdict.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from compiler.desired.baselines import read_baseline

__all__ = ["read_baseline"]  # the shape check lives with compile, which uploads baselines

CONSTRAINT_CHECK_TYPE = "bias_drift_check"
DOCUMENT_VERSION = "1.0"
# The value of each metric when the groups are treated alike: DI is a ratio, the rest are
# differences (or, for GE, an index that is 0 for equal benefit).
NEUTRAL = {"DI": 1.0}
DEFAULT_NEUTRAL = 0.0
# Float noise must not turn an equal value into a violation.
TOLERANCE = 1e-12
INDICATIVE = (
    "indicative: a local point estimate; SageMaker also uses bootstrap confidence intervals"
)


@dataclass(frozen=True)
class Violation:
    """One entry of Clarify's constraint_violations.json, with the two values compared."""

    facet: str
    facet_value: str
    metric_name: str
    value: float
    baseline_value: float
    constraint_check_type: str = CONSTRAINT_CHECK_TYPE

    @property
    def description(self) -> str:
        return (
            f"Value {_show(self.value)} does not meet the constraint requirement "
            f"(baseline {_show(self.baseline_value)}, neutral {_show(neutral_value(self.metric_name))})"
        )

    def as_clarify(self) -> dict[str, str]:
        """The fields of constraint_violations.json, exactly."""
        return {
            "facet": self.facet,
            "facet_value": self.facet_value,
            "metric_name": self.metric_name,
            "constraint_check_type": self.constraint_check_type,
            "description": self.description,
        }


def _show(value: float) -> str:
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return f"{value:.6g}"


def neutral_value(metric: str) -> float:
    return NEUTRAL.get(metric, DEFAULT_NEUTRAL)


def metric_value(raw: Any) -> float | None:
    """A metric's value as a float: Clarify writes infinities as "Infinity" and failures as null."""
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int | float):
        return None if math.isnan(raw) else float(raw)
    if isinstance(raw, str):
        try:
            value = float(raw)
        except ValueError:
            return None
        return None if math.isnan(value) else value
    return None


def build_baseline(post_training_bias_metrics: Mapping[str, Any]) -> dict[str, Any]:
    """The baseline constraints document: Clarify's analysis.json with the post-training part."""
    return {
        "version": DOCUMENT_VERSION,
        "post_training_bias_metrics": dict(post_training_bias_metrics),
    }


def _index(post: Mapping[str, Any]) -> dict[tuple[str, str, str], float | None]:
    out: dict[tuple[str, str, str], float | None] = {}
    for facet, entries in post.get("facets", {}).items():
        for entry in entries:
            for metric in entry.get("metrics", ()):
                key = (str(facet), str(entry.get("value_or_threshold")), str(metric["name"]))
                out[key] = metric_value(metric.get("value"))
    return out


def compare_to_baseline(
    current: Mapping[str, Any], baseline: Mapping[str, Any]
) -> tuple[Violation, ...]:
    """Violations of `current` (post_training_bias_metrics) against `baseline` (the same shape).

    Only metrics present with a value on both sides are compared; a metric the baseline lacks
    or could not compute constrains nothing.
    """
    base = _index(baseline)
    out = []
    for (facet, facet_value, name), value in _index(current).items():
        reference = base.get((facet, facet_value, name))
        if value is None or reference is None:
            continue
        neutral = neutral_value(name)
        if abs(value - neutral) > abs(reference - neutral) + TOLERANCE:
            out.append(Violation(facet, facet_value, name, value, reference))
    return tuple(sorted(out, key=lambda v: (v.facet, v.facet_value, v.metric_name)))


def build_violations_document(violations: tuple[Violation, ...]) -> dict[str, Any]:
    """Clarify's constraint_violations.json for these violations."""
    return {"version": DOCUMENT_VERSION, "violations": [v.as_clarify() for v in violations]}
