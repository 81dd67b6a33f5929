"""Existing ModelBias schedules (raw Describe/ListTags/S3 payloads) → monitor files (pure).

The inverse of compile.py: every API member maps back to the monitor-file key that
produces it, so that the file compiles to the live request everywhere but the analysis
config's location (SageMaker Python SDK, console and CloudFormation monitors keep it under
a UUID path; biaswatch content-addresses it) and the hash-derived JobDefinitionName.
What the first plan will show is predicted with the plan code itself (`predict_plan`),
from the same payloads, so the command's report cannot disagree with `biaswatch plan`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from pydantic import BaseModel

from compiler.config.spec import BatchTransformInput, EndpointInput, MonitorSpec, NetworkConfig
from compiler.desired import facts
from compiler.desired.fields import (
    ANALYSIS_CONFIG_KEYS,
    How,
    Request,
    get_path,
    row_for_key,
    rows,
    set_path,
)
from compiler.desired.resources import (
    DELETION_PROTECTION_TAG,
    OWNER_TAG,
    RESERVED_TAG_PREFIX,
)
from compiler.diagnostics import Diagnostic
from compiler.state.projection import (
    RawMonitor,
)

# SDK docstrings give 3600 s as the runtime when StoppingCondition is left out (the
# service's real default is UNCONFIRMED, reference §3.5); hourly bias jobs allow 1800.
ASSUMED_SERVICE_MAX_RUNTIME: Final = 3600
_ALIASES: Final = {expr: alias for alias, expr in facts.SCHEDULE_ALIASES.items()}


def _model_defaults(model: type[BaseModel]) -> dict[str, Any]:
    """The values a monitor file gets for keys it leaves out (spec.py), None ones dropped."""
    out = {}
    for name, info in model.model_fields.items():
        if not info.is_required():
            value = info.get_default(call_default_factory=True)
            if value is not None:
                out[name] = value
    return out


# Values biaswatch fills in when a key is left out; an imported file writes only what differs.
_INPUT_DEFAULTS: Final = {
    "endpoint_input": _model_defaults(EndpointInput),
    "batch_transform_input": _model_defaults(BatchTransformInput),
}
_TOP_DEFAULTS: Final[dict[str, Any]] = {
    **_model_defaults(MonitorSpec),
    "network_config": NetworkConfig().model_dump(exclude_none=True),
}


@dataclass(frozen=True)
class Imported:
    """One schedule as a monitor file's data, with what the mapping could not carry over."""

    name: str
    monitor: Mapping[str, Any]
    notes: tuple[str, ...]
    schedule_arn: str
    definition_name: str
    config_uri: str
    owner: str | None


def _refusal(code: str, name: str, message: str, *hints: str, field: str = "") -> Diagnostic:
    return Diagnostic(code, f"schedule {name!r}: {message}", None, field, hints=hints)


def definition_name_of(schedule: Mapping[str, Any]) -> str | None:
    name = schedule.get("MonitoringScheduleConfig", {}).get("MonitoringJobDefinitionName")
    return str(name) if name else None


def check_schedule(name: str, schedule: Mapping[str, Any] | None) -> list[Diagnostic]:
    """Refusals that need only DescribeMonitoringSchedule."""
    if schedule is None:
        return [
            _refusal(
                "E403",
                name,
                "no such monitoring schedule in this account and region",
                "check the name and --env; `aws sagemaker list-monitoring-schedules` lists them",
            )
        ]
    config = schedule.get("MonitoringScheduleConfig", {})
    kind = config.get("MonitoringType") or schedule.get("MonitoringType")
    if kind != "ModelBias":
        return [
            _refusal(
                "E421",
                name,
                f"is a {kind or 'inline-definition'} schedule, not ModelBias",
                "biaswatch manages model bias monitors only",
            )
        ]
    if not config.get("MonitoringJobDefinitionName"):
        return [
            _refusal(
                "E421",
                name,
                "has no MonitoringJobDefinitionName (inline job definition)",
                "a bias job needs a ModelBias job definition; recreate the schedule with one",
            )
        ]
    return []


def parse_analysis_config(
    name: str, uri: str | None, body: bytes | None
) -> tuple[dict[str, Any] | None, list[Diagnostic]]:
    """The analysis config object as JSON, refusing what a monitor file cannot hold."""
    if not uri:
        return None, [_refusal("E422", name, "its job definition has no ConfigUri")]
    if not uri.startswith("s3://"):
        return None, [
            _refusal(
                "E422",
                name,
                f"cannot read the analysis config at {uri}: only s3:// locations are read",
                "copy it to S3 and point the job definition there, or write the file by hand",
            )
        ]
    if body is None:
        return None, [
            _refusal(
                "E422",
                name,
                f"cannot read the analysis config at {uri}",
                "it must exist and be readable with these credentials (s3:GetObject, and"
                " kms:Decrypt when it is encrypted)",
            )
        ]
    try:
        parsed = json.loads(body)
    except ValueError as exc:
        return None, [_refusal("E422", name, f"the analysis config at {uri} is not JSON: {exc}")]
    if not isinstance(parsed, dict):
        return None, [_refusal("E422", name, f"the analysis config at {uri} is not a JSON object")]
    extra = [k for k in parsed if k not in ANALYSIS_CONFIG_KEYS]
    if extra:
        return None, [
            _refusal(
                "E423",
                name,
                f"the analysis config at {uri} has keys a monitoring analysis config does not"
                f" take: {', '.join(repr(k) for k in extra)}",
                f"a bias monitor's config holds only {', '.join(ANALYSIS_CONFIG_KEYS)};"
                " remove the others (whether the monitoring container reads them is"
                " unconfirmed) and import again",
                field="analysis_config",
            )
        ]
    return parsed, []


def schedule_alias(expression: str) -> str:
    """`cron(0 * ? * * *)` → hourly, `cron(0 0 ? * * *)` → daily; anything else verbatim."""
    return _ALIASES.get(expression, expression)


def _dataset_format(api: Mapping[str, Any]) -> dict[str, Any] | None:
    fmt = api.get("DatasetFormat") or {}
    if "Csv" in fmt:
        return {"csv": {"header": (fmt["Csv"] or {}).get("Header", True)}}
    if "Json" in fmt:
        return {"json": {"line": (fmt["Json"] or {}).get("Line", True)}}
    if "Parquet" in fmt:
        return {"parquet": {}}
    return None


def _copied(payload: Mapping[str, Any], request: Request) -> dict[str, Any]:
    """Every COPY row of the field table, read back from a Describe response."""
    out: dict[str, Any] = {}
    for row in rows(request, How.COPY):
        value = get_path(payload, row.api_path)
        if value is not None:
            set_path(out, row.key_path, value)
    return out


def _inputs(m: dict[str, Any], definition: Mapping[str, Any]) -> None:
    """Input blocks without the values biaswatch fills in anyway; dataset_format rebuilt."""
    for kind, member in (
        ("endpoint_input", "EndpointInput"),
        ("batch_transform_input", "BatchTransformInput"),
    ):
        if kind not in m:
            continue
        m[kind] = {k: v for k, v in m[kind].items() if _INPUT_DEFAULTS[kind].get(k) != v}
        fmt = _dataset_format(get_path(definition, ("ModelBiasJobInput", member)) or {})
        if fmt is not None:
            m[kind]["dataset_format"] = fmt


def _network(m: dict[str, Any], api: Mapping[str, Any] | None) -> None:
    """network_config in the order spec.py declares it, the VPC lists only when set."""
    copied = m.get("network_config", {})
    vpc = (api or {}).get("VpcConfig") or {}
    out: dict[str, Any] = {}
    for key in NetworkConfig.model_fields:
        if key == "security_group_ids" and vpc.get("SecurityGroupIds"):
            out[key] = list(vpc["SecurityGroupIds"])
        elif key == "subnets" and vpc.get("Subnets"):
            out[key] = list(vpc["Subnets"])
        elif key in _TOP_DEFAULTS["network_config"]:
            out[key] = bool(copied.get(key, _TOP_DEFAULTS["network_config"][key]))
    m["network_config"] = out


def user_tags_of(tags: Mapping[str, str]) -> dict[str, str]:
    """The tags a monitor file states: neither biaswatch's own nor AWS's reserved ones."""
    return {
        k: v
        for k, v in sorted(tags.items())
        if not k.startswith(RESERVED_TAG_PREFIX) and not k.lower().startswith("aws:")
    }


def monitor_from_live(
    live: RawMonitor, analysis_config: Mapping[str, Any], region: str
) -> tuple[dict[str, Any], list[str]]:
    """The monitor file's data (every value explicit where it is not biaswatch's default)
    and notes on what the file cannot reproduce exactly."""
    assert live.schedule is not None and live.job_definition is not None
    notes: list[str] = []
    d = live.job_definition
    m: dict[str, Any] = {"api_version": "biaswatch/v1", "kind": "ModelBiasMonitor"}
    m["name"] = live.name
    m["tags"] = user_tags_of(live.schedule_tags)
    if live.schedule_tags.get(DELETION_PROTECTION_TAG) == "true":
        m["deletion_protection"] = True
    m["schedule_cron_expression"] = _schedule_expression(live.schedule, notes)
    m.update(_copied(live.schedule, Request.SCHEDULE))
    if live.schedule.get("MonitoringScheduleStatus") == "Stopped":
        m["enabled"] = False
    environment = _app_specification(m, d, region, notes)
    m.update(_copied(d, Request.JOB_DEFINITION))
    _inputs(m, d)
    m["output_s3_uri"] = get_path(d, row_for_key("output_s3_uri").api_path)
    _constants(d, notes)
    m["analysis_config"] = {
        k: analysis_config[k] for k in ANALYSIS_CONFIG_KEYS if k in analysis_config
    }
    if m.get("constraints") and m.get("baselining_job_name"):
        del m["baselining_job_name"]
        notes.append(
            "the definition names both constraints and a baselining job; the file keeps"
            " constraints (what biaswatch sends when both could apply)"
        )
    if "max_runtime_in_seconds" not in m:
        m["max_runtime_in_seconds"] = _assumed_runtime(m["schedule_cron_expression"], notes)
    m["env"] = dict(sorted(environment.items()))
    _network(m, d.get("NetworkConfig"))
    return m, notes


def _schedule_expression(schedule: Mapping[str, Any], notes: list[str]) -> str:
    expression = get_path(schedule, row_for_key("schedule_cron_expression").api_path)
    if expression:
        return schedule_alias(str(expression))
    notes.append(
        "the schedule has no ScheduleExpression (SageMaker picks a daily time); the file"
        " says daily, and the plan sends cron(0 0 ? * * *)"
    )
    return "daily"


def _app_specification(
    m: dict[str, Any], definition: Mapping[str, Any], region: str, notes: list[str]
) -> dict[str, Any]:
    """enable_cloudwatch_metrics from the container environment; the rest of it is `env`."""
    app = definition.get("ModelBiasAppSpecification") or {}
    environment = dict(app.get("Environment") or {})
    cloudwatch = environment.pop(facts.CLOUDWATCH_ENV, None)
    if cloudwatch == "Disabled":
        m["enable_cloudwatch_metrics"] = False
    elif cloudwatch is None:
        notes.append(
            f"the container environment has no {facts.CLOUDWATCH_ENV}; biaswatch always sets it"
            " (enable_cloudwatch_metrics: true sends Enabled, the platform's default)"
        )
    elif cloudwatch != "Enabled":
        notes.append(
            f"{facts.CLOUDWATCH_ENV}={cloudwatch!r} is neither Enabled nor Disabled; the file"
            " says enable_cloudwatch_metrics: true"
        )
    image = facts.clarify_image_uri(region)
    if app.get("ImageUri") != image:
        notes.append(
            f"ImageUri {app.get('ImageUri')!r} is not the Clarify image biaswatch uses in"
            f" {region} ({image!r}); no monitor key sets it, so the plan replaces it"
        )
    return environment


def _constants(definition: Mapping[str, Any], notes: list[str]) -> None:
    """API fields no key sets: a different live value is replaced by the next plan."""
    for row in rows(Request.JOB_DEFINITION, How.CONSTANT):
        value = get_path(definition, row.api_path)
        if value is not None and value != row.always:
            member = str(row.api_path[-1])
            notes.append(
                f"the output {member} {value!r} is not {row.always!r}; no monitor key sets it,"
                " so the plan replaces it"
            )


def _assumed_runtime(schedule: str, notes: list[str]) -> int:
    hourly = schedule == "hourly"
    runtime = facts.HOURLY_BIAS_MAX_RUNTIME if hourly else ASSUMED_SERVICE_MAX_RUNTIME
    notes.append(
        "the definition has no StoppingCondition (the SDK leaves it out unless"
        f" max_runtime_in_seconds is given); the file says max_runtime_in_seconds: {runtime}"
        + (
            " (the most an hourly bias job may run)"
            if hourly
            else " (the SDK's documented default; the service's is unconfirmed)"
        )
        + " and the plan adds it"
    )
    return runtime


def _equal_default(key: str, value: Any, env_defaults: Mapping[str, Any]) -> bool:
    if key in env_defaults:
        return bool(env_defaults[key] == value)
    return key in _TOP_DEFAULTS and _TOP_DEFAULTS[key] == value


def simplify(
    monitor: Mapping[str, Any], env_defaults: Mapping[str, Any], default_output: str
) -> dict[str, Any]:
    """Leave out keys whose value is what the file would get anyway (biaswatch's default
    or the environment's `defaults`), so that an imported file reads like a written one."""
    out: dict[str, Any] = {}
    for key, value in monitor.items():
        if key == "output_s3_uri" and value == default_output and key not in env_defaults:
            continue
        fixed = key in ("api_version", "kind", "name")
        if not fixed and _equal_default(key, value, env_defaults):
            continue
        out[key] = value
    return out


def import_schedule(
    live: RawMonitor, region: str, project: str
) -> tuple[Imported | None, list[Diagnostic]]:
    """One schedule → its monitor data, or the refusals that stop the import."""
    refusals = check_schedule(live.name, live.schedule)
    if refusals:
        return None, refusals
    assert live.schedule is not None
    definition_name = definition_name_of(live.schedule) or ""
    if live.job_definition is None:
        return None, [
            _refusal(
                "E403",
                live.name,
                f"its job definition {definition_name!r} does not exist",
                "the schedule cannot run; delete it or point it at a definition, then import",
            )
        ]
    owner = live.schedule_tags.get(OWNER_TAG)
    if owner is not None and owner != project:
        return None, [
            _refusal(
                "E425",
                live.name,
                f"belongs to biaswatch project {owner!r}, not {project!r}",
                f"remove it from project {owner!r} first (or change its {OWNER_TAG} tag by hand)",
            )
        ]
    config, problems = parse_analysis_config(live.name, live.config_uri, live.config_body)
    if config is None:
        return None, problems
    monitor, notes = monitor_from_live(live, config, region)
    return (
        Imported(
            name=live.name,
            monitor=monitor,
            notes=tuple(notes),
            schedule_arn=str(live.schedule.get("MonitoringScheduleArn", "")),
            definition_name=definition_name,
            config_uri=live.config_uri or "",
            owner=owner,
        ),
        [],
    )
