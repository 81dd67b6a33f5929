"""Live CloudWatch alarms on a schedule's bias metrics → `alarms:` entries (pure).

`biaswatch import NAME --with-alarms` passes every metric alarm DescribeAlarms returned;
this keeps those on `bias_metric_*` with the dimension `MonitoringSchedule = NAME` and
writes what a monitor file can say about them. biaswatch then creates its own alarms
(named `biaswatch/<project>/<schedule>/<name>`); an alarm made elsewhere is not adopted
and stays until deleted by hand (the notes say so).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from typing import Any

from compiler.desired.alarms import METRIC_PREFIX, POST_TRAINING_METRICS, joined
from compiler.importer.decompile import Imported

_KEY_CHARS = re.compile(r"[^a-z0-9_.-]+")
_COMPARISONS = (
    "GreaterThanThreshold",
    "GreaterThanOrEqualToThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
)
_STAGES = ("Post-Training", "Post-training")


def _stats(alarm: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """(Metric, Period) of a single-metric alarm or of each MetricStat of a math alarm."""
    if alarm.get("MetricName"):
        return [
            {
                "Metric": {
                    "MetricName": alarm["MetricName"],
                    "Namespace": alarm.get("Namespace"),
                    "Dimensions": alarm.get("Dimensions", []),
                },
                "Period": alarm.get("Period"),
            }
        ]
    return [q["MetricStat"] for q in alarm.get("Metrics") or [] if q.get("MetricStat")]


def _dims(stat: Mapping[str, Any]) -> dict[str, str]:
    return {d["Name"]: d["Value"] for d in stat.get("Metric", {}).get("Dimensions", [])}


def on_schedule(alarm: Mapping[str, Any], schedule: str) -> bool:
    stats = _stats(alarm)
    return bool(stats) and all(
        str(s.get("Metric", {}).get("MetricName", "")).startswith(METRIC_PREFIX)
        and _dims(s).get("MonitoringSchedule") == schedule
        for s in stats
    )


def _key(wanted: str, used: set[str]) -> str:
    base = _KEY_CHARS.sub("-", wanted.lower()).strip("-.") or "alarm"
    key, n = base, 2
    while key in used:
        key, n = f"{base}-{n}", n + 1
    used.add(key)
    return key


def alarms_from_live(
    schedule: str, monitor: Mapping[str, Any], described: Iterable[Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], list[str]]:
    """The `alarms:` entries for the alarms on this schedule's metrics, and notes."""
    entries: list[dict[str, Any]] = []
    notes: list[str] = []
    used: set[str] = set()
    config = monitor.get("analysis_config", {})
    facets = config.get("facet", [])
    for alarm in sorted(described, key=lambda a: str(a.get("AlarmName"))):
        if not on_schedule(alarm, schedule):
            continue
        name = str(alarm["AlarmName"])
        stat = _stats(alarm)[0]
        metric = str(stat["Metric"]["MetricName"]).removeprefix(METRIC_PREFIX)
        if metric not in POST_TRAINING_METRICS:
            notes.append(f"alarm {name!r}: {metric} is not a post-training metric; not imported")
            continue
        if not alarm.get("AlarmActions"):
            notes.append(f"alarm {name!r} has no alarm actions; not imported")
            continue
        comparison = alarm.get("ComparisonOperator")
        if comparison not in _COMPARISONS:
            notes.append(f"alarm {name!r}: comparison {comparison!r} not supported; not imported")
            continue
        expression = next(
            (q.get("Expression") for q in alarm.get("Metrics") or [] if q.get("Expression")), ""
        )
        entry: dict[str, Any] = {
            "name": _key(name.rsplit("/", 1)[-1], used),
            "metric": metric,
            "threshold": float(alarm["Threshold"]),
            "actions": list(alarm["AlarmActions"]),
        }
        if expression.startswith("MAX([IF(ABS(") and "ABS(m1" in expression.split(",")[1]:
            entry["measure"] = "distance"
        else:
            entry["measure"] = "value"
            if expression:
                notes.append(f"alarm {name!r}: metric math {expression!r} became measure: value")
        if alarm.get("OKActions"):
            entry["ok_actions"] = list(alarm["OKActions"])
        dims = _dims(stat)
        facet = dims.get("Facet")
        match = next((f for f in facets if str(f.get("name_or_index")) == facet), None)
        if match is not None and len(facets) > 1:
            entry["facet"] = match["name_or_index"]
        if facet is not None and match is None:
            notes.append(f"alarm {name!r}: facet {facet!r} is not in analysis_config")
        default_fv = (
            joined(match["value_or_threshold"])
            if match is not None and match.get("value_or_threshold") is not None
            else None
        )
        if dims.get("FacetValue") is not None and dims["FacetValue"] != default_fv:
            entry["facet_value"] = dims["FacetValue"]
        lv = config.get("label_values_or_threshold")
        if dims.get("LabelValue") is not None and dims["LabelValue"] != (
            joined(lv) if lv is not None else None
        ):
            entry["label_value"] = dims["LabelValue"]
        if comparison != "GreaterThanThreshold":
            entry["comparison"] = comparison
        if stat.get("Period"):
            entry["period"] = int(stat["Period"])
        periods = int(alarm.get("EvaluationPeriods", 1))
        if periods != 1:
            entry["evaluation_periods"] = periods
        if alarm.get("DatapointsToAlarm") not in (None, periods):
            entry["datapoints_to_alarm"] = int(alarm["DatapointsToAlarm"])
        entry["treat_missing_data"] = alarm.get("TreatMissingData") or "missing"
        stage = dims.get("BiasStage")
        if stage in _STAGES and stage != "Post-Training":
            entry["bias_stage"] = stage
        if alarm.get("AlarmDescription"):
            entry["description"] = alarm["AlarmDescription"]
        if not name.startswith("biaswatch/"):
            notes.append(
                f"alarm {name!r} is recreated as a biaswatch alarm; delete the original by hand"
            )
        entries.append(entry)
    return entries, notes


def with_live_alarms(found: Imported, described: Iterable[Mapping[str, Any]]) -> Imported:
    """The imported schedule with the alarms on its metrics in `alarms:`, and notes."""
    entries, notes = alarms_from_live(found.name, found.monitor, described)
    if not entries and not notes:
        return found
    monitor = dict(found.monitor)
    if entries:
        monitor["alarms"] = entries
    return dataclasses.replace(found, monitor=monitor, notes=(*found.notes, *notes))
