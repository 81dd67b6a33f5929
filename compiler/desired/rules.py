"""Semantic rules beyond the schema: SageMaker's own limits, checked before any call.

Each rule returns diagnostics with a stable code, the field path in the user's vocabulary
and the span the value came from. Limits that the service model carries (patterns,
lengths, enums) are read from botocore at run time through compiler.desired.servicemodel.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from compiler.config.source import FieldPath, format_field_path, is_repo_file
from compiler.config.spec import MonitorSpec
from compiler.desired import facts
from compiler.desired import servicemodel as awsmodel
from compiler.desired.resources import RESERVED_TAG_PREFIX, Desired
from compiler.diagnostics import Diagnostic, SourceSpan

Locate = Callable[[FieldPath], SourceSpan]


class _Rules:
    def __init__(self, spec: MonitorSpec, locate: Locate, region: str) -> None:
        self.spec = spec
        self.locate = locate
        self.region = region
        self.out: list[Diagnostic] = []

    def error(self, code: str, field: FieldPath, message: str, *hints: str) -> None:
        self.out.append(
            Diagnostic(code, message, self.locate(field), format_field_path(field), hints=hints)
        )

    def string(
        self, code: str, field: FieldPath, value: str | None, shape: str, what: str, *hints: str
    ) -> None:
        """Check a value against one of the service model's string shapes."""
        if value is None:
            return
        problems = awsmodel.check_shape(shape, value)
        if problems:
            meta = awsmodel.string_limits(shape)
            limits = []
            if "max" in meta:
                limits.append(f"at most {meta['max']} characters")
            if "pattern" in meta:
                limits.append(f"matching {meta['pattern']}")
            self.error(code, field, f"{what} {value!r} is not valid: {', '.join(limits)}", *hints)


def _shown(text: str) -> str:
    """A user value quoted for a message, cut short so that a hostile value cannot flood it."""
    shown = repr(text)
    return shown if len(shown) <= 60 else f"{shown[:57]}... ({len(text):,} characters)"


def check_monitor(spec: MonitorSpec, locate: Locate, region: str) -> list[Diagnostic]:
    """Every semantic problem of one resolved monitor."""
    r = _Rules(spec, locate, region)
    _names(r)
    _inputs(r)
    _schedule(r)
    _uris_and_ids(r)
    _cluster(r)
    _environment(r)
    _tags(r)
    _analysis_config(r)
    return r.out


def _names(r: _Rules) -> None:
    r.string(
        "E301",
        ("name",),
        r.spec.name,
        "MonitoringScheduleName",
        "schedule name",
        "use 1-63 letters, digits and single hyphens, starting and ending with a letter or digit",
    )
    if r.spec.baselining_job_name:
        r.string(
            "E301",
            ("baselining_job_name",),
            r.spec.baselining_job_name,
            "ProcessingJobName",
            "job name",
        )
    if r.spec.endpoint_input:
        r.string(
            "E301",
            ("endpoint_input", "endpoint_name"),
            r.spec.endpoint_input.endpoint_name,
            "EndpointName",
            "endpoint name",
        )


def _inputs(r: _Rules) -> None:
    spec = r.spec
    if (spec.endpoint_input is None) == (spec.batch_transform_input is None):
        which = "both are set" if spec.endpoint_input else "neither is set"
        r.error(
            "E323",
            ("batch_transform_input",) if spec.endpoint_input else ("name",),
            f"exactly one of endpoint_input and batch_transform_input is required; {which}",
            "monitor a real-time endpoint with endpoint_input or a batch transform job with batch_transform_input",
        )
    if spec.constraints and spec.baselining_job_name:
        r.error(
            "E324",
            ("baselining_job_name",),
            "constraints and baselining_job_name are exclusive",
            "keep constraints (an S3 analysis.json) or the baselining job, not both",
        )
    for key, inp in (
        ("endpoint_input", spec.endpoint_input),
        ("batch_transform_input", spec.batch_transform_input),
    ):
        if inp is None:
            continue
        base: FieldPath = (key,)
        if not inp.destination.startswith("/"):
            r.error(
                "E318",
                (*base, "destination"),
                f"destination {inp.destination!r} is not an absolute container path",
                f"write '/{inp.destination}'",
            )
        else:
            r.string(
                "E318",
                (*base, "destination"),
                inp.destination,
                "ProcessingLocalPath",
                "destination",
            )
        offsets = {}
        for attr in ("start_time_offset", "end_time_offset"):
            text = getattr(inp, attr)
            if text is None:
                continue
            seconds = facts.offset_seconds(text)
            if seconds is None or len(text) > facts.MAX_OFFSET_LENGTH:
                r.error(
                    "E302",
                    (*base, attr),
                    f"{_shown(text)} is not a negative ISO-8601 duration of at most 15 characters",
                    "write e.g. -PT1H (hours), -PT30M (minutes) or -P1D (days)",
                )
            else:
                offsets[attr] = seconds
        if len(offsets) == 2 and offsets["start_time_offset"] >= offsets["end_time_offset"]:
            r.error(
                "E303",
                (*base, "start_time_offset"),
                f"start_time_offset {inp.start_time_offset!r} must come before end_time_offset {inp.end_time_offset!r}",
                "the start offset must reach further back, e.g. start -PT2H, end -PT1H",
            )
        threshold = inp.probability_threshold_attribute
        if threshold is not None and not 0.0 <= threshold <= 1.0:
            r.error(
                "E326",
                (*base, "probability_threshold_attribute"),
                f"probability threshold {threshold} is outside [0, 1]",
            )
        if inp.exclude_features_attribute is not None:
            r.string(
                "E204",
                (*base, "exclude_features_attribute"),
                inp.exclude_features_attribute,
                "ExcludeFeaturesAttribute",
                "exclude_features_attribute",
            )


def _schedule(r: _Rules) -> None:
    spec = r.spec
    text = spec.schedule_cron_expression
    expression = facts.schedule_expression(text)
    if not facts.is_valid_schedule_expression(expression):
        r.error(
            "E304",
            ("schedule_cron_expression",),
            f"{text!r} is not a schedule SageMaker accepts",
            "write hourly, daily, cron(0 H ? * * *) with H 0-23, cron(0 H/N ? * * *) with N 1-24, or NOW",
        )
        return
    start, end = spec.data_analysis_start_time, spec.data_analysis_end_time
    if expression == facts.NOW and (start is None or end is None):
        missing = " and ".join(
            n
            for n, v in (("data_analysis_start_time", start), ("data_analysis_end_time", end))
            if v is None
        )
        r.error(
            "E305",
            ("schedule_cron_expression",),
            f"a NOW schedule needs {missing}",
            "e.g. data_analysis_start_time: -PT5H and data_analysis_end_time: -PT1H",
        )
    times: dict[str, int] = {}
    for attr, value in (("data_analysis_start_time", start), ("data_analysis_end_time", end)):
        if value is None:
            continue
        seconds = facts.offset_seconds(value)
        if seconds is None or len(value) > facts.MAX_OFFSET_LENGTH:
            r.error(
                "E302",
                (attr,),
                f"{_shown(value)} is not a negative ISO-8601 duration of at most 15 characters",
                "write e.g. -PT5H",
            )
        else:
            times[attr] = seconds
    if len(times) == 2:
        s, e = times["data_analysis_start_time"], times["data_analysis_end_time"]
        if s >= e:
            r.error(
                "E325",
                ("data_analysis_start_time",),
                f"data_analysis_start_time {start!r} must come before data_analysis_end_time {end!r}",
            )
        elif e - s > facts.MAX_DATA_ANALYSIS_WINDOW_HOURS * 3600:
            r.error(
                "E306",
                ("data_analysis_start_time",),
                f"the analysis window from {start!r} to {end!r} is longer than 24 hours",
            )
    period = facts.schedule_period_hours(expression)
    if period == 1 and spec.max_runtime_in_seconds > facts.HOURLY_BIAS_MAX_RUNTIME:
        r.error(
            "E307",
            ("max_runtime_in_seconds",),
            f"hourly bias schedules allow at most {facts.HOURLY_BIAS_MAX_RUNTIME} s, got {spec.max_runtime_in_seconds}",
            "the merge job and the analysis share the hour; lower max_runtime_in_seconds or run less often",
        )
    elif period is not None and spec.max_runtime_in_seconds > period * 3600:
        r.error(
            "E307",
            ("max_runtime_in_seconds",),
            f"max_runtime_in_seconds {spec.max_runtime_in_seconds} exceeds the schedule's period of {period} h",
        )


def _uris_and_ids(r: _Rules) -> None:
    spec = r.spec
    uris: list[tuple[FieldPath, str | None, str]] = [
        (("ground_truth_input",), spec.ground_truth_input, "MonitoringS3Uri"),
        (("output_s3_uri",), spec.output_s3_uri, "MonitoringS3Uri"),
    ]
    if spec.constraints and not is_repo_file(spec.constraints):  # a file: see pipeline
        uris.append((("constraints",), spec.constraints, "S3Uri"))
    if spec.batch_transform_input:
        uris.append(
            (
                ("batch_transform_input", "data_captured_destination_s3_uri"),
                spec.batch_transform_input.data_captured_destination_s3_uri,
                "DestinationS3Uri",
            )
        )
    for field, value, shape in uris:
        if value is None:
            continue
        if not value.startswith("s3://") or value == "s3://":
            # The API pattern also admits https://, but Model Monitor reads from S3 only.
            r.error(
                "E309",
                field,
                f"{value!r} is not an s3://bucket/prefix URI",
                "write s3://bucket/prefix",
            )
        else:
            r.string("E309", field, value, shape, "S3 URI", "write s3://bucket/prefix")
    r.string("E310", ("output_kms_key",), spec.output_kms_key, "KmsKeyId", "KMS key id")
    r.string("E310", ("volume_kms_key",), spec.volume_kms_key, "KmsKeyId", "KMS key id")
    r.string(
        "E311",
        ("role",),
        spec.role,
        "RoleArn",
        "role ARN",
        "write arn:aws:iam::<account>:role/<name>",
    )
    net = spec.network_config
    if net is not None:
        for attr, shape, limit in (
            ("security_group_ids", "SecurityGroupId", 5),
            ("subnets", "SubnetId", 16),
        ):
            values = getattr(net, attr)
            if values is None:
                continue
            if not 1 <= len(values) <= limit:
                r.error(
                    "E312",
                    ("network_config", attr),
                    f"{attr} needs 1 to {limit} entries, got {len(values)}",
                )
            for i, value in enumerate(values):
                r.string(
                    "E312",
                    ("network_config", attr, i),
                    value,
                    shape,
                    attr.rstrip("s").replace("_ids", " id"),
                )
        if bool(net.security_group_ids) != bool(net.subnets):
            r.error(
                "E312",
                ("network_config",),
                "security_group_ids and subnets go together (VpcConfig needs both)",
            )


def _cluster(r: _Rules) -> None:
    allowed = awsmodel.enum_values("ProcessingInstanceType")
    if r.spec.instance_type not in allowed:
        close = [t for t in allowed if t.split(".")[1:2] == r.spec.instance_type.split(".")[1:2]][
            :4
        ]
        hints = (
            (f"instance types of that family: {', '.join(close)}",)
            if close
            else ("e.g. ml.m5.xlarge",)
        )
        r.error(
            "E308",
            ("instance_type",),
            f"{r.spec.instance_type!r} is not a processing instance type",
            *hints,
        )
    if facts.clarify_image_uri(r.region) is None:
        r.error(
            "E320",
            ("name",),
            f"region {r.region!r} has no SageMaker Clarify image",
            "choose a region from the SageMaker Python SDK's clarify image table",
        )


def _environment(r: _Rules) -> None:
    env = r.spec.env
    if len(env) > facts.MAX_ENV_ENTRIES - 1:
        r.error(
            "E313",
            ("env",),
            f"env has {len(env)} entries; at most {facts.MAX_ENV_ENTRIES - 1} fit beside publish_cloudwatch_metrics",
        )
    for key, value in env.items():
        if key == facts.CLOUDWATCH_ENV:
            r.error(
                "E314",
                ("env", key),
                "publish_cloudwatch_metrics is set by enable_cloudwatch_metrics",
                "write enable_cloudwatch_metrics: true or false instead",
            )
            continue
        if awsmodel.check_shape("ProcessingEnvironmentKey", key):
            r.error(
                "E314",
                ("env", key),
                f"environment key {key!r} must match [a-zA-Z_][a-zA-Z0-9_]* and be at most 256 characters",
            )
        if awsmodel.check_shape("ProcessingEnvironmentValue", value):
            r.error("E314", ("env", key), "environment value must be at most 256 characters")


def _tags(r: _Rules) -> None:
    tags = r.spec.tags
    own = 3 if r.spec.deletion_protection else 2  # project, source (+ deletion protection)
    if len(tags) + own > facts.MAX_TAGS:
        r.error(
            "E315",
            ("tags",),
            f"{len(tags)} tags plus biaswatch's {own} own tags exceed the limit of {facts.MAX_TAGS}",
        )
    for key, value in tags.items():
        if key.lower().startswith("aws:"):
            r.error("E316", ("tags", key), f"tag key {key!r} uses the reserved aws: prefix")
        elif key.startswith(RESERVED_TAG_PREFIX):
            r.error(
                "E316",
                ("tags", key),
                f"tag key {key!r} uses biaswatch's own prefix",
                "biaswatch sets these tags itself",
            )
        elif awsmodel.check_shape("TagKey", key):
            r.error(
                "E316",
                ("tags", key),
                f"tag key {key!r} must be 1-128 letters, digits, spaces or _.:/=+-@",
            )
        if awsmodel.check_shape("TagValue", value):
            r.error(
                "E316",
                ("tags", key),
                f"tag value {value!r} must be at most 256 letters, digits, spaces or _.:/=+-@",
            )


def _analysis_config(r: _Rules) -> None:
    config = r.spec.analysis_config
    if not config.headers:
        return
    headers = set(config.headers)
    base: FieldPath = ("analysis_config",)
    checks: list[tuple[FieldPath, Any]] = [
        ((*base, "label"), config.label),
        ((*base, "group_variable"), config.group_variable),
    ]
    checks += [
        ((*base, "facet", i, "name_or_index"), f.name_or_index) for i, f in enumerate(config.facet)
    ]
    for field, value in checks:
        if isinstance(value, str) and value not in headers:
            r.error(
                "E317",
                field,
                f"{value!r} is not one of the headers",
                f"headers: {', '.join(config.headers)}",
            )
        elif isinstance(value, int) and not 0 <= value < len(config.headers):
            r.error("E317", field, f"index {value} is outside the {len(config.headers)} headers")


def check_compiled(desired: Desired, locate: Locate) -> list[Diagnostic]:
    """The compiled requests against the service model: a safety net behind the rules."""
    out = []
    for op, payload in (
        ("CreateModelBiasJobDefinition", desired.create_job_definition),
        ("CreateMonitoringSchedule", desired.create_schedule),
    ):
        for problem in awsmodel.check_request(op, payload):
            out.append(
                Diagnostic(
                    "E327", f"{op}.{problem.path}: {problem.message}", locate(("name",)), "name"
                )
            )
    return out


def check_unique_names(
    named: Iterable[tuple[str, str, SourceSpan]], environment: str
) -> Iterator[Diagnostic]:
    """Schedule names are unique per account and region: one file per name per environment."""
    first: dict[str, tuple[str, SourceSpan]] = {}
    for name, path, span in named:
        if name in first:
            other_path, other_span = first[name]
            yield Diagnostic(
                "E319",
                f"schedule name {name!r} is also used by {other_path}:{other_span.line} in environment {environment!r}",
                span,
                "name",
                hints=("give each monitor file its own name",),
            )
        else:
            first[name] = (path, span)
