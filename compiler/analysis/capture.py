"""SageMaker data capture and ground truth records decoded and merged into analysis rows (pure).

Capture files hold one JSON record per line (captureData.endpointInput/endpointOutput with
observedContentType, mode, data and encoding CSV | JSON | BASE64, plus eventMetadata); ground
truth records hold groundTruthData and eventMetadata.eventId. SageMaker's merge job joins a
ground-truth record to the capture whose inferenceId equals its eventId, or, for captures
without an inferenceId, whose eventId does.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jmespath

from compiler.analysis.config import DEFAULT_PREDICTION_COLUMN, AnalysisSpec
from compiler.diagnostics import Diagnostic, Severity


@dataclass(frozen=True)
class ModelOutput:
    """Where the model's features and output sit in captured payloads (the monitor's input keys)."""

    features_attribute: str | None = None
    inference_attribute: str | None = None
    probability_attribute: str | None = None
    probability_threshold: float | None = None

    @property
    def output_attribute(self) -> str | None:
        """The score when a threshold turns scores into labels, else the label."""
        if self.probability_threshold is not None:
            return self.probability_attribute or self.inference_attribute
        return self.inference_attribute or self.probability_attribute


@dataclass(frozen=True)
class CapturedRecord:
    key: str  # inferenceId, else eventId: what ground truth's eventId refers to
    features: tuple[dict[str, Any], ...]  # one per input line (a request may hold several)
    outputs: tuple[Any, ...]


@dataclass(frozen=True)
class MergeResult:
    rows: tuple[dict[str, Any], ...]
    captured: int
    matched: int
    diagnostics: tuple[Diagnostic, ...]

    @property
    def summary(self) -> str:
        return f"{self.matched} of {self.captured} captured records matched ground truth"


def _payload(block: Mapping[str, Any]) -> tuple[str, str]:
    """(text, kind) of an endpointInput/endpointOutput/groundTruthData block; kind is csv or json."""
    data = block.get("data")
    if not isinstance(data, str):
        data = json.dumps(data) if data is not None else ""
    encoding = str(block.get("encoding", "CSV")).upper()
    content_type = str(block.get("observedContentType", "")).lower()
    if encoding == "BASE64":
        try:
            data = base64.b64decode(data, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise ValueError(f"base64 data cannot be decoded: {exc}") from exc
        kind = "json" if "json" in content_type else "csv"
    elif encoding == "JSON":
        kind = "json"
    else:
        kind = "json" if "json" in content_type and "csv" not in content_type else "csv"
    return data, kind


def _csv_lines(text: str) -> list[list[str]]:
    return [row for row in csv.reader(io.StringIO(text.strip())) if row]


def _json_values(text: str) -> list[Any]:
    """A JSON document, or JSON Lines (one value per line)."""
    text = text.strip()
    try:
        return [json.loads(text)]
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def _features(spec: AnalysisSpec, model: ModelOutput, text: str, kind: str) -> list[dict[str, Any]]:
    names = spec.feature_headers
    if kind == "csv":
        rows = _csv_lines(text)
        for row in rows:
            if len(row) != len(names):
                raise ValueError(
                    f"CSV input has {len(row)} fields but headers without the label has "
                    f"{len(names)} ({', '.join(names)})"
                )
        return [dict(zip(names, row, strict=True)) for row in rows]
    out = []
    for value in _json_values(text):
        if model.features_attribute:
            value = jmespath.search(model.features_attribute, value)
        if isinstance(value, Mapping) and "instances" in value and len(value) == 1:
            value = value["instances"]
        items = (
            value
            if isinstance(value, list) and value and isinstance(value[0], list | dict)
            else [value]
        )
        for item in items:
            if isinstance(item, list):
                if len(item) != len(names):
                    raise ValueError(
                        f"JSON input has {len(item)} values but headers without the label has {len(names)}"
                    )
                out.append(dict(zip(names, item, strict=True)))
            elif isinstance(item, Mapping):
                out.append({n: item.get(n) for n in names})
            else:
                raise ValueError("JSON input is neither a list of values nor an object")
    return out


def _outputs(model: ModelOutput, text: str, kind: str) -> list[Any]:
    attribute = model.output_attribute
    if kind == "csv":
        index = int(attribute) if attribute is not None and attribute.isdigit() else 0
        rows = _csv_lines(text)
        if any(len(r) <= index for r in rows):
            raise ValueError(f"CSV output has no field {index}")
        return [r[index] for r in rows]
    out = []
    for value in _json_values(text):
        if isinstance(value, Mapping) and attribute is None and "predictions" in value:
            value = value["predictions"]
        items = value if isinstance(value, list) else [value]
        for item in items:
            found = (
                jmespath.search(attribute, item)
                if attribute and isinstance(item, Mapping)
                else item
            )
            if isinstance(found, Mapping | list) or found is None:
                raise ValueError(
                    "JSON output needs inference_attribute or probability_attribute to locate "
                    "the prediction"
                )
            out.append(found)
    return out


def decode_capture_record(
    record: Mapping[str, Any], spec: AnalysisSpec, model: ModelOutput
) -> CapturedRecord:
    """One capture line's rows; ValueError (with the reason) when it does not fit the config."""
    capture = record.get("captureData")
    meta = record.get("eventMetadata") or {}
    if not isinstance(capture, Mapping) or not isinstance(meta, Mapping):
        raise ValueError("record has no captureData/eventMetadata")
    key = meta.get("inferenceId") or meta.get("eventId")
    if not key:
        raise ValueError("record has neither eventMetadata.inferenceId nor eventId")
    inputs, outputs = capture.get("endpointInput"), capture.get("endpointOutput")
    if not isinstance(inputs, Mapping) or not isinstance(outputs, Mapping):
        raise ValueError("record lacks captureData.endpointInput or endpointOutput")
    features = _features(spec, model, *_payload(inputs))
    predictions = _outputs(model, *_payload(outputs))
    if len(features) != len(predictions):
        raise ValueError(f"{len(features)} input rows but {len(predictions)} outputs")
    return CapturedRecord(str(key), tuple(features), tuple(predictions))


def decode_ground_truth(record: Mapping[str, Any], label: str) -> tuple[str, tuple[Any, ...]]:
    """(eventId, labels) of one ground-truth line; ValueError when unreadable."""
    block = record.get("groundTruthData")
    meta = record.get("eventMetadata") or {}
    if not isinstance(block, Mapping) or not isinstance(meta, Mapping) or not meta.get("eventId"):
        raise ValueError("record has no groundTruthData or eventMetadata.eventId")
    text, kind = _payload(block)
    if kind == "csv":
        labels: list[Any] = [r[0] for r in _csv_lines(text)]
    else:
        labels = []
        for value in _json_values(text):
            items = value if isinstance(value, list) else [value]
            labels.extend(item.get(label) if isinstance(item, Mapping) else item for item in items)
    if not labels:
        raise ValueError("groundTruthData.data is empty")
    return str(meta["eventId"]), tuple(labels)


def _lines(
    lines: Iterable[tuple[str, str]], what: str
) -> Iterable[tuple[str, Mapping[str, Any] | None, Diagnostic | None]]:
    """(source, record) pairs from (source, line) pairs; `source` is "file:line" for messages."""
    for source, line in lines:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield (
                source,
                None,
                Diagnostic("E715", f"{source}: {what} record is not JSON: {exc.msg}"),
            )
            continue
        if not isinstance(record, dict):
            yield source, None, Diagnostic("E715", f"{source}: {what} record is not a JSON object")
            continue
        yield source, record, None


def merge_capture(
    capture_lines: Iterable[tuple[str, str]],
    ground_truth_lines: Iterable[tuple[str, str]],
    spec: AnalysisSpec,
    model: ModelOutput,
    prediction_column: str = DEFAULT_PREDICTION_COLUMN,
) -> MergeResult:
    """Captured inputs and outputs joined to their ground truth, as analysis rows.

    Lines come as (source, text) pairs, source naming the object and line for messages. Each
    row holds the feature headers, the label (from ground truth) and `prediction_column`.
    Captures without ground truth are counted and left out (W621); ground truth without a
    capture is W622; a record that cannot be decoded is E715/E716.
    """
    diagnostics: list[Diagnostic] = []
    truth: dict[str, tuple[Any, ...]] = {}
    for source, record, problem in _lines(ground_truth_lines, "ground truth"):
        if problem or record is None:
            diagnostics.extend([problem] if problem else [])
            continue
        try:
            event_id, labels = decode_ground_truth(record, spec.label)
        except ValueError as exc:
            diagnostics.append(Diagnostic("E715", f"{source}: ground truth record: {exc}"))
            continue
        if event_id in truth:
            diagnostics.append(_duplicate(source, event_id, "ground truth eventId"))
            continue
        truth[event_id] = labels

    rows: list[dict[str, Any]] = []
    captured = matched = 0
    used: set[str] = set()
    for source, record, problem in _lines(capture_lines, "capture"):
        if problem or record is None:
            diagnostics.extend([problem] if problem else [])
            continue
        try:
            decoded = decode_capture_record(record, spec, model)
        except (ValueError, jmespath.exceptions.JMESPathError) as exc:
            diagnostics.append(Diagnostic("E716", f"{source}: captured record: {exc}"))
            continue
        if decoded.key in used:
            diagnostics.append(_duplicate(source, decoded.key, "captured inferenceId"))
            continue
        captured += 1
        found = truth.get(decoded.key)
        if found is None:
            continue
        labels = found
        if len(labels) != len(decoded.features):
            diagnostics.append(
                Diagnostic(
                    "E716",
                    f"{source}: ground truth {decoded.key!r} has {len(labels)} labels for "
                    f"{len(decoded.features)} captured rows",
                )
            )
            continue
        used.add(decoded.key)
        matched += 1
        for features, output, label in zip(decoded.features, decoded.outputs, labels, strict=True):
            rows.append({**features, spec.label: label, prediction_column: output})

    if captured > matched:
        diagnostics.append(
            Diagnostic(
                "W621",
                f"{captured - matched} of {captured} captured records have no ground truth "
                "(left out of the analysis)",
                severity=Severity.WARNING,
                hints=("ground truth eventId must equal the capture's inferenceId (or eventId)",),
            )
        )
    orphans = len(set(truth) - used)
    if orphans:
        diagnostics.append(
            Diagnostic(
                "W622",
                f"{orphans} ground truth records match no captured record in the window",
                severity=Severity.WARNING,
            )
        )
    return MergeResult(tuple(rows), captured, matched, tuple(diagnostics))


def _duplicate(source: str, key: str, what: str) -> Diagnostic:
    return Diagnostic(
        "W625",
        f"{source}: {what} {key!r} seen before; this record is ignored",
        severity=Severity.WARNING,
    )


def hourly_prefixes(prefix: str, start: datetime, end: datetime) -> tuple[str, ...]:
    """The `{prefix}/yyyy/mm/dd/hh/` key prefixes whose hour overlaps [start, end).

    Capture and ground truth files sit under the UTC hour they were written; `start` and `end`
    must be timezone-aware (UTC) or naive UTC.
    """
    base = prefix.strip("/")
    hour = start.replace(minute=0, second=0, microsecond=0)
    out = []
    while hour < end:
        out.append(f"{base}/{hour:%Y/%m/%d/%H}/" if base else f"{hour:%Y/%m/%d/%H}/")
        hour += timedelta(hours=1)
    return tuple(out)
