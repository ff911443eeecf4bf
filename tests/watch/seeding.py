"""What the watch tests share: the simulated owner's app password, quick retries, and its follow records as
`watch` seeds them (signed in, over HTTP from the simulator)."""

from __future__ import annotations

from followtui import simulator
from followtui.core.watch import FollowRecords
from followtui.providers import make_provider
from followtui.providers.http import RetryPolicy

PASSWORD = "abcd-efgh-ijkl-mnop"
FAST = {"retry": RetryPolicy(attempts=8, base_delay_s=0.005, max_delay_s=0.02), "max_wait_s": 5, "timeout_s": 5}


async def seeded(world: simulator.World, handle: str = "octocat.bsky.test") -> FollowRecords:
    with simulator.SimulatorServer(world, platform="bluesky") as sim:
        bluesky = make_provider("bluesky", sim.url, PASSWORD, identifier=handle, **FAST)
        try:
            me = await bluesky.lookup_self(handle)
            return FollowRecords(me.id, await bluesky.follow_records(me))
        finally:
            await bluesky.aclose()
