"""Resources a fresh emulator account needs before monitors can watch anything.

Used by the embedded `local` environment (its `emulator.endpoints`), the benchmark and the
tests: an endpoint exists only with a model and an endpoint config behind it.
"""

from __future__ import annotations

from typing import Any

ROLE_ARN = "arn:aws:iam::123456789012:role/ModelMonitorRole"


def create_endpoint_with_capture(
    sagemaker: Any, endpoint_name: str = "credit-risk-prod", capture_uri: str = "s3://acme/capture"
) -> None:
    """An endpoint with data capture enabled: model, endpoint config, endpoint (moto's own ops)."""
    model = f"{endpoint_name}-model"
    config = f"{endpoint_name}-config"
    sagemaker.create_model(
        ModelName=model,
        ExecutionRoleArn=ROLE_ARN,
        PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/model:1"},
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName=config,
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": model,
                "InitialInstanceCount": 1,
                "InstanceType": "ml.m5.large",
            }
        ],
        DataCaptureConfig={
            "EnableCapture": True,
            "InitialSamplingPercentage": 100,
            "DestinationS3Uri": capture_uri,
            "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
        },
    )
    sagemaker.create_endpoint(EndpointName=endpoint_name, EndpointConfigName=config)
