"""The field table both ways: for valid monitors, compile → import-from-live → compile is the
identity, so a key compile sends is a key import reads back (and the plan after it is empty)."""

from __future__ import annotations

import json
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler.config.loader import load_text
from compiler.desired.fields import FIELDS, How, Request
from compiler.desired.pipeline import Monitor, Project, build_environment, build_project
from compiler.importer.decompile import monitor_from_live
from compiler.importer.yaml_writer import escape_variables
from compiler.state.projection import RawMonitor

REGION = "eu-west-1"
PROJECT_TEXT = f"""
project: roundtrip
default_environment: test
environments:
  test:
    region: {REGION}
    account_id: "210987654321"
    artifact_bucket: roundtrip-artifacts
""".encode()
PATH = "monitors/m.yaml"

_names = st.from_regex(r"[a-z][a-z0-9]{0,12}(-[a-z0-9]{1,8})?", fullmatch=True)
_offsets = st.sampled_from([None, "-PT1H", "-PT2H", "-PT30M", "-P1D"])
_attribute = st.one_of(st.none(), st.sampled_from(["0", "1", "score", "predictions[0]"]))
_kms = st.one_of(
    st.none(),
    st.sampled_from(["alias/monitoring", "arn:aws:kms:eu-west-1:210987654321:key/abcd-1234"]),
)


@st.composite
def _input_attributes(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {}
    start = draw(_offsets)
    if start is not None:
        out["start_time_offset"] = start
        out["end_time_offset"] = draw(st.sampled_from(["-PT0H", "-PT10M"]))
    for key in ("features_attribute", "inference_attribute", "probability_attribute"):
        value = draw(_attribute)
        if value is not None:
            out[key] = value
    if draw(st.booleans()):
        out["probability_threshold_attribute"] = draw(st.sampled_from([0.0, 0.25, 0.5, 0.8, 1.0]))
    if draw(st.booleans()):
        out["s3_input_mode"] = draw(st.sampled_from(["File", "Pipe"]))
    if draw(st.booleans()):
        out["s3_data_distribution_type"] = draw(
            st.sampled_from(["FullyReplicated", "ShardedByS3Key"])
        )
    if draw(st.booleans()):
        out["exclude_features_attribute"] = draw(st.sampled_from(["a", "a,b"]))
    if draw(st.booleans()):
        out["destination"] = draw(st.sampled_from(["/opt/ml/processing/in", "/data/input"]))
    return out


@st.composite
def monitors(draw: st.DrawFn) -> dict[str, Any]:
    m: dict[str, Any] = {
        "api_version": "biaswatch/v1",
        "kind": "ModelBiasMonitor",
        "name": draw(_names),
        "schedule_cron_expression": draw(
            st.sampled_from(["hourly", "daily", "cron(0 5 ? * * *)", "cron(0 0/6 ? * * *)"])
        ),
        "ground_truth_input": "s3://ground-truth/" + draw(_names),
        "role": "arn:aws:iam::210987654321:role/ModelMonitorRole",
        "analysis_config": {
            "headers": ["age", "income", "gender", "approved"],
            "label": "approved",
            "label_values_or_threshold": [1],
            "facet": [{"name_or_index": "gender", "value_or_threshold": ["female"]}],
        },
    }
    if draw(st.booleans()):
        m["endpoint_input"] = {"endpoint_name": draw(_names), **draw(_input_attributes())}
    else:
        fmt = draw(
            st.sampled_from(
                [
                    {"csv": {"header": True}},
                    {"csv": {"header": False}},
                    {"json": {"line": True}},
                    {"parquet": {}},
                ]
            )
        )
        m["batch_transform_input"] = {
            "data_captured_destination_s3_uri": "s3://captured/" + draw(_names),
            "dataset_format": fmt,
            **draw(_input_attributes()),
        }
    if m["schedule_cron_expression"] != "hourly":
        m["max_runtime_in_seconds"] = draw(st.sampled_from([600, 1800, 3600]))
    if draw(st.booleans()):
        m["instance_type"] = draw(st.sampled_from(["ml.m5.large", "ml.c5.xlarge"]))
    if draw(st.booleans()):
        m["instance_count"] = draw(st.integers(1, 4))
    if draw(st.booleans()):
        m["volume_size_in_gb"] = draw(st.integers(1, 500))
    for key in ("volume_kms_key", "output_kms_key"):
        value = draw(_kms)
        if value is not None:
            m[key] = value
    if draw(st.booleans()):
        m["output_s3_uri"] = "s3://results/" + draw(_names)
    if draw(st.booleans()):
        m["constraints"] = "s3://baselines/" + draw(_names) + "/analysis.json"
    elif draw(st.booleans()):
        m["baselining_job_name"] = draw(_names)
    if draw(st.booleans()):
        m["enable_cloudwatch_metrics"] = False
    if draw(st.booleans()):
        m["env"] = {"LOG_LEVEL": draw(st.sampled_from(["info", "debug"]))}
    if draw(st.booleans()):
        net: dict[str, Any] = {
            "enable_network_isolation": draw(st.booleans()),
            "encrypt_inter_container_traffic": draw(st.booleans()),
        }
        if draw(st.booleans()):
            net["security_group_ids"] = ["sg-0123456789abcdef0"]
            net["subnets"] = ["subnet-0123456789abcdef0"]
        m["network_config"] = net
    if draw(st.booleans()):
        m["tags"] = {"team": draw(_names)}
    if draw(st.booleans()):
        m["enabled"] = False
    return m


def _project() -> Project:
    doc, diags = load_text("biaswatch.yaml", PROJECT_TEXT)
    assert doc is not None and not diags
    project, diags = build_project(doc)
    assert project is not None and not diags
    return project


def _compile(project: Project, data: dict[str, Any]) -> Monitor:
    text = yaml.safe_dump(escape_variables(data), sort_keys=False).encode()
    doc, diags = load_text(PATH, text)
    assert doc is not None, diags
    build = build_environment(project, [doc], "test")
    errors = [d for d in build.diagnostics if d.is_error]
    assert not errors, (errors, data)
    return build.monitors[0]


def _live(monitor: Monitor) -> RawMonitor:
    """What SageMaker's Describe calls return for what compile sent (echoed back)."""
    d = monitor.desired
    schedule = {k: v for k, v in d.create_schedule.items() if k != "Tags"}
    schedule["MonitoringScheduleStatus"] = "Scheduled" if d.enabled else "Stopped"
    definition = {k: v for k, v in d.create_job_definition.items() if k != "Tags"}
    return RawMonitor(
        name=d.name,
        schedule=schedule,
        schedule_tags=dict(d.tags),
        job_definition=definition,
        job_definition_tags=dict(d.tags),
        config_body=d.analysis_config_body,
    )


PROJECT = _project()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(monitors())
def test_compile_import_compile__valid_monitor__identity(data: dict[str, Any]) -> None:
    first = _compile(PROJECT, data)
    live = _live(first)
    imported, notes = monitor_from_live(live, json.loads(live.config_body or b"{}"), REGION)
    assert notes == []
    second = _compile(PROJECT, imported)
    assert second.desired.create_job_definition == first.desired.create_job_definition
    assert second.desired.create_schedule == first.desired.create_schedule
    assert second.desired.analysis_config == first.desired.analysis_config
    assert second.desired.enabled == first.desired.enabled


def test_field_table__copy_rows__reach_every_request_they_name() -> None:
    # A COPY row without a request, or a COMPUTED row compile does not fill, would be a
    # silent gap: every row with an API path names a request, and keys are unique.
    keys = [r.key for r in FIELDS if r.key]
    assert len(keys) == len(set(keys))
    for row in FIELDS:
        assert (row.request is Request.NONE) == (row.how is How.OWN), row
        if row.how in (How.COPY, How.CONSTANT):
            assert row.api, row
