"""plan / apply / drift end to end against the emulator over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from compiler.aws.apply import Waits, apply_plan
from compiler.aws.client import Clients, make_clients
from compiler.aws.read import read_live
from compiler.cli.common import EXIT_CHANGES, EXIT_ERROR, EXIT_OK
from compiler.config.workspace import load_workspace
from compiler.desired.pipeline import build_environment, build_project
from compiler.desired.resources import Desired
from compiler.emulator import Emulator
from compiler.emulator.testing import running_emulator
from compiler.state.plan import Plan, build_plan
from tests.support import example_project, run

REPO = Path(__file__).resolve().parent.parent
MUTATING = (
    "Create",
    "Update",
    "Delete",
    "Start",
    "Stop",
    "AddTags",
    "DeleteTags",
    "S3:PUT",
    "S3:DELETE",
)


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    yield from running_emulator(pending_seconds=0.2)


@pytest.fixture
def project(tmp_path: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Path:
    example_project(tmp_path, emulator)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def mutating_calls(emulator: Emulator) -> dict[str, int]:
    return {op: n for op, n in emulator.request_counts().items() if op.startswith(MUTATING) and n}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


def test_apply__fresh_account__creates_then_plan_is_empty(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["plan", "--detailed-exitcode"], capsys)
    assert code == EXIT_CHANGES, err
    assert "credit-risk-bias" in out and "Plan: 2 to create, 0 to update, 0 to delete." in out
    code, out, err = run(["apply", "--auto-approve"], capsys)
    assert code == EXIT_OK, err
    assert "Apply: 2 done, 0 failed, 0 not attempted." in out
    sm = emulator.client("sagemaker")
    described = sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk-bias")
    assert described["MonitoringScheduleStatus"] == "Scheduled"
    code, out, err = run(["plan", "--detailed-exitcode"], capsys)
    assert code == EXIT_OK, out + err
    assert "No changes." in out


def test_apply__second_time__zero_mutating_calls(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["apply", "--auto-approve"], capsys)[0] == EXIT_OK
    emulator.reset_counts()
    code, out, err = run(["apply", "--auto-approve"], capsys)
    assert code == EXIT_OK, err
    assert "No changes." in out
    # The lock object is the only write: taken and released.
    assert mutating_calls(emulator) == {"S3:PUT": 1, "S3:DELETE": 1}


def _plan_json(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code, out, err = run(["plan", "--format", "json"], capsys)
    assert code == EXIT_OK, err
    return dict(json.loads(out))


def _actions(plan: dict[str, Any]) -> dict[str, list[str]]:
    return {m["name"]: m["actions"] for m in plan["monitors"] if m["actions"]}


def test_step_matrix__each_edit__expected_action_then_empty_plan(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    credit = project / "monitors" / "credit-risk.yaml"
    sm = emulator.client("sagemaker")
    assert run(["apply", "--auto-approve"], capsys)[0] == EXIT_OK
    first_definition = sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk-bias")[
        "MonitoringScheduleConfig"
    ]["MonitoringJobDefinitionName"]
    steps: list[tuple[str, str, list[str]]] = [
        (
            "schedule_cron_expression: hourly",
            "schedule_cron_expression: cron(0 0/2 ? * * *)",
            ["update"],
        ),
        (
            "      value_or_threshold: [female]",
            "      value_or_threshold: [female, other]",
            ["swap"],
        ),
        ("tags: {team: risk}", "tags: {team: risk, tier: gold}", ["retag"]),
        ("tags: {team: risk, tier: gold}", "tags: {team: credit}", ["retag"]),
        (
            "enable_cloudwatch_metrics: true",
            "enable_cloudwatch_metrics: true\nenabled: false",
            ["stop"],
        ),
        ("enabled: false", "enabled: true", ["start"]),
    ]
    for old, new, expected in steps:
        edit(credit, old, new)
        assert _actions(_plan_json(capsys)) == {"credit-risk-bias": expected}, (old, new)
        code, _, err = run(["apply", "--auto-approve"], capsys)
        assert code == EXIT_OK, err
        assert _actions(_plan_json(capsys)) == {}, f"plan not empty after {expected}"
    # The swap kept the schedule and deleted the replaced definition.
    now = sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk-bias")[
        "MonitoringScheduleConfig"
    ]["MonitoringJobDefinitionName"]
    assert now != first_definition
    names = [
        d["MonitoringJobDefinitionName"]
        for d in sm.list_model_bias_job_definitions()["JobDefinitionSummaries"]
    ]
    assert first_definition not in names and now in names
    # Removing the file: kept without --allow-destroy, deleted with it.
    credit.unlink()
    plan = _plan_json(capsys)
    assert {m["name"]: m["action"] for m in plan["monitors"]}["credit-risk-bias"] == "orphan"
    code, _, err = run(["apply", "--auto-approve"], capsys)
    assert code == EXIT_OK, err
    assert sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk-bias")
    code, _out, err = run(["apply", "--auto-approve", "--allow-destroy"], capsys)
    assert code == EXIT_OK, err
    remaining = [
        s["MonitoringScheduleName"]
        for s in sm.list_monitoring_schedules()["MonitoringScheduleSummaries"]
    ]
    assert remaining == ["churn-batch-bias"]
    assert now not in [
        d["MonitoringJobDefinitionName"]
        for d in sm.list_model_bias_job_definitions()["JobDefinitionSummaries"]
    ]


def test_drift__out_of_band_changes__exit_2_then_apply_restores(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["apply", "--auto-approve"], capsys)[0] == EXIT_OK
    assert run(["drift"], capsys)[0] == EXIT_OK
    sm = emulator.client("sagemaker")
    current = sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk-bias")[
        "MonitoringScheduleConfig"
    ]
    config = {k: current[k] for k in ("MonitoringJobDefinitionName", "MonitoringType")}
    config["ScheduleConfig"] = {"ScheduleExpression": "cron(0 5 ? * * *)"}
    sm.update_monitoring_schedule(
        MonitoringScheduleName="credit-risk-bias", MonitoringScheduleConfig=config
    )
    # and alter the churn monitor's analysis config object in place
    jd = sm.describe_model_bias_job_definition(
        JobDefinitionName=sm.describe_monitoring_schedule(
            MonitoringScheduleName="churn-batch-bias"
        )["MonitoringScheduleConfig"]["MonitoringJobDefinitionName"]
    )
    bucket, key = jd["ModelBiasAppSpecification"]["ConfigUri"][5:].split("/", 1)
    emulator.client("s3").put_object(
        Bucket=bucket, Key=key, Body=b'{"label": "churned", "facet": [{"name_or_index": "age"}]}'
    )
    code, out, err = run(["drift"], capsys)
    assert code == EXIT_CHANGES, err
    assert "schedule_cron_expression" in out and "cron(0 5 ? * * *)" in out
    assert "analysis_config" in out
    code, out, err = run(["drift", "--format", "json"], capsys)
    kinds = {(f["name"], f["kind"]) for f in json.loads(out)["findings"]}
    assert ("credit-risk-bias", "changed") in kinds and (
        "churn-batch-bias",
        "config-altered",
    ) in kinds
    assert run(["apply", "--auto-approve"], capsys)[0] == EXIT_OK
    code, out, err = run(["drift"], capsys)
    assert code == EXIT_OK, out + err


def test_drift__schedule_deleted_out_of_band__missing(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["apply", "--auto-approve"], capsys)[0] == EXIT_OK
    emulator.client("sagemaker").delete_monitoring_schedule(
        MonitoringScheduleName="churn-batch-bias"
    )
    code, out, _ = run(["drift", "--format", "json"], capsys)
    assert code == EXIT_CHANGES
    assert {(f["name"], f["kind"]) for f in json.loads(out)["findings"]} == {
        ("churn-batch-bias", "missing")
    }


def test_drift__violations_reported__listed_separately(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["apply", "--auto-approve"], capsys)[0] == EXIT_OK
    emulator.add_execution(
        "credit-risk-bias",
        "CompletedWithViolations",
        violations=[
            {
                "facet": "gender",
                "facet_value": "female",
                "metric_name": "DPPL",
                "constraint_check_type": "bias_drift_check",
                "description": "Value 0.31 does not meet the constraint requirement",
            }
        ],
    )
    code, out, _err = run(["drift"], capsys)
    assert code == EXIT_OK, "violations are not configuration drift"
    assert "DPPL" in out and "credit-risk-bias" in out
    code, out, _ = run(["drift", "--format", "json"], capsys)
    violations = json.loads(out)["violations"]
    assert [(v["name"], [m["metric_name"] for m in v["metrics"]]) for v in violations] == [
        ("credit-risk-bias", ["DPPL"])
    ]


def test_plan__unowned_schedule_with_same_name__blocked_exit_1(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["apply", "--auto-approve"], capsys)[0] == EXIT_OK
    sm = emulator.client("sagemaker")
    arn = sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk-bias")[
        "MonitoringScheduleArn"
    ]
    sm.delete_tags(ResourceArn=arn, TagKeys=["biaswatch:project"])
    code, _out, err = run(["plan"], capsys)
    assert code == EXIT_ERROR
    assert "E414" in err and "biaswatch import credit-risk-bias" in err
    emulator.reset_counts()
    code, _, err = run(["apply", "--auto-approve"], capsys)
    assert code == EXIT_ERROR
    assert not {
        k: v for k, v in mutating_calls(emulator).items() if k not in ("S3:PUT", "S3:DELETE")
    }


def test_apply_saved_plan__fresh__applies(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["plan", "--out", "plan.json"], capsys)[0] == EXIT_OK
    code, out, err = run(["apply", "plan.json"], capsys)
    assert code == EXIT_OK, err
    assert "Apply: 2 done" in out


def test_apply_saved_plan__live_moved__refused_nothing_changed(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["plan", "--out", "plan.json"], capsys)[0] == EXIT_OK
    sm = emulator.client("sagemaker")
    from compiler.emulator.testing import bias_definition_request

    request = bias_definition_request(name="someone-else-1")
    sm.create_model_bias_job_definition(**request)
    sm.create_monitoring_schedule(
        MonitoringScheduleName="churn-batch-bias",
        MonitoringScheduleConfig={
            "MonitoringJobDefinitionName": "someone-else-1",
            "MonitoringType": "ModelBias",
            "ScheduleConfig": {"ScheduleExpression": "cron(0 0 ? * * *)"},
        },
    )
    emulator.reset_counts()
    code, _, err = run(["apply", "plan.json"], capsys)
    assert code == EXIT_ERROR
    assert "E411" in err and "churn-batch-bias" in err
    assert not {
        k: v for k, v in mutating_calls(emulator).items() if k not in ("S3:PUT", "S3:DELETE")
    }


def test_apply_saved_plan__tampered__refused(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["plan", "--out", "plan.json"], capsys)[0] == EXIT_OK
    data = json.loads((project / "plan.json").read_text())
    data["region"] = "eu-west-1"
    (project / "plan.json").write_text(json.dumps(data))
    code, _, err = run(["apply", "plan.json"], capsys)
    assert code == EXIT_ERROR and "E412" in err
    assert (
        emulator.client("sagemaker").list_monitoring_schedules()["MonitoringScheduleSummaries"]
        == []
    )


def test_apply_saved_plan__monitor_file_edited__refused(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["plan", "--out", "plan.json"], capsys)[0] == EXIT_OK
    edit(project / "monitors" / "credit-risk.yaml", "tags: {team: risk}", "tags: {team: other}")
    code, _, err = run(["apply", "plan.json"], capsys)
    assert code == EXIT_ERROR and "E411" in err


def test_apply__lock_held__names_holder_then_force_unlock(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    holder = {
        "id": "1111",
        "holder": "alice",
        "host": "ci-7",
        "pid": 42,
        "time": "2026-11-27T09:00:00+00:00",
        "operation": "apply",
        "environment": "test",
    }
    emulator.client("s3").put_object(
        Bucket="biaswatch-test",
        Key="biaswatch/test/biaswatch.lock",
        Body=json.dumps(holder).encode(),
    )
    code, _, err = run(["apply", "--auto-approve", "--lock-timeout", "1s"], capsys)
    assert code == EXIT_ERROR
    assert "E413" in err and "alice@ci-7" in err and "force-unlock 1111" in err
    assert (
        emulator.client("sagemaker").list_monitoring_schedules()["MonitoringScheduleSummaries"]
        == []
    )
    assert run(["force-unlock", "0000"], capsys)[0] == EXIT_ERROR
    assert run(["force-unlock", "1111"], capsys)[0] == EXIT_OK
    assert run(["apply", "--auto-approve"], capsys)[0] == EXIT_OK


def test_apply__lost_create_response__adopts_and_converges(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.inject_fault("lost_response", operation="CreateMonitoringSchedule", count=1)
    code, _out, err = run(["apply", "--auto-approve"], capsys)
    assert code == EXIT_OK, err
    assert "adopted existing schedule" in err
    assert run(["plan", "--detailed-exitcode"], capsys)[0] == EXIT_OK


def test_apply__failed_schedule__reason_verbatim(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.configure(
        fail_next_schedule_with="Endpoint credit-risk-prod has no data capture of Output"
    )
    code, _, err = run(["apply", "--auto-approve", "--target", "credit-risk-bias"], capsys)
    assert code == EXIT_ERROR
    assert "Endpoint credit-risk-prod has no data capture of Output" in err
    assert "E419" in err


def test_plan__missing_endpoint__warns(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(
        project / "monitors" / "credit-risk.yaml",
        "endpoint_name: credit-risk-prod",
        "endpoint_name: nowhere",
    )
    code, _out, err = run(["plan"], capsys)
    assert code == EXIT_OK
    assert "W601" in err and "nowhere" in err
    # located at endpoint_name in the monitor file, not at 1:1
    lines = (project / "monitors" / "credit-risk.yaml").read_text().splitlines()
    row = next(i for i, line in enumerate(lines, 1) if "endpoint_name: nowhere" in line)
    column = lines[row - 1].index("nowhere") + 1
    assert f"monitors/credit-risk.yaml:{row}:{column}: warning W601" in err
    assert "emulator.endpoints" in err


def test_apply__wrong_account__refused(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(
        project / "biaswatch.yaml",
        "    region: us-east-1",
        '    region: us-east-1\n    account_id: "999999999999"',
    )
    code, _, err = run(["apply", "--auto-approve"], capsys)
    assert code == EXIT_ERROR
    assert "E409" in err and "123456789012" in err
    assert (
        emulator.client("sagemaker").list_monitoring_schedules()["MonitoringScheduleSummaries"]
        == []
    )


def test_secret_canary__every_command_with_debug__never_prints_credentials(
    project: Path,
    emulator: Emulator,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIASENTINEL0000CANARY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "sentinel-secret-canary-value")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "sentinel-session-token-canary")
    outputs = []
    for argv in (
        ["--debug", "plan", "--out", "plan.json"],
        ["--debug", "apply", "plan.json"],
        ["--debug", "drift"],
        ["--debug", "apply", "--auto-approve", "--lock-timeout", "bogus"],
        ["--debug", "force-unlock", "nope"],
    ):
        _, out, err = run(argv, capsys)
        outputs.append(out + err)
    outputs.append((project / "plan.json").read_text())
    for text in outputs:
        for sentinel in (
            "AKIASENTINEL0000CANARY",
            "sentinel-secret-canary-value",
            "sentinel-session-token-canary",
        ):
            assert sentinel not in text


def test_apply_plan__ownership_removed_after_planning__schedule_not_changed(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["apply", "--auto-approve"], capsys)[0] == EXIT_OK
    edit(
        project / "monitors" / "credit-risk.yaml",
        "schedule_cron_expression: hourly",
        "schedule_cron_expression: daily",
    )
    clients = _clients(emulator)
    desired = _desired(project)
    plan = _plan(clients, desired)
    assert [c.name for c in plan.changes if not c.is_noop] == ["credit-risk-bias"]
    sm = emulator.client("sagemaker")
    arn = sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk-bias")[
        "MonitoringScheduleArn"
    ]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "biaswatch:project", "Value": "someone-else"}])
    result = apply_plan(clients, plan, waits=Waits(poll_seconds=0.1))
    assert not result.ok
    assert [o.diagnostic.code for o in result.outcomes if o.diagnostic] == ["E414"]
    described = sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk-bias")
    assert (
        described["MonitoringScheduleConfig"]["ScheduleConfig"]["ScheduleExpression"]
        == "cron(0 * ? * * *)"
    )


def test_apply__deletion_protection__delete_refused_even_with_allow_destroy(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    credit = project / "monitors" / "credit-risk.yaml"
    edit(credit, "tags: {team: risk}", "tags: {team: risk}\ndeletion_protection: true")
    assert run(["apply", "--auto-approve"], capsys)[0] == EXIT_OK
    credit.unlink()
    code, out, err = run(["plan"], capsys)
    assert code == EXIT_OK, err
    assert "deletion protection keeps it" in out and "W606" in err
    assert run(["apply", "--auto-approve"], capsys)[0] == EXIT_OK
    code, out, err = run(["apply", "--auto-approve", "--allow-destroy"], capsys)
    assert code == EXIT_ERROR
    assert "E415" in err and "deletion protection" in err
    sm = emulator.client("sagemaker")
    assert sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk-bias")


def test_apply__schedule_pending__waited_for_then_updated(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.configure(pending_seconds=2.0)
    assert run(["apply", "--auto-approve", "--target", "credit-risk-bias"], capsys)[0] == EXIT_OK
    sm = emulator.client("sagemaker")
    config = sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk-bias")[
        "MonitoringScheduleConfig"
    ]
    sm.update_monitoring_schedule(
        MonitoringScheduleName="credit-risk-bias", MonitoringScheduleConfig=config
    )
    assert (
        sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk-bias")[
            "MonitoringScheduleStatus"
        ]
        == "Pending"
    )
    edit(
        project / "monitors" / "credit-risk.yaml",
        "schedule_cron_expression: hourly",
        "schedule_cron_expression: daily",
    )
    code, _, err = run(["plan"], capsys)
    assert code == EXIT_OK and "W603" in err
    code, _, err = run(["apply", "--auto-approve", "--target", "credit-risk-bias"], capsys)
    assert code == EXIT_OK, err
    assert "Pending, waiting" in err
    described = sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk-bias")
    assert (
        described["MonitoringScheduleConfig"]["ScheduleConfig"]["ScheduleExpression"]
        == "cron(0 0 ? * * *)"
    )


def test_apply_plan__then_plan_in_memory_and_re_read__both_empty(
    project: Path, emulator: Emulator
) -> None:
    clients = _clients(emulator)
    desired = _desired(project)
    assert apply_plan(clients, _plan(clients, desired), waits=Waits(poll_seconds=0.05)).ok
    # Same process and clients, then a new client with nothing cached, verifying everything.
    again = _plan(clients, desired)
    assert not again.has_changes and all(c.is_noop for c in again.changes)
    verified = _plan(_clients(emulator), desired, verify=True)
    assert not verified.has_changes and all(c.is_noop for c in verified.changes)


def _clients(emulator: Emulator) -> Clients:
    creds = {"aws_access_key_id": "t", "aws_secret_access_key": "t"}
    return make_clients("us-east-1", emulator.endpoint_url, creds)


def _desired(project: Path) -> list[Desired]:
    ws = load_workspace(project / "biaswatch.yaml")
    assert ws.project_document is not None
    proj, _ = build_project(ws.project_document)
    assert proj is not None
    return [m.desired for m in build_environment(proj, ws.documents, "test").monitors]


def _plan(clients: Clients, desired: list[Desired], *, verify: bool = False) -> Plan:
    """The library path of `plan`: read live state, build the plan."""
    live = read_live(clients, "acme-credit-models", desired, verify_definitions=verify)
    return build_plan("acme-credit-models", "test", None, "us-east-1", desired, live.state)


def test_apply__a_few_throttles__retried_and_applied(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.inject_fault("throttle", operation="CreateMonitoringSchedule", count=2)
    emulator.inject_fault("unavailable", operation="DescribeMonitoringSchedule", count=2)
    code, out, err = run(["apply", "--auto-approve"], capsys)
    assert code == EXIT_OK, err
    assert "Apply: 2 done, 0 failed" in out
    assert run(["plan", "--detailed-exitcode"], capsys)[0] == EXIT_OK


def test_apply__persistent_throttling__clear_error_naming_the_operation_nothing_claimed(
    project: Path,
    emulator: Emulator,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BIASWATCH_RETRY_ATTEMPTS", "2")
    emulator.inject_fault("throttle", operation="CreateModelBiasJobDefinition", count=1000)
    code, out, err = run(["apply", "--auto-approve"], capsys)
    emulator.clear_faults()
    assert code == EXIT_ERROR
    assert "E402" in err and "CreateModelBiasJobDefinition" in err and "ThrottlingException" in err
    assert "Apply: 0 done, 2 failed, 0 not attempted." in out
    sm = emulator.client("sagemaker")
    assert sm.list_monitoring_schedules()["MonitoringScheduleSummaries"] == []
    assert run(["apply", "--auto-approve"], capsys)[0] == EXIT_OK


def test_plan__describe_denied__error_names_operation_resource_and_file(
    project: Path,
    emulator: Emulator,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BIASWATCH_RETRY_ATTEMPTS", "1")
    emulator.inject_fault("error", operation="DescribeMonitoringSchedule", count=100)
    code, out, err = run(["plan"], capsys)
    emulator.clear_faults()
    assert code == EXIT_ERROR
    first = err.splitlines()[0]
    assert first.startswith("monitors/") and "DescribeMonitoringSchedule" in first, err
    assert out == ""
