"""The UI reloads when `Store.history_version()` changes: it must change with every commit a screen shows and
never because a reader opened or closed the file (SQLite makes and removes -wal/-shm as connections come and
go; a version read from the files' times made the UI reload every poll, at seconds a time on 100k accounts)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from followtui.core.store import Store, SyncCommit
from followtui.models import Profile, SyncReport, SyncStatus, TrackedAccount

NOW = datetime(2026, 12, 1, tzinfo=UTC)
ACCOUNT = TrackedAccount(platform="github", handle="me", id="1")


def commit(store: Store, followers: frozenset[str]) -> None:
    report = SyncReport(ACCOUNT.key, SyncStatus.OK, NOW, NOW, 0.0, observed_at=NOW, followers=len(followers))
    profiles = {pid: Profile(id=pid, handle=f"h{pid}") for pid in followers}
    store.commit_sync(SyncCommit(ACCOUNT, Profile(id="1", handle="me"), followers, frozenset(), profiles, [], report))


def test_reads_leave_the_version_alone_and_every_commit_moves_it(tmp_path: Path) -> None:
    store = Store(tmp_path)
    assert store.history_version() == (0,)
    store.ensure()
    store.add_account(ACCOUNT)
    seen = [store.history_version()]
    commit(store, frozenset({"2", "3"}))
    seen.append(store.history_version())
    held = store.read()  # a reader with the file open (as the UI's loader is), -wal and -shm present
    held.snapshot(ACCOUNT.key)
    assert store.history_version() == seen[-1]
    held.close()
    assert store.history_version() == seen[-1]
    for _ in range(3):
        store.snapshot(ACCOUNT.key)
        assert store.history_version() == seen[-1]
    commit(store, frozenset({"2"}))
    seen.append(store.history_version())
    store.append_journal({"action": "follow", "account": ACCOUNT.key})
    seen.append(store.history_version())
    store.remove_account(ACCOUNT)
    seen.append(store.history_version())
    assert len(set(seen)) == len(seen)


def test_an_accounts_version_moves_with_its_own_commits_only(tmp_path: Path) -> None:
    """The screen on one account reloads for that account's syncs and events, not for another's (a `watch` of
    another account records all day)."""
    store = Store(tmp_path)
    store.ensure()
    other = TrackedAccount(platform="bluesky", handle="other", id="did:plc:other")
    store.add_account(ACCOUNT)
    store.add_account(other)
    mine, whole = store.history_version(ACCOUNT.key), store.history_version()
    report = SyncReport(other.key, SyncStatus.OK, NOW, NOW, 0.0, observed_at=NOW, followers=1)
    store.commit_sync(SyncCommit(other, Profile(id=other.id, handle="other"), frozenset({"x"}), frozenset(),
                                 {"x": Profile(id="x", handle="x")}, [], report))  # fmt: skip
    assert store.history_version(ACCOUNT.key) == mine
    assert store.history_version() != whole  # the whole store moved
    commit(store, frozenset({"2"}))
    assert store.history_version(ACCOUNT.key) != mine
