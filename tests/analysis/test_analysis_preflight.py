"""Pre-flight: every check produces its code and names what is wrong."""

from __future__ import annotations

import pandas as pd
import pytest

from compiler.analysis.config import read_analysis_config
from compiler.analysis.preview import build_preview


def _codes(result) -> list[str]:
    return [d.code for d in result.diagnostics]


def _run(config, frame, prediction="prediction", threshold=0.5):
    return build_preview(config, frame, prediction, probability_threshold=threshold)


def test_preflight__clean_data__no_diagnostics_and_metrics(config, frame) -> None:
    result = _run(config, frame)
    assert result.ok and result.diagnostics == ()


@pytest.mark.parametrize(
    ("drop", "code", "named"),
    [
        ("gender", "E704", "'gender'"),
        ("approved", "E705", "'approved'"),
        ("prediction", "E706", "'prediction'"),
    ],
)
def test_preflight__column_missing__named_error(config, frame, drop, code, named) -> None:
    result = _run(config, frame.drop(columns=[drop]))
    assert code in _codes(result) and result.metrics is None
    message = next(d for d in result.diagnostics if d.code == code).message
    assert named in message


def test_preflight__group_variable_missing__e707(config, frame) -> None:
    config["group_variable"] = "zip_code"
    result = _run(config, frame)
    assert _codes(result) == ["E707"]
    assert "'zip_code'" in result.diagnostics[0].message


def test_preflight__facet_value_never_occurs__e708_with_values_seen(config, frame) -> None:
    config["facet"][0]["value_or_threshold"] = ["F"]
    result = _run(config, frame)
    assert _codes(result) == ["E708"]
    assert "'F'" in result.diagnostics[0].message and "'female'" in result.diagnostics[0].message


def test_preflight__numeric_facet_threshold_above_all__e708(config, frame) -> None:
    frame["age"] = frame["age"] + 0.5  # float: Clarify reads [200] as a threshold
    config["facet"] = [{"name_or_index": "age", "value_or_threshold": [200]}]
    result = _run(config, frame)
    assert _codes(result) == ["E708"]
    assert "above the threshold" in result.diagnostics[0].message


def test_preflight__no_score_above_threshold__e709(config, frame) -> None:
    result = _run(config, frame, threshold=0.99999)
    frame["prediction"] = frame["prediction"].clip(upper=0.8)
    result = _run(config, frame, threshold=0.8)
    assert _codes(result) == ["E709"]
    assert "0.8" in result.diagnostics[0].message


def test_preflight__label_predictions_never_positive__e709(config, frame) -> None:
    frame["prediction"] = 0
    result = _run(config, frame, threshold=None)
    assert _codes(result) == ["E709"]


def test_preflight__text_labels_with_numeric_values__e710(config, frame) -> None:
    frame["approved"] = frame["approved"].map({1: "yes", 0: "no"})
    result = _run(config, frame)
    assert _codes(result) == ["E710"]
    assert "'yes'" in result.diagnostics[0].message and "[1]" in result.diagnostics[0].message


def test_preflight__numeric_labels_with_text_values__e710(config, frame) -> None:
    config["label_values_or_threshold"] = ["yes"]
    result = _run(config, frame)
    assert _codes(result) == ["E710"]


def test_preflight__text_scores_under_threshold__e711(config, frame) -> None:
    frame["prediction"] = frame["prediction"].map(lambda s: "yes" if s > 0.5 else "no")
    result = _run(config, frame)
    assert _codes(result) == ["E711"]


def test_preflight__no_positive_labels__w623_and_metrics(config, frame) -> None:
    frame["approved"] = 0
    result = _run(config, frame)
    assert "W623" in _codes(result) and result.metrics is not None


def test_preflight__facet_value_on_every_row__w624(config, frame) -> None:
    frame["gender"] = "female"
    result = _run(config, frame)
    assert "W624" in _codes(result)


@pytest.mark.parametrize(
    "broken",
    [
        {"label": None},
        {"label_values_or_threshold": []},
        {"facet": []},
        {"facet": [{"name_or_index": 9}]},
    ],
)
def test_read_analysis_config__unusable__e712(config, broken) -> None:
    config.update(broken)
    spec, problems = read_analysis_config(config)
    assert spec is None and [p.code for p in problems] and {p.code for p in problems} == {"E712"}


def test_read_analysis_config__indexes__resolved_through_headers(config) -> None:
    config["label"] = 3
    config["facet"] = [{"name_or_index": 2, "value_or_threshold": ["female"]}]
    spec, _ = read_analysis_config(config)
    assert spec is not None and spec.label == "approved" and spec.facets[0].name == "gender"
    assert spec.feature_headers == ("age", "income", "gender")


def test_preview__empty_rows__e702(config) -> None:
    assert _codes(_run(config, pd.DataFrame())) == ["E702"]
