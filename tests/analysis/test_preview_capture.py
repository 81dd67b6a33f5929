"""`biaswatch preview --from-capture` against the served emulator's S3: capture + ground truth."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from compiler.emulator import Emulator
from compiler.emulator.testing import create_endpoint_with_capture, running_emulator
from tests.support import run, write_project_file

REPO = Path(__file__).resolve().parents[2]
BUCKET = "acme-ml-test"
HOUR = "2026/12/02/03"
WINDOW = ["--start", "2026-12-02T03:00:00Z", "--end", "2026-12-02T04:00:00Z"]


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    yield from running_emulator(pending_seconds=0)


@pytest.fixture
def project(tmp_path: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "monitors").mkdir()
    shutil.copy(REPO / "monitors" / "credit-risk.yaml", tmp_path / "monitors" / "credit-risk.yaml")
    write_project_file(tmp_path, emulator.endpoint_url)
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket="biaswatch-test")
    s3.create_bucket(Bucket=BUCKET)
    create_endpoint_with_capture(
        emulator.client("sagemaker"), "credit-risk-prod", f"s3://{BUCKET}/capture"
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _capture(i: int, age: int, income: int, gender: str, score: float) -> dict:
    if i % 2:  # CSV payloads
        inputs = {
            "observedContentType": "text/csv",
            "mode": "INPUT",
            "data": f"{age},{income},{gender}",
            "encoding": "CSV",
        }
        outputs = {
            "observedContentType": "text/csv",
            "mode": "OUTPUT",
            "data": f"{score}",
            "encoding": "CSV",
        }
    else:  # JSON payloads
        body = json.dumps({"age": age, "income": income, "gender": gender})
        inputs = {
            "observedContentType": "application/json",
            "mode": "INPUT",
            "data": body,
            "encoding": "JSON",
        }
        outputs = {
            "observedContentType": "application/json",
            "mode": "OUTPUT",
            "data": json.dumps(score),
            "encoding": "JSON",
        }
    return {
        "captureData": {"endpointInput": inputs, "endpointOutput": outputs},
        "eventMetadata": {
            "eventId": f"event-{i}",
            "inferenceId": f"inf-{i}",
            "inferenceTime": "2026-12-02T03:10:00Z",
        },
        "eventVersion": "0",
    }


def _write(emulator: Emulator, records: int = 300, without_truth: int = 40) -> None:
    rng = np.random.default_rng(3)
    captures, truth = [], []
    for i in range(records):
        gender = "female" if rng.random() < 0.45 else "male"
        score = round(float(min(1.0, rng.random() * 0.9 + (0.15 if gender == "male" else 0))), 4)
        captures.append(
            _capture(i, int(rng.integers(18, 90)), int(rng.integers(20_000, 90_000)), gender, score)
        )
        if i >= without_truth:
            label = str(int(rng.random() < 0.5))
            truth.append(
                {
                    "groundTruthData": {"data": label, "encoding": "CSV"},
                    "eventMetadata": {"eventId": f"inf-{i}"},
                    "eventVersion": "0",
                }
            )
    s3 = emulator.client("s3")
    half = len(captures) // 2
    for n, part in enumerate((captures[:half], captures[half:])):
        s3.put_object(
            Bucket=BUCKET,
            Key=f"capture/credit-risk-prod/AllTraffic/{HOUR}/part-{n}.jsonl",
            Body="\n".join(json.dumps(r) for r in part).encode(),
        )
    s3.put_object(
        Bucket=BUCKET,
        Key=f"ground-truth/credit-risk/{HOUR}/labels.jsonl",
        Body="\n".join(json.dumps(r) for r in truth).encode(),
    )
    # Outside the window: never read.
    s3.put_object(
        Bucket=BUCKET,
        Key="capture/credit-risk-prod/AllTraffic/2026/12/02/05/late.jsonl",
        Body=b"not json\n",
    )


def test_preview_from_capture__csv_and_json_payloads__merges_and_reports_matches(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(emulator)
    code, out, err = run(
        ["preview", "credit-risk-bias", "--from-capture", *WINDOW, "--format", "json"], capsys
    )
    assert code == 0, err
    assert "260 of 300 captured records matched ground truth" in err
    assert "W621" in err and "40 of 300 captured records have no ground truth" in err
    document = json.loads(out)
    assert document["counts"]["rows"] == 260
    assert document["counts"]["matched"] == 260 and document["counts"]["captured"] == 300
    names = {
        m["name"] for m in document["post_training_bias_metrics"]["facets"]["gender"][0]["metrics"]
    }
    assert {"DPPL", "DI", "AD"} <= names


def test_preview_from_capture__empty_window__exits_1_with_e717(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(emulator)
    code, _, err = run(
        [
            "preview",
            "credit-risk-bias",
            "--from-capture",
            "--start",
            "2026-11-01T00:00:00Z",
            "--end",
            "2026-11-01T02:00:00Z",
        ],
        capsys,
    )
    assert code == 1
    assert "E717" in err and "no captured data" in err


def test_preview_from_capture__bad_time__is_a_usage_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        ["preview", "credit-risk-bias", "--from-capture", "--start", "yesterday"], capsys
    )
    assert code == 64
    assert "ISO-8601" in err or "2026-12-02T03:00:00Z" in err
