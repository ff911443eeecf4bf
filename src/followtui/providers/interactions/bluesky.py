"""Bluesky: who liked, reposted or replied to your recent posts (public AppView reads, no sign-in).

Your posts come from `app.bsky.feed.getAuthorFeed` (newest first, reposts and pins left out), back to `since`.
Each post then costs up to three requests, each skipped when the post's own count says there is nothing:
`getLikes` (likes[].actor, likes[].createdAt), `getRepostedBy` (repostedBy[], no time: the post's time is
used, the earliest the repost can be) and `getPostThread` (a reply to one of your posts in the thread is a
reply to you; its record's createdAt is its time). Lists of more than a page follow their cursor with what
budget is left. Mentions outside your threads need the signed-in notifications API: not read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from followtui.models import Interaction, InteractionKind, Profile
from followtui.providers.bluesky import XrpcError, _next_cursor, _split_at_uri
from followtui.providers.errors import ApiError
from followtui.providers.interactions._common import (
    MAX_ITEMS,
    MAX_PAGES_PER_LIST,
    Reader,
    Step,
    run_steps,
)
from followtui.sanitize import MAX_URL, clean_int, clean_time

if TYPE_CHECKING:
    from followtui.providers.bluesky import BlueskyProvider

POST = "app.bsky.feed.post"
#: Author feed pages read at most (100 posts each).
MAX_FEED_PAGES = 10
#: How deep a thread is asked for: replies to your answers in it are replies to you too.
THREAD_DEPTH = 6


@dataclass(frozen=True, slots=True)
class _Post:
    uri: str
    at: datetime
    likes: int | None
    reposts: int | None
    replies: int | None

    @property
    def requests(self) -> int:
        """Requests its first pages cost: one per kind the post's counts do not rule out."""
        return sum(count != 0 for count in (self.likes, self.reposts, self.replies))


class _Reader(Reader["BlueskyProvider"]):
    """One interactions call: the provider, whose posts, the window, the budget and what was found."""

    async def read(self) -> list[Interaction]:
        posts = await self._posts()
        steps: list[Step] = []
        for post in posts:
            if post.likes != 0:
                steps.append(partial(self._listed, post, InteractionKind.LIKE, None, 1))
            if post.reposts != 0:
                steps.append(partial(self._listed, post, InteractionKind.REPOST, None, 1))
            if post.replies != 0:
                steps.append(partial(self._thread, post))
        await run_steps(steps, self.budget, self.provider.concurrency, self.found)
        return self.found.result()

    # -- your posts ------------------------------------------------------------------------------------

    async def _posts(self) -> list[_Post]:
        """Your posts since `since`, newest first. Another feed page is read only while the budget left exceeds
        what the posts found so far will cost: reading posts the budget cannot reach would waste it."""
        posts: list[_Post] = []
        cursor: str | None = None
        for _ in range(MAX_FEED_PAGES):
            if not self.budget.take():
                break
            params: dict[str, str | int] = {"actor": self.account.id, "limit": self.provider.per_page}
            if cursor is not None:
                params["cursor"] = cursor
            data = await self._get("app.bsky.feed.getAuthorFeed", params)
            feed = data.get("feed") if isinstance(data, dict) else None
            if not isinstance(feed, list):
                raise ApiError("Bluesky sent an author feed without a feed")
            ended = False
            for item in feed[: self.provider.per_page]:
                post = self._own_post(item)
                if post is None:
                    continue
                if post.at < self.since:
                    ended = True
                    break
                posts.append(post)
            cursor = _next_cursor(data, "the author feed")
            if ended or cursor is None or self.budget.left <= sum(p.requests for p in posts):
                break
        return posts

    def _own_post(self, item: Any) -> _Post | None:
        """A feed item that is a post of yours (not a repost, not a pin), or None."""
        if not isinstance(item, dict) or item.get("reason") is not None:
            return None
        post = item.get("post")
        uri = post.get("uri") if isinstance(post, dict) else None
        if not isinstance(post, dict) or not isinstance(uri, str) or not _is_post_uri(uri, self.account.id):
            return None
        at = _record_time(post)
        if at is None:
            return None
        count = post.get
        return _Post(
            uri, at, clean_int(count("likeCount")), clean_int(count("repostCount")), clean_int(count("replyCount"))
        )

    # -- likes and reposts -----------------------------------------------------------------------------

    async def _listed(self, post: _Post, kind: InteractionKind, cursor: str | None, page: int) -> list[Step]:
        """One page of a post's likes or reposts; the next page follows when there is one."""
        like = kind is InteractionKind.LIKE
        nsid, key = ("app.bsky.feed.getLikes", "likes") if like else ("app.bsky.feed.getRepostedBy", "repostedBy")
        params: dict[str, str | int] = {"uri": post.uri, "limit": self.provider.per_page}
        if cursor is not None:
            params["cursor"] = cursor
        data = await self._get(nsid, params, vanish=True)
        if data is None:
            return []  # the post is gone
        items = data.get(key) if isinstance(data, dict) else None
        if not isinstance(items, list) or len(items) > self.provider.per_page:
            raise ApiError(f"Bluesky sent a malformed {key} list for one of your posts")
        for item in items:
            if like:
                actor = item.get("actor") if isinstance(item, dict) else None
                at = _like_time(item)
            else:
                actor, at = item, post.at  # a repost carries no time: it came after the post
            profile = self._profile(actor, key)
            if profile is not None:
                self.found.add((kind, post.uri, profile.id), profile, kind, at)
        following = _next_cursor(data, key)
        if following is None or following == cursor or page >= MAX_PAGES_PER_LIST:
            return []
        return [partial(self._listed, post, kind, following, page + 1)]

    # -- replies ---------------------------------------------------------------------------------------

    async def _thread(self, post: _Post) -> list[Step]:
        """The post's thread: every reply whose parent is a post of yours (walked breadth first, bounded)."""
        params: dict[str, str | int] = {"uri": post.uri, "depth": THREAD_DEPTH, "parentHeight": 0}
        data = await self._get("app.bsky.feed.getPostThread", params, vanish=True)
        if data is None:
            return []
        thread = data.get("thread") if isinstance(data, dict) else None
        if not isinstance(thread, dict):
            raise ApiError("Bluesky sent a post thread without a thread")
        queue = [(thread, "")]
        for node, parent_author in queue:
            if len(queue) > MAX_ITEMS:
                break
            view = node.get("post")
            if not isinstance(view, dict):
                continue  # a notFoundPost or blockedPost: nothing to read
            author = view.get("author")
            did = author.get("did") if isinstance(author, dict) else None
            if parent_author == self.account.id and _is_post_uri(view.get("uri"), did):
                profile = self._profile(author, "a thread")
                if profile is not None:
                    self.found.add(view["uri"], profile, InteractionKind.REPLY, _record_time(view))
            replies = node.get("replies")
            if isinstance(replies, list) and isinstance(did, str):
                queue.extend((reply, did) for reply in replies[:MAX_ITEMS] if isinstance(reply, dict))
        return []

    # -- plumbing --------------------------------------------------------------------------------------

    async def _get(self, nsid: str, params: dict[str, str | int], *, vanish: bool = False) -> Any:
        """One read; with `vanish`, a post the AppView no longer has gives None instead of an error."""
        provider = self.provider
        try:
            data, attempts = await provider._call_counted(provider._read, "GET", nsid, params=params)
        except XrpcError as exc:
            if vanish and _vanished(exc):
                return None
            raise
        self.budget.retried(attempts)
        return data

    def _profile(self, item: Any, where: str) -> Profile | None:
        """The actor as the follower lists key it (by DID); a malformed one (no DID among them) is skipped."""
        try:
            profile = self.provider._profile(item, f"Bluesky's {where}", detailed=False)
        except ApiError:
            return None
        return profile if profile.id.startswith("did:") else None


async def read_interactions(
    provider: BlueskyProvider, account: Profile, since: datetime, budget: int
) -> list[Interaction]:
    """See the module's docstring; `account.id` is the DID."""
    return await _Reader(provider, account, since, budget).read()


def _is_post_uri(uri: object, did: object) -> bool:
    """`at://<did>/app.bsky.feed.post/<rkey>`, bounded and printable, made by `did`."""
    if not isinstance(uri, str) or len(uri) > MAX_URL or not uri.isprintable() or " " in uri:
        return False
    repo, collection, rkey = _split_at_uri(uri)
    return bool(rkey) and collection == POST and repo == did


def _record_time(view: dict[str, Any]) -> datetime | None:
    """A post's time: its record's createdAt, else when the AppView indexed it."""
    record = view.get("record")
    at = clean_time(record.get("createdAt")) if isinstance(record, dict) else None
    return at or clean_time(view.get("indexedAt"))


def _like_time(item: Any) -> datetime | None:
    if not isinstance(item, dict):
        return None
    return clean_time(item.get("createdAt")) or clean_time(item.get("indexedAt"))


def _vanished(exc: XrpcError) -> bool:
    """The AppView's answer for a post that is gone (deleted, or its author's account)."""
    if exc.name == "NotFound":
        return True
    return exc.status == 400 and "not found" in exc.detail.lower()
