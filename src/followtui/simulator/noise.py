"""Follow churn among accounts that are not the owners (a busy network, most of it not about you): what a soak
of `followtui watch` reads for an hour of a big network (see `StreamServer.noise`)."""

from __future__ import annotations

import random
import time
from typing import Any

from .background import Background
from .world import World


class Noise(Background):
    """Follow churn among non-owner accounts on a background thread (see `StreamServer.noise`)."""

    def __init__(
        self,
        world: World,
        *,
        rate: float | None = 100.0,
        seconds: float | None = None,
        count: int | None = None,
        per_minute: float = 600.0,
        seed: int = 0,
        unfollow_share: float = 0.4,
        refollow_share: float = 0.01,
    ) -> None:
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        super().__init__()
        self.world = world
        self.rate = rate if rate and rate > 0 else None
        self.seconds, self.count, self.per_minute, self.seed = seconds, count, per_minute, seed
        self.unfollow_share, self.refollow_share = unfollow_share, refollow_share
        self.made = 0
        self.started = 0.0
        self.finished: float | None = None
        self._rng = random.Random(f"noise:{seed}")
        self._edges: list[tuple[int, int]] = []

    # ------------------------------------------------------------------ lifecycle

    thread_name = "simulator-noise"

    def _started(self) -> None:
        self.started = time.monotonic()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until done (count or seconds reached, or stopped); True when it is."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running

    def status(self) -> dict[str, Any]:
        end = self.finished if self.finished is not None else time.monotonic()
        elapsed = max(end - self.started, 1e-9) if self.started else 0.0
        return {
            "running": self.running,
            "made": self.made,
            "count": self.count,
            "seconds": self.seconds,
            "rate": self.rate,
            "per_minute": self.per_minute,
            "elapsed_s": round(elapsed, 3),
            "achieved_rate": round(self.made / elapsed, 1) if elapsed else 0.0,
        }

    # ------------------------------------------------------------------ the churn

    def _run(self) -> None:
        try:
            spacing = 60.0 / self.per_minute
            at = float(self.world.now_ts())
            while not self._stop.is_set():
                if self.count is not None and self.made >= self.count:
                    break
                elapsed = time.monotonic() - self.started
                if self.seconds is not None and elapsed >= self.seconds:
                    break
                if self.rate is not None:
                    ahead = self.made / self.rate - elapsed
                    if ahead > 0:
                        self._stop.wait(min(ahead, 0.05))
                        continue
                at = max(at + spacing, float(self.world.now_ts()))
                if self.step(at):
                    self.made += 1
        finally:
            self.finished = time.monotonic()

    def _pick(self, ids: list[int]) -> int | None:
        for _ in range(20):
            acc = self.world.account(ids[self._rng.randrange(len(ids))])
            if acc is not None and acc.active and not acc.owner:
                return acc.id
        return None

    def step(self, at: float) -> bool:
        """One change at simulated time `at`: a follow between two non-owners, or the unfollow or re-follow of
        an edge this noise made. False when nothing applied after a few tries."""
        world, rng, edges = self.world, self._rng, self._edges
        ids = world.random_account_ids()
        for _ in range(10):
            roll = rng.random()
            if edges and roll < self.refollow_share:
                a, b = edges[rng.randrange(len(edges))]
                if world.change_at(("refollow", a, b), at):
                    return True
            elif edges and roll < self.unfollow_share + self.refollow_share:
                i = rng.randrange(len(edges))
                edges[i], edges[-1] = edges[-1], edges[i]
                a, b = edges.pop()
                if world.change_at(("unfollow", a, b), at):
                    return True
            else:
                fan, idol = self._pick(ids), self._pick(ids)
                if fan is not None and idol is not None and world.change_at(("follow", fan, idol), at):
                    edges.append((fan, idol))
                    return True
        return False
