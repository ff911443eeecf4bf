"""MastodonProvider against the simulator's Mastodon wire format over real loopback HTTP.

The simulator shares no code with the provider, so agreement here is evidence, not an echo. Skipped until the
simulator speaks Mastodon.
"""

from __future__ import annotations

import asyncio

import pytest

from followtui.models import GoneAccount, GoneReason, Profile
from followtui.providers import make_provider
from followtui.providers.errors import HiddenListError
from followtui.providers.http import RetryPolicy

simulator = pytest.importorskip("followtui.simulator")
if "mastodon" not in getattr(simulator, "PLATFORMS", {}) or not hasattr(simulator, "mastodon_id_for"):
    pytest.skip("the simulator does not speak Mastodon yet", allow_module_level=True)

TOKEN = "mastodon-sim-token"
FAST = {"retry": RetryPolicy(attempts=8, base_delay_s=0.005, max_delay_s=0.02), "max_wait_s": 5, "timeout_s": 5}


@pytest.fixture
def world():
    w = simulator.World.generate(seed=12, followers=300, following=170)
    w.add_token(TOKEN, "octocat")
    return w


def ids_of(world, key: str) -> set[str]:
    return {simulator.mastodon_id_for(row["id"]) for row in world.truth("octocat")[key]}


async def test_a_sync_worth_of_reads_matches_the_truth_under_faults(world):
    faults = simulator.FaultPlan(rate=0.15, seed=4, kinds=("500", "502", "503", "429", "truncated", "malformed"))
    with simulator.SimulatorServer(world, platform="mastodon", faults=faults) as sim:
        mastodon = make_provider("mastodon", sim.url, TOKEN, **FAST)
        try:
            me = await mastodon.lookup_self("octocat")
            followers, following = await asyncio.gather(mastodon.fetch_followers(me), mastodon.fetch_following(me))
        finally:
            await mastodon.aclose()
    assert {p.id for p in followers.accounts} == ids_of(world, "followers")
    assert {p.id for p in following.accounts} == ids_of(world, "following")
    assert all(p.followers_count is not None and p.hydrated_at is not None for p in followers.accounts)


async def test_a_hidden_network_is_reported_to_others_and_read_by_its_owner(world):
    world.hide_network("octocat")
    with simulator.SimulatorServer(world, platform="mastodon") as sim:
        anonymous = make_provider("mastodon", sim.url, None, **FAST)
        owner = make_provider("mastodon", sim.url, TOKEN, **FAST)
        try:
            me = await anonymous.lookup_self("octocat")
            with pytest.raises(HiddenListError, match="mastodon:octocat hides its followers"):
                await anonymous.fetch_followers(me)
            mine = await owner.fetch_followers(await owner.lookup_self("octocat"))
        finally:
            await anonymous.aclose()
            await owner.aclose()
    assert {p.id for p in mine.accounts} == ids_of(world, "followers")


async def test_gone_accounts_are_classified(world):
    victims = [row["id"] for row in world.truth("octocat")["followers"][:3]]
    world.delete(victims[0])
    world.suspend(victims[1])
    ids = [simulator.mastodon_id_for(v) for v in victims]
    with simulator.SimulatorServer(world, platform="mastodon") as sim:
        mastodon = make_provider("mastodon", sim.url, None, **FAST)
        try:
            result = await mastodon.lookup(ids, budget=len(ids))
        finally:
            await mastodon.aclose()
    assert result[ids[0]] == GoneAccount(ids[0], GoneReason.DELETED)
    assert result[ids[1]] == GoneAccount(ids[1], GoneReason.SUSPENDED)
    assert isinstance(result[ids[2]], Profile)


async def test_follow_and_unfollow_with_a_token(world):
    with simulator.SimulatorServer(world, platform="mastodon") as sim:
        mastodon = make_provider("mastodon", sim.url, TOKEN, **FAST)
        try:
            me = await mastodon.lookup_self("octocat")
            target = (await mastodon.fetch_following(me)).accounts[0]
            assert await mastodon.is_following(target) is True
            await mastodon.unfollow(target)
            assert await mastodon.is_following(target) is False
            await mastodon.follow(target)
            assert await mastodon.is_following(target) is True
        finally:
            await mastodon.aclose()


async def test_own_post_times_skip_boosts_and_stop_at_since(world):
    from datetime import UTC, datetime, timedelta

    world.advance_days(40)  # more than one page of 40 statuses
    posted = [datetime.fromtimestamp(ts, UTC) for ts in world.post_times("octocat")]
    since = world.now() - timedelta(days=20)
    with simulator.SimulatorServer(world, platform="mastodon") as sim:
        mastodon = make_provider("mastodon", sim.url, None, **FAST)
        try:
            me = await mastodon.lookup_self("octocat")
            everything = await mastodon.own_post_times(me, posted[-1])
            recent = await mastodon.own_post_times(me, since)
        finally:
            await mastodon.aclose()
    assert len(posted) > 40 and everything == posted  # newest first, boosts left out, across pages
    assert recent == [t for t in posted if t >= since]
