"""MonitorSpec + environment → the exact SageMaker requests (pure and deterministic)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from compiler import facts
from compiler.resources import DELETION_PROTECTION_TAG, OWNER_TAG, SOURCE_TAG, Desired, Target
from compiler.spec import AnalysisConfig, BatchTransformInput, EndpointInput, MonitorSpec

JOB_DEFINITION_HASH_LENGTH = 10
NAME_MAX = 63


def canonical_json(value: Any) -> str:
    """One byte sequence per value: hashes and S3 bodies never depend on dict order."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(text: str | bytes) -> str:
    data = text.encode() if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


def compile_analysis_config(config: AnalysisConfig) -> dict[str, Any]:
    """Clarify's monitoring analysis_config.json: only the keys that are set."""
    out: dict[str, Any] = {}
    if config.version is not None:
        out["version"] = config.version
    if config.headers is not None:
        out["headers"] = list(config.headers)
    if config.label is not None:
        out["label"] = config.label
    if config.label_values_or_threshold is not None:
        lv = config.label_values_or_threshold
        out["label_values_or_threshold"] = list(lv) if isinstance(lv, list) else lv
    facets = []
    for facet in config.facet:
        entry: dict[str, Any] = {"name_or_index": facet.name_or_index}
        if facet.value_or_threshold is not None:
            entry["value_or_threshold"] = list(facet.value_or_threshold)
        facets.append(entry)
    out["facet"] = facets
    if config.group_variable is not None:
        out["group_variable"] = config.group_variable
    return out


def analysis_config_key(target: Target, name: str, digest: str) -> str:
    prefix = target.artifact_prefix.strip("/")
    parts = [p for p in (prefix, target.environment, name) if p]
    return "/".join([*parts, f"analysis_config-{digest[:16]}.json"])


def default_output_s3_uri(target: Target, name: str) -> str:
    prefix = target.artifact_prefix.strip("/")
    parts = [p for p in (prefix, target.environment, name, "results") if p]
    return f"s3://{target.artifact_bucket}/" + "/".join(parts)


def build_tags(spec: MonitorSpec, target: Target, source_path: str) -> tuple[tuple[str, str], ...]:
    tags = dict(spec.tags)
    tags[OWNER_TAG] = target.project
    tags[SOURCE_TAG] = source_path
    if spec.deletion_protection:
        # Recorded on the resources so a schedule whose file is gone is still protected.
        tags[DELETION_PROTECTION_TAG] = "true"
    return tuple(sorted(tags.items()))


def job_definition_name(name: str, request_without_name: dict[str, Any]) -> str:
    """`<monitor name, cut>-<hash of the request>`: equal requests share a name, any change
    to what the job does gives a new one (definitions are immutable)."""
    digest = sha256_hex(canonical_json(request_without_name))[:JOB_DEFINITION_HASH_LENGTH]
    head = name[: NAME_MAX - JOB_DEFINITION_HASH_LENGTH - 1].rstrip("-")
    return f"{head}-{digest}"


def _input_attributes(inp: EndpointInput | BatchTransformInput) -> dict[str, Any]:
    out: dict[str, Any] = {
        "LocalPath": inp.destination,
        "S3InputMode": inp.s3_input_mode,
        "S3DataDistributionType": inp.s3_data_distribution_type,
    }
    optional = {
        "StartTimeOffset": inp.start_time_offset,
        "EndTimeOffset": inp.end_time_offset,
        "FeaturesAttribute": inp.features_attribute,
        "InferenceAttribute": inp.inference_attribute,
        "ProbabilityAttribute": inp.probability_attribute,
        "ProbabilityThresholdAttribute": inp.probability_threshold_attribute,
        "ExcludeFeaturesAttribute": inp.exclude_features_attribute,
    }
    out.update({k: v for k, v in optional.items() if v is not None})
    return out


def _job_input(spec: MonitorSpec) -> dict[str, Any]:
    job_input: dict[str, Any] = {}
    if spec.endpoint_input is not None:
        job_input["EndpointInput"] = {
            "EndpointName": spec.endpoint_input.endpoint_name,
            **_input_attributes(spec.endpoint_input),
        }
    if spec.batch_transform_input is not None:
        bti = spec.batch_transform_input
        fmt = bti.dataset_format
        dataset: dict[str, Any]
        if fmt.csv is not None:
            dataset = {"Csv": {"Header": fmt.csv.header}}
        elif fmt.json_ is not None:
            dataset = {"Json": {"Line": fmt.json_.line}}
        else:
            dataset = {"Parquet": {}}
        job_input["BatchTransformInput"] = {
            "DataCapturedDestinationS3Uri": bti.data_captured_destination_s3_uri,
            "DatasetFormat": dataset,
            **_input_attributes(bti),
        }
    job_input["GroundTruthS3Input"] = {"S3Uri": spec.ground_truth_input}
    return job_input


def compile_monitor(spec: MonitorSpec, target: Target, source_path: str) -> Desired:
    """The requests for one monitor. Every service default is sent explicitly so that what
    SageMaker echoes back equals what we sent (a plan after apply is empty)."""
    analysis = compile_analysis_config(spec.analysis_config)
    body = canonical_json(analysis).encode()
    digest = sha256_hex(body)
    config_uri = f"s3://{target.artifact_bucket}/{analysis_config_key(target, spec.name, digest)}"

    environment = dict(spec.env)
    environment[facts.CLOUDWATCH_ENV] = "Enabled" if spec.enable_cloudwatch_metrics else "Disabled"
    app: dict[str, Any] = {
        "ImageUri": facts.clarify_image_uri(target.region) or "",
        "ConfigUri": config_uri,
        "Environment": dict(sorted(environment.items())),
    }
    output: dict[str, Any] = {
        "MonitoringOutputs": [
            {
                "S3Output": {
                    "S3Uri": spec.output_s3_uri or default_output_s3_uri(target, spec.name),
                    "LocalPath": facts.CONTAINER_OUTPUT_PATH,
                    "S3UploadMode": "Continuous",
                }
            }
        ]
    }
    if spec.output_kms_key:
        output["KmsKeyId"] = spec.output_kms_key
    cluster: dict[str, Any] = {
        "InstanceCount": spec.instance_count,
        "InstanceType": spec.instance_type,
        "VolumeSizeInGB": spec.volume_size_in_gb,
    }
    if spec.volume_kms_key:
        cluster["VolumeKmsKeyId"] = spec.volume_kms_key
    net = spec.network_config
    network: dict[str, Any] = {
        "EnableInterContainerTrafficEncryption": bool(net and net.encrypt_inter_container_traffic),
        "EnableNetworkIsolation": bool(net and net.enable_network_isolation),
    }
    if net is not None and (net.security_group_ids or net.subnets):
        network["VpcConfig"] = {
            "SecurityGroupIds": list(net.security_group_ids or ()),
            "Subnets": list(net.subnets or ()),
        }

    request: dict[str, Any] = {}
    if spec.constraints:
        request["ModelBiasBaselineConfig"] = {"ConstraintsResource": {"S3Uri": spec.constraints}}
    elif spec.baselining_job_name:
        request["ModelBiasBaselineConfig"] = {"BaseliningJobName": spec.baselining_job_name}
    request.update(
        {
            "ModelBiasAppSpecification": app,
            "ModelBiasJobInput": _job_input(spec),
            "ModelBiasJobOutputConfig": output,
            "JobResources": {"ClusterConfig": cluster},
            "NetworkConfig": network,
            "RoleArn": spec.role,
            "StoppingCondition": {"MaxRuntimeInSeconds": spec.max_runtime_in_seconds},
        }
    )
    jd_name = job_definition_name(spec.name, request)
    tags = build_tags(spec, target, source_path)
    tag_list = [{"Key": k, "Value": v} for k, v in tags]
    create_jd = {"JobDefinitionName": jd_name, **request, "Tags": tag_list}

    schedule_config: dict[str, Any] = {
        "ScheduleExpression": facts.schedule_expression(spec.schedule_cron_expression)
    }
    if spec.data_analysis_start_time is not None:
        schedule_config["DataAnalysisStartTime"] = spec.data_analysis_start_time
    if spec.data_analysis_end_time is not None:
        schedule_config["DataAnalysisEndTime"] = spec.data_analysis_end_time
    create_schedule = {
        "MonitoringScheduleName": spec.name,
        "MonitoringScheduleConfig": {
            "ScheduleConfig": schedule_config,
            "MonitoringJobDefinitionName": jd_name,
            "MonitoringType": "ModelBias",
        },
        "Tags": tag_list,
    }
    return Desired(
        name=spec.name,
        source_path=source_path,
        job_definition_name=jd_name,
        create_job_definition=create_jd,
        create_schedule=create_schedule,
        analysis_config=analysis,
        analysis_config_body=body,
        analysis_config_sha256=digest,
        analysis_config_s3_uri=config_uri,
        tags=tags,
        enabled=spec.enabled,
        deletion_protection=spec.deletion_protection,
        endpoint_name=spec.endpoint_input.endpoint_name if spec.endpoint_input else None,
    )
