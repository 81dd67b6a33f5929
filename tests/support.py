"""Helpers shared by the CLI and emulator-backed tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from compiler.cli.main import main
from compiler.emulator import Emulator
from compiler.emulator.testing import create_endpoint_with_capture

REPO = Path(__file__).resolve().parent.parent

ROLE_ARN = "arn:aws:iam::123456789012:role/ModelMonitorRole"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """The CLI in-process: (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as info:
        main(argv)
    out, err = capsys.readouterr()
    code = info.value.code
    return int(code if isinstance(code, int) else 1), out, err


def write_project_file(
    folder: Path,
    endpoint_url: str,
    *,
    bucket: str = "biaswatch-test",
    data_bucket: str | None = "acme-ml-test",
    project: str = "acme-credit-models",
) -> Path:
    """A biaswatch.yaml with one environment, `test`, served by the emulator at endpoint_url."""
    variables = f"    vars: {{data_bucket: {data_bucket}}}\n" if data_bucket else ""
    path = folder / "biaswatch.yaml"
    path.write_text(
        f"project: {project}\n"
        "default_environment: test\n"
        "environments:\n"
        "  test:\n"
        "    region: us-east-1\n"
        f"    endpoint_url: {endpoint_url}\n"
        f"    artifact_bucket: {bucket}\n"
        f"{variables}"
        "    defaults:\n"
        f"      role: {ROLE_ARN}\n"
    )
    return path


def example_project(folder: Path, emulator: Emulator) -> Path:
    """The repo's credit-risk and churn-batch monitors in `folder`, against the emulator, with
    their buckets and the credit-risk endpoint (capturing input and output) in place."""
    (folder / "monitors").mkdir()
    for name in ("credit-risk.yaml", "churn-batch.yaml"):
        shutil.copy(REPO / "monitors" / name, folder / "monitors" / name)
    write_project_file(folder, emulator.endpoint_url)
    emulator.client("s3").create_bucket(Bucket="biaswatch-test")
    emulator.client("s3").create_bucket(Bucket="acme-ml-test")
    create_endpoint_with_capture(emulator.client("sagemaker"), "credit-risk-prod")
    return folder
