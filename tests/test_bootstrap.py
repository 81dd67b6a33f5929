"""bootstrap against the emulator over real HTTP: the bucket's settings, idempotence, ownership."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import botocore.exceptions
import botocore.stub
import pytest

from compiler.aws import client as aws
from compiler.aws.bootstrap import SKIPPED, TLS_SID, UNCHANGED, bootstrap_bucket, tls_statement
from compiler.cli.common import EXIT_ERROR, EXIT_OK
from compiler.emulator import Emulator
from compiler.emulator.testing import running_emulator
from tests.support import run

REPO = Path(__file__).resolve().parent.parent
BUCKET = "biaswatch-boot"
# Every S3 write bootstrap makes is a PUT (the STS call also reaches the emulator as a
# POST, which its counter files under S3).
WRITES = ("S3:PUT", "S3:DELETE")


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    yield from running_emulator(pending_seconds=0.2)


@pytest.fixture
def project(tmp_path: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "monitors").mkdir()
    shutil.copy(REPO / "monitors" / "credit-risk.yaml", tmp_path / "monitors" / "credit-risk.yaml")
    (tmp_path / "biaswatch.yaml").write_text(
        f"""project: acme-credit-models
default_environment: test
environments:
  test:
    region: us-east-1
    endpoint_url: {emulator.endpoint_url}
    artifact_bucket: {BUCKET}
    vars: {{data_bucket: acme-ml-test}}
    defaults:
      role: arn:aws:iam::123456789012:role/ModelMonitorRole
"""
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def writes(emulator: Emulator) -> dict[str, int]:
    return {op: n for op, n in emulator.request_counts().items() if op.startswith(WRITES) and n}


def test_bootstrap__fresh_account__bucket_encrypted_versioned_private_tls_only(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["bootstrap"], capsys)
    assert code == EXIT_OK, err
    assert "bucket: created" in out
    # The served emulator is plain http: the TLS-only statement would lock biaswatch out.
    assert "Bootstrap: 4 of 5 settings changed (1 skipped)." in out
    s3 = emulator.client("s3")
    rules = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    assert s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"
    block = s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    assert f"TLS-only bucket policy: {SKIPPED}: the endpoint {emulator.endpoint_url}" in out
    assert "plain http" in out
    with pytest.raises(botocore.exceptions.ClientError, match="NoSuchBucketPolicy"):
        s3.get_bucket_policy(Bucket=BUCKET)


def test_bootstrap__second_run__reports_nothing_to_change_and_writes_nothing(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["bootstrap"], capsys)[0] == EXIT_OK
    emulator.reset_counts()
    code, out, err = run(["bootstrap"], capsys)
    assert code == EXIT_OK, err
    assert "Bootstrap: nothing to change; the bucket is already set up (1 skipped)." in out
    assert out.count(f": {UNCHANGED}") == 4
    assert out.count(f": {SKIPPED}") == 1
    assert writes(emulator) == {}


def test_bootstrap__kms_key__sse_kms_with_bucket_key_then_back_to_sse_s3(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    code, out, err = run(["bootstrap", "--kms-key", key], capsys)
    assert code == EXIT_OK, err
    s3 = emulator.client("s3")
    (rule,) = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": key,
    }
    assert rule["BucketKeyEnabled"] is True
    code, out, err = run(["bootstrap", "--kms-key", key], capsys)
    assert "nothing to change" in out
    code, out, err = run(["bootstrap"], capsys)
    assert code == EXIT_OK, err
    assert f"default encryption: changed: SSE-S3 (was SSE-KMS with {key})" in out
    assert "Bootstrap: 1 of 5 settings changed (1 skipped)." in out


def test_bootstrap__existing_bucket_with_a_policy__keeps_other_statements(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    theirs = {
        "Sid": "AllowAuditRead",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:role/Audit"},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{BUCKET}/*",
    }
    s3.put_bucket_policy(
        Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": [theirs]})
    )
    # An earlier bootstrap (before plain-http endpoints were recognized) added the deny.
    s3.put_bucket_policy(
        Bucket=BUCKET,
        Policy=json.dumps(
            {"Version": "2012-10-17", "Statement": [theirs, tls_statement(BUCKET, "us-east-1")]}
        ),
    )
    code, out, err = run(["bootstrap"], capsys)
    assert code == EXIT_OK, err
    assert "bucket: already so" in out
    assert f"TLS-only bucket policy: changed: removed statement {TLS_SID}" in out
    sids = [
        s["Sid"] for s in json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])["Statement"]
    ]
    assert sids == ["AllowAuditRead"]


def test_bootstrap__emulator_environment__seeded_bucket_is_hardened(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The embedded emulator creates the artifact bucket when it starts; bootstrap finishes it.
    code, out, err = run(["bootstrap", "--env", "local"], capsys)
    assert code == EXIT_OK, err
    assert "bucket: already so" in out and "versioning: changed" in out


# ---- a bucket of another account (the emulator has a single account: stubbed answers) ----


@pytest.fixture
def clients(emulator: Emulator) -> aws.Clients:
    return aws.make_clients(
        "us-east-1",
        emulator.endpoint_url,
        {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"},
    )


def test_bootstrap_bucket__head_bucket_403__e421_and_no_create(clients: aws.Clients) -> None:
    with botocore.stub.Stubber(clients.s3) as stub:
        stub.add_client_error("head_bucket", "403", "Forbidden", 403)
        with pytest.raises(aws.AwsError) as info:
            bootstrap_bucket(clients, BUCKET, "123456789012")
        stub.assert_no_pending_responses()
    assert info.value.diagnostic.code == "E426"
    assert "not owned by account 123456789012" in info.value.diagnostic.message


def test_bootstrap_bucket__name_taken_elsewhere__e421(clients: aws.Clients) -> None:
    with botocore.stub.Stubber(clients.s3) as stub:
        stub.add_client_error("head_bucket", "404", "Not Found", 404)
        stub.add_client_error("create_bucket", "BucketAlreadyExists", "taken", 409)
        with pytest.raises(aws.AwsError) as info:
            bootstrap_bucket(clients, BUCKET, "123456789012")
    assert info.value.diagnostic.code == "E426"


def test_bootstrap_cmd__foreign_bucket__exit_1_with_e421(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = aws.make_clients

    def stubbed(*args: object, **kwargs: object) -> aws.Clients:
        made = real(*args, **kwargs)  # type: ignore[arg-type]
        stub = botocore.stub.Stubber(made.s3)
        stub.add_client_error("head_bucket", "403", "Forbidden", 403)
        stub.activate()
        return made

    monkeypatch.setattr(aws, "make_clients", stubbed)
    code, out, err = run(["bootstrap"], capsys)
    assert code == EXIT_ERROR
    assert "E426" in err and BUCKET in err
    assert "Bootstrap:" not in out


# ---- the tool is never locked out; a missing bucket names bootstrap ---------------------


def test_bootstrap__plain_http_endpoint__apply_and_drift_still_reach_the_bucket(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["bootstrap"], capsys)[0] == EXIT_OK
    _, _, err = run(["apply", "--auto-approve"], capsys)
    # The endpoint does not exist (W601), so SageMaker refuses the schedule, but every
    # S3 call (config upload, lock) goes through: no access error.
    assert "E407" not in err and "E401" not in err and "403" not in err, err
    s3 = emulator.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert any(k.endswith(".json") and "analysis_config-" in k for k in keys), keys
    assert not [k for k in keys if k.endswith("biaswatch.lock")]  # taken and released
    _code, _, err = run(["drift"], capsys)
    assert "E407" not in err and "403" not in err, err


def test_apply__artifact_bucket_missing__e403_with_bootstrap_hint(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["apply", "--auto-approve"], capsys)
    assert code == EXIT_ERROR
    assert "E403" in err and "NoSuchBucket" in err
    assert (
        f"bucket '{BUCKET}' does not exist: create it with `biaswatch bootstrap --env test`" in err
    )
    # After bootstrap the same apply reaches S3.
    assert run(["bootstrap", "--env", "test"], capsys)[0] == EXIT_OK
    code, _out, err = run(["apply", "--auto-approve"], capsys)
    assert "NoSuchBucket" not in err and "E407" not in err, err


def test_bootstrap_bucket__https_endpoint__adds_the_tls_only_statement(
    emulator: Emulator,
) -> None:
    # AWS itself (https): stubbed answers, since the served emulator is plain http.
    clients = aws.make_clients(
        "us-east-1",
        None,
        {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"},
    )
    assert clients.s3.meta.endpoint_url.startswith("https://")
    account = "123456789012"
    encrypted = {
        "ServerSideEncryptionConfiguration": {
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        }
    }
    block = {
        "PublicAccessBlockConfiguration": dict.fromkeys(
            ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"),
            True,
        )
    }
    with botocore.stub.Stubber(clients.s3) as stub:
        stub.add_response("head_bucket", {}, {"Bucket": BUCKET, "ExpectedBucketOwner": account})
        stub.add_response("get_bucket_encryption", encrypted, {"Bucket": BUCKET})
        stub.add_response("get_bucket_versioning", {"Status": "Enabled"}, {"Bucket": BUCKET})
        stub.add_response("get_public_access_block", block, {"Bucket": BUCKET})
        stub.add_client_error("get_bucket_policy", "NoSuchBucketPolicy", "none", 404)
        wanted = {"Version": "2012-10-17", "Statement": [tls_statement(BUCKET, "us-east-1")]}
        stub.add_response("put_bucket_policy", {}, {"Bucket": BUCKET, "Policy": json.dumps(wanted)})
        steps = bootstrap_bucket(clients, BUCKET, account)
        stub.assert_no_pending_responses()
    assert [s.status for s in steps] == [UNCHANGED] * 4 + ["changed"]
    assert steps[-1].detail == f"added statement {TLS_SID} (deny without TLS)"
