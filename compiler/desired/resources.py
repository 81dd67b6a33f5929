"""Frozen shapes of desired state: what one monitor file becomes in one environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from compiler.diagnostics import SourceSpan

OWNER_TAG = "biaswatch:project"
SOURCE_TAG = "biaswatch:source"
DELETION_PROTECTION_TAG = "biaswatch:deletion-protection"
# The ETag S3 returned when apply uploaded the definition's analysis config: lets a plan
# see an object altered in place from one listing (desired/artifacts.etag_matches). Set by
# apply, not compiled, so never part of a diff.
CONFIG_ETAG_TAG = "biaswatch:config-etag"
BASELINE_ETAG_TAG = "biaswatch:baseline-etag"  # the same for a baseline file from git
ETAG_TAGS = (CONFIG_ETAG_TAG, BASELINE_ETAG_TAG)
RESERVED_TAG_PREFIX = "biaswatch:"


@dataclass(frozen=True)
class Target:
    """Everything compile needs to know about the environment it compiles for."""

    project: str
    environment: str
    region: str
    account_id: str | None
    artifact_bucket: str
    artifact_prefix: str


@dataclass(frozen=True)
class AlarmRequest:
    """One compiled alarm: its key in the monitor file and the exact PutMetricAlarm request."""

    key: str  # the alarm's `name` in the file (alarms[<key>])
    alarm_name: str
    request: Mapping[str, Any]  # PutMetricAlarm parameters, Tags included


@dataclass(frozen=True)
class Desired:
    """The exact requests and artifacts for one monitor in one environment."""

    name: str
    source_path: str
    job_definition_name: str
    create_job_definition: Mapping[str, Any]
    create_schedule: Mapping[str, Any]
    analysis_config: Mapping[str, Any]
    analysis_config_body: bytes
    analysis_config_sha256: str
    analysis_config_s3_uri: str
    tags: tuple[tuple[str, str], ...]
    enabled: bool
    deletion_protection: bool
    endpoint_name: str | None
    alarms: tuple[AlarmRequest, ...] = ()
    # Where the file names the endpoint, for diagnostics about it (None: not an endpoint monitor).
    endpoint_span: SourceSpan | None = None
    # A baseline file from git (`constraints: <path>`), uploaded content-addressed like the
    # analysis config; None when constraints is an S3 URI or absent.
    baseline_body: bytes | None = None
    baseline_s3_uri: str | None = None

    def artifacts(self) -> tuple[tuple[str, bytes, str], ...]:
        """The S3 objects apply uploads for this monitor: (URI, body, the tag that records
        the ETag S3 gave it), baseline first so the config never points at a missing one."""
        config = (self.analysis_config_s3_uri, self.analysis_config_body, CONFIG_ETAG_TAG)
        if self.baseline_s3_uri and self.baseline_body is not None:
            return ((self.baseline_s3_uri, self.baseline_body, BASELINE_ETAG_TAG), config)
        return (config,)

    def compiled_view(self) -> dict[str, Any]:
        """The `biaswatch compile` output for this monitor (public API)."""
        view: dict[str, Any] = {
            "CreateModelBiasJobDefinition": self.create_job_definition,
            "CreateMonitoringSchedule": self.create_schedule,
            "AnalysisConfig": self.analysis_config,
            "AnalysisConfigS3Uri": self.analysis_config_s3_uri,
        }
        if self.alarms:  # left out without alarms: earlier outputs stay byte-identical
            view["PutMetricAlarm"] = [a.request for a in self.alarms]
        return view
