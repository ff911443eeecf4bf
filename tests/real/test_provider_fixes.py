"""What the real Bluesky server software showed, as fast fakes that run in every `make test` (no dev-env needed):

1. The AppView's follower cursor is the (sortAt, cid) of a page's last follow record (its reference dataplane,
   `TimeCidKeyset`). Follow records with the same subject and createdAt are byte-identical, so they share a CID;
   a page boundary inside a run of them skips the rest of the run and the list ends early, short of the
   profile's count (test_bluesky_real.py reproduces it on the real server).
2. The AppView indexes a PDS write a moment later, so reading `viewer.following` right after a follow or an
   unfollow can still show the old state.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from followtui.models import Profile
from followtui.providers.bluesky import INDEX_WAITS_S, BlueskyProvider
from followtui.providers.errors import IncompleteListError

APPVIEW = "https://appview.test"
ME = "did:plc:me"


def did(i: int) -> str:
    return f"did:plc:u{i:04d}"


class KeysetAppView:
    """getFollowers paged like the reference dataplane: order (sortAt, cid) descending, the cursor is the last
    row's key, the next page is the rows strictly below it, a cursor only when another row exists."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str]] = []  # (sortAt, cid, follower did)
        self.hidden = 0  # followers the profile counts but the list never shows (deactivated, taken down)
        self.limits: list[int] = []

    def add(self, dids: list[str], sort_at: str, *, same_record: bool) -> None:
        for follower in dids:
            cid = f"bafy-{sort_at}" if same_record else f"bafy-{follower}"
            self.rows.append((sort_at, cid, follower))

    def handler(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/xrpc/app.bsky.graph.getFollowers", request.url
        limit = int(request.url.params["limit"])
        self.limits.append(limit)
        rows = sorted(self.rows, reverse=True)
        cursor = request.url.params.get("cursor")
        if cursor:
            sort_at, cid = cursor.split("__")
            rows = [r for r in rows if (r[0], r[1]) < (sort_at, cid)]
        page = rows[: limit + 1]
        body: dict[str, Any] = {
            "subject": {"did": ME, "handle": "me.test"},
            "followers": [{"did": r[2], "handle": f"{r[2][8:]}.test"} for r in page[:limit]],
        }
        if len(page) > limit:
            body["cursor"] = f"{page[limit - 1][0]}__{page[limit - 1][1]}"
        return httpx.Response(200, json=body)

    def provider(self) -> BlueskyProvider:
        client = httpx.AsyncClient(transport=httpx.MockTransport(self.handler))
        return BlueskyProvider(APPVIEW, client=client)

    def me(self) -> Profile:
        return Profile(id=ME, handle="me.test", followers_count=len(self.rows) + self.hidden, following_count=0)


def early_block_late(app: KeysetAppView, early: int, block: int, late: int, *, same_record: bool = True) -> None:
    app.add([did(i) for i in range(early)], "2026-01-02T00:00:00.000Z", same_record=False)
    app.add([did(1000 + i) for i in range(block)], "2024-01-01T00:00:00.000Z", same_record=same_record)
    app.add([did(2000 + i) for i in range(late)], "2023-01-01T00:00:00.000Z", same_record=False)


async def test_the_keyset_fake_cuts_a_run_of_identical_records_short_like_the_real_appview() -> None:
    app = KeysetAppView()
    early_block_late(app, 13, 95, 0)  # what test_bluesky_real saw: 100 of 108
    provider = app.provider()
    first = await provider._walk(app.me(), "followers", None, None, 100)
    assert len(first.accounts) == 100
    await provider.aclose()


@pytest.mark.parametrize(("early", "block", "late"), [(13, 95, 0), (13, 105, 0), (90, 30, 50), (250, 120, 40)])
async def test_a_list_cut_short_by_identical_records_is_refused(early: int, block: int, late: int) -> None:
    app = KeysetAppView()
    early_block_late(app, early, block, late)
    provider = app.provider()
    with pytest.raises(IncompleteListError, match="paged differently"):
        await provider.fetch_followers(app.me())
    await provider.aclose()


async def test_same_created_at_with_distinct_records_pages_completely_in_one_walk() -> None:
    app = KeysetAppView()
    early_block_late(app, 13, 205, 40, same_record=False)
    provider = app.provider()
    got = await provider.fetch_followers(app.me())
    assert {p.id for p in got.accounts} == {r[2] for r in app.rows}
    assert app.limits == [100, 100, 100]  # the whole list: no second walk
    await provider.aclose()


async def test_a_real_shortfall_is_walked_twice_and_believed_when_both_walks_agree() -> None:
    app = KeysetAppView()
    early_block_late(app, 120, 0, 40)
    app.hidden = 3
    provider = app.provider()
    got = await provider.fetch_followers(app.me())
    assert len(got.accounts) == 160
    assert app.limits == [100, 100, 50, 100, 100]  # second walk: every boundary moved by half a page
    assert got.pages == 5 and got.requests == 5
    await provider.aclose()


class LaggingBluesky:
    """A PDS + AppView whose viewer.following shows a write only after `lag` more reads (or never)."""

    def __init__(self, lag: int | None) -> None:
        self.lag = lag
        self.following: str | None = None  # what the AppView shows
        self.pending: tuple[str | None, int] | None = None
        self.reads = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        nsid = request.url.path.removeprefix("/xrpc/")
        if nsid == "com.atproto.server.createSession":
            return httpx.Response(200, json={"accessJwt": "a", "refreshJwt": "r", "did": ME, "handle": "me.test"})
        if nsid == "com.atproto.repo.createRecord":
            self._write(f"at://{ME}/app.bsky.graph.follow/3kabc")
            return httpx.Response(200, json={"uri": f"at://{ME}/app.bsky.graph.follow/3kabc", "cid": "bafy"})
        if nsid == "com.atproto.repo.deleteRecord":
            self._write(None)
            return httpx.Response(200, json={})
        assert nsid == "app.bsky.actor.getProfile", nsid
        self.reads += 1
        if self.pending is not None and self.lag is not None:
            value, left = self.pending
            self.pending = (value, left - 1) if left > 0 else None
            if left == 0:
                self.following = value
        viewer = {"following": self.following} if self.following else {}
        return httpx.Response(200, json={"did": did(7), "handle": "seven.test", "viewer": viewer})

    def _write(self, value: str | None) -> None:
        self.pending = (value, self.lag or 0)

    def provider(self, sleeps: list[float]) -> BlueskyProvider:
        async def sleep(seconds: float) -> None:
            sleeps.append(seconds)

        client = httpx.AsyncClient(transport=httpx.MockTransport(self.handler))
        return BlueskyProvider(APPVIEW, "pass-word", identifier="me.test", client=client, sleep=sleep)


@pytest.mark.parametrize("lag", [0, 1, 3])
async def test_follow_then_is_following_waits_for_the_appview_to_index_it(lag: int) -> None:
    fake = LaggingBluesky(lag)
    sleeps: list[float] = []
    provider = fake.provider(sleeps)
    target = Profile(id=did(7), handle="seven.test")
    await provider.follow(target)
    assert await provider.is_following(target)
    assert len(sleeps) == lag
    await provider.unfollow(target)
    assert not await provider.is_following(target)
    await provider.aclose()


async def test_a_write_the_appview_never_shows_is_reported_after_a_bounded_wait() -> None:
    fake = LaggingBluesky(None)
    sleeps: list[float] = []
    provider = fake.provider(sleeps)
    target = Profile(id=did(7), handle="seven.test")
    await provider.follow(target)
    assert not await provider.is_following(target)
    assert sleeps == list(INDEX_WAITS_S)
    await provider.aclose()


async def test_is_following_without_a_write_of_ours_asks_once() -> None:
    fake = LaggingBluesky(0)
    sleeps: list[float] = []
    provider = fake.provider(sleeps)
    assert not await provider.is_following(Profile(id=did(7), handle="seven.test"))
    assert sleeps == [] and fake.reads == 1
    await provider.aclose()
