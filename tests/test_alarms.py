"""Alarms end to end through the served emulator: create, no-op, change, drift and repair,
removal, deletion with the monitor, unowned alarms left alone, strict model checks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from compiler.cli.common import EXIT_CHANGES, EXIT_OK
from compiler.config.workspace import load_workspace
from compiler.desired.alarms import alarm_name
from compiler.desired.pipeline import build_environment, build_project
from compiler.desired.servicemodel import check_request
from compiler.emulator import Emulator
from compiler.emulator.testing import create_endpoint_with_capture
from tests.support import run, write_project_file

REPO = Path(__file__).resolve().parent.parent
PROJECT = "acme-credit-models"
DPPL = alarm_name(PROJECT, "credit-risk-bias", "dppl")
TOPIC = "arn:aws:sns:us-east-1:123456789012:credit-risk-bias-alerts"


@pytest.fixture
def project(tmp_path: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "monitors").mkdir()
    shutil.copy(REPO / "monitors" / "credit-risk.yaml", tmp_path / "monitors" / "credit-risk.yaml")
    write_project_file(tmp_path, emulator.endpoint_url)
    emulator.client("s3").create_bucket(Bucket="biaswatch-test")
    emulator.client("s3").create_bucket(Bucket="acme-ml-test")
    create_endpoint_with_capture(emulator.client("sagemaker"), "credit-risk-prod")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _alarms(emulator: Emulator) -> dict[str, dict[str, Any]]:
    found = emulator.client("cloudwatch").describe_alarms(AlarmNamePrefix="biaswatch/")
    return {a["AlarmName"]: a for a in found["MetricAlarms"]}


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


def _plan_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code, out, err = run(["plan", "--format", "json", *args], capsys)
    assert code == EXIT_OK, err
    return dict(json.loads(out))


def _change_paths(plan: dict[str, Any]) -> set[str]:
    return {c["path"] for m in plan["monitors"] for c in m.get("changes", [])}


def test_alarms__apply__created_tagged_then_plan_empty(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["plan"], capsys)
    assert code == EXIT_OK, err
    assert "alarms[dppl].threshold" in out and "1 alarm to create" in out
    assert run(["apply", "--auto-approve"], capsys)[0] == EXIT_OK
    alarm = _alarms(emulator)[DPPL]
    assert alarm["Threshold"] == 0.1 and alarm["AlarmActions"] == [TOPIC]
    assert alarm["TreatMissingData"] == "ignore"
    metric = alarm["Metrics"][0]["MetricStat"]["Metric"]
    assert metric["Namespace"] == "aws/sagemaker/Endpoints/bias-metrics"
    assert metric["MetricName"] == "bias_metric_DPPL"
    tags = emulator.client("cloudwatch").list_tags_for_resource(ResourceARN=alarm["AlarmArn"])
    assert {"Key": "biaswatch:project", "Value": PROJECT} in tags["Tags"]
    emulator.reset_counts()
    code, out, err = run(["plan", "--detailed-exitcode"], capsys)
    assert code == EXIT_OK, out + err
    assert "No changes." in out
    counts = emulator.request_counts()
    # Paged: one DescribeAlarms page, tags from one GetResources page, no per-alarm calls.
    assert counts.get("DescribeAlarms") == 1 and not counts.get("ListTagsForResource")


def test_alarms__threshold_changed__updated_in_place_then_empty(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["apply", "--auto-approve"], capsys)[0] == EXIT_OK
    _edit(project / "monitors" / "credit-risk.yaml", "threshold: 0.1", "threshold: 0.2")
    plan = _plan_json(capsys)
    assert "alarms[dppl].threshold" in _change_paths(plan)
    [monitor] = [m for m in plan["monitors"] if m.get("alarms")]
    assert monitor["name"] == "credit-risk-bias" and monitor["actions"] == []
    assert monitor["alarms"] == [{"name": DPPL, "key": "dppl", "action": "update"}]
    assert run(["apply", "--auto-approve"], capsys)[0] == EXIT_OK
    assert _alarms(emulator)[DPPL]["Threshold"] == 0.2
    assert run(["plan", "--detailed-exitcode"], capsys)[0] == EXIT_OK


def test_alarms__edited_out_of_band__drift_reports_then_apply_repairs(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["apply", "--auto-approve"], capsys)[0] == EXIT_OK
    live = _alarms(emulator)[DPPL]
    request = {
        k: live[k]
        for k in (
            "AlarmName",
            "AlarmActions",
            "EvaluationPeriods",
            "ComparisonOperator",
            "Metrics",
            "TreatMissingData",
        )
    }
    emulator.client("cloudwatch").put_metric_alarm(**request, Threshold=0.5)
    code, out, err = run(["drift", "--format", "json"], capsys)
    assert code == EXIT_CHANGES, err
    findings = json.loads(out)["findings"]
    assert [(f["name"], f["kind"]) for f in findings] == [("credit-risk-bias", "alarm-changed")]
    paths = {c["path"] for f in findings for c in f["changes"]}
    assert "alarms[dppl].threshold" in paths and "alarms[dppl].description" in paths
    assert run(["apply", "--auto-approve"], capsys)[0] == EXIT_OK
    assert _alarms(emulator)[DPPL]["Threshold"] == 0.1
    assert run(["drift"], capsys)[0] == EXIT_OK


def test_alarms__removed_from_file__deleted_without_allow_destroy(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["apply", "--auto-approve"], capsys)[0] == EXIT_OK
    path = project / "monitors" / "credit-risk.yaml"
    path.write_text(path.read_text().split("\nalarms:")[0] + "\n")
    code, out, err = run(["plan"], capsys)
    assert code == EXIT_OK, err
    assert "1 alarm to delete" in out
    assert run(["apply", "--auto-approve"], capsys)[0] == EXIT_OK
    assert DPPL not in _alarms(emulator)
    assert emulator.client("sagemaker").describe_monitoring_schedule(
        MonitoringScheduleName="credit-risk-bias"
    )
    assert run(["plan", "--detailed-exitcode"], capsys)[0] == EXIT_OK


def test_alarms__monitor_deleted__its_alarms_go_with_it(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["apply", "--auto-approve"], capsys)[0] == EXIT_OK
    (project / "monitors" / "credit-risk.yaml").unlink()
    (project / "monitors" / "other.yaml").write_text(
        (REPO / "monitors" / "churn-batch.yaml").read_text()
    )
    # Without --allow-destroy the orphaned monitor keeps its alarms.
    assert run(["apply", "--auto-approve"], capsys)[0] == EXIT_OK
    assert DPPL in _alarms(emulator)
    assert run(["apply", "--auto-approve", "--allow-destroy"], capsys)[0] == EXIT_OK
    assert DPPL not in _alarms(emulator)


def test_alarms__unowned_alarm_under_prefix__warned_and_left_alone(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    cw = emulator.client("cloudwatch")
    foreign = alarm_name(PROJECT, "credit-risk-bias", "hand-made")
    common = {
        "EvaluationPeriods": 1,
        "Threshold": 0.3,
        "ComparisonOperator": "GreaterThanThreshold",
        "Namespace": "aws/sagemaker/Endpoints/bias-metrics",
        "MetricName": "bias_metric_DI",
        "Period": 3600,
        "Statistic": "Maximum",
    }
    cw.put_metric_alarm(AlarmName=foreign, **common)
    # and one that takes the very name the monitor file wants, owned by another project
    cw.put_metric_alarm(
        AlarmName=DPPL, **common, Tags=[{"Key": "biaswatch:project", "Value": "someone-else"}]
    )
    emulator.reset_counts()
    code, out, err = run(["apply", "--auto-approve"], capsys)
    assert code == EXIT_OK, out + err
    assert "W612" in err and foreign in err
    alarms = _alarms(emulator)
    assert alarms[foreign]["Threshold"] == 0.3
    assert alarms[DPPL]["Threshold"] == 0.3  # not overwritten
    assert not any(op in emulator.request_counts() for op in ("DeleteAlarms", "PutMetricAlarm"))


def test_alarms__every_compiled_request__passes_the_cloudwatch_model(repo: Path) -> None:
    ws = load_workspace(repo / "biaswatch.yaml")
    assert ws.project_document is not None and not ws.diagnostics
    project, _ = build_project(ws.project_document)
    assert project is not None
    requests = []
    for env in project.config.environments:
        build = build_environment(project, ws.documents, env)
        requests += [a.request for m in build.monitors for a in m.desired.alarms]
    assert requests
    for request in requests:
        assert check_request("PutMetricAlarm", request, "cloudwatch") == ()


def test_emulator__invalid_put_metric_alarm__rejected_like_cloudwatch(
    emulator: Emulator,
) -> None:
    cw = emulator.client("cloudwatch")
    with pytest.raises(botocore.exceptions.ClientError) as info:
        cw.put_metric_alarm(
            AlarmName="x" * 256,
            EvaluationPeriods=1,
            Threshold=1.0,
            ComparisonOperator="GreaterThanThreshold",
            Namespace="n",
            MetricName="m",
            Period=60,
            Statistic="Maximum",
        )
    assert info.value.response["Error"]["Code"] == "ValidationError"
    assert "AlarmName" in info.value.response["Error"]["Message"]
    assert cw.describe_alarms()["MetricAlarms"] == []


def test_import_with_alarms__lost_file__alarms_back_in_file_and_plan_recreates_only_foreign(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["apply", "--auto-approve"], capsys)[0] == EXIT_OK
    # A hand-made alarm on the same schedule's DI, as teams write them today.
    emulator.client("cloudwatch").put_metric_alarm(
        AlarmName="credit-risk DI too low",
        AlarmActions=[TOPIC],
        EvaluationPeriods=2,
        Threshold=0.8,
        ComparisonOperator="LessThanThreshold",
        Namespace="aws/sagemaker/Endpoints/bias-metrics",
        MetricName="bias_metric_DI",
        Dimensions=[
            {"Name": "Endpoint", "Value": "credit-risk-prod"},
            {"Name": "MonitoringSchedule", "Value": "credit-risk-bias"},
            {"Name": "BiasStage", "Value": "Post-Training"},
            {"Name": "Label", "Value": "approved"},
            {"Name": "LabelValue", "Value": "1"},
            {"Name": "Facet", "Value": "gender"},
            {"Name": "FacetValue", "Value": "female"},
        ],
        Period=3600,
        Statistic="Minimum",
    )
    (project / "monitors" / "credit-risk.yaml").unlink()
    code, out, err = run(["import", "credit-risk-bias", "--with-alarms"], capsys)
    assert code == EXIT_OK, out + err
    text = (project / "monitors" / "credit-risk-bias.yaml").read_text()
    assert "alarms:" in text and "metric: DPPL" in text and "metric: DI" in text
    assert "delete the original by hand" in text + out + err
    plan = _plan_json(capsys)
    [monitor] = [m for m in plan["monitors"] if m.get("alarms")]
    # biaswatch's own alarm round-trips (only its source tag names the new file); the
    # hand-made one becomes a new biaswatch alarm.
    assert monitor["alarms"] == [
        {"name": DPPL, "key": "dppl", "action": "retag"},
        {
            "name": alarm_name(PROJECT, "credit-risk-bias", "credit-risk-di-too-low"),
            "key": "credit-risk-di-too-low",
            "action": "create",
        },
    ]
    assert run(["apply", "--auto-approve"], capsys)[0] == EXIT_OK
    assert run(["plan", "--detailed-exitcode"], capsys)[0] == EXIT_OK
    assert "credit-risk DI too low" in _alarms_all(emulator)  # not ours: left alone


def _alarms_all(emulator: Emulator) -> set[str]:
    return {a["AlarmName"] for a in emulator.client("cloudwatch").describe_alarms()["MetricAlarms"]}


def _spec(**alarm: Any) -> Any:
    from compiler.config.spec import MonitorSpec

    return MonitorSpec.model_validate(
        {
            "api_version": "biaswatch/v1",
            "kind": "ModelBiasMonitor",
            "name": "m",
            "schedule_cron_expression": "daily",
            "batch_transform_input": {
                "data_captured_destination_s3_uri": "s3://b/c",
                "dataset_format": {"csv": {}},
            },
            "ground_truth_input": "s3://b/gt",
            "role": "arn:aws:iam::123456789012:role/R",
            "analysis_config": {"label": "y", "facet": [{"name_or_index": 0}]},
            "alarms": [{"metric": "DI", "threshold": 0.2, "actions": [TOPIC], **alarm}],
        }
    )


def test_compile_alarm__di_distance__metric_math_maps_sentinel_to_parity() -> None:
    from compiler.desired.alarms import INFINITY_SENTINEL, SENTINEL_CUTOFF, compile_alarms

    [alarm] = compile_alarms(_spec(), "p", "monitors/m.yaml", (("biaswatch:project", "p"),))
    request = alarm.request
    stat = request["Metrics"][0]["MetricStat"]
    assert stat["Metric"]["Namespace"] == "aws/sagemaker/ModelMonitoring/bias-metrics"
    assert "Endpoint" not in {d["Name"] for d in stat["Metric"]["Dimensions"]}
    assert stat["Period"] == 86400  # the daily schedule's interval
    expression = request["Metrics"][2]["Expression"]
    assert expression == (
        f"MAX([IF(ABS(m1) < {SENTINEL_CUTOFF}, ABS(m1 - 1), 0), "
        f"IF(ABS(m2) < {SENTINEL_CUTOFF}, ABS(m2 - 1), 0)])"
    )
    assert float(SENTINEL_CUTOFF) < INFINITY_SENTINEL
    assert check_request("PutMetricAlarm", request, "cloudwatch") == ()


def test_check_alarms__value_measure_parity_side__e339_and_other_region_w610() -> None:
    from compiler.config.source import SourceSpan
    from compiler.desired.alarm_rules import check_alarms

    spec = _spec(
        measure="value",
        comparison="GreaterThanThreshold",
        threshold=0.9,
        actions=["arn:aws:sns:eu-west-1:123456789012:t"],
    )
    found = check_alarms(spec, lambda _: SourceSpan("m.yaml"), "us-east-1", "p")
    assert sorted(d.code for d in found) == ["E339", "W610"]


def test_alarms__throttled_and_lost_put__retried_and_converges(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.inject_fault("throttle", operation="DescribeAlarms", count=2)
    emulator.inject_fault("lost_response", operation="PutMetricAlarm", count=1)
    code, out, err = run(["apply", "--auto-approve"], capsys)
    assert code == EXIT_OK, out + err
    assert DPPL in _alarms(emulator)
    assert emulator.request_counts()["PutMetricAlarm"] >= 2  # the lost one was re-sent
    assert run(["plan", "--detailed-exitcode"], capsys)[0] == EXIT_OK
