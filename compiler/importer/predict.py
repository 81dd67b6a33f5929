"""What the plan after an import will show, predicted from the payloads import read."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from compiler.config.loader import load_text
from compiler.desired import facts
from compiler.desired.compile import default_output_s3_uri
from compiler.desired.pipeline import EnvironmentBuild, Monitor, Project, build_environment
from compiler.desired.resources import (
    OWNER_TAG,
    SOURCE_TAG,
    Target,
)
from compiler.diagnostics import Diagnostic, SourceSpan
from compiler.importer.decompile import simplify
from compiler.state.plan import MonitorChange, Plan, build_plan
from compiler.state.projection import (
    LiveState,
    RawMonitor,
    project_monitor,
)

# SDK docstrings give 3600 s as the runtime when StoppingCondition is left out (the
# service's real default is UNCONFIRMED, reference §3.5); hourly bias jobs allow 1800.
ASSUMED_SERVICE_MAX_RUNTIME: Final = 3600
_ALIASES: Final = {expr: alias for alias, expr in facts.SCHEDULE_ALIASES.items()}


def build_imported(
    project: Project, env_name: str, text: str, display_path: str
) -> tuple[Monitor | None, EnvironmentBuild | None, list[Diagnostic]]:
    """Load and compile a rendered file exactly as `validate`/`plan` will."""
    doc, load_diags = load_text(display_path, text.encode("utf-8"))
    if doc is None:
        return None, None, list(load_diags)
    build = build_environment(project, [doc], env_name)
    errors = [d for d in build.diagnostics if d.is_error]
    if errors or not build.monitors:
        return None, build, errors
    return build.monitors[0], build, []


def choose_monitor(
    project: Project,
    env_name: str,
    target: Target,
    explicit: Mapping[str, Any],
    render: Callable[[Mapping[str, Any]], str],
    display_path: str,
) -> tuple[Mapping[str, Any], Monitor | None, list[Diagnostic]]:
    """The shorter file when it compiles to exactly what the fully explicit one does."""
    env = project.config.environments[env_name]
    short = simplify(explicit, env.defaults, default_output_s3_uri(target, str(explicit["name"])))
    full_monitor, _, diags = build_imported(project, env_name, render(explicit), display_path)
    if full_monitor is None:
        return explicit, None, diags
    short_monitor, _, _ = build_imported(project, env_name, render(short), display_path)
    if short_monitor is not None and short_monitor.desired == full_monitor.desired:
        return short, short_monitor, []
    return explicit, full_monitor, []


def predict_plan(
    project: str,
    environment: str,
    account_id: str | None,
    region: str,
    monitor: Monitor,
    live: RawMonitor,
    *,
    adopted: bool,
) -> Plan:
    """The plan `biaswatch plan` will compute for this monitor right after the import."""
    schedule_tags = dict(live.schedule_tags)
    if adopted:
        schedule_tags[OWNER_TAG] = project
    current = project_monitor(dataclasses.replace(live, schedule_tags=schedule_tags))
    monitors = {live.name: current} if current is not None else {}
    return build_plan(
        project,
        environment,
        account_id,
        region,
        [monitor.desired],
        LiveState(monitors),
        targets=[live.name],
    )


def expected_change(change: MonitorChange) -> tuple[list[str], list[str]]:
    """Split a predicted change's fields: (ownership tag fields, everything else)."""
    ownership = []
    other = []
    for c in change.changes:
        if c.resource in ("tags", "job_definition_tags") and c.path.split(".", 1)[-1] in (
            OWNER_TAG,
            SOURCE_TAG,
        ):
            ownership.append(c.path)
        else:
            other.append(f"{c.path}: {c.before!r} → {c.after!r}")
    return ownership, other


def reprefix(diagnostics: Sequence[Diagnostic], path: str) -> list[Diagnostic]:
    """Diagnostics about a not yet written file, pointing at where it would be."""
    out = []
    for d in diagnostics:
        span = SourceSpan(path, d.span.line, d.span.column) if d.span else None
        out.append(Diagnostic(d.code, d.message, span, d.field, d.severity, d.hints))
    return out
