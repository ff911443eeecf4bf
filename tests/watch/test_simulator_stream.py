"""Seed → stream → interpret against the simulator: the follow records read over HTTP, the simulator's own
Jetstream and firehose over WebSocket (its code shares nothing with the app's), and the changes they mean.
"""

from __future__ import annotations

import asyncio

import pytest

from followtui import simulator
from followtui.core.watch import FollowRecords, LiveChange, interpret
from followtui.models import EventKind
from followtui.providers.bluesky_stream import Backoff, FollowCommit, FollowStream, StreamGap

from .seeding import PASSWORD, seeded


class Watcher:
    """The watch loop a caller runs: stream items interpreted against the seeded records."""

    def __init__(self, url: str, records: FollowRecords) -> None:
        self.stream = FollowStream(url, backoff=Backoff(0.01, 0.05))
        self.records = records
        self.changes: list[LiveChange] = []
        self.gaps: list[StreamGap] = []
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        async for item in self.stream:
            if isinstance(item, FollowCommit):
                self.changes.extend(interpret(item, self.records))
            else:
                self.gaps.append(item)

    async def wait(self, condition, timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            while not condition():
                if self.task.done():
                    self.task.result()
                await asyncio.sleep(0.01)

    async def close(self) -> None:
        self.stream.stop.set()
        async with asyncio.timeout(5):
            await self.task


@pytest.mark.parametrize("endpoint", ["jetstream_url", "firehose_url"])
async def test_follows_unfollows_and_a_refollow_seen_live_across_a_dropped_connection(endpoint):
    world = simulator.World.generate(seed=5, followers=60, following=40)
    world.add_app_password("octocat", PASSWORD)
    truth = world.truth("octocat")
    followers, following = {r["id"] for r in truth["followers"]}, {r["id"] for r in truth["following"]}
    fan = sorted(following - followers)[0]  # followed by the owner, not following it yet
    leaver, refollower = sorted(followers - following)[:2]
    dropped, newcomer = sorted(following - {fan})[0], sorted(followers - following)[2]
    did = simulator.did_for

    records = await seeded(world)

    with simulator.StreamServer(world) as server:
        watcher = Watcher(getattr(server, endpoint), records)
        try:
            await watcher.wait(lambda: watcher.stream.stats.connects == 1)
            assert world.follow(fan, "octocat") and world.unfollow(leaver, "octocat")
            assert world.refollow(refollower, "octocat")
            await watcher.wait(lambda: watcher.stream.stats.commits == 3)
            server.inject("garbage")
            server.inject("missing_fields")
            server.inject("unknown_type")
            await watcher.wait(lambda: watcher.stream.stats.malformed == 2)
            server.drop()
            assert world.unfollow("octocat", dropped) and world.follow("octocat", newcomer)
            await watcher.wait(lambda: len(watcher.changes) == 4)
        finally:
            await watcher.close()

    assert [(c.kind, c.profile_id) for c in watcher.changes] == [
        (EventKind.FOLLOWER_GAINED, did(fan)),
        (EventKind.FOLLOWER_LOST, did(leaver)),
        (EventKind.FOLLOWING_REMOVED, did(dropped)),
        (EventKind.FOLLOWING_ADDED, did(newcomer)),
    ]
    stats = watcher.stream.stats
    assert watcher.gaps == [] and stats.reconnects >= 1 and stats.commits == 5 and records.stats.refollows == 1
    assert records.holds(did(refollower), records.owner) and records.holds(did(fan), records.owner)
    assert not records.holds(did(leaver), records.owner) and records.following() == {
        did(g) for g in following - {dropped}
    } | {did(newcomer)}
