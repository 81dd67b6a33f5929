"""Baseline documents and violations (the bias-drift rule)."""

from __future__ import annotations

import json

import pytest

from compiler.analysis.baseline import (
    build_baseline,
    build_violations_document,
    compare_to_baseline,
    read_baseline,
)
from compiler.analysis.preview import build_preview
from compiler.render.analysis import (
    render_preview_json,
    render_preview_markdown,
    render_preview_text,
)


def _doc(**values):
    return {
        "label": "approved",
        "label_value_or_threshold": "1",
        "facets": {
            "gender": [
                {
                    "value_or_threshold": "female",
                    "metrics": [
                        {"name": k, "description": f"({k})", "value": v} for k, v in values.items()
                    ],
                }
            ]
        },
    }


def test_baseline__round_trip_through_json__no_violations(config, frame) -> None:
    first = build_preview(config, frame, "prediction", probability_threshold=0.5)
    document = json.loads(json.dumps(build_baseline(first.metrics)))
    assert document["version"] == "1.0" and "post_training_bias_metrics" in document
    again = build_preview(config, frame, "prediction", document, probability_threshold=0.5)
    assert again.compared_to_baseline and again.violations == ()


def test_baseline__more_biased_data__violations_in_clarify_shape(config, frame) -> None:
    base = build_baseline(
        build_preview(config, frame, "prediction", probability_threshold=0.5).metrics
    )
    worse = frame.copy()
    worse.loc[worse["gender"] == "female", "prediction"] *= 0.5
    result = build_preview(config, worse, "prediction", base, probability_threshold=0.5)
    names = {v.metric_name for v in result.violations}
    assert {"DPPL", "DI"} <= names
    entry = build_violations_document(result.violations)["violations"][0]
    assert set(entry) == {
        "facet",
        "facet_value",
        "metric_name",
        "constraint_check_type",
        "description",
    }
    assert entry["constraint_check_type"] == "bias_drift_check" and entry["facet"] == "gender"
    assert entry["description"].startswith("Value ")


@pytest.mark.parametrize(
    ("current", "baseline", "violated"),
    [
        ({"DPPL": 0.3}, {"DPPL": 0.2}, True),
        ({"DPPL": -0.3}, {"DPPL": 0.2}, True),
        ({"DPPL": 0.1}, {"DPPL": -0.2}, False),
        ({"DPPL": 0.2}, {"DPPL": 0.2}, False),
        ({"DI": 0.7}, {"DI": 0.8}, True),
        ({"DI": 1.1}, {"DI": 0.8}, False),
        ({"DI": 1.3}, {"DI": 0.8}, True),
        ({"TE": "Infinity"}, {"TE": 2.0}, True),
        ({"TE": "Infinity"}, {"TE": "Infinity"}, False),
        ({"FT": None}, {"FT": 0.1}, False),
        ({"AD": 0.5}, {}, False),
    ],
)
def test_compare_to_baseline__neutral_distance_rule(current, baseline, violated) -> None:
    assert bool(compare_to_baseline(_doc(**current), _doc(**baseline))) is violated


@pytest.mark.parametrize(
    "document",
    [
        [],
        {},
        {"post_training_bias_metrics": {"facets": []}},
        {"post_training_bias_metrics": {"facets": {"g": [{"metrics": []}]}}},
    ],
)
def test_read_baseline__malformed__e714(document) -> None:
    post, problems = read_baseline(document)
    assert post is None and [p.code for p in problems] == ["E714"]


def test_render__preview_with_violations__all_formats_carry_them(config, frame) -> None:
    base = build_baseline(
        build_preview(config, frame, "prediction", probability_threshold=0.5).metrics
    )
    worse = frame.copy()
    worse.loc[worse["gender"] == "female", "prediction"] *= 0.5
    result = build_preview(config, worse, "prediction", base, probability_threshold=0.5)
    text = render_preview_text(result, "credit-risk-bias")
    assert "violation(s) of the baseline" in text and "indicative" in text and "gender" in text
    markdown = render_preview_markdown(result, "credit-risk-bias")
    assert "| Facet | Facet value | Metric | Value | Note |" in markdown and "bootstrap" in markdown
    data = json.loads(render_preview_json(result, "credit-risk-bias"))
    assert data["post_training_bias_metrics"] == result.metrics
    assert len(data["constraint_violations"]["violations"]) == len(result.violations)


def test_render__failed_preflight__json_lists_diagnostics(config, frame) -> None:
    result = build_preview(
        config, frame.drop(columns=["gender"]), "prediction", probability_threshold=0.5
    )
    data = json.loads(render_preview_json(result, "x"))
    assert data["post_training_bias_metrics"] is None and data["diagnostics"][0]["code"] == "E704"
    assert "E704" not in render_preview_text(result, "x")  # diagnostics go to stderr via the CLI
