"""Clarify's post-training metrics via smclarify, cross-checked with formulas of our own."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from compiler.analysis.config import read_analysis_config
from compiler.analysis.metrics import compute_post_training_metrics, metric_names
from compiler.analysis.preview import build_preview

THRESHOLD = 0.5


def _metrics(document: dict, facet: str, value: str) -> dict:
    entry = next(e for e in document["facets"][facet] if e["value_or_threshold"] == value)
    return {m["name"]: m for m in entry["metrics"]}


def _own(frame: pd.DataFrame, facet: str, value: str) -> dict[str, float]:
    d = (frame[facet] == value).to_numpy()
    y = (frame["approved"] == 1).to_numpy()
    yhat = (frame["prediction"] > THRESHOLD).to_numpy()
    qa, qd = yhat[~d].mean(), yhat[d].mean()
    acc_a, acc_d = (y == yhat)[~d].mean(), (y == yhat)[d].mean()
    return {"DPPL": qa - qd, "DI": qd / qa, "AD": acc_a - acc_d}


def _spec(config, threshold=THRESHOLD):
    spec, problems = read_analysis_config(config, threshold)
    assert spec is not None, problems
    return spec


def test_metrics__generated_data__dppl_di_ad_match_own_formulas(frame, config) -> None:
    result = compute_post_training_metrics(_spec(config), frame, "prediction")
    got = _metrics(result.document, "gender", "female")
    for name, expected in _own(frame, "gender", "female").items():
        assert got[name]["value"] == pytest.approx(expected, abs=1e-12), name
    # the data was generated biased against women: fewer predicted positives
    assert got["DPPL"]["value"] > 0.05 and got["DI"]["value"] < 0.9


def test_metrics__document__has_clarify_analysis_json_shape(frame, config) -> None:
    result = compute_post_training_metrics(_spec(config), frame, "prediction")
    doc = result.document
    assert set(doc) == {"label", "label_value_or_threshold", "facets"}
    assert doc["label"] == "approved" and doc["label_value_or_threshold"] == "1"
    [entry] = doc["facets"]["gender"]
    assert entry["value_or_threshold"] == "female"
    names = [m["name"] for m in entry["metrics"]]
    assert names == sorted(names)
    assert {"AD", "DAR", "DCA", "DCR", "DI", "DPPL", "DRR", "FT", "RD", "SD", "TE"} <= set(names)
    assert "CDDPL" not in names  # no group_variable
    for m in entry["metrics"]:
        assert set(m) <= {"name", "description", "value", "error"}
        assert m["description"].endswith(f"({m['name']})")
    json.dumps(doc, allow_nan=False)


def test_metrics__every_value_of_a_facet_without_values__one_entry_each(frame, config) -> None:
    config["facet"] = [{"name_or_index": "gender"}]
    result = compute_post_training_metrics(_spec(config), frame, "prediction")
    values = sorted(e["value_or_threshold"] for e in result.document["facets"]["gender"])
    assert values == ["female", "male"]
    male = _metrics(result.document, "gender", "male")
    assert male["DPPL"]["value"] == pytest.approx(_own(frame, "gender", "male")["DPPL"])


def test_metrics__group_variable__cddpl_computed(frame, config) -> None:
    frame["region"] = np.where(frame["age"] > 50, "north", "south")
    config["headers"] = [*config["headers"], "region"]
    config["group_variable"] = "region"
    spec = _spec(config)
    assert "CDDPL" in metric_names(spec)
    result = compute_post_training_metrics(spec, frame, "prediction")
    cddpl = _metrics(result.document, "gender", "female")["CDDPL"]
    assert isinstance(cddpl["value"], float) and "error" not in cddpl


def test_metrics__ft_on_text_columns__reported_as_error_not_a_crash(frame, config) -> None:
    frame["city"] = np.where(frame["age"] > 40, "Paris", "Lyon")
    config["headers"] = [*config["headers"], "city"]
    result = compute_post_training_metrics(_spec(config), frame, "prediction")
    ft = _metrics(result.document, "gender", "female")["FT"]
    assert ft["value"] is None and "non-numeric" in ft["error"]
    assert [d.code for d in result.diagnostics] == ["W620"]
    assert "FT could not be computed" in result.diagnostics[0].message


def test_metrics__more_rows_than_the_ft_bound__ft_on_a_seeded_sample(frame, config) -> None:
    spec = _spec(config)
    small = compute_post_training_metrics(spec, frame, "prediction", ft_max_rows=500)
    again = compute_post_training_metrics(spec, frame, "prediction", ft_max_rows=500)
    assert small.ft_rows == 500
    assert "W626" in [d.code for d in small.diagnostics]
    ft = _metrics(small.document, "gender", "female")["FT"]
    assert isinstance(ft["value"], float)
    assert ft == _metrics(again.document, "gender", "female")["FT"]
    # every other metric still uses every row
    full = compute_post_training_metrics(spec, frame, "prediction")
    assert (
        _metrics(small.document, "gender", "female")["DI"]
        == _metrics(full.document, "gender", "female")["DI"]
    )


def test_metrics__numeric_facet_threshold__greater_than_like_clarify(config) -> None:
    rng = np.random.default_rng(3)
    n = 400
    frame = pd.DataFrame(
        {
            "age": rng.uniform(18, 90, n).round(1),
            "income": rng.normal(5e4, 1e4, n),
            "gender": rng.choice(["m", "f"], n),
            "approved": rng.integers(0, 2, n),
            "prediction": rng.random(n),
        }
    )
    config["facet"] = [{"name_or_index": "age", "value_or_threshold": [40]}]
    result = compute_post_training_metrics(_spec(config), frame, "prediction")
    [entry] = result.document["facets"]["age"]
    assert entry["value_or_threshold"] == f"(40.0, {frame['age'].max()}]"
    d = frame["age"] > 40
    yhat = frame["prediction"] > THRESHOLD
    expected = yhat[~d].mean() - yhat[d].mean()
    assert _metrics(result.document, "age", entry["value_or_threshold"])["DPPL"][
        "value"
    ] == pytest.approx(expected)


def test_metrics__string_labels_under_pandas_strings__computed(frame, config) -> None:
    frame["approved"] = pd.Series(np.where(frame["approved"] == 1, "yes", "no"), dtype="string")
    frame["prediction"] = pd.Series(
        np.where(frame["prediction"] > THRESHOLD, "yes", "no"), dtype="string"
    )
    frame["gender"] = frame["gender"].astype("string")
    config["label_values_or_threshold"] = ["yes"]
    result = compute_post_training_metrics(_spec(config, None), frame, "prediction")
    di = _metrics(result.document, "gender", "female")["DI"]["value"]
    assert di == pytest.approx(
        _own(
            frame.assign(
                approved=(frame["approved"] == "yes").astype(int),
                prediction=(frame["prediction"] == "yes").astype(float),
            ),
            "gender",
            "female",
        )["DI"]
    )


def test_metrics__score_equal_to_threshold__is_negative(config) -> None:
    frame = pd.DataFrame(
        {
            "age": [30, 40, 50, 60] * 10,
            "income": [1.0, 2.0, 3.0, 4.0] * 10,
            "gender": ["female", "male"] * 20,
            "approved": [1, 0, 1, 0] * 10,
            "prediction": [0.5, 0.9, 0.5, 0.9] * 10,
        }
    )
    preview = build_preview(config, frame, "prediction", probability_threshold=0.5)
    assert preview.counts["predicted_positive"] == 20  # only the 0.9 scores
    assert _metrics(preview.metrics, "gender", "female")["DI"]["value"] == 0.0
