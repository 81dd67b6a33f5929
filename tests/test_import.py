"""`biaswatch import`: the pure mapping, and import → validate → plan → apply against the emulator."""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

import pytest

from compiler.cli.common import EXIT_CHANGES, EXIT_ERROR, EXIT_OK, EXIT_USAGE
from compiler.config.loader import load_text
from compiler.config.scalars import scalar_text
from compiler.desired.resources import OWNER_TAG
from compiler.emulator import Emulator
from compiler.emulator.testing import ROLE_ARN, create_endpoint_with_capture
from compiler.importer.decompile import (
    import_schedule,
    monitor_from_live,
    parse_analysis_config,
    schedule_alias,
)
from compiler.importer.yaml_writer import escape_variables, render_monitor
from compiler.state.projection import RawMonitor
from tests.support import run

SDK_DEFINITION = "model-bias-job-definition-2026-11-27-08-37-35-565"
SDK_UUID = "0f8e2f9e-58f4-4c47-9f63-3d2a1b7c9e10"
BUCKET = "sagemaker-us-east-1-123456789012"
IMAGE = "205585389593.dkr.ecr.us-east-1.amazonaws.com/sagemaker-clarify-processing:1.0"
ANALYSIS = {
    "label_values_or_threshold": [1],
    "facet": [{"name_or_index": "gender", "value_or_threshold": ["female"]}],
    "headers": ["age", "income", "gender", "approved"],
    "label": "approved",
}


# ---- the SDK's requests, as ModelBiasMonitor.create_monitoring_schedule sends them -----------


def sdk_definition(schedule: str, **overrides: Any) -> dict[str, Any]:
    results = f"s3://{BUCKET}/model-monitor/monitoring/{schedule}/results"
    request: dict[str, Any] = {
        "JobDefinitionName": SDK_DEFINITION,
        "ModelBiasAppSpecification": {
            "ConfigUri": f"{results}/{SDK_DEFINITION}/{SDK_UUID}/analysis_config.json",
            "ImageUri": IMAGE,
            "Environment": {"publish_cloudwatch_metrics": "Enabled"},
        },
        "ModelBiasJobInput": {
            "EndpointInput": {
                "EndpointName": "credit-risk-prod",
                "LocalPath": "/opt/ml/processing/input/endpoint",
                "S3InputMode": "File",
                "S3DataDistributionType": "FullyReplicated",
                "StartTimeOffset": "-PT1H",
                "EndTimeOffset": "-PT0H",
                "ProbabilityThresholdAttribute": 0.8,
            },
            "GroundTruthS3Input": {"S3Uri": f"s3://{BUCKET}/ground-truth/{schedule}"},
        },
        "ModelBiasJobOutputConfig": {
            "MonitoringOutputs": [
                {
                    "S3Output": {
                        "S3Uri": results,
                        "LocalPath": "/opt/ml/processing/output",
                        "S3UploadMode": "Continuous",
                    }
                }
            ]
        },
        "JobResources": {
            "ClusterConfig": {
                "InstanceCount": 1,
                "InstanceType": "ml.m5.xlarge",
                "VolumeSizeInGB": 30,
            }
        },
        "RoleArn": ROLE_ARN,
        "StoppingCondition": {"MaxRuntimeInSeconds": 1800},
        "Tags": [{"Key": "team", "Value": "ml"}],
    }
    request.update(overrides)
    return request


def create_sdk_monitor(
    emulator: Emulator,
    schedule: str,
    *,
    definition: dict[str, Any] | None = None,
    analysis: Any = ANALYSIS,
    cron: str | None = "cron(0 * ? * * *)",
) -> dict[str, Any]:
    """What the SDK does: upload the config under the results prefix, create both resources."""
    request = definition or sdk_definition(schedule)
    s3 = emulator.client("s3")
    uri = request["ModelBiasAppSpecification"]["ConfigUri"]
    bucket, key = uri[len("s3://") :].split("/", 1)
    body = analysis if isinstance(analysis, bytes) else json.dumps(analysis).encode()
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    sm = emulator.client("sagemaker")
    sm.create_model_bias_job_definition(**request)
    config: dict[str, Any] = {
        "MonitoringJobDefinitionName": request["JobDefinitionName"],
        "MonitoringType": "ModelBias",
    }
    if cron is not None:
        config["ScheduleConfig"] = {"ScheduleExpression": cron}
    sm.create_monitoring_schedule(
        MonitoringScheduleName=schedule,
        MonitoringScheduleConfig=config,
        Tags=[{"Key": "team", "Value": "ml"}],
    )
    return request


# ---- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "monitors").mkdir()
    (tmp_path / "biaswatch.yaml").write_text(
        f"""project: acme-credit-models
default_environment: test
environments:
  test:
    region: us-east-1
    endpoint_url: {emulator.endpoint_url}
    artifact_bucket: biaswatch-test
    defaults:
      role: {ROLE_ARN}
"""
    )
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket="biaswatch-test")
    s3.create_bucket(Bucket=BUCKET)
    create_endpoint_with_capture(emulator.client("sagemaker"), "credit-risk-prod")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def plan_json(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code, out, err = run(["plan", "--format", "json"], capsys)
    assert code == EXIT_OK, err
    return dict(json.loads(out))


def wait_scheduled(emulator: Emulator, name: str) -> None:
    sm = emulator.client("sagemaker")
    for _ in range(100):
        if (
            sm.describe_monitoring_schedule(MonitoringScheduleName=name)["MonitoringScheduleStatus"]
            != "Pending"
        ):
            return
        time.sleep(0.05)
    raise AssertionError(f"{name} still Pending")


def definition_names(emulator: Emulator) -> list[str]:
    summaries = emulator.client("sagemaker").list_model_bias_job_definitions(MaxResults=100)
    return [d["MonitoringJobDefinitionName"] for d in summaries["JobDefinitionSummaries"]]


# ---- end to end ------------------------------------------------------------------------------


def test_import__sdk_created_schedule__plan_is_swap_then_empty_after_apply(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    create_sdk_monitor(emulator, "credit-risk-sdk")
    code, out, err = run(["import", "credit-risk-sdk"], capsys)
    assert code == EXIT_OK, err
    written = project / "monitors" / "credit-risk-sdk.yaml"
    text = written.read_text()
    assert text.startswith("# yaml-language-server: $schema=../schema/monitor.schema.json\n")
    assert "# Imported with `biaswatch import`" in text and SDK_UUID in text
    assert "definition swap" in out and f"{SDK_DEFINITION} is kept after the swap" in out
    assert "also changes" not in out
    sm = emulator.client("sagemaker")
    arn = sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk-sdk")[
        "MonitoringScheduleArn"
    ]
    tags = {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=arn)["Tags"]}
    assert tags == {"team": "ml", OWNER_TAG: "acme-credit-models"}

    assert run(["validate"], capsys)[0] == EXIT_OK

    plan = plan_json(capsys)
    (monitor,) = plan["monitors"]
    assert monitor["name"] == "credit-risk-sdk"
    assert monitor["actions"] == ["swap", "retag"]
    assert monitor["live_job_definition"] == SDK_DEFINITION
    # Nothing but where the config lives (dropped from the field list: it is the swap) and
    # the ownership tag apply adds.
    assert [(c["resource"], c["path"], c["before"], c["after"]) for c in monitor["changes"]] == [
        ("tags", "tags.biaswatch:source", None, "monitors/credit-risk-sdk.yaml")
    ]
    assert (
        plan["summary_line"] == "Plan: 0 to create, 1 to update (1 definition swap), 0 to delete."
    )

    assert run(["plan", "--detailed-exitcode"], capsys)[0] == EXIT_CHANGES
    code, out, err = run(["apply", "--auto-approve"], capsys)
    assert code == EXIT_OK, err
    assert f"kept job definition {SDK_DEFINITION}: not owned by this project" in err
    code, out, err = run(["plan", "--detailed-exitcode"], capsys)
    assert code == EXIT_OK, out + err
    # The SDK's definition is not ours: apply leaves it in place.
    assert SDK_DEFINITION in definition_names(emulator)
    now = sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk-sdk")
    assert now["MonitoringScheduleConfig"]["MonitoringJobDefinitionName"] != SDK_DEFINITION


def test_import__sdk_without_stopping_condition__plan_also_adds_max_runtime(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    request = sdk_definition("churn-daily")
    del request["StoppingCondition"]
    create_sdk_monitor(emulator, "churn-daily", definition=request, cron="cron(0 0 ? * * *)")
    code, out, err = run(["import", "churn-daily"], capsys)
    assert code == EXIT_OK, err
    text = (project / "monitors" / "churn-daily.yaml").read_text()
    assert "schedule_cron_expression: daily" in text
    assert "max_runtime_in_seconds: 3600" in text
    assert (
        "also changes (no monitor key reproduces the live value): max_runtime_in_seconds: None → 3600"
        in out
    )
    assert run(["validate"], capsys)[0] == EXIT_OK
    (monitor,) = plan_json(capsys)["monitors"]
    assert monitor["actions"] == ["swap", "retag"]
    assert {c["path"] for c in monitor["changes"]} == {
        "max_runtime_in_seconds",
        "tags.biaswatch:source",
    }
    assert run(["apply", "--auto-approve"], capsys)[0] == EXIT_OK
    assert run(["plan", "--detailed-exitcode"], capsys)[0] == EXIT_OK


def test_import__batch_input_network_config_stopped__round_trips_to_empty_plan(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    request = sdk_definition("churn-batch")
    request["ModelBiasJobInput"] = {
        "BatchTransformInput": {
            "DataCapturedDestinationS3Uri": f"s3://{BUCKET}/batch-capture/churn",
            "DatasetFormat": {"Json": {"Line": False}},
            "LocalPath": "/opt/ml/processing/batch",
            "S3InputMode": "Pipe",
            "S3DataDistributionType": "ShardedByS3Key",
            "StartTimeOffset": "-PT2H",
            "EndTimeOffset": "-PT1H",
            "FeaturesAttribute": "features",
            "InferenceAttribute": "0",
            "ProbabilityAttribute": "1",
            "ProbabilityThresholdAttribute": 0.6,
            "ExcludeFeaturesAttribute": "2,3",
        },
        "GroundTruthS3Input": {"S3Uri": f"s3://{BUCKET}/ground-truth/churn"},
    }
    request["NetworkConfig"] = {
        "EnableInterContainerTrafficEncryption": True,
        "EnableNetworkIsolation": True,
        "VpcConfig": {"SecurityGroupIds": ["sg-0123456789abcdef0"], "Subnets": ["subnet-0abc1234"]},
    }
    request["ModelBiasAppSpecification"]["Environment"] = {
        "publish_cloudwatch_metrics": "Disabled",
        "LOG_LEVEL": "on",
    }
    request["JobResources"]["ClusterConfig"].update(
        InstanceType="ml.m5.2xlarge", InstanceCount=2, VolumeSizeInGB=50
    )
    request["ModelBiasJobOutputConfig"]["KmsKeyId"] = "alias/monitoring"
    request["ModelBiasBaselineConfig"] = {"BaseliningJobName": "churn-baseline-2026"}
    request["StoppingCondition"] = {"MaxRuntimeInSeconds": 7200}
    create_sdk_monitor(emulator, "churn-batch", definition=request, cron="cron(0 3/6 ? * * *)")
    wait_scheduled(emulator, "churn-batch")
    emulator.client("sagemaker").stop_monitoring_schedule(MonitoringScheduleName="churn-batch")
    code, _, err = run(["import", "churn-batch"], capsys)
    assert code == EXIT_OK, err
    text = (project / "monitors" / "churn-batch.yaml").read_text()
    for expected in (
        "enabled: false",
        "enable_cloudwatch_metrics: false",
        "dataset_format:\n    json:\n      line: false",
        "inference_attribute: '0'",
        "exclude_features_attribute: 2,3",
        "schedule_cron_expression: cron(0 3/6 ? * * *)",
        "env:\n  LOG_LEVEL: 'on'",
        "baselining_job_name: churn-baseline-2026",
        "output_kms_key: alias/monitoring",
        "enable_network_isolation: true",
    ):
        assert expected in text, expected
    assert "role:" not in text  # the environment's default role is the live one
    assert run(["validate"], capsys)[0] == EXIT_OK
    (monitor,) = plan_json(capsys)["monitors"]
    assert monitor["actions"] == ["swap", "retag"]
    assert [c["path"] for c in monitor["changes"]] == ["tags.biaswatch:source"]
    assert run(["apply", "--auto-approve"], capsys)[0] == EXIT_OK
    assert run(["plan", "--detailed-exitcode"], capsys)[0] == EXIT_OK
    described = emulator.client("sagemaker").describe_monitoring_schedule(
        MonitoringScheduleName="churn-batch"
    )
    assert described["MonitoringScheduleStatus"] == "Stopped"


def test_import__biaswatch_created_schedule_with_lost_file__next_plan_is_empty(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    create_sdk_monitor(emulator, "credit-risk-sdk")
    assert run(["import", "credit-risk-sdk"], capsys)[0] == EXIT_OK
    assert run(["apply", "--auto-approve"], capsys)[0] == EXIT_OK
    written = project / "monitors" / "credit-risk-sdk.yaml"
    first = written.read_text()
    written.unlink()
    code, out, err = run(["import", "credit-risk-sdk"], capsys)
    assert code == EXIT_OK, err
    assert "the next plan shows no changes for it" in out and "adopted" not in out
    assert "# The first apply swaps" not in written.read_text()
    assert first.split("\n# Imported")[0] == written.read_text().split("\n# Imported")[0]
    assert run(["plan", "--detailed-exitcode"], capsys)[0] == EXIT_OK


# ---- refusals ----------------------------------------------------------------------------


def _nothing_written(project: Path) -> bool:
    return not any((project / "monitors").iterdir())


def _owner(emulator: Emulator, name: str) -> str | None:
    sm = emulator.client("sagemaker")
    arn = sm.describe_monitoring_schedule(MonitoringScheduleName=name)["MonitoringScheduleArn"]
    return {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=arn)["Tags"]}.get(OWNER_TAG)


def test_import__missing_schedule__e403_and_nothing_written(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    create_sdk_monitor(emulator, "credit-risk-sdk")
    code, _, err = run(["import", "credit-risk-sdk", "no-such-schedule"], capsys)
    assert code == EXIT_ERROR
    assert "error E403 schedule 'no-such-schedule': no such monitoring schedule" in err
    assert _nothing_written(project)
    assert _owner(emulator, "credit-risk-sdk") is None


def test_import__unreadable_analysis_config__e422(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    create_sdk_monitor(emulator, "credit-risk-sdk")
    uri = sdk_definition("credit-risk-sdk")["ModelBiasAppSpecification"]["ConfigUri"]
    emulator.client("s3").delete_object(Bucket=BUCKET, Key=uri.split("/", 3)[3])
    code, _, err = run(["import", "credit-risk-sdk"], capsys)
    assert code == EXIT_ERROR
    assert f"error E422 schedule 'credit-risk-sdk': cannot read the analysis config at {uri}" in err
    assert _nothing_written(project)


def test_import__unparsable_analysis_config__e422(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    create_sdk_monitor(emulator, "credit-risk-sdk", analysis=b"{not json")
    code, _, err = run(["import", "credit-risk-sdk"], capsys)
    assert code == EXIT_ERROR
    assert "error E422" in err and "is not JSON" in err
    assert _nothing_written(project)


def test_import__analysis_config_with_methods__e423_names_the_keys(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    analysis = {**ANALYSIS, "methods": {"post_training_bias": {"methods": "all"}}, "predictor": {}}
    create_sdk_monitor(emulator, "credit-risk-sdk", analysis=analysis)
    code, _, err = run(["import", "credit-risk-sdk"], capsys)
    assert code == EXIT_ERROR
    assert "error E423 analysis_config:" in err and "'methods', 'predictor'" in err
    assert _nothing_written(project)
    assert _owner(emulator, "credit-risk-sdk") is None


def test_import__existing_file__e504_unless_force(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    create_sdk_monitor(emulator, "credit-risk-sdk")
    target = project / "monitors" / "credit-risk-sdk.yaml"
    target.write_text("# mine\n")
    code, _, err = run(["import", "credit-risk-sdk"], capsys)
    assert code == EXIT_ERROR
    assert "monitors/credit-risk-sdk.yaml:1:1: error E504" in err
    assert target.read_text() == "# mine\n"
    assert _owner(emulator, "credit-risk-sdk") is None
    code, _, err = run(["import", "credit-risk-sdk", "--force"], capsys)
    assert code == EXIT_OK, err
    assert target.read_text().startswith("# yaml-language-server:")


def test_import__name_defined_in_another_file__e319(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    create_sdk_monitor(emulator, "credit-risk-sdk")
    (project / "monitors" / "other.yaml").write_text("name: credit-risk-sdk\n")
    code, _, err = run(["import", "credit-risk-sdk", "--force"], capsys)
    assert code == EXIT_ERROR
    assert (
        "error E319 name: monitor 'credit-risk-sdk' is already defined in monitors/other.yaml"
        in err
    )


def test_import__schedule_of_another_project__e425(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    create_sdk_monitor(emulator, "credit-risk-sdk")
    sm = emulator.client("sagemaker")
    arn = sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk-sdk")[
        "MonitoringScheduleArn"
    ]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": OWNER_TAG, "Value": "someone-else"}])
    code, _, err = run(["import", "credit-risk-sdk"], capsys)
    assert code == EXIT_ERROR
    assert "error E425" in err and "'someone-else'" in err
    assert _nothing_written(project)


def test_import__no_names__usage_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["import"], capsys)[0] == EXIT_USAGE


def test_import__other_out_dir__schema_path_relative_and_warns(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    create_sdk_monitor(emulator, "credit-risk-sdk")
    code, _, err = run(["import", "credit-risk-sdk", "--out-dir", "imported/deep"], capsys)
    assert code == EXIT_OK, err
    text = (project / "imported" / "deep" / "credit-risk-sdk.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=../../schema/monitor.schema.json\n")
    assert "outside monitors/" in err


# ---- the pure mapping --------------------------------------------------------------------


def _live(**changes: Any) -> RawMonitor:
    definition = sdk_definition("s")
    definition.pop("Tags")
    schedule: dict[str, Any] = {
        "MonitoringScheduleArn": "arn:aws:sagemaker:us-east-1:123456789012:monitoring-schedule/s",
        "MonitoringScheduleName": "s",
        "MonitoringScheduleStatus": "Scheduled",
        "MonitoringScheduleConfig": {
            "ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"},
            "MonitoringJobDefinitionName": SDK_DEFINITION,
            "MonitoringType": "ModelBias",
        },
    }
    values: dict[str, Any] = {
        "name": "s",
        "schedule": schedule,
        "schedule_tags": {"team": "ml"},
        "job_definition": definition,
        "job_definition_tags": {},
        "config_body": json.dumps(ANALYSIS).encode(),
    }
    values.update(changes)
    return RawMonitor(**values)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("cron(0 * ? * * *)", "hourly"),
        ("cron(0 0 ? * * *)", "daily"),
        ("cron(0 5 ? * * *)", "cron(0 5 ? * * *)"),
        ("cron(0 0/2 ? * * *)", "cron(0 0/2 ? * * *)"),
        ("NOW", "NOW"),
    ],
)
def test_schedule_alias__api_expression__alias_or_verbatim(expression: str, expected: str) -> None:
    assert schedule_alias(expression) == expected


def test_monitor_from_live__stopped_schedule__enabled_false() -> None:
    live = _live()
    schedule = copy.deepcopy(dict(live.schedule or {}))
    schedule["MonitoringScheduleStatus"] = "Stopped"
    monitor, _ = monitor_from_live(_live(schedule=schedule), ANALYSIS, "us-east-1")
    assert monitor["enabled"] is False
    running, _ = monitor_from_live(live, ANALYSIS, "us-east-1")
    assert "enabled" not in running


def test_monitor_from_live__sdk_definition__every_field_mapped() -> None:
    monitor, notes = monitor_from_live(
        _live(schedule_tags={"team": "ml", "aws:cloudformation:stack-name": "x", OWNER_TAG: "p"}),
        ANALYSIS,
        "us-east-1",
    )
    assert notes == []
    assert monitor == {
        "api_version": "biaswatch/v1",
        "kind": "ModelBiasMonitor",
        "name": "s",
        "tags": {"team": "ml"},
        "schedule_cron_expression": "hourly",
        "endpoint_input": {
            "endpoint_name": "credit-risk-prod",
            "start_time_offset": "-PT1H",
            "end_time_offset": "-PT0H",
            "probability_threshold_attribute": 0.8,
        },
        "ground_truth_input": f"s3://{BUCKET}/ground-truth/s",
        "output_s3_uri": f"s3://{BUCKET}/model-monitor/monitoring/s/results",
        "analysis_config": {
            k: ANALYSIS[k] for k in ("headers", "label", "label_values_or_threshold", "facet")
        },
        "role": ROLE_ARN,
        "instance_type": "ml.m5.xlarge",
        "instance_count": 1,
        "volume_size_in_gb": 30,
        "max_runtime_in_seconds": 1800,
        "env": {},
        "network_config": {
            "enable_network_isolation": False,
            "encrypt_inter_container_traffic": False,
        },
    }


def test_monitor_from_live__no_stopping_condition_hourly__1800_with_note() -> None:
    live = _live()
    definition = dict(live.job_definition or {})
    del definition["StoppingCondition"]
    monitor, notes = monitor_from_live(_live(job_definition=definition), ANALYSIS, "us-east-1")
    assert monitor["max_runtime_in_seconds"] == 1800
    assert any("no StoppingCondition" in n for n in notes)


def test_monitor_from_live__deletion_protection_tag__deletion_protection_true() -> None:
    tags = {"team": "ml", "biaswatch:deletion-protection": "true"}
    monitor, _ = monitor_from_live(_live(schedule_tags=tags), ANALYSIS, "us-east-1")
    assert monitor["deletion_protection"] is True and monitor["tags"] == {"team": "ml"}


def test_import_schedule__other_monitoring_type__e421() -> None:
    live = _live()
    schedule = copy.deepcopy(dict(live.schedule or {}))
    schedule["MonitoringScheduleConfig"]["MonitoringType"] = "DataQuality"
    found, diags = import_schedule(_live(schedule=schedule), "us-east-1", "p")
    assert found is None and [d.code for d in diags] == ["E421"]


def test_parse_analysis_config__not_an_object__e422() -> None:
    config, diags = parse_analysis_config("s", "s3://b/k.json", b"[1, 2]")
    assert config is None and [d.code for d in diags] == ["E422"]


@pytest.mark.parametrize(
    "value",
    [
        "on",
        "yes",
        "NO",
        "0755",
        "-PT1H",
        "1.10",
        "1e3",
        "0o17",
        "0x1F",
        ".inf",
        "null",
        "~",
        "",
        "true",
        "x: y",
        "- a",
        "#x",
        "a #b",
        "${env}",
        "$$",
        "'q'",
        '"d"',
        "multi\nline",
        "12:30",
    ],
)
def test_render_monitor__tricky_strings__load_back_unchanged(value: str) -> None:
    monitor = {
        "name": value,
        "tags": {"k": value},
        "env": {"V": value},
        "analysis_config": {"facet": [{"name_or_index": value, "value_or_threshold": [value, 1]}]},
    }
    found, _ = import_schedule(_live(), "us-east-1", "p")
    assert found is not None
    text = render_monitor(monitor, schema_path="../s.json", environment="e", imported=found)
    doc, diags = load_text("x.yaml", text.encode())
    assert doc is not None, diags
    data = doc.data
    # Strings the file holds are `${var}` templates: `$` is written doubled.
    expected = escape_variables(value)
    assert scalar_text(data["name"]) == expected
    assert data["tags"]["k"] == expected and isinstance(data["tags"]["k"], str)
    assert data["env"]["V"] == expected and isinstance(data["env"]["V"], str)
    facet = data["analysis_config"]["facet"][0]
    assert facet["value_or_threshold"][0] == expected
    assert isinstance(facet["value_or_threshold"][0], str)
    assert facet["value_or_threshold"][1] == 1


def test_import__project_with_several_environments__file_limited_to_the_source_one(
    project: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project / "biaswatch.yaml"
    config.write_text(
        config.read_text()
        + """  prod:
    region: us-east-1
    account_id: "210987654321"
    artifact_bucket: acme-biaswatch-prod
"""
    )
    create_sdk_monitor(emulator, "credit-risk-sdk")
    code, _, err = run(["import", "credit-risk-sdk", "--env", "test"], capsys)
    assert code == EXIT_OK, err
    text = (project / "monitors" / "credit-risk-sdk.yaml").read_text()
    # The schedule lives in one account; the file must not create copies elsewhere.
    assert "environments: [test]" in text
    assert "role: arn:aws:iam::123456789012:role/ModelMonitorRole" not in text
    code, _, err = run(["validate"], capsys)
    assert code == EXIT_OK, err
    assert "valid in 2 environment(s)" in err
    (monitor,) = plan_json(capsys)["monitors"]
    assert [c["path"] for c in monitor["changes"]] == ["tags.biaswatch:source"]
