"""CloudWatch alarms in the emulator: moto serves them; this module keeps the PutMetricAlarm
requests it accepted so the state file can restore them (moto has no dump of its own)."""

from __future__ import annotations

import threading
from typing import Any

from moto.cloudwatch.models import (
    Dimension,
    Metric,
    MetricDataQuery,
    MetricStat,
    cloudwatch_backends,
)

# (account, region) → alarm name → the PutMetricAlarm request (Tags left out: moto has them).
_requests: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
_lock = threading.Lock()


def record(account: str, region: str, operation: str, params: dict[str, Any]) -> None:
    """Remember an accepted mutating call (called after moto answered 2xx)."""
    with _lock:
        table = _requests.setdefault((account, region), {})
        if operation == "PutMetricAlarm" and "AlarmName" in params:
            table[params["AlarmName"]] = {k: v for k, v in params.items() if k != "Tags"}
        elif operation == "DeleteAlarms":
            for name in params.get("AlarmNames", []):
                table.pop(name, None)


def reset() -> None:
    with _lock:
        _requests.clear()


def dump() -> list[dict[str, Any]]:
    out = []
    with _lock:
        for (account, region), table in sorted(_requests.items()):
            backend = cloudwatch_backends[account][region]
            alarms = []
            for name, request in sorted(table.items()):
                alarm = backend.alarms.get(name)
                if alarm is None:
                    continue
                tags = backend.list_tags_for_resource(alarm.alarm_arn)
                alarms.append({"request": request, "tags": tags})
            if alarms:
                out.append({"account_id": account, "region": region, "alarms": alarms})
    return out


def _queries(metrics: list[dict[str, Any]]) -> list[MetricDataQuery] | None:
    if not metrics:
        return None
    out = []
    for q in metrics:
        stat = q.get("MetricStat")
        metric_stat = None
        if stat:
            m = stat["Metric"]
            dims = [Dimension(d["Name"], d["Value"]) for d in m.get("Dimensions", [])]
            metric_stat = MetricStat(
                Metric(m["MetricName"], m.get("Namespace"), dims),
                stat.get("Period"),
                stat.get("Stat"),
                stat.get("Unit"),
            )
        # moto's annotations say str; its own responses pass what the request held.
        label: Any = q.get("Label")
        period: Any = q.get("Period")
        return_data: Any = q.get("ReturnData")
        out.append(
            MetricDataQuery(q["Id"], label, period, return_data, q.get("Expression"), metric_stat)
        )
    return out


def restore(entry: dict[str, Any]) -> None:
    account, region = entry["account_id"], entry["region"]
    backend = cloudwatch_backends[account][region]
    for item in entry["alarms"]:
        r = item["request"]
        backend.put_metric_alarm(
            name=r["AlarmName"],
            namespace=r.get("Namespace"),
            metric_name=r.get("MetricName"),
            metric_data_queries=_queries(r.get("Metrics", [])),
            comparison_operator=r.get("ComparisonOperator"),
            evaluation_periods=r.get("EvaluationPeriods"),
            datapoints_to_alarm=r.get("DatapointsToAlarm"),
            period=r.get("Period"),
            threshold=r.get("Threshold"),
            statistic=r.get("Statistic"),
            extended_statistic=r.get("ExtendedStatistic"),
            description=r.get("AlarmDescription"),
            dimensions=r.get("Dimensions", []),
            alarm_actions=r.get("AlarmActions", []),
            ok_actions=r.get("OKActions", []),
            insufficient_data_actions=r.get("InsufficientDataActions", []),
            unit=r.get("Unit"),
            actions_enabled=r.get("ActionsEnabled", True),
            treat_missing_data=r.get("TreatMissingData"),
            evaluate_low_sample_count_percentile=r.get("EvaluateLowSampleCountPercentile"),
            threshold_metric_id=r.get("ThresholdMetricId"),
            tags=[{"Key": k, "Value": v} for k, v in item.get("tags", {}).items()],
        )
        record(account, region, "PutMetricAlarm", r)
