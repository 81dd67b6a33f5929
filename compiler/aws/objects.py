"""S3 objects in the artifact bucket: read, list, write (conditionally for the lock),
delete, and the bucket itself. A write into a bucket that does not exist says how to
create it (`biaswatch bootstrap`). Calls go through the client's `call`, so errors are
translated to diagnostics like every other AWS call."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from compiler.aws.client import AwsError, Clients, call


def split_s3_uri(uri: str) -> tuple[str, str]:
    rest = uri.split("://", 1)[1]
    bucket, _, key = rest.partition("/")
    return bucket, key


def read_object(clients: Clients, uri: str) -> bytes | None:
    bucket, key = split_s3_uri(uri)
    try:
        response = call(clients.s3.get_object, "GetObject", uri, Bucket=bucket, Key=key)
    except AwsError as exc:
        if exc.error_code in ("NoSuchKey", "NoSuchBucket", "404", "AccessDenied"):
            return None
        raise
    return bytes(response["Body"].read())


def read_object_with_etag(clients: Clients, uri: str) -> tuple[bytes, str] | None:
    """The object's body and ETag (for a conditional write that follows), or None when absent."""
    bucket, key = split_s3_uri(uri)
    try:
        response = call(clients.s3.get_object, "GetObject", uri, Bucket=bucket, Key=key)
    except AwsError as exc:
        if exc.error_code in ("NoSuchKey", "NoSuchBucket", "404"):
            return None
        raise
    return bytes(response["Body"].read()), str(response.get("ETag", ""))


def list_keys(clients: Clients, uri: str) -> Iterator[dict[str, Any]]:
    bucket, prefix = split_s3_uri(uri)
    token: str | None = None
    while True:
        params: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix.rstrip("/") + "/"}
        if token:
            params["ContinuationToken"] = token
        try:
            page = call(clients.s3.list_objects_v2, "ListObjectsV2", uri, **params)
        except AwsError as exc:
            if exc.error_code in ("NoSuchBucket", "AccessDenied"):
                return
            raise
        yield from page.get("Contents", [])
        if not page.get("IsTruncated"):
            return
        token = page.get("NextContinuationToken")


def list_object_etags(clients: Clients, uri: str) -> dict[str, str] | None:
    """Every object under a prefix, as s3:// URI → ETag, in 1,000-key pages; None when
    listing is denied (the caller falls back to reading each object), {} without a bucket."""
    bucket, prefix = split_s3_uri(uri)
    out: dict[str, str] = {}
    token: str | None = None
    while True:
        params: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
        if token:
            params["ContinuationToken"] = token
        try:
            page = call(clients.s3.list_objects_v2, "ListObjectsV2", uri, **params)
        except AwsError as exc:
            if exc.error_code == "NoSuchBucket":
                return {}
            if exc.error_code == "AccessDenied":
                return None
            raise
        for o in page.get("Contents", []):
            out[f"s3://{bucket}/{o['Key']}"] = str(o.get("ETag", ""))
        if not page.get("IsTruncated"):
            return out
        token = page.get("NextContinuationToken")


# ---- writes --------------------------------------------------------------------------


def put_object(clients: Clients, uri: str, body: bytes, source: str | None = None) -> str:
    """Write an object; its ETag as S3 returned it (quotes included), "" if none came back."""
    bucket, key = split_s3_uri(uri)
    params: dict[str, Any] = {
        "Bucket": bucket,
        "Key": key,
        "Body": body,
        "ContentType": "application/json",
    }
    try:
        response = call(clients.s3.put_object, "PutObject", uri, source, **params)
    except AwsError as exc:
        raise _with_bootstrap_hint(exc, clients, bucket) from exc
    return str(response.get("ETag", ""))


def put_object_conditional(
    clients: Clients, uri: str, body: bytes, *, if_match: str | None = None
) -> str | None:
    """Create the object only if absent (if_match None: `If-None-Match: *`), or replace it
    only if its ETag is still if_match; the new ETag, or None when the condition failed.

    S3 answers a failed condition with 412, and If-Match on a missing key with 404; both
    mean "not written". 409 ConditionalRequestConflict (a concurrent conditional write) is
    left to the caller: botocore does not retry it (reference/reliability.md)."""
    bucket, key = split_s3_uri(uri)
    params: dict[str, Any] = {
        "Bucket": bucket,
        "Key": key,
        "Body": body,
        "ContentType": "application/json",
    }
    if if_match is None:
        params["IfNoneMatch"] = "*"
    else:
        params["IfMatch"] = if_match
    try:
        response = call(clients.s3.put_object, "PutObject", uri, **params)
    except AwsError as exc:
        if exc.error_code in ("PreconditionFailed", "412"):
            return None
        if if_match is not None and exc.error_code in ("NoSuchKey", "404"):
            return None
        raise _with_bootstrap_hint(exc, clients, bucket) from exc
    return str(response.get("ETag", ""))


def delete_object(clients: Clients, uri: str) -> None:
    bucket, key = split_s3_uri(uri)
    try:
        call(clients.s3.delete_object, "DeleteObject", uri, Bucket=bucket, Key=key)
    except AwsError as exc:
        raise _with_bootstrap_hint(exc, clients, bucket) from exc


def _with_bootstrap_hint(exc: AwsError, clients: Clients, bucket: str) -> AwsError:
    """A write into a bucket that does not exist: say how to create it."""
    if exc.error_code != "NoSuchBucket":
        return exc
    env = f" --env {clients.environment}" if clients.environment else ""
    hint = f"bucket {bucket!r} does not exist: create it with `biaswatch bootstrap{env}`"
    diagnostic = dataclasses.replace(exc.diagnostic, hints=(*exc.diagnostic.hints, hint))
    return AwsError(diagnostic, exc.error_code)


def ensure_bucket(clients: Clients, bucket: str) -> None:
    try:
        call(clients.s3.head_bucket, "HeadBucket", bucket, Bucket=bucket)
        return
    except AwsError as exc:
        if exc.error_code not in ("404", "NoSuchBucket", "NotFound"):
            raise
    params: dict[str, Any] = {"Bucket": bucket}
    if clients.region != "us-east-1":
        params["CreateBucketConfiguration"] = {"LocationConstraint": clients.region}
    call(clients.s3.create_bucket, "CreateBucket", bucket, **params)
