"""Bluesky activity: each hydrated actor's author feed read into last_active_at and posts_per_day within the
lookup budget. Against the simulator over loopback HTTP (the world's activity is the truth), and against a
MockTransport for what an odd or hostile feed page can hold."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest

from followtui.models import GoneAccount, GoneReason, Profile
from followtui.providers import make_provider
from followtui.providers.bluesky import FEED_PAGE, BlueskyProvider
from followtui.providers.http import RetryPolicy

from .conftest import DATE, DATE_EPOCH

simulator = pytest.importorskip("followtui.simulator")

FAST = {"retry": RetryPolicy(attempts=4, base_delay_s=0.005, max_delay_s=0.02), "max_wait_s": 5, "timeout_s": 5}
DAY = 86_400
NOW = datetime.fromtimestamp(DATE_EPOCH, UTC)
ACTOR = "did:plc:actor7"
REPOST = "app.bsky.feed.defs#reasonRepost"


@pytest.fixture
def world():
    return simulator.World.generate(seed=11, followers=150, following=40)


def follower_dids(world, n: int | None = None) -> list[str]:
    return [simulator.did_for(row["id"]) for row in world.truth("octocat")["followers"][:n]]


def truth(world, acc_id: int) -> tuple[datetime | None, float]:
    """What one page of 30 author-feed items (posts and reposts alike) shows of the world's activity."""
    now = world.now_ts()
    acts = world.activity_times(acc_id, FEED_PAGE + 1)
    page = acts[:FEED_PAGE]
    if not page:
        return None, 0.0
    if len(acts) > FEED_PAGE:  # a cursor: the window is the page
        start = float(page[-1])
    else:  # the whole feed: the window is the account's life (createdAt carries acc_id % 1000 ms)
        start = min(world.profile(acc_id)["created_at"] + (acc_id % 1000) / 1000, page[-1])
    return datetime.fromtimestamp(page[0], UTC), len(page) / (max(now - start, DAY) / DAY)


async def hydrate(world, ids: list[str], budget: int):
    with simulator.SimulatorServer(world, platform="bluesky") as sim:
        bluesky = make_provider("bluesky", sim.url, None, **FAST)
        try:
            result = await bluesky.lookup_with_activity(ids, budget)
        finally:
            await bluesky.aclose()
        return result, bluesky.requests_made, dict(sim.stats()["by_route"])


def by_did(world) -> dict[str, int]:
    return {simulator.did_for(i): i for i in world.random_account_ids()}


async def test_activity_matches_the_worlds_truth(world):
    ids = follower_dids(world)
    budget = len(ids) + math.ceil(len(ids) / 25)
    result, made, routes = await hydrate(world, ids, budget)
    assert made == budget
    assert routes == {"app.bsky.actor.getProfiles": math.ceil(len(ids) / 25), "app.bsky.feed.getAuthorFeed": len(ids)}
    index = by_did(world)
    for did in ids:
        profile = result[did]
        assert isinstance(profile, Profile)
        last, per_day = truth(world, index[did])
        assert profile.last_active_at == last, profile.handle
        assert profile.posts_per_day == pytest.approx(per_day, rel=1e-9), profile.handle
    rates = [p.posts_per_day for p in result.values() if isinstance(p, Profile)]
    assert max(rates) >= 12 and min(rates) < 0.1  # noisy bots, and accounts quiet for months
    months_ago = world.now() - timedelta(days=180)
    stale = [
        p for p in result.values() if isinstance(p, Profile) and p.last_active_at and p.last_active_at < months_ago
    ]
    assert stale  # the inactive: their feed still shows when they last posted


async def test_plain_lookup_reads_no_feeds(world):
    ids = follower_dids(world, 30)
    result, made, routes = await hydrate(world, ids, 1)
    assert made == 1 and routes == {"app.bsky.actor.getProfiles": 1}  # too small for a feed: profiles alone
    assert len(result) == 25 and all(p.posts_per_day is None for p in result.values())  # type: ignore[union-attr]


@pytest.mark.parametrize(("budget", "profiles", "feeds"), [(0, 0, 0), (2, 1, 1), (10, 1, 9), (30, 2, 28), (60, 3, 57)])
async def test_a_budget_of_n_sends_at_most_n_requests(world, budget, profiles, feeds):
    ids = follower_dids(world, 70)
    result, made, routes = await hydrate(world, ids, budget)
    assert made == budget
    asked = routes.get("app.bsky.actor.getProfiles", 0) + routes.get("app.bsky.actor.getProfile", 0)
    assert (asked, routes.get("app.bsky.feed.getAuthorFeed", 0)) == (profiles, feeds)
    with_activity = [d for d in ids if isinstance(p := result.get(d), Profile) and p.posts_per_day is not None]
    assert with_activity == ids[:feeds]  # in the wanted order


async def test_gone_actors_are_classified_out_of_the_feed_budget(world):
    ids = follower_dids(world, 20)
    index = by_did(world)
    world.delete(index[ids[1]])
    world.deactivate(index[ids[4]])
    result, made, routes = await hydrate(world, ids, 21)  # 1 batch + 2 to classify + 18 feeds
    assert made == 21 and routes["app.bsky.actor.getProfile"] == 2  # the two the batch left out
    assert result[ids[1]] == GoneAccount(ids[1], GoneReason.DELETED)
    assert result[ids[4]] == GoneAccount(ids[4], GoneReason.DEACTIVATED)
    with_activity = [d for d in ids if isinstance(p := result.get(d), Profile) and p.posts_per_day is not None]
    assert with_activity == [d for d in ids if d not in (ids[1], ids[4])]


# -- one author-feed page, as a MockTransport serves it ---------------------------------------------------------


def profile_view(**extra: Any) -> dict[str, Any]:
    return {"did": ACTOR, "handle": "actor7.test", "followersCount": 1, "followsCount": 1, "postsCount": 1, **extra}


def post(at: str, indexed: str | None = None, *, author: str = ACTOR) -> dict[str, Any]:
    record = {"$type": "app.bsky.feed.post", "text": "hi", "createdAt": at}
    return {"post": {"uri": f"at://{author}/app.bsky.feed.post/3k", "record": record, "indexedAt": indexed or at}}


def repost(at: str, *, by: str = ACTOR) -> dict[str, Any]:
    item = post("2020-01-01T00:00:00Z", author="did:plc:someoneelse")
    item["reason"] = {"$type": REPOST, "by": {"did": by, "handle": "x.test"}, "indexedAt": at}
    return item


def reply(status: int, body: Any) -> httpx.Response:
    return httpx.Response(status, headers={"date": DATE}, content=orjson.dumps(body))


async def activity(sleeps, feed: Any, *, status: int = 200, created: str = "2020-01-01T00:00:00.000Z") -> Profile:
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path.removeprefix("/xrpc/"))
        if request.url.path.endswith("getProfile"):  # one actor: no batch needed
            return reply(200, profile_view(createdAt=created))
        assert dict(request.url.params) == {"actor": ACTOR, "limit": str(FEED_PAGE)}
        return reply(status, feed)

    retry = RetryPolicy(attempts=3, base_delay_s=0.01, max_delay_s=0.05, rng=random.Random(7))
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        bluesky = BlueskyProvider("https://appview.test", client=client, retry=retry, sleep=sleeps)
        found = (await bluesky.lookup_with_activity([ACTOR], 2))[ACTOR]
    assert seen == ["app.bsky.actor.getProfile", "app.bsky.feed.getAuthorFeed"]
    assert isinstance(found, Profile) and found.followers_count == 1
    return found


async def test_an_empty_feed_without_a_cursor_is_never_posted(sleeps):
    found = await activity(sleeps, {"feed": []})
    assert (found.last_active_at, found.posts_per_day) == (None, 0.0)


async def test_an_empty_page_that_goes_on_tells_nothing(sleeps):
    found = await activity(sleeps, {"feed": [], "cursor": "3kabc"})
    assert (found.last_active_at, found.posts_per_day) == (None, None)


async def test_posts_replies_and_own_reposts_count_pins_and_others_do_not(sleeps):
    pinned = post("2024-12-31T00:00:00Z")
    pinned["reason"] = {"$type": "app.bsky.feed.defs#reasonPin"}
    feed = [
        pinned,
        repost("2024-12-31T10:00:00Z"),
        post("2024-12-30T10:00:00Z"),
        repost("2024-12-30T09:00:00Z", by="did:plc:someoneelse"),
        post("2024-12-29T10:00:00Z", author="did:plc:someoneelse"),
        post("2024-12-28T10:00:00Z"),
    ]
    found = await activity(sleeps, {"feed": feed, "cursor": "3kabc"})
    assert found.last_active_at == datetime(2024, 12, 31, 10, tzinfo=UTC)
    oldest = datetime(2024, 12, 28, 10, tzinfo=UTC)
    assert found.posts_per_day == pytest.approx(3 / ((NOW - oldest) / timedelta(days=1)))


async def test_without_a_cursor_the_feed_spreads_over_the_accounts_life(sleeps):
    feed = [post("2024-12-31T12:00:00Z"), post("2024-12-01T12:00:00Z")]
    found = await activity(sleeps, {"feed": feed}, created="2024-10-03T12:00:00Z")
    assert found.posts_per_day == pytest.approx(2 / 90)
    found = await activity(sleeps, {"feed": [post("2025-01-01T11:00:00Z")]}, created="2025-01-01T10:00:00Z")
    assert found.posts_per_day == pytest.approx(1.0)  # at least a day


async def test_a_post_counts_at_the_earlier_of_created_and_indexed(sleeps):
    feed = [post("2099-01-01T00:00:00Z", "2024-12-31T00:00:00Z"), post("2019-06-01T00:00:00Z", "2024-12-30T00:00:00Z")]
    found = await activity(sleeps, {"feed": feed, "cursor": "3kabc"})
    assert found.last_active_at == datetime(2024, 12, 31, tzinfo=UTC)  # not 2099: the client's clock is its word
    assert found.posts_per_day == pytest.approx(2 / ((NOW - datetime(2019, 6, 1, tzinfo=UTC)) / timedelta(days=1)))


async def test_malformed_items_are_skipped(sleeps):
    feed = [None, "post", [1], {"post": None}, {"post": {"uri": 3}}, post("not a time"), {"reason": "x"}, post(
        "2024-12-31T00:00:00Z"
    )]  # fmt: skip
    found = await activity(sleeps, {"feed": feed})
    assert found.last_active_at == datetime(2024, 12, 31, tzinfo=UTC)


@pytest.mark.parametrize("body", [{"feed": "posts"}, {"nofeed": []}, [], None])
async def test_a_feed_that_is_not_a_feed_leaves_the_activity_unknown(sleeps, body):
    found = await activity(sleeps, body)
    assert (found.last_active_at, found.posts_per_day) == (None, None)


async def test_an_xrpc_error_on_the_feed_keeps_the_profile(sleeps):
    found = await activity(sleeps, {"error": "BlockedActor", "message": "Requester has blocked actor"}, status=400)
    assert (found.last_active_at, found.posts_per_day) == (None, None)
