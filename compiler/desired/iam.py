"""The least-privilege IAM policy for one environment's monitors, built from what git compiles to.

Pure: a function of the compiled build, no AWS call. Facts it relies on come from the
Service Authorization Reference for Amazon SageMaker, Amazon S3 and the Resource Groups
Tagging API (https://docs.aws.amazon.com/service-authorization/latest/reference/).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from compiler.desired.artifacts import lock_uri
from compiler.desired.compile import JOB_DEFINITION_HASH_LENGTH
from compiler.desired.pipeline import EMULATOR_ACCOUNT_ID, EnvironmentBuild
from compiler.desired.resources import OWNER_TAG, Desired

MODES = ("plan", "drift", "apply")
POLICY_VERSION = "2012-10-17"
# IAM's limit on a customer managed policy, counted without whitespace.
MANAGED_POLICY_MAX_CHARS = 6144

# Every AWS operation biaswatch calls → the IAM action that authorizes it. None: the call
# needs no permission (sts:GetCallerIdentity works even under an explicit deny).
# tests/test_iam.py walks the adapters and fails on an operation missing here.
OPERATION_ACTIONS: Mapping[str, str | None] = {
    # identity
    "GetCallerIdentity": None,
    # SageMaker reads
    "ListMonitoringSchedules": "sagemaker:ListMonitoringSchedules",
    "ListModelBiasJobDefinitions": "sagemaker:ListModelBiasJobDefinitions",
    "DescribeMonitoringSchedule": "sagemaker:DescribeMonitoringSchedule",
    "DescribeModelBiasJobDefinition": "sagemaker:DescribeModelBiasJobDefinition",
    "ListTags": "sagemaker:ListTags",
    "DescribeEndpoint": "sagemaker:DescribeEndpoint",
    "DescribeEndpointConfig": "sagemaker:DescribeEndpointConfig",
    "GetResources": "tag:GetResources",
    # SageMaker writes
    "CreateModelBiasJobDefinition": "sagemaker:CreateModelBiasJobDefinition",
    "CreateMonitoringSchedule": "sagemaker:CreateMonitoringSchedule",
    "UpdateMonitoringSchedule": "sagemaker:UpdateMonitoringSchedule",
    "DeleteMonitoringSchedule": "sagemaker:DeleteMonitoringSchedule",
    "DeleteModelBiasJobDefinition": "sagemaker:DeleteModelBiasJobDefinition",
    "StartMonitoringSchedule": "sagemaker:StartMonitoringSchedule",
    "StopMonitoringSchedule": "sagemaker:StopMonitoringSchedule",
    "AddTags": "sagemaker:AddTags",
    "DeleteTags": "sagemaker:DeleteTags",
    # S3 objects: analysis configs, the lock, violation reports
    "GetObject": "s3:GetObject",
    "PutObject": "s3:PutObject",
    "DeleteObject": "s3:DeleteObject",
    "ListObjectsV2": "s3:ListBucket",
    "HeadBucket": "s3:ListBucket",
    # S3 buckets: emulator seeding and `biaswatch bootstrap` (an administrator's job)
    "CreateBucket": "s3:CreateBucket",
    "GetBucketEncryption": "s3:GetEncryptionConfiguration",
    "PutBucketEncryption": "s3:PutEncryptionConfiguration",
    "GetBucketVersioning": "s3:GetBucketVersioning",
    "PutBucketVersioning": "s3:PutBucketVersioning",
    "GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "PutPublicAccessBlock": "s3:PutBucketPublicAccessBlock",
    "GetBucketPolicy": "s3:GetBucketPolicy",
    "PutBucketPolicy": "s3:PutBucketPolicy",
}

# Operations whose action the monitor policies leave out on purpose, and why.
NOT_IN_POLICY: Mapping[str, str] = {
    "GetCallerIdentity": "needs no permission",
    "CreateBucket": "emulator seeding and bootstrap only",
    "HeadBucket": "emulator seeding and bootstrap only",
    "GetBucketEncryption": "bootstrap only",
    "PutBucketEncryption": "bootstrap only",
    "GetBucketVersioning": "bootstrap only",
    "PutBucketVersioning": "bootstrap only",
    "GetPublicAccessBlock": "bootstrap only",
    "PutPublicAccessBlock": "bootstrap only",
    "GetBucketPolicy": "bootstrap only",
    "PutBucketPolicy": "bootstrap only",
}

CREATE_ACTIONS = ("CreateModelBiasJobDefinition", "CreateMonitoringSchedule")
# Statements whose Resource is "*" because the action supports no resource-level permission.
STAR_SIDS = ("SageMakerListActionsSupportNoResourceLevelPermissions", "TagGetResourcesNeedsStar")


def partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def policy_account(build: EnvironmentBuild) -> str | None:
    """The account ARNs name: the environment's, the emulator's for an emulated one, else None."""
    if build.target.account_id:
        return build.target.account_id
    if build.environment.emulator is not None or build.environment.endpoint_url:
        return EMULATOR_ACCOUNT_ID
    return None


def _names_in_arn(name: str) -> list[str]:
    # SageMaker has been seen to lower-case names in ARNs (and IAM matches ARNs case-sensitively):
    # a name with capitals gets both spellings.
    return sorted({name, name.lower()})


def _statement(
    sid: str,
    actions: Iterable[str],
    resources: Iterable[str],
    condition: Mapping[str, Mapping[str, Iterable[str]]] | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Sid": sid,
        "Effect": "Allow",
        "Action": sorted(set(actions)),
        "Resource": sorted(set(resources)),
    }
    if condition:
        out["Condition"] = {
            op: {key: sorted(set(values)) for key, values in sorted(keys.items())}
            for op, keys in sorted(condition.items())
        }
    return out


def _s3_parts(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.split("://", 1)[1].partition("/")
    return bucket, key.strip("/")


def _output_uris(d: Desired) -> list[str]:
    outputs = d.create_job_definition.get("ModelBiasJobOutputConfig", {}).get(
        "MonitoringOutputs", []
    )
    return [o["S3Output"]["S3Uri"] for o in outputs if "S3Output" in o]


def _alnum(text: str) -> str:
    return "".join(ch for ch in text.title() if ch.isalnum())


class _Arns:
    def __init__(self, build: EnvironmentBuild, account: str) -> None:
        self.p = partition(build.target.region)
        self.region = build.target.region
        self.sm = f"arn:{self.p}:sagemaker:{self.region}:{account}"
        self.kms = f"arn:{self.p}:kms:{self.region}:{account}"

    def s3(self, bucket: str, key: str = "") -> str:
        return f"arn:{self.p}:s3:::{bucket}" + (f"/{key}" if key else "")

    def schedules(self, desired: Iterable[Desired]) -> list[str]:
        return [
            f"{self.sm}:monitoring-schedule/{n}" for d in desired for n in _names_in_arn(d.name)
        ]

    def definitions(self, desired: Iterable[Desired]) -> list[str]:
        # Definition names are `<monitor name, cut>-<10 hex>`: `?` matches exactly the hash.
        out = []
        for d in desired:
            head = d.job_definition_name[: -(JOB_DEFINITION_HASH_LENGTH + 1)]
            for n in _names_in_arn(head):
                out.append(
                    f"{self.sm}:model-bias-job-definition/{n}-{'?' * JOB_DEFINITION_HASH_LENGTH}"
                )
        return out


def _kms_statements(
    sid: str, arns: _Arns, keys: Iterable[str], actions: list[str]
) -> list[dict[str, Any]]:
    """KMS use through S3 only: key ARNs as resources; aliases through kms:ResourceAliases."""
    resources: set[str] = set()
    aliases: set[str] = set()
    for key in keys:
        if ":alias/" in key:
            aliases.add("alias/" + key.split(":alias/", 1)[1])
        elif key.startswith("alias/"):
            aliases.add(key)
        elif key.startswith("arn:"):
            resources.add(key)
        else:
            resources.add(f"{arns.kms}:key/{key}")
    via = {"StringEquals": {"kms:ViaService": [f"s3.{arns.region}.amazonaws.com"]}}
    out = []
    if resources:
        out.append(_statement(sid, actions, resources, via))
    if aliases:
        out.append(
            _statement(
                f"{sid}ByAlias",
                actions,
                [f"{arns.kms}:key/*"],
                {**via, "ForAnyValue:StringEquals": {"kms:ResourceAliases": aliases}},
            )
        )
    return out


def _read_statements(
    build: EnvironmentBuild, arns: _Arns, desired: list[Desired], artifact_kms_key: str | None
) -> list[dict[str, Any]]:
    env = build.environment
    env_prefix = lock_uri(env.artifact_bucket, env.artifact_prefix, build.name).rsplit("/", 1)[0]
    bucket, env_key = _s3_parts(env_prefix)
    endpoints = sorted({d.endpoint_name for d in desired if d.endpoint_name})
    statements = [
        _statement(
            STAR_SIDS[0],
            ["sagemaker:ListModelBiasJobDefinitions", "sagemaker:ListMonitoringSchedules"],
            ["*"],
        ),
        _statement(STAR_SIDS[1], ["tag:GetResources"], ["*"]),
        # Plan describes every bias schedule in the account and region (and lists the tags of
        # unreferenced definitions) to find orphans and owners; a name-scoped Describe would
        # fail the plan on the first schedule of another project.
        _statement(
            "ReadBiasSchedulesAndDefinitionsInThisRegion",
            [
                "sagemaker:DescribeModelBiasJobDefinition",
                "sagemaker:DescribeMonitoringSchedule",
                "sagemaker:ListTags",
            ],
            [f"{arns.sm}:monitoring-schedule/*", f"{arns.sm}:model-bias-job-definition/*"],
        ),
        _statement(
            "ReadAnalysisConfigsAndTheLock",
            ["s3:GetObject"],
            [arns.s3(bucket, f"{env_key}/*" if env_key else "*")],
        ),
    ]
    if endpoints:
        statements.append(
            _statement(
                "ReadTheEndpointsTheMonitorsWatch",
                ["sagemaker:DescribeEndpoint"],
                [f"{arns.sm}:endpoint/{n}" for e in endpoints for n in _names_in_arn(e)],
            )
        )
        # The endpoint config's name is known only from the live endpoint.
        statements.append(
            _statement(
                "ReadEndpointConfigsForCaptureModes",
                ["sagemaker:DescribeEndpointConfig"],
                [f"{arns.sm}:endpoint-config/*"],
            )
        )
    if artifact_kms_key:
        statements += _kms_statements(
            "DecryptArtifactsWithTheBucketKey", arns, [artifact_kms_key], ["kms:Decrypt"]
        )
    return statements


def _drift_statements(arns: _Arns, desired: list[Desired]) -> list[dict[str, Any]]:
    """Drift reads the newest constraint_violations.json under each monitor's output prefix."""
    prefixes: dict[str, set[str]] = {}
    for d in desired:
        for uri in _output_uris(d):
            bucket, key = _s3_parts(uri)
            prefixes.setdefault(bucket, set()).add(key)
    statements = []
    for bucket, keys in sorted(prefixes.items()):
        statements.append(
            _statement(
                f"ListViolationReportsIn{_alnum(bucket)}",
                ["s3:ListBucket"],
                [arns.s3(bucket)],
                {"StringLike": {"s3:prefix": [f"{k}/*" if k else "*" for k in keys]}},
            )
        )
    objects = [
        arns.s3(bucket, f"{k}/*constraint_violations.json" if k else "*constraint_violations.json")
        for bucket, keys in prefixes.items()
        for k in keys
    ]
    if objects:
        statements.append(_statement("ReadViolationReports", ["s3:GetObject"], objects))
    output_keys = {
        str(d.create_job_definition["ModelBiasJobOutputConfig"]["KmsKeyId"])
        for d in desired
        if d.create_job_definition.get("ModelBiasJobOutputConfig", {}).get("KmsKeyId")
    }
    statements += _kms_statements(
        "DecryptViolationReportsWithTheOutputKeys", arns, sorted(output_keys), ["kms:Decrypt"]
    )
    return statements


def _apply_statements(
    build: EnvironmentBuild,
    project: str,
    arns: _Arns,
    desired: list[Desired],
    *,
    allow_destroy: bool,
    artifact_kms_key: str | None,
) -> list[dict[str, Any]]:
    env = build.environment
    lock = lock_uri(env.artifact_bucket, env.artifact_prefix, build.name)
    lock_bucket, lock_key = _s3_parts(lock)
    lock_arn = arns.s3(lock_bucket, lock_key)
    owned = {"StringEquals": {f"aws:ResourceTag/{OWNER_TAG}": [project]}}
    schedules = arns.schedules(desired)
    definitions = arns.definitions(desired)
    both = schedules + definitions
    statements: list[dict[str, Any]] = []
    if desired:
        tag_keys = sorted({k for d in desired for k in dict(d.tags)})
        roles = sorted({str(d.create_job_definition["RoleArn"]) for d in desired})
        configs = []
        for d in desired:
            bucket, key = _s3_parts(d.analysis_config_s3_uri)
            configs.append(arns.s3(bucket, key.rsplit("/", 1)[0] + "/analysis_config-*.json"))
        statements += [
            _statement(
                "CreateOnlyMonitorsInGitWithTheProjectTag",
                [f"sagemaker:{a}" for a in CREATE_ACTIONS],
                both,
                {"StringEquals": {f"aws:RequestTag/{OWNER_TAG}": [project]}},
            ),
            # Creating with Tags is authorized as AddTags too; this allows it only then.
            _statement(
                "TagOnlyWhileCreating",
                ["sagemaker:AddTags"],
                both,
                {"StringEquals": {"sagemaker:TaggingAction": CREATE_ACTIONS}},
            ),
            # One statement for changes and untagging (an IAM policy is capped at 6,144
            # characters): Update/Delete/Start/Stop requests carry no aws:TagKeys, and
            # ForAllValues over an absent key is true, so the key condition binds DeleteTags
            # alone. Untagging removes tags dropped from git (unknown here), never the owner tag.
            _statement(
                "ChangeAndUntagOnlyOwnedMonitorsInGit",
                [
                    "sagemaker:DeleteModelBiasJobDefinition",
                    "sagemaker:DeleteMonitoringSchedule",
                    "sagemaker:DeleteTags",
                    "sagemaker:StartMonitoringSchedule",
                    "sagemaker:StopMonitoringSchedule",
                    "sagemaker:UpdateMonitoringSchedule",
                ],
                both,
                {**owned, "ForAllValues:StringNotEquals": {"aws:TagKeys": [OWNER_TAG]}},
            ),
            _statement(
                "RetagOwnedMonitorsWithTheirKeys",
                ["sagemaker:AddTags"],
                both,
                {
                    **owned,
                    "ForAllValues:StringEquals": {"aws:TagKeys": tag_keys},
                    "StringEqualsIfExists": {f"aws:RequestTag/{OWNER_TAG}": [project]},
                },
            ),
            _statement(
                "PassOnlyTheMonitorsRolesToSageMaker",
                ["iam:PassRole"],
                roles,
                {"StringEquals": {"iam:PassedToService": ["sagemaker.amazonaws.com"]}},
            ),
        ]
        statements.append(
            _statement("WriteAnalysisConfigsAndTheLock", ["s3:PutObject"], [*configs, lock_arn])
        )
    else:
        statements.append(_statement("WriteTheLock", ["s3:PutObject"], [lock_arn]))
    statements.append(_statement("ReleaseTheLock", ["s3:DeleteObject"], [lock_arn]))
    if artifact_kms_key:
        statements += _kms_statements(
            "EncryptArtifactsWithTheBucketKey", arns, [artifact_kms_key], ["kms:GenerateDataKey"]
        )
    if allow_destroy:
        # Orphans (files removed from git) and unused definitions have names git no longer
        # knows; the ownership tag is what limits these deletes.
        statements.append(
            _statement(
                "DeleteOwnedLeftoversWhoseFilesAreGone",
                ["sagemaker:DeleteModelBiasJobDefinition", "sagemaker:DeleteMonitoringSchedule"],
                [f"{arns.sm}:monitoring-schedule/*", f"{arns.sm}:model-bias-job-definition/*"],
                owned,
            )
        )
    return statements


def build_policy(
    build: EnvironmentBuild,
    project: str,
    mode: str,
    *,
    allow_destroy: bool = False,
    artifact_kms_key: str | None = None,
) -> dict[str, Any]:
    """The identity policy `mode` (plan, drift or apply) needs for this environment's monitors.

    drift ⊇ plan and apply ⊇ plan; a read-only CI role for plan and drift takes the drift one.
    allow_destroy adds deletes of owned schedules and definitions whose files are gone;
    artifact_kms_key is the bucket's key when `bootstrap --kms-key` made it SSE-KMS.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    account = policy_account(build)
    if account is None:
        raise ValueError(f"environment {build.name!r} names no account_id")
    arns = _Arns(build, account)
    desired = sorted((m.desired for m in build.monitors), key=lambda d: d.name)
    statements = _read_statements(build, arns, desired, artifact_kms_key)
    if mode == "drift":
        statements += _drift_statements(arns, desired)
    if mode == "apply":
        statements += _apply_statements(
            build,
            project,
            arns,
            desired,
            allow_destroy=allow_destroy,
            artifact_kms_key=artifact_kms_key,
        )
    return {"Version": POLICY_VERSION, "Statement": statements}


def policy_size(policy: Mapping[str, Any]) -> int:
    """Characters IAM counts against its size limits (JSON without whitespace)."""
    return len(json.dumps(policy, separators=(",", ":")))
