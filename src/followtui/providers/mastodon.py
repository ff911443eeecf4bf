"""Mastodon provider: one instance's REST API, accounts keyed by their id on that instance.

Lists follow `rel="next"` Link headers to their end, in pages as large as the server makes them (some cap
`limit` below what is asked; see _Chain); their pages carry full accounts (counts included), so list entries
arrive hydrated. An account that hides its network answers 200 with `[]`: that is reported as a
HiddenListError, never returned as "nobody".
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, NoReturn

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
    server_url,
)
from followtui.providers.base import Progress
from followtui.providers.errors import (
    ApiError,
    HiddenListError,
    IncompleteListError,
    NotFoundError,
)
from followtui.providers.html_text import html_to_text
from followtui.providers.http import MASTODON_RATE_LIMIT, HttpClient, JsonResponse, abandon
from followtui.sanitize import MAX_BIO, MAX_HANDLE, MAX_NAME, clean_id, clean_int, clean_text, clean_time, clean_url

if TYPE_CHECKING:
    from typing_extensions import Unpack

MAX_LIMIT = 80
#: Pages of your own statuses read per sync at most (40 each): enough for a daily sync.
MAX_POST_PAGES = 10
#: A Link chain longer than this is not believed (8 million accounts at 80 a page).
MAX_PAGES = 100_000
MISSING_AVATAR = "/avatars/original/missing.png"
TOKEN_HINT = (
    "Signed-in requests get their own limit: create an access token in Preferences → Development and store it "
    "with `followtui account login`."
)


def instance_base_for(server: str | None) -> str:
    """The instance URL for what a user typed (a bare host gets https); there is no default instance."""
    base = server_url(server)
    if base is None:
        raise ValueError("Mastodon needs the instance's address: use --server (for example https://mastodon.social)")
    return base


class MastodonProvider(BaseProvider):
    """The Provider contract for a Mastodon instance (API v1; Mastodon 3.4 or newer for account lookup)."""

    platform = "mastodon"
    platform_name = "Mastodon"
    rate_limit_headers = MASTODON_RATE_LIMIT
    token_needed = (
        "Mastodon needs an access token to {what}: store one with `followtui account login` or "
        "--token-env (scopes read:accounts, read:follows and write:follows)"
    )

    def __init__(
        self,
        server: str | None,
        token: str | None = None,
        *,
        per_page: int = MAX_LIMIT,
        **options: Unpack[WireOptions],
    ) -> None:
        base = instance_base_for(server)
        super().__init__(per_page=per_page, max_per_page=MAX_LIMIT, **options)
        token = bare_secret(token)
        self._http = self._server(base, {"Accept": "application/json"}, token=token, token_hint=TOKEN_HINT)
        #: Account ids whose profile said hide_collections: true.
        self._hides: set[str] = set()
        #: The token's own account id, once asked (None: not asked yet; "" when there is no token).
        self._me: str | None = None if token else ""

    # -- Provider --------------------------------------------------------------------------------------

    @property
    def http(self) -> HttpClient:
        """The HTTP client (rate-limit state, quota left), for reports and the interactions reader."""
        return self._http

    def quota_left(self) -> int | None:
        return self._http.quota_left()

    async def lookup_self(self, handle: str) -> Profile:
        acct = self._local_acct(handle)
        if not acct:
            raise NotFoundError(f"no Mastodon account named '' on {self._http.host}")
        try:
            answer = await self._http.get_json("/api/v1/accounts/lookup", params={"acct": acct})
        except NotFoundError:
            raise NotFoundError(
                f"no Mastodon account named {clean_text(acct, MAX_HANDLE)!r} on {self._http.host}"
            ) from None
        return self._profile(answer.data, f"the account {clean_text(acct, MAX_HANDLE)!r}")

    async def fetch_followers(self, account: Profile, progress: Progress | None = None) -> FollowList:
        return await self._fetch_list(account, "followers", account.followers_count, progress)

    async def fetch_following(self, account: Profile, progress: Progress | None = None) -> FollowList:
        return await self._fetch_list(account, "following", account.following_count, progress)

    async def lookup(self, ids: Sequence[str], budget: int) -> dict[str, Profile | GoneAccount]:
        """Full accounts by id, one request each, `lookup_concurrency` at a time; gone accounts say why.

        A rate limit after some answers arrived returns those (the rest are absent, as with a spent budget).
        """
        return await self._lookup_each(distinct_ids(ids)[: max(0, budget)], self._lookup_one)

    # -- follow actions (need a token) -----------------------------------------------------------------

    async def follow(self, target: Profile) -> None:
        """Follow (idempotent); a locked account gets a follow request instead."""
        self._need_token("follow")
        await self._action(target, "follow")

    async def unfollow(self, target: Profile) -> None:
        self._need_token("unfollow")
        await self._action(target, "unfollow")

    async def is_following(self, target: Profile) -> bool:
        """Whether the token's account follows `target` now (a pending request to a locked account does not)."""
        return (await self.relationship(target)).get("following") is True

    async def pending_request(self, target: Profile) -> bool:
        """Whether a follow of `target` waits for its approval (a locked account); an unfollow withdraws it."""
        return (await self.relationship(target)).get("requested") is True

    async def relationship(self, target: Profile) -> dict[str, Any]:
        """The token's relationship to `target` (following, followed_by, requested…) as the server sent it."""
        self._need_token("check whom you follow")
        answer = await self._http.get_json("/api/v1/accounts/relationships", params={"id[]": target.id})
        items = answer.data if isinstance(answer.data, list) else None
        if items is None:
            raise ApiError("Mastodon sent something other than a list of relationships")
        for item in items:
            if isinstance(item, dict) and clean_id(item.get("id")) == target.id:
                return item
        raise NotFoundError(f"Mastodon knows no account with id {clean_text(target.id, 64)}")

    async def _action(self, target: Profile, verb: str) -> None:
        try:
            answer = await self._http.request("POST", f"/api/v1/accounts/{path_segment(target.id)}/{verb}", content=b"")
        except NotFoundError:
            raise NotFoundError(
                f"Mastodon knows no account {clean_text(target.handle, MAX_HANDLE)!r} (id {clean_text(target.id, 64)})"
            ) from None
        if not isinstance(answer.data, dict) or clean_id(answer.data.get("id")) != target.id:
            raise ApiError(f"Mastodon answered the {verb} of {clean_text(target.handle, MAX_HANDLE)} oddly")

    async def own_post_times(self, account: Profile, since: datetime) -> list[datetime]:
        """When `account` posted (boosts left out), newest first, back to `since`: its statuses, 40 a page
        by `rel="next"`, stopping at the first older one or after MAX_POST_PAGES pages."""
        target = f"/api/v1/accounts/{path_segment(account.id)}/statuses"
        params: dict[str, str | int] | None = {"limit": 40, "exclude_reblogs": "true"}
        times: list[datetime] = []
        for _ in range(MAX_POST_PAGES):
            answer = await self._http.get_json(target, params=params)
            if not isinstance(answer.data, list):
                raise ApiError("Mastodon sent something other than a list of statuses")
            for status in answer.data:
                if not isinstance(status, dict) or status.get("reblog") is not None:
                    continue
                at = clean_time(status.get("created_at"))
                if at is None:
                    continue
                if at < since:
                    return times
                times.append(at)
            next_url = answer.links.get("next")
            if next_url is None:
                break
            target, params = str(self._http.resolve(next_url)), None
        return times

    async def interactions(self, account: Profile, since: datetime, budget: int) -> list[Interaction]:
        """Favourites, boosts and replies on `account`'s statuses since `since`, in at most `budget` requests (up
        to three a status, newest first); see followtui.providers.interactions.mastodon."""
        from followtui.providers.interactions.mastodon import read_interactions

        return await read_interactions(self, account, since, budget)

    # -- lists -----------------------------------------------------------------------------------------

    async def _fetch_list(
        self, account: Profile, name: str, expected: int | None, progress: Progress | None
    ) -> FollowList:
        user, at, home = account.handle.partition("@")
        if at and user and home:
            # An instance knows only the follows of a remote account that involve its own users.
            who, where = clean_text(account.handle, MAX_HANDLE), clean_text(home, MAX_HANDLE)
            raise IncompleteListError(
                f"mastodon:{who} lives on {where}, and {self._http.host} knows only part of its {name}; "
                f"track it with --server https://{where}"
            )
        if account.id in self._hides and not await self._is_me(account):
            raise self._hidden(account, name)

        accounts: dict[str, Profile] = {}
        chain = _Chain(name, self.per_page)
        pages = requests = 0
        # Each page's Link header names the next one: it is requested at once, and this page's accounts are
        # parsed while it is in flight, off the (sequential) chain's critical path.
        first = f"/api/v1/accounts/{path_segment(account.id)}/{name}"
        pending = asyncio.ensure_future(self._list_page(account, first, {"limit": self.per_page}))
        try:
            while True:
                answer = await pending
                pages += 1
                requests += answer.attempts
                where = f"{name} page {pages}"
                if not isinstance(answer.data, list):
                    self._page_items(answer, where)  # says what is wrong with it
                next_url = answer.links.get("next")
                chain.check(pages, len(answer.data), answer.url, linked=next_url is not None)
                if next_url is not None:
                    url = self._http.resolve(next_url)  # refuses links to another server
                    chain.follow(pages, httpx.URL(answer.url), url)
                    if pages >= MAX_PAGES:
                        raise ApiError(f"Mastodon's {name} list goes on for more than {MAX_PAGES} pages")
                    pending = asyncio.ensure_future(self._list_page(account, str(url), None))
                for item in self._page_items(answer, where):
                    accounts.setdefault(item.id, item)
                if progress is not None:
                    progress(name, len(accounts), expected)
                if next_url is None:
                    break
        finally:
            abandon(pending)  # the list failed while its next page was on the way
        requests += await self._ask_again(account, chain)
        if not accounts and (expected or 0) > 0 and not await self._is_me(account):
            raise self._hidden(account, name)
        return FollowList(tuple(accounts.values()), pages=pages, requests=requests)

    async def _list_page(self, account: Profile, target: str, params: dict[str, str | int] | None) -> JsonResponse:
        try:
            return await self._http.get_json(target, params=params)
        except NotFoundError:
            raise NotFoundError(
                f"Mastodon knows no account {clean_text(account.handle, MAX_HANDLE)!r} on {self._http.host}"
            ) from None

    async def _ask_again(self, account: Profile, chain: _Chain) -> int:
        """Ask once more for each page the chain left in doubt; the requests this cost."""
        requests = 0
        for page, held, url in chain.doubts():
            answer = await self._list_page(account, url, None)
            requests += answer.attempts
            chain.settle(page, held, len(self._page_items(answer, f"{chain.name} page {page}, asked again")))
        return requests

    def _page_items(self, answer: JsonResponse, where: str) -> list[Profile]:
        if not isinstance(answer.data, list):
            raise ApiError(f"Mastodon sent something other than a list of accounts ({where})")
        if len(answer.data) > MAX_LIMIT:
            raise ApiError(f"Mastodon sent {len(answer.data)} accounts on {where}, more than a page holds")
        return [self._profile(item, where) for item in answer.data]

    async def _is_me(self, account: Profile) -> bool:
        """Whether requests are made as `account` (its own token sees its hidden lists)."""
        if self._me is None:
            answer = await self._http.get_json("/api/v1/accounts/verify_credentials")
            me = clean_id(answer.data.get("id")) if isinstance(answer.data, dict) else None
            if me is None:
                raise ApiError("Mastodon sent credentials without an account id")
            self._me = me
        return self._me == account.id

    def _hidden(self, account: Profile, name: str) -> HiddenListError:
        who = clean_text(account.handle, MAX_HANDLE) or clean_text(account.id, 64)
        signed = " (the token given belongs to another account)" if self._has_token else ""
        return HiddenListError(
            f"mastodon:{who} hides its {name}{signed}; sign in as that account "
            f"(followtui account login mastodon:{who}) to read them"
        )

    # -- profiles --------------------------------------------------------------------------------------

    async def _lookup_one(self, account_id: str) -> Profile | GoneAccount:
        try:
            answer = await self._http.request("GET", f"/api/v1/accounts/{path_segment(account_id)}", accept=(410,))
        except NotFoundError:
            return GoneAccount(account_id, GoneReason.DELETED)
        if answer.status == 410:  # Mastodon 2.4 to 3.2 answered suspended accounts with Gone
            return GoneAccount(account_id, GoneReason.SUSPENDED)
        data = answer.data
        if isinstance(data, dict) and data.get("suspended") is True:
            return GoneAccount(account_id, GoneReason.SUSPENDED)
        moved = data.get("moved") if isinstance(data, dict) else None
        if isinstance(moved, dict):
            return GoneAccount(account_id, GoneReason.MOVED, moved_to=_moved_acct(moved))
        profile = self._profile(data, f"account id {clean_text(account_id, 64)}")
        if profile.id != account_id:
            raise ApiError(f"Mastodon answered account {profile.id} when asked for {clean_text(account_id, 64)}")
        return profile

    def _profile(self, item: Any, where: str) -> Profile:
        """An Account entity (list pages carry full ones). A bad entry is an ApiError, never skipped."""
        account_id, acct = self._identity(item, where, ("id", "acct"), "id or acct")
        if item.get("hide_collections") is True:
            self._hides.add(account_id)
        else:
            self._hides.discard(account_id)
        avatar = clean_url(item.get("avatar"))
        locked, bot, moved = item.get("locked"), item.get("bot"), item.get("moved")
        return Profile(
            id=account_id,
            handle=acct,
            display_name=clean_text(item.get("display_name"), MAX_NAME),
            bio=html_to_text(item.get("note"), MAX_BIO),
            avatar_url=avatar,
            url=clean_url(item.get("url")),
            followers_count=clean_int(item.get("followers_count")),
            following_count=clean_int(item.get("following_count")),
            posts_count=clean_int(item.get("statuses_count")),
            created_at=clean_time(item.get("created_at")),
            last_active_at=clean_time(item.get("last_status_at")),
            private=locked if isinstance(locked, bool) else None,
            bot=bot if isinstance(bot, bool) else None,
            default_avatar=(MISSING_AVATAR in avatar) if avatar else None,
            hydrated_at=self.now(),
            moved_to=_moved_acct(moved),
        )

    def _local_acct(self, handle: str) -> str:
        """`@alice@this.instance` → `alice`; accounts of other instances keep their domain."""
        acct = bare_handle(handle)
        user, at, domain = acct.rpartition("@")
        if at and user and domain.lower() == (self._http.base_url.host or "").lower():
            return user
        return acct


def _moved_acct(moved: object) -> str:
    """The acct of the account a `moved` Account entity points to; empty when there is none."""
    if not isinstance(moved, dict):
        return ""
    acct = clean_text(moved.get("acct"), MAX_HANDLE)
    return "" if " " in acct else acct


class _Chain:
    """What a list's pages have shown of the size this server pages by, and the refusals that follow from it.

    Mastodon links on only from a page holding the `limit` asked; Pleroma, Akkoma and others cap `limit` (40 is
    common) and link on from full pages of their cap, Pleroma from its short last page too, whose next page is
    `[]` without a Link (apis.md section 2; pleroma:lib/pleroma/web/controller_helper.ex). So the size is
    learnt from the first page that links on, and only checks that hold on every such server refuse a list.
    """

    def __init__(self, name: str, asked: int) -> None:
        self.name = name
        self.asked = asked
        #: The size this server pages by, from the first page that linked on (and which page that was).
        self.size: int | None = None
        self.size_page = 0
        self.size_url = ""
        #: Whether `size` is certain: it is the limit asked, or a second page that linked on held it too.
        self.confirmed = False
        #: A page that linked on but held less than `size`: (page, held, url). Only a list's end may follow.
        self.short: tuple[int, int, str] | None = None
        self._urls: set[str] = set()
        self._cursors: set[str] = set()

    def check(self, page: int, held: int, url: str, *, linked: bool) -> None:
        """Refuse a page that shows rows went missing; learn the page size from one that links on."""
        if self.short is not None and held:  # rows after a short page that linked on: it lost some
            self._missing(self.short[0], self.short[1], self.size)
        if linked and not held:  # every server sends [] with no Link (apis.md: "empty page ... no Link header")
            self._missing(page, 0, self.size)
        if self.size is not None and held > self.size:  # a server never pages by more than it has been paging by
            self._missing(self.size_page, self.size, held)
        if not linked:
            return
        if self.size is None:
            self.size, self.size_page, self.size_url = held, page, url
            self.confirmed = held >= self.asked
        elif held == self.size:
            self.confirmed = True
        else:
            self.short = (page, held, url)

    def follow(self, page: int, here: httpx.URL, there: httpx.URL) -> None:
        """Refuse a link back to a page already fetched, or to a `max_id` already used (apis.md: "a repeated or
        looping `max_id`"): pages go by Follow record id, so a cursor met twice means the chain loops."""
        key, cursor = canonical(there), there.params.get("max_id")
        if key in self._urls or key == canonical(here) or (cursor is not None and cursor in self._cursors):
            raise IncompleteListError(
                f"Mastodon's {self.name} list links back to a page already fetched (page {page + 1}); "
                "the next sync will retry"
            )
        self._urls.add(key)
        if cursor is not None:
            self._cursors.add(cursor)

    def doubts(self) -> list[tuple[int, int, str]]:
        """Pages the list ended without vouching for: a page size below the limit asked that no second page
        repeated (a cap, or rows lost from the one page that showed it), and a short page before the end."""
        pages = []
        if self.size is not None and not self.confirmed:
            pages.append((self.size_page, self.size, self.size_url))
        if self.short is not None:
            pages.append(self.short)
        return pages

    def settle(self, page: int, held: int, again: int) -> None:
        """A server's cap holds the same number of rows when asked the same again; lost rows seldom do."""
        if again != held:
            raise IncompleteListError(
                f"Mastodon's {self.name} list page {page} held {held} accounts, then {again} when asked again: "
                "accounts went missing; the next sync will retry"
            )

    def _missing(self, page: int, held: int, size: int | None) -> NoReturn:
        expected = f", not {size}," if size else ""
        raise IncompleteListError(
            f"Mastodon's {self.name} list page {page} holds {held} accounts{expected} yet links to a next page: "
            "accounts went missing; the next sync will retry"
        )
