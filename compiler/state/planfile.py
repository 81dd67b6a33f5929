"""Saved plan files: what `plan --out` writes and what `apply FILE` checks before acting.

A saved plan records where it applies (project, environment, account, region), what it
was computed from (a digest of the monitor files, a fingerprint per live resource) and a
digest of itself. Apply recomputes the plan and refuses unless everything still matches.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from compiler.diagnostics import Diagnostic
from compiler.state.plan import Plan

PLAN_FILE_VERSION = 1


class _Shape(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class _MonitorIdentity(_Shape):
    actions: list[str]
    live_fingerprint: str
    job_definition: str | None
    alarms: list[str] | None = None  # written only when the monitor has alarm changes


class _Identity(_Shape):
    monitors: dict[str, _MonitorIdentity]
    cleanups: list[str]


class SavedPlanShape(_Shape):
    """What build_plan_file writes; checked before any field of a saved plan is used."""

    format_version: Literal[1]
    kind: Literal["biaswatch-plan"]
    tool_version: str
    created_at: str
    project: str
    environment: str
    account_id: str | None
    region: str
    monitors_digest: str
    verified: bool
    identity: _Identity
    plan: dict[str, Any]
    digest: str


def files_digest(files: Iterable[tuple[str, bytes]]) -> str:
    h = hashlib.sha256()
    for path, body in sorted(files):
        h.update(path.encode() + b"\0" + hashlib.sha256(body).hexdigest().encode() + b"\n")
    return h.hexdigest()


def _canonical(data: Mapping[str, Any]) -> bytes:
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode()


def plan_identity(plan: Plan) -> dict[str, Any]:
    """What must be equal for a saved plan to still be the plan: actions and live fingerprints."""
    return {
        "monitors": {
            c.name: {
                "actions": [a.name.lower() for a in c.actions]
                + (["restore_config"] if c.restore_config else []),
                "live_fingerprint": c.live_fingerprint,
                "job_definition": c.desired.job_definition_name if c.desired else None,
                # Only with alarm changes, so plan files without alarms keep their shape.
                **({"alarms": _alarm_identity(c)} if c.alarms else {}),
            }
            for c in plan.changes
        },
        "cleanups": sorted(c.job_definition for c in plan.cleanups),
    }


def _alarm_identity(change: Any) -> list[str]:
    """Each alarm change with a digest of its fields: an alarm edited since the plan is stale."""
    return [
        f"{a.action.name.lower()} {a.alarm_name} "
        + hashlib.sha256(
            _canonical({"c": [[f.path, f.before, f.after] for f in a.changes]})
        ).hexdigest()[:16]
        for a in change.alarms
    ]


def build_plan_file(
    plan: Plan,
    *,
    tool_version: str,
    monitors_digest: str,
    created_at: str,
    rendered: Mapping[str, Any],
    verified: bool = False,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "format_version": PLAN_FILE_VERSION,
        "kind": "biaswatch-plan",
        "tool_version": tool_version,
        "created_at": created_at,
        "project": plan.project,
        "environment": plan.environment,
        "account_id": plan.account_id,
        "region": plan.region,
        "monitors_digest": monitors_digest,
        "verified": verified,
        "identity": plan_identity(plan),
        "plan": dict(rendered),
    }
    body["digest"] = hashlib.sha256(_canonical(body)).hexdigest()
    return body


def parse_plan_file(text: str, display: str) -> tuple[dict[str, Any] | None, list[Diagnostic]]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        return None, [Diagnostic("E412", f"plan file {display} is not JSON: {exc}")]
    if not isinstance(data, dict) or data.get("kind") != "biaswatch-plan":
        return None, [Diagnostic("E412", f"{display} is not a biaswatch plan file")]
    if data.get("format_version") != PLAN_FILE_VERSION:
        return None, [
            Diagnostic(
                "E412",
                f"plan file {display} has format {data.get('format_version')!r}; this biaswatch reads {PLAN_FILE_VERSION}",
                hints=("plan again with this version",),
            )
        ]
    try:
        SavedPlanShape.model_validate(data)
    except ValidationError as exc:
        return None, [_shape_problem(display, exc)]
    claimed = data.get("digest")
    body = {k: v for k, v in data.items() if k != "digest"}
    if claimed != hashlib.sha256(_canonical(body)).hexdigest():
        return None, [
            Diagnostic(
                "E412",
                f"plan file {display} was altered after it was written (digest mismatch)",
                hints=("plan again; never edit a saved plan",),
            )
        ]
    return data, []


def _shape_problem(display: str, exc: ValidationError) -> Diagnostic:
    errors = exc.errors(include_url=False)
    where = []
    for err in errors[:3]:
        loc = ".".join(str(part) for part in err["loc"]) or "(top level)"
        where.append(f"{loc}: {str(err['msg']).lower()}")
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    return Diagnostic(
        "E412",
        f"plan file {display} is malformed: {'; '.join(where)}{more}",
        hints=("plan again; never edit a saved plan",),
    )


def check_plan_file(
    saved: Mapping[str, Any],
    fresh: Plan,
    *,
    monitors_digest: str,
    caller_account: str | None,
    rendered: Mapping[str, Any] | None = None,
) -> list[Diagnostic]:
    """Refusals, each with what moved; empty when the saved plan is still exactly valid.

    rendered is the fresh plan in the shape of the file's readable `plan` section; when
    given, that section must equal it, so what a reviewer read is what apply executes.
    """
    problems = []
    for key, current in (
        ("project", fresh.project),
        ("environment", fresh.environment),
        ("region", fresh.region),
    ):
        if saved.get(key) != current:
            problems.append(
                Diagnostic("E410", f"plan file is for {key} {saved.get(key)!r}, not {current!r}")
            )
    if caller_account and saved.get("account_id") and saved.get("account_id") != caller_account:
        problems.append(
            Diagnostic(
                "E410",
                f"plan file is for account {saved.get('account_id')}, but the credentials are for {caller_account}",
            )
        )
    if problems:
        return problems
    if saved.get("monitors_digest") != monitors_digest:
        problems.append(
            Diagnostic(
                "E411",
                "monitor files or biaswatch.yaml changed since the plan was made",
                hints=("plan again and review the new plan",),
            )
        )
    old = saved.get("identity", {})
    new = plan_identity(fresh)
    for name in sorted(set(old.get("monitors", {})) | set(new["monitors"])):
        a, b = old.get("monitors", {}).get(name), new["monitors"].get(name)
        if a != b:
            what = "appeared" if a is None else "disappeared" if b is None else "changed"
            problems.append(
                Diagnostic(
                    "E411",
                    f"stale plan: live state of {name!r} {what} since the plan was made",
                    hints=("plan again and review the new plan",),
                )
            )
    if old.get("cleanups") != new["cleanups"]:
        problems.append(
            Diagnostic("E411", "stale plan: unused job definitions changed since the plan was made")
        )
    if not problems and rendered is not None:
        problems.extend(_readable_problems(saved.get("plan"), rendered))
    return problems


def _readable_problems(shown: Any, rendered: Mapping[str, Any]) -> list[Diagnostic]:
    """The parts of a saved plan's readable section that differ from the plan to execute."""
    expected = json.loads(_canonical(rendered))
    if shown == expected:
        return []
    if not isinstance(shown, dict):
        parts = ["the whole section"]
    else:
        parts = sorted(k for k in set(shown) | set(expected) if shown.get(k) != expected.get(k))
        if "monitors" in parts and isinstance(shown.get("monitors"), list):
            by_name = {m.get("name"): m for m in expected["monitors"]}
            listed = {m.get("name") for m in shown["monitors"] if isinstance(m, dict)}
            names = sorted(
                {
                    str(m.get("name")) if isinstance(m, dict) else repr(m)
                    for m in shown["monitors"]
                    if not isinstance(m, dict) or by_name.get(m.get("name")) != m
                }
                | {str(name) for name in by_name if name not in listed}
            )
            if names:
                parts[parts.index("monitors")] = f"monitors {', '.join(names)}"
    return [
        Diagnostic(
            "E412",
            "the plan file's readable section does not match the changes apply would make "
            f"(differs in: {'; '.join(parts)})",
            hints=("what a reviewer read must be what runs; plan again and review the new plan",),
        )
    ]
