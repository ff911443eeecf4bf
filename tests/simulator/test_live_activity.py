"""Live activity around an owner (the demo's and watch tests' source of changes): the trick, leavers, strangers
who stay and the owner's own follows, as world changes that the streams carry."""

from __future__ import annotations

import time

import httpx
import pytest

from followtui.simulator import SimulatorServer, StreamServer, World
from followtui.simulator.live import SCRIPT, OwnerActivity


@pytest.fixture
def world() -> World:
    return World.generate(seed=5, followers=40, following=20)


def test_one_cycle_holds_the_trick_a_leaver_a_stayer_and_a_follow(world: World) -> None:
    me = world.owners[0]
    run = OwnerActivity(world, me.login)
    before = set(world.follower_ids(me))
    made = [run.step() for _ in SCRIPT]
    assert all(made)
    trickster = made[0]["who"]
    assert [m["what"] for m in made[:3]] == ["follows you", "you follow back", "unfollows you"]
    assert made[1]["who"] == made[2]["who"] == trickster
    assert not world.is_following(trickster, me) and world.is_following(me, trickster)
    assert made[3]["who"] in {world.account(i).login for i in before}
    assert world.is_following(made[4]["who"], me) and world.is_following(me, made[5]["who"])
    times = [m["at"] for m in made]
    assert times == sorted(times) and len(set(times)) == len(times)  # each change at its own world time
    with pytest.raises(ValueError):
        OwnerActivity(world, made[4]["who"])  # not an owner


def test_the_stream_carries_it_and_the_control_route_runs_it(world: World) -> None:
    me = world.owners[0]
    with SimulatorServer(world, platform="bluesky") as sim, StreamServer(world) as stream:
        head = stream.log.head_seq
        status = httpx.post(f"{sim.url}/_sim/stream/live", json={"owner": me.login, "every_s": 0.05}).json()
        assert status["running"] and status["owner"] == me.login
        deadline = time.monotonic() + 5
        while stream.log.head_seq < head + 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert httpx.delete(f"{sim.url}/_sim/stream/live").json() == {"stopped": True}
        assert stream.log.head_seq >= head + 3
        assert httpx.delete(f"{sim.url}/_sim/stream/live").json() == {"stopped": False}
