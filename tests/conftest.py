"""Test-wide guards: no sockets to anything but loopback, no real AWS credentials."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_loopback(address: object) -> bool:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
    return isinstance(address, str | bytes)  # unix sockets


def _guarded_connect(self: socket.socket, address: object) -> None:
    if not _is_loopback(address):
        raise ConnectionRefusedError(f"tests may only connect to loopback, not {address!r}")
    _real_connect(self, address)  # type: ignore[arg-type]


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    if not _is_loopback(address):
        raise ConnectionRefusedError(f"tests may only connect to loopback, not {address!r}")
    return _real_connect_ex(self, address)  # type: ignore[arg-type]


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]

# Nothing in the test suite may find real credentials or a real profile.
for _var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
    os.environ.pop(_var, None)
os.environ["AWS_ACCESS_KEY_ID"] = "testing"
os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def in_tmp_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the repository's project file and monitors in a temporary folder."""
    import shutil

    shutil.copy(REPO / "biaswatch.yaml", tmp_path / "biaswatch.yaml")
    shutil.copytree(REPO / "monitors", tmp_path / "monitors")
    monkeypatch.chdir(tmp_path)
    yield tmp_path


# ---- shared fixtures: the served emulator and the example project ----------------------


@pytest.fixture
def emulator() -> Iterator[Any]:
    """A served emulator (real HTTP on loopback), schedules Pending for 0.1 s; a module that
    needs other timings defines its own `emulator`."""
    from compiler.emulator.testing import running_emulator

    yield from running_emulator(pending_seconds=0.1)


@pytest.fixture
def project(tmp_path: Path, emulator: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The repo's example monitors against the emulator (tests/support.example_project),
    with the working directory in it."""
    from tests.support import example_project

    example_project(tmp_path, emulator)
    monkeypatch.chdir(tmp_path)
    return tmp_path
