"""Decoding data capture and ground truth, and the merge SageMaker's merge job performs."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from compiler.analysis.capture import ModelOutput, hourly_prefixes, merge_capture
from compiler.analysis.config import read_analysis_config
from compiler.analysis.preview import build_preview


def _capture(
    inference_id,
    data,
    output="0.91",
    encoding="CSV",
    content="text/csv",
    out_enc="CSV",
    event_id=None,
):
    meta = {"eventId": event_id or f"evt-{inference_id}", "inferenceTime": "2026-12-02T03:00:04Z"}
    if inference_id:
        meta["inferenceId"] = inference_id
    return json.dumps(
        {
            "captureData": {
                "endpointInput": {
                    "observedContentType": content,
                    "mode": "INPUT",
                    "data": data,
                    "encoding": encoding,
                },
                "endpointOutput": {
                    "observedContentType": "text/csv; charset=utf-8",
                    "mode": "OUTPUT",
                    "data": output,
                    "encoding": out_enc,
                },
            },
            "eventMetadata": meta,
            "eventVersion": "0",
        }
    )


def _truth(event_id, label="1", encoding="CSV"):
    return json.dumps(
        {
            "groundTruthData": {"data": label, "encoding": encoding},
            "eventMetadata": {"eventId": event_id},
            "eventVersion": "0",
        }
    )


def _lines(*records):
    return [(f"capture.jsonl:{i}", r) for i, r in enumerate(records, 1)]


@pytest.fixture
def spec(config):
    spec, _ = read_analysis_config(config, 0.8)
    return spec


def test_merge__csv_inputs__rows_in_header_order_and_counts(spec) -> None:
    captures = _lines(
        _capture("a", "34,50000,female"),
        _capture("b", "51,72000,male", "0.2"),
        _capture("c", "29,30000,female"),
    )
    truth = _lines(_truth("a", "1"), _truth("b", "0"))
    merged = merge_capture(captures, truth, spec, ModelOutput(probability_threshold=0.8))
    assert (merged.matched, merged.captured) == (2, 3)
    assert merged.summary == "2 of 3 captured records matched ground truth"
    assert merged.rows[0] == {
        "age": "34",
        "income": "50000",
        "gender": "female",
        "approved": "1",
        "prediction": "0.91",
    }
    assert [d.code for d in merged.diagnostics] == ["W621"]
    assert "1 of 3" in merged.diagnostics[0].message


def test_merge__no_inference_id__falls_back_to_event_id(spec) -> None:
    captures = _lines(_capture(None, "34,50000,female", event_id="e-1"))
    merged = merge_capture(captures, _lines(_truth("e-1", "0")), spec, ModelOutput())
    assert merged.matched == 1 and merged.rows[0]["approved"] == "0"


def test_merge__json_and_base64_payloads__decoded(spec) -> None:
    as_json = json.dumps({"features": [40, 61000, "male"]})
    as_b64 = base64.b64encode(b"22,18000,female").decode()
    out_json = json.dumps({"predicted_label": 1, "probability": 0.93})
    captures = _lines(
        _capture(
            "j", as_json, out_json, encoding="JSON", content="application/json", out_enc="JSON"
        ),
        _capture(
            "b", as_b64, base64.b64encode(b"0.35").decode(), encoding="BASE64", out_enc="BASE64"
        ),
    )
    model = ModelOutput(
        features_attribute="features",
        probability_attribute="probability",
        probability_threshold=0.8,
    )
    merged = merge_capture(captures, _lines(_truth("j"), _truth("b", "0")), spec, model)
    assert merged.diagnostics == ()
    assert merged.rows[0] == {
        "age": 40,
        "income": 61000,
        "gender": "male",
        "approved": "1",
        "prediction": 0.93,
    }
    assert merged.rows[1]["gender"] == "female" and merged.rows[1]["prediction"] == "0.35"


def test_merge__payload_with_wrong_field_count__e716_named(spec) -> None:
    merged = merge_capture(_lines(_capture("a", "34,female")), [], spec, ModelOutput())
    assert [d.code for d in merged.diagnostics] == ["E716"]
    assert (
        "capture.jsonl:1" in merged.diagnostics[0].message
        and "2 fields" in merged.diagnostics[0].message
    )


def test_merge__unreadable_lines_orphans_and_duplicates__reported(spec) -> None:
    captures = _lines("not json", _capture("a", "1,2,female"), _capture("a", "1,2,female"))
    truth = _lines(_truth("a"), _truth("a"), _truth("zzz"), '{"groundTruthData": 3}')
    merged = merge_capture(captures, truth, spec, ModelOutput())
    assert sorted(d.code for d in merged.diagnostics) == ["E715", "E715", "W622", "W625", "W625"]
    assert merged.matched == 1


def test_merge_then_preview__rows_from_capture__metrics(spec, config) -> None:
    captures, truth = [], []
    for i in range(200):
        gender = "female" if i % 2 else "male"
        score = 0.9 if (i % 3 == 0 or gender == "male") and i % 5 else 0.1
        captures.append(
            (f"c:{i}", _capture(f"id{i}", f"{20 + i % 50},{1000 * i},{gender}", str(score)))
        )
        if i % 10:
            truth.append((f"g:{i}", _truth(f"id{i}", str(i % 2))))
    merged = merge_capture(captures, truth, spec, ModelOutput(probability_threshold=0.8))
    assert (merged.matched, merged.captured) == (180, 200)
    result = build_preview(
        config,
        merged.rows,
        "prediction",
        probability_threshold=0.8,
        extra_counts={"captured": merged.captured, "matched": merged.matched},
    )
    assert result.ok, result.diagnostics
    assert result.counts["rows"] == 180 and result.counts["matched"] == 180


def test_hourly_prefixes__window__every_overlapping_hour() -> None:
    start = datetime(2026, 12, 2, 3, 30, tzinfo=UTC)
    end = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
    assert hourly_prefixes("s3prefix/ep/AllTraffic/", start, end) == (
        "s3prefix/ep/AllTraffic/2026/12/02/03/",
        "s3prefix/ep/AllTraffic/2026/12/02/04/",
        "s3prefix/ep/AllTraffic/2026/12/02/05/",
    )
    assert hourly_prefixes(
        "gt", datetime(2026, 12, 31, 23, tzinfo=UTC), datetime(2027, 1, 1, 0, 1, tzinfo=UTC)
    ) == ("gt/2026/12/31/23/", "gt/2027/01/01/00/")
    assert hourly_prefixes("gt", end, start) == ()
