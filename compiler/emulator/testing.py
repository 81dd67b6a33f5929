"""Helpers for tests that run against the emulator: fixtures' bodies, sample requests, an admin client."""

from __future__ import annotations

import copy
import json
import urllib.request
from collections.abc import Iterator
from typing import Any

from compiler.emulator.gateway import ADMIN_PREFIX
from compiler.emulator.seed import ROLE_ARN as ROLE_ARN  # re-exported for tests
from compiler.emulator.seed import create_endpoint_with_capture as create_endpoint_with_capture
from compiler.emulator.server import Emulator

_BIAS_DEFINITION: dict[str, Any] = {
    "JobDefinitionName": "credit-risk-bias-0a1b2c3d",
    "ModelBiasAppSpecification": {
        "ImageUri": "205585389593.dkr.ecr.us-east-1.amazonaws.com/sagemaker-clarify-processing:1.0",
        "ConfigUri": "s3://biaswatch-local/credit-risk-bias/analysis_config-0a1b2c3d.json",
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
        "GroundTruthS3Input": {"S3Uri": "s3://acme/ground-truth/credit-risk"},
    },
    "ModelBiasJobOutputConfig": {
        "MonitoringOutputs": [
            {
                "S3Output": {
                    "S3Uri": "s3://acme/monitoring/credit-risk",
                    "LocalPath": "/opt/ml/processing/output",
                    "S3UploadMode": "Continuous",
                }
            }
        ]
    },
    "JobResources": {
        "ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.xlarge", "VolumeSizeInGB": 30}
    },
    "RoleArn": ROLE_ARN,
    "StoppingCondition": {"MaxRuntimeInSeconds": 1800},
    "NetworkConfig": {
        "EnableInterContainerTrafficEncryption": False,
        "EnableNetworkIsolation": False,
    },
}


def bias_definition_request(
    name: str = "credit-risk-bias-0a1b2c3d", endpoint: str = "credit-risk-prod", **overrides: Any
) -> dict[str, Any]:
    """A valid CreateModelBiasJobDefinition request; top-level members can be overridden."""
    request = copy.deepcopy(_BIAS_DEFINITION)
    request["JobDefinitionName"] = name
    request["ModelBiasJobInput"]["EndpointInput"]["EndpointName"] = endpoint
    request.update(overrides)
    return request


def schedule_config(
    definition_name: str = "credit-risk-bias-0a1b2c3d",
    expression: str | None = "cron(0 * ? * * *)",
    monitoring_type: str | None = "ModelBias",
    **schedule_extra: str,
) -> dict[str, Any]:
    """A MonitoringScheduleConfig in the reference form."""
    config: dict[str, Any] = {"MonitoringJobDefinitionName": definition_name}
    if monitoring_type is not None:
        config["MonitoringType"] = monitoring_type
    if expression is not None:
        config["ScheduleConfig"] = {"ScheduleExpression": expression, **schedule_extra}
    return config


def running_emulator(**options: Any) -> Iterator[Emulator]:
    """Body of a pytest fixture: `yield from running_emulator(pending_seconds=0)`."""
    with Emulator(**options) as emulator:
        yield emulator


class AdminClient:
    """Steers an emulator in another process through its admin endpoint (never faulted)."""

    def __init__(self, endpoint_url: str, timeout: float = 5.0) -> None:
        self.base = endpoint_url.rstrip("/") + ADMIN_PREFIX
        self.timeout = timeout

    def call(self, method: str, route: str, payload: dict[str, Any] | None = None) -> Any:
        data = json.dumps(payload or {}).encode()
        request = urllib.request.Request(self.base + route, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            return json.loads(response.read() or b"null")

    def set_faults(self, **values: Any) -> Any:
        return self.call("POST", "faults", values)

    def inject_fault(self, kind: str, operation: str = "*", count: int = 1) -> Any:
        return self.call(
            "POST", "faults", {"inject": [{"kind": kind, "operation": operation, "count": count}]}
        )

    def request_counts(self) -> dict[str, int]:
        counts: dict[str, int] = self.call("GET", "requests")
        return counts

    def reset(self) -> None:
        self.call("POST", "reset")

    def configure(self, **values: Any) -> Any:
        return self.call("POST", "settings", values)

    def add_execution(self, schedule_name: str, **values: Any) -> Any:
        return self.call("POST", "executions", {"schedule_name": schedule_name, **values})

    def fail_schedule(self, schedule_name: str, reason: str) -> None:
        self.call("POST", "fail-schedule", {"schedule_name": schedule_name, "reason": reason})
