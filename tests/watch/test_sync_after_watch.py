"""A sync right after `followtui watch` recorded a change trusts the stream over the lagging lists.

Bluesky's AppView indexes the event stream seconds (minutes, under load) late, so the lists a sync reads right
after a live change may not show it yet. Read naively, the sync would undo the watch's change with a false one of
its own (a new follower "unfollowed", then "followed" again: a trickster who never was). Here the lag is the
simulator's world left as it was while the watch's events are recorded into the real store, as a watch does.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from followtui import simulator
from followtui.core.analysis import AccountData
from followtui.core.store import Store
from followtui.core.sync import WATCH_GRACE, SyncOptions, sync_account, watch_held
from followtui.models import EventKind, EventSource, FollowEvent, Profile, SyncReport, SyncStatus, TrackedAccount
from followtui.providers import make_provider
from followtui.providers.http import RetryPolicy

OWNER = "octocat"
PASSWORD = "abcd-efgh-ijkl-mnop"
TOKEN = "ghp_sync_after_watch"
FAST = {"retry": RetryPolicy(attempts=4, base_delay_s=0.005, max_delay_s=0.02), "max_wait_s": 5, "timeout_s": 5}
STREAM = "wss://jetstream.example/subscribe"
LISTS = {
    EventKind.FOLLOWER_GAINED: "followers",
    EventKind.FOLLOWER_LOST: "followers",
    EventKind.FOLLOWING_ADDED: "following",
    EventKind.FOLLOWING_REMOVED: "following",
}
#: What a naive sync would record against each live change it cannot see yet.
UNDONE_BY = {
    EventKind.FOLLOWER_GAINED: EventKind.FOLLOWER_LOST,
    EventKind.FOLLOWER_LOST: EventKind.FOLLOWER_GAINED,
    EventKind.FOLLOWING_ADDED: EventKind.FOLLOWING_REMOVED,
    EventKind.FOLLOWING_REMOVED: EventKind.FOLLOWING_ADDED,
}


@dataclass
class Net:
    """A simulated platform and a real store on disk tracking its owner, synced once (the baseline)."""

    world: simulator.World
    sim: simulator.SimulatorServer
    store: Store
    account: TrackedAccount
    platform: str

    def provider(self) -> Any:
        if self.platform == "bluesky":
            return make_provider("bluesky", self.sim.url, PASSWORD, identifier=simulator.handle_for(OWNER), **FAST)
        return make_provider("github", self.sim.url, TOKEN, **FAST)

    async def sync(self) -> SyncReport:
        provider = self.provider()
        try:
            return await sync_account(self.store, self.account, provider, SyncOptions(hydrate_budget=0))
        finally:
            await provider.aclose()

    def pid(self, world_id: int) -> str:
        return simulator.did_for(world_id) if self.platform == "bluesky" else str(world_id)

    def ids(self, which: str) -> set[int]:
        return {row["id"] for row in self.world.truth(OWNER)[which]}

    def stranger(self) -> int:
        """An active account with no follow either way with the owner."""
        owner = self.world.account(OWNER)
        assert owner is not None
        related = self.ids("followers") | self.ids("following") | {owner.id}
        for world_id in self.world.random_account_ids():
            account = self.world.account(world_id)
            if world_id not in related and account is not None and account.active:
                return world_id
        raise AssertionError("no stranger in the world")

    def someone_for(self, kind: EventKind) -> int:
        """Whom the live change is about: someone it changes (a stranger to gain, a fan or followee to lose)."""
        if kind in (EventKind.FOLLOWER_GAINED, EventKind.FOLLOWING_ADDED):
            return self.stranger()
        if kind is EventKind.FOLLOWER_LOST:
            return sorted(self.ids("followers") - self.ids("following"))[0]
        return sorted(self.ids("following") - self.ids("followers"))[0]

    def watch_records(self, kind: EventKind, world_id: int, ago: timedelta) -> None:
        """What a watch records of a change the world made `ago` before its present: the event, with that exact
        time, and the membership it flips. The world itself is left as it was: the AppView has not caught up."""
        event = FollowEvent(self.account.key, kind, self.pid(world_id), self.world.now() - ago,
                            source=EventSource.WATCH.value)  # fmt: skip
        written = self.store.record_live(self.account, [event], {}, cursor=1, source=STREAM)
        assert [e.kind for e in written] == [kind]

    def catch_up(self, kind: EventKind, world_id: int) -> None:
        """The world (so the lists) comes to show the change the watch recorded."""
        owner = self.world.account(OWNER)
        assert owner is not None
        done = {
            EventKind.FOLLOWER_GAINED: lambda: self.world.follow(world_id, owner.id),
            EventKind.FOLLOWER_LOST: lambda: self.world.unfollow(world_id, owner.id),
            EventKind.FOLLOWING_ADDED: lambda: self.world.follow(owner.id, world_id),
            EventKind.FOLLOWING_REMOVED: lambda: self.world.unfollow(owner.id, world_id),
        }[kind]()
        assert done

    def events(self) -> list[tuple[EventKind, str, str]]:
        return [(e.kind, e.profile_id, e.source) for e in self.store.events(self.account.key)]

    def members(self, which: str) -> frozenset[str]:
        snapshot = self.store.snapshot(self.account.key)
        assert snapshot is not None
        return snapshot.followers if which == "followers" else snapshot.following


@pytest.fixture
def net(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Net]:
    platform = getattr(request, "param", "bluesky")
    world = simulator.World.generate(seed=11, owner=OWNER, followers=40, following=30)
    owner = world.account(OWNER)
    assert owner is not None
    if platform == "bluesky":
        world.add_app_password(OWNER, PASSWORD)
        handle, owner_id = simulator.handle_for(OWNER), simulator.did_for(owner.id)
    else:
        world.add_token(TOKEN, OWNER)
        handle, owner_id = OWNER, str(owner.id)
    with simulator.SimulatorServer(world, platform=platform) as sim:
        store = Store(tmp_path / "data")
        store.ensure()
        store.add_account(TrackedAccount(platform, handle, owner_id, server=sim.url))
        yield Net(world, sim, store, store.accounts()[0], platform)


async def baseline(net: Net) -> None:
    report = await net.sync()
    assert report.status is SyncStatus.BASELINE and net.events() == []


CASES = list(UNDONE_BY)


@pytest.mark.parametrize("kind", CASES, ids=[k.value for k in CASES])
async def test_a_live_change_the_lists_do_not_show_yet_is_not_undone_by_the_next_sync(
    net: Net, kind: EventKind
) -> None:
    await baseline(net)
    who = net.someone_for(kind)
    which, pid = LISTS[kind], net.pid(who)
    net.watch_records(kind, who, timedelta(minutes=1))
    kept = net.members(which)
    live = [(kind, pid, "watch")]

    report = await net.sync()  # the lists do not show the change yet
    assert report.status is SyncStatus.OK and report.changes == ()
    assert (report.gained, report.lost, report.added, report.removed) == (0, 0, 0, 0)
    assert net.events() == live  # no (UNDONE_BY[kind], pid, "sync")
    assert net.members(which) == kept and (pid in kept) is (kind in (EventKind.FOLLOWER_GAINED,
                                                                     EventKind.FOLLOWING_ADDED))  # fmt: skip
    assert (report.followers, report.following) == (len(net.members("followers")), len(net.members("following")))
    # no trickster made up (a follower who really left, as the watch saw, is one: a fact, not the lag's)
    tricksters = AccountData.load(net.store, net.account).tricksters()
    assert [t.profile.id for t in tricksters] == ([pid] if kind is EventKind.FOLLOWER_LOST else [])

    net.catch_up(kind, who)  # the AppView has indexed it
    report = await net.sync()
    assert report.changes == () and net.events() == live and net.members(which) == kept
    assert (report.followers, report.following) == (len(net.ids("followers")), len(net.ids("following")))


async def test_a_new_follower_the_lists_miss_is_no_trickster_while_the_appview_lags(net: Net) -> None:
    """The worst case spelled out: bob followed (seen live), two syncs within the window miss him, then he shows."""
    await baseline(net)
    bob = net.stranger()
    net.watch_records(EventKind.FOLLOWER_GAINED, bob, timedelta(seconds=2))
    for _ in range(2):
        report = await net.sync()
        assert report.changes == () and net.pid(bob) in net.members("followers")
    net.catch_up(EventKind.FOLLOWER_GAINED, bob)
    assert (await net.sync()).changes == ()
    assert net.events() == [(EventKind.FOLLOWER_GAINED, net.pid(bob), "watch")]
    data = AccountData.load(net.store, net.account)
    assert data.tricksters() == [] and net.pid(bob) in data.snapshot.followers  # type: ignore[union-attr]


@pytest.mark.parametrize("kind", CASES, ids=[k.value for k in CASES])
async def test_outside_the_grace_window_the_lists_win(net: Net, kind: EventKind) -> None:
    await baseline(net)
    who = net.someone_for(kind)
    pid = net.pid(who)
    net.watch_records(kind, who, timedelta(minutes=30))

    report = await net.sync()  # the stream said so half an hour ago; the lists still say otherwise: they win
    assert [(c.kind.value, c.id, c.source) for c in report.changes] == [(_change_word(UNDONE_BY[kind]), pid, "sync")]
    assert net.events() == [(kind, pid, "watch"), (UNDONE_BY[kind], pid, "sync")]
    assert (report.followers, report.following) == (len(net.ids("followers")), len(net.ids("following")))


async def test_the_persons_latest_change_decides_what_is_held(net: Net) -> None:
    """A follow seen live, then undone through followtui (an action): the unfollow is held, not the follow (that
    would record a false `you_followed`)."""
    await baseline(net)
    dave = net.stranger()
    net.watch_records(EventKind.FOLLOWING_ADDED, dave, timedelta(minutes=2))
    net.store.record_following_change(net.account, Profile(id=net.pid(dave), handle="dave"),
                                      following=False, at=net.world.now() - timedelta(minutes=1))  # fmt: skip
    report = await net.sync()
    assert report.changes == () and net.pid(dave) not in net.members("following")
    assert [k for k, _, _ in net.events()] == [EventKind.FOLLOWING_ADDED, EventKind.FOLLOWING_REMOVED]


async def test_only_the_last_minutes_of_the_history_are_read(net: Net) -> None:
    await baseline(net)
    old, recent = net.stranger(), net.someone_for(EventKind.FOLLOWER_LOST)
    net.watch_records(EventKind.FOLLOWER_GAINED, old, timedelta(hours=2))
    net.watch_records(EventKind.FOLLOWER_LOST, recent, timedelta(minutes=3))
    since = net.world.now() - WATCH_GRACE
    with net.store.read() as history:
        assert [e.profile_id for e in history.recent_events(net.account.key, since)] == [net.pid(recent)]
        held = watch_held(history, net.account.key, since)
    assert (dict(held.followers), dict(held.following)) == ({net.pid(recent): False}, {})


@pytest.mark.parametrize("net", ["github"], indirect=True)
async def test_a_github_sync_is_unaffected(net: Net) -> None:
    await baseline(net)
    newcomer, leaver = net.stranger(), sorted(net.ids("followers"))[0]
    owner = net.world.account(OWNER)
    assert owner is not None
    assert net.world.follow(newcomer, owner.id) and net.world.unfollow(leaver, owner.id)
    report = await net.sync()
    assert {(c.kind.value, c.id) for c in report.changes} >= {
        ("followed_you", net.pid(newcomer)),
        ("unfollowed_you", net.pid(leaver)),
    }
    assert net.store.watch_state(net.account.key) is None
    with net.store.read() as history:
        held = watch_held(history, net.account.key, net.world.now() - WATCH_GRACE)
    assert not held.followers and not held.following
    assert (report.followers, report.following) == (len(net.ids("followers")), len(net.ids("following")))


def _change_word(kind: EventKind) -> str:
    return {
        EventKind.FOLLOWER_GAINED: "followed_you",
        EventKind.FOLLOWER_LOST: "unfollowed_you",
        EventKind.FOLLOWING_ADDED: "you_followed",
        EventKind.FOLLOWING_REMOVED: "you_unfollowed",
    }[kind]


@pytest.mark.parametrize("following", [True, False], ids=["follow", "unfollow"])
async def test_a_follow_made_with_followtui_is_not_undone_by_a_sync_right_after(net: Net, following: bool) -> None:
    """`f` then `r`: the action is recorded at once (verified), the AppView has not indexed it yet; the sync
    must not record the false reverse change ("you unfollowed" a minute after the follow-back)."""
    await baseline(net)
    who = net.stranger() if following else net.someone_for(EventKind.FOLLOWING_REMOVED)
    net.store.record_following_change(net.account, Profile(id=net.pid(who), handle="who"),
                                      following=following, at=net.world.now() - timedelta(minutes=1))  # fmt: skip
    kind = EventKind.FOLLOWING_ADDED if following else EventKind.FOLLOWING_REMOVED
    report = await net.sync()  # the lists do not show the action yet
    assert report.changes == () and [(k, p) for k, p, _ in net.events()] == [(kind, net.pid(who))]
    assert (net.pid(who) in net.members("following")) is following
