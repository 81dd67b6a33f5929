"""Fixtures for the emulator conformance tests: a fresh emulator per test, boto3 clients, sample resources."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from compiler.emulator import Emulator
from compiler.emulator.testing import (
    bias_definition_request,
    create_endpoint_with_capture,
    running_emulator,
)


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    # A fresh server per test is cheap (start ~2 ms, stop ~50 ms) and gives each test a
    # clean moto; pending_seconds=0 except where the lifecycle is under test.
    yield from running_emulator(pending_seconds=0)


@pytest.fixture
def sm(emulator: Emulator) -> Any:
    return emulator.client("sagemaker")


@pytest.fixture
def s3(emulator: Emulator) -> Any:
    return emulator.client("s3")


@pytest.fixture
def endpoint(sm: Any) -> str:
    create_endpoint_with_capture(sm, "credit-risk-prod")
    return "credit-risk-prod"


@pytest.fixture
def definition(sm: Any, endpoint: str) -> str:
    request = bias_definition_request()
    sm.create_model_bias_job_definition(**request)
    return str(request["JobDefinitionName"])
