"""One lock per environment: an S3 object with a renewed lease, written with conditional PUTs.

- Acquire: `If-None-Match: *` (atomic in S3). A lost response to our own write is
  recognised by the lock id in the object, so a retried PUT's 412 is not "someone else".
- Lease: the object says how long it is valid; the holder rewrites it (`If-Match` on the
  ETag it last wrote) every LEASE/4 from a background thread, also while it waits for
  Pending schedules.
- Takeover: a waiter replaces a lock whose lease lapsed, or whose holder is a dead process
  on this machine, with `If-Match` on the ETag it judged, so two waiters cannot both win.
  A lease lapses when the waiter has seen the same ETag for a whole lease (its own clock:
  no trust in the holder's clock), or when the object's expiry is more than SKEW_SECONDS
  in the past (so a lock abandoned long ago is taken over at once).
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from compiler.aws import client as aws
from compiler.aws import objects
from compiler.diagnostics import Diagnostic

LEASE_SECONDS = 120.0
MAX_LEASE_SECONDS = 300.0
LEASE_ENV = "BIASWATCH_LOCK_LEASE_SECONDS"
# Allowed difference between the holder's clock and ours when reading its expiry time.
SKEW_SECONDS = 30.0

Report = Callable[[str], None]


@dataclass(frozen=True)
class LockInfo:
    id: str
    holder: str
    host: str
    pid: int
    time: str
    operation: str
    environment: str
    run: str = ""
    lease_seconds: float = 0.0
    expires: str = ""
    generation: int = 0
    machine: str = ""
    pid_start: str = ""

    def describe(self) -> str:
        run = f", {self.run}" if self.run else ""
        lease = f", lease until {self.expires}" if self.expires else ""
        return (
            f"{self.holder}@{self.host} (pid {self.pid}{run}) since {self.time}, "
            f"running {self.operation!r}{lease}, lock id {self.id}"
        )


_UNREADABLE = LockInfo("unknown", "unknown", "unknown", 0, "unknown", "unreadable lock object", "")


def lease_seconds_from_env() -> float:
    """The lease length: LEASE_SECONDS, or BIASWATCH_LOCK_LEASE_SECONDS (0 < s ≤ 300)."""
    text = os.environ.get(LEASE_ENV, "").strip()
    if not text:
        return LEASE_SECONDS
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= MAX_LEASE_SECONDS:
        raise aws.AwsError(
            Diagnostic(
                "E428",
                f"{LEASE_ENV}={text!r} is not a lease length in seconds between 0 and "
                f"{MAX_LEASE_SECONDS:.0f}",
                hints=(f"unset it to use the default of {LEASE_SECONDS:.0f} s",),
            ),
            "InvalidLease",
        )
    return value


def _parse(body: bytes) -> LockInfo:
    try:
        raw = json.loads(body)
        known = {f.name for f in fields(LockInfo)}
        return LockInfo(**{k: v for k, v in raw.items() if k in known})
    except (ValueError, TypeError, AttributeError):
        return _UNREADABLE


def read_lock_with_etag(clients: aws.Clients, uri: str) -> tuple[LockInfo, str] | None:
    found = objects.read_object_with_etag(clients, uri)
    if found is None:
        return None
    body, etag = found
    return _parse(body), etag


def read_lock(clients: aws.Clients, uri: str) -> LockInfo | None:
    found = read_lock_with_etag(clients, uri)
    return found[0] if found else None


# ---- who holds it --------------------------------------------------------------------


def _account_name() -> str:
    """The OS account, not $USER (unset in cron jobs and many containers)."""
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError, OSError):
        pass
    try:
        return getpass.getuser()
    except (ImportError, KeyError, OSError):
        return f"uid {getattr(os, 'getuid', lambda: '?')()}"


def _ci_run() -> str:
    """The CI run that holds the lock, so a person can find (or cancel) it."""
    run_id = os.environ.get("GITHUB_RUN_ID")
    if not run_id:
        return ""
    server, repo = os.environ.get("GITHUB_SERVER_URL"), os.environ.get("GITHUB_REPOSITORY")
    where = f"{server}/{repo}/actions/runs/{run_id}" if server and repo else run_id
    attempt = os.environ.get("GITHUB_RUN_ATTEMPT")
    actor = os.environ.get("GITHUB_ACTOR")
    return (
        f"GitHub run {where}"
        + (f" attempt {attempt}" if attempt else "")
        + (f" by {actor}" if actor else "")
    )


def _machine_id() -> str:
    """Host name + boot id + pid namespace: equal only where our pids mean the same process."""
    parts = [socket.gethostname()]
    for path in ("/proc/sys/kernel/random/boot_id",):
        try:
            parts.append(Path(path).read_text().strip())
        except OSError:
            parts.append("")
    try:
        parts.append(str(os.stat("/proc/self/ns/pid").st_ino))
    except OSError:
        parts.append("")
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def _pid_start(pid: int) -> str:
    """The process's start time in clock ticks since boot (tells a reused pid apart)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    # The command name (field 2) may contain spaces and parentheses: split after the last ")".
    rest = stat.rsplit(")", 1)[-1].split()
    return rest[19] if len(rest) > 19 else ""


def holder_is_dead(info: LockInfo) -> bool:
    """True only when the holder ran on this machine and its process is gone."""
    if not info.machine or info.machine != _machine_id() or info.pid <= 0:
        return False
    try:
        os.kill(info.pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OSError):
        return False
    return bool(info.pid_start) and _pid_start(info.pid) not in ("", info.pid_start)


def _lapsed(info: LockInfo, seen_for: float, now: datetime) -> str | None:
    """Why the lock may be taken over, or None while its holder may still be working."""
    if holder_is_dead(info):
        return f"its process (pid {info.pid}) on this machine is gone"
    lease = info.lease_seconds if 0 < info.lease_seconds <= MAX_LEASE_SECONDS else None
    if seen_for >= (lease or MAX_LEASE_SECONDS):
        return f"it was not renewed for {seen_for:.0f} s (lease {lease or MAX_LEASE_SECONDS:.0f} s)"
    try:
        expires = datetime.fromisoformat(info.expires)
    except ValueError:
        return None
    if expires.tzinfo is not None and now - expires > timedelta(seconds=SKEW_SECONDS):
        return f"its lease ended at {info.expires}"
    return None


# ---- holding it ----------------------------------------------------------------------


class HeldLock:
    """Our lock: its last ETag, and the thread that renews its lease until release."""

    def __init__(self, info: LockInfo, etag: str) -> None:
        self.info = info
        self.etag = etag
        # Set when the lease could not be kept: another run may hold the lock now.
        self.lost = threading.Event()
        self.lost_reason = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._mutex = threading.Lock()

    @property
    def id(self) -> str:
        return self.info.id

    def describe(self) -> str:
        return self.info.describe()

    @property
    def renew_every(self) -> float:
        return self.info.lease_seconds / 4

    def start_renewal(self, clients: aws.Clients, uri: str) -> None:
        self._thread = threading.Thread(
            target=self._renew_loop, args=(clients, uri), name="biaswatch-lock-lease", daemon=True
        )
        self._thread.start()

    def stop_renewal(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=aws.READ_TIMEOUT + aws.CONNECT_TIMEOUT)

    def _renew_loop(self, clients: aws.Clients, uri: str) -> None:
        last_ok = time.monotonic()
        while not self._stop.wait(self.renew_every):
            try:
                if self.renew(clients, uri):
                    last_ok = time.monotonic()
                    continue
                self._lose("another run took the lock over")
                return
            except aws.AwsError as exc:
                # Transient: try again next interval, but after a whole lease without a
                # renewal a waiter may rightly have taken over.
                if time.monotonic() - last_ok >= self.info.lease_seconds:
                    self._lose(f"the lease could not be renewed: {exc.diagnostic.message}")
                    return

    def lost_diagnostic(self) -> Diagnostic:
        return Diagnostic(
            "E427",
            f"lost the environment lock {self.id}: {self.lost_reason or 'unknown reason'}; "
            "no further step was started",
            hints=("apply again when the other run is done; what finished stays applied",),
        )

    def _lose(self, reason: str) -> None:
        self.lost_reason = reason
        self.lost.set()

    def renew(self, clients: aws.Clients, uri: str) -> bool:
        """Extend the lease; False when the lock is no longer ours."""
        with self._mutex:
            info = _stamp(replace(self.info, generation=self.info.generation + 1))
            etag = objects.put_object_conditional(clients, uri, _body(info), if_match=self.etag)
            if etag is None:
                # Our own renewal may have landed with its response lost: the retry then
                # meets our new ETag. The lock id says whose it is.
                current = read_lock_with_etag(clients, uri)
                if current is None or current[0].id != self.info.id:
                    return False
                info, etag = current
            self.info, self.etag = info, etag
            return True


def _stamp(info: LockInfo) -> LockInfo:
    expires = datetime.now(UTC) + timedelta(seconds=info.lease_seconds)
    return replace(info, expires=expires.isoformat(timespec="seconds"))


def _body(info: LockInfo) -> bytes:
    return json.dumps(asdict(info), indent=2).encode()


def acquire_lock(
    clients: aws.Clients,
    uri: str,
    operation: str,
    environment: str,
    timeout_seconds: float,
    *,
    lease_seconds: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
    report: Report | None = None,
    renew: bool = True,
) -> HeldLock:
    """Take the lock (waiting up to timeout_seconds, taking over a lapsed one) and start
    renewing its lease, or raise AwsError(E413) naming the holder."""
    lease = lease_seconds if lease_seconds is not None else lease_seconds_from_env()
    now = datetime.now(UTC)
    mine = LockInfo(
        id=str(uuid.uuid4()),
        holder=_account_name(),
        host=socket.gethostname(),
        pid=os.getpid(),
        time=now.isoformat(timespec="seconds"),
        operation=operation,
        environment=environment,
        run=_ci_run(),
        lease_seconds=lease,
        machine=_machine_id(),
        pid_start=_pid_start(os.getpid()),
    )
    deadline = monotonic() + timeout_seconds
    delay = 0.2
    seen_etag, seen_since = "", monotonic()
    announced = ""
    while True:
        info = _stamp(mine)
        try:
            etag = objects.put_object_conditional(clients, uri, _body(info))
        except aws.AwsError as exc:
            # S3 answers a concurrent conditional write with 409, which botocore does not retry.
            if exc.error_code != "ConditionalRequestConflict":
                raise
            etag = None
        held = _held(etag, info, clients, uri)
        if held is None:
            current = read_lock_with_etag(clients, uri)
            if current is not None and current[0].id == mine.id:
                # Our PUT landed but its response was lost; botocore's retry met our own lock.
                held = HeldLock(*current)
            elif current is not None:
                holder, holder_etag = current
                if holder_etag != seen_etag:
                    seen_etag, seen_since = holder_etag, monotonic()
                if report and holder.id != announced:
                    report(f"waiting for the lock held by {holder.describe()}")
                    announced = holder.id
                why = _lapsed(holder, monotonic() - seen_since, datetime.now(UTC))
                if why is not None:
                    info = _stamp(mine)
                    try:
                        etag = objects.put_object_conditional(
                            clients, uri, _body(info), if_match=holder_etag
                        )
                    except aws.AwsError as exc:
                        if exc.error_code != "ConditionalRequestConflict":
                            raise
                        etag = None
                    held = _held(etag, info, clients, uri)
                    if held is not None and report:
                        report(f"took over the lock of {holder.describe()}: {why}")
        if held is not None:
            if renew:
                held.start_renewal(clients, uri)
            return held
        if monotonic() >= deadline:
            current = read_lock_with_etag(clients, uri)
            who = (
                current[0].describe()
                if current
                else "another run (the lock vanished while checking)"
            )
            raise aws.AwsError(
                Diagnostic(
                    "E413",
                    f"environment {environment!r} is locked by {who}",
                    hints=(
                        "wait for it or raise --lock-timeout (a lock whose lease lapsed is taken "
                        f"over after at most {MAX_LEASE_SECONDS:.0f} s); if that run is dead and "
                        f"you cannot wait: biaswatch force-unlock {current[0].id if current else '<id>'}",
                    ),
                ),
                "Locked",
            )
        sleep(max(0.0, min(delay, deadline - monotonic())))
        delay = min(delay * 2, 5.0)


def _held(etag: str | None, info: LockInfo, clients: aws.Clients, uri: str) -> HeldLock | None:
    if etag is None:
        return None
    if etag:
        return HeldLock(info, etag)
    # An S3 without ETags in PutObject responses: read ours back.
    current = read_lock_with_etag(clients, uri)
    return HeldLock(*current) if current and current[0].id == info.id else None


def release_lock(clients: aws.Clients, uri: str, held: HeldLock) -> bool:
    """Stop renewing and delete the lock if it is still ours (never someone else's)."""
    held.stop_renewal()
    current = read_lock(clients, uri)
    if current is not None and current.id == held.id:
        objects.delete_object(clients, uri)
        return True
    return False


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
    objects.delete_object(clients, uri)
    return current
