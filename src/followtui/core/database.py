"""The history file (`history.sqlite3`): SQLite in WAL mode, checked cheaply before every use.

Why SQLite: a sync writes what changed (memberships, changed profiles, new events) in one transaction instead
of rewriting a whole file, and a pane reads only its own rows. WAL lets readers (the UI, `show`) work while a
sync commits, and a sync never waits for them. Damage is never met with a fresh start: a file that fails the
checks below is the clear error (exit 7) naming the file and its backup.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import struct
import tempfile
from collections.abc import Iterator
from pathlib import Path

from followtui.core.errors import StoreBusyError, StoreCorruptError, StoreError, StoreWriteError
from followtui.core.storage import FILE_MODE, ensure_private_dir, fsync_dir
from followtui.sanitize import clean_text

HISTORY = "history.sqlite3"
#: The schema this version writes; a file with a newer one was written by a newer followtui.
SCHEMA_VERSION = 2
#: The oldest schema this version reads without upgrading it (a file it may not write, see `connect`): every
#: step since only added tables, which a reader takes as empty.
READABLE_FROM = 1
#: How long a writer waits for another one before the command says the store is busy.
BUSY_TIMEOUT_S = 10.0
_MAGIC = b"SQLite format 3\x00"
_HEADER = 100
#: Less room than this on the file system, and a write SQLite calls an I/O error is named a full disk.
_ROOM = 1 << 20

#: Version 2: `followtui watch` (see core.live). Its state per account (where the stream goes on from, when the
#: process last said it is alive) and the follow records that concern the account as of that cursor, so a restart
#: replays from the cursor knowing whom each deleted record followed.
WATCH_SCHEMA = (
    "CREATE TABLE watch (account TEXT PRIMARY KEY, source TEXT NOT NULL, cursor INTEGER, started_at TEXT,"
    " heartbeat_at TEXT, pid INTEGER) WITHOUT ROWID",
    "CREATE TABLE watch_records (account TEXT NOT NULL, repo TEXT NOT NULL, rkey TEXT NOT NULL,"
    " subject TEXT NOT NULL, PRIMARY KEY (account, repo, rkey)) WITHOUT ROWID",
)
SCHEMA = (
    # one row per tracked account: its settings as a JSON document (see codec.account_to_doc)
    "CREATE TABLE accounts (seq INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, doc TEXT NOT NULL)",
    # who follows the account and whom it follows, one row per person: a pane is a range scan of one account
    "CREATE TABLE members (account TEXT NOT NULL, id TEXT NOT NULL, follower INTEGER NOT NULL,"
    " following INTEGER NOT NULL, PRIMARY KEY (account, id)) WITHOUT ROWID",
    # the rest of an account's current state: times, its own profile, its post times, who interacted
    "CREATE TABLE state (account TEXT PRIMARY KEY, observed_at TEXT, baseline_at TEXT, own_profile TEXT,"
    " posts TEXT, interactions TEXT) WITHOUT ROWID",
    # everyone's last known profile, shared by the accounts of one platform; `gone` says why it is gone
    "CREATE TABLE profiles (platform TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL,"
    " gone TEXT NOT NULL DEFAULT '', PRIMARY KEY (platform, id)) WITHOUT ROWID",
    "CREATE TABLE events (seq INTEGER PRIMARY KEY, account TEXT NOT NULL, doc TEXT NOT NULL)",
    "CREATE INDEX events_by_account ON events (account, seq)",
    "CREATE TABLE syncs (seq INTEGER PRIMARY KEY, account TEXT NOT NULL, doc TEXT NOT NULL)",
    "CREATE INDEX syncs_by_account ON syncs (account, seq)",
    # every follow/unfollow followtui made (see core.actions), oldest first
    "CREATE TABLE journal (seq INTEGER PRIMARY KEY, doc TEXT NOT NULL)",
    *WATCH_SCHEMA,
)
#: Steps from one schema version to the next: MIGRATIONS[v] takes a file from version v to v + 1.
MIGRATIONS: dict[int, tuple[str, ...]] = {1: WATCH_SCHEMA}


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def corrupt(path: Path, why: str) -> StoreCorruptError:
    backup = backup_path(path)
    hint = f"the previous good version is {backup}" if backup.exists() else "no backup exists yet"
    return StoreCorruptError(f"store file {path} is unreadable: {why}. Nothing was changed; {hint}.")


def newer(path: Path, schema: int) -> StoreCorruptError:
    return corrupt(path, f"it was written by a newer followtui (schema {schema}; this one reads up to "
                         f"{SCHEMA_VERSION}); upgrade followtui")  # fmt: skip


def check_file(path: Path) -> None:
    """Refuse a history file that cannot be whole, in two small reads however large it is: empty, cut inside
    its header, not SQLite, or shorter than its header says. Damage inside the pages is SQLite's to find
    (`database disk image is malformed`), and it is the same clear error when it does (see `errors_of`)."""
    try:
        with open(path, "rb") as file:
            size = os.fstat(file.fileno()).st_size
            header = file.read(_HEADER)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise corrupt(path, f"it cannot be read ({exc.strerror or exc})") from exc
    if size == 0:
        raise corrupt(path, "it is empty (0 bytes)")
    if len(header) < _HEADER or not header.startswith(_MAGIC):
        raise corrupt(path, "it is not a followtui history file (no SQLite header)")
    (page_size,) = struct.unpack(">H", header[16:18])
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        raise corrupt(path, "its header is damaged (page size)")
    (counter, pages) = struct.unpack(">II", header[24:32])
    (valid_for,) = struct.unpack(">I", header[92:96])
    (schema,) = struct.unpack(">I", header[60:64])  # PRAGMA user_version lives here
    if schema > SCHEMA_VERSION:
        raise newer(path, schema)
    wal_pending = _wal_size(path) > 0
    # while a WAL holds pages, the main file may lag behind its header until the next checkpoint
    if not wal_pending and valid_for == counter and pages and size < pages * page_size:
        raise corrupt(path, f"it is cut short ({size:,} bytes; its header says {pages * page_size:,})")


@contextlib.contextmanager
def errors_of(path: Path) -> Iterator[None]:
    """SQLite's errors in the user's words: busy, disk refused the write, or damaged (never a fresh start)."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        text = clean_text(str(exc), 300)  # it may quote the damaged bytes ("Could not decode to UTF-8 ...")
        what = text.partition(" with text ")[0]  # SQLite's words, not a quoted "busy" or "full" from the file
        if "locked" in what or "busy" in what:
            raise StoreBusyError(
                f"{path.name} is locked by another followtui process (waited {BUSY_TIMEOUT_S:.0f} s)"
            ) from None
        if any(w in what for w in ("disk", "full", "readonly", "read-only", "unable to open", "I/O")):
            raise StoreWriteError(
                f"could not write {path}: {text}{_cause(path)}. The previous version is untouched."
            ) from None
        raise corrupt(path, text) from None
    except sqlite3.DatabaseError as exc:  # malformed, not a database, schema damage
        raise corrupt(path, clean_text(str(exc), 300)) from None


def _cause(path: Path) -> str:
    """What the file system says about a refused write, which SQLite's words ("disk I/O error") do not name."""
    try:
        fs = os.statvfs(path.parent)
    except OSError:
        return ""
    if fs.f_flag & os.ST_RDONLY:
        return f" ({os.strerror(errno.EROFS)})"
    if fs.f_bavail * fs.f_frsize < _ROOM:
        return f" ({os.strerror(errno.ENOSPC)})"
    return ""


def _read_from_file_alone(path: Path, exc: sqlite3.OperationalError) -> bool:
    """Whether a read that SQLite refused can be answered from the file alone (`immutable`, no -shm): WAL mode
    needs to create or grow `-shm` (and `-wal`) even to read, which a read-only or full file system refuses.
    Only when no WAL holds commits: then the file is the whole history."""
    if not getattr(exc, "sqlite_errorname", "").startswith(("SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_READONLY")):
        return False
    return _wal_size(path) == 0


def _wal_size(path: Path) -> int:
    """The size of the history's -wal file, 0 when there is none. Asked once: SQLite removes the file when the
    last connection closes, so it may vanish between a look and a stat (another process's read is enough)."""
    try:
        return path.with_name(path.name + "-wal").stat().st_size
    except FileNotFoundError:
        return 0


def connect(path: Path, *, create: bool = False) -> sqlite3.Connection:
    """A connection to a checked history file in WAL mode, its schema created (`create`) or brought up to date.

    A missing file is created only when `create` is true (a write); a read of a missing file is answered by
    the caller as "nothing recorded yet", so a read never leaves an empty file behind. A read still works on a
    read-only or full file system (see `_read_from_file_alone`)."""
    check_file(path)
    fresh = not path.exists()
    if fresh and not create:
        raise FileNotFoundError(path)
    if fresh:
        ensure_private_dir(path.parent)
        with contextlib.suppress(FileExistsError):  # made private before SQLite writes a byte into it
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    with errors_of(path):
        try:
            return _open(path, str(path), uri=False)
        except sqlite3.OperationalError as exc:
            if create or not _read_from_file_alone(path, exc):
                raise
        return _open(path, f"{path.absolute().as_uri()}?immutable=1", uri=True, read_only=True)


def _open(path: Path, name: str, *, uri: bool, read_only: bool = False) -> sqlite3.Connection:
    """`read_only`: a file that cannot be written (see `_read_from_file_alone`) is read as it is, an older schema
    too (from READABLE_FROM on): its readers take a table it lacks as empty (see `has_table`)."""
    conn = sqlite3.connect(name, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False, uri=uri)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")  # WAL: a commit survives a crash of followtui
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise newer(path, version)
        if version < SCHEMA_VERSION and not (read_only and version >= READABLE_FROM):
            _upgrade(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def has_table(conn: sqlite3.Connection, name: str) -> bool:
    """Whether the file has this table: an older file read where it cannot be upgraded may not."""
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


def _upgrade(conn: sqlite3.Connection) -> None:
    """Create the schema (version 0: a new file) or run each migration step, all in one transaction."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        current = conn.execute("PRAGMA user_version").fetchone()[0]  # another process may have done it meanwhile
        if current == 0:
            if conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                raise StoreError("the file holds tables but no schema version")
            for statement in SCHEMA:
                conn.execute(statement)
            current = SCHEMA_VERSION
        while current < SCHEMA_VERSION:
            for statement in MIGRATIONS[current]:
                conn.execute(statement)
            current += 1
        conn.execute(f"PRAGMA user_version = {int(current)}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def copy_to(conn: sqlite3.Connection, target: Path, *, source: Path) -> None:
    """A consistent copy of the open file at `target`, made with SQLite's online backup (it sees one committed
    version even while a sync writes), checked page by page, written to a temp file and renamed into place: a
    damaged source never replaces a good copy."""
    directory = target.parent
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    os.close(fd)
    os.chmod(tmp_name, FILE_MODE)
    try:
        with errors_of(source):
            out = sqlite3.connect(tmp_name, isolation_level=None)
            try:
                conn.backup(out)
                out.execute("PRAGMA journal_mode = DELETE")  # a single self-contained file
                verdict = out.execute("PRAGMA quick_check").fetchone()[0]
            finally:
                out.close()
        if verdict != "ok":
            raise corrupt(source, f"its copy fails SQLite's check ({verdict})")
        with open(tmp_name, "rb") as file:
            os.fsync(file.fileno())
        os.replace(tmp_name, target)
        tmp_name = ""
        fsync_dir(directory)
    except OSError as exc:
        raise StoreWriteError(f"could not write {target}: {exc.strerror or exc}") from exc
    finally:
        if tmp_name:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
