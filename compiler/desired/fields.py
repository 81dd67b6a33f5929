"""THE table of monitor keys ↔ SageMaker request fields: compile, import, plan labels and docs read it.

To add a monitor field: add a row here (and the key to config/spec.py). A `COPY` row is then
compiled, imported and labelled without further code; a `COMPUTED` row names a value that
compile (and import) build in code, and still gets its plan label and documentation here.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from compiler.config.source import FieldPath, format_field_path
from compiler.desired import facts


class Request(enum.StrEnum):
    """Which payload a row's API path lives in (as `biaswatch compile` prints them)."""

    JOB_DEFINITION = "CreateModelBiasJobDefinition"
    SCHEDULE = "CreateMonitoringSchedule"
    ANALYSIS_CONFIG = "AnalysisConfig"  # the Clarify JSON uploaded to S3 (ConfigUri)
    ALARM = "PutMetricAlarm"  # one CloudWatch alarm per `alarms` entry (desired/alarms.py)
    NONE = ""  # biaswatch's own key: no API field


class How(enum.Enum):
    COPY = "copy"  # the value as it is, both ways; left out of the request when unset
    COMPUTED = "computed"  # built in code from one or more keys (compile/import say how)
    PART = "part"  # inside a computed or grouped value: a label and a doc line only
    CONSTANT = "constant"  # an API field no key sets: biaswatch always sends `constant`
    OWN = "own"  # biaswatch's own key: no API field


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset()


@dataclass(frozen=True)
class FieldRow:
    key: str  # dotted monitor-file key; `[]` for list items; "" for an API-only field
    request: Request
    api: str  # dotted path inside the request; `[0]` for a list item; "" for none
    how: How
    note: str = ""  # documentation beyond the schema's description
    also: tuple[str, ...] = ()  # further API paths the key sets, with their request (docs)
    always: Any = UNSET  # COPY: sent even when the key is unset; CONSTANT: the value sent

    @property
    def key_path(self) -> FieldPath:
        return parse_path(self.key)

    @property
    def api_path(self) -> FieldPath:
        return parse_path(self.api)

    def documented_paths(self) -> tuple[str, ...]:
        if self.request is Request.NONE:
            return ()
        primary = f"{self.request.value}.{self.api}" if self.api else self.request.value
        return (primary, *self.also)


def parse_path(dotted: str) -> FieldPath:
    """`a.b[0].c` → ("a", "b", 0, "c"); `a[].b` → ("a", "b") (any item)."""
    out: list[str | int] = []
    for part in dotted.split(".") if dotted else ():
        name, _, index = part.partition("[")
        out.append(name)
        if index and index != "]":
            out.append(int(index.rstrip("]")))
    return tuple(out)


JD, SCHED, AC, OWN_KEY = (
    Request.JOB_DEFINITION,
    Request.SCHEDULE,
    Request.ANALYSIS_CONFIG,
    Request.NONE,
)
_MSC = "MonitoringScheduleConfig"
_METRIC = "Metrics[0].MetricStat.Metric"

# Members shared by EndpointInput and BatchTransformInput, in the order compile sends them.
INPUT_ATTRIBUTES: Final = (
    ("destination", "LocalPath"),
    ("s3_input_mode", "S3InputMode"),
    ("s3_data_distribution_type", "S3DataDistributionType"),
    ("start_time_offset", "StartTimeOffset"),
    ("end_time_offset", "EndTimeOffset"),
    ("features_attribute", "FeaturesAttribute"),
    ("inference_attribute", "InferenceAttribute"),
    ("probability_attribute", "ProbabilityAttribute"),
    ("probability_threshold_attribute", "ProbabilityThresholdAttribute"),
    ("exclude_features_attribute", "ExcludeFeaturesAttribute"),
)
EXCLUSIVE_INPUTS = "Exactly one of `endpoint_input` and `batch_transform_input`."


def _input_rows(key: str, api: str) -> list[FieldRow]:
    return [
        FieldRow(f"{key}.{k}", JD, f"ModelBiasJobInput.{api}.{member}", How.COPY)
        for k, member in INPUT_ATTRIBUTES
    ]


# In the order compile builds each request (the order of keys in compiled JSON).
FIELDS: Final[tuple[FieldRow, ...]] = (
    FieldRow("api_version", OWN_KEY, "", How.OWN, "biaswatch only."),
    FieldRow(
        "kind", OWN_KEY, "", How.OWN, "The only kind: a SageMaker Clarify model bias monitor."
    ),
    FieldRow(
        "name",
        SCHED,
        "MonitoringScheduleName",
        How.COMPUTED,
        "The job definition is named `<name, cut>-<hash of its request>` (≤ 63 characters).",
        also=("CreateModelBiasJobDefinition.JobDefinitionName",),
    ),
    # ---- CreateModelBiasJobDefinition
    FieldRow(
        "constraints",
        JD,
        "ModelBiasBaselineConfig.ConstraintsResource.S3Uri",
        How.COPY,
        "Exclusive with `baselining_job_name`. A file in the repository is uploaded to "
        "`<artifact prefix>/<env>/<name>/constraints-<hash>.json` and that URI is sent.",
    ),
    FieldRow(
        "baselining_job_name",
        JD,
        "ModelBiasBaselineConfig.BaseliningJobName",
        How.COPY,
        "Exclusive with `constraints`.",
    ),
    FieldRow("", JD, "ModelBiasAppSpecification.ImageUri", How.COMPUTED),
    FieldRow("", JD, "ModelBiasAppSpecification.ConfigUri", How.COMPUTED),
    FieldRow(
        "enable_cloudwatch_metrics",
        JD,
        "ModelBiasAppSpecification.Environment.publish_cloudwatch_metrics",
        How.COMPUTED,
        "`Enabled` or `Disabled`; not an API field of its own.",
    ),
    FieldRow(
        "env",
        JD,
        "ModelBiasAppSpecification.Environment",
        How.COMPUTED,
        "`publish_cloudwatch_metrics` is set by `enable_cloudwatch_metrics`.",
    ),
    FieldRow("endpoint_input", JD, "ModelBiasJobInput.EndpointInput", How.PART, EXCLUSIVE_INPUTS),
    FieldRow(
        "endpoint_input.endpoint_name", JD, "ModelBiasJobInput.EndpointInput.EndpointName", How.COPY
    ),
    *_input_rows("endpoint_input", "EndpointInput"),
    FieldRow(
        "batch_transform_input",
        JD,
        "ModelBiasJobInput.BatchTransformInput",
        How.PART,
        EXCLUSIVE_INPUTS,
    ),
    FieldRow(
        "batch_transform_input.data_captured_destination_s3_uri",
        JD,
        "ModelBiasJobInput.BatchTransformInput.DataCapturedDestinationS3Uri",
        How.COPY,
    ),
    FieldRow(
        "batch_transform_input.dataset_format",
        JD,
        "ModelBiasJobInput.BatchTransformInput.DatasetFormat",
        How.COMPUTED,
    ),
    FieldRow(
        "batch_transform_input.dataset_format.csv",
        JD,
        "ModelBiasJobInput.BatchTransformInput.DatasetFormat.Csv",
        How.PART,
    ),
    FieldRow(
        "batch_transform_input.dataset_format.csv.header",
        JD,
        "ModelBiasJobInput.BatchTransformInput.DatasetFormat.Csv.Header",
        How.PART,
        "Whether the CSV has a header row.",
    ),
    FieldRow(
        "batch_transform_input.dataset_format.json",
        JD,
        "ModelBiasJobInput.BatchTransformInput.DatasetFormat.Json",
        How.PART,
    ),
    FieldRow(
        "batch_transform_input.dataset_format.json.line",
        JD,
        "ModelBiasJobInput.BatchTransformInput.DatasetFormat.Json.Line",
        How.PART,
        "JSON Lines.",
    ),
    FieldRow(
        "batch_transform_input.dataset_format.parquet",
        JD,
        "ModelBiasJobInput.BatchTransformInput.DatasetFormat.Parquet",
        How.PART,
        "Write `parquet: {}`.",
    ),
    *_input_rows("batch_transform_input", "BatchTransformInput"),
    FieldRow("ground_truth_input", JD, "ModelBiasJobInput.GroundTruthS3Input.S3Uri", How.COPY),
    FieldRow(
        "output_s3_uri",
        JD,
        "ModelBiasJobOutputConfig.MonitoringOutputs[0].S3Output.S3Uri",
        How.COMPUTED,
        "Left out: `s3://<artifact_bucket>/<artifact_prefix>/<env>/<name>/results`.",
    ),
    FieldRow(
        "",
        JD,
        "ModelBiasJobOutputConfig.MonitoringOutputs[0].S3Output.LocalPath",
        How.CONSTANT,
        always=facts.CONTAINER_OUTPUT_PATH,
    ),
    FieldRow(
        "",
        JD,
        "ModelBiasJobOutputConfig.MonitoringOutputs[0].S3Output.S3UploadMode",
        How.CONSTANT,
        always="Continuous",
    ),
    FieldRow(
        "output_kms_key",
        JD,
        "ModelBiasJobOutputConfig.KmsKeyId",
        How.COPY,
        "KMS key for the results.",
    ),
    FieldRow(
        "instance_count",
        JD,
        "JobResources.ClusterConfig.InstanceCount",
        How.COPY,
        "Number of instances.",
    ),
    FieldRow(
        "instance_type",
        JD,
        "JobResources.ClusterConfig.InstanceType",
        How.COPY,
        "A processing instance type.",
    ),
    FieldRow(
        "volume_size_in_gb",
        JD,
        "JobResources.ClusterConfig.VolumeSizeInGB",
        How.COPY,
        "Size of the processing volume.",
    ),
    FieldRow(
        "volume_kms_key",
        JD,
        "JobResources.ClusterConfig.VolumeKmsKeyId",
        How.COPY,
        "KMS key for the processing volume.",
    ),
    FieldRow(
        "network_config",
        JD,
        "NetworkConfig",
        How.PART,
        "Network settings of the processing job.",
    ),
    FieldRow(
        "network_config.encrypt_inter_container_traffic",
        JD,
        "NetworkConfig.EnableInterContainerTrafficEncryption",
        How.COPY,
        "Encrypt traffic between instances.",
        always=False,
    ),
    FieldRow(
        "network_config.enable_network_isolation",
        JD,
        "NetworkConfig.EnableNetworkIsolation",
        How.COPY,
        "No network access from the container.",
        always=False,
    ),
    FieldRow(
        "network_config.security_group_ids",
        JD,
        "NetworkConfig.VpcConfig.SecurityGroupIds",
        How.COMPUTED,
        "VPC security groups; needs `subnets`.",
    ),
    FieldRow(
        "network_config.subnets",
        JD,
        "NetworkConfig.VpcConfig.Subnets",
        How.COMPUTED,
        "VPC subnets; needs `security_group_ids`.",
    ),
    FieldRow("role", JD, "RoleArn", How.COPY),
    FieldRow("max_runtime_in_seconds", JD, "StoppingCondition.MaxRuntimeInSeconds", How.COPY),
    # ---- CreateMonitoringSchedule
    FieldRow(
        "schedule_cron_expression",
        SCHED,
        f"{_MSC}.ScheduleConfig.ScheduleExpression",
        How.COMPUTED,
        "`hourly` → `cron(0 * ? * * *)`, `daily` → `cron(0 0 ? * * *)`.",
    ),
    FieldRow(
        "data_analysis_start_time", SCHED, f"{_MSC}.ScheduleConfig.DataAnalysisStartTime", How.COPY
    ),
    FieldRow(
        "data_analysis_end_time", SCHED, f"{_MSC}.ScheduleConfig.DataAnalysisEndTime", How.COPY
    ),
    FieldRow(
        "",
        SCHED,
        f"{_MSC}.MonitoringJobDefinitionName",
        How.COMPUTED,
    ),
    FieldRow(
        "",
        SCHED,
        f"{_MSC}.MonitoringType",
        How.CONSTANT,
        always="ModelBias",
    ),
    FieldRow(
        "tags",
        SCHED,
        "Tags",
        How.COMPUTED,
        "biaswatch adds `biaswatch:project` and `biaswatch:source` to both resources.",
        also=("CreateModelBiasJobDefinition.Tags",),
    ),
    # ---- the analysis config (Clarify JSON in S3)
    FieldRow(
        "analysis_config",
        AC,
        "",
        How.PART,
        "Uploaded as JSON to `s3://<artifact_bucket>/<prefix>/<env>/<name>/analysis_config-<sha256 prefix>.json`.",
        also=("CreateModelBiasJobDefinition.ModelBiasAppSpecification.ConfigUri",),
    ),
    FieldRow("analysis_config.version", AC, "version", How.PART),
    FieldRow("analysis_config.headers", AC, "headers", How.PART),
    FieldRow("analysis_config.label", AC, "label", How.PART),
    FieldRow(
        "analysis_config.label_values_or_threshold", AC, "label_values_or_threshold", How.PART
    ),
    FieldRow("analysis_config.facet", AC, "facet", How.PART),
    FieldRow("analysis_config.facet[].name_or_index", AC, "facet[0].name_or_index", How.PART),
    FieldRow(
        "analysis_config.facet[].value_or_threshold", AC, "facet[0].value_or_threshold", How.PART
    ),
    FieldRow("analysis_config.group_variable", AC, "group_variable", How.PART),
    # ---- CloudWatch alarms on the published bias metrics (compiled in desired/alarms.py)
    FieldRow(
        "alarms",
        Request.ALARM,
        "",
        How.COMPUTED,
        "One `PutMetricAlarm` per entry, named `biaswatch/<project>/<name>/<alarm name>`, on "
        "the distance of `bias_metric_<metric>` from its neutral value (metric math; the "
        "infinity sentinel never fires it), tagged like the schedule. See docs/alarms.md.",
    ),
    *(
        FieldRow(f"alarms[].{key}", Request.ALARM, f"[0].{api}", How.PART, note)
        for key, api, note in (
            ("name", "AlarmName", "`biaswatch/<project>/<schedule name>/<name>`."),
            ("metric", f"{_METRIC}.MetricName", "Sent as `bias_metric_<metric>`."),
            ("threshold", "Threshold", ""),
            ("actions", "AlarmActions", ""),
            ("ok_actions", "OKActions", ""),
            ("facet", f"{_METRIC}.Dimensions", "The `Facet` dimension."),
            (
                "facet_value",
                f"{_METRIC}.Dimensions",
                "The `FacetValue` dimension (UNCONFIRMED format).",
            ),
            (
                "label_value",
                f"{_METRIC}.Dimensions",
                "The `LabelValue` dimension (UNCONFIRMED format).",
            ),
            ("measure", "Metrics[2].Expression", "The metric math expression `e1`."),
            ("comparison", "ComparisonOperator", ""),
            ("period", "Metrics[0].MetricStat.Period", "Also the period of `m2`."),
            ("evaluation_periods", "EvaluationPeriods", ""),
            ("datapoints_to_alarm", "DatapointsToAlarm", ""),
            ("treat_missing_data", "TreatMissingData", ""),
            (
                "bias_stage",
                f"{_METRIC}.Dimensions",
                "The `BiasStage` dimension (casing UNCONFIRMED).",
            ),
            ("description", "AlarmDescription", "Default: what the alarm watches and its file."),
        )
    ),
    # ---- biaswatch's own
    FieldRow("enabled", OWN_KEY, "", How.OWN, "StartMonitoringSchedule / StopMonitoringSchedule."),
    FieldRow(
        "deletion_protection",
        OWN_KEY,
        "",
        How.OWN,
        "Kept as the tag `biaswatch:deletion-protection=true` on the schedule.",
    ),
    FieldRow("environments", OWN_KEY, "", How.OWN, "Names from biaswatch.yaml."),
    FieldRow(
        "overrides",
        OWN_KEY,
        "",
        How.OWN,
        "`name`, `api_version`, `kind`, `environments` and `overrides` cannot be overridden.",
    ),
)

ANALYSIS_CONFIG_KEYS: Final = tuple(
    str(r.key_path[1]) for r in FIELDS if r.request is AC and len(r.key_path) == 2
)


def rows(request: Request, *hows: How) -> Iterator[FieldRow]:
    for row in FIELDS:
        if row.request is request and (not hows or row.how in hows):
            yield row


def row_for_key(key: str) -> FieldRow:
    for row in FIELDS:
        if row.key == key:
            return row
    raise KeyError(key)


# ---- reading and writing nested values by path (both directions use these) ----------------


def get_path(value: Any, path: FieldPath) -> Any:
    """The value at `path` in nested mappings, lists or attribute objects; None when absent."""
    for part in path:
        if value is None:
            return None
        if isinstance(part, int):
            value = value[part] if isinstance(value, list) and part < len(value) else None
        elif isinstance(value, Mapping):
            value = value.get(part)
        else:
            value = getattr(value, part, None)
    return value


def set_path(target: dict[str, Any], path: FieldPath, value: Any) -> None:
    """Set `value` at `path`, creating mappings (and one-item lists for `[0]`) on the way."""
    node: Any = target
    for i, part in enumerate(path[:-1]):
        nxt = path[i + 1]
        empty: Any = [] if isinstance(nxt, int) else {}
        if isinstance(part, int):
            while len(node) <= part:
                node.append(empty)
            node = node[part]
        else:
            node = node.setdefault(part, empty)
    last = path[-1]
    if isinstance(last, int):
        while len(node) <= last:
            node.append(None)
    node[last] = value


# ---- plan labels: API path → monitor-file path ---------------------------------------------

# Keys under these API paths are user data (container variable names), not API member names.
VERBATIM_API: Final = (("ModelBiasAppSpecification", "Environment"),)


def _label_prefixes() -> list[tuple[Request, FieldPath, FieldPath]]:
    out = []
    for row in FIELDS:
        if row.request in (JD, SCHED) and row.api and row.key:
            out.append((row.request, row.api_path, row.key_path))
    # Longest API path first: the most specific row names a field.
    return sorted(out, key=lambda p: -len(p[1]))


_LABELS: Final = _label_prefixes()


def label_for(request: Request, api: FieldPath) -> str | None:
    """The monitor-file path of an API path, or None when no row covers it (API-only fields).

    Deeper API members than a row names are appended in snake_case (`.._attribute`), and
    members under a verbatim prefix (container variables) as they are.
    """
    for req, prefix, key in _LABELS:
        if req is not request or api[: len(prefix)] != prefix:
            continue
        rest = api[len(prefix) :]
        if prefix in VERBATIM_API:
            return format_path((*key, *rest))
        return format_path((*key, *(snake_case(p) if isinstance(p, str) else p for p in rest)))
    return None


def snake_case(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and not name[i - 1].isupper():
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def format_path(path: FieldPath) -> str:
    return format_field_path(path)
