"""A monitor's `alarms:` → CloudWatch PutMetricAlarm requests (pure and deterministic).

Facts (AWS Developer Guide, clarify-model-monitor-bias-drift-cw; shared/reference/
sagemaker-model-bias.md §3.11):
- namespace `aws/sagemaker/Endpoints/bias-metrics` for endpoint monitors and
  `aws/sagemaker/ModelMonitoring/bias-metrics` for batch transform monitors (no leading slash);
- metric `bias_metric_<SHORT>`;
- dimensions `Endpoint` (endpoint monitors only), `MonitoringSchedule`, `BiasStage`, `Label`,
  `LabelValue`, `Facet`, `FacetValue`;
- ±infinity is published as ±2.348543e108; errors and nulls are not published.

UNCONFIRMED (modelled conservatively, overridable per alarm; see docs/alarms.md):
- the BiasStage casing actually published (`Post-Training` as documented; `bias_stage`);
- how a list of label or facet values becomes one LabelValue/FacetValue (joined by commas
  here; `label_value`, `facet_value`);
- that a batch transform monitor's metrics carry no `Endpoint` dimension.

The alarm watches the distance from the metric's neutral value (0 for differences, 1 for
DI) with metric math, so one alarm fires for bias in either direction. The infinity sentinel
never fires it by accident: every datapoint whose magnitude reaches SENTINEL_CUTOFF is
mapped, with the three-argument IF, to the neutral value (distance 0), which no allowed
threshold breaches (rules check that). Two statistics per period (Maximum and Minimum)
keep a second run in the same period from hiding the first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from compiler.config.spec import Alarm, MonitorSpec
from compiler.desired import facts
from compiler.desired.resources import AlarmRequest

ENDPOINT_NAMESPACE: Final = "aws/sagemaker/Endpoints/bias-metrics"
BATCH_NAMESPACE: Final = "aws/sagemaker/ModelMonitoring/bias-metrics"
METRIC_PREFIX: Final = "bias_metric_"
INFINITY_SENTINEL: Final = 2.348543e108
# Far above any finite bias measurement, far below the sentinel; a plain integer literal so
# the expression needs no scientific notation.
SENTINEL_CUTOFF: Final = "1000000000000"
ALARM_NAME_MAX: Final = 255  # botocore's AlarmName shape (checked through servicemodel too)
NAME_ROOT: Final = "biaswatch"

# Clarify's post-training metrics (shared/reference/clarify-analysis.md) and their neutral
# value: DI is a ratio (1 = parity), every other one a difference (0 = parity).
POST_TRAINING_METRICS: Final[Mapping[str, float]] = {
    "AD": 0.0,
    "CDDPL": 0.0,
    "DAR": 0.0,
    "DCA": 0.0,
    "DCR": 0.0,
    "DI": 1.0,
    "DPPL": 0.0,
    "DRR": 0.0,
    "FT": 0.0,
    "GE": 0.0,
    "RD": 0.0,
    "SD": 0.0,
    "TE": 0.0,
}
GREATER: Final = ("GreaterThanThreshold", "GreaterThanOrEqualToThreshold")


def alarm_prefix(project: str) -> str:
    """Every alarm this project owns starts with this (DescribeAlarms and IAM scope by it)."""
    return f"{NAME_ROOT}/{project}/"


def schedule_alarm_prefix(project: str, schedule: str) -> str:
    return f"{alarm_prefix(project)}{schedule}/"


def alarm_key(alarm: Alarm) -> str:
    return alarm.name if alarm.name is not None else alarm.metric.lower()


def alarm_name(project: str, schedule: str, key: str) -> str:
    return f"{schedule_alarm_prefix(project, schedule)}{key}"


def neutral_value(metric: str) -> float:
    return POST_TRAINING_METRICS.get(metric, 0.0)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def joined(values: Any) -> str:
    """A list of label or facet values as one dimension value (UNCONFIRMED: comma-joined)."""
    if isinstance(values, list):
        return ",".join(_text(v) for v in values)
    return _text(values)


def period_seconds(spec: MonitorSpec, alarm: Alarm) -> int:
    if alarm.period is not None:
        return alarm.period
    hours = facts.schedule_period_hours(facts.schedule_expression(spec.schedule_cron_expression))
    return 3600 * (hours or 1)


def resolve_facet(spec: MonitorSpec, alarm: Alarm) -> Any:
    """The analysis_config facet entry the alarm watches; None when it names none."""
    facets = spec.analysis_config.facet
    if alarm.facet is None:
        return facets[0] if len(facets) == 1 else None
    for facet in facets:
        if facet.name_or_index == alarm.facet:
            return facet
    return None


def dimensions(spec: MonitorSpec, alarm: Alarm) -> list[dict[str, str]]:
    facet = resolve_facet(spec, alarm)
    config = spec.analysis_config
    facet_value = alarm.facet_value
    if facet_value is None and facet is not None and facet.value_or_threshold is not None:
        facet_value = joined(facet.value_or_threshold)
    label_value = alarm.label_value
    if label_value is None and config.label_values_or_threshold is not None:
        label_value = joined(config.label_values_or_threshold)
    dims: list[tuple[str, str | None]] = []
    if spec.endpoint_input is not None:
        dims.append(("Endpoint", spec.endpoint_input.endpoint_name))
    dims += [
        ("MonitoringSchedule", spec.name),
        ("BiasStage", alarm.bias_stage),
        ("Label", None if config.label is None else _text(config.label)),
        ("LabelValue", label_value),
        ("Facet", None if facet is None else _text(facet.name_or_index)),
        ("FacetValue", facet_value),
    ]
    return [{"Name": n, "Value": v} for n, v in dims if v is not None]


def expression(alarm: Alarm) -> str:
    """Metric math over m1 (Maximum) and m2 (Minimum) of the period."""
    neutral = neutral_value(alarm.metric)
    n = _text(neutral)

    def one(m: str) -> str:
        measured = (
            (f"ABS({m} - {n})" if neutral else f"ABS({m})") if alarm.measure == "distance" else m
        )
        fallback = "0" if alarm.measure == "distance" else n
        return f"IF(ABS({m}) < {SENTINEL_CUTOFF}, {measured}, {fallback})"

    combine = "MAX" if alarm.measure == "distance" or alarm.comparison in GREATER else "MIN"
    return f"{combine}([{one('m1')}, {one('m2')}])"


def _description(spec: MonitorSpec, alarm: Alarm, source_path: str) -> str:
    if alarm.description is not None:
        return alarm.description
    what = (
        f"distance of {alarm.metric} from {_text(neutral_value(alarm.metric))}"
        if alarm.measure == "distance"
        else alarm.metric
    )
    return f"biaswatch: {what} on schedule {spec.name} ({source_path})"


def compile_alarm(
    spec: MonitorSpec,
    alarm: Alarm,
    project: str,
    source_path: str,
    tags: Sequence[tuple[str, str]],
) -> AlarmRequest:
    key = alarm_key(alarm)
    name = alarm_name(project, spec.name, key)
    namespace = ENDPOINT_NAMESPACE if spec.endpoint_input is not None else BATCH_NAMESPACE
    period = period_seconds(spec, alarm)
    metric = {
        "Namespace": namespace,
        "MetricName": f"{METRIC_PREFIX}{alarm.metric}",
        "Dimensions": dimensions(spec, alarm),
    }
    request: dict[str, Any] = {
        "AlarmName": name,
        "AlarmDescription": _description(spec, alarm, source_path),
        "ActionsEnabled": True,
        "OKActions": list(alarm.ok_actions),
        "AlarmActions": list(alarm.actions),
        "InsufficientDataActions": [],
        "EvaluationPeriods": alarm.evaluation_periods,
        "DatapointsToAlarm": alarm.datapoints_to_alarm or alarm.evaluation_periods,
        "Threshold": float(alarm.threshold),
        "ComparisonOperator": alarm.comparison,
        "TreatMissingData": alarm.treat_missing_data,
        "Metrics": [
            {
                "Id": "m1",
                "MetricStat": {"Metric": metric, "Period": period, "Stat": "Maximum"},
                "ReturnData": False,
            },
            {
                "Id": "m2",
                "MetricStat": {"Metric": metric, "Period": period, "Stat": "Minimum"},
                "ReturnData": False,
            },
            {
                "Id": "e1",
                "Expression": expression(alarm),
                "Label": f"{alarm.metric} {alarm.measure}",
                "ReturnData": True,
            },
        ],
        "Tags": [{"Key": k, "Value": v} for k, v in tags],
    }
    return AlarmRequest(key, name, request)


def compile_alarms(
    spec: MonitorSpec, project: str, source_path: str, tags: Sequence[tuple[str, str]]
) -> tuple[AlarmRequest, ...]:
    return tuple(compile_alarm(spec, a, project, source_path, tags) for a in spec.alarms)
