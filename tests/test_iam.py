"""iam-policy: the pure builder's invariants, the prod golden, and the operation → action table."""

from __future__ import annotations

import ast
import fnmatch
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from compiler.cli.common import EXIT_ERROR, EXIT_OK, EXIT_USAGE
from compiler.cli.main import main
from compiler.config.workspace import load_workspace
from compiler.desired.iam import (
    MANAGED_POLICY_MAX_CHARS,
    MODES,
    NOT_IN_POLICY,
    OPERATION_ACTIONS,
    STAR_SIDS,
    build_policy,
    name_prefix,
    output_prefixes,
    partition,
    policy_size,
)
from compiler.desired.pipeline import (
    EMULATOR_ACCOUNT_ID,
    EnvironmentBuild,
    build_environment,
    build_project,
)
from compiler.desired.resources import CONFIG_ETAG_TAG, OWNER_TAG
from tests.golden import assert_golden

REPO = Path(__file__).resolve().parent.parent
PROJECT = "acme-credit-models"
# Modules of the plan/apply/drift lifecycle: their calls the monitor policies must grant.
# (Every other module's calls need a table entry too; bootstrap and import are an
# administrator's job and are not granted to CI.)
LIFECYCLE = (
    "aws/client.py",
    "aws/read.py",
    "aws/apply.py",
    "aws/alarms.py",
    "aws/lock.py",
    "state/drift.py",
    "aws/connect.py",
)


def _build(env: str, root: Path = REPO) -> EnvironmentBuild:
    ws = load_workspace(root / "biaswatch.yaml", None)
    assert ws.project_document is not None
    project, _ = build_project(ws.project_document)
    assert project is not None
    return build_environment(project, ws.documents, env)


@pytest.fixture(scope="module")
def prod() -> EnvironmentBuild:
    return _build("prod")


def _policies(build: EnvironmentBuild) -> dict[str, dict[str, Any]]:
    policies = {mode: build_policy(build, PROJECT, mode) for mode in MODES}
    policies["apply+destroy"] = build_policy(build, PROJECT, "apply", allow_destroy=True)
    policies["apply+kms"] = build_policy(build, PROJECT, "apply", artifact_kms_key="alias/art")
    return policies


def _grants(policy: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(action, resource, condition) triples: what a policy allows, independent of Sids."""
    return {
        (action, resource, json.dumps(s.get("Condition", {}), sort_keys=True))
        for s in policy["Statement"]
        for action in s["Action"]
        for resource in s["Resource"]
    }


def _statements_with(policy: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in policy["Statement"] if action in s["Action"]]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(argv)
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


# ---- invariants ------------------------------------------------------------------------


@pytest.mark.parametrize("env", ["prod", "local"])
def test_build_policy__every_mode__no_action_contains_a_wildcard(env: str) -> None:
    for policy in _policies(_build(env)).values():
        actions = [a for s in policy["Statement"] for a in s["Action"]]
        assert actions and not [a for a in actions if "*" in a or "?" in a]


@pytest.mark.parametrize("env", ["prod", "local"])
def test_build_policy__star_resource__only_where_aws_requires_it(env: str) -> None:
    for policy in _policies(_build(env)).values():
        for s in policy["Statement"]:
            if "*" in s["Resource"]:
                assert s["Sid"] in STAR_SIDS, s
                assert s["Resource"] == ["*"]
                assert set(s["Action"]) <= {
                    "sagemaker:ListEndpoints",  # plan: do the monitors' endpoints exist
                    "sagemaker:ListModelBiasJobDefinitions",
                    "sagemaker:ListMonitoringSchedules",
                    "tag:GetResources",
                    # UNCONFIRMED whether it takes alarm ARNs (docs/iam.md): read-only.
                    "cloudwatch:DescribeAlarms",
                }
            else:
                # Every other resource names this partition's ARNs, never a bare wildcard.
                assert all(r.startswith("arn:aws:") for r in s["Resource"]), s


def test_build_policy__sids__unique_and_alphanumeric(prod: EnvironmentBuild) -> None:
    for policy in _policies(prod).values():
        sids = [s["Sid"] for s in policy["Statement"]]
        assert len(sids) == len(set(sids))
        assert all(sid.isalnum() for sid in sids)


def test_build_policy__pass_role__only_the_monitors_roles_and_only_to_sagemaker(
    prod: EnvironmentBuild,
) -> None:
    roles = {m.desired.create_job_definition["RoleArn"] for m in prod.monitors}
    for policy in _policies(prod).values():
        for s in _statements_with(policy, "iam:PassRole"):
            assert s["Action"] == ["iam:PassRole"]
            assert set(s["Resource"]) == roles
            assert s["Condition"] == {
                "StringEquals": {"iam:PassedToService": ["sagemaker.amazonaws.com"]}
            }
    assert _statements_with(build_policy(prod, PROJECT, "apply"), "iam:PassRole")
    assert not _statements_with(build_policy(prod, PROJECT, "plan"), "iam:PassRole")


@pytest.mark.parametrize("bigger", ["apply", "drift"])
def test_build_policy__apply_and_drift__contain_everything_plan_grants(
    prod: EnvironmentBuild, bigger: str
) -> None:
    plan = _grants(build_policy(prod, PROJECT, "plan"))
    assert plan <= _grants(build_policy(prod, PROJECT, bigger))


def test_build_policy__plan_and_drift__grant_no_write(prod: EnvironmentBuild) -> None:
    writes = ("Create", "Update", "Delete", "Start", "Stop", "AddTags", "Put", "PassRole")
    for mode in ("plan", "drift"):
        actions = {
            a.split(":")[1]
            for s in build_policy(prod, PROJECT, mode)["Statement"]
            for a in s["Action"]
        }
        assert not {a for a in actions if a.startswith(writes)}, mode


def test_build_policy__creates__need_the_project_tag_in_the_request(
    prod: EnvironmentBuild,
) -> None:
    policy = build_policy(prod, PROJECT, "apply")
    for action in ("CreateMonitoringSchedule", "CreateModelBiasJobDefinition"):
        (s,) = _statements_with(policy, f"sagemaker:{action}")
        assert s["Condition"] == {"StringEquals": {f"aws:RequestTag/{OWNER_TAG}": [PROJECT]}}


def test_build_policy__changes__only_on_resources_tagged_with_the_project(
    prod: EnvironmentBuild,
) -> None:
    for policy in (
        build_policy(prod, PROJECT, "apply"),
        build_policy(prod, PROJECT, "apply", allow_destroy=True),
    ):
        for verb in ("Update", "Delete", "Start", "Stop"):
            found = [
                s
                for s in policy["Statement"]
                if any(a.startswith(f"sagemaker:{verb}") for a in s["Action"])
            ]
            assert found
            for s in found:
                assert s["Condition"]["StringEquals"][f"aws:ResourceTag/{OWNER_TAG}"] == [PROJECT]


def test_build_policy__add_tags__only_at_creation_or_on_owned_resources_with_known_keys(
    prod: EnvironmentBuild,
) -> None:
    policy = build_policy(prod, PROJECT, "apply")
    keys = {k for m in prod.monitors for k, _ in m.desired.tags} | {
        "biaswatch:deletion-protection",
        CONFIG_ETAG_TAG,  # apply records the uploaded config object's ETag
    }
    creation, retag = sorted(
        _statements_with(policy, "sagemaker:AddTags"), key=lambda s: "ResourceTag" in json.dumps(s)
    )
    assert creation["Condition"] == {
        "StringEquals": {
            "sagemaker:TaggingAction": ["CreateModelBiasJobDefinition", "CreateMonitoringSchedule"]
        }
    }
    cond = retag["Condition"]
    assert cond["StringEquals"] == {f"aws:ResourceTag/{OWNER_TAG}": [PROJECT]}
    assert set(cond["ForAllValues:StringEquals"]["aws:TagKeys"]) == keys
    assert cond["StringEqualsIfExists"] == {f"aws:RequestTag/{OWNER_TAG}": [PROJECT]}
    (untag,) = _statements_with(policy, "sagemaker:DeleteTags")
    assert untag["Condition"]["ForAllValues:StringNotEquals"] == {"aws:TagKeys": [OWNER_TAG]}


def _arn_matches(arn: str, patterns: list[str]) -> bool:
    # IAM's `*` and `?` match like fnmatch's (across `/` too).
    return any(fnmatch.fnmatchcase(arn, p) for p in patterns)


def test_build_policy__write_resources__cover_every_monitor_and_name_none(
    prod: EnvironmentBuild,
) -> None:
    policy = build_policy(prod, PROJECT, "apply")
    (s,) = _statements_with(policy, "sagemaker:UpdateMonitoringSchedule")
    sm = "arn:aws:sagemaker:us-east-1:210987654321"
    for m in prod.monitors:
        d = m.desired
        assert _arn_matches(f"{sm}:monitoring-schedule/{d.name}", s["Resource"])
        assert _arn_matches(
            f"{sm}:model-bias-job-definition/{d.job_definition_name}", s["Resource"]
        )
        # Constant size: no resource spells out a monitor.
        assert not [r for r in s["Resource"] if d.name in r]
    # prod's monitors share no name prefix: the ownership tag alone scopes the writes.
    assert s["Resource"] == [
        f"{sm}:model-bias-job-definition/*",
        f"{sm}:monitoring-schedule/*",
    ]
    assert s["Condition"]["StringEquals"] == {f"aws:ResourceTag/{OWNER_TAG}": [PROJECT]}


def test_build_policy__fleet_with_a_shared_name_prefix__writes_only_under_it(
    tmp_path: Path,
) -> None:
    fleet = _fleet_build(tmp_path, 4)
    policy = build_policy(fleet, PROJECT, "apply")
    sm = "arn:aws:sagemaker:us-east-1:210987654321"
    for action in ("sagemaker:CreateMonitoringSchedule", "sagemaker:UpdateMonitoringSchedule"):
        (s,) = _statements_with(policy, action)
        assert s["Resource"] == [
            f"{sm}:model-bias-job-definition/fleet-*",
            f"{sm}:monitoring-schedule/fleet-*",
        ]
        for m in fleet.monitors:
            assert _arn_matches(f"{sm}:monitoring-schedule/{m.desired.name}", s["Resource"])
            assert _arn_matches(
                f"{sm}:model-bias-job-definition/{m.desired.job_definition_name}", s["Resource"]
            )
        assert not _arn_matches(f"{sm}:monitoring-schedule/credit-risk-bias", s["Resource"])
    (put,) = _statements_with(policy, "s3:PutObject")
    for m in fleet.monitors:
        key = m.desired.analysis_config_s3_uri.removeprefix("s3://")
        assert _arn_matches(f"arn:aws:s3:::{key}", put["Resource"])
    assert not _arn_matches(
        "arn:aws:s3:::acme-biaswatch-prod/biaswatch/prod/credit-risk-bias/analysis_config-0.json",
        put["Resource"],
    )


@pytest.mark.parametrize(
    ("names", "prefix"),
    [
        (["fleet-0001-bias", "fleet-0002-bias"], "fleet-"),
        (["fraud_eu", "fraud_us"], "fraud_"),
        (["credit-risk-bias"], "credit-risk-"),
        (["credit-risk-bias", "churn-batch-bias"], ""),
        (["creditrisk", "creditscore"], ""),
    ],
)
def test_name_prefix__names__shared_prefix_cut_after_a_separator(
    names: list[str], prefix: str
) -> None:
    desired = [SimpleNamespace(name=n, job_definition_name=f"{n}-0123456789") for n in names]
    assert name_prefix(desired) == prefix  # type: ignore[arg-type]


def test_output_prefixes__outputs__the_longest_shared_path_per_bucket() -> None:
    def d(*uris: str) -> Any:
        return SimpleNamespace(
            create_job_definition={
                "ModelBiasJobOutputConfig": {
                    "MonitoringOutputs": [{"S3Output": {"S3Uri": u}} for u in uris]
                }
            }
        )

    many = [d(f"s3://data/monitoring/m{i}/bias") for i in range(50)]
    assert output_prefixes(many) == {"data": ["monitoring"]}
    assert output_prefixes([d("s3://data/monitoring/a/bias")]) == {"data": ["monitoring/a/bias"]}
    # One output inside another: the outer one covers both.
    assert output_prefixes([d("s3://data/m/a"), d("s3://data/m/a/b")]) == {"data": ["m"]}
    assert output_prefixes([d("s3://data/a/x"), d("s3://data/b/y"), d("s3://o/r")]) == {
        "data": ["a", "b"],
        "o": ["r"],
    }
    assert output_prefixes([d("s3://data"), d("s3://data/a")]) == {"data": [""]}


def test_build_policy__s3_writes__configs_and_lock_only_delete_only_the_lock(
    prod: EnvironmentBuild,
) -> None:
    policy = build_policy(prod, PROJECT, "apply")
    (put,) = _statements_with(policy, "s3:PutObject")
    lock = "arn:aws:s3:::acme-biaswatch-prod/biaswatch/prod/biaswatch.lock"
    assert lock in put["Resource"]
    for m in prod.monitors:
        key = m.desired.analysis_config_s3_uri.removeprefix("s3://")
        assert any(
            fnmatch.fnmatchcase(key, r.removeprefix("arn:aws:s3:::")) for r in put["Resource"]
        )
    (delete,) = _statements_with(policy, "s3:DeleteObject")
    assert delete["Resource"] == [lock]


def test_build_policy__drift__lists_output_prefixes_with_a_prefix_condition(
    prod: EnvironmentBuild,
) -> None:
    policy = build_policy(prod, PROJECT, "drift")
    listing = _statements_with(policy, "s3:ListBucket")
    assert listing
    for s in listing:
        assert s["Resource"][0].startswith("arn:aws:s3:::") and "/" not in s["Resource"][0]
        assert s["Condition"]["StringLike"]["s3:prefix"]
    # plan lists only the environment's folder of config objects (issue 9 §2)
    (plan_listing,) = _statements_with(build_policy(prod, PROJECT, "plan"), "s3:ListBucket")
    assert plan_listing["Resource"] == ["arn:aws:s3:::acme-biaswatch-prod"]
    assert plan_listing["Condition"] == {"StringLike": {"s3:prefix": ["biaswatch/prod/*"]}}
    # loan-approval's prod outputs are KMS-encrypted: drift may decrypt through S3 only.
    (kms,) = _statements_with(policy, "kms:Decrypt")
    assert kms["Condition"] == {"StringEquals": {"kms:ViaService": ["s3.us-east-1.amazonaws.com"]}}


def test_build_policy__allow_destroy__deletes_any_owned_leftover_by_tag(
    prod: EnvironmentBuild,
) -> None:
    plain = _grants(build_policy(prod, PROJECT, "apply"))
    destroy = build_policy(prod, PROJECT, "apply", allow_destroy=True)
    extra = [s for s in destroy["Statement"] if s["Sid"] == "DeleteOwnedLeftoversWhoseFilesAreGone"]
    assert len(extra) == 1
    assert extra[0]["Condition"] == {"StringEquals": {f"aws:ResourceTag/{OWNER_TAG}": [PROJECT]}}
    assert plain < _grants(destroy)


def test_build_policy__artifact_kms_alias__through_resource_aliases(prod: EnvironmentBuild) -> None:
    policy = build_policy(prod, PROJECT, "apply", artifact_kms_key="alias/art")
    (s,) = _statements_with(policy, "kms:GenerateDataKey")
    assert s["Resource"] == ["arn:aws:kms:us-east-1:210987654321:key/*"]
    assert s["Condition"]["ForAnyValue:StringEquals"] == {"kms:ResourceAliases": ["alias/art"]}


def test_build_policy__local_emulator__uses_the_emulator_account() -> None:
    policy = build_policy(_build("local"), PROJECT, "apply")
    arns = [
        r for s in policy["Statement"] for r in s["Resource"] if r.startswith("arn:aws:sagemaker")
    ]
    assert arns and all(f":{EMULATOR_ACCOUNT_ID}:" in a for a in arns)


def test_build_policy__twice__identical_and_sorted(prod: EnvironmentBuild) -> None:
    first = build_policy(prod, PROJECT, "apply")
    assert first == build_policy(_build("prod"), PROJECT, "apply")
    for s in first["Statement"]:
        assert s["Action"] == sorted(s["Action"]) and s["Resource"] == sorted(s["Resource"])


def test_build_policy__unknown_mode__value_error(prod: EnvironmentBuild) -> None:
    with pytest.raises(ValueError):
        build_policy(prod, PROJECT, "admin")


def test_build_policy__prod_apply__fits_a_managed_policy(prod: EnvironmentBuild) -> None:
    assert policy_size(build_policy(prod, PROJECT, "apply", allow_destroy=True)) < 6144


# ---- the operation → action table ----------------------------------------------------


def _called_operations(modules: tuple[str, ...] | None = None) -> dict[str, set[str]]:
    """`"Operation"` literals passed to call/sagemaker_call (2nd argument), per operation.

    Calls are `call(...)`/`sagemaker_call(...)` inside aws/client.py and `aws.call(...)`/
    `aws.sagemaker_call(...)` elsewhere; every module of the package but the emulator.
    """
    paths = (
        [REPO / "compiler" / m for m in modules]
        if modules
        else sorted(
            p
            for p in (REPO / "compiler").rglob("*.py")
            if "emulator" not in p.relative_to(REPO / "compiler").parts
        )
    )
    missing_paths = [str(p) for p in paths if not p.is_file()]
    assert not missing_paths, f"named modules do not exist: {missing_paths}"
    found: dict[str, set[str]] = {}
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or len(node.args) < 2:
                continue
            func = node.func
            if isinstance(func, ast.Name):
                name = func.id
            elif (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id == "aws"
            ):
                name = func.attr
            else:
                continue
            op = node.args[1]
            if (
                name
                in (
                    "call",
                    "sagemaker_call",
                    "cloudwatch_call",
                    "_pages",
                    "pages",
                    "_describe_or_none",
                )
                and isinstance(op, ast.Constant)
                and isinstance(op.value, str)
            ):
                found.setdefault(op.value, set()).add(path.name)
    return found


def test_operation_table__every_operation_the_code_calls__has_an_iam_action() -> None:
    called = _called_operations()
    # The walk finds the calls it must (a guard against the walk itself going blind).
    assert {"CreateMonitoringSchedule", "ListTags", "GetObject", "PutBucketPolicy"} <= set(called)
    missing = {op: sorted(where) for op, where in called.items() if op not in OPERATION_ACTIONS}
    assert not missing, (
        f"add these operations to compiler/desired/iam.py OPERATION_ACTIONS: {missing}"
    )


def test_operation_table__every_monitor_operation__granted_by_apply_or_drift(
    prod: EnvironmentBuild,
) -> None:
    granted = {
        a
        for policy in (
            build_policy(prod, PROJECT, "apply", allow_destroy=True),
            build_policy(prod, PROJECT, "drift"),
        )
        for s in policy["Statement"]
        for a in s["Action"]
    }
    for op in _called_operations(LIFECYCLE):
        if op in NOT_IN_POLICY:
            continue
        assert OPERATION_ACTIONS[op] in granted, op
    # Deleting a schedule happens only for an orphan, which only --allow-destroy deletes.
    plain = {a for s in build_policy(prod, PROJECT, "apply")["Statement"] for a in s["Action"]}
    assert "sagemaker:DeleteMonitoringSchedule" not in plain


def test_operation_table__tag_get_resources__mapped_and_granted(prod: EnvironmentBuild) -> None:
    # tag:GetResources is being added to the reader; the policy grants it already.
    assert OPERATION_ACTIONS["GetResources"] == "tag:GetResources"
    (s,) = _statements_with(build_policy(prod, PROJECT, "plan"), "tag:GetResources")
    assert s["Resource"] == ["*"]
    assert "sts:GetCallerIdentity" not in {
        a for s in build_policy(prod, PROJECT, "apply")["Statement"] for a in s["Action"]
    }


# ---- the command ---------------------------------------------------------------------


def test_iam_policy_cmd__prod_apply__golden(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["iam-policy", "--env", "prod", "--mode", "apply"], capsys)
    assert code == EXIT_OK, err
    assert json.loads(out) == build_policy(_build("prod", in_tmp_project), PROJECT, "apply")
    assert_golden("iam/prod-apply.json", out)


def test_iam_policy_cmd__prod_drift__golden(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["iam-policy", "--env", "prod", "--mode", "drift"], capsys)
    assert code == EXIT_OK, err
    assert json.loads(out) == build_policy(_build("prod", in_tmp_project), PROJECT, "drift")
    assert_golden("iam/prod-drift.json", out)


def test_iam_policy_cmd__default_mode__plan(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["iam-policy", "--env", "prod"], capsys)
    assert code == EXIT_OK, err
    assert json.loads(out) == build_policy(_build("prod", in_tmp_project), PROJECT, "plan")


def test_iam_policy_cmd__unknown_mode__usage_error(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["iam-policy", "--mode", "admin"], capsys)
    assert code == EXIT_USAGE and "admin" in err


def test_iam_policy_cmd__aws_environment_without_account__e504(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # loan-approval's prod override uses ${account_id}, which the resolver checks everywhere.
    (in_tmp_project / "monitors" / "loan-approval.yaml").unlink()
    project_file = in_tmp_project / "biaswatch.yaml"
    # An AWS environment (no emulator, no endpoint_url) that names no account.
    project_file.write_text(
        project_file.read_text()
        + """  staging:
    region: us-east-1
    artifact_bucket: acme-biaswatch-staging
    vars: {data_bucket: acme-ml-staging}
    defaults: {role: "arn:aws:iam::210987654321:role/ModelMonitorRole"}
"""
    )
    code, out, err = run(["iam-policy", "--env", "staging"], capsys)
    assert code == EXIT_ERROR and out == ""
    assert "E505" in err and "account_id" in err


def test_iam_policy_cmd__too_many_execution_roles__w607_and_still_prints(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Monitors no longer grow the policy; distinct execution roles (PassRole) still do.
    template = (in_tmp_project / "monitors" / "credit-risk.yaml").read_text()
    for i in range(120):
        (in_tmp_project / "monitors" / f"extra-{i}.yaml").write_text(
            template.replace("name: credit-risk-bias", f"name: extra-{i}-bias")
            + f"role: arn:aws:iam::210987654321:role/ModelMonitorRoleForTeam{i:03d}\n"
        )
    code, out, err = run(["iam-policy", "--env", "prod", "--mode", "apply"], capsys)
    assert code == EXIT_OK, err
    assert "W607" in err and "execution roles" in err
    assert json.loads(out)["Statement"]


def test_iam_policy_cmd__thousand_monitors__no_w607(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write_fleet(in_tmp_project, 1000)
    for mode in MODES:
        code, out, err = run(["iam-policy", "--env", "prod", "--mode", mode], capsys)
        assert code == EXIT_OK, err
        assert "W607" not in err
        assert policy_size(json.loads(out)) <= MANAGED_POLICY_MAX_CHARS


# ---- constant size ------------------------------------------------------------------


def _write_fleet(root: Path, n: int) -> None:
    """n monitors like credit-risk, each its own name and output prefix (one endpoint)."""
    template = (REPO / "monitors" / "credit-risk.yaml").read_text()
    for i in range(n):
        (root / "monitors" / f"fleet-{i:04d}.yaml").write_text(
            template.replace("name: credit-risk-bias", f"name: fleet-{i:04d}-bias").replace(
                "monitoring/credit-risk/bias", f"monitoring/fleet-{i:04d}/bias"
            )
        )


def _fleet_build(tmp_path: Path, n: int) -> EnvironmentBuild:
    root = tmp_path / f"fleet-{n}"
    (root / "monitors").mkdir(parents=True)
    shutil.copy(REPO / "biaswatch.yaml", root / "biaswatch.yaml")
    _write_fleet(root, n)
    build = _build("prod", root)
    assert len(build.monitors) == n
    return build


def test_build_policy__4_24_and_1000_monitors__same_size_in_every_mode_under_the_limit(
    tmp_path: Path,
) -> None:
    sizes: dict[str, set[int]] = {}
    for n in (4, 24, 1000):
        for name, policy in _policies(_fleet_build(tmp_path, n)).items():
            sizes.setdefault(name, set()).add(policy_size(policy))
    assert set(sizes) == {*MODES, "apply+destroy", "apply+kms"}
    for name, found in sizes.items():
        assert len(found) == 1, (name, found)
        assert found.pop() <= MANAGED_POLICY_MAX_CHARS, name


# The rows of docs/iam.md's size table, by the policy they measure (_policies' keys).
DOC_SIZE_ROWS = {
    "`plan`": "plan",
    "`drift`": "drift",
    "`apply`": "apply",
    "`apply --allow-destroy`": "apply+destroy",
    "`apply` with a KMS-encrypted artifact bucket": "apply+kms",
}


def test_docs_iam__size_table__states_the_sizes_the_code_builds(tmp_path: Path) -> None:
    doc = (REPO / "docs" / "iam.md").read_text()
    stated = {
        DOC_SIZE_ROWS[m.group(1)]: int(m.group(2).replace(",", ""))
        for m in re.finditer(r"(?m)^\| (.+?) \| ([\d,]+) \|$", doc)
        if m.group(1) in DOC_SIZE_ROWS
    }
    assert set(stated) == set(DOC_SIZE_ROWS.values())
    built = {name: policy_size(p) for name, p in _policies(_fleet_build(tmp_path, 4)).items()}
    assert stated == {name: built[name] for name in stated}, "update the table in docs/iam.md"


def test_policy_size__whitespace_and_non_ascii__counted_as_iam_does() -> None:
    policy = {"Statement": [{"Sid": "A B", "Resource": ["é"]}]}
    # {"Statement":[{"Sid":"AB","Resource":["é"]}]}
    assert policy_size(policy) == len('{"Statement":[{"Sid":"AB","Resource":["é"]}]}')


def test_iam_module__imported_alone__loads_neither_boto3_nor_the_aws_adapter() -> None:
    code = (
        "import sys, compiler.desired.iam; "
        "bad = [m for m in ('boto3', 'compiler.aws.client', 'compiler.aws.lock') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("us-east-1", "aws"),
        ("cn-north-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("us-isof-east-1", "aws-iso-f"),
        ("us-isob-east-1", "aws-iso-b"),
    ],
)
def test_partition__region__botocores_partition(region: str, expected: str) -> None:
    assert partition(region) == expected


def test_clarify_image__every_region_with_an_image__dns_suffix_of_its_partition() -> None:
    from compiler.desired import facts
    from compiler.desired.servicemodel import partition_of

    for region in facts.CLARIFY_IMAGE_ACCOUNTS:
        uri = facts.clarify_image_uri(region) or ""
        assert uri.split("/")[0].endswith("." + partition_of(region).dns_suffix), uri
    assert (facts.clarify_image_uri("us-isof-east-1") or "").startswith(
        "579539705040.dkr.ecr.us-isof-east-1.csp.hci.ic.gov/"
    )
