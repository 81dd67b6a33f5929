"""Semantic rules for a monitor's `alarms:` (E333–E339, W610–W611), and the strict check of
every compiled PutMetricAlarm against botocore's CloudWatch model."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable

from compiler.config.source import FieldPath, format_field_path
from compiler.config.spec import Alarm, MonitorSpec
from compiler.desired import alarms as compiled
from compiler.desired import facts
from compiler.desired import servicemodel as awsmodel
from compiler.desired.resources import Desired
from compiler.diagnostics import Diagnostic, Severity, SourceSpan

Locate = Callable[[FieldPath], SourceSpan]

# Clarify's pre-training metrics: published too, but they measure the data, not the model.
PRE_TRAINING_METRICS = ("CDDL", "CI", "DPL", "JS", "KL", "KS", "LP", "TVD")
_ARN = re.compile(r"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:[0-9]*:\S+")
# An alarm's evaluation range: at most 7 days, 1 day for periods under an hour
# (PutMetricAlarm API reference, Period / EvaluationPeriods).
MAX_RANGE_SECONDS = 604_800
MAX_RANGE_SHORT_PERIOD_SECONDS = 86_400
_KEY = re.compile(r"[a-z0-9][a-z0-9_.-]*")


class _AlarmRules:
    def __init__(self, spec: MonitorSpec, locate: Locate, region: str, project: str) -> None:
        self.spec = spec
        self.locate = locate
        self.region = region
        self.project = project
        self.out: list[Diagnostic] = []

    def report(
        self,
        code: str,
        field: FieldPath,
        message: str,
        *hints: str,
        severity: Severity = Severity.ERROR,
    ) -> None:
        self.out.append(
            Diagnostic(
                code,
                message,
                self.locate(field),
                format_field_path(field),
                severity,
                hints,
            )
        )


def check_alarms(spec: MonitorSpec, locate: Locate, region: str, project: str) -> list[Diagnostic]:
    """Every problem of the monitor's alarms, located at the offending key."""
    if not spec.alarms:
        return []
    r = _AlarmRules(spec, locate, region, project)
    if not spec.enable_cloudwatch_metrics:
        r.report(
            "E334",
            ("enable_cloudwatch_metrics",),
            "alarms need the bias metrics in CloudWatch, but enable_cloudwatch_metrics is false",
            "set enable_cloudwatch_metrics: true, or remove the alarms",
        )
    if facts.schedule_expression(spec.schedule_cron_expression) == facts.NOW:
        r.report(
            "W611",
            ("alarms",),
            "a one-off (NOW) schedule publishes its metrics once; its alarms evaluate one run",
            severity=Severity.WARNING,
        )
    seen: dict[str, int] = {}
    watches: dict[tuple[object, ...], int] = {}
    for i, alarm in enumerate(spec.alarms):
        base: FieldPath = ("alarms", i)
        _metric(r, base, alarm)
        _facet(r, base, alarm)
        _actions(r, base, alarm)
        _name(r, base, alarm, seen, i)
        _evaluation(r, base, alarm)
        watch = (
            alarm.metric,
            tuple(sorted((d["Name"], d["Value"]) for d in compiled.dimensions(spec, alarm))),
            alarm.measure,
            alarm.comparison,
            alarm.threshold,
        )
        if watch in watches:
            r.report(
                "E338",
                base,
                f"alarm {i} watches exactly what alarm {watches[watch]} watches",
                "remove one of them, or change its threshold, comparison or facet",
            )
        else:
            watches[watch] = i
    return r.out


def _metric(r: _AlarmRules, base: FieldPath, alarm: Alarm) -> None:
    known = sorted(compiled.POST_TRAINING_METRICS)
    if alarm.metric in compiled.POST_TRAINING_METRICS:
        return
    hints = []
    upper = {m.upper(): m for m in known}
    close = difflib.get_close_matches(alarm.metric.upper(), list(upper), n=1, cutoff=0.5)
    if alarm.metric.upper() in upper:
        hints.append(
            f"did you mean {upper[alarm.metric.upper()]!r}? (short names are case-sensitive)"
        )
    elif close:
        hints.append(f"did you mean {upper[close[0]]!r}?")
    if alarm.metric in PRE_TRAINING_METRICS:
        hints.append(
            f"{alarm.metric} is a pre-training metric: it measures the data, not the model"
        )
    hints.append(f"known post-training metrics: {', '.join(known)}")
    r.report(
        "E333",
        (*base, "metric"),
        f"unknown bias metric {alarm.metric!r}",
        *hints,
    )


def _facet(r: _AlarmRules, base: FieldPath, alarm: Alarm) -> None:
    facets = r.spec.analysis_config.facet
    names = ", ".join(repr(f.name_or_index) for f in facets)
    if alarm.facet is None:
        if len(facets) > 1:
            r.report(
                "E335",
                base,
                f"the monitor has {len(facets)} facets; the alarm must name one",
                f"add `facet:` with one of {names}",
            )
        return
    if compiled.resolve_facet(r.spec, alarm) is None:
        r.report(
            "E335",
            (*base, "facet"),
            f"facet {alarm.facet!r} is not in analysis_config.facet",
            f"facets: {names}",
        )


def _actions(r: _AlarmRules, base: FieldPath, alarm: Alarm) -> None:
    for key, values in (("actions", alarm.actions), ("ok_actions", alarm.ok_actions)):
        for j, action in enumerate(values):
            field = (*base, key, j)
            if not _ARN.fullmatch(action):
                r.report(
                    "E336",
                    field,
                    f"alarm action {action!r} is not an ARN",
                    "write the topic's ARN, e.g. arn:aws:sns:<region>:<account>:<topic>",
                )
                continue
            region = action.split(":")[3]
            if region and region != r.region:
                r.report(
                    "W610",
                    field,
                    f"alarm action {action!r} is in region {region!r}; the alarm is in {r.region!r}",
                    "CloudWatch alarm actions normally live in the alarm's region",
                    severity=Severity.WARNING,
                )


def _name(r: _AlarmRules, base: FieldPath, alarm: Alarm, seen: dict[str, int], i: int) -> None:
    key = compiled.alarm_key(alarm)
    field = (*base, "name") if alarm.name is not None else (*base, "metric")
    full = compiled.alarm_name(r.project, r.spec.name, key)
    if not _KEY.fullmatch(key):
        r.report(
            "E337",
            field,
            f"alarm name {key!r} is not valid",
            "use lower-case letters, digits, '-', '_' and '.', starting with a letter or digit",
        )
    elif len(full) > compiled.ALARM_NAME_MAX:
        r.report(
            "E337",
            field,
            f"alarm name {full!r} has {len(full)} characters; CloudWatch allows "
            f"{compiled.ALARM_NAME_MAX}",
            "shorten the alarm's name (or the schedule's)",
        )
    if key in seen:
        r.report(
            "E338",
            field,
            f"alarm name {key!r} is also used by alarm {seen[key]}",
            "give each alarm its own `name:`",
        )
    else:
        seen[key] = i


def _evaluation(r: _AlarmRules, base: FieldPath, alarm: Alarm) -> None:
    period = compiled.period_seconds(r.spec, alarm)
    if alarm.period is not None and alarm.period % 60:
        r.report("E339", (*base, "period"), f"period {alarm.period} is not a multiple of 60")
    limit = MAX_RANGE_SECONDS if period >= 3600 else MAX_RANGE_SHORT_PERIOD_SECONDS
    if period * alarm.evaluation_periods > limit:
        r.report(
            "E339",
            (*base, "evaluation_periods"),
            f"{alarm.evaluation_periods} periods of {period} s exceed CloudWatch's "
            f"evaluation range of {limit} s",
            f"use at most {limit // period} evaluation periods",
        )
    if (
        alarm.datapoints_to_alarm is not None
        and alarm.datapoints_to_alarm > alarm.evaluation_periods
    ):
        r.report(
            "E339",
            (*base, "datapoints_to_alarm"),
            f"datapoints_to_alarm {alarm.datapoints_to_alarm} is more than "
            f"evaluation_periods {alarm.evaluation_periods}",
        )
    neutral = compiled.neutral_value(alarm.metric)
    # The value an infinity sentinel is mapped to (see desired/alarms.py) must never breach.
    fallback = 0.0 if alarm.measure == "distance" else neutral
    if _breaches(fallback, alarm.comparison, alarm.threshold):
        hint = (
            "a distance alarm fires above the threshold: use GreaterThanThreshold and a "
            "threshold above 0"
            if alarm.measure == "distance"
            else f"the neutral value {neutral:g} must be on the OK side of the threshold"
        )
        r.report(
            "E339",
            (*base, "threshold"),
            f"{alarm.comparison} {alarm.threshold:g} would fire at the metric's neutral "
            f"{'distance 0' if alarm.measure == 'distance' else f'value {neutral:g}'}",
            hint,
        )


def _breaches(value: float, comparison: str, threshold: float) -> bool:
    return {
        "GreaterThanThreshold": value > threshold,
        "GreaterThanOrEqualToThreshold": value >= threshold,
        "LessThanThreshold": value < threshold,
        "LessThanOrEqualToThreshold": value <= threshold,
    }[comparison]


def check_compiled_alarms(desired: Desired, locate: Locate) -> list[Diagnostic]:
    """Every compiled PutMetricAlarm against botocore's CloudWatch model (E327)."""
    out = []
    for i, alarm in enumerate(desired.alarms):
        for problem in awsmodel.check_request("PutMetricAlarm", alarm.request, "cloudwatch"):
            out.append(
                Diagnostic(
                    "E327",
                    f"PutMetricAlarm.{problem.path}: {problem.message}",
                    locate(("alarms", i)),
                    f"alarms[{i}]",
                )
            )
    return out
