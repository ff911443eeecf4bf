"""The user's data: the history (tracked accounts, who follows whom, profiles, events, sync records, the
actions journal) in SQLite, the annotations (tags, notes, keep) in TinyDB.

The history can be large and changes once per sync, by what changed; annotations change on every keypress,
stay small, and are a file a person can read. Keeping them apart means a tag costs the same at 100 and at a
million followers, and a sync running in another process never blocks (or loses) a tag.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from followtui.core import codec, database
from followtui.core.codec import Interactions
from followtui.core.errors import AccountExistsError, StoreError, StoreWriteError
from followtui.core.storage import DataFile, check_whole, ensure_private_dir, write_json_atomically
from followtui.models import (
    Annotation,
    EventKind,
    EventSource,
    FollowEvent,
    Profile,
    SyncReport,
    TrackedAccount,
)
from followtui.sanitize import clean_text

HISTORY = database.HISTORY
ANNOTATIONS = "annotations.json"
#: The files of the JSON store before SQLite (moved into the history once, then kept aside as a backup).
LEGACY_FILES = ("snapshots.json", "journal.json")
#: How often a sync refreshes history.sqlite3.bak.
BACKUP_EVERY_S = 24 * 3600
#: How often `followtui watch` says it is alive (saving its cursor too when no change wrote it meanwhile).
HEARTBEAT_S = 5.0
#: A watch is live while its last heartbeat is at most this many heartbeats old (one missed write is no outage).
LIVE_HEARTBEATS = 3


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The current follower and following sets of one tracked account (stable ids)."""

    followers: frozenset[str]
    following: frozenset[str]
    observed_at: datetime | None
    baseline_at: datetime | None
    #: When the account itself posted, oldest first (bounded); None where the platform does not list them.
    posts: tuple[datetime, ...] | None = None
    #: Who interacted with you: account id -> ((kind, when), …), newest last; None: never read for this account.
    interactions: dict[str, Interactions] | None = None


@dataclass(slots=True)
class SyncCommit:
    """Everything one successful sync writes, applied in a single transaction."""

    account: TrackedAccount
    own_profile: Profile
    followers: frozenset[str]
    following: frozenset[str]
    profiles: dict[str, Profile]
    events: list[FollowEvent]
    report: SyncReport
    baseline: bool = False
    gone: dict[str, str] = field(default_factory=dict)
    #: The account's own post times to keep (None: keep what the store has, as an offline import does).
    posts: tuple[datetime, ...] | None = None
    #: Everyone's interactions with you to keep (None: keep what the store has).
    interactions: dict[str, Interactions] | None = None


@dataclass(frozen=True, slots=True)
class WatchState:
    """What `followtui watch` left for one account: the stream it reads (`source`, a URL), where it goes on from
    after a restart (`cursor`, in that stream's own terms), when the process started and last said it is alive,
    and its pid (None once it stopped cleanly)."""

    account: str
    source: str
    cursor: int | None
    started_at: datetime | None
    heartbeat_at: datetime | None
    pid: int | None

    def is_live(self, now: datetime) -> bool:
        """A watch process is running: it has not stopped and its last heartbeat is recent (a killed one just
        falls silent, so age is the only sign). A heartbeat a little ahead of `now` (clocks) still counts."""
        if self.pid is None or self.heartbeat_at is None:
            return False
        age = (now - self.heartbeat_at).total_seconds()
        return -HEARTBEAT_S <= age <= LIVE_HEARTBEATS * HEARTBEAT_S


#: A follow record of `followtui watch`: (repo DID, record key) -> the followed DID.
RecordKey = tuple[str, str]


@contextlib.contextmanager
def checked(path: Path, table: str) -> Iterator[None]:
    """Reading documents of `table`: one whose fields are not what followtui writes is the file's clear error."""
    try:
        yield
    except codec.BadDocument as exc:
        doc = exc.doc
        key = doc.get("key") or doc.get("account") if isinstance(doc, dict) else None
        which = f"{table} document {clean_text(key, 80)!r}" if isinstance(key, str) else f"a {table} document"
        raise database.corrupt(path, f"{which}: {exc}") from None


def _doc(path: Path, table: str, text: str) -> dict[str, Any]:
    """One stored JSON document; anything but an object is damage, named."""
    try:
        doc = orjson.loads(text)
    except (orjson.JSONDecodeError, TypeError):
        doc = None
    if not isinstance(doc, dict):
        raise database.corrupt(path, f"a {table} document is not a JSON object")
    return doc


def json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


#: Which member rows make each set-shaped pane (see analysis.pane_ids).
PANE_MEMBERS = {
    "followers": "m.follower = 1",
    "following": "m.following = 1",
    "mutuals": "m.follower = 1 AND m.following = 1",
    "fans": "m.follower = 1 AND m.following = 0",
    "nonfollowers": "m.following = 1 AND m.follower = 0",
}
#: Ids asked for in one `IN (…)` (SQLite's limit on parameters is far above; this keeps statements small).
_CHUNK = 900


class History:
    """One read of the history file: every question asked of it sees the same committed version (a read
    transaction in WAL mode), while syncs in other processes go on committing."""

    def __init__(self, conn: sqlite3.Connection | None, path: Path) -> None:
        self.conn = conn
        self.path = path
        if conn is not None:
            with database.errors_of(path):
                conn.execute("BEGIN")

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self.conn.close()
            self.conn = None

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()

    def rows(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        if self.conn is None:
            return []
        with database.errors_of(self.path):
            return self.conn.execute(sql, args).fetchall()

    def stream(self, sql: str, args: Sequence[Any] = ()) -> Iterator[Any]:
        """Rows one batch at a time (for views of a million rows)."""
        if self.conn is None:
            return
        with database.errors_of(self.path):
            cursor = self.conn.execute(sql, args)
            while batch := cursor.fetchmany(2000):
                yield from batch

    def accounts(self) -> list[TrackedAccount]:
        with checked(self.path, "accounts"):
            return [codec.account_from_doc(_doc(self.path, "accounts", d))
                    for (d,) in self.rows("SELECT doc FROM accounts ORDER BY seq")]  # fmt: skip

    def snapshot(self, account_key: str) -> Snapshot | None:
        state = self.rows(
            "SELECT observed_at, baseline_at, posts, interactions FROM state WHERE account = ?", (account_key,)
        )
        if not state:
            return None
        observed, baseline, posts, interactions = state[0]
        followers, following = [], []
        for pid, is_follower, is_following in self.stream(
            "SELECT id, follower, following FROM members WHERE account = ?", (account_key,)
        ):
            if type(pid) is not str:  # a blob or a number written by another tool: never an id to show
                raise database.corrupt(self.path, f"members of {clean_text(account_key, 80)!r}: an id is not text")
            if is_follower:
                followers.append(pid)
            if is_following:
                following.append(pid)
        try:
            doc = {
                "account": account_key,  # names the document in the error about it
                "observed_at": observed,
                "baseline_at": baseline,
                "posts": None if posts is None else orjson.loads(posts),
                "interactions": None if interactions is None else orjson.loads(interactions),
            }
        except orjson.JSONDecodeError:  # not JSON (or not text) at all: damage, named like a wrong-typed field
            raise database.corrupt(
                self.path, f"state document {clean_text(account_key, 80)!r}: its posts or interactions are not JSON"
            ) from None
        with checked(self.path, "state"):
            return Snapshot(
                followers=frozenset(followers),
                following=frozenset(following),
                observed_at=codec.time_field(doc, "observed_at"),
                baseline_at=codec.time_field(doc, "baseline_at"),
                posts=None if doc["posts"] is None else codec.time_list(doc, "posts"),
                interactions=codec.interactions_field(doc, "interactions"),
            )

    def profiles(self, platform: str, ids: Iterable[str] | None = None) -> dict[str, Profile]:
        """Known profiles of one platform by stable id (all of them, or just `ids`)."""
        out: dict[str, Profile] = {}
        with checked(self.path, "profiles"):
            for text in self._profile_docs(platform, ids):
                profile = codec.profile_from_doc(_doc(self.path, "profiles", text))
                out[profile.id] = profile
        return out

    def _profile_docs(self, platform: str, ids: Iterable[str] | None) -> Iterator[str]:
        if ids is None:
            for (text,) in self.stream("SELECT doc FROM profiles WHERE platform = ?", (platform,)):
                yield text
            return
        wanted = list(dict.fromkeys(ids))
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            for (text,) in self.rows(f"SELECT doc FROM profiles WHERE platform = ? AND id IN ({marks})",
                                     (platform, *chunk)):  # fmt: skip
                yield text

    def pane_profiles(self, account_key: str, platform: str, pane: str) -> dict[str, Profile]:
        """The known profiles of one pane's members, in one join (a pane of 100k: one query, not 100k look-ups)."""
        where = PANE_MEMBERS[pane]
        out: dict[str, Profile] = {}
        with checked(self.path, "profiles"):
            for (text,) in self.stream(
                "SELECT p.doc FROM members AS m JOIN profiles AS p ON p.platform = ? AND p.id = m.id "
                f"WHERE m.account = ? AND {where}",
                (platform, account_key),
            ):
                profile = codec.profile_from_doc(_doc(self.path, "profiles", text))
                out[profile.id] = profile
        return out

    def pane_order(self, account_key: str, platform: str, pane: str) -> list[str]:
        """A set pane's ids in the lists' order (handle, case-insensitive, then id), read without decoding a
        profile: a screen of the list is then read by id (one handle out of each document, in SQLite's C)."""
        keyed = []
        for pid, handle in self.stream(
            "SELECT m.id, json_extract(p.doc, '$.handle') FROM members AS m "
            "LEFT JOIN profiles AS p ON p.platform = ? AND p.id = m.id "
            f"WHERE m.account = ? AND {PANE_MEMBERS[pane]}",
            (platform, account_key),
        ):
            if type(pid) is not str:
                raise database.corrupt(self.path, f"members of {clean_text(account_key, 80)!r}: an id is not text")
            keyed.append(((handle if type(handle) is str else pid).casefold(), pid))
        keyed.sort()
        return [pid for _, pid in keyed]

    def gone_ids(self, platform: str) -> dict[str, str]:
        """Accounts known to be deleted/suspended/moved, with the reason."""
        return dict(self.rows("SELECT id, gone FROM profiles WHERE platform = ? AND gone != ''", (platform,)))

    def events(self, account_key: str) -> list[FollowEvent]:
        with checked(self.path, "events"):
            events = [codec.event_from_doc(_doc(self.path, "events", d)) for (d,) in
                      self.stream("SELECT doc FROM events WHERE account = ? ORDER BY seq", (account_key,))]  # fmt: skip
        events.sort(key=lambda e: e.at)
        return events

    def recent_events(self, account_key: str, since: datetime) -> Iterator[FollowEvent]:
        """The account's events newest first, in the order they were written, down to the first one older than
        `since` (not included): the last minutes of a long history, read without the rest of it. An import's
        events carry the export's times, not their writing's: they are passed on, never taken for the end."""
        with checked(self.path, "events"):
            for (text,) in self.stream("SELECT doc FROM events WHERE account = ? ORDER BY seq DESC", (account_key,)):
                event = codec.event_from_doc(_doc(self.path, "events", text))
                if event.at < since and event.source != EventSource.IMPORT.value:
                    return
                yield event

    def syncs(self, account_key: str) -> list[SyncReport]:
        with checked(self.path, "syncs"):
            reports = [codec.report_from_doc(_doc(self.path, "syncs", d)) for (d,) in
                       self.rows("SELECT doc FROM syncs WHERE account = ? ORDER BY seq", (account_key,))]  # fmt: skip
        reports.sort(key=lambda r: r.started_at)
        return reports

    def own_profile(self, account_key: str) -> Profile | None:
        rows = self.rows("SELECT own_profile FROM state WHERE account = ?", (account_key,))
        if not rows or rows[0][0] is None:
            return None
        with checked(self.path, "state"):
            return codec.profile_from_doc(_doc(self.path, "state", rows[0][0]))

    def journal(self) -> list[dict[str, Any]]:
        return [_doc(self.path, "journal", d) for (d,) in self.rows("SELECT doc FROM journal ORDER BY seq")]

    def synced_at(self, account_key: str) -> datetime | None:
        """When the account's last successful sync read its lists (None: never synced)."""
        rows = self.rows("SELECT observed_at FROM state WHERE account = ?", (account_key,))
        if not rows:
            return None
        with checked(self.path, "state"):
            return codec.time_field({"account": account_key, "observed_at": rows[0][0]}, "observed_at")

    def _has(self, table: str) -> bool:
        """False for a table an older file lacks (read where it could not be upgraded: see database.connect)."""
        if self.conn is None:
            return False
        with database.errors_of(self.path):
            return database.has_table(self.conn, table)

    def watch_state(self, account_key: str) -> WatchState | None:
        if not self._has("watch"):
            return None
        rows = self.rows("SELECT source, cursor, started_at, heartbeat_at, pid FROM watch WHERE account = ?",
                         (account_key,))  # fmt: skip
        if not rows:
            return None
        source, cursor, started, heartbeat, pid = rows[0]
        if type(source) is not str or any(v is not None and type(v) is not int for v in (cursor, pid)):
            what = f"watch state of {clean_text(account_key, 80)!r}: a field has the wrong type"
            raise database.corrupt(self.path, what)
        doc = {"account": account_key, "started_at": started, "heartbeat_at": heartbeat}
        with checked(self.path, "watch"):
            return WatchState(account_key, source, cursor, codec.time_field(doc, "started_at"),
                              codec.time_field(doc, "heartbeat_at"), pid)  # fmt: skip

    def watch_records(self, account_key: str) -> dict[RecordKey, str]:
        """The follow records concerning the account as of its watch cursor (see Store.record_live)."""
        if not self._has("watch_records"):
            return {}
        out: dict[RecordKey, str] = {}
        for repo, rkey, subject in self.stream(
            "SELECT repo, rkey, subject FROM watch_records WHERE account = ?", (account_key,)
        ):
            if type(repo) is not str or type(rkey) is not str or type(subject) is not str:
                raise database.corrupt(self.path, f"watch records of {clean_text(account_key, 80)!r}: not text")
            out[(repo, rkey)] = subject
        return out


class Store:
    """The user's data dir: the history (SQLite) and the annotations (TinyDB), each checked before any use."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.history_path = data_dir / HISTORY
        self.annotation_file = DataFile(data_dir / ANNOTATIONS, check_others=self.check_history_file)
        #: What the move from the JSON store said, once (None: nothing moved in this process).
        self.migration_notice: str | None = None
        #: Told the migration notice as it happens (the CLI prints it on stderr, the UI shows it).
        self.on_notice: Callable[[str], None] | None = None

    def ensure(self) -> None:
        ensure_private_dir(self.data_dir)

    def lock_path(self, name: str) -> Path:
        """A path for a lock that is not tied to one file (one sync per account at a time)."""
        ensure_private_dir(self.data_dir / "locks")
        return self.data_dir / "locks" / f"{name}.lock"

    def check_history_file(self) -> None:
        database.check_file(self.history_path)

    def check_files(self) -> None:
        """Every store file, cheaply: a damaged one stops every command, even one that would not read it."""
        self._migrate_if_needed()
        database.check_file(self.history_path)
        check_whole(self.annotation_file.path)

    def _migrate_if_needed(self) -> None:
        if not self.history_path.exists() and any((self.data_dir / name).exists() for name in LEGACY_FILES):
            from followtui.core.migrate import migrate_json_store

            notice = migrate_json_store(self.data_dir)
            if notice:
                self.migration_notice = notice
                if self.on_notice is not None:
                    self.on_notice(notice)
        elif self.history_path.exists() and (self.data_dir / LEGACY_FILES[0]).exists():
            from followtui.core.migrate import put_legacy_aside

            put_legacy_aside(self.data_dir)  # a move that verified but stopped before tidying up

    def history_version(self, account_key: str | None = None) -> tuple[int, ...]:
        """Changes whenever any process commits something a screen shows (a sync, an event, a journaled action,
        an account added or removed); UIs poll it to reload. With `account_key`, syncs and events count for that
        account only: a screen on one account does not reload for another's (a `watch` of another account
        records all day). Read from the data, not the files' times: SQLite creates and removes its -wal and -shm
        files as connections come and go, reads included."""
        if not self.history_path.exists():
            return (0,)
        mine = " WHERE account = ?" if account_key is not None else ""
        with self.read() as history:
            row = history.rows(
                f"SELECT (SELECT max(seq) FROM syncs{mine}), (SELECT max(seq) FROM events{mine}),"
                " (SELECT max(seq) FROM journal), (SELECT max(seq) FROM accounts), (SELECT count(*) FROM accounts)",
                (account_key, account_key) if account_key is not None else (),
            )
        return tuple(v or 0 for v in row[0]) if row else (0,)

    def read(self) -> History:
        """One consistent read of the history, to answer several questions from the same version."""
        self.check_files()
        try:
            conn = database.connect(self.history_path)
        except FileNotFoundError:
            return History(None, self.history_path)
        return History(conn, self.history_path)

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (taken at once, so two writers queue rather than deadlock); an exception
        inside writes nothing."""
        self.check_files()
        ensure_private_dir(self.data_dir)
        conn = database.connect(self.history_path, create=True)
        try:
            with database.errors_of(self.history_path):
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
        finally:
            conn.close()

    # tracked accounts -------------------------------------------------------------------------------

    def accounts(self) -> list[TrackedAccount]:
        with self.read() as history:
            return history.accounts()

    def add_account(self, account: TrackedAccount) -> None:
        with self._writing() as conn:
            if conn.execute("SELECT 1 FROM accounts WHERE key = ?", (account.key,)).fetchone():
                raise AccountExistsError(f"{account.label} is already tracked")
            conn.execute("INSERT INTO accounts (key, doc) VALUES (?, ?)",
                         (account.key, json_text(codec.account_to_doc(account))))  # fmt: skip

    def remove_account(self, account: TrackedAccount) -> None:
        """Forget the account and its history; profiles and annotations stay (another account may share them)."""
        with self._writing() as conn:
            conn.execute("DELETE FROM accounts WHERE key = ?", (account.key,))
            for table in ("state", "members", "events", "syncs", "watch", "watch_records"):
                conn.execute(f"DELETE FROM {table} WHERE account = ?", (account.key,))

    # snapshots, profiles, events ------------------------------------------------------------------

    def snapshot(self, account_key: str) -> Snapshot | None:
        with self.read() as history:
            return history.snapshot(account_key)

    def profiles(self, platform: str, ids: Iterable[str] | None = None) -> dict[str, Profile]:
        with self.read() as history:
            return history.profiles(platform, ids)

    def gone_ids(self, platform: str) -> dict[str, str]:
        with self.read() as history:
            return history.gone_ids(platform)

    def pane_profiles(self, account_key: str, platform: str, pane: str) -> dict[str, Profile]:
        with self.read() as history:
            return history.pane_profiles(account_key, platform, pane)

    def pane_order(self, account_key: str, platform: str, pane: str) -> list[str]:
        with self.read() as history:
            return history.pane_order(account_key, platform, pane)

    def events(self, account_key: str) -> list[FollowEvent]:
        with self.read() as history:
            return history.events(account_key)

    def syncs(self, account_key: str) -> list[SyncReport]:
        with self.read() as history:
            return history.syncs(account_key)

    def own_profile(self, account: TrackedAccount) -> Profile | None:
        with self.read() as history:
            return history.own_profile(account.key)

    def synced_at(self, account_key: str) -> datetime | None:
        with self.read() as history:
            return history.synced_at(account_key)

    def watch_state(self, account_key: str) -> WatchState | None:
        """What `followtui watch` left for the account; None when it was never watched (or the file predates
        watch and could not be upgraded: it is read as it is). `WatchState.is_live` says whether it runs now."""
        with self.read() as history:
            return history.watch_state(account_key)

    def watch_records(self, account_key: str) -> dict[RecordKey, str]:
        with self.read() as history:
            return history.watch_records(account_key)

    def record_failed_sync(self, report: SyncReport) -> None:
        """A failed or suspect sync leaves only its own record behind."""
        with self._writing() as conn:
            conn.execute("INSERT INTO syncs (account, doc) VALUES (?, ?)",
                         (report.account, json_text(codec.report_to_doc(report))))  # fmt: skip

    def commit_sync(self, commit: SyncCommit) -> None:
        """Apply a whole sync in one transaction, writing only what changed: the members who came or went,
        the profiles whose document differs, the new events, the account's state and the sync record."""
        platform, key = commit.account.platform, commit.account.key
        with self._writing() as conn:
            _write_members(conn, key, commit.followers, commit.following)
            # an unchanged profile costs no write: the upsert's WHERE leaves its row (and its page) alone
            conn.executemany(
                "INSERT INTO profiles (platform, id, doc, gone) VALUES (?, ?, ?, '') ON CONFLICT (platform, id) "
                "DO UPDATE SET doc = excluded.doc, gone = '' WHERE doc != excluded.doc OR gone != ''",
                # in key order: SQLite appends to its B-tree instead of splitting pages all over it
                (
                    (platform, p.id, json_text(codec.profile_to_doc(platform, p)))
                    for p in sorted(commit.profiles.values(), key=_by_id)
                ),
            )
            conn.executemany("UPDATE profiles SET gone = ? WHERE platform = ? AND id = ? AND gone != ?",
                             ((reason, platform, pid, reason) for pid, reason in commit.gone.items()))  # fmt: skip
            previous = conn.execute("SELECT baseline_at FROM state WHERE account = ?", (key,)).fetchone()
            baseline_at = previous[0] if previous else codec.iso(commit.report.observed_at)
            posts = None if commit.posts is None else json_text([codec.iso(t) for t in commit.posts])
            interactions = (
                None if commit.interactions is None else json_text(codec.interactions_to_doc(commit.interactions))
            )
            conn.execute(
                "INSERT INTO state (account, observed_at, baseline_at, own_profile, posts, interactions) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (account) DO UPDATE SET observed_at = excluded.observed_at, "
                "baseline_at = excluded.baseline_at, own_profile = excluded.own_profile, "
                # None: the platform lists no posts (or an import): keep what there is
                "posts = coalesce(excluded.posts, posts), interactions = coalesce(excluded.interactions, interactions)",
                (key, codec.iso(commit.report.observed_at), baseline_at,
                 json_text(codec.profile_to_doc(platform, commit.own_profile)), posts, interactions),
            )  # fmt: skip
            conn.executemany("INSERT INTO events (account, doc) VALUES (?, ?)",
                             ((key, json_text(codec.event_to_doc(e))) for e in commit.events))  # fmt: skip
            conn.execute("INSERT INTO syncs (account, doc) VALUES (?, ?)",
                         (key, json_text(codec.report_to_doc(commit.report))))  # fmt: skip
            handle = commit.own_profile.handle
            if handle and handle != commit.account.handle:
                doc = codec.account_to_doc(commit.account) | {"handle": handle}
                conn.execute("UPDATE accounts SET doc = ? WHERE key = ?", (json_text(doc), key))
        self._keep_backup()

    def _keep_backup(self) -> None:
        """Refresh `history.sqlite3.bak` after a sync when it is older than a day (or missing): a copy that
        passes SQLite's check, never a damaged one. A backup that cannot be written does not fail the sync."""
        target = database.backup_path(self.history_path)
        try:
            if target.exists() and time.time() - target.stat().st_mtime < BACKUP_EVERY_S:
                return
            self.backup_to(target)
        except (StoreError, OSError):
            pass

    def backup(self, folder: Path) -> list[Path]:
        """A consistent copy of the whole store in a new (or empty) folder, also while a sync or the UI runs:
        the history through SQLite's online backup, the annotations as one whole version read under their lock.
        Secrets are never copied. Returns the files written; a folder that holds files is refused."""
        self.check_files()
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            raise StoreWriteError(f"{folder} exists and is not an empty folder; choose a new one")
        ensure_private_dir(folder)
        written = []
        if self.history_path.exists():
            self.backup_to(folder / HISTORY)
            written.append(folder / HISTORY)
        with self.annotation_file.transaction() as db:  # the lock: no tag is half-written into the copy
            data = db.storage.read()
            write_json_atomically(folder / ANNOTATIONS, data or {})
        written.append(folder / ANNOTATIONS)
        return written

    def backup_to(self, target: Path) -> None:
        """A consistent copy of the history at `target`, also while a sync or the UI runs."""
        conn = database.connect(self.history_path)
        try:
            database.copy_to(conn, target, source=self.history_path)
        finally:
            conn.close()

    def record_following_change(
        self, account: TrackedAccount, profile: Profile, *, following: bool, at: datetime
    ) -> None:
        """A follow or unfollow made through followtui takes effect in the snapshot at once, with its exact
        time, so a follow-back feeds the trickster timeline without waiting for the next sync."""
        key, platform = account.key, account.platform
        with self._writing() as conn:
            if not conn.execute("SELECT 1 FROM state WHERE account = ?", (key,)).fetchone():
                return  # never synced: the first sync's baseline will include it
            row = conn.execute("SELECT follower, following FROM members WHERE account = ? AND id = ?",
                               (key, profile.id)).fetchone()  # fmt: skip
            follower, was = (bool(row[0]), bool(row[1])) if row else (False, False)
            if was == following:
                return
            if follower or following:
                conn.execute("INSERT OR REPLACE INTO members (account, id, follower, following) VALUES (?, ?, ?, ?)",
                             (key, profile.id, int(follower), int(following)))  # fmt: skip
            else:
                conn.execute("DELETE FROM members WHERE account = ? AND id = ?", (key, profile.id))
            kind = EventKind.FOLLOWING_ADDED if following else EventKind.FOLLOWING_REMOVED
            event = FollowEvent(key, kind, profile.id, at, source=EventSource.ACTION.value)
            conn.execute("INSERT INTO events (account, doc) VALUES (?, ?)", (key, json_text(codec.event_to_doc(event))))
            conn.execute("INSERT OR IGNORE INTO profiles (platform, id, doc, gone) VALUES (?, ?, ?, '')",
                         (platform, profile.id, json_text(codec.profile_to_doc(platform, profile))))  # fmt: skip

    # followtui watch ---------------------------------------------------------------------------------

    def record_live(
        self,
        account: TrackedAccount,
        events: Sequence[FollowEvent],
        profiles: Mapping[str, Profile],
        *,
        cursor: int | None,
        source: str,
        records: Iterable[tuple[str, str, str | None]] = (),
    ) -> list[FollowEvent]:
        """One stream commit's changes in one transaction: each event whose membership it flips (with its own
        exact time), the people it names that the store has no profile of yet (`profiles`, looked up), the follow
        records it changed (`records`: (repo, rkey, subject, or None for a deleted record)) and the cursor after it
        (`source` is the stream's URL). Returns the events written.

        An event that would not change the membership (a replay, a follow the last sync already saw) writes
        nothing: that is why the next sync finds no difference to record twice, and why a stream replayed from an
        older cursor adds no duplicate. An `unfollowed_you` of someone you follow says so in its detail, as a
        sync's does. Before the account's first sync there is no membership to change: only the cursor and the
        records are kept (the caller syncs first; see core.live)."""
        from followtui.core.changes import YOU_FOLLOW_THEM  # core.changes reads the store: imported when used

        key, platform = account.key, account.platform
        written: list[FollowEvent] = []
        with self._writing() as conn:
            if conn.execute("SELECT 1 FROM state WHERE account = ?", (key,)).fetchone():
                for event in events:
                    done = _flip_membership(conn, key, event, YOU_FOLLOW_THEM)
                    if done is not None:
                        conn.execute("INSERT INTO events (account, doc) VALUES (?, ?)",
                                     (key, json_text(codec.event_to_doc(done))))  # fmt: skip
                        written.append(done)
            named = {e.profile_id for e in written}
            # only people not known yet: a sync keeps the others up to date (and merges what it learns)
            conn.executemany(
                "INSERT INTO profiles (platform, id, doc, gone) VALUES (?, ?, ?, '') "
                "ON CONFLICT (platform, id) DO NOTHING",
                ((platform, p.id, json_text(codec.profile_to_doc(platform, p)))
                 for pid, p in sorted(profiles.items()) if pid in named),
            )  # fmt: skip
            _write_watch_records(conn, key, records)
            conn.execute(
                "INSERT INTO watch (account, source, cursor) VALUES (?, ?, ?) ON CONFLICT (account) DO UPDATE SET "
                "source = excluded.source, cursor = excluded.cursor",
                (key, source, cursor),
            )
        return written

    def save_watch(
        self,
        account_key: str,
        source: str,
        cursor: int | None,
        heartbeat_at: datetime | None,
        pid: int | None,
        *,
        started_at: datetime | None = None,
    ) -> None:
        """The heartbeat of a running watch (and its cursor, when no change wrote it since): one small row, and
        no table a screen reloads on (`history_version` stays). `pid` None says it stopped; `started_at` is
        written when given, else kept."""
        with self._writing() as conn:
            conn.execute(
                "INSERT INTO watch (account, source, cursor, started_at, heartbeat_at, pid) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (account) DO UPDATE SET source = excluded.source, cursor = excluded.cursor, "
                "started_at = coalesce(excluded.started_at, started_at), heartbeat_at = excluded.heartbeat_at, "
                "pid = excluded.pid",
                (account_key, source, cursor, codec.iso(started_at), codec.iso(heartbeat_at), pid),
            )

    def reset_watch(
        self, account_key: str, source: str, cursor: int | None, records: Iterable[tuple[RecordKey, str]]
    ) -> None:
        """Start the account's watch over from a full sync: these follow records (read before that sync), this
        stream and cursor, in one transaction (a crash leaves the old ones, which a replay reconciles)."""
        with self._writing() as conn:
            conn.execute("DELETE FROM watch_records WHERE account = ?", (account_key,))
            conn.executemany(
                "INSERT INTO watch_records (account, repo, rkey, subject) VALUES (?, ?, ?, ?)",
                ((account_key, repo, rkey, subject) for (repo, rkey), subject in sorted(records)),
            )
            conn.execute(
                "INSERT INTO watch (account, source, cursor) VALUES (?, ?, ?) ON CONFLICT (account) DO UPDATE SET "
                "source = excluded.source, cursor = excluded.cursor",
                (account_key, source, cursor),
            )

    def journal(self) -> list[dict[str, Any]]:
        """Every follow/unfollow followtui made, oldest first (see core.actions)."""
        with self.read() as history:
            return history.journal()

    def append_journal(self, entry: dict[str, Any]) -> None:
        with self._writing() as conn:
            conn.execute("INSERT INTO journal (doc) VALUES (?)", (json_text(entry),))

    # annotations ------------------------------------------------------------------------------------

    def annotations(self) -> dict[str, Annotation]:
        docs = (self.annotation_file.load().get("annotations") or {}).values()
        with checked(self.annotation_file.path, "annotations"):
            return {annotation.key: annotation for annotation in map(codec.annotation_from_doc, docs)}

    def annotate(self, key: str, change: Callable[[Annotation], Annotation]) -> Annotation:
        """Read-modify-write one account's annotation under the lock, so concurrent writers lose nothing."""
        return self.annotate_many([key], change)[key]

    def annotate_many(self, keys: Iterable[str], change: Callable[[Annotation], Annotation]) -> dict[str, Annotation]:
        """The same change to many accounts (a bulk action on marked rows) in one locked write."""
        results: dict[str, Annotation] = {}
        with self.annotation_file.transaction() as db, checked(self.annotation_file.path, "annotations"):
            table = db.table("annotations")
            # every document is checked, not just the ones changed: a write never carries a broken file on
            current = {codec.annotation_from_doc(doc).key: doc for doc in table.all()}
            new_docs = []
            for key in dict.fromkeys(keys):
                before = codec.annotation_from_doc(current[key]) if key in current else Annotation(key=key)
                after = change(before)
                results[key] = after
                if after == before:
                    continue
                if key in current:
                    table.update(codec.annotation_to_doc(after), doc_ids=[current[key].doc_id])
                else:
                    new_docs.append(codec.annotation_to_doc(after))
            if new_docs:
                table.insert_multiple(new_docs)
        return results


def _flip_membership(
    conn: sqlite3.Connection, key: str, event: FollowEvent, you_follow_them: str
) -> FollowEvent | None:
    """The live event as it is recorded, after flipping the member's flag it changes; None when the flag already
    says so (nothing to record)."""
    row = conn.execute("SELECT follower, following FROM members WHERE account = ? AND id = ?",
                       (key, event.profile_id)).fetchone()  # fmt: skip
    follower, following = (bool(row[0]), bool(row[1])) if row else (False, False)
    kind, detail = event.kind, event.detail
    if kind in (EventKind.FOLLOWER_GAINED, EventKind.FOLLOWER_LOST):
        if follower == (kind is EventKind.FOLLOWER_GAINED):
            return None
        follower = not follower
        detail = you_follow_them if kind is EventKind.FOLLOWER_LOST and following else detail
    elif kind in (EventKind.FOLLOWING_ADDED, EventKind.FOLLOWING_REMOVED):
        if following == (kind is EventKind.FOLLOWING_ADDED):
            return None
        following = not following
    else:
        return None  # a stream sees follows only
    if follower or following:
        conn.execute("INSERT OR REPLACE INTO members (account, id, follower, following) VALUES (?, ?, ?, ?)",
                     (key, event.profile_id, int(follower), int(following)))  # fmt: skip
    else:
        conn.execute("DELETE FROM members WHERE account = ? AND id = ?", (key, event.profile_id))
    return replace(event, detail=detail, source=EventSource.WATCH.value)


def _write_watch_records(conn: sqlite3.Connection, key: str, records: Iterable[tuple[str, str, str | None]]) -> None:
    for repo, rkey, subject in records:
        if subject is None:
            conn.execute("DELETE FROM watch_records WHERE account = ? AND repo = ? AND rkey = ?", (key, repo, rkey))
        else:
            conn.execute("INSERT OR REPLACE INTO watch_records (account, repo, rkey, subject) VALUES (?, ?, ?, ?)",
                         (key, repo, rkey, subject))  # fmt: skip


def _by_id(profile: Profile) -> str:
    return profile.id


def _write_members(conn: sqlite3.Connection, key: str, followers: frozenset[str], following: frozenset[str]) -> None:
    """Bring the account's member rows to the new sets, touching only the rows that differ."""
    stored = {pid: (f, g) for pid, f, g in conn.execute(
        "SELECT id, follower, following FROM members WHERE account = ?", (key,))}  # fmt: skip
    changed = []
    for pid in sorted(followers | following):  # key order: appended, not scattered (see commit_sync)
        flags = (int(pid in followers), int(pid in following))
        if stored.get(pid) != flags:
            changed.append((key, pid, *flags))
    gone = [(key, pid) for pid in stored if pid not in followers and pid not in following]
    conn.executemany("INSERT OR REPLACE INTO members (account, id, follower, following) VALUES (?, ?, ?, ?)", changed)
    conn.executemany("DELETE FROM members WHERE account = ? AND id = ?", gone)
