"""Saves the emulator's state to a versioned JSON file and restores it into moto's backends."""

from __future__ import annotations

import base64
import datetime as _dt
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from moto.s3.models import s3_backends
from moto.sagemaker.models import SageMakerModelBackend, sagemaker_backends

from compiler.emulator import alarms, schedules
from compiler.emulator.schedules import Execution, Schedule, extras

STATE_FORMAT = "biaswatch-emulator-state"
STATE_VERSION = 1


class StateFileError(Exception):
    """The state file cannot be read or was written by an incompatible version."""


def _iso(value: _dt.datetime) -> str:
    return value.isoformat()


def _time(text: str) -> _dt.datetime:
    return schedules.as_datetime(text)


def _tags_of(table: dict[str, Any], name: str) -> list[dict[str, str]]:
    found = table.get(name)
    return list(getattr(found, "tags", None) or [])


def _dump_sagemaker(backend: SageMakerModelBackend) -> dict[str, Any] | None:
    ext = extras(backend)
    if not (
        ext.schedules or ext.executions or ext.bias_requests or any(ext.endpoint_requests.values())
    ):
        return None
    requests = ext.endpoint_requests
    return {
        "account_id": backend.account_id,
        "region": backend.region_name,
        "models": [
            {"request": r, "tags": _tags_of(backend._models, n)}
            for n, r in requests["Model"].items()
        ],
        "endpoint_configs": [
            {"request": r, "tags": _tags_of(backend.endpoint_configs, n)}
            for n, r in requests["EndpointConfig"].items()
        ],
        "endpoints": [
            {"request": r, "tags": _tags_of(backend.endpoints, n)}
            for n, r in requests["Endpoint"].items()
        ],
        "bias_definitions": [
            {
                "request": r,
                "tags": _tags_of(backend.model_bias_job_definitions, n),
                "creation_time": _iso(
                    schedules.as_datetime(backend.model_bias_job_definitions[n].creation_time)
                ),
            }
            for n, r in ext.bias_requests.items()
            if n in backend.model_bias_job_definitions
        ],
        "schedules": [
            {
                "name": s.name,
                "config": s.config,
                "tags": s.tags,
                "creation_time": _iso(s.creation_time),
                "last_modified_time": _iso(s.last_modified_time),
                "pending_until": _iso(s.pending_until),
                "stopped": s.stopped,
                "failure_reason": s.failure_reason,
            }
            for s in ext.schedules.values()
        ],
        "executions": [
            {
                **{k: v for k, v in vars(e).items() if not isinstance(v, _dt.datetime)},
                **{k: _iso(v) for k, v in vars(e).items() if isinstance(v, _dt.datetime)},
            }
            for e in ext.executions
        ],
    }


def _dump_s3() -> list[dict[str, Any]]:
    out = []
    for account_id, by_partition in list(s3_backends.items()):
        backend = by_partition.get("aws") if "aws" in by_partition else None
        if backend is None or not backend.buckets:
            continue
        buckets = []
        for bucket in list(backend.buckets.values()):
            objects = []
            for key in list(bucket.keys.values()):
                if not hasattr(key, "value"):
                    continue
                objects.append(
                    {
                        "key": key.name,
                        "body_b64": base64.b64encode(key.value).decode("ascii"),
                        "metadata": dict(key.metadata),
                    }
                )
            buckets.append({"name": bucket.name, "region": bucket.region_name, "objects": objects})
        out.append({"account_id": account_id, "buckets": buckets})
    return out


def snapshot() -> dict[str, Any]:
    """Everything the emulator persists, as JSON-ready data."""
    with schedules.lock:
        sagemaker = []
        for _account, by_region in list(sagemaker_backends.items()):
            for _region, backend in list(by_region.items()):
                dumped = _dump_sagemaker(backend)
                if dumped:
                    sagemaker.append(dumped)
        return {
            "format": STATE_FORMAT,
            "version": STATE_VERSION,
            "sagemaker": sagemaker,
            "s3": _dump_s3(),
            "cloudwatch": alarms.dump(),
        }


def save_state(path: Path) -> None:
    """Write atomically: a temporary file in the same folder, then rename over the target."""
    data = json.dumps(snapshot(), indent=1, sort_keys=True, default=str)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_state(path: Path) -> None:
    """Restore a state file into the (freshly reset) moto backends; missing file = empty state."""
    if not path.exists():
        return
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StateFileError(f"cannot read emulator state file {path}: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
        raise StateFileError(f"{path} is not a biaswatch emulator state file")
    if data.get("version") != STATE_VERSION:
        raise StateFileError(
            f"{path} has state format version {data.get('version')!r}; this emulator reads "
            f"version {STATE_VERSION}; delete the file or use a matching biaswatch"
        )
    try:
        for entry in data.get("s3", []):
            _restore_s3(entry)
        for entry in data.get("sagemaker", []):
            _restore_sagemaker(entry)
        for entry in data.get("cloudwatch", []):  # absent in files written before alarms
            alarms.restore(entry)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StateFileError(f"{path} is damaged: {type(exc).__name__}: {exc}") from exc


def _restore_s3(entry: dict[str, Any]) -> None:
    backend = s3_backends[entry["account_id"]]["aws"]
    for bucket in entry["buckets"]:
        backend.create_bucket(bucket["name"], bucket["region"])
        for obj in bucket["objects"]:
            key = backend.put_object(bucket["name"], obj["key"], base64.b64decode(obj["body_b64"]))
            key.set_metadata(obj.get("metadata", {}))


def _restore_sagemaker(entry: dict[str, Any]) -> None:
    backend = sagemaker_backends[entry["account_id"]][entry["region"]]
    ext = extras(backend)
    for item in entry["models"]:
        r = item["request"]
        backend.create_model(
            model_name=r["ModelName"],
            execution_role_arn=r.get("ExecutionRoleArn", ""),
            primary_container=r.get("PrimaryContainer"),
            vpc_config=r.get("VpcConfig"),
            containers=r.get("Containers"),
            tags=item["tags"],
        )
        ext.endpoint_requests["Model"][r["ModelName"]] = r
    for item in entry["endpoint_configs"]:
        r = item["request"]
        backend.create_endpoint_config(
            endpoint_config_name=r["EndpointConfigName"],
            production_variants=r.get("ProductionVariants", []),
            data_capture_config=r.get("DataCaptureConfig"),
            async_inference_config=r.get("AsyncInferenceConfig"),
            tags=item["tags"],
            kms_key_id=r.get("KmsKeyId"),
        )
        ext.endpoint_requests["EndpointConfig"][r["EndpointConfigName"]] = r
    for item in entry["endpoints"]:
        r = item["request"]
        backend.create_endpoint(r["EndpointName"], r["EndpointConfigName"], item["tags"])
        ext.endpoint_requests["Endpoint"][r["EndpointName"]] = r
    for item in entry["bias_definitions"]:
        r = item["request"]
        backend.create_model_bias_job_definition(
            account_id=backend.account_id,
            job_definition_name=r["JobDefinitionName"],
            tags=item["tags"],
            role_arn=r.get("RoleArn", ""),
            job_resources=r.get("JobResources"),
            stopping_condition=r.get("StoppingCondition"),
            network_config=r.get("NetworkConfig"),
            model_bias_baseline_config=r.get("ModelBiasBaselineConfig"),
            model_bias_app_specification=r.get("ModelBiasAppSpecification"),
            model_bias_job_input=r.get("ModelBiasJobInput"),
            model_bias_job_output_config=r.get("ModelBiasJobOutputConfig"),
        )
        definition = backend.model_bias_job_definitions[r["JobDefinitionName"]]
        definition.creation_time = definition.last_modified_time = _time(item["creation_time"])
        ext.bias_requests[r["JobDefinitionName"]] = r
    for item in entry["schedules"]:
        ext.schedules[item["name"]] = Schedule(
            name=item["name"],
            arn=schedules.schedule_arn(backend, item["name"]),
            config=item["config"],
            tags=item["tags"],
            creation_time=_time(item["creation_time"]),
            last_modified_time=_time(item["last_modified_time"]),
            pending_until=_time(item["pending_until"]),
            stopped=bool(item["stopped"]),
            failure_reason=item["failure_reason"],
        )
    for item in entry["executions"]:
        ext.executions.append(
            Execution(
                schedule_name=item["schedule_name"],
                scheduled_time=_time(item["scheduled_time"]),
                creation_time=_time(item["creation_time"]),
                last_modified_time=_time(item["last_modified_time"]),
                status=item["status"],
                processing_job_arn=item["processing_job_arn"],
                endpoint_name=item["endpoint_name"],
                definition_name=item["definition_name"],
                monitoring_type=item["monitoring_type"],
                failure_reason=item["failure_reason"],
            )
        )
