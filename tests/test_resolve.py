"""Merging defaults and overrides, and variables, per environment."""

from __future__ import annotations

from compiler.config.loader import load_text
from compiler.desired.pipeline import build_environment, build_project

PROJECT = b"""project: p
environments:
  dev: {region: us-east-1, artifact_bucket: b-dev, defaults: {role: "arn:aws:iam::111111111111:role/r"}}
  prod: {region: us-east-1, account_id: "222222222222", artifact_bucket: b-prod,
         defaults: {role: "arn:aws:iam::222222222222:role/r", instance_count: 2}}
"""
MONITOR = b"""api_version: biaswatch/v1
kind: ModelBiasMonitor
name: m-${env}
schedule_cron_expression: daily
endpoint_input:
  endpoint_name: ep-${env}
ground_truth_input: s3://gt-${region}/x
analysis_config: {facet: [{name_or_index: a}]}
overrides:
  prod:
    volume_kms_key: arn:aws:kms:us-east-1:${account_id}:key/k
    instance_count: 3
"""


def _build(env: str, monitor: bytes = MONITOR):  # type: ignore[no-untyped-def]
    pdoc, _ = load_text("biaswatch.yaml", PROJECT)
    mdoc, _ = load_text("monitors/m.yaml", monitor)
    assert pdoc is not None and mdoc is not None
    project, _ = build_project(pdoc)
    assert project is not None
    return build_environment(project, [mdoc], env)


def test_resolve__other_environments_override_uses_unknown_variable__ignored() -> None:
    build = _build("dev")
    assert build.diagnostics == ()
    spec = build.monitors[0].spec
    assert (spec.name, spec.volume_kms_key, spec.instance_count) == ("m-dev", None, 1)


def test_resolve__own_override__wins_over_file_and_defaults() -> None:
    build = _build("prod")
    assert build.diagnostics == ()
    spec = build.monitors[0].spec
    assert spec.volume_kms_key == "arn:aws:kms:us-east-1:222222222222:key/k"
    assert spec.instance_count == 3
    assert spec.role == "arn:aws:iam::222222222222:role/r"
    assert spec.ground_truth_input == "s3://gt-us-east-1/x"


def test_resolve__account_id_unknown_in_environment__e321_with_hint() -> None:
    build = _build("dev", MONITOR.replace(b"s3://gt-${region}/x", b"s3://gt-${account_id}/x"))
    assert [(d.code, d.span.line if d.span else 0) for d in build.diagnostics] == [("E321", 7)]
    assert "has no account_id" in build.diagnostics[0].hints[0]


def test_resolve__dollar_escape__literal_dollar() -> None:
    build = _build(
        "dev",
        MONITOR.replace(
            b"endpoint_name: ep-${env}",
            b"endpoint_name: ep-${env}\n  features_attribute: $${features}",
        ),
    )
    assert build.diagnostics == ()
    assert build.monitors[0].spec.endpoint_input is not None
    assert build.monitors[0].spec.endpoint_input.features_attribute == "${features}"


def test_resolve__default_value_invalid__located_in_project_file() -> None:
    pdoc, _ = load_text(
        "biaswatch.yaml", PROJECT.replace(b"instance_count: 2", b'instance_count: "two"')
    )
    mdoc, _ = load_text("monitors/m.yaml", MONITOR.replace(b"    instance_count: 3\n", b""))
    assert pdoc is not None and mdoc is not None
    project, _ = build_project(pdoc)
    assert project is not None
    build = build_environment(project, [mdoc], "prod")
    assert [
        (d.code, d.span.path if d.span else "", d.span.line if d.span else 0)
        for d in build.diagnostics
    ] == [("E203", "biaswatch.yaml", 5)]


def _build_with(project_text: bytes, env: str, monitor: bytes = MONITOR):  # type: ignore[no-untyped-def]
    pdoc, _ = load_text("biaswatch.yaml", project_text)
    mdoc, _ = load_text("monitors/m.yaml", monitor)
    assert pdoc is not None and mdoc is not None
    project, _ = build_project(pdoc)
    assert project is not None
    return build_environment(project, [mdoc], env)


def test_vars__use_builtins__expanded() -> None:
    text = PROJECT.replace(
        b"dev: {region: us-east-1,",
        b'dev: {region: us-east-1, vars: {bucket: "data-${env}-${region}"},',
    )
    monitor = MONITOR.replace(b"s3://gt-${region}/x", b"s3://${bucket}/x")
    build = _build_with(text, "dev", monitor)
    assert build.diagnostics == ()
    assert build.monitors[0].spec.ground_truth_input == "s3://data-dev-us-east-1/x"


def test_vars__shadow_builtin_or_unknown_reference__e321_in_project_file() -> None:
    text = PROJECT.replace(
        b"dev: {region: us-east-1,", b'dev: {region: us-east-1, vars: {env: x, b: "${nope}"},'
    )
    build = _build_with(text, "dev")
    found = sorted((d.code, d.span.path if d.span else "", d.field) for d in build.diagnostics)
    assert found == [
        ("E321", "biaswatch.yaml", "environments.dev.vars.b"),
        ("E321", "biaswatch.yaml", "environments.dev.vars.env"),
    ]


def test_name_variable__is_the_resolved_name() -> None:
    monitor = MONITOR.replace(b"s3://gt-${region}/x", b"s3://gt/${name}")
    build = _build_with(PROJECT, "prod", monitor)
    assert build.diagnostics == ()
    assert build.monitors[0].spec.ground_truth_input == "s3://gt/m-prod"
