"""A tiny in-memory provider for unit tests of the sync engine's decisions.

Integration tests use the real simulator over HTTP; this exists to set up exact edge cases cheaply.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from followtui.models import FollowList, GoneAccount, GoneReason, Profile
from followtui.providers.errors import NetworkError, NotFoundError


class FakeProvider:
    platform = "github"

    def __init__(self, owner: str = "me", owner_id: str = "1") -> None:
        self.owner = Profile(id=owner_id, handle=owner)
        self.followers: list[str] = []
        self.following: list[str] = []
        self.handles: dict[str, str] = {}
        self.gone: dict[str, GoneReason] = {}
        self.clock = datetime(2026, 1, 5, 9, tzinfo=UTC)
        self.fail_fetch = False
        self.fail_lookup = False
        self.report_count: int | None = None
        self.requests_made = 0

    def tick(self, days: float = 1) -> None:
        self.clock += timedelta(days=days)

    def _profile(self, pid: str) -> Profile:
        return Profile(id=pid, handle=self.handles.get(pid, f"user{pid}"))

    async def lookup_self(self, handle: str) -> Profile:
        self.requests_made += 1
        if handle != self.owner.handle:
            raise NotFoundError(f"no user {handle}")
        count = len(self.followers) if self.report_count is None else self.report_count
        return Profile(
            id=self.owner.id,
            handle=self.owner.handle,
            followers_count=count,
            following_count=len(self.following),
            hydrated_at=self.clock,
        )

    async def _fetch(self, ids: list[str]) -> FollowList:
        self.requests_made += 1
        if self.fail_fetch:
            raise NetworkError("connection reset")
        return FollowList(tuple(self._profile(i) for i in ids), pages=1, requests=1)

    async def fetch_followers(self, account, progress=None):  # type: ignore[no-untyped-def]
        return await self._fetch(self.followers)

    async def fetch_following(self, account, progress=None):  # type: ignore[no-untyped-def]
        return await self._fetch(self.following)

    async def lookup(self, ids: Sequence[str], budget: int) -> dict[str, Profile | GoneAccount]:
        if self.fail_lookup:
            raise NetworkError("timeout")
        out: dict[str, Profile | GoneAccount] = {}
        for pid in list(ids)[:budget]:
            self.requests_made += 1
            if pid in self.gone:
                out[pid] = GoneAccount(pid, self.gone[pid])
            else:
                p = self._profile(pid)
                out[pid] = Profile(
                    id=p.id, handle=p.handle, followers_count=10, following_count=10, hydrated_at=self.clock
                )
        return out

    def server_time(self) -> datetime:
        return self.clock

    async def aclose(self) -> None:
        pass
