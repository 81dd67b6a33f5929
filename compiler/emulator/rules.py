"""SageMaker's monitoring-schedule rules that the service model cannot express, as pure functions."""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# The only forms documented for ScheduleExpression (reference 3.2, model-monitor-schedule-
# expression.html). Whether the service rejects every other form, and with which text, is
# UNCONFIRMED (reference 4.6): the emulator rejects anything else with ValidationException.
_HOURLY = re.compile(r"cron\(0 \* \? \* \* \*\)")
_DAILY = re.compile(r"cron\(0 (\d{1,2}) \? \* \* \*\)")
_EVERY = re.compile(r"cron\(0 (\d{1,2})/(\d{1,2}) \? \* \* \*\)")
NOW = "NOW"

# A negative ISO-8601 duration such as -PT5H, -P1D, -PT30M (reference 3.3 and 3.4); the
# sign rule and the accepted units are UNCONFIRMED (reference 4.6), this is the documented form.
_OFFSET = re.compile(r"-P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?")

MAX_WINDOW = _dt.timedelta(hours=24)

# MonitoringStoppingCondition doc string: hourly model bias and model quality schedules allow
# at most 1800 s (the run is split between the ground-truth merge and the analysis); the
# other types allow 3600 s (reference 1.3 and 3.5).
HOURLY_RUNTIME_LIMIT = {"ModelBias": 1800, "ModelQuality": 1800}
DEFAULT_HOURLY_RUNTIME_LIMIT = 3600

# The service default for a missing StoppingCondition is UNCONFIRMED (reference 3.5); the
# SDK docstrings say 3600. The emulator takes 3600, the conservative reading: an hourly
# bias schedule whose definition omits StoppingCondition is rejected.
DEFAULT_MAX_RUNTIME = 3600


@dataclass(frozen=True)
class Cadence:
    """How often a schedule runs: every `hours` hours, or once (`once=True`, for NOW)."""

    hours: int
    once: bool = False

    @property
    def hourly(self) -> bool:
        return not self.once and self.hours == 1


def parse_schedule_expression(expression: str) -> Cadence | None:
    """The cadence of a documented expression, or None when the form is not allowed."""
    if expression == NOW:
        return Cadence(hours=0, once=True)
    if _HOURLY.fullmatch(expression):
        return Cadence(hours=1)
    daily = _DAILY.fullmatch(expression)
    if daily:
        return Cadence(hours=24) if int(daily.group(1)) <= 23 else None
    every = _EVERY.fullmatch(expression)
    if every:
        start, step = int(every.group(1)), int(every.group(2))
        return Cadence(hours=step) if start <= 23 and 1 <= step <= 24 else None
    return None


def parse_offset(text: str) -> _dt.timedelta | None:
    """A negative ISO-8601 offset as a (non-positive) timedelta, or None if malformed."""
    match = _OFFSET.fullmatch(text)
    if not match or text in ("-P", "-PT") or text.endswith("T"):
        return None
    days, hours, minutes = (int(g) if g else 0 for g in match.groups())
    return -_dt.timedelta(days=days, hours=hours, minutes=minutes)


def schedule_config_problems(schedule_config: Mapping[str, Any]) -> list[str]:
    """What is wrong with a ScheduleConfig beyond the model (reference 1.4, 3.2, 3.4)."""
    expression = schedule_config.get("ScheduleExpression", "")
    problems: list[str] = []
    cadence = parse_schedule_expression(expression)
    if cadence is None:
        problems.append(
            f"ScheduleConfig.ScheduleExpression: {expression!r} is not a supported expression; "
            "use cron(0 * ? * * *), cron(0 H ? * * *), cron(0 H/N ? * * *) or NOW"
        )
    start_text = schedule_config.get("DataAnalysisStartTime")
    end_text = schedule_config.get("DataAnalysisEndTime")
    if cadence is not None and cadence.once and (start_text is None or end_text is None):
        problems.append(
            "ScheduleConfig: DataAnalysisStartTime and DataAnalysisEndTime are required "
            "when ScheduleExpression is NOW"
        )
    start = end = None
    for member, text in (("DataAnalysisStartTime", start_text), ("DataAnalysisEndTime", end_text)):
        if text is None:
            continue
        value = parse_offset(text)
        if value is None:
            problems.append(
                f"ScheduleConfig.{member}: {text!r} is not a negative ISO-8601 offset such as -PT1H"
            )
        elif member == "DataAnalysisStartTime":
            start = value
        else:
            end = value
    if start is not None and end is not None:
        if start >= end:
            problems.append(
                "ScheduleConfig: DataAnalysisStartTime must come before DataAnalysisEndTime"
            )
        elif end - start > MAX_WINDOW:
            problems.append("ScheduleConfig: the analysis window is longer than 24 hours")
    return problems


def max_runtime_problem(
    cadence: Cadence, monitoring_type: str, stopping_condition: Mapping[str, Any] | None
) -> str | None:
    """The runtime rule for hourly schedules (MonitoringStoppingCondition doc string)."""
    if not cadence.hourly:
        return None
    limit = HOURLY_RUNTIME_LIMIT.get(monitoring_type, DEFAULT_HOURLY_RUNTIME_LIMIT)
    runtime = (stopping_condition or {}).get("MaxRuntimeInSeconds", DEFAULT_MAX_RUNTIME)
    if runtime <= limit:
        return None
    return (
        f"StoppingCondition.MaxRuntimeInSeconds: {runtime} exceeds {limit} seconds, the maximum "
        f"for an hourly {monitoring_type} schedule"
    )
