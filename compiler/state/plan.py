"""The plan as data: per monitor, what apply will do and why, from desired and live state.

Pure: build_plan(desired, live) decides everything; renderers only show it and apply only
executes it.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from compiler.desired.resources import OWNER_TAG, Desired
from compiler.diagnostics import Diagnostic, Severity, SourceSpan
from compiler.state.alarms import AlarmChange, LiveAlarm, plan_monitor_alarms, summarize
from compiler.state.diff import FieldChange, diff_values
from compiler.state.projection import (
    ConfigState,
    EndpointState,
    LiveMonitor,
    LiveState,
    absent_fingerprint,
    desired_definition,
    desired_schedule_config,
    desired_tags,
)


class Action(enum.Enum):
    """What happens to one monitor (renderers map each to a glyph and words)."""

    NOOP = "noop"
    CREATE = "create"
    UPDATE = "update"
    SWAP = "swap"
    RETAG = "retag"
    STOP = "stop"
    START = "start"
    DELETE = "delete"
    ORPHAN = "orphan"
    BLOCKED = "blocked"


@dataclass(frozen=True)
class MonitorChange:
    name: str
    action: Action  # the main action; extras below
    source_path: str | None
    desired: Desired | None
    live_fingerprint: str
    live_job_definition: str | None = None
    retag: bool = False
    toggle: Action | None = None  # START or STOP besides the main action
    restore_config: bool = False  # rewrite an altered/missing analysis config object
    changes: tuple[FieldChange, ...] = ()
    reason: str = ""
    notes: tuple[Diagnostic, ...] = ()
    alarms: tuple[AlarmChange, ...] = ()  # CloudWatch alarms created/updated/deleted with it
    protected: bool = False  # an orphan kept by its deletion_protection tag
    live_config_uri: str | None = None  # a deleted monitor's analysis config object

    @property
    def actions(self) -> tuple[Action, ...]:
        out: list[Action] = [self.action] if self.action is not Action.NOOP else []
        if self.retag and self.action not in (Action.CREATE, Action.DELETE):
            out.append(Action.RETAG)
        if self.toggle is not None:
            out.append(self.toggle)
        return tuple(out)

    @property
    def is_noop(self) -> bool:
        return not self.actions and not self.restore_config and not self.alarms

    @property
    def display_action(self) -> Action:
        if self.action is not Action.NOOP:
            return self.action
        if self.restore_config or (self.alarms and not self.actions):
            return Action.UPDATE
        return self.actions[0] if self.actions else Action.NOOP


@dataclass(frozen=True)
class Cleanup:
    """A managed job definition no schedule references any more."""

    job_definition: str
    source_path: str | None


@dataclass(frozen=True)
class Plan:
    project: str
    environment: str
    account_id: str | None
    region: str
    changes: tuple[MonitorChange, ...]
    cleanups: tuple[Cleanup, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = field(default_factory=tuple)

    @property
    def has_changes(self) -> bool:
        return any(
            not c.is_noop and c.action not in (Action.ORPHAN, Action.BLOCKED) for c in self.changes
        ) or bool(self.cleanups)

    @property
    def has_orphans(self) -> bool:
        """Managed schedules with no monitor file that this plan keeps: not "no changes"
        (drift reports them too), though apply has nothing to do for them."""
        return any(c.action is Action.ORPHAN for c in self.changes)

    @property
    def blocked(self) -> bool:
        return any(c.action is Action.BLOCKED for c in self.changes) or any(
            d.is_error for d in self.diagnostics
        )

    def summary(self) -> Mapping[str, int]:
        counts = {
            "create": 0,
            "update": 0,
            "swap": 0,
            "delete": 0,
            "retag": 0,
            "start": 0,
            "stop": 0,
            "cleanup": len(self.cleanups),
            "orphan": 0,
            "blocked": 0,
            "unchanged": 0,
        }
        for c in self.changes:
            if c.action is Action.CREATE:
                counts["create"] += 1
            elif c.action is Action.DELETE:
                counts["delete"] += 1
            elif c.action is Action.ORPHAN:
                counts["orphan"] += 1
            elif c.action is Action.BLOCKED:
                counts["blocked"] += 1
            elif c.is_noop:
                counts["unchanged"] += 1
            else:
                counts["update"] += 1
                if c.action is Action.SWAP:
                    counts["swap"] += 1
                if c.retag:
                    counts["retag"] += 1
                if c.toggle is Action.START:
                    counts["start"] += 1
                if c.toggle is Action.STOP:
                    counts["stop"] += 1
        return counts


_BROKEN_CONFIG = (ConfigState.MISSING, ConfigState.ALTERED, ConfigState.UNPARSABLE)


def _warning(
    code: str, message: str, path: str | None, field_name: str = "name", *hints: str
) -> Diagnostic:
    return Diagnostic(
        code, message, SourceSpan(path) if path else None, field_name, Severity.WARNING, hints
    )


def _preconditions(
    desired: Desired, live: LiveMonitor | None, endpoint_state: EndpointState | None
) -> list[Diagnostic]:
    """What the plan found that apply must wait for or that SageMaker will refuse."""
    notes = []
    path, name = desired.source_path, desired.name
    if live is not None and live.status == "Pending":
        notes.append(
            _warning(
                "W603", f"schedule {name!r} is Pending; apply will wait for it to settle", path
            )
        )
    if live is not None and live.status == "Failed":
        reason = live.failure_reason or "no reason given"
        notes.append(_warning("W604", f"schedule {name!r} is Failed: {reason}", path))
    endpoint = desired.endpoint_name
    if endpoint and endpoint_state is EndpointState.MISSING:
        notes.append(
            dataclasses.replace(
                _warning(
                    "W601",
                    f"endpoint {endpoint!r} does not exist in this account and region; "
                    "SageMaker will refuse the schedule",
                    path,
                    "endpoint_input.endpoint_name",
                    "create the endpoint with data capture (Input and Output) first, or fix "
                    "endpoint_name",
                    "against the emulator: list the endpoint under `emulator.endpoints` of "
                    "the environment in biaswatch.yaml",
                ),
                span=desired.endpoint_span or SourceSpan(path),
            )
        )
    elif endpoint and endpoint_state is EndpointState.NO_CAPTURE:
        notes.append(
            _warning(
                "W602",
                f"endpoint {endpoint!r} does not capture both input and output",
                path,
                "endpoint_input.endpoint_name",
                "enable DataCaptureConfig with CaptureMode Input and Output",
            )
        )
    return notes


def _create(desired: Desired, endpoint_state: EndpointState | None) -> MonitorChange:
    changes = [
        *diff_values("schedule", {}, desired_schedule_config(desired)),
        *diff_values("job_definition", {}, desired_definition(desired)),
        *diff_values("analysis_config", {}, dict(desired.analysis_config)),
    ]
    changes = [
        c
        for c in changes
        if not c.path.startswith(("MonitoringJobDefinitionName", "MonitoringType"))
    ]
    notes = _preconditions(desired, None, endpoint_state)
    return MonitorChange(
        desired.name,
        Action.CREATE,
        desired.source_path,
        desired,
        absent_fingerprint(),
        toggle=None if desired.enabled else Action.STOP,
        changes=tuple(changes),
        reason="not in SageMaker",
        notes=tuple(notes),
    )


def _compare(desired: Desired, live: LiveMonitor, project: str, environment: str) -> MonitorChange:
    notes = _preconditions(desired, live, live.endpoint_state)
    if live.owner != project:
        owner = f"project {live.owner!r}" if live.owner else "no biaswatch project"
        blocked = Diagnostic(
            "E414",
            f"schedule {desired.name!r} already exists and belongs to {owner}",
            SourceSpan(desired.source_path),
            "name",
            hints=(
                f"adopt it with `biaswatch import {desired.name} --env {environment}` "
                "or rename this monitor",
            ),
        )
        return MonitorChange(
            desired.name,
            Action.BLOCKED,
            desired.source_path,
            desired,
            live.fingerprint,
            live.job_definition_name,
            reason="unowned schedule with this name",
            notes=(blocked, *notes),
        )
    changes: list[FieldChange] = []
    want_def = desired_definition(desired)
    want_sched = desired_schedule_config(desired)
    swap = live.job_definition_name != desired.job_definition_name or live.job_definition is None
    restore = False
    reasons = []
    if live.job_definition is None:
        reasons.append(f"job definition {live.job_definition_name!r} is gone")
    if swap:
        changes += diff_values("job_definition", live.job_definition or {}, want_def)
        changes = [c for c in changes if c.path != "ModelBiasAppSpecification.ConfigUri"]
        if live.analysis_config_state in (ConfigState.OK, ConfigState.ALTERED):
            changes += diff_values(
                "analysis_config", live.analysis_config, dict(desired.analysis_config)
            )
        else:
            changes += diff_values("analysis_config", {}, dict(desired.analysis_config))
        reasons.append("job definitions are immutable: a new one replaces it")
    elif live.job_definition != want_def:
        # Same content-derived name but other content: recreated out of band.
        swap = True
        changes += diff_values("job_definition", live.job_definition, want_def)
        reasons.append("job definition content differs from its name's hash")
    if live.analysis_config_state in _BROKEN_CONFIG and not swap:
        restore = True
        changes += diff_values(
            "analysis_config",
            live.analysis_config if live.analysis_config_state is ConfigState.ALTERED else {},
            dict(desired.analysis_config),
        )
        reasons.append(f"analysis config object is {live.analysis_config_state}")
    if live.baseline_state in _BROKEN_CONFIG and not swap:
        restore = True
        reasons.append(f"baseline object {live.baseline_uri} is {live.baseline_state}")
    sched_changes = [
        c
        for c in diff_values("schedule", live.schedule_config, want_sched)
        if c.path != "MonitoringJobDefinitionName"
    ]
    changes += sched_changes
    action = Action.SWAP if swap else Action.UPDATE if sched_changes else Action.NOOP
    want_tags = desired_tags(desired)
    tag_changes = diff_values("tags", dict(live.schedule_tags), want_tags)
    retag = bool(tag_changes)
    if not swap and live.job_definition is not None:
        def_tag_changes = diff_values(
            "job_definition_tags", dict(live.job_definition_tags), want_tags
        )
        retag = retag or bool(def_tag_changes)
        changes += def_tag_changes
    changes += tag_changes
    toggle = None
    if desired.enabled and live.status == "Stopped":
        toggle = Action.START
        changes.append(FieldChange("state", "enabled", False, True))
    elif not desired.enabled and live.status != "Stopped":
        toggle = Action.STOP
        changes.append(FieldChange("state", "enabled", True, False))
    if live.status == "Failed" and action is Action.NOOP:
        # A Failed schedule is re-sent as-is so SageMaker retries it.
        action = Action.UPDATE
        reasons.append(f"schedule is Failed: {live.failure_reason or 'no reason given'}")
    return MonitorChange(
        desired.name,
        action,
        desired.source_path,
        desired,
        live.fingerprint,
        live.job_definition_name,
        retag=retag,
        toggle=toggle,
        restore_config=restore,
        changes=tuple(changes),
        reason="; ".join(reasons),
        notes=tuple(notes),
    )


def _absent(live: LiveMonitor, allow_destroy: bool) -> MonitorChange:
    if live.deletion_protection and allow_destroy:
        # Asked to destroy what is protected: refuse the whole plan rather than skip quietly.
        note = Diagnostic(
            "E415",
            f"schedule {live.name!r} has deletion protection; --allow-destroy does not override it",
            SourceSpan(live.source_path) if live.source_path else None,
            "deletion_protection",
            Severity.ERROR,
            ("restore its file, set deletion_protection: false and apply, then remove the file",),
        )
        return MonitorChange(
            live.name,
            Action.BLOCKED,
            live.source_path,
            None,
            live.fingerprint,
            live.job_definition_name,
            reason="deletion protection",
            notes=(note,),
        )
    action = Action.DELETE if allow_destroy else Action.ORPHAN
    reason = (
        "monitor file removed"
        if allow_destroy
        else "monitor file removed; deletion protection keeps it"
        if live.deletion_protection
        else "monitor file removed; deleting needs --allow-destroy"
    )
    # No source span: the recorded file is gone, so a `path:1:1` location would point at
    # nothing. The message names the file the schedule was applied from instead.
    recorded = (
        f"its monitor file {live.source_path!r} is gone"
        if live.source_path
        else ("it records no monitor file")
    )
    hints = (
        "to delete it: restore the file with deletion_protection: false, apply, then remove it"
        if live.deletion_protection
        else "to delete it: plan and apply with --allow-destroy (the pull-request workflow does)",
        f"to keep it running unmanaged: `biaswatch forget {live.name}`",
        f"to keep managing it: restore {live.source_path or 'its monitor file'}",
    )
    note = Diagnostic(
        "W606",
        f"schedule {live.name!r} is managed by this project but {recorded}",
        None,
        "name",
        Severity.WARNING,
        hints if not allow_destroy else (),
    )
    return MonitorChange(
        live.name,
        action,
        live.source_path,
        None,
        live.fingerprint,
        live.job_definition_name,
        reason=reason,
        notes=(note,),
        protected=live.deletion_protection,
        live_config_uri=live.config_uri,
    )


def _with_alarms(
    change: MonitorChange, live: Mapping[str, LiveAlarm], project: str
) -> MonitorChange:
    """The monitor's change with its CloudWatch alarms' changes attached: a deleted monitor
    takes its alarms along; blocked and orphaned monitors keep theirs untouched."""
    if change.action in (Action.BLOCKED, Action.ORPHAN):
        return change
    wanted = change.desired.alarms if change.desired and change.action is not Action.DELETE else ()
    planned, notes = plan_monitor_alarms(change.name, wanted, live, project, change.source_path)
    if not planned and not notes:
        return change
    return dataclasses.replace(
        change,
        alarms=planned,
        changes=(*change.changes, *(f for a in planned for f in a.changes)),
        reason="; ".join(r for r in (change.reason, summarize(planned)) if r),
        notes=(*change.notes, *notes),
    )


def build_plan(
    project: str,
    environment: str,
    account_id: str | None,
    region: str,
    desired: Sequence[Desired],
    live: LiveState,
    *,
    allow_destroy: bool = False,
    targets: Iterable[str] | None = None,
    endpoint_states: Mapping[str, EndpointState] | None = None,
) -> Plan:
    """Compare every desired monitor with its live counterpart; owned leftovers are orphans."""
    wanted = set(targets) if targets else None
    changes: list[MonitorChange] = []
    desired_names = {d.name for d in desired}
    for d in sorted(desired, key=lambda d: d.name):
        if wanted is not None and d.name not in wanted:
            continue
        current = live.monitors.get(d.name)
        if current is None:
            changes.append(_create(d, (endpoint_states or {}).get(d.endpoint_name or "")))
        else:
            changes.append(_compare(d, current, project, environment))
    for name, current in sorted(live.monitors.items()):
        if name in desired_names or current.owner != project:
            continue
        if wanted is not None and name not in wanted:
            continue
        changes.append(_absent(current, allow_destroy))
    changes = [_with_alarms(c, live.alarms, project) for c in changes]
    referenced = {m.job_definition_name for m in live.monitors.values()} | {
        d.job_definition_name for d in desired
    }
    cleanups = tuple(
        Cleanup(defn.name, defn.tags.get("biaswatch:source"))
        for defn in live.definitions
        if defn.tags.get(OWNER_TAG) == project
        and defn.name not in referenced
        and not defn.referenced
        and wanted is None
    )
    diagnostics = tuple(n for c in changes for n in c.notes)
    return Plan(project, environment, account_id, region, tuple(changes), cleanups, diagnostics)
