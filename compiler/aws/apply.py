"""Execute a Plan through the AWS adapter, monitor by monitor, in dependency order.

Order per monitor: upload config → create definition → create/update the schedule with
its full config → wait until it leaves Pending → delete the definition it replaced.
Any step can be interrupted and rerun: creates that find their resource already there
adopt it when it is ours and equal (no API here has an idempotency token).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from compiler.aws import client as aws
from compiler.aws import objects
from compiler.aws.alarms import apply_alarm_changes
from compiler.desired.resources import OWNER_TAG, Desired
from compiler.diagnostics import Diagnostic, SourceSpan
from compiler.state.plan import Action, MonitorChange, Plan
from compiler.state.projection import (
    desired_definition,
    desired_schedule_config,
    desired_tags,
    normalize_definition,
    normalize_schedule_config,
    user_tags,
)

Progress = Callable[[str], None]


class Cancelled(Exception):
    """Raised between steps once the run must stop: interrupted, or the lock was lost."""


@dataclass(frozen=True)
class StepOutcome:
    name: str
    status: str  # done | failed | not attempted
    detail: str = ""
    diagnostic: Diagnostic | None = None


@dataclass(frozen=True)
class ApplyResult:
    outcomes: tuple[StepOutcome, ...]

    @property
    def ok(self) -> bool:
        return all(o.status == "done" for o in self.outcomes)

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)


@dataclass
class Waits:
    timeout_seconds: float = 600.0
    poll_seconds: float = 2.0
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic


class _Executor:
    def __init__(
        self,
        clients: aws.Clients,
        project: str,
        waits: Waits,
        progress: Progress,
        stop: threading.Event,
        cancel: threading.Event | None = None,
    ) -> None:
        self.clients = clients
        self.project = project
        self.waits = waits
        self.progress = progress
        # Set on SIGINT/SIGTERM (stop) or when the lock's lease is lost (cancel): no new step.
        self.stop = stop
        self.cancel = cancel

    def checkpoint(self) -> None:
        if self.stop.is_set() or (self.cancel is not None and self.cancel.is_set()):
            raise Cancelled

    # ---- waiting ---------------------------------------------------------------------

    def wait_settled(
        self, name: str, source: str | None, *, gone_ok: bool = False, fail_on_failed: bool = True
    ) -> dict[str, Any] | None:
        """Poll until the schedule leaves Pending (no botocore waiter exists for schedules)."""
        deadline = self.waits.monotonic() + self.waits.timeout_seconds
        started = self.waits.monotonic()
        next_report = started
        while True:
            self.checkpoint()
            described = aws.describe_schedule(self.clients, name)
            if described is None:
                if gone_ok:
                    return None
                raise aws.AwsError(
                    Diagnostic(
                        "E403", f"schedule {name!r} disappeared while waiting", _span(source)
                    ),
                    "ResourceNotFound",
                )
            status = described.get("MonitoringScheduleStatus")
            if status != "Pending":
                if status == "Failed" and fail_on_failed:
                    reason = described.get("FailureReason") or "SageMaker gave no reason"
                    raise aws.AwsError(
                        Diagnostic(
                            "E416",
                            f"schedule {name!r} failed: {reason}",
                            _span(source),
                            hints=(
                                "fix the cause, then apply again (a Failed schedule is re-sent)",
                            ),
                        ),
                        "Failed",
                    )
                return described
            if self.waits.monotonic() >= deadline:
                raise aws.AwsError(
                    Diagnostic(
                        "E417",
                        f"schedule {name!r} still Pending after {self.waits.timeout_seconds:.0f} s",
                        _span(source),
                        hints=("apply again later; nothing was left half-done",),
                    ),
                    "Timeout",
                )
            now = self.waits.monotonic()
            if now >= next_report:
                self.progress(f"  {name}: Pending, waiting ({now - started:.0f} s)")
                next_report = now + 10
            self.waits.sleep(self.waits.poll_seconds)

    def ensure_owned(self, described: Mapping[str, Any], source: str | None) -> None:
        """Re-read ownership right before changing a schedule: the plan's tags may come from
        the eventually consistent tagging API, and ownership must never be guessed."""
        name = described["MonitoringScheduleName"]
        tags = aws.list_tags(self.clients, described["MonitoringScheduleArn"])
        if tags.get(OWNER_TAG) != self.project:
            raise aws.AwsError(
                Diagnostic(
                    "E414",
                    f"schedule {name!r} is no longer owned by project {self.project!r}; not changed",
                    _span(source),
                    hints=(f"plan again; `biaswatch import {name}` adopts a foreign schedule",),
                ),
                "NotOwned",
            )

    # ---- steps -----------------------------------------------------------------------

    def upload_artifacts(self, d: Desired) -> dict[str, str]:
        """Upload the monitor's objects (a baseline file from git, then the analysis config);
        by ETag tag, the ETag S3 gave each (recorded on the definition)."""
        self.checkpoint()
        return {
            tag: objects.put_object(self.clients, uri, body, d.source_path).strip('"')
            for uri, body, tag in d.artifacts()
        }

    def create_definition(self, d: Desired, etags: Mapping[str, str]) -> None:
        self.checkpoint()
        request = dict(d.create_job_definition)
        request["Tags"] = [
            *request.get("Tags", []),
            *({"Key": tag, "Value": etag} for tag, etag in etags.items() if etag),
        ]
        try:
            aws.sagemaker_call(
                self.clients,
                "CreateModelBiasJobDefinition",
                d.job_definition_name,
                d.source_path,
                **request,
            )
            self.progress(f"  {d.name}: created job definition {d.job_definition_name}")
        except aws.AwsError as exc:
            if exc.error_code != "ResourceInUse":
                raise
            self.adopt_definition(d, etags)

    def adopt_definition(self, d: Desired, etags: Mapping[str, str]) -> None:
        live = aws.describe_job_definition(self.clients, d.job_definition_name)
        tags = aws.list_tags(self.clients, live["JobDefinitionArn"]) if live else {}
        if (
            live is None
            or tags.get(OWNER_TAG) != self.project
            or normalize_definition(live) != desired_definition(d)
        ):
            raise aws.AwsError(
                Diagnostic(
                    "E418",
                    f"job definition {d.job_definition_name!r} exists but is not ours or differs",
                    _span(d.source_path),
                    hints=("inspect it; delete it if it is stale, then apply again",),
                ),
                "ResourceInUse",
            )
        self.record_etags(d, live["JobDefinitionArn"], tags, etags)
        self.progress(f"  {d.name}: adopted existing job definition {d.job_definition_name}")

    def record_etags(
        self, d: Desired, arn: str, live_tags: Mapping[str, str], etags: Mapping[str, str]
    ) -> None:
        """Point the definition's ETag tags at the objects just uploaded, so the next plan
        sees them unchanged from the listing alone (also under SSE-KMS)."""
        stale = [
            {"Key": tag, "Value": etag}
            for tag, etag in sorted(etags.items())
            if etag and live_tags.get(tag) != etag
        ]
        if stale:
            aws.sagemaker_call(
                self.clients, "AddTags", arn, d.source_path, ResourceArn=arn, Tags=stale
            )

    def restore_artifacts(self, d: Desired) -> None:
        """Rewrite an altered or deleted object (config or baseline) of a definition that stays."""
        etags = self.upload_artifacts(d)
        live = aws.describe_job_definition(self.clients, d.job_definition_name)
        if live is not None:
            arn = live["JobDefinitionArn"]
            self.record_etags(d, arn, aws.list_tags(self.clients, arn), etags)
        baseline = f" and baseline {d.baseline_s3_uri}" if d.baseline_s3_uri else ""
        self.progress(f"  {d.name}: restored analysis config {d.analysis_config_s3_uri}{baseline}")

    def create_schedule(self, d: Desired) -> None:
        self.checkpoint()
        try:
            aws.sagemaker_call(
                self.clients, "CreateMonitoringSchedule", d.name, d.source_path, **d.create_schedule
            )
        except aws.AwsError as exc:
            if exc.error_code != "ResourceInUse":
                raise
            # The create may have succeeded with its response lost: adopt it if ours and equal.
            live = aws.describe_schedule(self.clients, d.name)
            tags = aws.list_tags(self.clients, live["MonitoringScheduleArn"]) if live else {}
            if (
                live is None
                or tags.get(OWNER_TAG) != self.project
                or normalize_schedule_config(live["MonitoringScheduleConfig"])
                != desired_schedule_config(d)
            ):
                raise aws.AwsError(
                    Diagnostic(
                        "E418",
                        f"schedule {d.name!r} exists but is not ours or differs",
                        _span(d.source_path),
                        hints=(
                            f"run `biaswatch plan` to see it; `biaswatch import {d.name}` adopts a foreign one",
                        ),
                    ),
                    "ResourceInUse",
                ) from exc
            self.progress(f"  {d.name}: adopted existing schedule")

    def update_schedule(self, d: Desired) -> None:
        # Always the full config: whether SageMaker keeps an omitted ScheduleConfig is UNCONFIRMED.
        self.checkpoint()
        try:
            aws.sagemaker_call(
                self.clients,
                "UpdateMonitoringSchedule",
                d.name,
                d.source_path,
                MonitoringScheduleName=d.name,
                MonitoringScheduleConfig=d.create_schedule["MonitoringScheduleConfig"],
            )
        except aws.AwsError as exc:
            # An update whose response was lost leaves the schedule Pending; botocore's retry
            # then meets a ValidationException (an update of a Pending schedule is refused).
            # The update took effect if the schedule now holds exactly the desired config:
            # the same adoption as for a create whose response was lost.
            if exc.error_code != "ValidationException":
                raise
            live = aws.describe_schedule(self.clients, d.name)
            if live is None or normalize_schedule_config(
                live["MonitoringScheduleConfig"]
            ) != desired_schedule_config(d):
                raise
            self.progress(f"  {d.name}: the update took effect (its response was lost)")

    def delete_definition(self, name: str, source: str | None) -> None:
        """Delete a definition we own that no schedule references; absent is fine."""
        self.checkpoint()
        live = aws.describe_job_definition(self.clients, name)
        if live is None:
            return
        tags = aws.list_tags(self.clients, live["JobDefinitionArn"])
        if tags.get(OWNER_TAG) != self.project:
            self.progress(f"  kept job definition {name}: not owned by this project")
            return
        users = aws.sagemaker_call(
            self.clients,
            "ListMonitoringSchedules",
            name,
            MonitoringJobDefinitionName=name,
            MaxResults=10,
        )
        if users.get("MonitoringScheduleSummaries"):
            self.progress(f"  kept job definition {name}: still referenced")
            return
        try:
            aws.sagemaker_call(
                self.clients, "DeleteModelBiasJobDefinition", name, source, JobDefinitionName=name
            )
            self.progress(f"  deleted job definition {name}")
        except aws.AwsError as exc:
            if exc.error_code != "ResourceNotFound":
                raise

    def retag(
        self, arn: str, live_tags: Mapping[str, str], wanted: Mapping[str, str], source: str | None
    ) -> None:
        add = [{"Key": k, "Value": v} for k, v in sorted(wanted.items()) if live_tags.get(k) != v]
        remove = sorted(k for k in user_tags(live_tags) if k not in wanted)
        if add:
            aws.sagemaker_call(self.clients, "AddTags", arn, source, ResourceArn=arn, Tags=add)
        if remove:
            aws.sagemaker_call(
                self.clients, "DeleteTags", arn, source, ResourceArn=arn, TagKeys=remove
            )

    def retag_both(self, d: Desired) -> None:
        wanted = desired_tags(d)
        sched = aws.describe_schedule(self.clients, d.name)
        if sched is not None:
            arn = sched["MonitoringScheduleArn"]
            self.retag(arn, aws.list_tags(self.clients, arn), wanted, d.source_path)
        jd = aws.describe_job_definition(self.clients, d.job_definition_name)
        if jd is not None:
            arn = jd["JobDefinitionArn"]
            self.retag(arn, aws.list_tags(self.clients, arn), wanted, d.source_path)

    # ---- one monitor -----------------------------------------------------------------

    def run(self, change: MonitorChange) -> StepOutcome:
        try:
            self.checkpoint()
            detail = self._run(change)
            # Alarms after the schedule: created once it exists, deleted once it is gone.
            apply_alarm_changes(
                self.clients, self.project, change.alarms, change.source_path, self.progress
            )
            return StepOutcome(change.name, "done", detail)
        except aws.AwsError as exc:
            return StepOutcome(change.name, "failed", exc.diagnostic.message, exc.diagnostic)
        except Cancelled:
            return StepOutcome(change.name, "not attempted", "stopped before this step")

    def _run(self, change: MonitorChange) -> str:
        d = change.desired
        name = change.name
        if change.action is Action.DELETE:
            current = self.wait_settled(
                name, change.source_path, gone_ok=True, fail_on_failed=False
            )
            if current is None:
                return "already deleted"
            self.ensure_owned(current, change.source_path)
            self.checkpoint()
            try:
                aws.sagemaker_call(
                    self.clients,
                    "DeleteMonitoringSchedule",
                    name,
                    change.source_path,
                    MonitoringScheduleName=name,
                )
            except aws.AwsError as exc:
                if exc.error_code != "ResourceNotFound":
                    raise
            self.progress(f"- {name}: deleted schedule")
            if change.live_job_definition:
                self.delete_definition(change.live_job_definition, change.source_path)
            return "deleted"
        assert d is not None, "only deletes come without desired state"
        if change.action is Action.CREATE:
            self.create_definition(d, self.upload_artifacts(d))
            self.create_schedule(d)
            self.progress(f"+ {name}: created schedule")
            self.wait_settled(name, d.source_path)
        else:
            if change.action in (Action.UPDATE, Action.SWAP) or change.toggle or change.retag:
                current = self.wait_settled(name, d.source_path, fail_on_failed=False)
                if current is not None:
                    self.ensure_owned(current, d.source_path)
            if change.action is Action.SWAP:
                self.create_definition(d, self.upload_artifacts(d))
            elif change.restore_config:
                self.restore_artifacts(d)
            if change.action in (Action.UPDATE, Action.SWAP):
                self.update_schedule(d)
                self.progress(
                    f"{_SWAP_OR_UPDATE[change.action is Action.SWAP]} {name}: updated schedule"
                )
                self.wait_settled(name, d.source_path)
            if (
                change.action is Action.SWAP
                and change.live_job_definition
                and change.live_job_definition != d.job_definition_name
            ):
                self.delete_definition(change.live_job_definition, d.source_path)
            if change.retag:
                self.checkpoint()
                self.retag_both(d)
                self.progress(f"# {name}: tags updated")
        if change.toggle is not None:
            self.checkpoint()
        if change.toggle is Action.STOP:
            aws.sagemaker_call(
                self.clients,
                "StopMonitoringSchedule",
                name,
                d.source_path,
                MonitoringScheduleName=name,
            )
            self.progress(f"⏸ {name}: stopped")
        elif change.toggle is Action.START:
            aws.sagemaker_call(
                self.clients,
                "StartMonitoringSchedule",
                name,
                d.source_path,
                MonitoringScheduleName=name,
            )
            self.progress(f"▶ {name}: started")
        return change.display_action.value


# Progress lines start with the plan's glyph for what happened.
_SWAP_OR_UPDATE = {True: "±", False: "~"}


def _span(path: str | None) -> SourceSpan | None:
    return SourceSpan(path) if path else None


def apply_plan(
    clients: aws.Clients,
    plan: Plan,
    *,
    waits: Waits | None = None,
    progress: Progress = lambda _: None,
    cancel: threading.Event | None = None,
    cancel_reason: Callable[[], Diagnostic] | None = None,
) -> ApplyResult:
    """Run every change of the plan; monitors are independent and run concurrently.

    When `cancel` is set (the lock's lease was lost) no new step starts; the monitors not
    finished are reported "not attempted". An interrupt (SIGINT, SIGTERM) in the calling
    thread does the same, waits for the calls in flight, then propagates."""
    stop = threading.Event()
    executor = _Executor(clients, plan.project, waits or Waits(), progress, stop, cancel)
    todo = [
        c for c in plan.changes if not c.is_noop and c.action not in (Action.ORPHAN, Action.BLOCKED)
    ]
    outcomes: list[StepOutcome] = []
    if todo:
        with ThreadPoolExecutor(max_workers=min(clients.max_workers, len(todo))) as pool:
            futures = [pool.submit(executor.run, change) for change in todo]
            try:
                outcomes = [f.result() for f in futures]
            except BaseException:
                # Abandon what has not started; the calls in flight finish (or fail) on
                # their own and no next step starts, so nothing is left half-sent.
                stop.set()
                for f in futures:
                    f.cancel()
                raise
    for cleanup in plan.cleanups:
        try:
            executor.delete_definition(cleanup.job_definition, cleanup.source_path)
            outcomes.append(StepOutcome(cleanup.job_definition, "done", "cleaned up"))
        except Cancelled:
            outcomes.append(StepOutcome(cleanup.job_definition, "not attempted", "stopped"))
        except aws.AwsError as exc:
            outcomes.append(
                StepOutcome(
                    cleanup.job_definition, "failed", exc.diagnostic.message, exc.diagnostic
                )
            )
    if cancel is not None and cancel.is_set() and cancel_reason is not None:
        diagnostic = cancel_reason()
        outcomes = [
            replace(o, diagnostic=diagnostic) if o.status == "not attempted" else o
            for o in outcomes
        ]
    return ApplyResult(tuple(outcomes))
