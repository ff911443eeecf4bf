"""Mastodon: who favourited, boosted or replied to your recent statuses (public reads; a token is used if given).

Your statuses come from `/api/v1/accounts/:id/statuses?exclude_reblogs=true` (newest first, 40 a page), back
to `since`. Each status then costs up to three requests, each skipped when the status's own count says there
is nothing: `/api/v1/statuses/:id/favourited_by` and `/reblogged_by` (Account entities with no time: the
status's created_at is used, the earliest the act can be) and `/context` (a descendant in reply to your
account is a reply to you, at its created_at). Lists longer than a page follow `rel="next"` with what budget
is left. A status that vanished (404) is skipped. Mentions outside your threads need the signed-in
notifications API: not read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from followtui.models import Interaction, InteractionKind, Profile
from followtui.providers.errors import ApiError
from followtui.providers.http import JsonResponse
from followtui.providers.interactions._common import (
    MAX_ITEMS,
    MAX_PAGES_PER_LIST,
    Reader,
    Step,
    run_steps,
)
from followtui.sanitize import clean_id, clean_int, clean_time

if TYPE_CHECKING:
    from followtui.providers.mastodon import MastodonProvider

#: Statuses a page holds at most (Mastodon's cap on this route), and pages read at most.
STATUS_PAGE = 40
MAX_STATUS_PAGES = 10
#: Accounts a favourited_by/reblogged_by page holds at most (Mastodon's cap).
ACCOUNT_PAGE = 80
#: Statuses that are gone or not shown to us (deleted, private, suspended author).
_GONE = (404, 410)


@dataclass(frozen=True, slots=True)
class _Status:
    id: str
    at: datetime
    favourites: int | None
    reblogs: int | None
    replies: int | None

    @property
    def requests(self) -> int:
        """Requests its first pages cost: one per kind the status's counts do not rule out."""
        return sum(count != 0 for count in (self.favourites, self.reblogs, self.replies))


class _Reader(Reader["MastodonProvider"]):
    """One interactions call: the provider, whose statuses, the window, the budget and what was found."""

    async def read(self) -> list[Interaction]:
        steps: list[Step] = []
        for status in await self._statuses():
            target = f"/api/v1/statuses/{quote(status.id, safe='')}"
            if status.favourites != 0:
                steps.append(partial(self._accounts, status, InteractionKind.LIKE, f"{target}/favourited_by", 1))
            if status.reblogs != 0:
                steps.append(partial(self._accounts, status, InteractionKind.REPOST, f"{target}/reblogged_by", 1))
            if status.replies != 0:
                steps.append(partial(self._context, status, f"{target}/context"))
        await run_steps(steps, self.budget, self.provider.concurrency, self.found)
        return self.found.result()

    # -- your statuses ---------------------------------------------------------------------------------

    async def _statuses(self) -> list[_Status]:
        """Your statuses since `since`, newest first; another page only while the budget left exceeds what the
        statuses found so far will cost."""
        target = f"/api/v1/accounts/{quote(self.account.id, safe='')}/statuses"
        params: dict[str, str | int] | None = {"limit": STATUS_PAGE, "exclude_reblogs": "true"}
        statuses: list[_Status] = []
        for _ in range(MAX_STATUS_PAGES):
            if not self.budget.take():
                break
            answer = await self._get(target, params, gone=())
            if answer is None or not isinstance(answer.data, list):
                raise ApiError("Mastodon sent something other than a list of statuses")
            ended = False
            for item in answer.data[:STATUS_PAGE]:
                status = self._own_status(item)
                if status is None:
                    continue
                if status.at < self.since:
                    ended = True
                    break
                statuses.append(status)
            next_url = answer.links.get("next")
            if ended or next_url is None or self.budget.left <= sum(s.requests for s in statuses):
                break
            target, params = str(self.provider.http.resolve(next_url)), None
        return statuses

    def _own_status(self, item: Any) -> _Status | None:
        """A status of yours (not a boost), or None."""
        if not isinstance(item, dict) or item.get("reblog") is not None:
            return None
        author = item.get("account")
        if isinstance(author, dict) and clean_id(author.get("id")) != self.account.id:
            return None
        status_id, at = _status_id(item.get("id")), clean_time(item.get("created_at"))
        if status_id is None or at is None:
            return None
        count = item.get
        return _Status(
            status_id,
            at,
            clean_int(count("favourites_count")),
            clean_int(count("reblogs_count")),
            clean_int(count("replies_count")),
        )

    # -- favourites and boosts -------------------------------------------------------------------------

    async def _accounts(self, status: _Status, kind: InteractionKind, target: str, page: int) -> list[Step]:
        """One page of who favourited or boosted a status (timed at the status); the next page follows."""
        params: dict[str, str | int] | None = (
            {"limit": min(self.provider.per_page, ACCOUNT_PAGE)} if page == 1 else None
        )
        answer = await self._get(target, params)
        if answer is None:
            return []  # the status is gone
        if not isinstance(answer.data, list) or len(answer.data) > ACCOUNT_PAGE:
            raise ApiError("Mastodon sent a malformed list of accounts for one of your statuses")
        for item in answer.data:
            profile = self._profile(item)
            if profile is not None:
                self.found.add((kind, status.id, profile.id), profile, kind, status.at)
        next_url = answer.links.get("next")
        if next_url is None or page >= MAX_PAGES_PER_LIST or not answer.data:
            return []
        following = str(self.provider.http.resolve(next_url))  # refuses a link to another server
        if following == answer.url:
            return []
        return [partial(self._accounts, status, kind, following, page + 1)]

    # -- replies ---------------------------------------------------------------------------------------

    async def _context(self, status: _Status, target: str) -> list[Step]:
        """The status's descendants: each one in reply to your account is a reply to you."""
        answer = await self._get(target, None)
        if answer is None:
            return []
        descendants = answer.data.get("descendants") if isinstance(answer.data, dict) else None
        if not isinstance(descendants, list):
            raise ApiError("Mastodon sent a status context without descendants")
        for item in descendants[:MAX_ITEMS]:
            if not isinstance(item, dict) or clean_id(item.get("in_reply_to_account_id")) != self.account.id:
                continue
            reply_id = _status_id(item.get("id"))
            profile = self._profile(item.get("account"))
            if reply_id is not None and profile is not None:
                self.found.add(("reply", reply_id), profile, InteractionKind.REPLY, clean_time(item.get("created_at")))
        return []

    # -- plumbing --------------------------------------------------------------------------------------

    async def _get(
        self, target: str, params: dict[str, str | int] | None, *, gone: tuple[int, ...] = _GONE
    ) -> JsonResponse | None:
        """One read; a status that is gone (404, 410) gives None, unless `gone` says otherwise."""
        answer = await self.provider.http.request("GET", target, params=params, accept=gone)
        self.budget.retried(answer.attempts)
        return None if answer.status in gone else answer

    def _profile(self, item: Any) -> Profile | None:
        """The account as the follower lists key it (by its id on this instance); a malformed one is skipped."""
        try:
            return self.provider._profile(item, "an interaction")
        except ApiError:
            return None


async def read_interactions(
    provider: MastodonProvider, account: Profile, since: datetime, budget: int
) -> list[Interaction]:
    """See the module's docstring; `account.id` is the account's id on the provider's instance."""
    return await _Reader(provider, account, since, budget).read()


def _status_id(value: object) -> str | None:
    """A status id fit for a URL path (Mastodon's are decimal strings)."""
    status_id = clean_id(value)
    return status_id if status_id is not None and status_id.isascii() and status_id.isalnum() else None
