"""BlueskyProvider against the simulator's Bluesky wire format over real loopback HTTP.

The simulator shares no code with the provider, so agreement here is evidence, not an echo. Skipped until the
simulator speaks Bluesky.
"""

from __future__ import annotations

import asyncio

import pytest

from followtui.models import GoneAccount, GoneReason, Profile
from followtui.providers import make_provider
from followtui.providers.http import RetryPolicy

simulator = pytest.importorskip("followtui.simulator")
if "bluesky" not in getattr(simulator, "PLATFORMS", {}) or not hasattr(simulator, "did_for"):
    pytest.skip("the simulator does not speak Bluesky yet", allow_module_level=True)

PASSWORD = "abcd-efgh-ijkl-mnop"
FAST = {"retry": RetryPolicy(attempts=8, base_delay_s=0.005, max_delay_s=0.02), "max_wait_s": 5, "timeout_s": 5}


@pytest.fixture
def world():
    w = simulator.World.generate(seed=11, followers=320, following=130)
    w.add_app_password("octocat", PASSWORD)
    return w


def ids_of(world, key: str) -> set[str]:
    return {simulator.did_for(row["id"]) for row in world.truth("octocat")[key]}


async def test_a_sync_worth_of_reads_matches_the_truth_under_faults(world):
    faults = simulator.FaultPlan(rate=0.15, seed=3, kinds=("500", "502", "503", "429", "truncated", "malformed"))
    with simulator.SimulatorServer(world, platform="bluesky", faults=faults) as sim:
        bluesky = make_provider("bluesky", sim.url, None, **FAST)
        try:
            me = await bluesky.lookup_self("octocat.bsky.test")
            followers, following = await asyncio.gather(bluesky.fetch_followers(me), bluesky.fetch_following(me))
        finally:
            await bluesky.aclose()
    assert {p.id for p in followers.accounts} == ids_of(world, "followers")
    assert {p.id for p in following.accounts} == ids_of(world, "following")
    assert me.followers_count == len(followers.accounts) and followers.pages >= 4


async def test_gone_actors_are_classified(world):
    victims = [row["id"] for row in world.truth("octocat")["followers"][:4]]
    world.delete(victims[0])
    world.suspend(victims[1])
    world.deactivate(victims[2])
    ids = [simulator.did_for(v) for v in victims]
    with simulator.SimulatorServer(world, platform="bluesky") as sim:
        bluesky = make_provider("bluesky", sim.url, None, **FAST)
        try:
            result = await bluesky.lookup(ids, budget=len(ids) + 1)
        finally:
            await bluesky.aclose()
    assert result[ids[0]] == GoneAccount(ids[0], GoneReason.DELETED)
    assert result[ids[1]] == GoneAccount(ids[1], GoneReason.SUSPENDED)
    assert result[ids[2]] == GoneAccount(ids[2], GoneReason.DEACTIVATED)
    assert isinstance(result[ids[3]], Profile) and result[ids[3]].followers_count is not None


async def test_follow_and_unfollow_with_an_app_password(world):
    with simulator.SimulatorServer(world, platform="bluesky") as sim:
        bluesky = make_provider("bluesky", sim.url, PASSWORD, identifier="octocat.bsky.test", **FAST)
        try:
            me = await bluesky.lookup_self("octocat.bsky.test")
            target = (await bluesky.fetch_followers(me)).accounts[-1]
            before = await bluesky.is_following(target)
            await (bluesky.unfollow if before else bluesky.follow)(target)
            assert await bluesky.is_following(target) is not before
            await (bluesky.follow if before else bluesky.unfollow)(target)
            assert await bluesky.is_following(target) is before
        finally:
            await bluesky.aclose()


async def test_an_access_token_that_expires_mid_session_is_refreshed(world):
    with simulator.SimulatorServer(world, platform="bluesky", app_options={"access_ttl_s": 0.5}) as sim:
        bluesky = make_provider("bluesky", sim.url, PASSWORD, identifier="octocat.bsky.test", **FAST)
        try:
            me = await bluesky.lookup_self("octocat.bsky.test")
            target = (await bluesky.fetch_followers(me)).accounts[0]
            before = await bluesky.is_following(target)
            await asyncio.sleep(0.7)  # the access token is now expired: the next write must refresh it
            await (bluesky.unfollow if before else bluesky.follow)(target)
            assert await bluesky.is_following(target) is not before
            sessions = sim.stats()["by_route"]
        finally:
            await bluesky.aclose()
    assert any("refreshSession" in route for route in sessions), sessions


async def test_own_post_times_skip_reposts_and_stop_at_since(world):
    from datetime import UTC, datetime, timedelta

    world.advance_days(120)
    posted = [datetime.fromtimestamp(ts, UTC) for ts in world.post_times("octocat")]
    since = world.now() - timedelta(days=25)
    with simulator.SimulatorServer(world, platform="bluesky") as sim:
        bluesky = make_provider("bluesky", sim.url, None, **FAST)
        try:
            me = await bluesky.lookup_self("octocat.bsky.test")
            everything = await bluesky.own_post_times(me, posted[-1])
            recent = await bluesky.own_post_times(me, since)
        finally:
            await bluesky.aclose()
    assert len(posted) > 100 and everything == posted  # newest first, reposts left out, across pages
    assert recent == [t for t in posted if t >= since]
