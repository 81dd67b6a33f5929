"""Alarms as data: live CloudWatch alarms projected to the request's shape, and per monitor
what apply must create, update, retag or delete (pure).

Only alarms under the project's name prefix (`biaswatch/<project>/`) are read, and only
those carrying this project's ownership tag are ever changed; an alarm under the prefix
that another project (or nobody) owns is reported (W612) and left alone.
"""

from __future__ import annotations

import copy
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from compiler.desired.alarms import METRIC_PREFIX, schedule_alarm_prefix
from compiler.desired.resources import OWNER_TAG, AlarmRequest, Desired
from compiler.diagnostics import Diagnostic, Severity, SourceSpan
from compiler.state.diff import FieldChange

# PutMetricAlarm members biaswatch compares (AlarmName is the key; Tags are compared apart).
_COMPARED = (
    "AlarmDescription",
    "ActionsEnabled",
    "OKActions",
    "AlarmActions",
    "InsufficientDataActions",
    "EvaluationPeriods",
    "DatapointsToAlarm",
    "Threshold",
    "ComparisonOperator",
    "TreatMissingData",
    "Metrics",
    "MetricName",
    "Namespace",
    "Statistic",
    "ExtendedStatistic",
    "Dimensions",
    "Period",
    "Unit",
    "EvaluateLowSampleCountPercentile",
    "ThresholdMetricId",
)
_QUERY_MEMBERS = ("Id", "MetricStat", "Expression", "Label", "ReturnData", "Period", "AccountId")


@dataclass(frozen=True)
class LiveAlarm:
    name: str
    arn: str
    config: Mapping[str, Any]  # normalize_alarm of the DescribeAlarms entry
    tags: Mapping[str, str]

    @property
    def owner(self) -> str | None:
        return self.tags.get(OWNER_TAG)


def _dimensions(dims: Any) -> list[dict[str, str]]:
    return sorted(
        ({"Name": d["Name"], "Value": d["Value"]} for d in dims or ()), key=lambda d: d["Name"]
    )


def normalize_alarm(alarm: Mapping[str, Any]) -> dict[str, Any]:
    """A PutMetricAlarm request or a DescribeAlarms entry in one canonical form."""
    out = {k: copy.deepcopy(alarm[k]) for k in _COMPARED if alarm.get(k) is not None}
    for key in ("OKActions", "AlarmActions", "InsufficientDataActions"):
        out[key] = sorted(out.get(key) or [])
    out.setdefault("ActionsEnabled", True)
    out.setdefault("TreatMissingData", "missing")  # CloudWatch's default when left out
    if "EvaluationPeriods" in out:
        out.setdefault("DatapointsToAlarm", out["EvaluationPeriods"])
    if "Threshold" in out:
        out["Threshold"] = float(out["Threshold"])
    if "Dimensions" in out:
        out["Dimensions"] = _dimensions(out["Dimensions"])
    if not out.get("Dimensions"):
        out.pop("Dimensions", None)
    queries = []
    for q in out.get("Metrics") or []:
        entry = {k: copy.deepcopy(q[k]) for k in _QUERY_MEMBERS if q.get(k) is not None}
        entry.setdefault("ReturnData", True)
        stat = entry.get("MetricStat")
        if isinstance(stat, dict) and isinstance(stat.get("Metric"), dict):
            stat["Metric"]["Dimensions"] = _dimensions(stat["Metric"].get("Dimensions"))
        queries.append(entry)
    if queries:
        out["Metrics"] = queries
    else:
        out.pop("Metrics", None)
    return out


def project_alarm(described: Mapping[str, Any], tags: Mapping[str, str]) -> LiveAlarm:
    return LiveAlarm(
        str(described["AlarmName"]),
        str(described.get("AlarmArn", "")),
        normalize_alarm(described),
        {k: v for k, v in tags.items() if not k.lower().startswith("aws:")},
    )


def alarm_view(config: Mapping[str, Any]) -> dict[str, Any]:
    """An alarm in the monitor file's words, for field-by-field plans (alarms[<name>].<key>)."""
    view: dict[str, Any] = {
        "threshold": config.get("Threshold"),
        "comparison": config.get("ComparisonOperator"),
        "evaluation_periods": config.get("EvaluationPeriods"),
        "datapoints_to_alarm": config.get("DatapointsToAlarm"),
        "treat_missing_data": config.get("TreatMissingData"),
        "actions": config.get("AlarmActions"),
        "ok_actions": config.get("OKActions"),
        "insufficient_data_actions": config.get("InsufficientDataActions"),
        "actions_enabled": config.get("ActionsEnabled"),
        "description": config.get("AlarmDescription"),
    }
    stats = [q["MetricStat"] for q in config.get("Metrics") or [] if "MetricStat" in q]
    if stats:
        metric = stats[0].get("Metric", {})
        view["metric"] = str(metric.get("MetricName", "")).removeprefix(METRIC_PREFIX)
        view["namespace"] = metric.get("Namespace")
        view["dimensions"] = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
        view["period"] = stats[0].get("Period")
        view["statistics"] = [s.get("Stat") for s in stats]
        view["expression"] = next(
            (q.get("Expression") for q in config.get("Metrics", []) if "Expression" in q), None
        )
    else:  # a single-metric alarm (not biaswatch's form)
        view["metric"] = str(config.get("MetricName", "")).removeprefix(METRIC_PREFIX)
        view["namespace"] = config.get("Namespace")
        view["dimensions"] = {d["Name"]: d["Value"] for d in config.get("Dimensions", [])}
        view["period"] = config.get("Period")
        view["statistics"] = [config.get("Statistic")]
    return view


class AlarmAction(enum.Enum):
    CREATE = "+"
    UPDATE = "~"
    RETAG = "#"
    DELETE = "-"


@dataclass(frozen=True)
class AlarmChange:
    key: str
    alarm_name: str
    action: AlarmAction
    request: Mapping[str, Any] | None  # PutMetricAlarm parameters (None for deletes)
    wanted_tags: Mapping[str, str]
    retag: bool = False
    changes: tuple[FieldChange, ...] = ()


def _label(key: str, field: str) -> str:
    return f"alarms[{key}].{field}"


def _diff(key: str, before: Mapping[str, Any], after: Mapping[str, Any]) -> list[FieldChange]:
    out = []
    for field in sorted(set(before) | set(after)):
        b, a = before.get(field), after.get(field)
        if b == a:
            continue
        if isinstance(b, Mapping) or isinstance(a, Mapping):
            bm, am = dict(b or {}), dict(a or {})
            for sub in sorted(set(bm) | set(am)):
                if bm.get(sub) != am.get(sub):
                    out.append(
                        FieldChange(
                            "alarm", _label(key, f"{field}.{sub}"), bm.get(sub), am.get(sub)
                        )
                    )
        else:
            out.append(FieldChange("alarm", _label(key, field), b, a))
    return out


def _tags(request: Mapping[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in request.get("Tags", [])}


def plan_monitor_alarms(
    schedule: str,
    desired: tuple[AlarmRequest, ...],
    live: Mapping[str, LiveAlarm],
    project: str,
    source_path: str | None,
) -> tuple[tuple[AlarmChange, ...], tuple[Diagnostic, ...]]:
    """Desired alarms of one monitor against the live alarms under its name prefix."""
    prefix = schedule_alarm_prefix(project, schedule)
    mine = {n: a for n, a in live.items() if n.startswith(prefix)}
    changes: list[AlarmChange] = []
    notes: list[Diagnostic] = []
    wanted_names = set()
    for want in desired:
        wanted_names.add(want.alarm_name)
        tags = _tags(want.request)
        after = normalize_alarm(want.request)
        current = mine.get(want.alarm_name)
        if current is None:
            changes.append(
                AlarmChange(
                    want.key,
                    want.alarm_name,
                    AlarmAction.CREATE,
                    want.request,
                    tags,
                    changes=tuple(_diff(want.key, {}, alarm_view(after))),
                )
            )
            continue
        if current.owner != project:
            notes.append(_unowned(current, source_path))
            continue
        field_changes = _diff(want.key, alarm_view(current.config), alarm_view(after))
        if current.config != after and not field_changes:  # a member the view leaves out
            field_changes = [FieldChange("alarm", _label(want.key, "definition"), "differs", "")]
        tag_changes = [
            FieldChange("alarm", _label(want.key, f"tags.{k}"), current.tags.get(k), tags.get(k))
            for k in sorted(set(current.tags) | set(tags))
            if current.tags.get(k) != tags.get(k)
        ]
        if not field_changes and not tag_changes:
            continue
        changes.append(
            AlarmChange(
                want.key,
                want.alarm_name,
                AlarmAction.UPDATE if field_changes else AlarmAction.RETAG,
                want.request,
                tags,
                retag=bool(tag_changes),
                changes=tuple(field_changes + tag_changes),
            )
        )
    for name, current in sorted(mine.items()):
        if name in wanted_names:
            continue
        if current.owner != project:
            notes.append(_unowned(current, source_path))
            continue
        key = name[len(prefix) :]
        changes.append(
            AlarmChange(
                key,
                name,
                AlarmAction.DELETE,
                None,
                {},
                changes=tuple(_diff(key, alarm_view(current.config), {})),
            )
        )
    return tuple(changes), tuple(notes)


def _unowned(alarm: LiveAlarm, source_path: str | None) -> Diagnostic:
    owner = f"project {alarm.owner!r}" if alarm.owner else "no biaswatch project"
    return Diagnostic(
        "W612",
        f"alarm {alarm.name!r} belongs to {owner}; biaswatch leaves it alone",
        SourceSpan(source_path) if source_path else None,
        "alarms",
        Severity.WARNING,
        ("delete or rename it by hand if this monitor should own that name",),
    )


def summarize(planned: tuple[AlarmChange, ...]) -> str:
    """`1 alarm to create, 1 alarm to delete` (display only)."""
    counts: dict[str, int] = {}
    for a in planned:
        counts[a.action.name.lower()] = counts.get(a.action.name.lower(), 0) + 1
    return ", ".join(f"{n} alarm{'s' if n != 1 else ''} to {k}" for k, n in counts.items())


def desired_alarm_names(desired: Desired) -> tuple[str, ...]:
    return tuple(a.alarm_name for a in desired.alarms)
