"""Raw Describe/ListTags/S3 payloads → the live projection, in the desired state's shape.

Server-owned fields (ARNs, times, status, last execution) are dropped and the defaults
SageMaker echoes back are folded on both sides by one function, so that a plan after an
apply is empty. Pure: values in, values out.
"""

from __future__ import annotations

import copy
import enum
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from compiler.desired.artifacts import body_matches_key, is_baseline_key
from compiler.desired.resources import (
    DELETION_PROTECTION_TAG,
    ETAG_TAGS,
    OWNER_TAG,
    SOURCE_TAG,
    Desired,
)
from compiler.state.alarms import LiveAlarm

# Members SageMaker owns; never part of what we compare.
_DEFINITION_SERVER_FIELDS = (
    "JobDefinitionArn",
    "JobDefinitionName",
    "CreationTime",
    "ResponseMetadata",
    "Tags",
)


class EndpointState(enum.StrEnum):
    """What the reader found for a monitor's endpoint (None on a monitor: not checked)."""

    OK = "ok"
    MISSING = "missing"
    NO_CAPTURE = "no-capture"  # capture off, or not of both input and output
    # Exists (ListEndpoints); capture not checked, because the plan sends nothing that
    # depends on it. drift and --verify check every endpoint in full.
    LISTED = "listed"


class ConfigState(enum.StrEnum):
    """The analysis config object a live definition points at."""

    OK = "ok"
    MISSING = "missing"
    ALTERED = "altered"  # its body no longer hashes to its content-addressed key
    UNPARSABLE = "unparsable"
    NONE = "none"  # no definition, or no ConfigUri


@dataclass(frozen=True)
class RawMonitor:
    """What the live reader found for one schedule name."""

    name: str
    schedule: Mapping[str, Any] | None
    schedule_tags: Mapping[str, str]
    job_definition: Mapping[str, Any] | None
    job_definition_tags: Mapping[str, str]
    config_body: bytes | None
    endpoint_state: EndpointState | None = None
    baseline_body: bytes | None = None  # a content-addressed baseline file's object, read

    @property
    def config_uri(self) -> str | None:
        """Where the definition says its analysis config lives."""
        if self.job_definition is None:
            return None
        uri = self.job_definition.get("ModelBiasAppSpecification", {}).get("ConfigUri")
        return uri if isinstance(uri, str) else None


@dataclass(frozen=True)
class RawDefinition:
    name: str
    tags: Mapping[str, str]
    referenced: bool


@dataclass(frozen=True)
class LiveMonitor:
    name: str
    status: str
    failure_reason: str | None
    owner: str | None
    source_path: str | None
    schedule_config: Mapping[str, Any]
    job_definition_name: str | None
    job_definition: Mapping[str, Any] | None
    schedule_tags: Mapping[str, str]
    job_definition_tags: Mapping[str, str]
    config_uri: str | None
    analysis_config: Any
    analysis_config_state: ConfigState
    endpoint_state: EndpointState | None
    last_execution: Mapping[str, Any] | None
    deletion_protection: bool
    fingerprint: str
    # A baseline uploaded from git (a content-addressed constraints object); NONE otherwise.
    baseline_uri: str | None = None
    baseline_state: ConfigState = ConfigState.NONE

    @property
    def exists(self) -> bool:
        return True


@dataclass(frozen=True)
class LiveState:
    monitors: Mapping[str, LiveMonitor]
    definitions: tuple[RawDefinition, ...] = field(default_factory=tuple)
    # The project's CloudWatch alarms (under its name prefix) by alarm name.
    alarms: Mapping[str, LiveAlarm] = field(default_factory=dict)


def normalize_definition(request: Mapping[str, Any]) -> dict[str, Any]:
    """A job definition in one canonical form, from a create request or a Describe response."""
    d = {k: copy.deepcopy(v) for k, v in request.items() if k not in _DEFINITION_SERVER_FIELDS}
    # moto (and possibly SageMaker, UNCONFIRMED) echoes an empty baseline config.
    if not d.get("ModelBiasBaselineConfig"):
        d.pop("ModelBiasBaselineConfig", None)
    app = d.setdefault("ModelBiasAppSpecification", {})
    app.setdefault("Environment", {})
    job_input = d.get("ModelBiasJobInput", {})
    for key in ("EndpointInput", "BatchTransformInput"):
        inp = job_input.get(key)
        if isinstance(inp, dict):
            inp.setdefault("S3InputMode", "File")
            inp.setdefault("S3DataDistributionType", "FullyReplicated")
            if (
                "ProbabilityThresholdAttribute" in inp
                and inp["ProbabilityThresholdAttribute"] is not None
            ):
                inp["ProbabilityThresholdAttribute"] = float(inp["ProbabilityThresholdAttribute"])
    for output in d.get("ModelBiasJobOutputConfig", {}).get("MonitoringOutputs", []):
        if isinstance(output, dict) and isinstance(output.get("S3Output"), dict):
            output["S3Output"].setdefault("S3UploadMode", "Continuous")
    net = d.setdefault("NetworkConfig", {})
    net.setdefault("EnableInterContainerTrafficEncryption", False)
    net.setdefault("EnableNetworkIsolation", False)
    return d


def normalize_schedule_config(config: Mapping[str, Any]) -> dict[str, Any]:
    out = {
        k: copy.deepcopy(v)
        for k, v in config.items()
        if k in ("ScheduleConfig", "MonitoringJobDefinitionName", "MonitoringType")
    }
    return out


def desired_definition(desired: Desired) -> dict[str, Any]:
    return normalize_definition(desired.create_job_definition)


def desired_schedule_config(desired: Desired) -> dict[str, Any]:
    return normalize_schedule_config(desired.create_schedule["MonitoringScheduleConfig"])


def desired_tags(desired: Desired) -> dict[str, str]:
    return dict(desired.tags)


def user_tags(tags: Mapping[str, str]) -> dict[str, str]:
    """Tags compared with git: all but the aws: ones SageMaker may add, and the config ETag
    apply records (state about the object, not part of the monitor)."""
    return {
        k: v for k, v in tags.items() if not k.lower().startswith("aws:") and k not in ETAG_TAGS
    }


def _sha(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def config_state(uri: str | None, body: bytes | None) -> tuple[ConfigState, Any]:
    """Parse an analysis config object and check it against the hash in its key."""
    if uri is None:
        return ConfigState.NONE, None
    if body is None:
        return ConfigState.MISSING, None
    try:
        parsed = json.loads(body)
    except ValueError:
        return ConfigState.UNPARSABLE, None
    if not body_matches_key(uri, body):
        return ConfigState.ALTERED, parsed
    return ConfigState.OK, parsed


def uploaded_baseline_uri(definition: Mapping[str, Any] | None) -> str | None:
    """The definition's baseline URI when biaswatch uploaded it from a file in git (a
    content-addressed constraints key); None for an S3 URI the user gave, or none."""
    uri = (
        (definition or {})
        .get("ModelBiasBaselineConfig", {})
        .get("ConstraintsResource", {})
        .get("S3Uri")
    )
    return uri if isinstance(uri, str) and is_baseline_key(uri) else None


def project_monitor(raw: RawMonitor) -> LiveMonitor | None:
    if raw.schedule is None:
        return None
    sched = raw.schedule
    config = normalize_schedule_config(sched.get("MonitoringScheduleConfig", {}))
    definition = (
        normalize_definition(raw.job_definition) if raw.job_definition is not None else None
    )
    uri = (
        raw.job_definition["ModelBiasAppSpecification"].get("ConfigUri")
        if raw.job_definition
        else None
    )
    state, parsed = (
        config_state(uri, raw.config_body) if raw.job_definition else (ConfigState.NONE, None)
    )
    baseline_uri = uploaded_baseline_uri(raw.job_definition)
    baseline_state = (
        config_state(baseline_uri, raw.baseline_body)[0] if baseline_uri else ConfigState.NONE
    )
    stags = user_tags(raw.schedule_tags)
    jtags = user_tags(raw.job_definition_tags)
    last = sched.get("LastMonitoringExecutionSummary")
    fingerprint = _sha(
        {
            "schedule": config,
            "definition": definition,
            "schedule_tags": stags,
            "definition_tags": jtags,
            "config": parsed,
            "config_state": state,
            **({"baseline_state": baseline_state} if baseline_uri else {}),
            "stopped": sched.get("MonitoringScheduleStatus") == "Stopped",
        }
    )
    return LiveMonitor(
        name=raw.name,
        status=str(sched.get("MonitoringScheduleStatus", "")),
        failure_reason=sched.get("FailureReason"),
        owner=stags.get(OWNER_TAG),
        source_path=stags.get(SOURCE_TAG),
        schedule_config=config,
        job_definition_name=config.get("MonitoringJobDefinitionName"),
        job_definition=definition,
        schedule_tags=stags,
        job_definition_tags=jtags,
        config_uri=uri,
        analysis_config=parsed,
        analysis_config_state=state,
        endpoint_state=raw.endpoint_state,
        last_execution=dict(last) if last else None,
        deletion_protection=stags.get(DELETION_PROTECTION_TAG) == "true",
        fingerprint=fingerprint,
        baseline_uri=baseline_uri,
        baseline_state=baseline_state,
    )


def project_state(raws: list[RawMonitor], definitions: list[RawDefinition]) -> LiveState:
    monitors = {}
    for raw in raws:
        live = project_monitor(raw)
        if live is not None:
            monitors[live.name] = live
    return LiveState(monitors, tuple(definitions))


def absent_fingerprint() -> str:
    return _sha(None)
