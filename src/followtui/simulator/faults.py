"""Seeded fault injection for API routes: server errors, rate limits, dropped, hung and broken responses.

A plan draws from its own seeded generator once per API request, so a run with the same seed and the same
request sequence hits the same faults. Control endpoints never consult it.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any

ALL_KINDS = ("500", "502", "503", "429", "ratelimit", "reset", "timeout", "truncated", "malformed")
# Faults the server answers itself without running the route (so a faulted PUT changes nothing).
STATUS_KINDS = frozenset({"500", "502", "503", "429", "ratelimit"})
# Faults that break the transport or the body of an otherwise real response.
TRANSPORT_KINDS = frozenset({"reset", "timeout", "truncated", "malformed"})


@dataclass(frozen=True, slots=True)
class Fault:
    kind: str
    variant: float  # a seeded number in [0, 1) for picking among variants of a kind


@dataclass
class FaultPlan:
    """Inject a fault into `rate` of API requests, choosing uniformly among `kinds`."""

    rate: float = 0.0
    seed: int = 0
    kinds: tuple[str, ...] = ALL_KINDS
    retry_after_s: int = 1
    hang_s: float = 30.0
    max_faults: int | None = None
    injected: dict[str, int] = field(default_factory=dict, init=False)
    drawn: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self.kinds = tuple(str(k) for k in self.kinds)
        unknown = set(self.kinds) - set(ALL_KINDS)
        if unknown or not self.kinds:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; choose from {ALL_KINDS}")
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        self._rng = random.Random(f"faults:{self.seed}")
        self._lock = threading.Lock()

    def draw(self) -> Fault | None:
        """The fault for the next API request, or None. Always consumes the same randomness per call."""
        with self._lock:
            self.drawn += 1
            roll, kind, variant = self._rng.random(), self._rng.choice(self.kinds), self._rng.random()
            if roll >= self.rate:
                return None
            if self.max_faults is not None and sum(self.injected.values()) >= self.max_faults:
                return None
            self.injected[kind] = self.injected.get(kind, 0) + 1
            return Fault(kind, variant)

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                "rate": self.rate,
                "seed": self.seed,
                "kinds": list(self.kinds),
                "retry_after_s": self.retry_after_s,
                "hang_s": self.hang_s,
                "max_faults": self.max_faults,
                "drawn": self.drawn,
                "injected": dict(self.injected),
            }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaultPlan | None:
        """Build from a control-endpoint body; a rate of 0 (or missing) means no faults at all."""
        rate = float(data.get("rate") or 0)
        if rate <= 0:
            return None
        return cls(
            rate=rate,
            seed=int(data.get("seed", 0)),
            kinds=tuple(data.get("kinds") or ALL_KINDS),
            retry_after_s=int(data.get("retry_after_s", 1)),
            hang_s=float(data.get("hang_s", 30.0)),
            max_faults=data.get("max_faults"),
        )
