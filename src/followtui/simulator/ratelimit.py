"""A fixed-window request counter shared by the Bluesky and Mastodon formats (GitHub keeps its own).

Windows run on the wall clock so a test can exhaust and wait them out, but the reset instant is reported on
the simulated clock (the one stamping the Date header), so `reset - Date` is always the true wait.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WindowState:
    limit: int
    used: int
    window_s: float
    wait_s: float  # wall seconds until the window resets
    reset_ts: float  # the reset instant on the simulated clock (epoch seconds, fractional)

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    @property
    def retry_after(self) -> int:
        return max(1, math.ceil(self.wait_s))


class WindowLimiter:
    """`limit` requests per key per `window_s`; a limit of 0 disables counting."""

    def __init__(self, limit: int, window_s: float, clock: Callable[[], int]) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._buckets: dict[str, list[float]] = {}  # key -> [window start (wall), used]
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.limit > 0

    def _state(self, key: str, *, take: bool) -> tuple[bool, WindowState]:
        with self._lock:
            now = time.time()
            bucket = self._buckets.get(key)
            if bucket is None or now >= bucket[0] + self.window_s:
                bucket = self._buckets[key] = [now, 0]
            allowed = bucket[1] < self.limit
            if take and allowed:
                bucket[1] += 1
            wait = max(0.0, bucket[0] + self.window_s - now)
            state = WindowState(self.limit, int(bucket[1]), self.window_s, wait, self.clock() + wait)
            return allowed, state

    def take(self, key: str) -> tuple[bool, WindowState]:
        """Count one request; whether it is allowed, and the bucket after counting."""
        return self._state(key, take=True)

    def peek(self, key: str) -> WindowState:
        return self._state(key, take=False)[1]
