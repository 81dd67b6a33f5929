"""MonitorSpec + environment → the exact SageMaker requests (pure and deterministic)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from compiler.config.spec import AnalysisConfig, MonitorSpec
from compiler.desired import facts
from compiler.desired.alarms import compile_alarms
from compiler.desired.artifacts import analysis_config_key, baseline_key
from compiler.desired.fields import UNSET, How, Request, get_path, rows, set_path
from compiler.desired.resources import (
    DELETION_PROTECTION_TAG,
    OWNER_TAG,
    SOURCE_TAG,
    Desired,
    Target,
)

JOB_DEFINITION_HASH_LENGTH = 10
NAME_MAX = 63


def canonical_json(value: Any) -> str:
    """One byte sequence per value: hashes and S3 bodies never depend on dict order."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(text: str | bytes) -> str:
    data = text.encode() if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


def compile_analysis_config(config: AnalysisConfig) -> dict[str, Any]:
    """Clarify's monitoring analysis_config.json: only the keys that are set."""
    out: dict[str, Any] = {}
    if config.version is not None:
        out["version"] = config.version
    if config.headers is not None:
        out["headers"] = list(config.headers)
    if config.label is not None:
        out["label"] = config.label
    if config.label_values_or_threshold is not None:
        lv = config.label_values_or_threshold
        out["label_values_or_threshold"] = list(lv) if isinstance(lv, list) else lv
    facets = []
    for facet in config.facet:
        entry: dict[str, Any] = {"name_or_index": facet.name_or_index}
        if facet.value_or_threshold is not None:
            entry["value_or_threshold"] = list(facet.value_or_threshold)
        facets.append(entry)
    out["facet"] = facets
    if config.group_variable is not None:
        out["group_variable"] = config.group_variable
    return out


def default_output_s3_uri(target: Target, name: str) -> str:
    prefix = target.artifact_prefix.strip("/")
    parts = [p for p in (prefix, target.environment, name, "results") if p]
    return f"s3://{target.artifact_bucket}/" + "/".join(parts)


def build_tags(spec: MonitorSpec, target: Target, source_path: str) -> tuple[tuple[str, str], ...]:
    tags = dict(spec.tags)
    tags[OWNER_TAG] = target.project
    tags[SOURCE_TAG] = source_path
    if spec.deletion_protection:
        # Recorded on the resources so a schedule whose file is gone is still protected.
        tags[DELETION_PROTECTION_TAG] = "true"
    return tuple(sorted(tags.items()))


def job_definition_name(name: str, request_without_name: dict[str, Any]) -> str:
    """`<monitor name, cut>-<hash of the request>`: equal requests share a name, any change
    to what the job does gives a new one (definitions are immutable)."""
    digest = sha256_hex(canonical_json(request_without_name))[:JOB_DEFINITION_HASH_LENGTH]
    head = name[: NAME_MAX - JOB_DEFINITION_HASH_LENGTH - 1].rstrip("-")
    return f"{head}-{digest}"


def _dataset_format(spec: MonitorSpec) -> dict[str, Any] | None:
    bti = spec.batch_transform_input
    if bti is None:
        return None
    fmt = bti.dataset_format
    if fmt.csv is not None:
        return {"Csv": {"Header": fmt.csv.header}}
    if fmt.json_ is not None:
        return {"Json": {"Line": fmt.json_.line}}
    return {"Parquet": {}}


def _vpc(spec: MonitorSpec, member: str) -> list[str] | None:
    net = spec.network_config
    if net is None or not (net.security_group_ids or net.subnets):
        return None
    return list(getattr(net, member) or ())


def _build_request(
    request: Request, spec: MonitorSpec, computed: Mapping[str, Any]
) -> dict[str, Any]:
    """The request's fields in table order: COPY rows from the spec, COMPUTED rows from
    `computed` (by key, or by API path for API-only rows), CONSTANT rows as they are."""
    out: dict[str, Any] = {}
    for row in rows(request, How.COPY, How.COMPUTED, How.CONSTANT):
        if row.how is How.CONSTANT:
            value = row.always
        elif row.how is How.COMPUTED:
            value = computed.get(row.key or row.api)
        else:
            value = get_path(spec, row.key_path)
            if value is None and row.always is not UNSET:
                value = row.always
        if value is not None:
            set_path(out, row.api_path, value)
    return out


def compile_monitor(
    spec: MonitorSpec, target: Target, source_path: str, baseline_body: bytes | None = None
) -> Desired:
    """The requests for one monitor. Every service default is sent explicitly so that what
    SageMaker echoes back equals what we sent (a plan after apply is empty).

    baseline_body: the bytes of the baseline file `constraints:` names; the definition
    then points at their content-addressed copy in the artifact bucket."""
    baseline_uri = None
    if baseline_body is not None:
        key = baseline_key(target, spec.name, sha256_hex(baseline_body))
        baseline_uri = f"s3://{target.artifact_bucket}/{key}"
        spec = spec.model_copy(update={"constraints": baseline_uri})
    analysis = compile_analysis_config(spec.analysis_config)
    body = canonical_json(analysis).encode()
    digest = sha256_hex(body)
    config_uri = f"s3://{target.artifact_bucket}/{analysis_config_key(target, spec.name, digest)}"

    environment = dict(spec.env)
    environment[facts.CLOUDWATCH_ENV] = "Enabled" if spec.enable_cloudwatch_metrics else "Disabled"
    computed: dict[str, Any] = {
        "ModelBiasAppSpecification.ImageUri": facts.clarify_image_uri(target.region) or "",
        "ModelBiasAppSpecification.ConfigUri": config_uri,
        # publish_cloudwatch_metrics lives inside the container environment (env).
        "env": dict(sorted(environment.items())),
        "batch_transform_input.dataset_format": _dataset_format(spec),
        "output_s3_uri": spec.output_s3_uri or default_output_s3_uri(target, spec.name),
        "network_config.security_group_ids": _vpc(spec, "security_group_ids"),
        "network_config.subnets": _vpc(spec, "subnets"),
    }
    request = _build_request(Request.JOB_DEFINITION, spec, computed)
    jd_name = job_definition_name(spec.name, request)
    tags = build_tags(spec, target, source_path)
    tag_list = [{"Key": k, "Value": v} for k, v in tags]
    create_jd = {"JobDefinitionName": jd_name, **request, "Tags": tag_list}
    create_schedule = _build_request(
        Request.SCHEDULE,
        spec,
        {
            "name": spec.name,
            "tags": tag_list,
            "schedule_cron_expression": facts.schedule_expression(spec.schedule_cron_expression),
            "MonitoringScheduleConfig.MonitoringJobDefinitionName": jd_name,
        },
    )
    return Desired(
        name=spec.name,
        source_path=source_path,
        job_definition_name=jd_name,
        create_job_definition=create_jd,
        create_schedule=create_schedule,
        analysis_config=analysis,
        analysis_config_body=body,
        analysis_config_sha256=digest,
        analysis_config_s3_uri=config_uri,
        tags=tags,
        enabled=spec.enabled,
        deletion_protection=spec.deletion_protection,
        endpoint_name=spec.endpoint_input.endpoint_name if spec.endpoint_input else None,
        alarms=compile_alarms(spec, target.project, source_path, tags),
        baseline_body=baseline_body,
        baseline_s3_uri=baseline_uri,
    )
