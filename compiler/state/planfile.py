"""Saved plan files: what `plan --out` writes and what `apply FILE` checks before acting.

A saved plan records where it applies (project, environment, account, region), what it
was computed from (a digest of the monitor files, a fingerprint per live resource) and a
digest of itself. Apply recomputes the plan and refuses unless everything still matches.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from compiler.diagnostics import Diagnostic
from compiler.state.plan import Plan

PLAN_FILE_VERSION = 1


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


def check_plan_file(
    saved: Mapping[str, Any], fresh: Plan, *, monitors_digest: str, caller_account: str | None
) -> list[Diagnostic]:
    """Refusals, each with what moved; empty when the saved plan is still exactly valid."""
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
    return problems
