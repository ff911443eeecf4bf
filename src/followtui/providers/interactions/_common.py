"""What every platform's interaction reader shares: the request budget, the rounds requests go out in, and the
collection of interactions (deduplicated, the account's own acts left out, newest first)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from datetime import UTC, datetime
from typing import Generic, TypeVar

from followtui.models import Interaction, InteractionKind, Profile
from followtui.providers._common import run_all
from followtui.providers.errors import RateLimitError

#: Pages of one list (a post's likes, a repository's stars…) read at most: bounds a hostile cursor chain too.
MAX_PAGES_PER_LIST = 20
#: Items of one answer looked at, at most (a thread's nodes, a context's descendants).
MAX_ITEMS = 2000

T = TypeVar("T")

#: One request to send: it records what it read and returns the requests that should follow it (next pages).
Step = Callable[[], Awaitable[list["Step"]]]


class Budget:
    """The requests one interactions call may still send. Each is taken before it is sent; the extra attempts
    of a retried one are counted after it returns, so later requests give way to them."""

    def __init__(self, limit: int) -> None:
        self.limit = max(0, limit)
        self.spent = 0

    @property
    def left(self) -> int:
        return max(0, self.limit - self.spent)

    def take(self, wanted: int = 1) -> int:
        """Take up to `wanted` requests; how many were granted."""
        granted = min(max(0, wanted), self.left)
        self.spent += granted
        return granted

    def retried(self, attempts: int) -> None:
        self.spent += max(0, attempts - 1)


class Collector:
    """Interactions as they arrive, once per act (keyed by what identifies the act on its platform), never the
    account's own (a self-like, your own answer in a thread, a star on your own repository)."""

    def __init__(self, account: Profile) -> None:
        self.me = account.id
        self._acts: dict[Hashable, Interaction] = {}

    def add(self, key: Hashable, profile: Profile, kind: InteractionKind, at: datetime | None) -> None:
        if profile.id != self.me:
            self._acts.setdefault(key, Interaction(profile, kind, at))

    def __len__(self) -> int:
        return len(self._acts)

    def result(self) -> list[Interaction]:
        """Newest first; acts without a time last."""
        floor = datetime.min.replace(tzinfo=UTC)
        return sorted(self._acts.values(), key=lambda i: (i.at is not None, i.at or floor), reverse=True)


def aware(since: datetime) -> datetime:
    """`since` as aware UTC (a naive time is read as UTC), so it compares with the platforms' times."""
    return since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)


async def run_steps(steps: list[Step], budget: Budget, concurrency: int, found: Collector) -> None:
    """Send `steps` in rounds, in the order given (newest posts first), as many as the budget covers, at most
    `concurrency` at a time; the follow-up pages they ask for make the next round. So the budget reaches every
    post's first page before any post's second one.

    A rate limit stops the reading: what arrived is kept (as `lookup` does), unless nothing did, then it is
    raised. Any other failure cancels the round and is raised.
    """
    stopped: list[RateLimitError] = []
    semaphore = asyncio.Semaphore(max(1, concurrency))

    async def run(step: Step) -> list[Step]:
        async with semaphore:
            if stopped:
                return []
            try:
                return await step()
            except RateLimitError as exc:
                stopped.append(exc)
                return []

    while steps and not stopped:
        sent = steps[: budget.take(len(steps))]
        if not sent:
            break
        results = await run_all([run(step) for step in sent])
        steps = [follow for result in results for follow in result]
    if stopped and not len(found):
        raise stopped[0]


ProviderT = TypeVar("ProviderT")


class Reader(Generic[ProviderT]):
    """One interactions call: the provider, whose posts or repositories, the window, the budget and what was
    found. Each platform's reader adds how it walks its posts or repositories."""

    def __init__(self, provider: ProviderT, account: Profile, since: datetime, budget: int) -> None:
        self.provider = provider
        self.account = account
        self.since = aware(since)
        self.budget = Budget(budget)
        self.found = Collector(account)
