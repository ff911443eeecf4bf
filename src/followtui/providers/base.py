"""The contract every platform provider fulfils.

Providers fetch and normalise; they never write the store and never know the simulator exists.
Every method raises only `followtui.providers.errors` exceptions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from followtui.models import FollowList, GoneAccount, Interaction, Profile

#: Called with (list name, accounts fetched so far, expected total or None) as pages arrive.
Progress = Callable[[str, int, "int | None"], None]
#: Requests in flight per list (followers and following are fetched at once, each with this many).
DEFAULT_CONCURRENCY = 8


class Provider(Protocol):
    platform: str

    async def lookup_self(self, handle: str) -> Profile:
        """The tracked account's own full profile (counts included); NotFoundError if there is none."""

    async def fetch_followers(self, account: Profile, progress: Progress | None = None) -> FollowList:
        """Every follower, to the list's natural end, or an exception: never a partial list."""

    async def fetch_following(self, account: Profile, progress: Progress | None = None) -> FollowList:
        """Every followed account, to the list's natural end, or an exception."""

    async def lookup(self, ids: Sequence[str], budget: int) -> dict[str, Profile | GoneAccount]:
        """Full profiles for up to `budget` requests' worth of ids; gone accounts come back as GoneAccount.

        Ids left out (budget spent) are simply absent from the result.
        """

    async def follow(self, target: Profile) -> None:
        """Follow `target` as the signed-in user (AuthError without credentials)."""

    async def unfollow(self, target: Profile) -> None:
        """Stop following `target` as the signed-in user."""

    async def is_following(self, target: Profile) -> bool:
        """Whether the signed-in user follows `target` now (used to verify an action).

        What only some platforms can do is a Protocol of its own below (`HasFollowRequests`, `ListsOwnPosts`,
        `ReportsQuota`, `ReadsInteractions`, `ReadsActivity`): callers check with isinstance.
        """

    def server_time(self) -> datetime | None:
        """The platform's clock from the latest response's Date header (the sync clock), if known."""

    @property
    def requests_made(self) -> int:
        """How many HTTP requests this provider has sent (for reports and benchmarks)."""

    async def aclose(self) -> None: ...


@runtime_checkable
class ReadsInteractions(Protocol):
    """A platform where people's engagement with you can be read: replies, mentions, likes and reposts of your
    recent posts (Bluesky, Mastodon); stars, forks and issues on your repositories (GitHub)."""

    async def interactions(self, account: Profile, since: datetime, budget: int) -> list[Interaction]:
        """Every interaction with `account`'s recent posts or repositories since `since`, spending at most
        `budget` requests (newest posts first; what the budget did not reach is left out, never guessed)."""


@runtime_checkable
class ReadsActivity(Protocol):
    """A platform whose profiles lack activity, read beside them: GitHub's public events, Bluesky's author feed."""

    async def lookup_with_activity(self, ids: Sequence[str], budget: int) -> dict[str, Profile | GoneAccount]:
        """`lookup`, with `last_active_at` and `posts_per_day` set from each account's newest acts, within
        `budget` requests in all (so fewer accounts than `lookup` would cover, each of them complete)."""


@runtime_checkable
class HasFollowRequests(Protocol):
    """A platform where following a locked account sends a request it must approve (Mastodon)."""

    async def pending_request(self, target: Profile) -> bool:
        """Whether a follow of `target` waits for its approval; an unfollow withdraws it."""


@runtime_checkable
class ListsOwnPosts(Protocol):
    """A platform whose own posts are cheap to list (Bluesky, Mastodon): what history lines gains and losses
    up against."""

    async def own_post_times(self, account: Profile, since: datetime) -> list[datetime]:
        """When `account` posted, newest first, back to `since` (reposts and boosts left out)."""


@runtime_checkable
class ReportsQuota(Protocol):
    """A platform that states the requests left in its rate-limit window (GitHub, Mastodon)."""

    def quota_left(self) -> int | None:
        """Requests left in the current window, when the server said so and it has not reset since."""
