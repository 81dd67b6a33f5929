"""Make an environment's artifact bucket safe to hold configs and the lock (idempotent).

Each step reads the bucket's setting first and writes only when it differs, so a second
run makes no write. boto3 is reached only through compiler.aws.client.call.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from compiler.aws import client as aws
from compiler.desired.iam import partition
from compiler.diagnostics import Diagnostic

TLS_SID = "DenyInsecureTransport"
PUBLIC_ACCESS_BLOCK = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}

CREATED = "created"
CHANGED = "changed"
UNCHANGED = "already so"
SKIPPED = "skipped"


@dataclass(frozen=True)
class Step:
    what: str
    status: str  # created | changed | already so | skipped
    detail: str = ""

    @property
    def changed(self) -> bool:
        return self.status in (CREATED, CHANGED)


def _foreign(bucket: str, account: str) -> aws.AwsError:
    return aws.AwsError(
        Diagnostic(
            "E426",
            f"bucket {bucket!r} exists but is not owned by account {account} (or these credentials may not reach it)",
            hints=(
                "bucket names are global: pick another artifact_bucket in biaswatch.yaml",
                "if it is yours, check that the credentials are for the account that owns it",
            ),
        ),
        "BucketNotOwned",
    )


def _ensure_bucket(clients: aws.Clients, bucket: str, account: str) -> Step:
    try:
        # ExpectedBucketOwner: S3 answers 403 for a bucket of another account.
        aws.call(
            clients.s3.head_bucket,
            "HeadBucket",
            bucket,
            Bucket=bucket,
            ExpectedBucketOwner=account,
        )
        return Step("bucket", UNCHANGED, bucket)
    except aws.AwsError as exc:
        if exc.error_code in ("403", "AccessDenied"):
            raise _foreign(bucket, account) from exc
        if exc.error_code not in ("404", "NoSuchBucket", "NotFound"):
            raise
    params: dict[str, Any] = {"Bucket": bucket}
    if clients.region != "us-east-1":
        params["CreateBucketConfiguration"] = {"LocationConstraint": clients.region}
    try:
        aws.call(clients.s3.create_bucket, "CreateBucket", bucket, **params)
    except aws.AwsError as exc:
        if exc.error_code == "BucketAlreadyExists":
            raise _foreign(bucket, account) from exc
        if exc.error_code != "BucketAlreadyOwnedByYou":
            raise
        return Step("bucket", UNCHANGED, bucket)
    return Step("bucket", CREATED, f"{bucket} in {clients.region}")


def _encryption_rule(kms_key: str | None) -> dict[str, Any]:
    if kms_key:
        # A bucket key cuts KMS requests (and cost) for every object.
        return {
            "ApplyServerSideEncryptionByDefault": {
                "SSEAlgorithm": "aws:kms",
                "KMSMasterKeyID": kms_key,
            },
            "BucketKeyEnabled": True,
        }
    return {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}


def _rule_key(rule: dict[str, Any]) -> tuple[str, str, bool]:
    default = rule.get("ApplyServerSideEncryptionByDefault", {})
    algorithm = str(default.get("SSEAlgorithm", ""))
    # S3 reports BucketKeyEnabled false for SSE-S3, where it means nothing.
    bucket_key = bool(rule.get("BucketKeyEnabled")) and algorithm != "AES256"
    return algorithm, str(default.get("KMSMasterKeyID", "")), bucket_key


def _describe_rule(rule: tuple[str, str, bool] | None) -> str:
    if rule is None:
        return "none"
    algorithm, key, _ = rule
    return "SSE-S3" if algorithm == "AES256" else f"SSE-KMS with {key or 'the AWS managed key'}"


def _ensure_encryption(clients: aws.Clients, bucket: str, kms_key: str | None) -> Step:
    current: tuple[str, str, bool] | None = None
    try:
        got = aws.call(
            clients.s3.get_bucket_encryption, "GetBucketEncryption", bucket, Bucket=bucket
        )
        rules = got.get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
        current = _rule_key(rules[0]) if rules else None
    except aws.AwsError as exc:
        if exc.error_code != "ServerSideEncryptionConfigurationNotFoundError":
            raise
    wanted_rule = _encryption_rule(kms_key)
    wanted = _rule_key(wanted_rule)
    if current == wanted:
        return Step("default encryption", UNCHANGED, _describe_rule(wanted))
    aws.call(
        clients.s3.put_bucket_encryption,
        "PutBucketEncryption",
        bucket,
        Bucket=bucket,
        ServerSideEncryptionConfiguration={"Rules": [wanted_rule]},
    )
    return Step(
        "default encryption",
        CHANGED,
        f"{_describe_rule(wanted)} (was {_describe_rule(current)})",
    )


def _ensure_versioning(clients: aws.Clients, bucket: str) -> Step:
    got = aws.call(clients.s3.get_bucket_versioning, "GetBucketVersioning", bucket, Bucket=bucket)
    status = got.get("Status")
    if status == "Enabled":
        return Step("versioning", UNCHANGED, "enabled")
    aws.call(
        clients.s3.put_bucket_versioning,
        "PutBucketVersioning",
        bucket,
        Bucket=bucket,
        VersioningConfiguration={"Status": "Enabled"},
    )
    return Step("versioning", CHANGED, f"enabled (was {(status or 'never enabled').lower()})")


def _ensure_public_access_block(clients: aws.Clients, bucket: str) -> Step:
    current: dict[str, Any] = {}
    try:
        got = aws.call(
            clients.s3.get_public_access_block, "GetPublicAccessBlock", bucket, Bucket=bucket
        )
        current = dict(got.get("PublicAccessBlockConfiguration", {}))
    except aws.AwsError as exc:
        if exc.error_code != "NoSuchPublicAccessBlockConfiguration":
            raise
    if all(current.get(k) is True for k in PUBLIC_ACCESS_BLOCK):
        return Step("public access block", UNCHANGED, "all four settings on")
    aws.call(
        clients.s3.put_public_access_block,
        "PutPublicAccessBlock",
        bucket,
        Bucket=bucket,
        PublicAccessBlockConfiguration=dict(PUBLIC_ACCESS_BLOCK),
    )
    off = sorted(k for k in PUBLIC_ACCESS_BLOCK if current.get(k) is not True)
    return Step("public access block", CHANGED, f"turned on {', '.join(off)}")


def tls_statement(bucket: str, region: str) -> dict[str, Any]:
    arn = f"arn:{partition(region)}:s3:::{bucket}"
    return {
        "Sid": TLS_SID,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [arn, f"{arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def _normal(statement: dict[str, Any]) -> dict[str, Any]:
    """A statement in one spelling: S3 may hand back a single-item list as a string."""
    out = dict(statement)
    for key in ("Action", "Resource"):
        value = out.get(key)
        out[key] = sorted([value] if isinstance(value, str) else list(value or []))
    principal = out.get("Principal")
    if isinstance(principal, dict) and list(principal) == ["AWS"] and principal["AWS"] == "*":
        out["Principal"] = "*"
    return out


def _read_policy(clients: aws.Clients, bucket: str) -> dict[str, Any]:
    try:
        got = aws.call(clients.s3.get_bucket_policy, "GetBucketPolicy", bucket, Bucket=bucket)
    except aws.AwsError as exc:
        if exc.error_code != "NoSuchBucketPolicy":
            raise
        return {"Version": "2012-10-17", "Statement": []}
    policy: dict[str, Any] = json.loads(got["Policy"])
    statements = policy.get("Statement", [])
    policy["Statement"] = [statements] if isinstance(statements, dict) else list(statements)
    return policy


def _write_policy(clients: aws.Clients, bucket: str, policy: dict[str, Any]) -> None:
    if policy["Statement"]:
        aws.call(
            clients.s3.put_bucket_policy,
            "PutBucketPolicy",
            bucket,
            Bucket=bucket,
            Policy=json.dumps(policy),
        )
    else:
        aws.call(clients.s3.delete_bucket_policy, "DeleteBucketPolicy", bucket, Bucket=bucket)


def endpoint_uses_tls(clients: aws.Clients) -> bool:
    """Whether the S3 endpoint these clients call is https (AWS itself always is)."""
    return urlsplit(str(clients.s3.meta.endpoint_url)).scheme == "https"


def _ensure_tls_policy(clients: aws.Clients, bucket: str) -> Step:
    what = "TLS-only bucket policy"
    policy = _read_policy(clients, bucket)
    statements = policy["Statement"]
    ours = [s for s in statements if s.get("Sid") == TLS_SID]
    if not endpoint_uses_tls(clients):
        # Every call through a plain-http endpoint (a served emulator) has
        # aws:SecureTransport false: the deny would lock biaswatch out of its own bucket.
        endpoint = clients.s3.meta.endpoint_url
        if ours:
            policy["Statement"] = [s for s in statements if s.get("Sid") != TLS_SID]
            _write_policy(clients, bucket, policy)
            return Step(
                what,
                CHANGED,
                f"removed statement {TLS_SID}: it denies every call through the plain-http endpoint {endpoint}",
            )
        return Step(
            what,
            SKIPPED,
            f"the endpoint {endpoint} is plain http, and denying non-TLS requests would lock biaswatch out; an https endpoint gets it",
        )
    wanted = tls_statement(bucket, clients.region)
    if ours and _normal(ours[0]) == _normal(wanted):
        return Step(what, UNCHANGED, f"statement {TLS_SID} present")
    # Keep every other statement the bucket already has; replace only ours.
    policy["Statement"] = [s for s in statements if s.get("Sid") != TLS_SID] + [wanted]
    _write_policy(clients, bucket, policy)
    verb = "replaced" if ours else "added"
    return Step(what, CHANGED, f"{verb} statement {TLS_SID} (deny without TLS)")


def bootstrap_bucket(
    clients: aws.Clients,
    bucket: str,
    account: str,
    kms_key: str | None = None,
    on_step: Callable[[Step], None] = lambda _: None,
) -> tuple[Step, ...]:
    """Create the bucket if needed, then encryption, versioning, public access block, TLS policy.

    The TLS-only statement is skipped (and removed if an earlier run added it) when the S3
    endpoint is plain http: it would deny biaswatch's own calls.

    Raises AwsError(E426) when the bucket belongs to someone else; any other failure is the
    adapter's translated error for the step that failed (on_step has seen the ones before it).
    """
    actions: list[Callable[[], Step]] = [
        lambda: _ensure_bucket(clients, bucket, account),
        lambda: _ensure_encryption(clients, bucket, kms_key),
        lambda: _ensure_versioning(clients, bucket),
        lambda: _ensure_public_access_block(clients, bucket),
        lambda: _ensure_tls_policy(clients, bucket),
    ]
    steps = []
    for action in actions:
        step = action()
        on_step(step)
        steps.append(step)
    return tuple(steps)
