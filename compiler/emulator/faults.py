"""Decides, per request, which injected latency, throttle or 5xx fault the emulator applies."""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

FAULT_KINDS = ("throttle", "error", "unavailable", "lost_response", "latency", "denied")


@dataclass
class FaultRule:
    """A fault for the next `remaining` calls of `operation` ("*": any SageMaker call, "s3": any S3 call)."""

    kind: str
    operation: str = "*"
    remaining: int = 1
    latency_ms: int = 0

    def matches(self, operation: str) -> bool:
        if self.operation == "*":
            return not operation.startswith("S3:")
        if self.operation.lower() == "s3":
            return operation.startswith("S3:")
        return self.operation == operation


@dataclass(frozen=True)
class Decision:
    """What to do with one request: wait, then answer an error, or run it and lose the answer."""

    latency_s: float = 0.0
    error: tuple[int, str, str] | None = None  # (HTTP status, error code, message)
    lose_response: bool = False


THROTTLE = (400, "ThrottlingException", "Rate exceeded")
INTERNAL = (500, "InternalFailure", "We encountered an internal error. Please try again.")
UNAVAILABLE = (503, "ServiceUnavailable", "Service is unavailable. Please try again.")
# What a missing IAM permission looks like (S3's code; SageMaker's is AccessDeniedException).
DENIED = (403, "AccessDenied", "Access Denied")


@dataclass
class Faults:
    """Fault settings and their seeded randomness; thread-safe."""

    latency_ms: int = 0
    throttle_tps: float | None = None
    fault_rate: float = 0.0
    seed: int = 0
    include_s3: bool = False
    rules: list[FaultRule] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self._random = random.Random(self.seed)
        self._recent: dict[str, deque[float]] = {}

    def configure(
        self,
        latency_ms: int | None = None,
        throttle_tps: float | None = None,
        fault_rate: float | None = None,
        include_s3: bool | None = None,
        seed: int | None = None,
        clear_throttle: bool = False,
    ) -> None:
        with self.lock:
            if latency_ms is not None:
                self.latency_ms = int(latency_ms)
            if throttle_tps is not None or clear_throttle:
                self.throttle_tps = throttle_tps
            if fault_rate is not None:
                if not 0.0 <= fault_rate <= 1.0:
                    raise ValueError(f"fault_rate must be between 0 and 1, got {fault_rate}")
                self.fault_rate = float(fault_rate)
            if include_s3 is not None:
                self.include_s3 = include_s3
            if seed is not None:
                self.seed = seed
                self._random = random.Random(seed)

    def inject(self, kind: str, operation: str = "*", count: int = 1, latency_ms: int = 0) -> None:
        if kind not in FAULT_KINDS:
            raise ValueError(f"fault kind {kind!r} is not one of {', '.join(FAULT_KINDS)}")
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count}")
        with self.lock:
            self.rules.append(FaultRule(kind, operation, count, latency_ms))

    def clear(self) -> None:
        with self.lock:
            self.latency_ms, self.throttle_tps, self.fault_rate = 0, None, 0.0
            self.rules.clear()
            self._recent.clear()
            self._random = random.Random(self.seed)

    def describe(self) -> dict[str, Any]:
        with self.lock:
            return {
                "latency_ms": self.latency_ms,
                "throttle_tps": self.throttle_tps,
                "fault_rate": self.fault_rate,
                "include_s3": self.include_s3,
                "seed": self.seed,
                "pending": [vars(r).copy() for r in self.rules],
            }

    def decide(self, operation: str) -> Decision:
        """The fault for one request of `operation` (S3 requests are named "S3:<METHOD>")."""
        with self.lock:
            global_applies = self.include_s3 or not operation.startswith("S3:")
            latency = self.latency_ms / 1000.0 if global_applies else 0.0
            rule = next((r for r in self.rules if r.matches(operation)), None)
            if rule is not None:
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self.rules.remove(rule)
                if rule.kind == "latency":
                    return Decision(latency_s=latency + rule.latency_ms / 1000.0)
                if rule.kind == "lost_response":
                    return Decision(latency_s=latency, lose_response=True)
                error = {
                    "throttle": THROTTLE,
                    "error": INTERNAL,
                    "unavailable": UNAVAILABLE,
                    "denied": DENIED,
                }
                return Decision(latency_s=latency, error=error[rule.kind])
            if not global_applies:
                return Decision()
            if self.throttle_tps is not None and self._throttled(operation):
                return Decision(latency_s=latency, error=THROTTLE)
            if self.fault_rate and self._random.random() < self.fault_rate:
                return Decision(
                    latency_s=latency, error=self._random.choice((INTERNAL, UNAVAILABLE))
                )
            return Decision(latency_s=latency)

    def _throttled(self, operation: str) -> bool:
        """A one-second sliding window per operation; only admitted calls count."""
        now = time.monotonic()
        recent = self._recent.setdefault(operation, deque())
        while recent and now - recent[0] >= 1.0:
            recent.popleft()
        assert self.throttle_tps is not None
        if len(recent) >= self.throttle_tps:
            return True
        recent.append(now)
        return False
