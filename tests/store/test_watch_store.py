"""What `followtui watch` keeps in the history (schema 2): its state per account and the follow records at its
cursor, written beside the events a sync writes. A schema-1 file upgrades in place; one that cannot be written is
still read (no watch yet); the move from the JSON store lands on schema 2 directly; live changes flip the
membership exactly once, so a replay or the next sync records nothing twice; a heartbeat never makes a screen
reload."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from followtui.core import database
from followtui.core.changes import YOU_FOLLOW_THEM
from followtui.core.store import HEARTBEAT_S, HISTORY, LIVE_HEARTBEATS, Store, SyncCommit, WatchState
from followtui.models import EventKind, FollowEvent, Profile, SyncReport, SyncStatus, TrackedAccount

NOW = datetime(2026, 12, 1, tzinfo=UTC)
ME = TrackedAccount(platform="bluesky", handle="me.test", id="did:plc:me")
SOURCE = "wss://jetstream.example/subscribe"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
#: Schema 1 as followtui wrote it before watch, frozen here: an upgraded file must have started as exactly this.
V1_TABLES = {
    "accounts": "CREATE TABLE accounts (seq INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, doc TEXT NOT NULL)",
    "members": "CREATE TABLE members (account TEXT NOT NULL, id TEXT NOT NULL, follower INTEGER NOT NULL,"
    " following INTEGER NOT NULL, PRIMARY KEY (account, id)) WITHOUT ROWID",
    "state": "CREATE TABLE state (account TEXT PRIMARY KEY, observed_at TEXT, baseline_at TEXT, own_profile TEXT,"
    " posts TEXT, interactions TEXT) WITHOUT ROWID",
    "profiles": "CREATE TABLE profiles (platform TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL,"
    " gone TEXT NOT NULL DEFAULT '', PRIMARY KEY (platform, id)) WITHOUT ROWID",
    "events": "CREATE TABLE events (seq INTEGER PRIMARY KEY, account TEXT NOT NULL, doc TEXT NOT NULL)",
    "syncs": "CREATE TABLE syncs (seq INTEGER PRIMARY KEY, account TEXT NOT NULL, doc TEXT NOT NULL)",
    "journal": "CREATE TABLE journal (seq INTEGER PRIMARY KEY, doc TEXT NOT NULL)",
}


def synced(store: Store, followers: set[str], following: set[str]) -> None:
    """One successful sync of ME (a baseline), in this process."""
    store.ensure()
    if not store.accounts():
        store.add_account(ME)
    report = SyncReport(ME.key, SyncStatus.BASELINE, NOW, NOW, 0.0, observed_at=NOW, followers=len(followers))
    profiles = {pid: Profile(id=pid, handle=f"{pid[8:]}.test") for pid in followers | following}
    own = Profile(id=ME.id, handle=ME.handle)
    store.commit_sync(SyncCommit(ME, own, frozenset(followers), frozenset(following), profiles, [], report, True))


def schema(path: Path) -> tuple[int, dict[str, str]]:
    conn = sqlite3.connect(path)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall())
    finally:
        conn.close()
    return version, tables


def as_version_1(data: Path) -> None:
    """Take a history file back to what followtui wrote at schema 1: without the watch tables, version 1."""
    conn = sqlite3.connect(data / HISTORY)
    try:
        conn.execute("DROP TABLE watch")
        conn.execute("DROP TABLE watch_records")
        conn.execute("PRAGMA user_version = 1")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    assert schema(data / HISTORY) == (1, V1_TABLES)


def live(kind: EventKind, pid: str, second: int) -> FollowEvent:
    return FollowEvent(ME.key, kind, pid, NOW + timedelta(seconds=second), source="watch")


# --- the schema ------------------------------------------------------------------------------------------------------


def test_a_version_1_file_is_upgraded_in_place_and_keeps_everything(tmp_path: Path) -> None:
    synced(Store(tmp_path), {"did:plc:ann", "did:plc:bob"}, {"did:plc:bob"})
    before = Store(tmp_path).snapshot(ME.key)
    as_version_1(tmp_path)
    store = Store(tmp_path)
    assert store.watch_state(ME.key) is None  # the read upgrades it: no watch yet
    version, tables = schema(tmp_path / HISTORY)
    assert version == database.SCHEMA_VERSION == 2
    assert {name: sql for name, sql in tables.items() if name in V1_TABLES} == V1_TABLES
    assert {"watch", "watch_records"} <= tables.keys()
    assert store.snapshot(ME.key) == before
    store.save_watch(ME.key, SOURCE, 42, NOW, 7, started_at=NOW)
    assert store.watch_state(ME.key) == WatchState(ME.key, SOURCE, 42, NOW, NOW, 7)


def test_a_version_1_file_that_cannot_be_written_is_read_as_it_is(tmp_path: Path, monkeypatch) -> None:
    """On a read-only or full disk the file is read alone (`immutable`); it cannot be upgraded there, and is
    not: the missing watch table reads as "never watched"."""
    synced(Store(tmp_path), {"did:plc:ann"}, set())
    as_version_1(tmp_path)
    real_open = database._open

    def refused(path: Path, name: str, *, uri: bool, read_only: bool = False) -> sqlite3.Connection:
        if not uri:  # what a read-only file system answers to the normal open (WAL needs -shm)
            error = sqlite3.OperationalError("attempt to write a readonly database")
            error.sqlite_errorname = "SQLITE_READONLY"
            raise error
        return real_open(path, name, uri=uri, read_only=read_only)

    monkeypatch.setattr(database, "_open", refused)
    store = Store(tmp_path)
    assert store.watch_state(ME.key) is None
    assert store.watch_records(ME.key) == {}
    assert store.snapshot(ME.key).followers == {"did:plc:ann"}  # type: ignore[union-attr]
    assert store.history_version() != (0,)
    assert schema(tmp_path / HISTORY)[0] == 1  # untouched


def test_the_move_from_the_json_store_writes_schema_2_directly(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "json_store_v1", data)
    store = Store(data)
    accounts = store.accounts()  # the first command moves it
    assert accounts
    version, tables = schema(data / HISTORY)
    assert version == 2 and {"watch", "watch_records"} <= tables.keys()
    assert store.watch_state(accounts[0].key) is None


# --- live changes ----------------------------------------------------------------------------------------------------


def test_live_changes_flip_the_membership_once_and_a_replay_records_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path)
    synced(store, {"did:plc:ann"}, {"did:plc:bob"})
    events = [
        live(EventKind.FOLLOWER_GAINED, "did:plc:new", 1),  # someone new
        live(EventKind.FOLLOWER_GAINED, "did:plc:ann", 1),  # the sync saw it already
        live(EventKind.FOLLOWING_REMOVED, "did:plc:bob", 2),
        live(EventKind.FOLLOWING_ADDED, "did:plc:ann", 3),
        live(EventKind.FOLLOWER_LOST, "did:plc:ann", 4),  # after your follow-back: the trick worked
    ]
    new = Profile(id="did:plc:new", handle="new.test")
    records = [("did:plc:new", "3k1", ME.id), (ME.id, "3k0", None)]
    written = store.record_live(ME, events, {"did:plc:new": new}, cursor=10, source=SOURCE, records=records)
    assert [(e.kind, e.profile_id) for e in written] == [(e.kind, e.profile_id) for e in events[:1] + events[2:]]
    assert written[-1].detail == YOU_FOLLOW_THEM and {e.source for e in written} == {"watch"}
    snapshot = store.snapshot(ME.key)
    assert snapshot is not None
    assert snapshot.followers == {"did:plc:new"} and snapshot.following == {"did:plc:ann"}
    assert store.events(ME.key) == written  # with their own times
    assert store.profiles("bluesky", ["did:plc:new"]) == {"did:plc:new": new}
    assert store.watch_records(ME.key) == {("did:plc:new", "3k1"): ME.id}
    assert store.watch_state(ME.key) == WatchState(ME.key, SOURCE, 10, None, None, None)

    # What the store shows already records nothing (a replayed last commit, a follow the sync saw). An older
    # sequence replayed whole is kept from the store by the records saved with the cursor (see core.live).
    version = store.history_version()
    replayed = [events[0], events[2], events[3], events[4]]
    assert store.record_live(ME, replayed, {}, cursor=11, source=SOURCE) == []
    assert store.history_version() == version and len(store.events(ME.key)) == len(written)
    assert store.watch_state(ME.key).cursor == 11  # type: ignore[union-attr]


def test_before_the_first_sync_only_the_cursor_and_records_are_kept(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.ensure()
    store.add_account(ME)
    gained = [live(EventKind.FOLLOWER_GAINED, "did:plc:ann", 1)]
    assert store.record_live(ME, gained, {}, cursor=5, source=SOURCE, records=[("did:plc:ann", "r", ME.id)]) == []
    assert store.snapshot(ME.key) is None and store.events(ME.key) == []
    assert store.watch_records(ME.key) == {("did:plc:ann", "r"): ME.id}


def test_a_reset_replaces_the_records_and_a_removed_account_leaves_no_watch_behind(tmp_path: Path) -> None:
    store = Store(tmp_path)
    synced(store, set(), set())
    store.record_live(ME, [], {}, cursor=1, source=SOURCE, records=[("did:plc:old", "a", ME.id)])
    store.reset_watch(ME.key, "wss://relay.example/xrpc/com.atproto.sync.subscribeRepos", None,
                      [(("did:plc:x", "b"), ME.id), ((ME.id, "c"), "did:plc:y")])  # fmt: skip
    assert store.watch_records(ME.key) == {("did:plc:x", "b"): ME.id, (ME.id, "c"): "did:plc:y"}
    state = store.watch_state(ME.key)
    assert state is not None and state.cursor is None and state.source.startswith("wss://relay.example/")
    store.remove_account(ME)
    assert store.watch_state(ME.key) is None and store.watch_records(ME.key) == {}


# --- heartbeat and liveness -------------------------------------------------------------------------------------------


def test_a_heartbeat_is_cheap_and_never_makes_a_screen_reload(tmp_path: Path) -> None:
    store = Store(tmp_path)
    synced(store, {"did:plc:ann"}, set())
    version = store.history_version()
    store.save_watch(ME.key, SOURCE, None, NOW, 1234, started_at=NOW)
    for beat in range(1, 4):
        store.save_watch(ME.key, SOURCE, 100 + beat, NOW + timedelta(seconds=beat * HEARTBEAT_S), 1234)
    assert store.history_version() == version
    state = store.watch_state(ME.key)
    assert state == WatchState(ME.key, SOURCE, 103, NOW, NOW + timedelta(seconds=3 * HEARTBEAT_S), 1234)
    store.record_live(ME, [live(EventKind.FOLLOWER_LOST, "did:plc:ann", 20)], {}, cursor=104, source=SOURCE)
    assert store.history_version() != version  # a new event: the screens reload


def test_a_watch_is_live_while_its_heartbeat_is_recent_and_not_once_it_stopped() -> None:
    beat = NOW
    state = WatchState(ME.key, SOURCE, 1, NOW, beat, 99)
    assert state.is_live(beat) and state.is_live(beat + timedelta(seconds=LIVE_HEARTBEATS * HEARTBEAT_S))
    assert state.is_live(beat - timedelta(seconds=1))  # our clock a little behind its
    assert not state.is_live(beat + timedelta(seconds=LIVE_HEARTBEATS * HEARTBEAT_S + 1))  # killed: silent
    assert not WatchState(ME.key, SOURCE, 1, NOW, beat, None).is_live(beat)  # stopped cleanly
    assert not WatchState(ME.key, SOURCE, 1, NOW, None, 99).is_live(beat)


@pytest.mark.parametrize("column, value", [("cursor", "'soon'"), ("pid", "1.5"), ("source", "x'00'")])
def test_a_watch_row_of_the_wrong_type_is_the_files_clear_error(tmp_path: Path, column: str, value: str) -> None:
    from followtui.core.errors import StoreCorruptError

    store = Store(tmp_path)
    synced(store, set(), set())
    store.save_watch(ME.key, SOURCE, 1, NOW, 2)
    conn = sqlite3.connect(tmp_path / HISTORY)
    conn.execute(f"UPDATE watch SET {column} = {value}")
    conn.commit()
    conn.close()
    with pytest.raises(StoreCorruptError, match="watch state"):
        store.watch_state(ME.key)
