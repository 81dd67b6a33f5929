"""CloudWatch alarms: read the project's in pages, apply a monitor's alarm changes.

Reading costs pages, not calls per alarm: one DescribeAlarms walk with
AlarmNamePrefix = `biaswatch/<project>/` (100 alarms a page); the tags come from the
reader's one Resource Groups Tagging API walk, which asks for `cloudwatch:alarm` besides
the SageMaker types (aws/read.py). An alarm the tagging pages miss (eventually consistent, or not ours) is read
with ListTagsForResource, so "absent from the pages" never means "not ours".

Writes re-read ownership right before changing an existing alarm. PutMetricAlarm is an
upsert that ignores Tags on an existing alarm (API reference), so tags are set with
TagResource / UntagResource.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from compiler.aws import client as aws
from compiler.desired.alarms import alarm_prefix
from compiler.desired.resources import OWNER_TAG
from compiler.diagnostics import Diagnostic, SourceSpan
from compiler.state.alarms import AlarmAction, AlarmChange, LiveAlarm, project_alarm

ALARM_TYPE = "cloudwatch:alarm"
DESCRIBE_PAGE_SIZE = 100  # DescribeAlarms MaxRecords maximum


def describe_alarms(clients: aws.Clients, prefix: str) -> list[dict[str, Any]]:
    """Metric alarms whose names start with prefix ("" = every alarm: import only)."""
    return list(
        aws.pages(
            clients.cloudwatch.describe_alarms,
            "DescribeAlarms",
            f"alarms {prefix}*",
            "MetricAlarms",
            **({"AlarmNamePrefix": prefix} if prefix else {}),
            AlarmTypes=["MetricAlarm"],
            MaxRecords=DESCRIBE_PAGE_SIZE,
        )
    )


def list_alarm_tags(clients: aws.Clients, arn: str) -> dict[str, str]:
    found = aws.cloudwatch_call(clients, "ListTagsForResource", arn, ResourceARN=arn)
    return {t["Key"]: t["Value"] for t in found.get("Tags", [])}


def read_alarms(clients: aws.Clients, project: str) -> list[dict[str, Any]]:
    """Every metric alarm under the project's prefix, as DescribeAlarms returns it."""
    if clients.cloudwatch is None:
        return []
    return describe_alarms(clients, alarm_prefix(project))


def with_alarm_tags(
    clients: aws.Clients,
    described: list[dict[str, Any]],
    paged: Callable[[str], dict[str, str] | None],
) -> dict[str, LiveAlarm]:
    """The alarms with their tags: from the reader's tagging pages (which include
    `cloudwatch:alarm`), else one ListTagsForResource for an alarm the pages missed."""

    def tags_of(alarm: Mapping[str, Any]) -> dict[str, str]:
        found = paged(str(alarm["AlarmArn"]))
        return found if found is not None else list_alarm_tags(clients, alarm["AlarmArn"])

    tags = clients.map(tags_of, described)
    return {a["AlarmName"]: project_alarm(a, t) for a, t in zip(described, tags, strict=True)}


def _describe_one(clients: aws.Clients, name: str) -> dict[str, Any] | None:
    found = aws.cloudwatch_call(
        clients, "DescribeAlarms", name, AlarmNames=[name], AlarmTypes=["MetricAlarm"]
    )
    alarms = found.get("MetricAlarms", [])
    return dict(alarms[0]) if alarms else None


def _not_owned(name: str, project: str, source: str | None) -> aws.AwsError:
    return aws.AwsError(
        Diagnostic(
            "E414",
            f"alarm {name!r} is not owned by project {project!r}; not changed",
            SourceSpan(source) if source else None,
            "alarms",
            hints=("plan again; rename the alarm in the monitor file or delete the other one",),
        ),
        "NotOwned",
    )


def _retag(
    clients: aws.Clients,
    arn: str,
    live: Mapping[str, str],
    wanted: Mapping[str, str],
    source: str | None,
) -> None:
    add = [{"Key": k, "Value": v} for k, v in sorted(wanted.items()) if live.get(k) != v]
    remove = sorted(k for k in live if k not in wanted and not k.lower().startswith("aws:"))
    if add:
        aws.cloudwatch_call(clients, "TagResource", arn, source, ResourceARN=arn, Tags=add)
    if remove:
        aws.cloudwatch_call(clients, "UntagResource", arn, source, ResourceARN=arn, TagKeys=remove)


def apply_alarm_change(
    clients: aws.Clients, project: str, change: AlarmChange, source: str | None
) -> str:
    """One alarm: create, update (upsert + tags), or delete; ownership checked first."""
    current = _describe_one(clients, change.alarm_name)
    tags = list_alarm_tags(clients, current["AlarmArn"]) if current is not None else {}
    if current is not None and tags.get(OWNER_TAG) != project:
        raise _not_owned(change.alarm_name, project, source)
    if change.action is AlarmAction.DELETE:
        if current is None:
            return f"alarm {change.alarm_name}: already deleted"
        aws.cloudwatch_call(
            clients, "DeleteAlarms", change.alarm_name, source, AlarmNames=[change.alarm_name]
        )
        return f"deleted alarm {change.alarm_name}"
    assert change.request is not None, "only deletes come without a request"
    if change.action is not AlarmAction.RETAG or current is None:
        aws.cloudwatch_call(clients, "PutMetricAlarm", change.alarm_name, source, **change.request)
    if current is not None:
        _retag(clients, current["AlarmArn"], tags, change.wanted_tags, source)
        return f"updated alarm {change.alarm_name}"
    return f"created alarm {change.alarm_name}"


def apply_alarm_changes(
    clients: aws.Clients,
    project: str,
    changes: tuple[AlarmChange, ...],
    source: str | None,
    progress: Any,
) -> None:
    for change in changes:
        progress(f"  {apply_alarm_change(clients, project, change, source)}")
