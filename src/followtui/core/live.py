"""`followtui watch`: one Bluesky account's follow changes as they happen, recorded into the history a sync writes
(each event with its own time, source "watch"), so the panes, the log and the tricksters read them like any other.

Why it can be trusted:

- Every change goes through the store's membership (`Store.record_live`): a change the store already shows (a
  replayed commit, a follow the last sync saw) records nothing. That is also why the next sync finds nothing to
  record twice, and records whatever the stream missed as it always does.
- The follow records that concern the account (`FollowRecords`: a delete names only a record key) are saved with
  the cursor in the same transaction, so a restart replays from the cursor knowing whom a deleted record followed.
- Without a cursor to resume from (a first watch, another stream, an account never synced) and after every gap
  (the relay no longer holds the cursor, a Jetstream cursor older than it replays, a reconnection without cursor,
  an error frame), the stream is trusted again only after a full sync. The stream is already open and buffering
  when that sync starts, and the follow records are read just before it: a change between the two is then either
  in both (recorded by the sync, and a no-op when its commit comes) or in neither (recorded from the stream). An
  account never synced gets its baseline this way. Commits older than the records read (give or take
  SEED_MARGIN for the servers' clocks) are in that sync already and skipped.
- A change is looked up (a new person's profile) and recorded before the next commit is taken; the cursor saved is
  always that of a commit fully recorded, so a kill at any moment replays, never skips.

Jetstream's cursor is a time: one older than its replay window (a day on Bluesky's) would silently replay from its
oldest event, so it counts as a gap. The age is measured on the AppView's clock (its Date header), not ours, so a
server with its own notion of time (the simulator's) is judged by it.

A notification (Apprise, `[notify]`) goes out for the changes `on` names, as after a sync; `trickster` here also
means someone who followed you since the last sync and unfollowed you while watched: the trick seen live. It is
sent on a thread and never holds the stream up. No Textual, no Typer: `cli/watch_cmd.py` prints what `on_change`
hears. This module (through the stream) is the only one that needs websockets and libipld.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable
from urllib.parse import urlsplit

from filelock import FileLock, Timeout

from followtui.core import notify
from followtui.core.changes import YOU_FOLLOW_THEM, changes_from_events
from followtui.core.codec import iso
from followtui.core.connect import provider_for
from followtui.core.errors import StoreBusyError, StoreError, UsageError
from followtui.core.store import HEARTBEAT_S, RecordKey, Store, WatchState
from followtui.core.sync import SyncOptions, account_lock, sync_account
from followtui.core.watch import FollowRecords, interpret
from followtui.models import Change, ChangeKind, EventKind, Platform, Profile, SyncReport, TrackedAccount
from followtui.providers.bluesky_stream import (
    JETSTREAM_REPLAY_S,
    Backoff,
    FollowCommit,
    FollowStream,
    StreamError,
    StreamGap,
    StreamStats,
    source_of,
)
from followtui.providers.errors import IncompleteListError, NetworkError, ProviderError, RateLimitError
from followtui.sanitize import clean_text

if TYPE_CHECKING:
    from followtui.core.config import Settings
    from followtui.providers.base import Provider

#: The changes of one stream commit (or of a full sync), named, in the order they happened.
OnChange = Callable[[Sequence[Change]], None]
#: A line about the watch itself (connected, gap, sync, reconnection, a failed notification): never a secret.
OnStatus = Callable[[str], None]
#: Commits this much older than the follow records read for a full sync are in that sync already.
SEED_MARGIN = timedelta(seconds=60)
#: How long a new person's profile may take to look up before the change is recorded without it.
LOOKUP_TIMEOUT_S = 15.0
#: Failures of a full sync that pass by themselves (the network, a rate limit, a list cut short, a sync of the same
#: account in another process): tried again after a pause, so a watch under systemd rides them out. Anything else
#: (auth, an account gone, a suspect drop, a server that lacks an endpoint) ends the watch with its exit code.
PASSING = (NetworkError, RateLimitError, IncompleteListError, StoreBusyError)
#: Pauses between those tries.
SYNC_RETRY = Backoff(first_s=5.0, max_s=300.0)
#: How often a change waits to be recorded while a sync of the account runs.
LOCK_POLL_S = 0.2
#: How long a stopping watch waits for notifications still being sent.
NOTIFY_WAIT_S = 10.0
#: How often the stream's counters are looked at for something to say (connected, reconnected, skipped).
NEWS_EVERY_S = 0.25

T = TypeVar("T")


@runtime_checkable
class ReadsFollowRecords(Protocol):
    """A provider that says whom each follow record concerning an account follows (Bluesky's)."""

    async def follow_records(self, account: Profile) -> dict[RecordKey, str]: ...


@dataclass(slots=True)
class WatchSummary:
    """What one watch did, for the line a stopping command prints."""

    account: str
    source: str
    #: Events recorded from the stream (a full sync's are in its own report).
    events: int = 0
    #: Full syncs run: the first one (when there was no cursor to resume from) and one per gap.
    syncs: int = 0
    gaps: int = 0
    reconnects: int = 0
    #: Messages skipped as malformed.
    malformed: int = 0
    #: Where the next watch goes on from (saved with the account).
    cursor: int | None = None


def watch_lock(store: Store, account: TrackedAccount) -> FileLock:
    """The held cross-process lock that lets one watch of an account run at a time (two would record each change
    twice as fast as they race)."""
    safe = "".join(ch if ch.isalnum() else "_" for ch in account.id)[:80]
    lock = FileLock(str(store.lock_path(f"watch-{account.platform}-{safe}")), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        state = _quietly(lambda: store.watch_state(account.key))
        pid = f" (pid {state.pid})" if state is not None and state.pid else ""
        raise StoreBusyError(f"{account.label} is already watched by another followtui process{pid}") from None
    return lock


def _quietly(read: Callable[[], T]) -> T | None:
    try:
        return read()
    except StoreError:
        return None


def where(url: str) -> str:
    """A stream URL as it may be shown: scheme, host and path (never a query or credentials it may carry)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return clean_text(f"{parts.scheme}://{host}{parts.path}", 300)


async def watch_account(
    store: Store,
    settings: Settings,
    account: TrackedAccount,
    source: str,
    *,
    stop: asyncio.Event,
    on_change: OnChange,
    on_status: OnStatus | None = None,
    provider_factory: Callable[[], Provider] | None = None,
    stream_options: Mapping[str, Any] | None = None,
    heartbeat_s: float = HEARTBEAT_S,
) -> WatchSummary:
    """Watch `account` (Bluesky) on the stream at `source` until `stop` is set; returns what it did.

    Raises UsageError for another platform or a URL that is no Bluesky stream, StoreBusyError when the account
    is watched already, and what a sync raises for a first full sync that cannot work (auth, a suspect drop, a
    damaged store; a network failure is retried with a pause). `provider_factory` makes the Bluesky provider
    (default: as `sync` makes it, with the account's app password); `stream_options` go to FollowStream."""
    if account.platform != Platform.BLUESKY:
        raise UsageError(f"{account.label}: watch follows Bluesky accounts only (the other platforms have no stream)")
    try:
        kind = source_of(source)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    lock = watch_lock(store, account)
    try:
        watch = _Watch(store, settings, account, source, stop, on_change, on_status, provider_factory, heartbeat_s)
        options: dict[str, Any] = {"jetstream_replay_s": JETSTREAM_REPLAY_S} if kind == "jetstream" else {}
        options.update(stream_options or {})
        return await watch.run(options)
    finally:
        lock.release()


class _Stopped(Exception):
    """`stop` was set while waiting for something."""


class _Watch:
    """One running watch: the stream read into a queue, each item recorded in turn, a heartbeat beside it."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        account: TrackedAccount,
        source: str,
        stop: asyncio.Event,
        on_change: OnChange,
        on_status: OnStatus | None,
        provider_factory: Callable[[], Provider] | None,
        heartbeat_s: float,
    ) -> None:
        self.store, self.settings, self.account, self.source, self.stop = store, settings, account, source, stop
        self.key = account.key
        self.on_change = on_change
        self.on_status: OnStatus = on_status or (lambda _text: None)
        self.new_provider = provider_factory or functools.partial(provider_for, account, data_dir=store.data_dir)
        self.heartbeat_s = heartbeat_s
        self.summary = WatchSummary(account.label, source)
        self.records = FollowRecords(account.id)
        #: What the stream read, in order; None wakes the consumer when `stop` is set or the stream ends.
        self.queue: asyncio.Queue[FollowCommit | StreamGap | None] = asyncio.Queue()
        self.stream: FollowStream | None = None
        #: The cursor after the last item recorded: what a restart resumes from.
        self.cursor: int | None = None
        #: True while the consumer waits on an empty queue: then everything the stream read is recorded.
        self.idle = False
        #: Commits before this are in the last full sync already.
        self.floor: datetime | None = None
        #: The AppView's clock minus ours, in seconds.
        self.skew = 0.0
        #: Writes of the watch's own state in order (a heartbeat never saves an older cursor over a newer one).
        self.writing = asyncio.Lock()
        self.sending: set[asyncio.Task[list[str]]] = set()
        #: Who followed you since the last sync (seen live, or recorded since): an unfollow of theirs is a trick.
        self.gains: dict[str, datetime] = {}
        self.pid = os.getpid()
        self.started = datetime.now(UTC)
        self.own = Profile(id=account.id, handle=account.handle)
        #: The stream's counters as last told (see `_say_news`).
        self.said = StreamStats()

    # -- the run -------------------------------------------------------------------------------------------------

    async def run(self, stream_options: dict[str, Any]) -> WatchSummary:
        self.provider = self.new_provider()
        tasks: list[asyncio.Task[None]] = []
        started = False
        try:
            self.own = await self.provider.lookup_self(self.account.id)  # it exists; and the AppView's clock
            self._learn_clock()
            state, synced_at, records = await asyncio.to_thread(self._stored)
            resume = bool(state is not None and state.source == self.source and state.cursor is not None and synced_at)
            if resume:
                assert state is not None
                self.records.reseed(records)
                self.cursor = state.cursor
            self.gains = await asyncio.to_thread(self._gains_since, synced_at)
            stream_options.setdefault("clock", self._server_clock)
            self.stream = FollowStream(self.source, cursor=self.cursor, stop=self.stop, **stream_options)
            await self._save(started=True)
            started = True
            producer = asyncio.create_task(self._produce(self.stream))
            producer.add_done_callback(lambda _task: self.queue.put_nowait(None))
            tasks = [producer, asyncio.create_task(self._beat()), asyncio.create_task(self._news()),
                     asyncio.create_task(self._wake_on_stop())]  # fmt: skip
            start = f"from cursor {self.cursor}" if resume else "live"
            self.on_status(f"watching {self.account.label} on {where(self.source)} ({self.stream.source}), {start}")
            if not resume:
                why = (
                    "never synced"
                    if synced_at is None
                    else "watched on another stream before"
                    if state is not None and state.source != self.source
                    else "no cursor to resume from"
                )
                await self._until_connected(producer)
                await self._catch_up(why, None)
            await self._consume(producer)
        except _Stopped:
            pass
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            if started:  # a start that failed earlier leaves the saved cursor as it was
                await self._final_save()
            await self._finish_sending()
            await self.provider.aclose()
            self._count()
        return self.summary

    def _stored(self) -> tuple[WatchState | None, datetime | None, dict[RecordKey, str]]:
        state = self.store.watch_state(self.key)
        return state, self.store.synced_at(self.key), self.store.watch_records(self.key)

    def _gains_since(self, synced_at: datetime | None) -> dict[str, datetime]:
        if synced_at is None:
            return {}
        return {
            e.profile_id: e.at
            for e in self.store.events(self.key)
            if e.kind is EventKind.FOLLOWER_GAINED and e.at > synced_at
        }

    async def _produce(self, stream: FollowStream) -> None:
        try:
            async for item in stream:
                self.queue.put_nowait(item)  # no await between: the stream's cursor never runs ahead of the queue
        except StreamError as exc:
            raise ProviderError(str(exc)) from None

    async def _until_connected(self, producer: asyncio.Task[None]) -> None:
        """The stream is open before the full sync, so nothing between the two is lost."""
        assert self.stream is not None
        while self.stream.stats.connects == 0:
            if producer.done():
                producer.result()
                raise _Stopped
            await self._pause(0.05)
        self._say_news()

    async def _consume(self, producer: asyncio.Task[None]) -> None:
        while not self.stop.is_set():
            item = await self._next(producer)
            if item is None:
                return
            if isinstance(item, StreamGap):
                await self._catch_up(f"gap: {item.reason}", item.cursor)
            else:
                await self._commit(item)

    async def _next(self, producer: asyncio.Task[None]) -> FollowCommit | StreamGap | None:
        """The next item, or None when stopped (or the stream ended); the stream's failure is raised. One plain
        `queue.get` per item: waiting on three futures at once cost ~15% of a watch's CPU on a busy stream."""
        if self.queue.empty():
            self.idle = True
            try:
                item = await self.queue.get()
            finally:
                self.idle = False
        else:
            item = self.queue.get_nowait()
        if item is None and producer.done() and not producer.cancelled():
            producer.result()
        return item

    async def _wake_on_stop(self) -> None:
        await self.stop.wait()
        self.queue.put_nowait(None)

    # -- one commit ----------------------------------------------------------------------------------------------

    async def _commit(self, commit: FollowCommit) -> None:
        if self.floor is not None and commit.at < self.floor:
            self.cursor = commit.cursor  # in the last full sync already
            return
        keys = {(commit.repo, op.rkey) for op in commit.ops}
        before = {key: self.records.get(*key) for key in keys}
        changes = interpret(commit, self.records)
        touched = [(repo, rkey, self.records.get(repo, rkey)) for (repo, rkey), old in before.items()
                   if self.records.get(repo, rkey) != old]  # fmt: skip
        if not changes and not touched:
            self.cursor = commit.cursor  # someone else's follow: the heartbeat saves the cursor
            return
        events = [change.event(self.key) for change in changes]
        ids = [e.profile_id for e in events]
        known = await asyncio.to_thread(self.store.profiles, self.account.platform, ids)
        found = await self._look_up([pid for pid in dict.fromkeys(ids) if pid not in known])
        async with self.writing:
            lock = await self._between_syncs()
            try:
                written = await asyncio.to_thread(
                    functools.partial(self.store.record_live, self.account, events, found, cursor=commit.cursor,
                                      source=self.source, records=touched)
                )  # fmt: skip
            finally:
                lock.release()
            self.cursor = commit.cursor
        if not written:
            return
        self.summary.events += len(written)
        rows = changes_from_events(self.account, written, {**known, **found})
        tricks: dict[str, datetime | None] = {}
        for event, row in zip(written, rows, strict=True):
            if event.kind is EventKind.FOLLOWER_GAINED:
                self.gains[event.profile_id] = event.at
            elif event.kind is EventKind.FOLLOWER_LOST:
                followed_at = self.gains.pop(event.profile_id, None)
                if followed_at is not None or row.detail == YOU_FOLLOW_THEM:
                    tricks[row.id] = followed_at
        self.on_change(rows)
        self._notify(live_notice(rows, tricks, self.settings.notify.on))

    async def _between_syncs(self) -> FileLock:
        """The account's sync lock, waited for while a sync (cron's, the UI's) runs and held while a change is
        recorded: a sync commits the lists it read against the snapshot it read first, so a change recorded in
        between would be recorded twice, or undone. A sync that starts in those few milliseconds is refused as
        busy (exit 5), as it is beside any other sync of the account."""
        while True:
            try:
                return account_lock(self.store, self.account)
            except StoreBusyError:
                await self._pause(LOCK_POLL_S)

    async def _look_up(self, ids: list[str]) -> dict[str, Profile]:
        """New people's profiles (getProfiles, batched); without them the change is recorded all the same and the
        person is shown by id until the next sync."""
        if not ids:
            return {}
        try:
            async with asyncio.timeout(LOOKUP_TIMEOUT_S):
                found = await self.provider.lookup(ids, budget=2 * len(ids) + 2)
        except (ProviderError, TimeoutError) as exc:
            self.on_status(f"could not look up {len(ids)} new account(s) ({clean_text(str(exc), 200) or 'timed out'})")
            return {}
        self._learn_clock()
        return {pid: p for pid, p in found.items() if isinstance(p, Profile)}

    # -- full syncs ----------------------------------------------------------------------------------------------

    async def _catch_up(self, why: str, cursor: int | None) -> None:
        """A full sync before the stream is trusted (again), retried while it fails for a passing reason."""
        self.on_status(f"{self.account.label}: {why}; a full sync first")
        failures = 0
        while True:
            seed_from = self._server_now()
            try:
                seed = await self._or_stop(self._follow_records())
                report = await self._or_stop(self._sync())
                break
            except PASSING as exc:
                failures += 1
                pause = SYNC_RETRY.delay(failures)
                self.on_status(f"{self.account.label}: the sync failed: {exc}; trying again in {pause:.0f} s")
                await self._pause(pause)
        self._learn_clock()
        self.records.reseed(seed)
        self.floor = seed_from - SEED_MARGIN
        async with self.writing:
            await asyncio.to_thread(self.store.reset_watch, self.key, self.source, cursor, list(self.records.items()))
            self.cursor = cursor
        self.summary.syncs += 1
        self.on_status(_sync_line(self.account, report))
        if report.changes:
            self.on_change(report.changes)
            self._notify(notify.compose(report.changes, self.settings.notify.on))

    async def _follow_records(self) -> dict[RecordKey, str]:
        if not isinstance(self.provider, ReadsFollowRecords):
            raise UsageError(f"{self.account.label}: its provider cannot read follow records")
        return await self.provider.follow_records(self.own)

    async def _sync(self) -> SyncReport:
        provider = self.new_provider()
        try:
            options = SyncOptions(hydrate_budget=self.settings.hydrate_budget)
            return await sync_account(self.store, self.account, provider, options)
        finally:
            await provider.aclose()

    # -- waiting, the clock ----------------------------------------------------------------------------------------

    async def _or_stop(self, work: Awaitable[T]) -> T:
        """`work`, cancelled when `stop` is set first (a sync cancelled before its commit records nothing)."""
        task = asyncio.ensure_future(work)
        halting = asyncio.ensure_future(self.stop.wait())
        try:
            await asyncio.wait({task, halting}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            halting.cancel()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            raise _Stopped
        return task.result()

    async def _pause(self, seconds: float) -> None:
        """Sleep, or raise _Stopped as soon as `stop` is set."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stop.wait(), seconds)
        if self.stop.is_set():
            raise _Stopped

    def _learn_clock(self) -> None:
        server = self.provider.server_time()
        if server is not None:
            self.skew = server.timestamp() - time.time()

    def _server_clock(self) -> float:
        return time.time() + self.skew

    def _server_now(self) -> datetime:
        return datetime.fromtimestamp(self._server_clock(), UTC)

    # -- the watch's own state -------------------------------------------------------------------------------------

    def _resume_cursor(self) -> int | None:
        """The stream's own cursor once everything it read is recorded (it moves past others' messages too), else
        the cursor of the last item recorded."""
        if self.idle and self.queue.empty() and self.stream is not None and self.stream.cursor is not None:
            return self.stream.cursor
        return self.cursor

    async def _save(self, *, started: bool = False, stopped: bool = False) -> None:
        async with self.writing:
            cursor = self._resume_cursor()
            self.summary.cursor = cursor
            await asyncio.to_thread(
                functools.partial(self.store.save_watch, self.key, self.source, cursor, datetime.now(UTC),
                                  None if stopped else self.pid, started_at=self.started if started else None)
            )  # fmt: skip

    async def _final_save(self) -> None:
        try:
            await self._save(stopped=True)
        except StoreError as exc:
            self.on_status(f"could not save where the watch stopped: {exc}")

    async def _beat(self) -> None:
        """Every heartbeat: say the watch is alive, with the cursor (cheap: one small row)."""
        while True:
            try:
                await self._pause(self.heartbeat_s)
            except _Stopped:
                return
            try:
                await self._save()
            except StoreError as exc:  # a busy or full disk for a moment: the next beat tries again
                self.on_status(f"warning: could not save the heartbeat: {exc}")

    async def _news(self) -> None:
        """What the stream did that is worth a line, as it happens."""
        while True:
            try:
                await self._pause(NEWS_EVERY_S)
            except _Stopped:
                return
            self._say_news()

    def _say_news(self) -> None:
        """Connected, reconnected, skipped malformed messages: each said once."""
        assert self.stream is not None
        stats, said = self.stream.stats, self.said
        if stats.connects > said.connects:
            what = "connected" if said.connects == 0 else f"reconnected ({stats.reconnects} so far)"
            self.on_status(f"{self.account.label}: {what} to {where(self.source)}")
        elif stats.reconnects > said.reconnects:
            self.on_status(f"{self.account.label}: connection lost; reconnecting")
        if stats.malformed > said.malformed:
            self.on_status(
                f"skipped {stats.malformed - said.malformed} malformed message(s) ({stats.malformed} in all)"
            )
        said.connects, said.reconnects, said.malformed = stats.connects, stats.reconnects, stats.malformed

    def _count(self) -> None:
        if self.stream is not None:
            stats = self.stream.stats
            self.summary.gaps, self.summary.reconnects, self.summary.malformed = (
                stats.gaps,
                stats.reconnects,
                stats.malformed,
            )

    # -- notifications -------------------------------------------------------------------------------------------

    def _notify(self, notice: notify.Notice | None) -> None:
        """Sent on a thread: the stream goes on meanwhile. A failure is a status line, never a stop."""
        urls = self.settings.notify.urls
        if notice is None or not urls:
            return
        task = asyncio.ensure_future(asyncio.to_thread(notify.send, urls, notice))
        self.sending.add(task)
        task.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Task[list[str]]) -> None:
        self.sending.discard(task)
        if task.cancelled() or task.exception() is not None:
            return
        for warning in task.result():
            self.on_status(f"warning: {warning}")

    async def _finish_sending(self) -> None:
        if self.sending:
            await asyncio.wait(set(self.sending), timeout=NOTIFY_WAIT_S)


def live_notice(
    changes: Sequence[Change], tricks: Mapping[str, datetime | None], on: frozenset[str]
) -> notify.Notice | None:
    """The message for one commit's changes: `[notify] on` as after a sync, where `trickster` also takes the tricks
    seen live (`tricks`: who unfollowed you after following since the last sync, with when they followed)."""
    caught = [c for c in changes if c.kind is ChangeKind.UNFOLLOWED_YOU and c.id in tricks]
    if notify.TRICKSTER not in on:
        caught = []
    rest = notify.compose([c for c in changes if c not in caught], on)
    if not caught:
        return rest
    head = f"trickster {caught[0].handle}" if len(caught) == 1 else f"{len(caught)} tricksters"
    lines = [caught[0].account, *(_trick_line(c, tricks[c.id]) for c in caught[: notify.NAMES_PER_LINE])]
    if len(caught) > notify.NAMES_PER_LINE:
        lines.append(f"and {len(caught) - notify.NAMES_PER_LINE:,} more")
    title, body = f"followtui: {head}", "\n".join(lines)
    if rest is not None:
        title += ", " + rest.title.removeprefix("followtui: ")
        body += "\n\n" + rest.body
    return notify.Notice(title=title, body=body)


def _trick_line(change: Change, followed_at: datetime | None) -> str:
    followed = f"followed you {iso(followed_at)}, " if followed_at is not None else ""
    still = " (you follow them)" if change.detail == YOU_FOLLOW_THEM else ""
    return f"trickster{still}: {change.handle}: {followed}unfollowed you {iso(change.at)}"


def _sync_line(account: TrackedAccount, report: SyncReport) -> str:
    if report.status.value == "baseline":
        return f"{account.label}: baseline: {report.followers:,} followers, {report.following:,} following"
    return (
        f"{account.label}: synced: {report.followers:,} followers (+{report.gained} -{report.lost}, "
        f"{report.gone} gone), {report.following:,} following (+{report.added} -{report.removed})"
    )
