"""GitHub REST provider: followers/following by page number, profiles by stable numeric id.

Lists are fetched page 1 first; when its Link header names the last page, pages 2..last are fetched
concurrently, otherwise `next` links are followed one by one. A list is returned only when every page is
accounted for (full pages up to a last page with no `next`); anything else is an IncompleteListError.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx

from followtui.models import FollowList, GoneAccount, GoneReason, Interaction, Profile
from followtui.providers._common import (
    BaseProvider,
    WireOptions,
    bare_handle,
    bare_secret,
    canonical,
    distinct_ids,
    path_segment,
    run_all,
    server_url,
)
from followtui.providers.activity import Activity, activity_of, with_activity
from followtui.providers.base import Progress
from followtui.providers.errors import (
    ApiError,
    IncompleteListError,
    NotFoundError,
    RateLimitError,
)
from followtui.providers.http import GITHUB_RATE_LIMIT, HttpClient, JsonResponse
from followtui.sanitize import MAX_BIO, MAX_HANDLE, MAX_NAME, clean_int, clean_text, clean_time, clean_url

if TYPE_CHECKING:
    from typing_extensions import Unpack

DEFAULT_API = "https://api.github.com"
API_VERSION = "2022-11-28"
MAX_PER_PAGE = 100
#: A Link header promising more pages than this is not believed (10 million accounts at 100 a page).
MAX_PAGES = 100_000
#: Public events read per account for its activity (one page), and how long GitHub keeps them.
EVENTS_PER_PAGE = 30
EVENT_RETENTION = timedelta(days=90)
TOKEN_HINT = (
    "A token raises the limit from 60 to 5,000 requests an hour: create one at "
    "https://github.com/settings/tokens (no scopes are needed to read) and give it to followtui "
    "with --token-env."
)


def api_base_for(server: str | None) -> str:
    """The REST base URL for what a user typed: nothing or github.com means api.github.com.

    GitHub Enterprise users give the API root themselves (https://host/api/v3).
    """
    server = server_url(server)
    if server is None or httpx.URL(server).host in ("github.com", "www.github.com"):
        return DEFAULT_API
    return server


class GitHubProvider(BaseProvider):
    """The Provider contract for GitHub and GitHub Enterprise (REST API version 2022-11-28)."""

    platform = "github"
    platform_name = "GitHub"
    rate_limit_headers = GITHUB_RATE_LIMIT
    spaced_handles_refused = False
    token_needed = "GitHub needs a token to {what}: add one with --token-env (scope user:follow)"

    def __init__(
        self,
        base_url: str = DEFAULT_API,
        token: str | None = None,
        *,
        per_page: int = MAX_PER_PAGE,
        **options: Unpack[WireOptions],
    ) -> None:
        super().__init__(per_page=per_page, max_per_page=MAX_PER_PAGE, **options)
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION}
        self._http = self._server(base_url, headers, token=bare_secret(token), token_hint=TOKEN_HINT)

    # -- Provider --------------------------------------------------------------------------------------

    @property
    def http(self) -> HttpClient:
        """The shared HTTP client (rate-limit state, quota left), for reports."""
        return self._http

    def quota_left(self) -> int | None:
        return self._http.quota_left()

    async def lookup_self(self, handle: str) -> Profile:
        login = bare_handle(handle)
        if not login:
            raise NotFoundError("no GitHub user named ''")
        try:
            answer = await self._http.get_json(f"/users/{path_segment(login)}")
        except NotFoundError:
            raise NotFoundError(f"no GitHub user named {clean_text(login, MAX_HANDLE)!r}") from None
        return self._full_profile(answer.data, f"the user {clean_text(login, MAX_HANDLE)!r}")

    async def fetch_followers(self, account: Profile, progress: Progress | None = None) -> FollowList:
        return await self._fetch_list(account, "followers", account.followers_count, progress)

    async def fetch_following(self, account: Profile, progress: Progress | None = None) -> FollowList:
        return await self._fetch_list(account, "following", account.following_count, progress)

    async def lookup(self, ids: Sequence[str], budget: int) -> dict[str, Profile | GoneAccount]:
        """Full profiles by numeric id via GET /user/{id} (stable across renames).

        The budget is also capped by the quota the server says is left. If the rate limit stops us after
        some profiles arrived, those are returned and the rest are simply absent (as with a spent budget);
        if it stops us before any arrived, the RateLimitError is raised.
        """
        return await self._lookup_each(distinct_ids(ids)[: self._capped_budget(budget)], self._lookup_one)

    async def lookup_with_activity(self, ids: Sequence[str], budget: int) -> dict[str, Profile | GoneAccount]:
        """`lookup`, with each hydrated account's recent public activity (`last_active_at`, `posts_per_day`)
        from the first page of its public events: two requests an account.

        Ids are taken in order, in rounds: with A requests left, a round takes ceil(A/2) ids and reads the events
        of those among its first A // 2 that exist, so a budget of N hydrates N // 2 accounts fully (an odd last
        request buys a profile alone), and what a gone account did not need goes to the next round's ids. Fewer complete
        accounts beat more half-known ones: the rest stay absent and come first next time, while an account
        hydrated without its activity would wait until it is stale to get it. The budget is capped by the quota
        left, as in `lookup`, and again after every round; a rate limit keeps what arrived.
        """
        wanted = distinct_ids(ids)
        left = self._capped_budget(budget)
        results: dict[str, Profile | GoneAccount] = {}
        stopped: list[RateLimitError] = []
        taken = 0
        while left > 0 and taken < len(wanted) and not stopped:
            batch = wanted[taken : taken + (left + 1) // 2]
            taken += len(batch)
            left -= await self._hydrate_round(batch, left - len(batch), results, stopped)
            quota = self._http.quota_left()
            left = left if quota is None else min(left, quota)
        if stopped and not results:
            raise stopped[0]
        return results

    async def _hydrate_round(
        self, batch: list[str], events: int, results: dict[str, Profile | GoneAccount], stopped: list[RateLimitError]
    ) -> int:
        """Profiles of `batch` into `results`, with events for those of its first `events` ids that exist; the
        requests sent. A rate limit is noted in `stopped` and ends the round's remaining work."""
        semaphore = asyncio.Semaphore(self.lookup_concurrency)
        sent = 0

        async def one(index: int, account_id: str) -> None:
            nonlocal sent
            async with semaphore:
                try:
                    if stopped:
                        return
                    sent += 1
                    found = results[account_id] = await self._lookup_one(account_id)
                    if isinstance(found, Profile) and index < events and not stopped:
                        sent += 1
                        results[account_id] = await self._with_events(found)
                except RateLimitError as exc:
                    stopped.append(exc)

        await run_all([one(index, account_id) for index, account_id in enumerate(batch)])
        return sent

    def _capped_budget(self, budget: int) -> int:
        """The budget, capped by the quota the server says is left; with none left one request still goes (the
        rate-limit handling then waits or explains)."""
        quota = self._http.quota_left()
        budget = max(0, budget)
        return budget if quota is None else min(budget, max(quota, 1))

    async def _with_events(self, profile: Profile) -> Profile:
        """`profile` with its activity from its newest public events; as it was when they cannot be read (the
        user vanished meanwhile, or the answer is unusable): activity is a nicety, the profile is not."""
        try:
            answer = await self._http.get_json(
                f"/users/{path_segment(profile.handle)}/events/public", params={"per_page": EVENTS_PER_PAGE}
            )
        except (NotFoundError, ApiError):
            return profile
        return with_activity(profile, _event_activity(answer, self.now(), profile.created_at))

    # -- follow actions (need a token) -----------------------------------------------------------------

    async def follow(self, target: Profile) -> None:
        self._need_token("follow")
        await self._action("PUT", target.handle)

    async def unfollow(self, target: Profile) -> None:
        self._need_token("unfollow")
        await self._action("DELETE", target.handle)

    async def is_following(self, target: Profile) -> bool:
        """Whether the token's user follows `target` (204 yes, 404 no)."""
        self._need_token("check whom you follow")
        path = f"/user/following/{path_segment(target.handle)}"
        answer = await self._http.request("GET", path, expect_json=False, accept=(404,))
        return answer.status != 404

    async def interactions(self, account: Profile, since: datetime, budget: int) -> list[Interaction]:
        """Stars, forks and issues on `account`'s repositories since `since`, in at most `budget` requests (one
        for the repositories, up to three a repository, most recently pushed first); see
        followtui.providers.interactions.github."""
        from followtui.providers.interactions.github import read_interactions

        return await read_interactions(self, account, since, budget)

    async def _action(self, method: str, login: str) -> None:
        try:
            await self._http.request(method, f"/user/following/{path_segment(login)}", content=b"", expect_json=False)
        except NotFoundError:
            raise NotFoundError(f"no GitHub user named {clean_text(login, MAX_HANDLE)!r}") from None

    # -- lists -----------------------------------------------------------------------------------------

    async def _fetch_list(
        self, account: Profile, name: str, expected: int | None, progress: Progress | None
    ) -> FollowList:
        login = account.handle
        base_path = f"/users/{path_segment(login)}/{name}"
        state = _ListState(name, expected, progress)
        try:
            first = await self._http.get_json(base_path, params={"per_page": self.per_page, "page": 1})
        except NotFoundError:
            raise NotFoundError(f"no GitHub user named {clean_text(login, MAX_HANDLE)!r}") from None
        state.add(1, first, self._page_items(first, name, 1))

        if "next" not in first.links:
            return state.result()
        if not first.data:
            raise self._changed(state, "page 1 is empty but links to a next page")
        # Every page but the last holds the page size. GitHub carries per_page into its links: when they carry
        # it, a shorter first page lost rows (taking its length as the size would let the list through); when
        # they do not, the first page shows the server's own size.
        carried = self._http.resolve(first.links["next"]).params.get("per_page", "")
        size = int(carried) if carried.isdigit() and len(carried) < 9 else 0
        state.page_size = min(size, MAX_PER_PAGE) if size else len(first.data)
        self._check_full(state, 1, first)
        last_url = first.links.get("last")
        if last_url is not None:
            await self._fetch_numbered(state, first, last_url)
        else:
            await self._fetch_sequential(state, first)
        return state.result()

    async def _fetch_numbered(self, state: _ListState, first: JsonResponse, last_url: str) -> None:
        """Pages 2..last at once: GitHub links carry page numbers, so every URL is known up front."""
        last = self._http.resolve(last_url)
        last_page = _page_number(last, "last")
        if last_page < 2 or last_page > MAX_PAGES:
            raise ApiError(f"GitHub announced an implausible last page ({last_page}) for {state.name}")
        next_url = self._http.resolve(first.links["next"])
        if _page_number(next_url, "next") != 2:
            raise IncompleteListError(f"GitHub's {state.name} list skipped from page 1 to another page")
        semaphore = asyncio.Semaphore(self.concurrency)

        async def fetch(page: int) -> None:
            async with semaphore:
                answer = await self._http.get_json(str(last.copy_set_param("page", str(page))))
            items = self._page_items(answer, state.name, page)
            if page < last_page:
                if "next" not in answer.links:
                    raise self._changed(state, f"page {page} of {last_page} has no next link")
                self._check_full(state, page, answer)
            else:
                self._check_last(state, page, answer)
            announced = answer.links.get("last")
            if announced is not None and _page_number(self._http.resolve(announced), "last") != last_page:
                raise self._changed(state, f"the last page moved from {last_page}")
            state.add(page, answer, items)

        await run_all([fetch(page) for page in range(2, last_page + 1)])

    async def _fetch_sequential(self, state: _ListState, first: JsonResponse) -> None:
        """No `last` link: follow `next` until a page has none, refusing to revisit a page."""
        seen = {canonical(self._http.resolve(first.url))}
        answer = first
        page = 1
        while "next" in answer.links:
            url = self._http.resolve(answer.links["next"])
            key = canonical(url)
            if key in seen:
                raise IncompleteListError(
                    f"GitHub's {state.name} list links back to a page already fetched (page {page + 1}); "
                    "the list changed during the fetch, the next sync will retry"
                )
            seen.add(key)
            if len(seen) > MAX_PAGES:
                raise ApiError(f"GitHub's {state.name} list goes on for more than {MAX_PAGES} pages")
            page += 1
            answer = await self._http.get_json(str(url))
            items = self._page_items(answer, state.name, page)
            if "next" in answer.links:
                self._check_full(state, page, answer)
            else:
                self._check_last(state, page, answer)
            state.add(page, answer, items)

    def _check_full(self, state: _ListState, page: int, answer: JsonResponse) -> None:
        count = len(answer.data)
        if count != state.page_size:
            raise self._changed(state, f"page {page} has {count} accounts, not {state.page_size}")

    def _check_last(self, state: _ListState, page: int, answer: JsonResponse) -> None:
        if "next" in answer.links:
            raise self._changed(state, f"the last page ({page}) links to a further page")
        if not answer.data:
            raise self._changed(state, f"the last page ({page}) is empty")
        if len(answer.data) > state.page_size:
            raise self._changed(state, f"the last page ({page}) holds more than a page")

    @staticmethod
    def _changed(state: _ListState, detail: str) -> IncompleteListError:
        return IncompleteListError(
            f"GitHub's {state.name} list changed during the fetch ({detail}); the next sync will retry"
        )

    def _page_items(self, answer: JsonResponse, name: str, page: int) -> list[Profile]:
        data = answer.data
        if not isinstance(data, list):
            raise ApiError(f"GitHub sent something other than a list for {name} page {page}")
        if len(data) > self.per_page:
            raise ApiError(f"GitHub sent {len(data)} accounts on {name} page {page}, more than a page holds")
        return [self._list_profile(item, f"{name} page {page}") for item in data]

    # -- profiles --------------------------------------------------------------------------------------

    async def _lookup_one(self, account_id: str) -> Profile | GoneAccount:
        try:
            answer = await self._http.get_json(f"/user/{path_segment(account_id)}")
        except NotFoundError:
            # GitHub answers 404 alike for deleted and suspended users.
            return GoneAccount(account_id, GoneReason.DELETED)
        profile = self._full_profile(answer.data, f"user id {clean_text(account_id, 64)}")
        if profile.id != account_id:
            raise ApiError(f"GitHub answered user id {profile.id} when asked for {clean_text(account_id, 64)}")
        return profile

    def _list_profile(self, item: Any, where: str) -> Profile:
        """A simple-user from a list page: identity, avatar, type; no counts (GitHub lists lack them).

        An entry without a usable id or login is an ApiError, not skipped: skipping would shrink the
        snapshot and the sync would report an unfollow that never happened.
        """
        account_id, login = self._identity(item, where, ("id", "login"), "id or login")
        if not account_id.isdigit():
            raise ApiError(f"GitHub sent an account without a valid id or login in {where}")
        kind = item.get("type")
        return Profile(
            id=account_id,
            handle=login,
            avatar_url=clean_url(item.get("avatar_url")),
            url=clean_url(item.get("html_url")) or f"https://github.com/{quote(login, safe='')}",
            bot=(kind == "Bot") if isinstance(kind, str) else None,
        )

    def _full_profile(self, data: Any, where: str) -> Profile:
        base = self._list_profile(data, where)
        return Profile(
            id=base.id,
            handle=base.handle,
            display_name=clean_text(data.get("name"), MAX_NAME),
            bio=clean_text(data.get("bio"), MAX_BIO, multiline=True),
            avatar_url=base.avatar_url,
            url=base.url,
            followers_count=clean_int(data.get("followers")),
            following_count=clean_int(data.get("following")),
            posts_count=clean_int(data.get("public_repos")),
            created_at=clean_time(data.get("created_at")),
            bot=base.bot,
            hydrated_at=self.now(),
        )


class _ListState:
    """Pages of one list as they arrive (in any order), joined in page order at the end."""

    def __init__(self, name: str, expected: int | None, progress: Progress | None) -> None:
        self.name = name
        self.expected = expected
        self.progress = progress
        self.pages: dict[int, list[Profile]] = {}
        self.requests = 0
        self.fetched = 0
        self.page_size = 0

    def add(self, page: int, answer: JsonResponse, items: list[Profile]) -> None:
        self.pages[page] = items
        self.requests += answer.attempts
        self.fetched += len(items)
        if self.progress is not None:
            self.progress(self.name, self.fetched, self.expected)

    def result(self) -> FollowList:
        accounts: dict[str, Profile] = {}
        for page in sorted(self.pages):
            for profile in self.pages[page]:
                accounts.setdefault(profile.id, profile)
        return FollowList(tuple(accounts.values()), pages=len(self.pages), requests=self.requests)


def _page_number(url: httpx.URL, rel: str) -> int:
    value = url.params.get("page")
    if value is None or not value.isdigit() or len(value) > 9:
        raise ApiError(f"GitHub sent a {rel} link without a page number")
    return int(value)


def _event_activity(answer: JsonResponse, now: datetime, created: datetime | None) -> Activity | None:
    """What one page of public events says (providers/activity.py), or None when the body is not a list.

    GitHub keeps 90 days of events (300 at most), so a page shorter than asked holds them all and its window
    reaches back 90 days, or to the account's creation when later. No events: no public activity in 90 days,
    so posts_per_day 0.0 and last_active_at None, which means "not within what GitHub shows", not "never".
    Items without a readable created_at are skipped.
    """
    data = answer.data
    if not isinstance(data, list):
        return None
    times = [t for t in map(_event_time, data) if t is not None]
    more = len(data) >= EVENTS_PER_PAGE or "next" in answer.links
    since = now - EVENT_RETENTION if created is None else max(now - EVENT_RETENTION, created)
    return activity_of(times, now, more=more, since=since)


def _event_time(item: object) -> datetime | None:
    return clean_time(item.get("created_at")) if isinstance(item, dict) else None
