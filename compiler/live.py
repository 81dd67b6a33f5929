"""Read live state: the environment's bias schedules, their definitions, tags and configs.

Concurrent within a bound on one shared client. Analysis configs at content-addressed
keys are cached on disk by key and verified against the hash in the key when read back.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compiler import aws
from compiler.project import LiveState, RawDefinition, RawMonitor, project_state
from compiler.resources import OWNER_TAG, Desired

_CONTENT_KEY = re.compile(r"analysis_config-([0-9a-f]{16})\.json$")


@dataclass(frozen=True)
class LiveRead:
    state: LiveState
    raw: Mapping[str, RawMonitor]
    endpoint_states: Mapping[str, str]


class ConfigCache:
    """Content-addressed analysis configs on disk; never trusted without checking the hash."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def _path(self, uri: str) -> Path | None:
        m = _CONTENT_KEY.search(uri)
        if self.folder is None or m is None:
            return None
        return self.folder / hashlib.sha256(uri.encode()).hexdigest()[:32]

    def get(self, uri: str) -> bytes | None:
        path = self._path(uri)
        if path is None or not path.is_file():
            return None
        body = path.read_bytes()
        m = _CONTENT_KEY.search(uri)
        if m and hashlib.sha256(body).hexdigest().startswith(m.group(1)):
            return body
        return None

    def put(self, uri: str, body: bytes) -> None:
        path = self._path(uri)
        m = _CONTENT_KEY.search(uri)
        # Only bodies that match their key's hash are cached: an altered object stays visible.
        if path is None or m is None or not hashlib.sha256(body).hexdigest().startswith(m.group(1)):
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(body)
        tmp.replace(path)


def _read_config(clients: aws.Clients, cache: ConfigCache, uri: str | None) -> bytes | None:
    if not uri:
        return None
    cached = cache.get(uri)
    if cached is not None:
        return cached
    body = aws.read_object(clients, uri)
    if body is not None:
        cache.put(uri, body)
    return body


def _read_monitor(
    clients: aws.Clients, cache: ConfigCache, project: str, name: str, desired_names: set[str]
) -> RawMonitor:
    schedule = aws.describe_schedule(clients, name)
    if schedule is None:
        return RawMonitor(name, None, {}, None, {}, None)
    tags = aws.list_tags(clients, schedule["MonitoringScheduleArn"])
    if tags.get(OWNER_TAG) != project and name not in desired_names:
        return RawMonitor(name, schedule, tags, None, {}, None)
    jd_name = schedule.get("MonitoringScheduleConfig", {}).get("MonitoringJobDefinitionName")
    jd = aws.describe_job_definition(clients, jd_name) if jd_name else None
    jd_tags = aws.list_tags(clients, jd["JobDefinitionArn"]) if jd else {}
    body = (
        _read_config(clients, cache, jd["ModelBiasAppSpecification"].get("ConfigUri"))
        if jd
        else None
    )
    return RawMonitor(name, schedule, tags, jd, jd_tags, body)


def _endpoint_state(clients: aws.Clients, name: str) -> str:
    endpoint = aws.describe_endpoint(clients, name)
    if endpoint is None:
        return "missing"
    capture: Mapping[str, Any] = endpoint.get("DataCaptureConfig") or {}
    if not capture.get("EnableCapture", False):
        return "no-capture"
    # DescribeEndpoint summarises capture without its modes; the endpoint config has them.
    config = aws.describe_endpoint_config(clients, endpoint.get("EndpointConfigName", ""))
    options = (config or {}).get("DataCaptureConfig", {}).get("CaptureOptions")
    if options is not None and not {"Input", "Output"} <= {o.get("CaptureMode") for o in options}:
        return "no-capture"
    return "ok"


def read_live(
    clients: aws.Clients,
    project: str,
    desired: Sequence[Desired],
    cache_dir: Path | None = None,
    *,
    use_cache: bool = True,
    check_endpoints: bool = True,
) -> LiveRead:
    """Everything plan and drift need, in about two describes per managed monitor."""
    cache = ConfigCache(cache_dir if use_cache else None)
    desired_names = {d.name for d in desired}
    summaries = aws.list_bias_schedules(clients)
    names = sorted({s["MonitoringScheduleName"] for s in summaries} | desired_names)
    listed = {s["MonitoringScheduleName"] for s in summaries}
    # Desired names the list did not return (eventual consistency or paging) are still described.
    raws = clients.map(
        lambda n: (
            _read_monitor(clients, cache, project, n, desired_names)
            if n in listed or n in desired_names
            else None
        ),
        names,
    )
    raw_by_name = {r.name: r for r in raws if r is not None}

    referenced = {
        r.schedule.get("MonitoringScheduleConfig", {}).get("MonitoringJobDefinitionName")
        for r in raw_by_name.values()
        if r.schedule is not None
    }
    wanted_defs = {d.job_definition_name for d in desired}
    candidates = [
        s
        for s in aws.list_bias_job_definitions(clients)
        if s["MonitoringJobDefinitionName"] not in referenced
        and s["MonitoringJobDefinitionName"] not in wanted_defs
    ]
    definition_tags = clients.map(
        lambda s: aws.list_tags(clients, s["MonitoringJobDefinitionArn"]), candidates
    )
    definitions = [
        RawDefinition(s["MonitoringJobDefinitionName"], tags, False)
        for s, tags in zip(candidates, definition_tags, strict=True)
        if tags.get(OWNER_TAG) == project
    ]
    endpoint_states: dict[str, str] = {}
    if check_endpoints:
        endpoints = sorted({d.endpoint_name for d in desired if d.endpoint_name})
        endpoint_states = dict(
            zip(
                endpoints,
                clients.map(lambda e: _endpoint_state(clients, e), endpoints),
                strict=True,
            )
        )
    endpoint_of = {d.name: d.endpoint_name for d in desired}
    with_endpoints = []
    for raw in raw_by_name.values():
        endpoint = endpoint_of.get(raw.name)
        if endpoint is None and raw.job_definition is not None:
            endpoint = (
                raw.job_definition.get("ModelBiasJobInput", {})
                .get("EndpointInput", {})
                .get("EndpointName")
            )
        with_endpoints.append(
            dataclasses.replace(raw, endpoint_state=endpoint_states.get(endpoint or ""))
        )
    return LiveRead(project_state(with_endpoints, definitions), raw_by_name, endpoint_states)


def read_violation_bodies(clients: aws.Clients, live: LiveRead) -> dict[str, bytes | None]:
    """The newest constraint_violations.json under each violating monitor's output prefix."""
    out: dict[str, bytes | None] = {}
    for name, monitor in live.state.monitors.items():
        last = monitor.last_execution or {}
        if last.get("MonitoringExecutionStatus") != "CompletedWithViolations":
            continue
        raw = live.raw.get(name)
        outputs = (
            (raw.job_definition or {})
            .get("ModelBiasJobOutputConfig", {})
            .get("MonitoringOutputs", [])
            if raw
            else []
        )
        if not outputs:
            out[name] = None
            continue
        prefix = outputs[0]["S3Output"]["S3Uri"]
        keys = [
            o
            for o in aws.list_keys(clients, prefix)
            if o["Key"].endswith("constraint_violations.json")
        ]
        if not keys:
            out[name] = None
            continue
        newest = max(keys, key=lambda o: (o.get("LastModified"), o["Key"]))
        bucket, _ = aws.split_s3_uri(prefix)
        out[name] = aws.read_object(clients, f"s3://{bucket}/{newest['Key']}")
    return out
