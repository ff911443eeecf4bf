"""Bluesky (AT Protocol XRPC) provider: follow graphs by cursor, profiles by DID, follows as repo records.

Reads go unauthenticated to an AppView (public by default). Writes go to the user's PDS with a session
created from an app password (`com.atproto.server.createSession`) and refreshed when the access token
expires. A list is returned only when its cursor chain reached its end (no `cursor` key); pages may be short
or even empty while a cursor is present, so their size proves nothing.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

import httpx
import orjson

from followtui.models import FollowList, GoneAccount, GoneReason, Interaction, Profile
from followtui.providers._common import (
    BaseProvider,
    WireOptions,
    bare_handle,
    bare_secret,
    check_between,
    distinct_ids,
    run_all,
    server_url,
)
from followtui.providers.activity import Activity, activity_of, with_activity
from followtui.providers.base import Progress
from followtui.providers.errors import (
    ApiError,
    AuthError,
    IncompleteListError,
    NotFoundError,
    ProviderError,
    RateLimitError,
)
from followtui.providers.http import BLUESKY_RATE_LIMIT, HttpClient, Sleep, abandon
from followtui.sanitize import MAX_BIO, MAX_HANDLE, MAX_NAME, clean_id, clean_int, clean_text, clean_time, clean_url

if TYPE_CHECKING:
    from typing_extensions import Unpack

DEFAULT_APPVIEW = "https://public.api.bsky.app"
DEFAULT_PDS = "https://bsky.social"
MAX_LIMIT = 100
MAX_ACTORS = 25
#: A cursor chain longer than this is not believed (10 million accounts at 100 a page, plus empty pages).
MAX_PAGES = 200_000
MAX_CURSOR = 1024
FOLLOW = "app.bsky.graph.follow"
#: Pages of your own author feed read per sync at most (100 posts each): enough for a daily sync.
MAX_POST_PAGES = 10
#: Author-feed items read per account for its activity (one page).
FEED_PAGE = 30
REPOST_REASON = "app.bsky.feed.defs#reasonRepost"
#: Pauses while is_following waits for the AppView to index a write of ours (~10 s in all). The AppView learns
#: of a PDS write from the PDS's event stream, a moment later, so a read-back right after it can still be stale.
INDEX_WAITS_S = (0.1, 0.2, 0.4, 0.8, 1.5, 2.0, 2.0, 3.0)
#: XRPC error statuses whose {"error", "message"} body we read ourselves (429 and 5xx stay with HttpClient).
_XRPC_STATUSES = (400, 401, 403, 404)
_AUTH_ERRORS = frozenset({"AuthenticationRequired", "InvalidToken", "ExpiredToken", "AuthMissing"})
_NOT_FOUND_WORDS = ("profile not found", "actor not found", "unable to resolve", "could not find")
MAX_LABELS = 32
MAX_LABEL = 128  # the lexicon's bound on `val`
#: Accounts per app.bsky.graph.getRelationships request (the lexicon's bound on `others`).
MAX_RELATIONSHIPS = 30
_RKEY_RE = re.compile(r"[A-Za-z0-9._:~-]{1,512}")
_DID_RE = re.compile(r"did:[a-z]+:[a-zA-Z0-9._:%-]{0,2040}[a-zA-Z0-9._-]")


def xrpc_base_for(server: str | None, default: str = DEFAULT_APPVIEW) -> str:
    """The XRPC host for what a user typed: nothing means the public AppView; a bare host gets https."""
    base = server_url(server)
    return default if base is None else base.removesuffix("/xrpc")


class XrpcError(ApiError):
    """An XRPC error answer: the lexicon error name (`InvalidRequest`, `AccountTakedown`…) and status."""

    def __init__(self, message: str, *, status: int, name: str, detail: str) -> None:
        super().__init__(message)
        self.status = status
        self.name = name
        self.detail = detail


@dataclass(slots=True)
class _Session:
    did: str
    handle: str
    access_jwt: str = field(repr=False)
    refresh_jwt: str = field(repr=False)


class BlueskyProvider(BaseProvider):
    """The Provider contract for Bluesky and any AT Protocol AppView/PDS."""

    platform = "bluesky"
    platform_name = "Bluesky"
    rate_limit_headers = BLUESKY_RATE_LIMIT

    def __init__(
        self,
        server: str | None = None,
        app_password: str | None = None,
        *,
        identifier: str | None = None,
        pds: str | None = None,
        per_page: int = MAX_LIMIT,
        batch_size: int = MAX_ACTORS,
        **options: Unpack[WireOptions],
    ) -> None:
        check_between("batch_size", batch_size, MAX_ACTORS)
        super().__init__(per_page=per_page, max_per_page=MAX_LIMIT, **options)
        read_base = xrpc_base_for(server)
        pds_base = xrpc_base_for(pds, read_base if server and server.strip() else DEFAULT_PDS)
        self.batch_size = batch_size
        self._password = bare_secret(app_password)
        self._identifier = bare_handle(identifier or "") or None
        self._session: _Session | None = None
        self._session_lock = asyncio.Lock()
        self._sleep: Sleep = options.get("sleep") or asyncio.sleep
        #: subject DID -> whether our last write made us follow it (what is_following waits to see indexed)
        self._wrote: dict[str, bool] = {}
        # Reads go to the AppView, writes to the PDS: one server when they are the same.
        headers = {"Accept": "application/json"}
        secrets = (self._password,) if self._password else ()
        self._read = self._server(read_base, headers, secrets=secrets)
        same = httpx.URL(read_base) == httpx.URL(pds_base)
        self._pds = self._read if same else self._server(pds_base, headers, secrets=secrets)

    def __repr__(self) -> str:
        return (
            f"BlueskyProvider({str(self._read.base_url)!r}, pds={str(self._pds.base_url)!r}, "
            f"identifier={self._identifier!r}, app_password={'set' if self._password else 'none'})"
        )

    # -- Provider --------------------------------------------------------------------------------------

    async def lookup_self(self, handle: str) -> Profile:
        actor = bare_handle(handle)
        if not actor:
            raise NotFoundError("no Bluesky account named ''")
        if self._identifier is None and not actor.startswith("did:"):
            self._identifier = actor  # the tracked handle signs in with its app password
        try:
            data = await self._get("app.bsky.actor.getProfile", {"actor": actor})
        except XrpcError as exc:
            raise self._not_found(exc, actor) from None
        return self._profile(data, f"the profile of {clean_text(actor, MAX_HANDLE)!r}", detailed=True)

    async def fetch_followers(self, account: Profile, progress: Progress | None = None) -> FollowList:
        return await self._fetch_list(account, "followers", progress)

    async def fetch_following(self, account: Profile, progress: Progress | None = None) -> FollowList:
        return await self._fetch_list(account, "following", progress)

    async def lookup(self, ids: Sequence[str], budget: int) -> dict[str, Profile | GoneAccount]:
        """Full profiles by DID, 25 per `getProfiles` request; actors it leaves out are classified one by one.

        `budget` counts requests (batches first, then single lookups of the missing). One id, or a budget that
        covers one request per id but not the batches plus a lookup per id, goes straight to single lookups:
        that costs no more and classifies everything. A rate limit after some answers arrived returns those.
        """
        wanted = distinct_ids(ids)
        budget = max(0, budget)
        results: dict[str, Profile | GoneAccount] = {}
        if not wanted or not budget:
            return results
        batches = [wanted[i : i + self.batch_size] for i in range(0, len(wanted), self.batch_size)]
        singles_only = len(wanted) == 1 or (
            len(wanted) <= budget < len(batches) + len(wanted) and len(wanted) <= self.batch_size
        )
        stopped: list[RateLimitError] = []
        semaphore = asyncio.Semaphore(self.lookup_concurrency)

        async def batch(actors: list[str]) -> None:
            async with semaphore:
                if not stopped:
                    try:
                        results.update(await self._get_profiles(actors))
                    except RateLimitError as exc:
                        stopped.append(exc)

        async def single(actor: str) -> None:
            async with semaphore:
                if not stopped:
                    try:
                        found = await self._classify(actor)
                    except RateLimitError as exc:
                        stopped.append(exc)
                        return
                    if found is not None:
                        results[actor] = found

        if singles_only:
            await run_all([single(actor) for actor in wanted[:budget]])
        else:
            sent = batches[:budget]
            await run_all([batch(chunk) for chunk in sent])
            missing = [actor for chunk in sent for actor in chunk if actor not in results]
            if not stopped:
                await run_all([single(actor) for actor in missing[: budget - len(sent)]])
        if stopped and not results:
            raise stopped[0]
        return results

    async def lookup_with_activity(self, ids: Sequence[str], budget: int) -> dict[str, Profile | GoneAccount]:
        """`lookup`, with each hydrated account's recent activity (`last_active_at`, `posts_per_day`) from one
        page of its author feed: a request an account on top of the profiles' (25 a request).

        As many ids are taken, in order, as fit at that price; their profiles come first and the feeds are read,
        in the same order, with what the profiles left (classifying a gone actor costs one). A budget too small
        for a single feed buys profiles alone.
        """
        wanted = distinct_ids(ids)
        budget = max(0, budget)
        taken = wanted[: _fully_hydrated(len(wanted), budget, self.batch_size)]
        before = self.requests_made
        results = await self.lookup(taken, budget)
        left = budget - (self.requests_made - before)
        found = [(actor, p) for actor in taken if isinstance(p := results.get(actor), Profile)]
        results.update(await self._read_feeds(found[: max(0, left)]))
        return results

    async def _read_feeds(self, profiles: list[tuple[str, Profile]]) -> dict[str, Profile]:
        """Each (asked id, profile) with the activity its author feed shows, concurrently. A feed that cannot be
        read leaves its profile as it was (activity is a nicety); a rate limit keeps what arrived."""
        semaphore = asyncio.Semaphore(self.lookup_concurrency)
        stopped: list[RateLimitError] = []
        out: dict[str, Profile] = {}

        async def read(actor: str, profile: Profile) -> None:
            async with semaphore:
                if stopped:
                    return
                try:
                    out[actor] = with_activity(profile, await self._feed_activity(profile))
                except RateLimitError as exc:
                    stopped.append(exc)
                except (ApiError, NotFoundError, AuthError):
                    pass

        await run_all([read(actor, profile) for actor, profile in profiles])
        return out

    async def _feed_activity(self, profile: Profile) -> Activity:
        """What the newest page of `profile`'s author feed says: its posts, replies and reposts all count (what
        its followers see of it); without a cursor the page is its whole feed, back to the account's creation."""
        data = await self._get("app.bsky.feed.getAuthorFeed", {"actor": profile.id, "limit": FEED_PAGE})
        times = [at for at, _ in _feed_entries(data, profile.id)]
        return activity_of(times, self.now(), more=data.get("cursor") is not None, since=profile.created_at)

    # -- follow actions (need an app password) --------------------------------------------------------

    async def follow(self, target: Profile) -> None:
        """Create a follow record (once: an existing follow is left as it is, never duplicated)."""
        subject = await self._did_of(target)
        viewer = await self._viewer(subject)
        if viewer.get("following"):
            return
        session = await self._ensure_session()
        record = {"$type": FOLLOW, "subject": subject, "createdAt": _now_iso()}
        await self._call(
            self._pds,
            "POST",
            "com.atproto.repo.createRecord",
            body={"repo": session.did, "collection": FOLLOW, "record": record},
            auth=True,
        )
        self._wrote[subject] = True

    async def unfollow(self, target: Profile) -> None:
        """Delete our follow record of `target` (its rkey comes from viewer.following); no follow, no-op."""
        subject = await self._did_of(target)
        uri = (await self._viewer(subject)).get("following")
        if not uri:
            return
        session = await self._ensure_session()
        repo, collection, rkey = _split_at_uri(uri)
        if repo != session.did or collection != FOLLOW or not rkey:
            raise ApiError("Bluesky named a follow record that is not ours; nothing was deleted")
        await self._call(
            self._pds,
            "POST",
            "com.atproto.repo.deleteRecord",
            body={"repo": session.did, "collection": FOLLOW, "rkey": rkey},
            auth=True,
        )
        self._wrote[subject] = False

    async def own_post_times(self, account: Profile, since: datetime) -> list[datetime]:
        """When `account` posted (replies included, reposts not), newest first, back to `since`: its author
        feed, page by page, stopping at the first older post or after MAX_POST_PAGES pages."""
        times: list[datetime] = []
        cursor: str | None = None
        for _ in range(MAX_POST_PAGES):
            params: dict[str, str | int] = {"actor": account.id, "limit": MAX_LIMIT}
            if cursor is not None:
                params["cursor"] = cursor
            data = await self._get("app.bsky.feed.getAuthorFeed", params)
            for at, repost in _feed_entries(data, account.id):
                if repost:
                    continue  # a repost is not a post of yours
                if at < since:
                    return times
                times.append(at)
            cursor = _next_cursor(data, "the author feed")
            if cursor is None:
                break
        return times

    async def interactions(self, account: Profile, since: datetime, budget: int) -> list[Interaction]:
        """Likes, reposts and replies on `account`'s posts since `since`, in at most `budget` requests (up to
        three a post, newest first); see followtui.providers.interactions.bluesky."""
        from followtui.providers.interactions.bluesky import read_interactions

        return await read_interactions(self, account, since, budget)

    async def is_following(self, target: Profile) -> bool:
        """Read back from the AppView. After a write of ours it may not have indexed it yet: then the answer is
        asked again a few times (bounded, INDEX_WAITS_S) until it reflects the write, and returned as it is."""
        subject = await self._did_of(target)
        following = bool((await self._viewer(subject)).get("following"))
        for pause in INDEX_WAITS_S:
            if self._wrote.get(subject, following) == following:
                break
            await self._sleep(pause)
            following = bool((await self._viewer(subject)).get("following"))
        return following

    async def _viewer(self, did: str) -> dict[str, Any]:
        """The signed-in user's relation to `did` (needs auth: unauthenticated views carry no `following`)."""
        try:
            data = await self._call(self._pds, "GET", "app.bsky.actor.getProfile", params={"actor": did}, auth=True)
        except XrpcError as exc:
            raise self._not_found(exc, did) from None
        viewer = data.get("viewer") if isinstance(data, dict) else None
        return viewer if isinstance(viewer, dict) else {}

    async def _did_of(self, target: Profile) -> str:
        """Follow records name DIDs: a target known only by handle is resolved first."""
        if target.id.startswith("did:"):
            return target.id
        handle = bare_handle(target.handle)
        try:
            data = await self._get("com.atproto.identity.resolveHandle", {"handle": handle})
        except XrpcError as exc:
            if exc.name == "HandleNotFound" or exc.status == 400:
                raise NotFoundError(f"no Bluesky account {clean_text(handle, MAX_HANDLE)!r}") from None
            raise
        found = clean_id(data.get("did")) if isinstance(data, dict) else None
        if found is None or not found.startswith("did:"):
            raise ApiError(f"Bluesky resolved {clean_text(handle, MAX_HANDLE)!r} to something that is not a DID")
        return found

    # -- follow records (what a live stream's deletes refer to) --------------------------------------------

    async def follow_records(self, account: Profile) -> dict[tuple[str, str], str]:
        """The follow records that concern `account`, as `(repo DID, rkey) -> subject DID`: each follower's record
        of it (`(follower, rkey) -> account`) and its own (`(account, rkey) -> followee`). A delete on the event
        stream names only a record key; this says whom it unfollowed.

        Signed in as `account` (its app password), getFollowers and getFollows carry the signed-in user's relation
        to each account listed: `viewer.followedBy` is the follower's record, `viewer.following` the account's own.
        Otherwise (or for accounts whose viewer field is missing) followers' records come from
        app.bsky.graph.getRelationships (MAX_RELATIONSHIPS accounts a request) and the account's own records from
        com.atproto.repo.listRecords on its PDS (which lists duplicate records too). Record URIs that are not
        `at://<expected DID>/app.bsky.graph.follow/<record key>` are left out.
        """
        owner = account.id
        if not owner.startswith("did:"):
            owner = await self._did_of(account)
            account = Profile(id=owner, handle=account.handle)
        signed_in = False
        if self._password is not None and self._identifier is not None:
            signed_in = (await self._ensure_session()).did == owner
        out: dict[tuple[str, str], str] = {}
        unplaced_followers: list[str] = []
        own_unplaced = [False]

        # Viewer fields are the signed-in account's relations: without a session of `account` (a read may still be
        # signed in as another account, when the server refuses it unauthenticated), they are not ours to read.
        def viewer(item: dict[str, Any], name: str) -> object:
            return _viewer_field(item, name) if signed_in else None

        def follower(profile: Profile, item: dict[str, Any]) -> None:
            did = profile.id
            rkey = _follow_rkey(viewer(item, "followedBy"), did)
            if rkey is None:
                unplaced_followers.append(did)
            else:
                out[(did, rkey)] = owner

        def followee(profile: Profile, item: dict[str, Any]) -> None:
            rkey = _follow_rkey(viewer(item, "following"), owner)
            if rkey is None:
                own_unplaced[0] = True
            else:
                out[(owner, rkey)] = profile.id

        await run_all(
            [
                self._walk(account, "followers", None, None, self.per_page, each=follower, signed_in=signed_in),
                self._walk(account, "following", None, None, self.per_page, each=followee, signed_in=signed_in),
            ]
        )
        if own_unplaced[0]:
            out.update(await self._own_follow_records(owner))
        if unplaced_followers:
            out.update(await self._followers_records(owner, distinct_ids(unplaced_followers)))
        return out

    async def _own_follow_records(self, owner: str) -> dict[tuple[str, str], str]:
        """Every follow record in `owner`'s repo (com.atproto.repo.listRecords on the PDS, page by page)."""
        out: dict[tuple[str, str], str] = {}
        seen_cursors: set[str] = set()
        cursor: str | None = None
        for pages in range(1, MAX_PAGES + 1):
            params: dict[str, str | int] = {"repo": owner, "collection": FOLLOW, "limit": MAX_LIMIT}
            if cursor is not None:
                params["cursor"] = cursor
            data = await self._call(self._pds, "GET", "com.atproto.repo.listRecords", params=params)
            items = data.get("records") if isinstance(data, dict) else None
            if not isinstance(items, list) or len(items) > MAX_LIMIT:
                raise ApiError(f"Bluesky sent something other than a page of follow records (page {pages})")
            for item in items:
                if not isinstance(item, dict):
                    continue
                rkey = _follow_rkey(item.get("uri"), owner)
                value = item.get("value")
                subject = value.get("subject") if isinstance(value, dict) else None
                if rkey is not None and isinstance(subject, str) and _DID_RE.fullmatch(subject) and subject != owner:
                    out[(owner, rkey)] = subject
            cursor = _next_cursor(data, f"follow records page {pages}")
            if cursor is None:
                return out
            if cursor in seen_cursors:
                raise IncompleteListError("Bluesky's follow records repeated a cursor; the next try will start over")
            seen_cursors.add(cursor)
        raise ApiError(f"Bluesky's follow records go on for more than {MAX_PAGES} pages")

    async def _followers_records(self, owner: str, followers: list[str]) -> dict[tuple[str, str], str]:
        """The follow record of `owner` by each of `followers` that has one (app.bsky.graph.getRelationships)."""
        out: dict[tuple[str, str], str] = {}
        semaphore = asyncio.Semaphore(self.lookup_concurrency)

        async def batch(others: list[str]) -> None:
            query = urlencode([("actor", owner), *(("others", did) for did in others)])
            async with semaphore:
                data = await self._get(f"app.bsky.graph.getRelationships?{query}", None)
            rows = data.get("relationships") if isinstance(data, dict) else None
            if not isinstance(rows, list):
                raise ApiError("Bluesky sent something other than a list of relationships")
            asked = set(others)
            for row in rows:
                did = row.get("did") if isinstance(row, dict) else None
                if not isinstance(did, str) or did not in asked:
                    continue
                rkey = _follow_rkey(row.get("followedBy"), did)
                if rkey is not None:
                    out[(did, rkey)] = owner

        size = MAX_RELATIONSHIPS
        await run_all([batch(followers[i : i + size]) for i in range(0, len(followers), size)])
        return out

    # -- lists -----------------------------------------------------------------------------------------

    async def _fetch_list(self, account: Profile, name: str, progress: Progress | None) -> FollowList:
        """The whole list; when it is shorter than the profile's own count, walked a second time with every
        page boundary moved by half a page, and refused unless both walks saw the same accounts.

        A shortfall is often real (the count includes accounts the lists hide), but the AppView's cursor can
        also skip accounts: it is the (sortAt, cid) of a page's last follow record, and follow records with the
        same subject and createdAt are byte-identical, so they share a CID and a page boundary inside a run of
        them drops the rest of the run. Correct paging gives the same accounts whatever the page size.
        """
        expected = account.followers_count if name == "followers" else account.following_count
        first = await self._walk(account, name, progress, expected, self.per_page)
        shift = self.per_page // 2
        if expected is None or len(first.accounts) >= expected or not shift:
            return first
        second = await self._walk(account, name, None, expected, shift)
        pages, requests = first.pages + second.pages, first.requests + second.requests
        if {p.id for p in first.accounts} != {p.id for p in second.accounts}:
            raise IncompleteListError(
                f"Bluesky's {name} list came out different when paged differently ({len(first.accounts):,} and "
                f"{len(second.accounts):,} accounts; the profile counts {expected:,}): its paging skips accounts "
                "or the list changed meanwhile, so nothing was recorded"
            )
        return FollowList(first.accounts, pages=pages, requests=requests)

    async def _walk(
        self,
        account: Profile,
        name: str,
        progress: Progress | None,
        expected: int | None,
        first_limit: int,
        *,
        each: Callable[[Profile, dict[str, Any]], None] | None = None,
        signed_in: bool = False,
    ) -> FollowList:
        """One cursor chain to its end, the first page `first_limit` long and the others per_page.

        The chain is sequential by nature, so each page's cursor is read first and the next page requested at
        once; this page's accounts are parsed while that request is in flight, off the chain's critical path.
        `each` is shown every entry, parsed and as sent; `signed_in` reads through the PDS with the session (the
        entries then carry the signed-in user's `viewer` relation to each account).
        """
        nsid, key = ("app.bsky.graph.getFollowers", "followers")
        if name == "following":
            nsid, key = ("app.bsky.graph.getFollows", "follows")

        async def page(cursor: str | None) -> tuple[Any, int]:
            params: dict[str, str | int] = {"actor": account.id, "limit": self.per_page if cursor else first_limit}
            if cursor is not None:
                params["cursor"] = cursor
            http = self._pds if signed_in else self._read
            try:
                return await self._call_counted(http, "GET", nsid, params=params, auth=signed_in)
            except XrpcError as exc:
                raise self._not_found(exc, account.handle or account.id) from None

        accounts: dict[str, Profile] = {}
        seen_cursors: set[str] = set()
        pages = requests = 0
        pending: asyncio.Future[tuple[Any, int]] = asyncio.ensure_future(page(None))
        try:
            while True:
                data, attempts = await pending
                pages += 1
                requests += attempts
                where = f"{name} page {pages}"
                if not isinstance(data, dict) or not isinstance(data.get(key), list):
                    raise ApiError(f"Bluesky sent something other than a {name} page ({where})")
                subject = data.get("subject")
                if isinstance(subject, dict) and clean_id(subject.get("did")) not in (None, account.id):
                    raise ApiError(f"Bluesky answered with another account's {name} ({where})")
                items = data[key]
                if len(items) > MAX_LIMIT:
                    raise ApiError(f"Bluesky sent {len(items)} accounts on {where}, more than a page holds")
                cursor = _next_cursor(data, where)
                if cursor is not None:
                    if cursor in seen_cursors:
                        raise IncompleteListError(
                            f"Bluesky's {name} list repeated a cursor after {pages} pages; the list changed during "
                            "the fetch or the server is confused, the next sync will retry"
                        )
                    seen_cursors.add(cursor)
                    if pages >= MAX_PAGES:
                        raise ApiError(f"Bluesky's {name} list goes on for more than {MAX_PAGES} pages")
                    pending = asyncio.ensure_future(page(cursor))
                for item in items:
                    profile = self._profile(item, where, detailed=False)
                    accounts.setdefault(profile.id, profile)
                    if each is not None:
                        each(profile, item)
                if progress is not None:
                    progress(name, len(accounts), expected)
                if cursor is None:
                    return FollowList(tuple(accounts.values()), pages=pages, requests=requests)
        finally:
            abandon(pending)  # the list failed while its next page was on the way

    # -- profiles --------------------------------------------------------------------------------------

    async def _get_profiles(self, actors: list[str]) -> dict[str, Profile]:
        query = urlencode([("actors", actor) for actor in actors])
        data = await self._get(f"app.bsky.actor.getProfiles?{query}", None)
        items = data.get("profiles") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise ApiError("Bluesky sent something other than a list of profiles")
        by_key: dict[str, Profile] = {}
        for item in items:
            profile = self._profile(item, "getProfiles", detailed=True)
            by_key[profile.id] = profile
            by_key.setdefault(profile.handle.lower(), profile)
        found: dict[str, Profile] = {}
        for actor in actors:
            match = by_key.get(actor) or by_key.get(actor.lower())
            if match is not None:
                found[actor] = match
        return found

    async def _classify(self, actor: str) -> Profile | GoneAccount | None:
        """One actor `getProfiles` left out: its profile after all, gone (and why), or None if unclear."""
        try:
            data = await self._get("app.bsky.actor.getProfile", {"actor": actor})
        except XrpcError as exc:
            reason = _gone_reason(exc)
            return GoneAccount(actor, reason) if reason is not None else None
        profile = self._profile(data, f"the profile of {clean_text(actor, 64)}", detailed=True)
        if actor.startswith("did:") and profile.id != actor:
            raise ApiError(f"Bluesky answered {profile.id} when asked for {clean_text(actor, 64)}")
        return profile

    def _profile(self, item: Any, where: str, *, detailed: bool) -> Profile:
        """A profileView (list pages: no counts) or profileViewDetailed; a bad entry is an ApiError, never
        skipped (a skipped follower would be reported as an unfollow)."""
        did, handle = self._identity(item, where, ("did", "handle"), "DID or handle")
        avatar = clean_url(item.get("avatar"))
        values = _label_values(item.get("labels"), self.now())
        profile_key = handle if handle != "handle.invalid" else did
        return Profile(
            id=did,
            handle=handle,
            display_name=clean_text(item.get("displayName"), MAX_NAME),
            bio=clean_text(item.get("description"), MAX_BIO, multiline=True),
            avatar_url=avatar,
            url=f"https://bsky.app/profile/{quote(profile_key, safe=':.')}",
            followers_count=clean_int(item.get("followersCount")) if detailed else None,
            following_count=clean_int(item.get("followsCount")) if detailed else None,
            posts_count=clean_int(item.get("postsCount")) if detailed else None,
            created_at=clean_time(item.get("createdAt")),
            bot=True if "bot" in values else None,
            default_avatar=not avatar,
            hydrated_at=self.now() if detailed else None,
            labels=tuple(v for v in values if v != "bot"),  # the `bot` self-label is Profile.bot
        )

    # -- XRPC ------------------------------------------------------------------------------------------

    async def _get(self, nsid: str, params: dict[str, str | int] | None) -> Any:
        return await self._call(self._read, "GET", nsid, params=params)

    async def _call(
        self,
        http: HttpClient,
        method: str,
        nsid: str,
        *,
        params: dict[str, str | int] | None = None,
        body: dict[str, Any] | None = None,
        auth: bool = False,
    ) -> Any:
        data, _ = await self._call_counted(http, method, nsid, params=params, body=body, auth=auth)
        return data

    async def _call_counted(
        self,
        http: HttpClient,
        method: str,
        nsid: str,
        *,
        params: dict[str, str | int] | None = None,
        body: dict[str, Any] | None = None,
        auth: bool = False,
    ) -> tuple[Any, int]:
        """One XRPC call and the HTTP requests it took. Raises XrpcError for an XRPC error answer and AuthError
        for credential problems.

        An expired access token is refreshed once. An unauthenticated read that the server refuses is
        repeated signed in on the PDS when an app password is available.
        """
        refreshed = False
        attempts = 0
        while True:
            headers: dict[str, str] = {}
            session = None
            if auth:
                session = await self._ensure_session()
                headers["Authorization"] = f"Bearer {session.access_jwt}"
            content = None
            if body is not None:
                headers["Content-Type"] = "application/json"
                content = orjson.dumps(body)
            answer = await http.request(
                method, f"/xrpc/{nsid}", params=params, content=content, accept=_XRPC_STATUSES, headers=headers
            )
            attempts += answer.attempts
            if answer.status < 300:
                return answer.data, attempts
            error = _xrpc_error(answer.status, answer.data, nsid, http)
            if error.name in _AUTH_ERRORS or error.status == 401:
                if session is not None and not refreshed and error.name in ("ExpiredToken", "InvalidToken"):
                    refreshed = True
                    await self._refresh(session)
                    continue
                if not auth and self._password is not None:
                    http, auth = self._pds, True
                    continue
                raise self._auth_error(error, signed_in=auth)
            raise error

    # -- session ---------------------------------------------------------------------------------------

    async def _ensure_session(self) -> _Session:
        if self._session is not None:
            return self._session
        async with self._session_lock:
            if self._session is None:
                self._session = await self._create_session()
            return self._session

    async def _refresh(self, stale: _Session) -> None:
        """Refresh the access token (once for every caller that saw it expire); sign in again if that fails."""
        async with self._session_lock:
            if self._session is not stale:
                return
            answer = await self._pds.request(
                "POST",
                "/xrpc/com.atproto.server.refreshSession",
                accept=_XRPC_STATUSES,
                headers={"Authorization": f"Bearer {stale.refresh_jwt}"},
            )
            if answer.status < 300:
                self._session = self._session_from(answer.data)
            else:
                error = _xrpc_error(answer.status, answer.data, "refreshSession", self._pds)
                if error.name not in _AUTH_ERRORS and error.status != 401:
                    raise error
                self._session = await self._create_session()

    async def _create_session(self) -> _Session:
        who = clean_text(self._identifier, MAX_HANDLE)
        if self._password is None:
            raise AuthError(
                "Bluesky needs an app password for this: create one in Settings → Privacy and security → "
                "App passwords and store it with `followtui account login` (or --token-env)"
            )
        if not self._identifier:
            raise AuthError("Bluesky needs the account's handle to sign in with its app password")
        answer = await self._pds.request(
            "POST",
            "/xrpc/com.atproto.server.createSession",
            content=orjson.dumps({"identifier": self._identifier, "password": self._password}),
            accept=_XRPC_STATUSES,
            headers={"Content-Type": "application/json"},
        )
        if answer.status < 300:
            return self._session_from(answer.data)
        error = _xrpc_error(answer.status, answer.data, "createSession", self._pds)
        if error.name == "AccountTakedown":
            raise AuthError(f"Bluesky says the account {who} is taken down; it cannot sign in")
        if error.name == "AuthFactorTokenRequired":
            raise AuthError(f"Bluesky asks {who} for an email sign-in code: use an app password instead")
        if error.name in _AUTH_ERRORS or error.status in (400, 401):
            said = f" ({error.detail})" if error.detail else ""
            raise AuthError(f"Bluesky rejected the app password for {who}{said}")
        raise error

    def _session_from(self, data: Any) -> _Session:
        if not isinstance(data, dict):
            raise ApiError("Bluesky sent a session that is not an object")
        access, refresh = data.get("accessJwt"), data.get("refreshJwt")
        did = clean_id(data.get("did"))
        if not isinstance(access, str) or not isinstance(refresh, str) or not access or did is None:
            raise ApiError("Bluesky sent a session without tokens or DID")
        for http in {id(self._read): self._read, id(self._pds): self._pds}.values():
            http.add_secret(access)
            http.add_secret(refresh)
        return _Session(did, clean_text(data.get("handle"), MAX_HANDLE), access, refresh)

    # -- errors ----------------------------------------------------------------------------------------

    def _auth_error(self, error: XrpcError, *, signed_in: bool) -> AuthError:
        said = f" ({error.detail})" if error.detail else ""
        if signed_in:
            who = clean_text(self._identifier, MAX_HANDLE)
            return AuthError(f"Bluesky rejected the session of {who}{said}; check its app password")
        return AuthError(
            f"Bluesky at {self._read.host} needs a signed-in account for this{said}: store an app password "
            "with `followtui account login`"
        )

    @staticmethod
    def _not_found(exc: XrpcError, actor: str) -> ProviderError:
        who = clean_text(actor, MAX_HANDLE)
        reason = _gone_reason(exc)
        if reason is GoneReason.DELETED:
            return NotFoundError(f"no Bluesky account {who!r}")
        if reason is not None:
            return NotFoundError(f"the Bluesky account {who!r} is {reason.value}")
        return exc


def _xrpc_error(status: int, data: Any, nsid: str, http: HttpClient) -> XrpcError:
    name = detail = ""
    if isinstance(data, dict):
        name = clean_text(data.get("error"), 64)
        detail = http.redact(clean_text(data.get("message"), 300))
    method = nsid.split("?", 1)[0]
    said = ": ".join(part for part in (name, detail) if part)
    message = f"Bluesky answered {status} to {method}" + (f" ({said})" if said else "")
    if status == 404 and name in ("", "XRPCNotSupported"):
        message = f"{http.host} does not offer {method}; is it a Bluesky (AT Protocol) server?"
    return XrpcError(message, status=status, name=name, detail=detail)


def _gone_reason(exc: XrpcError) -> GoneReason | None:
    if exc.name == "AccountDeactivated":
        return GoneReason.DEACTIVATED
    if exc.name in ("AccountTakedown", "AccountSuspended"):
        return GoneReason.SUSPENDED
    lowered = exc.detail.lower()
    if (
        exc.status == 400
        and (exc.name in ("InvalidRequest", "NotFound", "HandleNotFound"))
        and any(word in lowered for word in _NOT_FOUND_WORDS)
    ):
        return GoneReason.DELETED
    return None


def _next_cursor(data: dict[str, Any], where: str) -> str | None:
    """The next page's cursor, or None at the list's end (key absent; a null is read as absent too)."""
    cursor = data.get("cursor")
    if cursor is None:
        return None
    if not isinstance(cursor, str) or not cursor or len(cursor) > MAX_CURSOR or not cursor.isprintable():
        raise ApiError(f"Bluesky sent a malformed cursor on {where}")
    return cursor


def _feed_entries(data: Any, actor: str) -> list[tuple[datetime, bool]]:
    """One author-feed page as (when, is a repost) for each act of `actor`, in feed order.

    A post or reply of theirs counts at the earlier of its createdAt and indexedAt, as the AppView sorts them
    (createdAt is the client's word: a post dated in the future counts when it was indexed); a repost by them at
    when it was indexed. Pins, items of others and items without a readable time are left out.
    """
    feed = data.get("feed") if isinstance(data, dict) else None
    if not isinstance(feed, list):
        raise ApiError("Bluesky sent an author feed without a feed")
    entries = (_feed_entry(item, actor) for item in feed if isinstance(item, dict))
    return [entry for entry in entries if entry is not None]


def _feed_entry(item: dict[str, Any], actor: str) -> tuple[datetime, bool] | None:
    reason = item.get("reason")
    if reason is not None:
        if not isinstance(reason, dict) or reason.get("$type") != REPOST_REASON:
            return None  # a pin, or a reason we do not know
        by = reason.get("by")
        at = clean_time(reason.get("indexedAt"))
        return (at, True) if at is not None and isinstance(by, dict) and by.get("did") == actor else None
    post = item.get("post")
    if not isinstance(post, dict) or _split_at_uri(post.get("uri"))[0] != actor:
        return None
    record = post.get("record")
    created = clean_time(record.get("createdAt") if isinstance(record, dict) else None)
    times = [t for t in (created, clean_time(post.get("indexedAt"))) if t is not None]
    return (min(times), False) if times else None


def _fully_hydrated(count: int, budget: int, batch: int) -> int:
    """How many of `count` ids a budget covers with a feed each plus their profiles (`batch` a request); when
    not even one, as many as its profile requests alone cover."""
    taken = min(count, budget)
    while taken and taken + -(-taken // batch) > budget:
        taken -= 1
    return taken or min(count, budget * batch)


def _split_at_uri(uri: object) -> tuple[str, str, str]:
    """`at://<repo>/<collection>/<rkey>` as its three parts ('' for parts that are missing)."""
    if not isinstance(uri, str) or not uri.startswith("at://"):
        return "", "", ""
    parts = uri.removeprefix("at://").split("/")
    if len(parts) != 3:
        return "", "", ""
    return parts[0], parts[1], parts[2]


def _follow_rkey(uri: object, repo: str) -> str | None:
    """The record key of `uri` when it is `at://<repo>/app.bsky.graph.follow/<record key>`, else None."""
    found, collection, rkey = _split_at_uri(uri)
    if found != repo or collection != FOLLOW or rkey in (".", "..") or _RKEY_RE.fullmatch(rkey) is None:
        return None
    return rkey


def _viewer_field(item: dict[str, Any], name: str) -> object:
    viewer = item.get("viewer")
    return viewer.get(name) if isinstance(viewer, dict) else None


def _label_values(labels: object, now: datetime) -> tuple[str, ...]:
    """Each label's `val`, in order and once, without negated (`neg`) or expired (`exp`) ones; bounded."""
    if not isinstance(labels, list):
        return ()
    out: dict[str, None] = {}
    for label in labels[: MAX_LABELS * 4]:
        if not isinstance(label, dict):
            continue
        val = clean_text(label.get("val"), MAX_LABEL)
        if not val or " " in val:
            continue
        if label.get("neg") is True:  # a negation withdraws the same label
            out.pop(val, None)
            continue
        expires = clean_time(label.get("exp"))
        if expires is None or expires > now:
            out[val] = None
    return tuple(out)[:MAX_LABELS]


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
