"""Where biaswatch keeps objects in an artifact bucket: content-addressed configs and the lock (pure)."""

from __future__ import annotations

import hashlib
import re

from compiler.desired.resources import Target

# A content-addressed key ends in the first 16 hex digits of the SHA-256 of its body, so an
# object whose body no longer hashes to its key was altered in place (drift), and a cached
# copy keyed by the URI is valid for ever.
DIGEST_LENGTH = 16
_CONTENT_KEY = re.compile(r"(?:analysis_config|constraints)-([0-9a-f]{16})\.json$")


def analysis_config_key(target: Target, name: str, digest: str) -> str:
    return _content_key(target, name, "analysis_config", digest)


def baseline_key(target: Target, name: str, digest: str) -> str:
    """Where a baseline file from git is uploaded: beside the analysis config, by content."""
    return _content_key(target, name, "constraints", digest)


def _content_key(target: Target, name: str, kind: str, digest: str) -> str:
    prefix = target.artifact_prefix.strip("/")
    parts = [p for p in (prefix, target.environment, name) if p]
    return "/".join([*parts, f"{kind}-{digest[:DIGEST_LENGTH]}.json"])


def is_baseline_key(uri: str) -> bool:
    """A baseline file biaswatch uploaded from git (`constraints-<hash>.json`)."""
    m = _CONTENT_KEY.search(uri)
    return m is not None and m.group(0).startswith("constraints-")


def promised_digest(uri: str) -> str | None:
    """The hash prefix a content-addressed key promises, or None for any other key."""
    m = _CONTENT_KEY.search(uri)
    return m.group(1) if m else None


def body_matches_key(uri: str, body: bytes) -> bool:
    """False only for a content-addressed key whose body hashes to something else."""
    expected = promised_digest(uri)
    return expected is None or hashlib.sha256(body).hexdigest().startswith(expected)


def config_root(uri: str) -> str:
    """The environment's folder of config objects (`s3://b/<prefix>/<env>/`), from one's URI."""
    return uri.rsplit("/", 2)[0] + "/"


def etag_matches(etag: str, body: bytes, recorded: str | None) -> bool:
    """Whether a listed ETag shows the object still holds body: S3's ETag of a single-part
    upload without SSE-KMS is the body's MD5; with SSE-KMS it is not, so the ETag apply
    recorded at upload (tag `biaswatch:config-etag`) counts too."""
    bare = etag.strip('"')
    if not bare:
        return False
    return bare == hashlib.md5(body, usedforsecurity=False).hexdigest() or (
        recorded is not None and bare == recorded.strip('"')
    )


def lock_uri(bucket: str, prefix: str, environment: str) -> str:
    parts = [p for p in (prefix.strip("/"), environment, "biaswatch.lock") if p]
    return f"s3://{bucket}/" + "/".join(parts)
