"""SIGTERM handled like Ctrl-C: both raise a KeyboardInterrupt in the main thread, so every
`finally` runs (the lock is released); the exit code tells them apart (130 vs 143)."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_TERMINATED = 143  # 128 + SIGTERM


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: timeout(1), docker stop, Kubernetes, a cancelled CI job."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises Terminated (only the main thread can set handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def interrupt_exit_code(exc: BaseException) -> int:
    """143 when the interrupt (or what it was turned into, e.g. click's Abort) was SIGTERM."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, Terminated):
            return EXIT_TERMINATED
        seen = seen.__cause__ or seen.__context__
    return EXIT_INTERRUPTED
