"""Loading CSV and JSON Lines samples from disk."""

from __future__ import annotations

import json
from pathlib import Path

from compiler.analysis import sample as sample_module
from compiler.analysis.preview import build_preview
from compiler.analysis.sample import load_sample

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "credit-risk-sample.csv"


def test_load_sample__csv_in_chunks__all_rows_kept_columns_only(
    tmp_path, frame, monkeypatch
) -> None:
    path = tmp_path / "s.csv"
    frame.assign(extra="x").to_csv(path, index=False)
    monkeypatch.setattr(sample_module, "CHUNK_ROWS", 700)
    loaded, problems = load_sample(path, {"gender", "approved", "prediction", "age", "income"})
    assert problems == () and loaded is not None
    assert loaded.rows == len(frame)
    assert "extra" in loaded.columns and "extra" not in loaded.frame.columns
    assert loaded.frame["prediction"].tolist() == frame["prediction"].tolist()


def test_load_sample__jsonl__rows_and_late_columns(tmp_path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text(
        json.dumps({"gender": "female", "approved": 1})
        + "\n\n"
        + json.dumps({"gender": "male", "approved": 0, "prediction": 0.9})
        + "\n"
    )
    loaded, problems = load_sample(path)
    assert problems == () and loaded is not None
    assert loaded.columns == ("gender", "approved", "prediction")
    assert loaded.frame["gender"].tolist() == ["female", "male"]
    assert loaded.frame["prediction"].isna().tolist() == [True, False]


def test_load_sample__jsonl_bad_line__e703_at_that_line(tmp_path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text('{"a": 1}\n[1, 2]\n')
    loaded, problems = load_sample(path, display="data/s.jsonl")
    assert loaded is None and [p.code for p in problems] == ["E703"]
    assert problems[0].span is not None and problems[0].span.line == 2


def test_load_sample__missing_file__e701(tmp_path) -> None:
    loaded, problems = load_sample(tmp_path / "nope.csv")
    assert loaded is None and [p.code for p in problems] == ["E701"]


def test_load_sample__not_utf8__e701(tmp_path) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes(b"a,b\n\xff\xfe,1\n")
    _, problems = load_sample(path)
    assert [p.code for p in problems] == ["E701"]


def test_load_sample__empty_and_header_only__e702(tmp_path) -> None:
    empty = tmp_path / "e.csv"
    empty.write_text("")
    header = tmp_path / "h.csv"
    header.write_text("age,gender\n")
    assert [p.code for p in load_sample(empty)[1]] == ["E702"]
    assert [p.code for p in load_sample(header)[1]] == ["E702"]


def test_load_sample__ragged_csv__e703(tmp_path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("a,b\n1,2\n1,2,3\n")
    _, problems = load_sample(path)
    assert [p.code for p in problems] == ["E703"]


def test_example_sample__credit_risk_config__previews_cleanly(config) -> None:
    loaded, problems = load_sample(EXAMPLE)
    assert problems == () and loaded is not None
    result = build_preview(
        config, loaded.frame, "prediction", probability_threshold=0.8, columns=loaded.columns
    )
    assert result.ok and result.diagnostics == ()
    assert result.metrics["facets"]["gender"][0]["value_or_threshold"] == "female"
