"""One lock per environment: an S3 object created with If-None-Match: * (atomic in S3)."""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from compiler import aws
from compiler.diagnostics import Diagnostic
from compiler.resources import lock_uri  # noqa: F401  (its home is the pure resources module)


@dataclass(frozen=True)
class LockInfo:
    id: str
    holder: str
    host: str
    pid: int
    time: str
    operation: str
    environment: str

    def describe(self) -> str:
        return f"{self.holder}@{self.host} (pid {self.pid}) since {self.time}, running {self.operation!r}, lock id {self.id}"


def read_lock(clients: aws.Clients, uri: str) -> LockInfo | None:
    body = aws.read_object(clients, uri)
    if body is None:
        return None
    try:
        return LockInfo(**json.loads(body))
    except (ValueError, TypeError):
        return LockInfo("unknown", "unknown", "unknown", 0, "unknown", "unreadable lock object", "")


def acquire_lock(
    clients: aws.Clients,
    uri: str,
    operation: str,
    environment: str,
    timeout_seconds: float,
    *,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
    on_wait: Callable[[LockInfo | None], None] | None = None,
) -> LockInfo:
    """Take the lock or raise AwsError(E413) naming the holder after the timeout."""
    info = LockInfo(
        id=str(uuid.uuid4()),
        holder=os.environ.get("GITHUB_ACTOR") or os.environ.get("USER") or "unknown",
        host=socket.gethostname(),
        pid=os.getpid(),
        time=datetime.now(UTC).isoformat(timespec="seconds"),
        operation=operation,
        environment=environment,
    )
    body = json.dumps(asdict(info), indent=2).encode()
    deadline = monotonic() + timeout_seconds
    delay = 0.2
    while True:
        try:
            if aws.put_object(clients, uri, body, if_none_match=True):
                return info
        except aws.AwsError as exc:
            # S3 answers a concurrent conditional write with 409, which botocore does not retry.
            if exc.error_code != "ConditionalRequestConflict":
                raise
        holder = read_lock(clients, uri)
        if monotonic() >= deadline:
            who = holder.describe() if holder else "another run (the lock vanished while checking)"
            raise aws.AwsError(
                Diagnostic(
                    "E413",
                    f"environment {environment!r} is locked by {who}",
                    hints=(
                        f"wait for it, raise --lock-timeout, or if that run is dead: biaswatch force-unlock {holder.id if holder else '<id>'}",
                    ),
                ),
                "Locked",
            )
        if on_wait:
            on_wait(holder)
        sleep(delay)
        delay = min(delay * 2, 5.0)


def release_lock(clients: aws.Clients, uri: str, info: LockInfo) -> None:
    """Delete the lock if it is still ours (never someone else's)."""
    current = read_lock(clients, uri)
    if current is not None and current.id == info.id:
        aws.delete_object(clients, uri)


def force_unlock(clients: aws.Clients, uri: str, lock_id: str) -> LockInfo:
    current = read_lock(clients, uri)
    if current is None:
        raise aws.AwsError(Diagnostic("E403", f"no lock at {uri}"), "NoSuchKey")
    if current.id != lock_id:
        raise aws.AwsError(
            Diagnostic(
                "E413",
                f"the lock at {uri} has id {current.id}, not {lock_id}: {current.describe()}",
                hints=("pass the id the lock error printed",),
            ),
            "Locked",
        )
    aws.delete_object(clients, uri)
    return current
