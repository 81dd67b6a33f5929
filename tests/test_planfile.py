"""Saved plan files: what makes apply refuse them (pure checks)."""

from __future__ import annotations

import json

from compiler.state.plan import Action, MonitorChange, Plan
from compiler.state.planfile import build_plan_file, check_plan_file, parse_plan_file


def _plan(
    account: str = "111111111111", region: str = "us-east-1", fingerprint: str = "f1"
) -> Plan:
    change = MonitorChange("m", Action.UPDATE, "monitors/m.yaml", None, fingerprint)
    return Plan("p", "prod", account, region, (change,))


def _saved(plan: Plan) -> dict:  # type: ignore[type-arg]
    text = json.dumps(
        build_plan_file(plan, tool_version="0", monitors_digest="d", created_at="t", rendered={})
    )
    data, problems = parse_plan_file(text, "plan.json")
    assert data is not None and problems == []
    return data


def test_check_plan_file__unchanged__no_problems() -> None:
    assert (
        check_plan_file(
            _saved(_plan()), _plan(), monitors_digest="d", caller_account="111111111111"
        )
        == []
    )


def test_check_plan_file__other_account__e410() -> None:
    problems = check_plan_file(
        _saved(_plan()), _plan(), monitors_digest="d", caller_account="222222222222"
    )
    assert [p.code for p in problems] == ["E410"] and "222222222222" in problems[0].message


def test_check_plan_file__other_region__e410() -> None:
    problems = check_plan_file(
        _saved(_plan(region="eu-west-1")), _plan(), monitors_digest="d", caller_account=None
    )
    assert [p.code for p in problems] == ["E410"] and "region" in problems[0].message


def test_check_plan_file__live_moved__e411_names_monitor() -> None:
    problems = check_plan_file(
        _saved(_plan()), _plan(fingerprint="f2"), monitors_digest="d", caller_account=None
    )
    assert [p.code for p in problems] == ["E411"] and "'m'" in problems[0].message


def test_check_plan_file__monitor_files_changed__e411() -> None:
    problems = check_plan_file(
        _saved(_plan()), _plan(), monitors_digest="other", caller_account=None
    )
    assert [p.code for p in problems] == ["E411"]


def test_parse_plan_file__edited__e412() -> None:
    text = json.dumps(
        build_plan_file(_plan(), tool_version="0", monitors_digest="d", created_at="t", rendered={})
    )
    edited = text.replace('"prod"', '"staging"')
    data, problems = parse_plan_file(edited, "plan.json")
    assert data is None and [p.code for p in problems] == ["E412"]


def test_parse_plan_file__not_json_or_other_kind__e412() -> None:
    assert [p.code for p in parse_plan_file("{", "x")[1]] == ["E412"]
    assert [p.code for p in parse_plan_file('{"kind": "other"}', "x")[1]] == ["E412"]
