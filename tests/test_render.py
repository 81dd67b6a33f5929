"""Tests for the plan and drift renderers (text, Markdown, JSON), with golden files."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from compiler.config.workspace import load_workspace
from compiler.desired.pipeline import build_environment, build_project
from compiler.desired.resources import Desired
from compiler.diagnostics import Diagnostic, Severity, SourceSpan
from compiler.render.common import KIND_TITLES, summary_line
from compiler.render.json import drift_to_dict, plan_to_dict, render_drift_json, render_plan_json
from compiler.render.markdown import render_drift_markdown, render_plan_markdown
from compiler.render.text import render_drift_text, render_plan_text
from compiler.state.diff import FieldChange
from compiler.state.drift import REMEDIES, DriftReport, Finding, Violation, ViolationMetric
from compiler.state.plan import Action, Cleanup, MonitorChange, Plan, build_plan
from compiler.state.projection import LiveState
from tests.golden import assert_golden

REPO = Path(__file__).resolve().parent.parent
FP = "f" * 64


def _desired(name: str, job_definition: str) -> Desired:
    return Desired(
        name=name,
        source_path=f"monitors/{name}.yaml",
        job_definition_name=job_definition,
        create_job_definition={},
        create_schedule={},
        analysis_config={},
        analysis_config_body=b"{}",
        analysis_config_sha256="0" * 64,
        analysis_config_s3_uri=f"s3://bucket/biaswatch/{name}/analysis_config.json",
        tags=(),
        enabled=True,
        deletion_protection=False,
        endpoint_name=None,
    )


def _warning(code: str, message: str, name: str, field: str = "name", *hints: str) -> Diagnostic:
    return Diagnostic(
        code, message, SourceSpan(f"monitors/{name}.yaml"), field, Severity.WARNING, hints
    )


W601 = _warning(
    "W601",
    "endpoint 'credit-ep' does not exist in this account; SageMaker will refuse the schedule",
    "credit-risk",
    "endpoint_input.endpoint_name",
    "create the endpoint with data capture first",
)
W603 = _warning(
    "W603", "schedule 'fraud-score' is Pending; apply will wait for it to settle", "fraud-score"
)
W606 = _warning(
    "W606", "schedule 'old-model' is managed by this project but has no monitor file", "old-model"
)
E414 = Diagnostic(
    "E414",
    "schedule 'shared-model' already exists and belongs to project 'other-team'",
    SourceSpan("monitors/shared-model.yaml", 3, 7),
    "name",
    hints=("adopt it with `biaswatch import shared-model` or rename this monitor",),
)

CREATE = MonitorChange(
    "credit-risk",
    Action.CREATE,
    "monitors/credit-risk.yaml",
    _desired("credit-risk", "credit-risk-1a2b3c4d5e"),
    "0" * 64,
    toggle=Action.STOP,
    changes=(
        FieldChange("schedule", "schedule_cron_expression", None, "cron(0 * ? * * *)"),
        FieldChange("job_definition", "instance_type", None, "ml.m5.xlarge"),
        FieldChange("job_definition", "max_runtime_in_seconds", None, 1800),
        FieldChange("job_definition", "env.DEBUG", None, "false"),
        FieldChange("analysis_config", "analysis_config.label", None, "approved"),
        FieldChange(
            "analysis_config",
            "analysis_config.facet",
            None,
            [{"name_or_index": "gender", "value_or_threshold": ["female"]}],
        ),
    ),
    reason="not in SageMaker",
    notes=(W601,),
)
UPDATE = MonitorChange(
    "fraud-score",
    Action.UPDATE,
    "monitors/fraud-score.yaml",
    _desired("fraud-score", "fraud-score-aaaaaaaaaa"),
    FP,
    "fraud-score-aaaaaaaaaa",
    retag=True,
    changes=(
        FieldChange(
            "schedule", "schedule_cron_expression", "cron(0 * ? * * *)", "cron(0 6 ? * * *)"
        ),
        FieldChange("tags", "tags.team", "risk", "fraud | ops"),
        FieldChange("tags", "tags.cost-center", None, "cc-42"),
        FieldChange("tags", "tags.legacy", "yes", None),
    ),
    notes=(W603,),
)
LONG_URI = "s3://acme-ml-prod/" + "very-long-prefix/" * 10 + "constraints.json"
SWAP = MonitorChange(
    "loan-approval",
    Action.SWAP,
    "monitors/loan-approval.yaml",
    _desired("loan-approval", "loan-approval-bbbbbbbbbb"),
    FP,
    "loan-approval-9999999999",
    changes=(
        FieldChange("job_definition", "constraints", "s3://acme-ml-prod/old.json", LONG_URI),
        FieldChange(
            "job_definition", "network_config.subnets", ["subnet-1"], ["subnet-1", "subnet-2"]
        ),
        FieldChange("analysis_config", "analysis_config.label_values_or_threshold", [1], [1, 2]),
        FieldChange("analysis_config", "analysis_config.facet[1].name_or_index", "age", "income"),
        FieldChange("analysis_config", "analysis_config.probability_threshold", None, 0.7),
        FieldChange("analysis_config", "analysis_config.group_variable", "region", None),
    ),
    reason="job definitions are immutable: a new one replaces it",
)
START = MonitorChange(
    "churn-batch",
    Action.NOOP,
    "monitors/churn-batch.yaml",
    _desired("churn-batch", "churn-batch-cccccccccc"),
    FP,
    "churn-batch-cccccccccc",
    toggle=Action.START,
    changes=(FieldChange("state", "enabled", False, True),),
)
STOP = MonitorChange(
    "marketing-uplift",
    Action.UPDATE,
    "monitors/marketing-uplift.yaml",
    _desired("marketing-uplift", "marketing-uplift-dddddddddd"),
    FP,
    "marketing-uplift-dddddddddd",
    toggle=Action.STOP,
    changes=(
        FieldChange(
            "schedule", "schedule_cron_expression", "cron(0 * ? * * *)", "cron(0 0 ? * * *)"
        ),
        FieldChange("state", "enabled", True, False),
    ),
)
RESTORE = MonitorChange(
    "pricing",
    Action.NOOP,
    "monitors/pricing.yaml",
    _desired("pricing", "pricing-eeeeeeeeee"),
    FP,
    "pricing-eeeeeeeeee",
    restore_config=True,
    changes=(FieldChange("analysis_config", "analysis_config", None, {"label": "bought"}),),
    reason="analysis config object is missing",
)
ORPHAN = MonitorChange(
    "old-model",
    Action.ORPHAN,
    "monitors/old-model.yaml",
    None,
    FP,
    "old-model-ffffffffff",
    reason="monitor file removed; deleting needs --allow-destroy",
    notes=(W606,),
)
DELETE = MonitorChange(
    "retired",
    Action.DELETE,
    "monitors/retired.yaml",
    None,
    FP,
    "retired-1111111111",
    reason="monitor file removed",
)
BLOCKED = MonitorChange(
    "shared-model",
    Action.BLOCKED,
    "monitors/shared-model.yaml",
    _desired("shared-model", "shared-model-2222222222"),
    FP,
    "someone-elses-definition",
    reason="unowned schedule with this name",
    notes=(E414,),
)
NOOP = MonitorChange(
    "steady",
    Action.NOOP,
    "monitors/steady.yaml",
    _desired("steady", "steady-3333333333"),
    FP,
    "steady-3333333333",
)
CLEANUPS = (
    Cleanup("loan-approval-9999999999", "monitors/loan-approval.yaml"),
    Cleanup("ancient-0000000000", None),
)
ALL = (BLOCKED, START, CREATE, UPDATE, SWAP, STOP, ORPHAN, RESTORE, DELETE, NOOP)


def _plan(*changes: MonitorChange, cleanups: tuple[Cleanup, ...] = ()) -> Plan:
    return Plan(
        "acme-credit-models",
        "prod",
        "210987654321",
        "us-east-1",
        tuple(sorted(changes, key=lambda c: c.name)),
        cleanups,
        tuple(n for c in sorted(changes, key=lambda c: c.name) for n in c.notes),
    )


RICH_PLAN = _plan(*ALL, cleanups=CLEANUPS)
EMPTY_PLAN = _plan(NOOP)

FINDINGS = (
    Finding(
        "fraud-score",
        "changed",
        "monitors/fraud-score.yaml",
        "fields differ",
        (
            FieldChange(
                "schedule", "schedule_cron_expression", "cron(0 6 ? * * *)", "cron(0 * ? * * *)"
            ),
            FieldChange("tags", "tags.team", "ops", "risk"),
        ),
    ),
    Finding(
        "credit-risk", "missing", "monitors/credit-risk.yaml", "schedule not found in SageMaker"
    ),
    Finding(
        "loan-approval",
        "config-altered",
        "monitors/loan-approval.yaml",
        "s3://acme-biaswatch-prod/loan-approval/analysis_config.json: altered",
        (FieldChange("analysis_config", "analysis_config.label", "defaulted", "approved"),),
    ),
    Finding("shared-model", "unmanaged", "monitors/shared-model.yaml", "owned by 'other-team'"),
    Finding(
        "old-model",
        "orphan",
        "monitors/old-model.yaml",
        "monitor file removed; deleting needs --allow-destroy",
    ),
    Finding("churn-batch", "stopped", "monitors/churn-batch.yaml", "schedule is Stopped"),
    Finding("pricing", "failed", "monitors/pricing.yaml", "ClientError: role cannot be assumed"),
    Finding(
        "fraud-score",
        "alarm-changed",
        "monitors/fraud-score.yaml",
        "biaswatch/acme-credit-models/fraud-score/dppl",
        (FieldChange("alarm", "alarms[dppl].threshold", 0.5, 0.1),),
    ),
    Finding(
        "loan-approval",
        "alarm-missing",
        "monitors/loan-approval.yaml",
        "biaswatch/acme-credit-models/loan-approval/di",
        (FieldChange("alarm", "alarms[di].threshold", None, 0.2),),
    ),
    Finding(
        "pricing",
        "alarm-extra",
        "monitors/pricing.yaml",
        "biaswatch/acme-credit-models/pricing/old",
        (FieldChange("alarm", "alarms[old].threshold", 0.3, None),),
    ),
)
# What build_drift attaches: the repair each kind gets (state/drift.REMEDIES).
FINDINGS = tuple(
    dataclasses.replace(f, remedy=REMEDIES[f.kind].format(name=f.name, env="prod"))
    for f in FINDINGS
)
VIOLATIONS = (
    Violation(
        "credit-risk",
        "monitors/credit-risk.yaml",
        "CompletedWithViolations",
        "2024-05-01T06:00:00+00:00",
        "arn:aws:sagemaker:us-east-1:210987654321:processing-job/credit-risk-20240501",
        (
            ViolationMetric("CI", "gender", "female", "Value 0.31 exceeds threshold 0.1"),
            ViolationMetric("DPPL", None, None, "Value -0.2 is below threshold -0.1"),
        ),
        True,
    ),
    Violation(
        "fraud-score",
        "monitors/fraud-score.yaml",
        "CompletedWithViolations",
        None,
        None,
        (),
        False,
    ),
)
RICH_DRIFT = DriftReport(
    "acme-credit-models", "prod", "210987654321", "us-east-1", FINDINGS, VIOLATIONS
)
NO_DRIFT = DriftReport("acme-credit-models", "prod", None, "us-east-1", (), ())


# --- golden files ---------------------------------------------------------------------------


def test_render_plan_text__rich_plan__matches_golden() -> None:
    assert_golden("render/plan.txt", render_plan_text(RICH_PLAN))


def test_render_plan_markdown__rich_plan__matches_golden() -> None:
    assert_golden("render/plan.md", render_plan_markdown(RICH_PLAN))


def test_render_plan_json__rich_plan__matches_golden() -> None:
    assert_golden("render/plan.json", render_plan_json(RICH_PLAN))


def test_render_drift_text__rich_report__matches_golden() -> None:
    assert_golden("render/drift.txt", render_drift_text(RICH_DRIFT))


def test_render_drift_markdown__rich_report__matches_golden() -> None:
    assert_golden("render/drift.md", render_drift_markdown(RICH_DRIFT))


def test_render_drift_json__rich_report__matches_golden() -> None:
    assert_golden("render/drift.json", render_drift_json(RICH_DRIFT))


# --- plan text ------------------------------------------------------------------------------


def _block(text: str, name: str) -> list[str]:
    """The lines of one monitor's block: its header line up to the next blank line."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if f" {name}  (" in line)
    end = next((i for i in range(start, len(lines)) if not lines[i]), len(lines))
    return lines[start:end]


def test_render_plan_text__header__names_project_environment_account_region() -> None:
    first = render_plan_text(RICH_PLAN).splitlines()[0]
    assert first == "biaswatch plan for acme-credit-models/prod (account 210987654321, us-east-1)"


def test_render_plan_text__create__plus_lines_and_stop_extra() -> None:
    block = _block(render_plan_text(_plan(CREATE)), "credit-risk")
    assert block[0] == "  + credit-risk  (create, stop)  monitors/credit-risk.yaml"
    assert block[1] == "      reason: not in SageMaker"
    assert "      + schedule_cron_expression: 'cron(0 * ? * * *)'" in block
    assert "      + max_runtime_in_seconds: 1800" in block
    assert "      analysis_config:" in block
    assert (
        '        + facet: [{"name_or_index": "gender", "value_or_threshold": ["female"]}]' in block
    )
    assert all("→" not in line for line in block)


def test_render_plan_text__update_in_place__arrows_none_and_retag() -> None:
    block = _block(render_plan_text(_plan(UPDATE)), "fraud-score")
    assert block[0] == "  ~ fraud-score  (update in place, retag)  monitors/fraud-score.yaml"
    assert "      schedule_cron_expression: 'cron(0 * ? * * *)' → 'cron(0 6 ? * * *)'" in block
    assert "      tags.cost-center: (none) → 'cc-42'" in block
    assert "      tags.legacy: 'yes' → (none)" in block


def test_render_plan_text__definition_swap__analysis_config_key_by_key() -> None:
    block = _block(render_plan_text(_plan(SWAP)), "loan-approval")
    assert block[0] == "  ± loan-approval  (definition swap)  monitors/loan-approval.yaml"
    assert "      reason: job definitions are immutable: a new one replaces it" in block
    heading = block.index("      analysis_config:")
    assert block[heading + 1 :] == [
        "        label_values_or_threshold: [1] → [1, 2]",
        "        facet[1].name_or_index: 'age' → 'income'",
        "        probability_threshold: (none) → 0.7",
        "        group_variable: 'region' → (none)",
    ]
    assert '      network_config.subnets: ["subnet-1"] → ["subnet-1", "subnet-2"]' in block


def test_render_plan_text__long_value__truncated_with_ellipsis() -> None:
    line = next(
        line
        for line in _block(render_plan_text(_plan(SWAP)), "loan-approval")
        if "constraints" in line
    )
    after = line.split(" → ")[1]
    assert len(after) == 120
    assert after.endswith("…")
    assert LONG_URI not in line


def test_render_plan_text__start_and_stop__glyph_and_label() -> None:
    text = render_plan_text(_plan(START, STOP))
    assert _block(text, "churn-batch")[0] == "  ▶ churn-batch  (start)  monitors/churn-batch.yaml"
    assert "      enabled: false → true" in _block(text, "churn-batch")
    assert (
        _block(text, "marketing-uplift")[0]
        == "  ~ marketing-uplift  (update in place, stop)  monitors/marketing-uplift.yaml"
    )


def test_render_plan_text__restore_config_only__shown_as_update_with_restore() -> None:
    block = _block(render_plan_text(_plan(RESTORE)), "pricing")
    assert (
        block[0] == "  ~ pricing  (update in place, restore analysis config)  monitors/pricing.yaml"
    )
    assert """        (whole object): (none) → {"label": "bought"}""" in block


def test_render_plan_text__orphan__question_glyph_and_reason() -> None:
    block = _block(render_plan_text(_plan(ORPHAN)), "old-model")
    assert block[0].startswith("  ? old-model  (not in git (kept; --allow-destroy deletes it))")
    assert "      reason: monitor file removed; deleting needs --allow-destroy" in block
    assert (
        "      ! W606 schedule 'old-model' is managed by this project but has no monitor file"
        in block
    )


def test_render_plan_text__blocked__e414_note_with_hint() -> None:
    text = render_plan_text(_plan(BLOCKED))
    block = _block(text, "shared-model")
    assert block[0] == "  ! shared-model  (blocked)  monitors/shared-model.yaml"
    assert (
        "      ! E414 schedule 'shared-model' already exists and belongs to project 'other-team'"
        in block
    )
    assert (
        "        hint: adopt it with `biaswatch import shared-model` or rename this monitor"
        in block
    )
    assert text.splitlines()[-1] == "Plan: 0 to create, 0 to update, 0 to delete; 1 blocked."


def test_render_plan_text__delete__minus_glyph() -> None:
    block = _block(render_plan_text(_plan(DELETE)), "retired")
    assert block[0] == "  - retired  (delete)  monitors/retired.yaml"


def test_render_plan_text__cleanups__listed_after_monitors() -> None:
    lines = render_plan_text(_plan(NOOP, cleanups=CLEANUPS)).splitlines()
    assert "  - ancient-0000000000  (unused job definition, cleanup)" in lines
    assert (
        "  - loan-approval-9999999999  (unused job definition, cleanup)  monitors/loan-approval.yaml"
        in lines
    )
    assert lines[-1].endswith("2 unused definitions to clean up.")


def test_render_plan_text__warnings__w601_and_w603_notes() -> None:
    text = render_plan_text(_plan(CREATE, UPDATE))
    assert (
        "      ! W601 endpoint 'credit-ep' does not exist in this account; "
        "SageMaker will refuse the schedule" in _block(text, "credit-risk")
    )
    assert "        hint: create the endpoint with data capture first" in text
    assert (
        "      ! W603 schedule 'fraud-score' is Pending; apply will wait for it to settle"
        in _block(text, "fraud-score")
    )


def test_render_plan_text__unattached_diagnostic__listed_before_summary() -> None:
    note = _warning("W605", "analysis config object unreadable", "pricing")
    plan = Plan("p", "e", None, "us-east-1", (NOOP,), (), (note,))
    lines = render_plan_text(plan).splitlines()
    assert "  ! W605 analysis config object unreadable" in lines
    assert lines[0] == "biaswatch plan for p/e (account unknown, us-east-1)"


def test_render_plan_text__noop_monitors__counted_not_listed() -> None:
    text = render_plan_text(_plan(NOOP, UPDATE))
    assert "steady" not in text
    assert "1 monitor unchanged." in text.splitlines()


def test_render_plan_text__empty_plan__header_and_no_changes_line() -> None:
    lines = render_plan_text(EMPTY_PLAN).splitlines()
    assert lines == [
        "biaswatch plan for acme-credit-models/prod (account 210987654321, us-east-1)",
        "",
        "1 monitor unchanged.",
        "",
        "No changes. SageMaker matches the monitor files.",
    ]


def test_render_plan_text__last_line__is_plan_summary_line() -> None:
    text = render_plan_text(RICH_PLAN)
    assert text.endswith("\n")
    assert text.splitlines()[-1] == summary_line(RICH_PLAN)


def test_render_plan_text__color_false__no_escape_characters() -> None:
    assert "\x1b" not in render_plan_text(RICH_PLAN)
    assert "\x1b" not in render_plan_text(RICH_PLAN, color=False)


def test_render_plan_text__color_true__glyphs_coloured_by_kind() -> None:
    text = render_plan_text(RICH_PLAN, color=True)
    assert "\x1b[32m+\x1b[0m credit-risk" in text
    assert "\x1b[33m±\x1b[0m loan-approval" in text
    assert "\x1b[33m▶\x1b[0m churn-batch" in text
    assert "\x1b[31m-\x1b[0m retired" in text
    assert "\x1b[31m!\x1b[0m E414" in text
    assert "\x1b[31m!\x1b[0m shared-model" in text


def test_render_plan_text__control_characters_in_live_values__escaped() -> None:
    hostile = MonitorChange(
        "fraud-score",
        Action.RETAG,
        "monitors/fraud-score.yaml",
        None,
        FP,
        retag=True,
        changes=(FieldChange("tags", "tags.note", "\x1b[2J\x9bgone\nnext", "ok"),),
        reason="schedule is Failed: \x1b]0;owned\x07",
    )
    text = render_plan_text(_plan(hostile))
    assert "\x1b" not in text
    assert "\x9b" not in text
    assert "      tags.note: '\\x1b[2J\\x9bgone\\nnext' → 'ok'" in text.splitlines()


# --- plan markdown --------------------------------------------------------------------------


def test_render_plan_markdown__rich_plan__marker_first_and_heading() -> None:
    lines = render_plan_markdown(RICH_PLAN).splitlines()
    assert lines[0] == "<!-- biaswatch:plan:acme-credit-models:prod -->"
    assert lines[1] == "### biaswatch plan — prod"


def test_render_plan_markdown__rich_plan__one_details_per_changed_monitor() -> None:
    md = render_plan_markdown(RICH_PLAN)
    changed = [c for c in RICH_PLAN.changes if not c.is_noop]
    assert md.count("<details>") == len(changed) == 9
    assert md.count("</details>") == len(changed)
    for c in changed:
        assert f"<code>{c.name}</code>" in md
    assert "steady" not in md


def test_render_plan_markdown__summary_table__glyph_and_label_per_monitor() -> None:
    lines = render_plan_markdown(RICH_PLAN).splitlines()
    assert "| Monitor | Action | Changes | Source |" in lines
    assert "| `credit-risk` | + create, stop | 6 | `monitors/credit-risk.yaml` |" in lines
    assert "| `loan-approval` | ± definition swap | 6 | `monitors/loan-approval.yaml` |" in lines


def test_render_plan_markdown__pipe_in_value__escaped_in_table() -> None:
    md = render_plan_markdown(_plan(UPDATE))
    assert "| `tags.team` | `'risk'` | `'fraud \\| ops'` |" in md.splitlines()


def test_render_plan_markdown__long_value__truncated_at_80() -> None:
    md = render_plan_markdown(_plan(SWAP))
    row = next(line for line in md.splitlines() if line.startswith("| `constraints`"))
    after = row.split(" | ")[2].removesuffix(" |")
    assert after.startswith("`") and after.endswith("…`")
    assert len(after) == 80 + 2


def test_render_plan_markdown__backtick_in_value__double_fenced_code_span() -> None:
    change = MonitorChange(
        "fraud-score",
        Action.RETAG,
        None,
        None,
        FP,
        retag=True,
        changes=(FieldChange("tags", "tags.note", None, "a`b"),),
    )
    md = render_plan_markdown(_plan(change))
    assert "| `tags.note` | *(none)* | ``'a`b'`` |" in md.splitlines()


def test_render_plan_markdown__notes__warning_and_error_bullets() -> None:
    md = render_plan_markdown(_plan(CREATE, BLOCKED))
    assert (
        "- ⚠️ **W601** `endpoint_input.endpoint_name`: endpoint 'credit-ep' does not exist "
        "in this account; SageMaker will refuse the schedule" in md
    )
    assert "- ❌ **E414** `name`: schedule 'shared-model' already exists" in md
    assert (
        "  - hint: adopt it with \\`biaswatch import shared-model\\` or rename this monitor" in md
    )


def test_render_plan_markdown__cleanups__listed_under_heading() -> None:
    md = render_plan_markdown(_plan(NOOP, cleanups=CLEANUPS))
    assert "#### Unused job definitions to clean up" in md
    assert "- `ancient-0000000000`" in md.splitlines()


def test_render_plan_markdown__final_line__bold_summary() -> None:
    md = render_plan_markdown(RICH_PLAN)
    assert md.splitlines()[-1] == f"**{summary_line(RICH_PLAN)}**"


def test_render_plan_markdown__empty_plan__short_no_changes_comment() -> None:
    md = render_plan_markdown(EMPTY_PLAN)
    assert md.splitlines()[0] == "<!-- biaswatch:plan:acme-credit-models:prod -->"
    assert "**No changes.** SageMaker matches the monitor files." in md
    assert "<details>" not in md
    assert "| Monitor |" not in md
    assert len(md.splitlines()) < 10


def test_render_plan_markdown__html_in_name__escaped_in_summary() -> None:
    change = MonitorChange("<b>x</b>", Action.ORPHAN, None, None, FP, reason="</details>")
    md = render_plan_markdown(_plan(change))
    assert "| `<b>x</b>` |" in md
    assert "<summary>? <code>&lt;b&gt;x&lt;/b&gt;</code>" in md
    assert "Reason: \\</details\\>" in md
    assert md.count("</details>") == 1


# --- plan JSON ------------------------------------------------------------------------------


def test_render_plan_json__rich_plan__round_trips_with_format_version_1() -> None:
    text = render_plan_json(RICH_PLAN)
    assert text.endswith("}\n")
    doc = json.loads(text)
    assert doc == plan_to_dict(RICH_PLAN)
    assert doc["format_version"] == 1
    assert doc["kind"] == "plan"
    assert doc["has_changes"] is True
    assert doc["summary"] == dict(RICH_PLAN.summary())


def test_render_plan_json__monitors__sorted_with_lower_case_actions() -> None:
    doc = plan_to_dict(RICH_PLAN)
    names = [m["name"] for m in doc["monitors"]]
    assert names == sorted(names)
    by_name = {m["name"]: m for m in doc["monitors"]}
    assert by_name["credit-risk"]["action"] == "create"
    assert by_name["credit-risk"]["actions"] == ["create", "stop"]
    assert by_name["credit-risk"]["toggle"] == "stop"
    assert by_name["credit-risk"]["job_definition"] == "credit-risk-1a2b3c4d5e"
    assert by_name["old-model"]["job_definition"] is None
    assert by_name["old-model"]["live_job_definition"] == "old-model-ffffffffff"
    assert by_name["fraud-score"]["actions"] == ["update", "retag"]
    assert by_name["steady"]["action"] == "noop"
    assert by_name["steady"]["actions"] == []
    assert by_name["pricing"]["restore_config"] is True


def test_render_plan_json__blocked_note__all_diagnostic_fields() -> None:
    monitor = plan_to_dict(_plan(BLOCKED))["monitors"][0]
    assert monitor["notes"] == [
        {
            "severity": "error",
            "code": "E414",
            "message": "schedule 'shared-model' already exists and belongs to project 'other-team'",
            "field": "name",
            "path": "monitors/shared-model.yaml",
            "line": 3,
            "column": 7,
            "hints": ["adopt it with `biaswatch import shared-model` or rename this monitor"],
        }
    ]


def test_render_plan_json__datetime_and_tuple_values__json_safe() -> None:
    when = dt.datetime(2024, 5, 1, 6, 0, tzinfo=dt.UTC)
    change = MonitorChange(
        "fraud-score",
        Action.UPDATE,
        None,
        None,
        FP,
        changes=(
            FieldChange("schedule", "data_analysis_start_time", when, None),
            FieldChange("schedule", "x", ("a", "b"), {"z": 1, "a": float("inf")}),
        ),
    )
    doc = json.loads(render_plan_json(_plan(change)))
    changes = doc["monitors"][0]["changes"]
    assert changes[0]["before"] == "2024-05-01T06:00:00+00:00"
    assert changes[1]["before"] == ["a", "b"]
    assert changes[1]["after"] == {"a": "inf", "z": 1}


def test_render_plan_json__empty_plan__no_changes() -> None:
    doc = json.loads(render_plan_json(EMPTY_PLAN))
    assert doc["has_changes"] is False
    assert doc["cleanups"] == []
    assert doc["summary"]["unchanged"] == 1


def test_render_plan_json__same_plan_twice__identical_output() -> None:
    shuffled = _plan(*reversed(ALL), cleanups=tuple(reversed(CLEANUPS)))
    assert render_plan_json(RICH_PLAN) == render_plan_json(shuffled)


# --- drift ----------------------------------------------------------------------------------


def test_render_drift_text__findings__grouped_by_kind_in_title_order() -> None:
    lines = render_drift_text(RICH_DRIFT).splitlines()
    titles = [f"{t}:" for t in KIND_TITLES.values()]
    positions = [lines.index(t) for t in titles]
    assert positions == sorted(positions)
    changed = lines.index("changed outside git:")
    assert lines[changed + 1 : changed + 5] == [
        "  fraud-score  monitors/fraud-score.yaml",
        "      fields differ",
        "      schedule_cron_expression: 'cron(0 6 ? * * *)' → 'cron(0 * ? * * *)'",
        "      tags.team: 'ops' → 'risk'",
    ]


def test_render_drift_text__config_altered__analysis_config_keys() -> None:
    lines = render_drift_text(RICH_DRIFT).splitlines()
    at = lines.index("  loan-approval  monitors/loan-approval.yaml")
    assert lines[at + 2 : at + 4] == [
        "      analysis_config:",
        "        label: 'defaulted' → 'approved'",
    ]


def test_render_drift_text__violations__readable_and_unreadable() -> None:
    lines = render_drift_text(RICH_DRIFT).splitlines()
    at = lines.index("Bias violations reported by SageMaker:")
    assert lines[at + 1 : at + 11] == [
        "  ! credit-risk  monitors/credit-risk.yaml",
        "      scheduled: 2024-05-01T06:00:00+00:00",
        "      processing job: "
        "arn:aws:sagemaker:us-east-1:210987654321:processing-job/credit-risk-20240501",
        "      CI gender=female: Value 0.31 exceeds threshold 0.1",
        "      DPPL: Value -0.2 is below threshold -0.1",
        "  ! fraud-score  monitors/fraud-score.yaml",
        "      scheduled: (none)",
        "      processing job: (none)",
        "      violations file not readable",
        "",
    ]


def test_render_drift_text__findings__summary_counts_findings_monitors_violations() -> None:
    last = render_drift_text(RICH_DRIFT).splitlines()[-1]
    assert last == "Drift: 10 findings in 7 monitors; 2 monitors with bias violations."


@pytest.mark.parametrize(
    ("findings", "violations", "expected"),
    [
        ((), (), "No drift."),
        ((), VIOLATIONS[:1], "No drift; 1 monitor with bias violations."),
        (FINDINGS[:1], (), "Drift: 1 finding in 1 monitor; 0 monitors with bias violations."),
    ],
)
def test_render_drift_text__counts__last_line_pluralised(
    findings: tuple[Finding, ...], violations: tuple[Violation, ...], expected: str
) -> None:
    report = DriftReport("p", "e", None, "us-east-1", findings, violations)
    assert render_drift_text(report).splitlines()[-1] == expected


def test_render_drift_text__no_drift__no_sections() -> None:
    text = render_drift_text(NO_DRIFT)
    assert "Bias violations" not in text
    assert text.splitlines()[-1] == "No drift."


def test_render_drift_text__color__only_when_asked() -> None:
    assert "\x1b" not in render_drift_text(RICH_DRIFT)
    assert "\x1b[31m!\x1b[0m credit-risk" in render_drift_text(RICH_DRIFT, color=True)


def test_render_drift_markdown__rich_report__marker_table_and_violations() -> None:
    md = render_drift_markdown(RICH_DRIFT)
    lines = md.splitlines()
    assert lines[0] == "<!-- biaswatch:drift:acme-credit-models:prod -->"
    assert lines[1] == "### biaswatch drift — prod"
    assert "| Monitor | Finding | Detail | Source | Repair |" in lines
    assert any("biaswatch import shared-model --env prod" in line for line in lines)
    assert md.count("<details>") == sum(1 for f in FINDINGS if f.changes)
    assert "#### Bias violations reported by SageMaker" in lines
    assert "  - `CI gender=female`: Value 0.31 exceeds threshold 0.1" in lines
    assert "  - violations file not readable" in lines
    assert lines[-1] == "**Drift: 10 findings in 7 monitors; 2 monitors with bias violations.**"


def test_render_drift_markdown__no_drift__bold_no_drift() -> None:
    md = render_drift_markdown(NO_DRIFT)
    assert md.splitlines()[-1] == "**No drift.**"
    assert "| Monitor |" not in md


def test_render_drift_json__rich_report__round_trips_with_format_version_1() -> None:
    doc = json.loads(render_drift_json(RICH_DRIFT))
    assert doc == drift_to_dict(RICH_DRIFT)
    assert doc["format_version"] == 1
    assert doc["kind"] == "drift"
    assert doc["has_drift"] is True
    assert doc["summary"]["findings"] == 10
    assert doc["summary"]["by_kind"] == {k: 1 for k in sorted(KIND_TITLES)}
    unreadable = next(v for v in doc["violations"] if v["name"] == "fraud-score")
    assert unreadable["readable"] is False
    assert unreadable["metrics"] == []


def test_render_drift_json__no_drift__empty_lists() -> None:
    doc = drift_to_dict(NO_DRIFT)
    assert doc["findings"] == [] and doc["violations"] == [] and doc["has_drift"] is False


# --- the repository's own monitors ----------------------------------------------------------


def test_render_all_formats__repo_monitors_against_empty_account__one_create_each() -> None:
    ws = load_workspace(REPO / "biaswatch.yaml")
    assert ws.project_document is not None
    project, _ = build_project(ws.project_document)
    assert project is not None
    build = build_environment(project, ws.documents, "local")
    desired = [m.desired for m in build.monitors]
    assert desired
    plan = build_plan(
        project.config.project,
        "local",
        build.target.account_id,
        build.target.region,
        desired,
        LiveState({}),
    )
    text = render_plan_text(plan)
    for d in desired:
        assert f"  + {d.name}  (create" in text
    assert text.splitlines()[-1] == summary_line(plan)
    assert render_plan_markdown(plan).count("<details>") == len(desired)
    doc = json.loads(render_plan_json(plan))
    assert {m["name"]: m["job_definition"] for m in doc["monitors"]} == {
        d.name: d.job_definition_name for d in desired
    }
