"""Interactions read by each provider from the simulator over real loopback HTTP, against the world's truth.

The simulator shares no code with the providers, so agreement is evidence. Times per platform: Bluesky likes and
replies, Mastodon replies and every GitHub act carry their own; Bluesky reposts and Mastodon favourites and
boosts carry none, and the provider gives them the post's time.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest

from followtui.models import Interaction
from followtui.providers import make_provider
from followtui.providers.base import ReadsInteractions
from followtui.providers.http import RetryPolicy
from followtui.simulator import FaultPlan, SimulatorServer, World, did_for, mastodon_id_for

FAST = {"retry": RetryPolicy(attempts=8, base_delay_s=0.005, max_delay_s=0.02), "max_wait_s": 5, "timeout_s": 5}
PLATFORMS = ("github", "bluesky", "mastodon")
HANDLES = {"github": "octocat", "bluesky": "octocat.bsky.test", "mastodon": "octocat"}
KEY = {"github": str, "bluesky": did_for, "mastodon": mastodon_id_for}
#: Kinds whose time on the wire is the post's (no time of their own).
POST_TIMED = {"github": (), "bluesky": ("repost",), "mastodon": ("like", "repost")}
BIG = 1000


@pytest.fixture
def world() -> World:
    w = World.generate(seed=21, followers=300, following=150)
    w.advance_days(4)
    return w


def expected(world: World, platform: str, since: datetime) -> Counter[tuple[str, str, int]]:
    """What a perfect client sees: acts on repositories since `since` (GitHub), acts on posts made since
    `since` (Bluesky, Mastodon), keyed by the platform's id, with the time the wire can tell."""
    cut = since.timestamp()
    out: Counter[tuple[str, str, int]] = Counter()
    for row in world.interactions_with("octocat"):
        on_repo = row["repo"] is not None
        if on_repo != (platform == "github") or (row["at"] if on_repo else row["post_at"]) < cut:
            continue
        at = row["post_at"] if row["kind"] in POST_TIMED[platform] else row["at"]
        out[(KEY[platform](row["actor_id"]), row["kind"], at)] += 1
    return out


def seen(got: list[Interaction]) -> Counter[tuple[str, str, int]]:
    assert all(i.at is not None for i in got)
    return Counter((i.profile.id, i.kind.value, int(i.at.timestamp())) for i in got if i.at is not None)


async def read(sim: SimulatorServer, platform: str, since: datetime, budget: int, **options):
    """(interactions, requests they cost, the tracked profile) from a fresh provider."""
    provider = make_provider(platform, sim.url, None, **{**FAST, **options})
    try:
        me = await provider.lookup_self(HANDLES[platform])
        assert isinstance(provider, ReadsInteractions)
        before = provider.requests_made
        got = await provider.interactions(me, since, budget)
        return got, provider.requests_made - before, me
    finally:
        await provider.aclose()


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_interactions_equal_the_worlds_truth_within_the_window(world, platform):
    since = world.now() - timedelta(days=14)
    want = expected(world, platform, since)
    kinds = {"github": {"star", "fork", "issue"}, "bluesky": {"like", "repost", "reply"}}
    assert {kind for _, kind, _ in want} == kinds.get(platform, kinds["bluesky"])
    with SimulatorServer(world, platform=platform) as sim:
        got, spent, me = await read(sim, platform, since, BIG)
    assert seen(got) == want
    assert spent <= BIG
    assert me.id not in {i.profile.id for i in got}  # the owner's own acts (a self-star, answers) are left out
    assert all(i.profile.handle for i in got)


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_lists_of_more_than_a_page_are_read_to_their_end(world, platform):
    since = world.now() - timedelta(days=3 * 365)
    with SimulatorServer(world, platform=platform) as sim:
        got, _, _ = await read(sim, platform, since, BIG, per_page=30)
    assert seen(got) == expected(world, platform, since)
    assert len(got) > 30


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_the_budget_is_never_exceeded(world, platform):
    since = world.now() - timedelta(days=30)
    want = expected(world, platform, since)
    with SimulatorServer(world, platform=platform) as sim:
        found = []
        for budget in (0, 1, 2, 3, 5, 8, 13):
            got, spent, _ = await read(sim, platform, since, budget, per_page=20)
            assert spent <= budget
            assert not seen(got) - want  # what a small budget reads is true, the rest left out
            found.append(len(got))
    assert found[0] == found[1] == 0  # no request, or only the list of posts or repositories
    assert found == sorted(found) and found[-1] > 0


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_new_engagement_shows_up_as_days_pass(world, platform):
    since = world.now() - timedelta(days=7)
    with SimulatorServer(world, platform=platform) as sim:
        before, _, _ = await read(sim, platform, since, BIG)
        world.advance_days(2)
        after, _, _ = await read(sim, platform, since, BIG)
    assert seen(after) == expected(world, platform, since)
    assert seen(after) - seen(before)


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_interactions_key_people_as_the_follower_list_does(world, platform):
    since = world.now() - timedelta(days=30)
    with SimulatorServer(world, platform=platform) as sim:
        got, _, me = await read(sim, platform, since, BIG)
        provider = make_provider(platform, sim.url, None, **FAST)
        try:
            followers = {p.id for p in (await provider.fetch_followers(me)).accounts}
        finally:
            await provider.aclose()
    truth = {row["id"] for row in world.truth("octocat")["followers"]}
    engaged = {row for row, _, _ in expected(world, platform, since)}
    by_followers = {KEY[platform](i) for i in truth} & engaged
    assert by_followers and {i.profile.id for i in got} & followers == by_followers


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_transient_faults_change_nothing(world, platform):
    since = world.now() - timedelta(days=14)
    faults = FaultPlan(rate=0.15, seed=5, kinds=("500", "502", "503", "429", "truncated", "malformed"))
    with SimulatorServer(world, platform=platform, faults=faults) as sim:
        got, _, _ = await read(sim, platform, since, BIG)
    assert seen(got) == expected(world, platform, since)
