"""Stop managing a schedule without deleting it: remove biaswatch's tags from it, its job
definition and its CloudWatch alarms.

Ownership is the `biaswatch:project` tag, so a resource without it is invisible to plan,
apply and drift (they never change what they do not own). Only `biaswatch:*` tags are
removed; the team's own tags stay. The schedule is untagged last: until then it still
shows as ours, so a run stopped half-way can simply be repeated.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from compiler.aws import client as aws
from compiler.aws.alarms import describe_alarms, list_alarm_tags
from compiler.desired.alarms import schedule_alarm_prefix
from compiler.desired.resources import OWNER_TAG, RESERVED_TAG_PREFIX
from compiler.diagnostics import Diagnostic

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Forgotten:
    """One resource whose biaswatch tags were removed."""

    kind: str  # schedule | job definition | alarm
    name: str
    removed: tuple[str, ...]


def _ours(tags: Mapping[str, str]) -> list[str]:
    return sorted(k for k in tags if k.startswith(RESERVED_TAG_PREFIX))


def forget_monitor(
    clients: aws.Clients, project: str, name: str, progress: Progress = lambda _: None
) -> list[Forgotten]:
    """Remove this project's tags from schedule `name`, its definition and its alarms.

    Refuses (AwsError) a schedule that does not exist or that this project does not own.
    """
    schedule = aws.describe_schedule(clients, name)
    if schedule is None:
        raise aws.AwsError(
            Diagnostic(
                "E403",
                f"schedule {name!r} does not exist; there is nothing to forget",
                hints=("`biaswatch plan` lists the schedules this project manages",),
            ),
            "ResourceNotFound",
        )
    schedule_arn = schedule["MonitoringScheduleArn"]
    schedule_tags = aws.list_tags(clients, schedule_arn)
    owner = schedule_tags.get(OWNER_TAG)
    if owner != project:
        whose = f"project {owner!r}" if owner else "no biaswatch project"
        raise aws.AwsError(
            Diagnostic(
                "E414",
                f"schedule {name!r} belongs to {whose}, not {project!r}; not changed",
                hints=("forget only removes this project's own schedules from management",),
            ),
            "NotOwned",
        )
    out: list[Forgotten] = []
    alarms = (
        describe_alarms(clients, schedule_alarm_prefix(project, name))
        if clients.cloudwatch is not None
        else []
    )
    for alarm in alarms:
        arn = alarm["AlarmArn"]
        tags = list_alarm_tags(clients, arn)
        if tags.get(OWNER_TAG) != project or not _ours(tags):
            continue
        aws.cloudwatch_call(clients, "UntagResource", arn, ResourceARN=arn, TagKeys=_ours(tags))
        out.append(Forgotten("alarm", alarm["AlarmName"], tuple(_ours(tags))))
        progress(f"  {name}: untagged alarm {alarm['AlarmName']}")
    definition_name = schedule.get("MonitoringScheduleConfig", {}).get(
        "MonitoringJobDefinitionName"
    )
    definition = aws.describe_job_definition(clients, definition_name) if definition_name else None
    if definition is not None:
        arn = definition["JobDefinitionArn"]
        tags = aws.list_tags(clients, arn)
        if tags.get(OWNER_TAG) == project and _ours(tags):
            aws.sagemaker_call(clients, "DeleteTags", arn, ResourceArn=arn, TagKeys=_ours(tags))
            out.append(Forgotten("job definition", definition_name, tuple(_ours(tags))))
            progress(f"  {name}: untagged job definition {definition_name}")
    removed = _ours(schedule_tags)
    aws.sagemaker_call(
        clients, "DeleteTags", schedule_arn, ResourceArn=schedule_arn, TagKeys=removed
    )
    out.append(Forgotten("schedule", name, tuple(removed)))
    progress(f"  {name}: untagged schedule")
    return out
