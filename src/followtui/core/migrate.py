"""The one-time move from the JSON store (snapshots.json, journal.json) into the SQLite history.

Safe to interrupt at any point: the new file is built beside the old ones under a temporary name, checked
against them record by record, and only then renamed into place; the old files are never written, and are
kept afterwards in a dated folder. A damaged old file stops the move with the clear error, old store intact.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from followtui.core import codec, database
from followtui.core.errors import StoreBusyError, StoreCorruptError
from followtui.core.storage import FILE_MODE, fsync_dir, read_json_file
from followtui.core.store import History, checked, json_text

SNAPSHOTS, JOURNAL = "snapshots.json", "journal.json"


def migrate_json_store(data_dir: Path) -> str | None:
    """Move the JSON store into `history.sqlite3`; the notice to show once, or None when there was nothing to
    move (or another process moved it first)."""
    target = data_dir / database.HISTORY
    # the old version's writers take this lock too: none of them writes while the store moves
    lock = FileLock(str(data_dir / f"{SNAPSHOTS}.lock"), timeout=30, mode=FILE_MODE, thread_local=False)
    try:
        lock.acquire()
    except Timeout as exc:
        raise StoreBusyError(f"{SNAPSHOTS} is locked by another followtui process (waited 30 s)") from exc
    try:
        if target.exists():
            return None
        snapshots = read_json_file(data_dir / SNAPSHOTS) or {}
        journal = read_json_file(data_dir / JOURNAL) or {}
        tmp = data_dir / f".{database.HISTORY}.migrating"
        _remove(tmp)  # left by a move that was killed
        try:
            counts = _write(tmp, data_dir / SNAPSHOTS, snapshots, journal)
            _verify(tmp, data_dir / SNAPSHOTS, snapshots, journal)
            with open(tmp, "rb") as file:
                os.fsync(file.fileno())
            os.replace(tmp, target)
        finally:
            _remove(tmp)
        fsync_dir(data_dir)
        kept = put_legacy_aside(data_dir)
    finally:
        lock.release()
    return (
        f"followtui now keeps its history in {target.name}: moved {counts['accounts']} accounts, "
        f"{counts['events']:,} events and {counts['profiles']:,} profiles from {SNAPSHOTS} and checked each "
        f"one; the old files are kept in {kept}"
    )


def _remove(db: Path) -> None:
    for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def put_legacy_aside(data_dir: Path) -> Path:
    """Move the JSON store's files into `json-store-YYYY-MM-DD/` (dated, never overwritten)."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    folder = data_dir / f"json-store-{stamp}"
    n = 1
    while folder.exists():
        n += 1
        folder = data_dir / f"json-store-{stamp}-{n}"
    folder.mkdir(mode=0o700)
    for name in (SNAPSHOTS, JOURNAL):
        for path in (data_dir / name, data_dir / f"{name}.bak"):
            if path.exists():
                os.replace(path, folder / path.name)
        with contextlib.suppress(OSError):
            (data_dir / f"{name}.lock").unlink()
    fsync_dir(data_dir)
    return folder


def _table(data: dict[str, Any], name: str, source: Path) -> list[dict[str, Any]]:
    """A TinyDB table's documents in insertion order (by document id)."""
    table = data.get(name) or {}
    if not isinstance(table, dict) or not all(isinstance(d, dict) for d in table.values()):
        raise database.corrupt(source, f"its {name!r} table is not a table of documents")

    def order(item: tuple[str, Any]) -> tuple[int, str]:
        return (int(item[0]) if item[0].isdigit() else 1 << 62, item[0])

    return [doc for _, doc in sorted(table.items(), key=order)]


#: The tables copied as (key, document) rows: how each document is read, written back, and keyed.
_KEYED: tuple[tuple[str, str, Any, Any, Any], ...] = (
    ("accounts", "key", codec.account_from_doc, codec.account_to_doc, lambda a: a.key),
    ("events", "account", codec.event_from_doc, codec.event_to_doc, lambda e: e.account),
    ("syncs", "account", codec.report_from_doc, codec.report_to_doc, lambda r: r.account),
)


def _write(tmp: Path, source: Path, snapshots: dict[str, Any], journal: dict[str, Any]) -> dict[str, int]:
    """Every old document, read through the store's codec (a bad one is the old file's clear error) and written
    in its table, in the old order."""
    conn = database.connect(tmp, create=True)
    counts: dict[str, int] = {}
    try:
        conn.execute("BEGIN IMMEDIATE")
        for table, key_column, read, write, key_of in _KEYED:
            docs = _table(snapshots, table, source)
            with checked(source, table):
                rows = [(key_of(item), json_text(write(item))) for item in map(read, docs)]
            conn.executemany(f"INSERT INTO {table} ({key_column}, doc) VALUES (?, ?)", rows)
            counts[table] = len(rows)
        profiles = _table(snapshots, "profiles", source)
        with checked(source, "profiles"):
            for doc in profiles:
                platform = codec.key_field(doc, "key").split(":", 1)[0]
                profile = codec.profile_from_doc(doc)
                gone = doc.get("gone") if isinstance(doc.get("gone"), str) else ""
                text = json_text(codec.profile_to_doc(platform, profile))
                conn.execute("INSERT OR REPLACE INTO profiles (platform, id, doc, gone) VALUES (?, ?, ?, ?)",
                             (platform, profile.id, text, gone))  # fmt: skip
        counts["profiles"] = len(profiles)
        for doc in _table(snapshots, "state", source):
            with checked(source, "state"):
                _write_state(conn, doc)
        actions = _table(journal, "actions", source.with_name(JOURNAL))
        conn.executemany("INSERT INTO journal (doc) VALUES (?)", [(json_text(doc),) for doc in actions])
        conn.execute("COMMIT")
    finally:
        conn.close()
    return counts


def _write_state(conn: sqlite3.Connection, doc: dict[str, Any]) -> None:
    key = codec.key_field(doc, "account")
    own, posts, interactions = doc.get("own_profile"), doc.get("posts"), codec.interactions_field(doc, "interactions")
    platform = key.split(":", 1)[0]
    conn.execute(
        "INSERT INTO state (account, observed_at, baseline_at, own_profile, posts, interactions) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (key, codec.iso(codec.time_field(doc, "observed_at")), codec.iso(codec.time_field(doc, "baseline_at")),
         json_text(codec.profile_to_doc(platform, codec.profile_from_doc(own))) if isinstance(own, dict) else None,
         None if posts is None else json_text([codec.iso(t) for t in codec.time_list(doc, "posts")]),
         None if interactions is None else json_text(codec.interactions_to_doc(interactions))),
    )  # fmt: skip
    followers, following = set(codec.text_list(doc, "followers")), set(codec.text_list(doc, "following"))
    conn.executemany(
        "INSERT INTO members (account, id, follower, following) VALUES (?, ?, ?, ?)",
        ((key, pid, int(pid in followers), int(pid in following)) for pid in followers | following),
    )


def _verify(tmp: Path, source: Path, snapshots: dict[str, Any], journal: dict[str, Any]) -> None:
    """Read the new file back through the store's own reader and compare it with the old one: every account,
    both sets of every account, every event and sync record in order, every profile, every journal entry."""
    conn = database.connect(tmp)
    history = History(conn, tmp)
    try:

        def same(what: str, old: Any, new: Any) -> None:
            if old != new:
                raise StoreCorruptError(
                    f"moving {source} into SQLite stopped: the copy differs in {what}. Nothing was changed; the "
                    f"JSON store is untouched and still used."
                )

        same("accounts", [codec.account_from_doc(d) for d in _table(snapshots, "accounts", source)], history.accounts())
        for doc in _table(snapshots, "state", source):
            key = doc["account"]
            snapshot = history.snapshot(key)
            same(
                f"the followers of {key}", set(doc.get("followers") or ()), set(snapshot.followers if snapshot else ())
            )
            same(
                f"the following of {key}", set(doc.get("following") or ()), set(snapshot.following if snapshot else ())
            )
        old_events = [codec.event_from_doc(d) for d in _table(snapshots, "events", source)]
        for key in {e.account for e in old_events}:
            mine = sorted((e for e in old_events if e.account == key), key=lambda e: e.at)
            same(f"the events of {key}", mine, history.events(key))
        same("the number of events", len(old_events), history.rows("SELECT count(*) FROM events")[0][0])
        old_syncs = [codec.report_from_doc(d) for d in _table(snapshots, "syncs", source)]
        same("the number of sync records", len(old_syncs), history.rows("SELECT count(*) FROM syncs")[0][0])
        for key in {r.account for r in old_syncs}:
            mine_r = sorted((r for r in old_syncs if r.account == key), key=lambda r: r.started_at)
            same(f"the sync records of {key}", mine_r, history.syncs(key))
        old_profiles = {}
        for d in _table(snapshots, "profiles", source):
            old_profiles[d["key"]] = codec.profile_from_doc(d)
        new_profiles = {}
        for platform in {k.split(":", 1)[0] for k in old_profiles}:
            new_profiles.update({f"{platform}:{pid}": p for pid, p in history.profiles(platform).items()})
        same("the profiles", old_profiles, new_profiles)
        same("the actions journal", _table(journal, "actions", source.with_name(JOURNAL)), history.journal())
    finally:
        history.close()
