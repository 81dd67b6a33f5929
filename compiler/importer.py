"""Existing ModelBias schedules (raw Describe/ListTags/S3 payloads) → monitor files (pure).

The inverse of compile.py: every API member maps back to the monitor-file key that
produces it, so that the file compiles to the live request everywhere but the analysis
config's location (SageMaker Python SDK, console and CloudFormation monitors keep it under
a UUID path; biaswatch content-addresses it) and the hash-derived JobDefinitionName.
What the first plan will show is predicted with the plan code itself (`predict_plan`),
from the same payloads, so the command's report cannot disagree with `biaswatch plan`.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import yaml

from compiler import facts
from compiler.build import EnvironmentBuild, Monitor, Project, build_environment
from compiler.compile import default_output_s3_uri
from compiler.diagnostics import Diagnostic, SourceSpan
from compiler.loader import load_text
from compiler.plan import MonitorChange, Plan, build_plan
from compiler.project import (
    LiveState,
    RawMonitor,
    project_monitor,
)
from compiler.resources import (
    DELETION_PROTECTION_TAG,
    OWNER_TAG,
    RESERVED_TAG_PREFIX,
    SOURCE_TAG,
    Target,
)

# The keys of Clarify's monitoring analysis_config.json that a monitor file holds
# (reference §3.13); anything else (`methods`, `predictor`, ...) has no home in the file.
ANALYSIS_CONFIG_KEYS: Final = (
    "version",
    "headers",
    "label",
    "label_values_or_threshold",
    "facet",
    "group_variable",
)
# SDK docstrings give 3600 s as the runtime when StoppingCondition is left out (the
# service's real default is UNCONFIRMED, reference §3.5); hourly bias jobs allow 1800.
ASSUMED_SERVICE_MAX_RUNTIME: Final = 3600
_ALIASES: Final = {expr: alias for alias, expr in facts.SCHEDULE_ALIASES.items()}
_INPUT_ATTRIBUTES: Final = (
    ("LocalPath", "destination"),
    ("S3InputMode", "s3_input_mode"),
    ("S3DataDistributionType", "s3_data_distribution_type"),
    ("StartTimeOffset", "start_time_offset"),
    ("EndTimeOffset", "end_time_offset"),
    ("FeaturesAttribute", "features_attribute"),
    ("InferenceAttribute", "inference_attribute"),
    ("ProbabilityAttribute", "probability_attribute"),
    ("ProbabilityThresholdAttribute", "probability_threshold_attribute"),
    ("ExcludeFeaturesAttribute", "exclude_features_attribute"),
)
# Values biaswatch fills in when a key is left out (spec.py); written only when they differ.
_INPUT_DEFAULTS: Final = {
    "endpoint_input": {
        "destination": "/opt/ml/processing/input/endpoint",
        "s3_input_mode": "File",
        "s3_data_distribution_type": "FullyReplicated",
    },
    "batch_transform_input": {
        "destination": "/opt/ml/processing/input",
        "s3_input_mode": "File",
        "s3_data_distribution_type": "FullyReplicated",
    },
}
_TOP_DEFAULTS: Final[dict[str, Any]] = {
    "tags": {},
    "enabled": True,
    "enable_cloudwatch_metrics": True,
    "instance_type": "ml.m5.xlarge",
    "instance_count": 1,
    "volume_size_in_gb": 30,
    "max_runtime_in_seconds": 1800,
    "env": {},
    "network_config": {"enable_network_isolation": False, "encrypt_inter_container_traffic": False},
    "deletion_protection": False,
}
# Order of keys in a written file: the order monitor-format.md presents them in.
_KEY_GROUPS: Final = (
    ("api_version", "kind", "name", "environments", "tags", "deletion_protection"),
    (
        "schedule_cron_expression",
        "data_analysis_start_time",
        "data_analysis_end_time",
        "enabled",
        "enable_cloudwatch_metrics",
    ),
    (
        "endpoint_input",
        "batch_transform_input",
        "ground_truth_input",
        "output_s3_uri",
        "output_kms_key",
    ),
    ("analysis_config", "constraints", "baselining_job_name"),
    (
        "role",
        "instance_type",
        "instance_count",
        "volume_size_in_gb",
        "volume_kms_key",
        "max_runtime_in_seconds",
        "env",
        "network_config",
    ),
)


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


def _input(api: Mapping[str, Any], kind: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if kind == "endpoint_input":
        out["endpoint_name"] = api.get("EndpointName")
    else:
        out["data_captured_destination_s3_uri"] = api.get("DataCapturedDestinationS3Uri")
    for member, key in _INPUT_ATTRIBUTES:
        value = api.get(member)
        if value is None:
            continue
        if _INPUT_DEFAULTS[kind].get(key) == value:
            continue
        out[key] = value
    if kind == "batch_transform_input":
        fmt = api.get("DatasetFormat") or {}
        if "Csv" in fmt:
            out["dataset_format"] = {"csv": {"header": (fmt["Csv"] or {}).get("Header", True)}}
        elif "Json" in fmt:
            out["dataset_format"] = {"json": {"line": (fmt["Json"] or {}).get("Line", True)}}
        elif "Parquet" in fmt:
            out["dataset_format"] = {"parquet": {}}
    return out


def _network(api: Mapping[str, Any] | None) -> dict[str, Any]:
    api = api or {}
    out: dict[str, Any] = {
        "enable_network_isolation": bool(api.get("EnableNetworkIsolation", False)),
        "encrypt_inter_container_traffic": bool(
            api.get("EnableInterContainerTrafficEncryption", False)
        ),
    }
    vpc = api.get("VpcConfig") or {}
    if vpc.get("SecurityGroupIds"):
        out["security_group_ids"] = list(vpc["SecurityGroupIds"])
    if vpc.get("Subnets"):
        out["subnets"] = list(vpc["Subnets"])
    return out


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
    sched = live.schedule["MonitoringScheduleConfig"]
    d = live.job_definition
    m: dict[str, Any] = {"api_version": "biaswatch/v1", "kind": "ModelBiasMonitor"}
    m["name"] = live.name
    m["tags"] = user_tags_of(live.schedule_tags)
    if live.schedule_tags.get(DELETION_PROTECTION_TAG) == "true":
        m["deletion_protection"] = True

    schedule_config = sched.get("ScheduleConfig") or {}
    expression = schedule_config.get("ScheduleExpression")
    if expression:
        m["schedule_cron_expression"] = schedule_alias(str(expression))
    else:
        m["schedule_cron_expression"] = "daily"
        notes.append(
            "the schedule has no ScheduleExpression (SageMaker picks a daily time); the file"
            " says daily, and the plan sends cron(0 0 ? * * *)"
        )
    for member, key in (
        ("DataAnalysisStartTime", "data_analysis_start_time"),
        ("DataAnalysisEndTime", "data_analysis_end_time"),
    ):
        if schedule_config.get(member) is not None:
            m[key] = schedule_config[member]
    if live.schedule.get("MonitoringScheduleStatus") == "Stopped":
        m["enabled"] = False

    app = d.get("ModelBiasAppSpecification") or {}
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

    job_input = d.get("ModelBiasJobInput") or {}
    if job_input.get("EndpointInput"):
        m["endpoint_input"] = _input(job_input["EndpointInput"], "endpoint_input")
    if job_input.get("BatchTransformInput"):
        m["batch_transform_input"] = _input(
            job_input["BatchTransformInput"], "batch_transform_input"
        )
    m["ground_truth_input"] = (job_input.get("GroundTruthS3Input") or {}).get("S3Uri")

    output_config = d.get("ModelBiasJobOutputConfig") or {}
    outputs = output_config.get("MonitoringOutputs") or [{}]
    s3_output = outputs[0].get("S3Output") or {}
    m["output_s3_uri"] = s3_output.get("S3Uri")
    if s3_output.get("LocalPath", facts.CONTAINER_OUTPUT_PATH) != facts.CONTAINER_OUTPUT_PATH:
        notes.append(
            f"the output LocalPath {s3_output['LocalPath']!r} is not"
            f" {facts.CONTAINER_OUTPUT_PATH!r}; no monitor key sets it, so the plan replaces it"
        )
    if s3_output.get("S3UploadMode", "Continuous") != "Continuous":
        notes.append(
            f"S3UploadMode {s3_output['S3UploadMode']!r} is not Continuous; no monitor key sets"
            " it, so the plan replaces it"
        )
    if output_config.get("KmsKeyId"):
        m["output_kms_key"] = output_config["KmsKeyId"]

    m["analysis_config"] = {
        k: analysis_config[k] for k in ANALYSIS_CONFIG_KEYS if k in analysis_config
    }
    baseline = d.get("ModelBiasBaselineConfig") or {}
    constraints = (baseline.get("ConstraintsResource") or {}).get("S3Uri")
    if constraints:
        m["constraints"] = constraints
        if baseline.get("BaseliningJobName"):
            notes.append(
                "the definition names both constraints and a baselining job; the file keeps"
                " constraints (what biaswatch sends when both could apply)"
            )
    elif baseline.get("BaseliningJobName"):
        m["baselining_job_name"] = baseline["BaseliningJobName"]

    m["role"] = d.get("RoleArn")
    cluster = (d.get("JobResources") or {}).get("ClusterConfig") or {}
    for member, key in (
        ("InstanceType", "instance_type"),
        ("InstanceCount", "instance_count"),
        ("VolumeSizeInGB", "volume_size_in_gb"),
        ("VolumeKmsKeyId", "volume_kms_key"),
    ):
        if cluster.get(member) is not None:
            m[key] = cluster[member]
    runtime = (d.get("StoppingCondition") or {}).get("MaxRuntimeInSeconds")
    if runtime is None:
        hourly = m["schedule_cron_expression"] == "hourly"
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
    m["max_runtime_in_seconds"] = runtime
    m["env"] = dict(sorted(environment.items()))
    m["network_config"] = _network(d.get("NetworkConfig"))
    return m, notes


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


def order_keys(monitor: Mapping[str, Any]) -> dict[str, Any]:
    ordered = [k for group in _KEY_GROUPS for k in group]
    out = {k: monitor[k] for k in ordered if k in monitor}
    out.update({k: v for k, v in monitor.items() if k not in out})
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


# ---- rendering ---------------------------------------------------------------------------

# YAML 1.2 core schema plain scalars that are not strings (the loader's rules, loader.py).
# PyYAML quotes by YAML 1.1 rules, which miss a few (`1e3`, `0o17`), so check both.
_NOT_TEXT_12: Final = re.compile(
    r"null|Null|NULL|~|true|True|TRUE|false|False|FALSE|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"
    r"|[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
)


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Block sequences indented under their key, as the documentation's examples are.
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if value == "" or _NOT_TEXT_12.fullmatch(value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="'")
    return dumper.represent_str(value)


def _represent_list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.SequenceNode:
    # Lists of scalars (headers, facet values, subnets) read best on one line.
    flow = all(not isinstance(v, dict | list) for v in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(list, _represent_list)


def escape_variables(value: Any) -> Any:
    """`$` → `$$` in every string value (not keys): file strings are `${var}` templates."""
    if isinstance(value, dict):
        return {k: escape_variables(v) for k, v in value.items()}
    if isinstance(value, list):
        return [escape_variables(v) for v in value]
    if isinstance(value, str):
        return value.replace("$", "$$")
    return value


def _comment_text(value: str) -> str:
    return re.sub(r"[\x00-\x1f\x7f]", "?", value)


def schema_comment(schema_path: str) -> str:
    return f"# yaml-language-server: $schema={schema_path}"


def render_monitor(
    monitor: Mapping[str, Any],
    *,
    schema_path: str,
    environment: str,
    imported: Imported,
    notes: Sequence[str] = (),
) -> str:
    """The file's text: schema comment, provenance comment, keys in the documented order."""
    head = [
        schema_comment(schema_path),
        f"# Imported with `biaswatch import` from environment {_comment_text(environment)}:",
        f"#   schedule        {_comment_text(imported.schedule_arn or imported.name)}",
        f"#   job definition  {_comment_text(imported.definition_name)}",
        f"#   analysis config {_comment_text(imported.config_uri)}",
    ]
    if imported.owner is None:
        head += [
            "# The first apply swaps the job definition for one named by biaswatch, with the",
            "# analysis config at its content-addressed key (definitions are immutable); the",
            "# schedule and its execution history stay. The old definition is not deleted.",
        ]
    for note in notes:
        head.append(f"# Note: {_comment_text(note)}")
    data = escape_variables(order_keys(monitor))
    blocks = []
    for group in _KEY_GROUPS:
        part = {k: data[k] for k in group if k in data}
        if part:
            blocks.append(_dump(part))
    rest = {k: v for k, v in data.items() if not any(k in g for g in _KEY_GROUPS)}
    if rest:
        blocks.append(_dump(rest))
    return "\n".join(head) + "\n" + "\n".join(blocks)


def _dump(data: Mapping[str, Any]) -> str:
    return yaml.dump(
        dict(data),
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=100,
    )


# ---- checking and predicting -------------------------------------------------------------


def build_imported(
    project: Project, env_name: str, text: str, display_path: str
) -> tuple[Monitor | None, EnvironmentBuild | None, list[Diagnostic]]:
    """Load and compile a rendered file exactly as `validate`/`plan` will."""
    doc, load_diags = load_text(display_path, text.encode("utf-8"))
    if doc is None:
        return None, None, list(load_diags)
    build = build_environment(project, [doc], env_name)
    errors = [d for d in build.diagnostics if d.is_error]
    if errors or not build.monitors:
        return None, build, errors
    return build.monitors[0], build, []


def choose_monitor(
    project: Project,
    env_name: str,
    target: Target,
    explicit: Mapping[str, Any],
    render: Callable[[Mapping[str, Any]], str],
    display_path: str,
) -> tuple[Mapping[str, Any], Monitor | None, list[Diagnostic]]:
    """The shorter file when it compiles to exactly what the fully explicit one does."""
    env = project.config.environments[env_name]
    short = simplify(explicit, env.defaults, default_output_s3_uri(target, str(explicit["name"])))
    full_monitor, _, diags = build_imported(project, env_name, render(explicit), display_path)
    if full_monitor is None:
        return explicit, None, diags
    short_monitor, _, _ = build_imported(project, env_name, render(short), display_path)
    if short_monitor is not None and short_monitor.desired == full_monitor.desired:
        return short, short_monitor, []
    return explicit, full_monitor, []


def predict_plan(
    project: str,
    environment: str,
    account_id: str | None,
    region: str,
    monitor: Monitor,
    live: RawMonitor,
    *,
    adopted: bool,
) -> Plan:
    """The plan `biaswatch plan` will compute for this monitor right after the import."""
    schedule_tags = dict(live.schedule_tags)
    if adopted:
        schedule_tags[OWNER_TAG] = project
    current = project_monitor(dataclasses.replace(live, schedule_tags=schedule_tags))
    monitors = {live.name: current} if current is not None else {}
    return build_plan(
        project,
        environment,
        account_id,
        region,
        [monitor.desired],
        LiveState(monitors),
        targets=[live.name],
    )


def expected_change(change: MonitorChange) -> tuple[list[str], list[str]]:
    """Split a predicted change's fields: (ownership tag fields, everything else)."""
    ownership = []
    other = []
    for c in change.changes:
        if c.resource in ("tags", "job_definition_tags") and c.path.split(".", 1)[-1] in (
            OWNER_TAG,
            SOURCE_TAG,
        ):
            ownership.append(c.path)
        else:
            other.append(f"{c.path}: {c.before!r} → {c.after!r}")
    return ownership, other


def reprefix(diagnostics: Sequence[Diagnostic], path: str) -> list[Diagnostic]:
    """Diagnostics about a not yet written file, pointing at where it would be."""
    out = []
    for d in diagnostics:
        span = SourceSpan(path, d.span.line, d.span.column) if d.span else None
        out.append(Diagnostic(d.code, d.message, span, d.field, d.severity, d.hints))
    return out
