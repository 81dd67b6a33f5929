"""Helpers shared by the CLI and emulator-backed tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.cli.main import main

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
