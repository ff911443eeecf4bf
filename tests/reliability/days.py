"""Simulated days for long campaigns: a day passes, then the network is trimmed back to its starting size, so
a hundred days cost what the first one did (the simulated network otherwise grows a few percent a day)."""

from __future__ import annotations

from followtui.simulator import World


def next_day(world: World, owner: str, *, followers: int, following: int) -> None:
    """The day's newest arrivals beyond the starting size leave again before the next sync (they never show):
    what the day took away stays, as the world decided it."""
    world.advance_days(1)
    me = world.account(owner)
    assert me is not None
    newest_first = list(world.follower_ids(owner))
    for who in newest_first[: max(0, len(newest_first) - followers)]:
        world.unfollow(who, me.id)
    newest_first = list(world.following_ids(owner))
    for whom in newest_first[: max(0, len(newest_first) - following)]:
        world.unfollow(me.id, whom)
