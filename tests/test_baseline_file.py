"""Issue 11 §4: a baseline (`constraints:`) as a reviewed file in git — validated, uploaded
content-addressed beside the analysis config, planned, restored when altered in S3 — end to
end through the CLI against the served emulator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compiler.cli.common import EXIT_CHANGES, EXIT_ERROR, EXIT_OK
from compiler.desired.resources import BASELINE_ETAG_TAG
from compiler.emulator import Emulator
from tests.support import run

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "examples" / "credit-risk-sample.csv"
MONITOR = "credit-risk-bias"
URI_LINE = "constraints: s3://${data_bucket}/baselines/credit-risk/analysis.json"


def _use_baseline_file(project: Path, value: str = "baselines/credit-risk.json") -> Path:
    monitor = project / "monitors" / "credit-risk.yaml"
    text = monitor.read_text()
    assert URI_LINE in text
    monitor.write_text(text.replace(URI_LINE, f"constraints: {value}"))
    return monitor


def _write_baseline(capsys: pytest.CaptureFixture[str]) -> Path:
    out = Path("monitors/baselines/credit-risk.json")
    code, _, err = run(["baseline", MONITOR, "--data", str(SAMPLE), "--out", str(out)], capsys)
    assert code == EXIT_OK, err
    return out


def _baseline_uri(capsys: pytest.CaptureFixture[str]) -> str:
    code, out, err = run(["compile", MONITOR], capsys)
    assert code == EXIT_OK, err
    compiled = json.loads(out)
    request = compiled.get(MONITOR, compiled)["CreateModelBiasJobDefinition"]
    uri: str = request["ModelBiasBaselineConfig"]["ConstraintsResource"]["S3Uri"]
    return uri


def test_baseline_file__round_trip__uploaded_planned_and_changed(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = _write_baseline(capsys)
    _use_baseline_file(project)
    uri = _baseline_uri(capsys)
    assert uri.startswith("s3://biaswatch-test/biaswatch/test/credit-risk-bias/constraints-")

    code, _, err = run(["apply", "--auto-approve"], capsys)
    assert code == EXIT_OK, err
    bucket, key = uri[5:].split("/", 1)
    s3 = emulator.client("s3")
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == baseline.read_bytes()
    # the ETag S3 gave it is recorded on the definition (SSE-KMS ETags are not MD5s)
    sm = emulator.client("sagemaker")
    jd_name = sm.describe_monitoring_schedule(MonitoringScheduleName=MONITOR)[
        "MonitoringScheduleConfig"
    ]["MonitoringJobDefinitionName"]
    arn = sm.describe_model_bias_job_definition(JobDefinitionName=jd_name)["JobDefinitionArn"]
    etag = s3.head_object(Bucket=bucket, Key=key)["ETag"].strip('"')
    assert {"Key": BASELINE_ETAG_TAG, "Value": etag} in sm.list_tags(ResourceArn=arn)["Tags"]
    assert run(["plan", "--detailed-exitcode"], capsys)[0] == EXIT_OK

    # a reviewed change to the baseline file is a planned change: a new definition
    document = json.loads(baseline.read_text())
    female = document["post_training_bias_metrics"]["facets"]["gender"][0]
    female["metrics"][0]["value"] = 0.5
    baseline.write_text(json.dumps(document, indent=2))
    code, out, err = run(["plan", "--detailed-exitcode"], capsys)
    assert code == EXIT_CHANGES, out + err
    assert MONITOR in out and "constraints-" in out
    assert run(["apply", "--auto-approve"], capsys)[0] == EXIT_OK
    new_uri = _baseline_uri(capsys)
    assert new_uri != uri
    bucket, key = new_uri[5:].split("/", 1)
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == baseline.read_bytes()
    assert run(["plan", "--detailed-exitcode"], capsys)[0] == EXIT_OK


def test_baseline_file__object_altered_in_s3__plan_restores_drift_reports(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = _write_baseline(capsys)
    _use_baseline_file(project)
    assert run(["apply", "--auto-approve"], capsys)[0] == EXIT_OK
    bucket, key = _baseline_uri(capsys)[5:].split("/", 1)
    s3 = emulator.client("s3")
    s3.put_object(Bucket=bucket, Key=key, Body=b'{"post_training_bias_metrics": {}}')

    code, out, _ = run(["drift", "--format", "json"], capsys)
    assert code == EXIT_CHANGES
    (finding,) = [f for f in json.loads(out)["findings"] if "baseline" in f["detail"]]
    assert finding["kind"] == "config-altered" and key in finding["detail"]

    code, out, err = run(["plan", "--detailed-exitcode"], capsys)
    assert code == EXIT_CHANGES, out + err
    assert "baseline object" in out and "altered" in out
    code, _, err = run(["apply", "--auto-approve"], capsys)
    assert code == EXIT_OK, err
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == baseline.read_bytes()
    assert run(["drift"], capsys)[0] == EXIT_OK


@pytest.mark.parametrize(
    ("value", "content", "expected"),
    [
        ("baselines/missing.json", None, "no such file"),
        ("baselines/bad.json", b"{not json", "is not JSON"),
        ("baselines/bad.json", b'{"version": "1.0"}', "no post_training_bias_metrics"),
        ("../../outside.json", None, "outside the project folder"),
        ("baselines", b"", "it is a folder"),
        ('"bad\\0name.json"', None, "NUL character"),
        ("baselines/big.json", b" " * 1_000_001, "larger than 1,000,000 bytes"),
    ],
)
def test_baseline_file__bad__e714_located_at_constraints(
    project: Path,
    capsys: pytest.CaptureFixture[str],
    value: str,
    content: bytes | None,
    expected: str,
) -> None:
    (project / "monitors" / "baselines").mkdir()
    if content:
        (project / "monitors" / value).write_bytes(content)
    monitor = _use_baseline_file(project, value)
    row = next(
        i for i, line in enumerate(monitor.read_text().splitlines(), 1) if "constraints:" in line
    )
    code, _, err = run(["validate"], capsys)
    assert code == EXIT_ERROR
    assert f"monitors/credit-risk.yaml:{row}:14: error E714" in err, err
    assert expected in err and "biaswatch baseline" in err
    assert "Traceback" not in err


def test_preview__monitor_with_a_baseline_file__compared_without_flag(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = _write_baseline(capsys)
    _use_baseline_file(project)
    # the same data as the baseline: no violations, and the comparison is said
    code, out, err = run(["preview", MONITOR, "--data", str(SAMPLE)], capsys)
    assert code == EXIT_OK, out + err
    assert "No violations of the baseline" in out
    # a baseline far stricter than the data: violations, exit 2
    document = json.loads(baseline.read_text())
    for entries in document["post_training_bias_metrics"]["facets"].values():
        for entry in entries:
            for metric in entry["metrics"]:
                if isinstance(metric.get("value"), (int, float)):
                    metric["value"] = 1.0 if metric["name"] == "DI" else 0.0
    baseline.write_text(json.dumps(document))
    code, out, _ = run(["preview", MONITOR, "--data", str(SAMPLE)], capsys)
    assert code == EXIT_CHANGES
    assert "violation(s) of the baseline" in out


def test_baseline_file__symlink_out_of_the_project__refused(
    project: Path, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path_factory.mktemp("elsewhere") / "analysis.json"
    outside.write_text('{"post_training_bias_metrics": {"facets": {}}}')
    (project / "monitors" / "baselines").mkdir()
    (project / "monitors" / "baselines" / "link.json").symlink_to(outside)
    _use_baseline_file(project, "baselines/link.json")
    code, _, err = run(["validate"], capsys)
    assert code == EXIT_ERROR
    assert "E714" in err and "outside the project folder" in err
