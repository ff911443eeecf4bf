"""`watch_account` against the simulator: its Bluesky HTTP API (the full syncs, the follow records, profiles), its
Jetstream and firehose over WebSocket, and the real store on disk. Every scenario runs on both streams.

What the issue asks of a live watch: changes caught with the world's own times, in the same log a sync writes
(changes, history, tricksters); a re-follow is no unfollow; a restart resumes from the cursor, an outdated one
means a full sync first; the next sync adds no duplicate and records what the stream missed; malformed frames are
skipped, a dropped connection comes back; a live trick is one notification; others' follows are nothing.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("websockets")
pytest.importorskip("libipld")

from followtui import simulator
from followtui.core.codec import parse_iso
from followtui.core.config import Settings
from followtui.core.errors import StoreBusyError
from followtui.core.live import WatchSummary, watch_account
from followtui.core.notify import NotifySettings
from followtui.core.store import Store
from followtui.models import TrackedAccount
from followtui.providers import make_provider
from followtui.providers.bluesky_stream import Backoff
from followtui.providers.http import RetryPolicy
from tests.core.test_notify import Inbox
from tests.integration.harness import cli_in_process

OWNER = "octocat"
HANDLE = simulator.handle_for(OWNER)
PASSWORD = "abcd-efgh-ijkl-mnop"
FAST = {"retry": RetryPolicy(attempts=8, base_delay_s=0.005, max_delay_s=0.02), "max_wait_s": 5, "timeout_s": 5}
ENDPOINTS = ["jetstream_url", "firehose_url"]
DAY = 86_400


@dataclass
class Net:
    """A simulated Bluesky (HTTP and both streams) and a data dir tracking the owner, not synced yet."""

    world: simulator.World
    sim: simulator.SimulatorServer
    streams: simulator.StreamServer
    data: Path
    endpoint: str

    @property
    def store(self) -> Store:
        return Store(self.data)

    @property
    def url(self) -> str:
        return str(getattr(self.streams, self.endpoint))

    @property
    def account(self) -> TrackedAccount:
        return self.store.accounts()[0]

    def provider(self) -> Any:
        return make_provider("bluesky", self.sim.url, PASSWORD, identifier=HANDLE, **FAST)

    def did(self, world_id: int) -> str:
        return simulator.did_for(world_id)

    def handle(self, world_id: int) -> str:
        account = self.world.account(world_id)
        assert account is not None
        return simulator.handle_for(account.login)

    def last_change_at(self) -> datetime:
        """The world's time of its latest change (what the event must carry)."""
        at = parse_iso(self.world.events()[-1]["at"])
        assert at is not None
        return at

    def ids(self, which: str) -> set[int]:
        return {row["id"] for row in self.world.truth(OWNER)[which]}

    def strangers(self, count: int) -> list[int]:
        """Active accounts with no follow either way with the owner."""
        owner = self.world.account(OWNER)
        assert owner is not None
        related = self.ids("followers") | self.ids("following") | {owner.id}
        found = []
        for world_id in self.world.random_account_ids():
            account = self.world.account(world_id)
            if world_id not in related and account is not None and account.active:
                found.append(world_id)
            if len(found) == count:
                return found
        raise AssertionError("not enough strangers in the world")

    def fans(self) -> list[int]:
        """Followers the owner does not follow back."""
        return sorted(self.ids("followers") - self.ids("following"))

    def cli(self, *args: str) -> Any:
        """The real command, in this process (its own event loop: call it through `asyncio.to_thread`)."""
        return cli_in_process(self.data, *args)


@pytest.fixture(params=ENDPOINTS)
def net(request: pytest.FixtureRequest, tmp_path: Path):
    world = simulator.World.generate(seed=11, owner=OWNER, followers=40, following=30)
    world.add_app_password(OWNER, PASSWORD)
    owner = world.account(OWNER)
    assert owner is not None
    with simulator.SimulatorServer(world, platform="bluesky") as sim, simulator.StreamServer(world) as streams:
        data = tmp_path / "data"
        store = Store(data)
        store.ensure()
        store.add_account(TrackedAccount("bluesky", HANDLE, simulator.did_for(owner.id), server=sim.url))
        yield Net(world, sim, streams, data, request.param)


@dataclass
class Watch:
    """`watch_account` running as a task, with what it said."""

    net: Net
    settings: Settings | None = None
    rows: list[Any] = field(default_factory=list)
    status: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.stop = asyncio.Event()
        settings = self.settings or Settings(config_dir=self.net.data)
        self.task = asyncio.create_task(
            watch_account(self.net.store, settings, self.net.account, self.net.url, stop=self.stop,
                          on_change=self.rows.extend, on_status=self.status.append,
                          provider_factory=self.net.provider, stream_options={"backoff": Backoff(0.01, 0.05)},
                          heartbeat_s=0.2)
        )  # fmt: skip

    def said(self, words: str) -> bool:
        return any(words in line for line in self.status)

    async def until(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            while not condition():
                if self.task.done():
                    self.task.result()
                    raise AssertionError(f"the watch ended early: {self.status}")
                await asyncio.sleep(0.01)

    async def ready(self) -> None:
        """Connected, and done with the full sync it started with (if it needed one)."""
        await self.until(lambda: self.said("connected"))
        if self.said("a full sync first"):
            await self.until(lambda: self.said(": baseline:") or self.said(": synced:"))

    async def rows_of(self, count: int) -> list[Any]:
        await self.until(lambda: len(self.rows) >= count)
        return self.rows

    async def close(self) -> WatchSummary:
        self.stop.set()
        async with asyncio.timeout(15):
            return await self.task


def kinds(rows: list[Any]) -> list[tuple[str, str]]:
    return [(row.kind.value, row.id) for row in rows]


async def baseline(net: Net) -> None:
    """A first watch that syncs the baseline, sees others' follows go by (as on the real network, where they come
    every second: they give it a cursor to resume from) and stops."""
    watch = Watch(net)
    await watch.ready()
    net.streams.burst(20, seed=7)
    await asyncio.sleep(0.5)
    summary = await watch.close()
    assert summary.syncs == 1 and summary.cursor is not None and summary.events == 0


# --- caught live, read like any other change ------------------------------------------------------------------------


async def test_a_follow_back_then_unfollow_is_caught_with_exact_times_and_read_as_a_trickster(net: Net) -> None:
    (tricky,) = net.strangers(1)
    watch = Watch(net)
    await watch.ready()
    assert net.world.follow(tricky, OWNER)
    followed = net.last_change_at()
    await watch.rows_of(1)
    assert net.world.follow(OWNER, tricky)
    back = net.last_change_at()
    await watch.rows_of(2)
    assert net.world.unfollow(tricky, OWNER)
    left = net.last_change_at()
    rows = await watch.rows_of(3)
    await watch.close()

    did = net.did(tricky)
    assert kinds(rows) == [("followed_you", did), ("you_followed", did), ("unfollowed_you", did)]
    assert [row.at for row in rows] == [followed, back, left]
    assert rows[-1].detail == "you follow them" and rows[0].handle == net.handle(tricky)

    log = await asyncio.to_thread(net.cli, "changes", "--format", "jsonl")
    assert log.exit_code == 0, log.stderr
    mine = [json.loads(line) for line in log.stdout.splitlines() if json.loads(line)["id"] == did]
    assert [(r["kind"], r["at"], r["source"]) for r in reversed(mine)] == [
        ("followed_you", "2026-01-05T09:00:01Z", "watch"),
        ("you_followed", "2026-01-05T09:00:02Z", "watch"),
        ("unfollowed_you", "2026-01-05T09:00:03Z", "watch"),
    ]
    shown = await asyncio.to_thread(net.cli, "show", "tricksters", "--format", "json")
    assert shown.exit_code == 0, shown.stderr
    (row,) = [r for r in json.loads(shown.stdout)["rows"] if r["id"] == did]
    assert (row["followed_at"], row["followed_back_at"], row["unfollowed_at"]) == (
        "2026-01-05T09:00:01Z",
        "2026-01-05T09:00:02Z",
        "2026-01-05T09:00:03Z",
    )
    assert row["still_following"] is True and row["handle"] == net.handle(tricky)
    history = await asyncio.to_thread(net.cli, "history", "--format", "json")
    assert history.exit_code == 0, history.stderr
    (day,) = [d for d in json.loads(history.stdout)["days"] if d["day"] == "2026-01-05"]
    assert (day["gained"], day["lost"], day["added"], day["tricksters"]) == (1, 1, 1, 1)

    # the next sync finds nothing new: the watch flipped the membership as it recorded
    synced = await asyncio.to_thread(net.cli, "sync", "--json")
    assert synced.exit_code == 0, synced.stderr
    (report,) = json.loads(synced.stdout)["accounts"]
    assert report["changes"] == [] and report["gained"] == report["lost"] == report["added"] == 0
    assert len(net.store.events(net.account.key)) == 3


async def test_a_refollow_while_following_is_no_unfollow_and_others_follows_are_nothing(net: Net) -> None:
    fan = net.fans()[0]
    (marker,) = net.strangers(1)
    watch = Watch(net)
    await watch.ready()
    assert net.world.refollow(fan, OWNER)  # one commit: the old record deleted, a new one created
    net.streams.burst(200, seed=3)  # follows and unfollows among others
    assert net.world.follow(marker, OWNER)  # the stream has gone past everything before it
    rows = await watch.rows_of(1)
    await asyncio.sleep(0.3)
    summary = await watch.close()
    assert kinds(rows) == [("followed_you", net.did(marker))]
    assert [e.profile_id for e in net.store.events(net.account.key)] == [net.did(marker)]
    assert summary.events == 1 and summary.syncs == 1 and summary.gaps == 0
    assert net.did(fan) in net.store.snapshot(net.account.key).followers  # type: ignore[union-attr]


# --- restarts, gaps, the next sync ----------------------------------------------------------------------------------


async def test_a_restart_resumes_from_the_cursor_and_catches_what_happened_meanwhile(net: Net) -> None:
    await baseline(net)
    newcomer = net.strangers(1)[0]
    leaver = net.fans()[0]  # an existing follower: its delete is known only from the records kept with the cursor
    dropped = sorted(net.ids("following"))[0]
    assert net.world.follow(newcomer, OWNER)
    times = [net.last_change_at()]
    assert net.world.unfollow(leaver, OWNER)
    times.append(net.last_change_at())
    assert net.world.unfollow(OWNER, dropped)
    times.append(net.last_change_at())

    watch = Watch(net)
    rows = await watch.rows_of(3)
    summary = await watch.close()
    assert not watch.said("a full sync first") and summary.syncs == 0 and summary.gaps == 0
    assert watch.said("from cursor")
    expected = [("followed_you", net.did(newcomer)), ("unfollowed_you", net.did(leaver)),
                ("you_unfollowed", net.did(dropped))]  # fmt: skip
    assert kinds(rows) == expected and [row.at for row in rows] == times
    assert {row.source for row in rows} == {"watch"}


def outdate(net: Net, far: int) -> None:
    """Make the stored cursor one the stream no longer serves: the firehose keeps only the newest commit (an
    OutdatedCursor), Jetstream's clock moves two days on (older than it replays) with `far`'s follow."""
    if net.endpoint == "firehose_url":
        net.streams.set_retention(1)
        return
    owner = net.world.account(OWNER)
    assert owner is not None
    assert net.world.change_at(("follow", far, owner.id), net.world.now_ts() + 2 * DAY, via="manual")


async def test_an_outdated_cursor_means_a_full_sync_first_and_nothing_twice(net: Net) -> None:
    await baseline(net)
    newcomer, far = net.strangers(2)
    leaver = net.fans()[0]
    assert net.world.follow(newcomer, OWNER) and net.world.unfollow(leaver, OWNER)
    outdate(net, far)

    watch = Watch(net)
    await watch.ready()
    assert net.world.follow(OWNER, newcomer)  # live again after the sync
    await watch.until(lambda: ("you_followed", net.did(newcomer)) in kinds(watch.rows))
    summary = await watch.close()
    assert watch.said("gap:") and summary.syncs == 1 and summary.gaps == 1
    events = net.store.events(net.account.key)
    seen = [(e.kind.value, e.profile_id) for e in events]
    assert len(seen) == len(set(seen))  # each change once: by the sync, or by the stream, never both
    assert ("follower_gained", net.did(newcomer)) in seen and ("follower_lost", net.did(leaver)) in seen
    assert [e.source for e in events if e.profile_id == net.did(leaver)] == ["sync"]


async def test_the_next_sync_records_what_the_stream_missed_and_nothing_twice(net: Net) -> None:
    first, missed = net.strangers(2)
    watch = Watch(net)
    await watch.ready()
    assert net.world.follow(first, OWNER)
    await watch.rows_of(1)
    await watch.close()
    assert net.world.follow(missed, OWNER)  # while nothing watches

    synced = await asyncio.to_thread(net.cli, "sync", "--json")
    assert synced.exit_code == 0, synced.stderr
    (report,) = json.loads(synced.stdout)["accounts"]
    assert [(c["kind"], c["id"], c["source"]) for c in report["changes"]] == [("followed_you", net.did(missed), "sync")]
    events = net.store.events(net.account.key)
    assert [(e.profile_id, e.source) for e in events] == [(net.did(first), "watch"), (net.did(missed), "sync")]


# --- a hostile or flaky stream ----------------------------------------------------------------------------------------


async def test_malformed_frames_are_skipped_and_counted_and_a_dropped_connection_comes_back(net: Net) -> None:
    first, second = net.strangers(2)
    watch = Watch(net)
    await watch.ready()
    for kind in ("garbage", "missing_fields", "unknown_type"):  # the last is a frame type to skip, not malformed
        net.streams.inject(kind)
    assert net.world.follow(first, OWNER)
    await watch.rows_of(1)
    await watch.until(lambda: watch.said("malformed"))
    net.streams.drop()
    await watch.until(lambda: watch.said("reconnected"))
    assert net.world.follow(second, OWNER)
    rows = await watch.rows_of(2)
    summary = await watch.close()
    assert kinds(rows) == [("followed_you", net.did(first)), ("followed_you", net.did(second))]
    assert summary.malformed == 2 and summary.reconnects >= 1 and summary.gaps == 0


async def test_a_second_watch_of_the_same_account_is_refused(net: Net) -> None:
    watch = Watch(net)
    await watch.ready()
    settings = Settings(config_dir=net.data)
    with pytest.raises(StoreBusyError, match=r"already watched by another followtui process \(pid \d+\)"):
        await watch_account(net.store, settings, net.account, net.url, stop=asyncio.Event(), on_change=print)
    await watch.close()


# --- notifications ----------------------------------------------------------------------------------------------------


async def test_a_live_trick_sends_one_notification(net: Net) -> None:
    tricky, marker = net.strangers(2)
    fan = net.fans()[0]
    with Inbox() as inbox:
        notify = NotifySettings(urls=(inbox.url,), on=frozenset({"trickster"}))
        watch = Watch(net, Settings(config_dir=net.data, notify=notify))
        await watch.ready()
        assert net.world.follow(tricky, OWNER)  # followed you, while watched
        assert net.world.unfollow(fan, OWNER)  # an unfollow, but no trick: followed before the last sync
        assert net.world.unfollow(tricky, OWNER)  # ... and left: the trick, seen live
        assert net.world.follow(marker, OWNER)
        await watch.rows_of(4)
        await watch.until(lambda: len(inbox.bodies) >= 1)
        await watch.close()  # waits for a notification still being sent
        (body,) = inbox.bodies
    assert body["title"] == f"followtui: trickster {net.handle(tricky)}"
    assert (
        f"{net.handle(tricky)}: followed you 2026-01-05T09:00:01Z, unfollowed you 2026-01-05T09:00:03Z"
        in (body["message"])
    )
    assert net.handle(fan) not in body["message"]


async def test_a_change_waits_for_a_sync_of_the_account_running_meanwhile(net: Net) -> None:
    """A sync commits the lists it read against the snapshot it read first: a change recorded in between would be
    recorded twice (or undone). The watch records it once the sync is done."""
    from followtui.core.sync import account_lock

    (newcomer,) = net.strangers(1)
    watch = Watch(net)
    await watch.ready()
    syncing = account_lock(net.store, net.account)  # what a sync in another process holds
    try:
        assert net.world.follow(newcomer, OWNER)
        await asyncio.sleep(0.5)
        assert watch.rows == [] and net.store.events(net.account.key) == []
    finally:
        syncing.release()
    rows = await watch.rows_of(1)
    await watch.close()
    assert kinds(rows) == [("followed_you", net.did(newcomer))] and rows[0].at == net.last_change_at()
