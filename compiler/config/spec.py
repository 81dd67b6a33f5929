"""pydantic models of a monitor file and of biaswatch.yaml: the published schema's source."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from compiler.config.scalars import scalar_text

API_VERSION = "biaswatch/v1"
KIND = "ModelBiasMonitor"

# A string field: a plain YAML scalar that looks like a number (`0755`, `1.10`) keeps the
# text the user wrote instead of becoming a number (see loader.scalar_text).
Text = Annotated[str, BeforeValidator(scalar_text)]


def _attribute_text(value: Any) -> Any:
    # The API types Features/Inference/ProbabilityAttribute as strings even when they hold
    # a column index; the AWS docs write `InferenceAttribute: 0`, so accept the number.
    value = scalar_text(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


AttributeText = Annotated[str, BeforeValidator(_attribute_text)]
# Values Clarify compares with data keep the type the user wrote (1 and "1" differ).
Scalar = bool | int | float | str


class _Model(BaseModel):
    # allow_inf_nan=False: YAML's .nan/.inf would reach analysis_config.json as NaN/Infinity,
    # which is not JSON and which Clarify cannot compare with data.
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, allow_inf_nan=False)


class Facet(_Model):
    name_or_index: int | str = Field(description="Column name or index of the sensitive attribute.")
    value_or_threshold: list[Scalar] | None = Field(
        default=None,
        description="Values of the sensitive group, or a lower bound for a numeric facet. "
        "Left out: metrics per unique value.",
    )


class AnalysisConfig(_Model):
    """Exactly the keys of Clarify's monitoring analysis_config.json."""

    version: Text | None = Field(default=None, description="Analysis config schema version.")
    headers: list[Text] | None = Field(default=None, description="Column names of the dataset.")
    label: int | str | None = Field(
        default=None, description="Target column: name or index (CSV), JMESPath (JSON Lines)."
    )
    label_values_or_threshold: list[Scalar] | float | None = Field(
        default=None, description="Positive label values, or a threshold."
    )
    facet: list[Facet] = Field(min_length=1, description="Sensitive attributes to measure.")
    group_variable: int | str | None = Field(
        default=None, description="Column used by the CDDL and CDDPL metrics."
    )


class _InputAttributes(_Model):
    destination: Text = Field(
        description="Absolute container path where the data is placed (API LocalPath)."
    )
    s3_input_mode: Literal["File", "Pipe"] = Field(default="File", description="API S3InputMode.")
    s3_data_distribution_type: Literal["FullyReplicated", "ShardedByS3Key"] = Field(
        default="FullyReplicated", description="API S3DataDistributionType."
    )
    start_time_offset: Text | None = Field(
        default=None, description="Negative ISO-8601 duration, e.g. -PT1H (API StartTimeOffset)."
    )
    end_time_offset: Text | None = Field(
        default=None, description="Negative ISO-8601 duration, e.g. -PT0H (API EndTimeOffset)."
    )
    features_attribute: AttributeText | None = Field(
        default=None, description="API FeaturesAttribute."
    )
    inference_attribute: AttributeText | None = Field(
        default=None,
        description="Index or JMESPath of the predicted label (API InferenceAttribute).",
    )
    probability_attribute: AttributeText | None = Field(
        default=None, description="Index or JMESPath of the probability (API ProbabilityAttribute)."
    )
    probability_threshold_attribute: float | None = Field(
        default=None, description="Threshold for a positive prediction, in [0, 1]."
    )
    exclude_features_attribute: Text | None = Field(
        default=None,
        description="Comma-separated features to exclude (API ExcludeFeaturesAttribute).",
    )


class EndpointInput(_InputAttributes):
    endpoint_name: Text = Field(
        description="A real-time endpoint with data capture of input and output."
    )
    destination: Text = Field(
        default="/opt/ml/processing/input/endpoint", description="API EndpointInput.LocalPath."
    )


class CsvFormat(_Model):
    header: bool = True


class JsonFormat(_Model):
    line: bool = True


class ParquetFormat(_Model):
    pass


class DatasetFormat(_Model):
    csv: CsvFormat | None = None
    json_: JsonFormat | None = Field(default=None, alias="json")
    parquet: ParquetFormat | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> DatasetFormat:
        if sum(x is not None for x in (self.csv, self.json_, self.parquet)) != 1:
            raise ValueError("set exactly one of csv, json, parquet")
        return self


class BatchTransformInput(_InputAttributes):
    data_captured_destination_s3_uri: Text = Field(
        description="Where the batch transform captures data."
    )
    destination: Text = Field(
        default="/opt/ml/processing/input", description="API BatchTransformInput.LocalPath."
    )
    dataset_format: DatasetFormat = Field(
        description="Format of the captured data: csv, json or parquet."
    )


class NetworkConfig(_Model):
    enable_network_isolation: bool = False
    encrypt_inter_container_traffic: bool = False
    security_group_ids: list[Text] | None = None
    subnets: list[Text] | None = None


class Alarm(_Model):
    """One CloudWatch alarm on a Clarify bias metric the schedule publishes (docs/alarms.md)."""

    name: Text | None = Field(
        default=None,
        description="Unique within the monitor; default: the metric in lower case (`dppl`). "
        "The alarm is named `biaswatch/<project>/<schedule name>/<name>`.",
    )
    metric: Text = Field(description="A Clarify post-training metric short name, e.g. DPPL or DI.")
    threshold: float = Field(
        description="With `measure: distance`, the largest tolerated distance from the "
        "metric's neutral value (0 for differences, 1 for DI)."
    )
    actions: list[Text] = Field(
        min_length=1, description="ARNs notified on ALARM, e.g. an SNS topic (API AlarmActions)."
    )
    ok_actions: list[Text] = Field(
        default_factory=list, description="ARNs notified when the alarm returns to OK."
    )
    facet: int | str | None = Field(
        default=None,
        description="A facet `name_or_index` of analysis_config; default: the only facet.",
    )
    facet_value: Text | None = Field(
        default=None,
        description="The FacetValue dimension; default: the facet's values joined by commas.",
    )
    label_value: Text | None = Field(
        default=None,
        description="The LabelValue dimension; default: label_values_or_threshold joined by commas.",
    )
    measure: Literal["distance", "value"] = Field(
        default="distance",
        description="distance: |metric - neutral| (one alarm for both directions); value: the metric.",
    )
    comparison: Literal[
        "GreaterThanThreshold",
        "GreaterThanOrEqualToThreshold",
        "LessThanThreshold",
        "LessThanOrEqualToThreshold",
    ] = Field(default="GreaterThanThreshold", description="API ComparisonOperator.")
    period: int | None = Field(
        default=None,
        ge=60,
        description="Seconds per datapoint; default: the schedule's interval (3600 hourly, 86400 daily).",
    )
    evaluation_periods: int = Field(default=1, ge=1, description="API EvaluationPeriods.")
    datapoints_to_alarm: int | None = Field(
        default=None, ge=1, description="API DatapointsToAlarm; default: evaluation_periods."
    )
    treat_missing_data: Literal["ignore", "missing", "breaching", "notBreaching"] = Field(
        default="ignore",
        description="A run that publishes nothing (failed, or a null metric) keeps the alarm's state.",
    )
    bias_stage: Literal["Post-Training", "Post-training"] = Field(
        default="Post-Training",
        description="The BiasStage dimension value (the docs' casing; see docs/alarms.md).",
    )
    description: Text | None = Field(default=None, description="API AlarmDescription.")


class MonitorSpec(_Model):
    """One monitor file after environment defaults, overrides and variables are applied."""

    api_version: Literal["biaswatch/v1"] = Field(description="File format version.")
    kind: Literal["ModelBiasMonitor"]
    name: Text = Field(description="The monitoring schedule's name (API MonitoringScheduleName).")
    tags: dict[Text, Text] = Field(
        default_factory=dict, description="Tags on the schedule and its job definition."
    )
    schedule_cron_expression: Text = Field(
        description="hourly | daily | cron(0 H ? * * *) | cron(0 H/N ? * * *) | NOW"
    )
    data_analysis_start_time: Text | None = Field(
        default=None, description="Required with NOW, e.g. -PT5H."
    )
    data_analysis_end_time: Text | None = Field(
        default=None, description="Required with NOW, e.g. -PT1H."
    )
    enable_cloudwatch_metrics: bool = Field(
        default=True, description="Sets the container variable publish_cloudwatch_metrics."
    )
    endpoint_input: EndpointInput | None = None
    batch_transform_input: BatchTransformInput | None = None
    ground_truth_input: Text = Field(description="S3 prefix of the ground truth labels.")
    output_s3_uri: Text | None = Field(
        default=None,
        description="Where results go. Default: s3://<artifact_bucket>/<prefix>/<name>/results.",
    )
    output_kms_key: Text | None = None
    analysis_config: AnalysisConfig
    constraints: Text | None = Field(
        default=None,
        description="The baseline constraints (Clarify's analysis.json): an s3:// URI, or "
        "a file in the repository, relative to this monitor file, which biaswatch uploads "
        "content-addressed to the artifact bucket and plans like the analysis config "
        "(write one with `biaswatch baseline`).",
    )
    baselining_job_name: Text | None = Field(
        default=None, description="A Clarify baselining processing job."
    )
    role: Text = Field(description="Execution role ARN (usually an environment default).")
    instance_type: Text = "ml.m5.xlarge"
    instance_count: int = Field(default=1, ge=1, le=100)
    volume_size_in_gb: int = Field(default=30, ge=1, le=16384)
    volume_kms_key: Text | None = None
    max_runtime_in_seconds: int = Field(
        default=1800,
        ge=1,
        le=86400,
        description="Sent explicitly; hourly bias jobs allow at most 1800.",
    )
    env: dict[Text, Text] = Field(
        default_factory=dict, description="Container environment (≤ 50 entries)."
    )
    network_config: NetworkConfig | None = None
    alarms: list[Alarm] = Field(
        default_factory=list,
        description="CloudWatch alarms on the bias metrics this schedule publishes (docs/alarms.md).",
    )
    enabled: bool = Field(default=True, description="false keeps the schedule but stopped.")
    deletion_protection: bool = Field(default=False, description="Refuse delete and replacement.")
    environments: list[Text] | None = Field(
        default=None, description="Where the monitor exists; default all."
    )
    overrides: dict[Text, dict[str, Any]] = Field(
        default_factory=dict, description="Per-environment values merged over the file's."
    )


# How long a new schedule stays Pending in the emulator: the environment key's and
# `emulator serve --pending-seconds`'s default.
EMULATOR_PENDING_SECONDS = 0.5


class EmulatorSettings(_Model):
    state_file: Text = Field(
        default=".biaswatch/local-state.json", description="Kept between runs; gitignore it."
    )
    pending_seconds: float = Field(
        default=EMULATOR_PENDING_SECONDS, ge=0, description="How long new schedules stay Pending."
    )
    endpoints: list[Text] = Field(
        default_factory=list,
        description="Real-time endpoints (with data capture of input and output) the emulator provides.",
    )


class Environment(_Model):
    region: Text
    account_id: Text | None = Field(
        default=None, description="Apply refuses to run under another account."
    )
    artifact_bucket: Text = Field(description="Bucket for analysis configs and the lock.")
    artifact_prefix: Text = "biaswatch"
    endpoint_url: Text | None = Field(
        default=None, description="A SageMaker-compatible endpoint, e.g. a served emulator."
    )
    emulator: EmulatorSettings | None = Field(
        default=None, description="Run an embedded local emulator."
    )
    vars: dict[Text, Text] = Field(default_factory=dict)
    defaults: dict[str, Any] = Field(
        default_factory=dict, description="Monitor keys merged under every monitor."
    )


class ProjectConfig(_Model):
    project: Text = Field(description="Value of the biaswatch:project ownership tag.")
    monitors: Text = "monitors"
    default_environment: Text = "local"
    environments: dict[Text, Environment] = Field(min_length=1)
