"""Connect to an environment: the embedded emulator, a served endpoint, or AWS itself."""

from __future__ import annotations

import contextlib
import ipaddress
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import botocore.session

from compiler.aws import client as aws
from compiler.aws import objects
from compiler.config.spec import Environment
from compiler.desired.pipeline import account_id
from compiler.diagnostics import Diagnostic

# Credentials for emulators only; an emulator checks no signature.
_EMULATOR_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@dataclass
class Connection:
    clients: aws.Clients
    environment: str
    region: str
    expected_account: str | None
    emulated: bool


def _is_loopback_url(url: str) -> bool:
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _has_credentials() -> bool:
    return botocore.session.get_session().get_credentials() is not None


def _seed_emulator(clients: aws.Clients, env: Environment) -> None:
    from compiler.emulator.seed import create_endpoint_with_capture

    objects.ensure_bucket(clients, env.artifact_bucket)
    for name in env.emulator.endpoints if env.emulator else ():
        if aws.describe_endpoint(clients, name) is None:
            create_endpoint_with_capture(
                clients.sagemaker, name, f"s3://{env.artifact_bucket}/capture/{name}"
            )


@contextlib.contextmanager
def connect(
    env_name: str, env: Environment, root: Path, *, max_workers: int = aws.MAX_WORKERS
) -> Iterator[Connection]:
    """Clients for the environment; an embedded emulator lives for the duration of the block."""
    if env.emulator is not None:
        from compiler.emulator.server import Emulator
        from compiler.emulator.state import StateFileError

        state = root / env.emulator.state_file
        state.parent.mkdir(parents=True, exist_ok=True)
        try:
            emulator = Emulator(
                port=0,
                state_file=state,
                pending_seconds=env.emulator.pending_seconds,
                region=env.region,
                account_id=account_id(env) or "123456789012",
            )
            emulator.start()
        except (ValueError, OSError, StateFileError) as exc:
            # A damaged state file (a kill mid-write on an old version, a hand edit) is the
            # user's to remove: the emulator's state is disposable by design.
            raise aws.AwsError(
                Diagnostic(
                    "E420",
                    f"cannot start the local emulator with state {state}: {exc}",
                    hints=(f"delete the state file {state} to start from an empty account",),
                )
            ) from exc
        try:
            clients = aws.make_clients(
                env.region, emulator.endpoint_url, _EMULATOR_CREDENTIALS, max_workers
            )
            clients.environment = env_name
            _seed_emulator(clients, env)
            yield Connection(clients, env_name, env.region, account_id(env), True)
        finally:
            emulator.stop()
        return
    credentials = None
    if env.endpoint_url and _is_loopback_url(env.endpoint_url) and not _has_credentials():
        credentials = _EMULATOR_CREDENTIALS
    clients = aws.make_clients(
        env.region, env.endpoint_url, credentials, max_workers, retry_attempts()
    )
    clients.environment = env_name
    yield Connection(clients, env_name, env.region, env.account_id, bool(env.endpoint_url))


def retry_attempts() -> int:
    """BIASWATCH_RETRY_ATTEMPTS overrides the attempts per call (botocore's total_max_attempts)."""
    text = os.environ.get("BIASWATCH_RETRY_ATTEMPTS", "")
    return int(text) if text.isdigit() and int(text) >= 1 else aws.RETRY_ATTEMPTS


def check_account(conn: Connection) -> str:
    """The caller's account; AwsError(E409) when it is not the environment's."""
    actual = aws.read_account_id(conn.clients)
    if conn.expected_account and actual != conn.expected_account:
        raise aws.AwsError(
            Diagnostic(
                "E409",
                f"credentials are for account {actual}, but environment {conn.environment!r} is account {conn.expected_account}",
                hints=("switch credentials (profile or role) or pick the right --env",),
            )
        )
    return actual
