"""Read live state: the environment's bias schedules, their definitions, tags and configs.

Concurrent within a bound on one shared client. Analysis configs at content-addressed
keys are cached on disk by key and verified against the hash in the key when read back.

Tags come in pages: one Resource Groups Tagging API `GetResources` walk (100 resources a
page) returns every schedule and bias job definition carrying this project's ownership
tag, with all their tags. So a managed monitor costs two describes on a warm cache. The
tagging API is eventually consistent, so a resource it did not return is never taken to
be unowned: its tags are read with ListTags — which is also how unowned schedules that
collide with a monitor's name are read. When GetResources is denied (no
`tag:GetResources` permission) or the endpoint does not know it, every resource falls back
to ListTags, as before: slower, same result.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from compiler.aws import client as aws
from compiler.aws import objects
from compiler.aws.alarms import ALARM_TYPE, read_alarms, with_alarm_tags
from compiler.desired.artifacts import body_matches_key, config_root, etag_matches, promised_digest
from compiler.desired.resources import OWNER_TAG, Desired
from compiler.diagnostics import SourceSpan
from compiler.state.projection import (
    EndpointState,
    LiveState,
    RawDefinition,
    RawMonitor,
    desired_schedule_config,
    normalize_schedule_config,
    project_state,
    uploaded_baseline_uri,
)

T = TypeVar("T")


@dataclass(frozen=True)
class LiveRead:
    state: LiveState
    raw: Mapping[str, RawMonitor]
    endpoint_states: Mapping[str, EndpointState]


class ConfigCache:
    """Content-addressed analysis configs on disk; never trusted without checking the hash."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def _path(self, uri: str) -> Path | None:
        if self.folder is None or promised_digest(uri) is None:
            return None
        return self.folder / hashlib.sha256(uri.encode()).hexdigest()[:32]

    def get(self, uri: str) -> bytes | None:
        path = self._path(uri)
        if path is None or not path.is_file():
            return None
        body = path.read_bytes()
        return body if body_matches_key(uri, body) else None

    def put(self, uri: str, body: bytes) -> None:
        path = self._path(uri)
        # Only bodies that match their key's hash are cached: an altered object stays visible.
        if path is None or not body_matches_key(uri, body):
            return
        # A temporary file of our own (concurrent plans share the cache), renamed atomically:
        # a reader sees the old file or the whole new one, never a half-written one. A cache
        # that cannot be written only makes the next run slower.
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
        except OSError:
            return
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(body)
            os.replace(tmp, path)
        except BaseException as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            if not isinstance(exc, OSError):
                raise


def _read_config(clients: aws.Clients, cache: ConfigCache, uri: str | None) -> bytes | None:
    if not uri:
        return None
    cached = cache.get(uri)
    if cached is not None:
        return cached
    body = objects.read_object(clients, uri)
    if body is not None:
        cache.put(uri, body)
    return body


SCHEDULE_TYPE = "sagemaker:monitoring-schedule"
DEFINITION_TYPE = "sagemaker:model-bias-job-definition"


class Tags:
    """Tags by ARN: from the tagging pages when they have the ARN, else one ListTags."""

    def __init__(self, paged: Mapping[str, Mapping[str, str]] | None) -> None:
        # None: the tagging API is unavailable; every lookup is a ListTags.
        # Keys lower-cased: SageMaker ARNs are lower-case, names in them may not be.
        self.paged = None if paged is None else {a.lower(): dict(t) for a, t in paged.items()}

    @property
    def available(self) -> bool:
        return self.paged is not None

    def paged_for(self, arn: str) -> dict[str, str] | None:
        found = self.paged.get(arn.lower()) if self.paged is not None else None
        return dict(found) if found is not None else None

    def get(self, clients: aws.Clients, arn: str) -> dict[str, str]:
        found = self.paged_for(arn)
        return found if found is not None else aws.list_tags(clients, arn)


def read_owned_tags(clients: aws.Clients, project: str) -> Tags:
    """One GetResources walk: the project's schedules, bias definitions and alarms, all
    their tags."""
    return Tags(
        aws.tagged_resources(
            clients,
            [{"Key": OWNER_TAG, "Values": [project]}],
            [SCHEDULE_TYPE, DEFINITION_TYPE, ALARM_TYPE],
        )
    )


@dataclass(frozen=True)
class _Described:
    """A schedule, its definition and its analysis config: everything but the tags."""

    schedule: Mapping[str, Any] | None
    definition: Mapping[str, Any] | None
    config_body: bytes | None
    trusted: Desired | None = None  # definition not described: its name is its content
    baseline_body: bytes | None = None


def _describe(
    clients: aws.Clients,
    cache: ConfigCache,
    name: str,
    schedule: Mapping[str, Any] | None = None,
    trusted: Desired | None = None,
) -> _Described:
    if schedule is None:
        schedule = aws.describe_schedule(clients, name)
    if schedule is None:
        return _Described(None, None, None)
    jd_name = schedule.get("MonitoringScheduleConfig", {}).get("MonitoringJobDefinitionName")
    if trusted is not None and jd_name == trusted.job_definition_name:
        # Content-addressed: a definition with exactly this name was compiled from exactly
        # this request, and definitions are immutable. Whether it still exists and is ours
        # is settled against the tagging pages in _with_tags (else it is described there).
        return _Described(schedule, None, None, trusted)
    jd = aws.describe_job_definition(clients, jd_name) if jd_name else None
    body = (
        _read_config(clients, cache, jd["ModelBiasAppSpecification"].get("ConfigUri"))
        if jd
        else None
    )
    return _Described(schedule, jd, body, baseline_body=_read_baseline(clients, cache, jd))


def _with_tags(
    clients: aws.Clients,
    name: str,
    found: _Described,
    tags_by_arn: Tags,
    config_etags: Mapping[str, str] | None,
    schedule_tags: Mapping[str, str] | None = None,
) -> RawMonitor:
    if found.schedule is None:
        return RawMonitor(name, None, {}, None, {}, None)
    tags = (
        dict(schedule_tags)
        if schedule_tags is not None
        else tags_by_arn.get(clients, found.schedule["MonitoringScheduleArn"])
    )
    jd = found.definition
    body = found.config_body
    baseline = found.baseline_body
    if found.trusted is not None:
        arn = _definition_arn(
            found.schedule["MonitoringScheduleArn"], found.trusted.job_definition_name
        )
        paged = tags_by_arn.paged_for(arn)
        if paged is not None and paged.get(OWNER_TAG) == tags.get(OWNER_TAG):
            request = {k: v for k, v in found.trusted.create_job_definition.items() if k != "Tags"}
            jd = {**request, "JobDefinitionArn": arn}
            trusted = found.trusted
            held = {
                uri: _listed_or_read(clients, uri, expected, paged.get(tag), config_etags)
                for uri, expected, tag in trusted.artifacts()
            }
            body = held[trusted.analysis_config_s3_uri]
            baseline = held.get(trusted.baseline_s3_uri or "")
        else:  # not in the pages (deleted, foreign, or too new for them): read it for real
            jd_name = found.trusted.job_definition_name
            jd = aws.describe_job_definition(clients, jd_name)
            uri = jd["ModelBiasAppSpecification"].get("ConfigUri") if jd else None
            body = objects.read_object(clients, uri) if uri else None
            baseline = _read_baseline(clients, ConfigCache(None), jd)
    # Needed for retag diffs; a definition missing from the pages (just created, or not
    # ours) is read with ListTags.
    jd_tags = tags_by_arn.get(clients, jd["JobDefinitionArn"]) if jd else {}
    return RawMonitor(name, found.schedule, tags, jd, jd_tags, body, baseline_body=baseline)


def _listed_or_read(
    clients: aws.Clients,
    uri: str,
    body: bytes,
    recorded_etag: str | None,
    config_etags: Mapping[str, str] | None,
) -> bytes | None:
    """The body of an artifact of a definition taken from desired state. The listing's ETag
    shows the object unchanged at no cost; otherwise (altered, deleted, not listed yet, or
    listing denied) the object itself is read, never the disk cache, so the plan sees what
    S3 holds."""
    etag = (config_etags or {}).get(uri)
    if etag is not None and etag_matches(etag, body, recorded_etag):
        return body
    return objects.read_object(clients, uri)


def _read_baseline(
    clients: aws.Clients, cache: ConfigCache, definition: Mapping[str, Any] | None
) -> bytes | None:
    """The object of a baseline file biaswatch uploaded from git, if the definition has one."""
    uri = uploaded_baseline_uri(definition)
    return _read_config(clients, cache, uri) if uri else None


def _definition_arn(schedule_arn: str, definition_name: str) -> str:
    """The definition's ARN in the schedule's account and region."""
    head = schedule_arn.split(":monitoring-schedule/", 1)[0]
    return f"{head}:model-bias-job-definition/{definition_name}"


def _read_listed(
    clients: aws.Clients,
    cache: ConfigCache,
    project: str,
    name: str,
    tags_by_arn: Tags,
    config_etags: Mapping[str, str] | None,
) -> RawMonitor:
    """A listed schedule no monitor file names: its definition is read only if it is ours."""
    schedule = aws.describe_schedule(clients, name)
    if schedule is None:
        return RawMonitor(name, None, {}, None, {}, None)
    tags = tags_by_arn.get(clients, schedule["MonitoringScheduleArn"])
    if tags.get(OWNER_TAG) != project:
        return RawMonitor(name, schedule, tags, None, {}, None)
    found = _describe(clients, cache, name, schedule)
    return _with_tags(clients, name, found, tags_by_arn, config_etags, tags)


def _located(source: str, task: Callable[[], T]) -> T:
    """Run a read for one monitor file; an AWS error then names that file too."""
    try:
        return task()
    except aws.AwsError as exc:
        if exc.diagnostic.span is None:
            located = dataclasses.replace(exc.diagnostic, span=SourceSpan(source))
            raise aws.AwsError(located, exc.error_code) from exc
        raise


def _endpoint_state(clients: aws.Clients, name: str) -> EndpointState:
    endpoint = aws.describe_endpoint(clients, name)
    if endpoint is None:
        return EndpointState.MISSING
    capture: Mapping[str, Any] = endpoint.get("DataCaptureConfig") or {}
    if not capture.get("EnableCapture", False):
        return EndpointState.NO_CAPTURE
    # DescribeEndpoint summarises capture without its modes; the endpoint config has them.
    config = aws.describe_endpoint_config(clients, endpoint.get("EndpointConfigName", ""))
    options = (config or {}).get("DataCaptureConfig", {}).get("CaptureOptions")
    if options is not None and not {"Input", "Output"} <= {o.get("CaptureMode") for o in options}:
        return EndpointState.NO_CAPTURE
    return EndpointState.OK


@dataclass(frozen=True)
class _FirstPass:
    """What the first concurrent pass read, by name rather than by position in one list."""

    summaries: list[dict[str, Any]]
    tags: Tags
    listed_definitions: list[dict[str, Any]]
    alarms: list[dict[str, Any]]
    config_etags: dict[str, str] | None  # None: not listed (drift reads every object)
    endpoint_names: set[str] | None  # None: not listed (or denied): describe each endpoint
    endpoint_states: dict[str, EndpointState]
    described: dict[str, _Described]


def _first_pass(
    clients: aws.Clients,
    project: str,
    cache: ConfigCache,
    by_name: Mapping[str, Desired],
    endpoints: Sequence[str],
    verify_definitions: bool,
    list_endpoints: bool,
) -> _FirstPass:
    """One pool: the three page walks (serial pages each, so started first), the endpoint
    checks, and the describes of every desired monitor — which need neither the list (a
    desired name the list misses is described anyway) nor the tags."""
    tasks: dict[tuple[str, str], Callable[[], Any]] = {
        ("list", "schedules"): lambda: aws.list_bias_schedules(clients),
        ("list", "tags"): lambda: read_owned_tags(clients, project),
        ("list", "definitions"): lambda: aws.list_bias_job_definitions(clients),
        ("list", "alarms"): lambda: read_alarms(clients, project),  # pages; see aws/alarms.py
    }
    # One listing of the environment's config objects (1,000 ETags a page) shows which
    # trusted definitions' objects were altered or deleted; only those are then read.
    roots = sorted({config_root(d.analysis_config_s3_uri) for d in by_name.values()})
    if not verify_definitions:
        for root in roots:
            tasks[("configs", root)] = functools.partial(objects.list_object_etags, clients, root)
    if list_endpoints:
        tasks[("list", "endpoints")] = functools.partial(aws.list_endpoint_names, clients)
    for e in endpoints:
        tasks[("endpoint", e)] = functools.partial(_endpoint_state, clients, e)
    for n in sorted(by_name):
        trusted = None if verify_definitions else by_name[n]
        tasks[("describe", n)] = functools.partial(
            _located,
            by_name[n].source_path,
            functools.partial(_describe, clients, cache, n, None, trusted),
        )
    keys = list(tasks)
    results = dict(zip(keys, clients.map(lambda key: tasks[key](), keys), strict=True))
    return _FirstPass(
        summaries=results[("list", "schedules")],
        tags=results[("list", "tags")],
        listed_definitions=results[("list", "definitions")],
        alarms=results[("list", "alarms")],
        config_etags=_merged([results.get(("configs", r)) for r in roots]),
        endpoint_names=results.get(("list", "endpoints")),
        endpoint_states={e: results[("endpoint", e)] for e in endpoints},
        described={n: results[("describe", n)] for n in sorted(by_name)},
    )


def _sent_endpoints(
    by_name: Mapping[str, Desired], described: Mapping[str, _Described]
) -> set[str]:
    """Endpoints of the monitors this plan will send to SageMaker (create, re-point or
    re-send a Failed schedule): only they need the capture check before apply. A schedule
    that already holds exactly the desired config (its definition name is the hash of a
    request naming the endpoint) sends nothing that depends on the endpoint."""
    out = set()
    for name, d in by_name.items():
        if not d.endpoint_name:
            continue
        schedule = described[name].schedule
        if (
            schedule is None
            or schedule.get("MonitoringScheduleStatus") == "Failed"
            or normalize_schedule_config(schedule.get("MonitoringScheduleConfig", {}))
            != desired_schedule_config(d)
        ):
            out.add(d.endpoint_name)
    return out


def _endpoint_states(
    clients: aws.Clients,
    by_name: Mapping[str, Desired],
    first: _FirstPass,
    endpoints: Sequence[str],
) -> dict[str, EndpointState]:
    """With the ListEndpoints pages: a full check (DescribeEndpoint + DescribeEndpointConfig)
    for the endpoints of monitors being sent, existence from the pages for the rest."""
    listed = first.endpoint_names
    if listed is None:  # listing denied: describe every endpoint, as drift does
        full = sorted(endpoints)
    else:
        full = sorted(e for e in _sent_endpoints(by_name, first.described) if e in listed)
    checked = dict(
        zip(full, clients.map(functools.partial(_endpoint_state, clients), full), strict=True)
    )
    return {
        e: checked.get(e)
        or (EndpointState.LISTED if e in (listed or ()) else EndpointState.MISSING)
        for e in endpoints
    }


def _merged(listings: Sequence[dict[str, str] | None]) -> dict[str, str] | None:
    """One URI → ETag map; None if any listing was skipped or denied."""
    out: dict[str, str] = {}
    for listing in listings:
        if listing is None:
            return None
        out.update(listing)
    return out


def _cleanup_candidates(
    clients: aws.Clients,
    project: str,
    first: _FirstPass,
    raw_by_name: Mapping[str, RawMonitor],
    desired: Sequence[Desired],
) -> list[RawDefinition]:
    """Owned definitions no schedule references and no monitor wants.

    With the tagging pages, one the pages did not return is left alone this time (not ours,
    or tagged moments ago; the next run sees it) — so other projects' definitions cost no
    call. Cleanup re-reads a definition's tags with ListTags before deleting it, so a stale
    page cannot delete what is no longer ours.
    """
    referenced = {
        r.schedule.get("MonitoringScheduleConfig", {}).get("MonitoringJobDefinitionName")
        for r in raw_by_name.values()
        if r.schedule is not None
    }
    wanted_defs = {d.job_definition_name for d in desired}
    candidates = [
        s
        for s in first.listed_definitions
        if s["MonitoringJobDefinitionName"] not in referenced
        and s["MonitoringJobDefinitionName"] not in wanted_defs
    ]
    definition_tags = clients.map(
        lambda s: (
            first.tags.paged_for(s["MonitoringJobDefinitionArn"]) or {}
            if first.tags.available
            else aws.list_tags(clients, s["MonitoringJobDefinitionArn"])
        ),
        candidates,
    )
    return [
        RawDefinition(s["MonitoringJobDefinitionName"], tags, False)
        for s, tags in zip(candidates, definition_tags, strict=True)
        if tags.get(OWNER_TAG) == project
    ]


def _with_endpoint_states(
    raws: Sequence[RawMonitor],
    desired: Sequence[Desired],
    endpoint_states: Mapping[str, EndpointState],
) -> list[RawMonitor]:
    endpoint_of = {d.name: d.endpoint_name for d in desired}
    out = []
    for raw in raws:
        endpoint = endpoint_of.get(raw.name)
        if endpoint is None and raw.job_definition is not None:
            endpoint = (
                raw.job_definition.get("ModelBiasJobInput", {})
                .get("EndpointInput", {})
                .get("EndpointName")
            )
        out.append(dataclasses.replace(raw, endpoint_state=endpoint_states.get(endpoint or "")))
    return out


def read_live(
    clients: aws.Clients,
    project: str,
    desired: Sequence[Desired],
    cache_dir: Path | None = None,
    *,
    use_cache: bool = True,
    check_endpoints: bool = True,
    verify_definitions: bool = False,
) -> LiveRead:
    """Everything plan and drift need, in about one describe per managed monitor.

    A definition whose name is the one compile derives from the desired request is taken
    from the desired state when the tagging pages show it exists and is ours (names are
    content hashes; definitions are immutable). verify_definitions=True describes every
    definition and re-reads every analysis config (drift does this).
    """
    cache = ConfigCache(cache_dir if use_cache else None)
    by_name = {d.name: d for d in desired}
    endpoints = (
        sorted({d.endpoint_name for d in desired if d.endpoint_name}) if check_endpoints else []
    )
    # The default plan checks endpoints in full only for monitors it sends (ListEndpoints
    # pages show the rest exist); --verify and drift check every endpoint in full.
    list_endpoints = bool(endpoints) and not verify_definitions
    first = _first_pass(
        clients,
        project,
        cache,
        by_name,
        [] if list_endpoints else endpoints,
        verify_definitions,
        list_endpoints,
    )
    endpoint_states = (
        _endpoint_states(clients, by_name, first, endpoints)
        if list_endpoints
        else first.endpoint_states
    )
    # Second pass: tags (from the pages; ListTags for what they miss) and the listed
    # schedules no monitor file names (other projects', or orphans of this one).
    names = sorted({s["MonitoringScheduleName"] for s in first.summaries} | set(by_name))
    raws = clients.map(
        lambda n: (
            _with_tags(clients, n, first.described[n], first.tags, first.config_etags)
            if n in first.described
            else _read_listed(clients, cache, project, n, first.tags, first.config_etags)
        ),
        names,
    )
    raw_by_name = {r.name: r for r in raws}
    definitions = _cleanup_candidates(clients, project, first, raw_by_name, desired)
    with_endpoints = _with_endpoint_states(list(raw_by_name.values()), desired, endpoint_states)
    alarms = with_alarm_tags(clients, first.alarms, first.tags.paged_for)
    state = dataclasses.replace(project_state(with_endpoints, definitions), alarms=alarms)
    return LiveRead(state, raw_by_name, endpoint_states)


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
            for o in objects.list_keys(clients, prefix)
            if o["Key"].endswith("constraint_violations.json")
        ]
        if not keys:
            out[name] = None
            continue
        newest = max(keys, key=lambda o: (o.get("LastModified"), o["Key"]))
        bucket, _ = objects.split_s3_uri(prefix)
        out[name] = objects.read_object(clients, f"s3://{bucket}/{newest['Key']}")
    return out
