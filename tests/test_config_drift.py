"""Issue 9 §2: an analysis-config object altered or deleted in S3 is seen by the default
plan (one listing, no per-monitor read) and restored by applying it — through the served
emulator over real HTTP."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compiler.cli.common import EXIT_CHANGES, EXIT_OK
from compiler.desired.artifacts import config_root, etag_matches
from compiler.desired.resources import CONFIG_ETAG_TAG
from compiler.emulator import Emulator
from tests.support import run

MONITOR = "churn-batch-bias"


def _config_object(emulator: Emulator, name: str = MONITOR) -> tuple[str, str, str]:
    """(bucket, key, definition ARN) of a monitor's live analysis config object."""
    sm = emulator.client("sagemaker")
    jd_name = sm.describe_monitoring_schedule(MonitoringScheduleName=name)[
        "MonitoringScheduleConfig"
    ]["MonitoringJobDefinitionName"]
    jd = sm.describe_model_bias_job_definition(JobDefinitionName=jd_name)
    bucket, key = jd["ModelBiasAppSpecification"]["ConfigUri"][5:].split("/", 1)
    return bucket, key, jd["JobDefinitionArn"]


def _applied(project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["apply", "--auto-approve"], capsys)
    assert code == EXIT_OK, err
    emulator.reset_counts()


def test_apply__records_the_uploaded_etag_on_the_definition(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    _applied(project, emulator, capsys)
    bucket, key, arn = _config_object(emulator)
    etag = emulator.client("s3").head_object(Bucket=bucket, Key=key)["ETag"].strip('"')
    tags = emulator.client("sagemaker").list_tags(ResourceArn=arn)["Tags"]
    assert {"Key": CONFIG_ETAG_TAG, "Value": etag} in tags
    # state about the object, not part of the monitor: no tag diff, no change
    assert run(["plan", "--detailed-exitcode"], capsys)[0] == EXIT_OK


def test_plan__unchanged_configs__one_listing_and_no_object_reads(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    _applied(project, emulator, capsys)
    code, out, err = run(["plan", "--detailed-exitcode"], capsys)
    assert code == EXIT_OK, out + err
    counts = emulator.request_counts()
    assert counts.get("S3:LIST") == 1
    assert not counts.get("S3:GET")


def test_plan__config_altered_in_place__restores_and_apply_repairs(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    _applied(project, emulator, capsys)
    bucket, key, _ = _config_object(emulator)
    s3 = emulator.client("s3")
    original = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    s3.put_object(Bucket=bucket, Key=key, Body=b'{"label": "churned"}')
    emulator.reset_counts()

    code, out, err = run(["plan", "--detailed-exitcode"], capsys)
    assert code == EXIT_CHANGES, out + err
    assert MONITOR in out and "analysis config object is altered" in out
    # only the altered object was read
    assert emulator.request_counts().get("S3:GET") == 1

    code, out, _ = run(["drift", "--format", "json"], capsys)
    assert code == EXIT_CHANGES
    (altered,) = [f for f in json.loads(out)["findings"] if f["kind"] == "config-altered"]
    assert altered["remedy"] == "the next apply from main rewrites the object from git"

    code, _, err = run(["apply", "--auto-approve"], capsys)
    assert code == EXIT_OK, err
    assert "restored analysis config" in err
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == original
    assert run(["plan", "--detailed-exitcode"], capsys)[0] == EXIT_OK
    assert run(["drift"], capsys)[0] == EXIT_OK


def test_plan__config_deleted__restores_it(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    _applied(project, emulator, capsys)
    bucket, key, _ = _config_object(emulator)
    emulator.client("s3").delete_object(Bucket=bucket, Key=key)
    code, out, err = run(["plan", "--detailed-exitcode"], capsys)
    assert code == EXIT_CHANGES, out + err
    assert "analysis config object is missing" in out
    assert run(["apply", "--auto-approve"], capsys)[0] == EXIT_OK
    emulator.client("s3").head_object(Bucket=bucket, Key=key)
    assert run(["drift"], capsys)[0] == EXIT_OK


def test_plan__listing_denied__reads_each_config_instead(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    _applied(project, emulator, capsys)
    bucket, key, _ = _config_object(emulator)
    emulator.client("s3").put_object(Bucket=bucket, Key=key, Body=b"{}")
    emulator.reset_counts()
    emulator.inject_fault("denied", operation="S3:LIST", count=1)
    code, out, err = run(["plan", "--detailed-exitcode", "--format", "json"], capsys)
    assert code == EXIT_CHANGES, out + err
    counts = emulator.request_counts()
    assert counts.get("S3:GET", 0) >= 2  # every trusted config object, read one by one
    changes = {m["name"]: m for m in json.loads(out)["monitors"]}
    assert changes[MONITOR]["restore_config"] is True


def test_config_root__the_environments_folder() -> None:
    uri = "s3://bkt/biaswatch/prod/churn-bias/analysis_config-0123456789abcdef.json"
    assert config_root(uri) == "s3://bkt/biaswatch/prod/"


@given(st.binary(max_size=256), st.binary(max_size=256))
def test_etag_matches__md5_or_the_recorded_etag(body: bytes, other: bytes) -> None:
    md5 = hashlib.md5(body, usedforsecurity=False).hexdigest()
    assert etag_matches(f'"{md5}"', body, None)
    assert etag_matches(md5, body, "ignored")
    kms_etag = "f" * 32 + "-kms"  # not an MD5 of anything
    assert etag_matches(f'"{kms_etag}"', body, kms_etag)
    assert not etag_matches(f'"{kms_etag}"', body, None)
    assert not etag_matches('""', body, "")
    if other != body:
        assert not etag_matches(hashlib.md5(other, usedforsecurity=False).hexdigest(), body, None)
