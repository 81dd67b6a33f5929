"""The least-privilege IAM policy for one environment's monitors, built from what git compiles to.

Pure: a function of the compiled build, no AWS call. Facts it relies on come from the
Service Authorization Reference for Amazon SageMaker, Amazon S3 and the Resource Groups
Tagging API (https://docs.aws.amazon.com/service-authorization/latest/reference/);
docs/iam.md lists, per action, which ARN pattern or condition key scopes it.

Constant size in the number of monitors: no statement names a monitor. Writes are scoped by
the ownership tag (aws:RequestTag on create, aws:ResourceTag after), by the monitors' common
name prefix when they share one, and by the environment's artifact prefix. What still grows
is configuration, not fleet size: distinct execution roles, output buckets/prefixes, KMS keys
and tag keys.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from compiler.desired.alarms import alarm_prefix
from compiler.desired.artifacts import lock_uri
from compiler.desired.pipeline import EMULATOR_ACCOUNT_ID, EnvironmentBuild
from compiler.desired.resources import OWNER_TAG, Desired
from compiler.desired.servicemodel import partition_of

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
    # Mapped but not granted until the code calls them (the table test then asks for a grant).
    "ListEndpoints": "sagemaker:ListEndpoints",
    "ListMonitoringExecutions": "sagemaker:ListMonitoringExecutions",
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
    # CloudWatch alarms (compiler/aws/alarms.py)
    "DescribeAlarms": "cloudwatch:DescribeAlarms",
    "ListTagsForResource": "cloudwatch:ListTagsForResource",
    "PutMetricAlarm": "cloudwatch:PutMetricAlarm",
    "DeleteAlarms": "cloudwatch:DeleteAlarms",
    "TagResource": "cloudwatch:TagResource",
    "UntagResource": "cloudwatch:UntagResource",
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
    "DeleteBucketPolicy": "s3:DeleteBucketPolicy",
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
    "DeleteBucketPolicy": "bootstrap only",
}

CREATE_ACTIONS = ("CreateModelBiasJobDefinition", "CreateMonitoringSchedule")
# Statements whose Resource is "*" because the action supports no resource-level permission.
STAR_SIDS = (
    "SageMakerListActionsSupportNoResourceLevelPermissions",
    "TagGetResourcesNeedsStar",
    "CloudWatchDescribeAlarmsScopedByResourceUnconfirmed",
)
# The List actions of STAR_SIDS[0] (List actions have no resource type in SageMaker).
STAR_LIST_ACTIONS = (
    "sagemaker:ListEndpoints",
    "sagemaker:ListModelBiasJobDefinitions",
    "sagemaker:ListMonitoringSchedules",
)
# A shared name prefix ends at one of these (`fraud-` of fraud-eu-bias and fraud-us-bias).
_NAME_SEPARATORS = "-_."


def partition(region: str) -> str:
    return partition_of(region).name


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
        self.cw = f"arn:{self.p}:cloudwatch:{self.region}:{account}"
        self.project = build.target.project

    def s3(self, bucket: str, key: str = "") -> str:
        return f"arn:{self.p}:s3:::{bucket}" + (f"/{key}" if key else "")

    def alarms(self) -> list[str]:
        """Every alarm this project may own: the name prefix biaswatch/<project>/."""
        return [f"{self.cw}:alarm:{alarm_prefix(self.project)}*"]

    def schedules(self, name_prefixes: Iterable[str]) -> list[str]:
        return [f"{self.sm}:monitoring-schedule/{p}*" for p in name_prefixes]

    def definitions(self, name_prefixes: Iterable[str]) -> list[str]:
        return [f"{self.sm}:model-bias-job-definition/{p}*" for p in name_prefixes]


def name_prefix(desired: Iterable[Desired]) -> str:
    """The name prefix every schedule and definition name shares, cut after a separator; or "".

    `fleet-0001-bias`, `fleet-0002-bias` → `fleet-`. A fleet without one gets "" (any name,
    the ownership tag alone scoping writes).
    """
    names = [n for d in desired for n in (d.name, d.job_definition_name)]
    if not names:
        return ""
    first, last = min(names), max(names)  # the prefix all names share is these two's
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    common = first[:size]
    cut = max(common.rfind(sep) for sep in _NAME_SEPARATORS)
    return common[: cut + 1] if cut >= 0 else ""


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
    statements = [
        _statement(STAR_SIDS[0], STAR_LIST_ACTIONS, ["*"]),
        _statement(STAR_SIDS[1], ["tag:GetResources"], ["*"]),
        # Plan reads the project's alarms by name prefix (even with none in git: an alarm
        # removed from a file is found this way). Whether DescribeAlarms can be scoped to
        # alarm ARNs is UNCONFIRMED (docs/iam.md), so "*"; it is read-only.
        _statement(STAR_SIDS[2], ["cloudwatch:DescribeAlarms"], ["*"]),
        _statement(
            "ReadTagsOfTheProjectsAlarms", ["cloudwatch:ListTagsForResource"], arns.alarms()
        ),
        # Plan describes every bias schedule in the account and region (and lists the tags of
        # unreferenced definitions) to find orphans and owners; a name- or tag-scoped Describe
        # would fail the plan on the first schedule of another project.
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
        # One listing of the environment's folder shows altered config objects by ETag.
        _statement(
            "ListAnalysisConfigs",
            ["s3:ListBucket"],
            [arns.s3(bucket)],
            {"StringLike": {"s3:prefix": [f"{env_key}/*" if env_key else "*"]}},
        ),
    ]
    if any(d.endpoint_name for d in desired):
        # Endpoints are not biaswatch's (no ownership tag, any name); the config's name is
        # known only from the live endpoint. Read-only, in this account and region.
        statements.append(
            _statement(
                "ReadEndpointsAndTheirConfigsForCaptureChecks",
                ["sagemaker:DescribeEndpoint", "sagemaker:DescribeEndpointConfig"],
                [f"{arns.sm}:endpoint/*", f"{arns.sm}:endpoint-config/*"],
            )
        )
    if artifact_kms_key:
        statements += _kms_statements(
            "DecryptArtifactsWithTheBucketKey", arns, [artifact_kms_key], ["kms:Decrypt"]
        )
    return statements


def output_prefixes(desired: Iterable[Desired]) -> dict[str, list[str]]:
    """Per output bucket, the key prefixes (no trailing slash) that hold every monitor's reports.

    The longest path shared by all of a bucket's outputs, so 1,000 monitors under
    `monitoring/<name>/bias` give one prefix, `monitoring`. Outputs that share no first
    segment give one prefix per distinct first segment; "" means the whole bucket (an
    output at the bucket's root).
    """
    keys: dict[str, set[str]] = {}
    for d in desired:
        for uri in _output_uris(d):
            bucket, key = _s3_parts(uri)
            keys.setdefault(bucket, set()).add(key)
    out: dict[str, list[str]] = {}
    for bucket, found in sorted(keys.items()):
        if "" in found:
            out[bucket] = [""]
            continue
        parts = [k.split("/") for k in found]
        common: list[str] = []
        for segments in zip(*parts, strict=False):
            if len(set(segments)) != 1:
                break
            common.append(segments[0])
        if len(common) == min(len(p) for p in parts) and len(found) > 1:
            common = common[:-1] or common  # one output inside another: keep the outer one
        if common:
            out[bucket] = ["/".join(common)]
        else:
            out[bucket] = sorted({p[0] for p in parts})
    return out


def _drift_statements(arns: _Arns, desired: list[Desired]) -> list[dict[str, Any]]:
    """Drift reads the newest constraint_violations.json under each monitor's output prefix."""
    prefixes = output_prefixes(desired)
    statements = []
    for bucket, keys in prefixes.items():
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
    prefix = name_prefix(desired)
    # SageMaker has been seen to lower-case names in ARNs (and IAM matches ARNs
    # case-sensitively): a prefix with capitals gets both spellings.
    spellings = _names_in_arn(prefix)
    both = arns.schedules(spellings) + arns.definitions(spellings)
    statements: list[dict[str, Any]] = []
    if desired:
        # Apply also records the ETag of each object it uploads on the definition.
        tag_keys = sorted(
            {k for d in desired for k in dict(d.tags)}
            | {tag for d in desired for _, _, tag in d.artifacts()}
        )
        roles = sorted({str(d.create_job_definition["RoleArn"]) for d in desired})
        # Configs live at <artifact prefix>/<environment>/<monitor>/analysis_config-<hash>.json
        # (and baseline files from git at …/constraints-<hash>.json).
        # S3 keys keep the name's case: only the prefix as written.
        env_bucket, env_key = _s3_parts(lock.rsplit("/", 1)[0])
        configs = [arns.s3(env_bucket, f"{env_key}/{prefix}*/analysis_config-*.json")]
        if any(d.baseline_s3_uri for d in desired):  # baseline files from git, beside them
            configs.append(arns.s3(env_bucket, f"{env_key}/{prefix}*/constraints-*.json"))
        statements += [
            _statement(
                "CreateMonitorsOnlyWithTheProjectTag",
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
            # One statement for changes and untagging: Update/Delete/Start/Stop requests carry
            # no aws:TagKeys, and ForAllValues over an absent key is true, so the key condition
            # binds DeleteTags alone. Untagging removes tags dropped from git (unknown here),
            # never the owner tag. Deleting a definition is a swap's last step; deleting a
            # schedule only --allow-destroy grants.
            _statement(
                "ChangeAndUntagOnlyOwnedMonitors",
                [
                    "sagemaker:DeleteModelBiasJobDefinition",
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
    statements += _alarm_statements(project, arns, desired)
    statements.append(_statement("ReleaseTheLock", ["s3:DeleteObject"], [lock_arn]))
    if artifact_kms_key:
        statements += _kms_statements(
            "EncryptArtifactsWithTheBucketKey", arns, [artifact_kms_key], ["kms:GenerateDataKey"]
        )
    if allow_destroy:
        # Orphans (files removed from git) may have any name, outside the prefix; the
        # ownership tag is what limits these deletes.
        statements.append(
            _statement(
                "DeleteOwnedLeftoversWhoseFilesAreGone",
                ["sagemaker:DeleteModelBiasJobDefinition", "sagemaker:DeleteMonitoringSchedule"],
                [f"{arns.sm}:monitoring-schedule/*", f"{arns.sm}:model-bias-job-definition/*"],
                owned,
            )
        )
    return statements


def _alarm_statements(project: str, arns: _Arns, desired: list[Desired]) -> list[dict[str, Any]]:
    """CloudWatch writes, only on alarm names under biaswatch/<project>/.

    Every PutMetricAlarm must carry the project tag (aws:RequestTag, documented for
    PutMetricAlarm; biaswatch always sends its Tags), and alarm actions are limited to the ARNs the monitor files name
    (cloudwatch:AlarmActions). PutMetricAlarm also updates an existing alarm, where tags
    in the request are ignored and absent: that upsert is granted on the prefix, and apply
    re-reads the owner tag before each change. Whether DeleteAlarms and UntagResource
    honour aws:ResourceTag is UNCONFIRMED, so deletes are scoped by the name prefix alone
    (apply checks ownership first). Untagging never removes the owner tag.
    """
    alarms = [a for d in desired for a in d.alarms]
    out = [
        _statement("DeleteAlarmsRemovedFromGit", ["cloudwatch:DeleteAlarms"], arns.alarms()),
        _statement(
            "UntagOwnedAlarmsNeverTheOwnerTag",
            ["cloudwatch:UntagResource"],
            arns.alarms(),
            {"ForAllValues:StringNotEquals": {"aws:TagKeys": [OWNER_TAG]}},
        ),
    ]
    if not alarms:
        return out
    actions = sorted(
        {str(x) for a in alarms for key in ("AlarmActions", "OKActions") for x in a.request[key]}
    )
    tag_keys = sorted({t["Key"] for a in alarms for t in a.request["Tags"]})
    return [
        _statement(
            "PutAlarmsOnlyWithTheirActions",
            ["cloudwatch:PutMetricAlarm"],
            arns.alarms(),
            {
                "ForAllValues:StringEquals": {"cloudwatch:AlarmActions": actions},
                # Every compiled request carries the owner tag (ignored by an update).
                "StringEquals": {f"aws:RequestTag/{OWNER_TAG}": [project]},
            },
        ),
        _statement(
            "TagAlarmsOnlyWithTheMonitorsKeys",
            ["cloudwatch:TagResource"],
            arns.alarms(),
            {
                "ForAllValues:StringEquals": {"aws:TagKeys": tag_keys},
                "StringEqualsIfExists": {f"aws:RequestTag/{OWNER_TAG}": [project]},
            },
        ),
        *out,
    ]


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
    """Characters IAM counts against its size limits: the JSON without any whitespace.

    IAM does not count whitespace; a non-ASCII character counts as one (not as its escape).
    """
    return len(re.sub(r"\s", "", json.dumps(policy, separators=(",", ":"), ensure_ascii=False)))
