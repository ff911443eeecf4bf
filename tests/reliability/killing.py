"""SIGKILL a followtui process at a chosen moment, and say exactly where it was when it died.

The process is stopped (SIGSTOP) first, its open files, its locks and the data dir are read, and only then is
it killed: the moment it is classified at is the moment it dies, so the tallies of kills inside a commit are
exact. Two kinds of writers are watched: a JSON file's (annotations.json: lock file, temp file, replace) and
the history's (history.sqlite3: SQLite's WAL write lock, the frames it appends to the WAL, its commit frame).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import struct
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson

from followtui.core.database import HISTORY

BEFORE_REQUESTS = "starting (no request yet)"
FETCH = "fetching (before the commit)"
PREPARING = "commit: locked, loading and diffing in memory"
WRITING = "commit: writing and fsyncing the temp file"
LINKING = "commit: temp file complete, keeping the .bak, replacing"
REPLACED = "commit: replaced, syncing the directory and unlocking"
#: The history's writer (one SQLite transaction, holding the WAL write lock from BEGIN IMMEDIATE to COMMIT).
IN_TRANSACTION = "commit: SQLite write transaction open, no page in the WAL yet"
WAL_FRAMES = "commit: appending the transaction's pages to the WAL, no valid commit frame yet"
WAL_COMMITTED = "commit: valid commit frame in the WAL, write lock not yet released"
AFTER = "after the commit (reporting, exiting)"
#: Phases in which the store file's lock is held: the kill landed inside the commit.
COMMIT_PHASES = (PREPARING, WRITING, LINKING, REPLACED, IN_TRANSACTION, WAL_FRAMES, WAL_COMMITTED)
#: Phases in which the history's commit had landed: after the kill, the store must hold it.
HISTORY_COMMITTED = (WAL_COMMITTED, AFTER)


def open_files(pid: int) -> list[str]:
    """What the process has open (paths, `socket:[…]`), from /proc."""
    out: list[str] = []
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return out
    for name in names:
        with contextlib.suppress(OSError):
            out.append(os.readlink(f"/proc/{pid}/fd/{name}"))
    return out


def inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except FileNotFoundError:
        return None


def temp_files(data_dir: Path, name: str) -> set[Path]:
    """The store's own temp files for `name` (mkstemp's `.<name>.XXXX.tmp`), not the fixed `.bak.tmp` link."""
    return {p for p in data_dir.glob(f".{name}.*.tmp") if p.name != f".{name}.bak.tmp"}


def stray_files(data_dir: Path) -> list[Path]:
    """Every temp file in the data dir, the `.bak.tmp` links included."""
    return sorted(p for p in data_dir.rglob("*.tmp"))


@dataclass(frozen=True, slots=True)
class Moment:
    """Where the writer of a JSON file (annotations.json) stands: the file and what it looked like before."""

    data_dir: Path
    name: str
    inode_before: int | None
    temps_before: frozenset[Path]

    @classmethod
    def before(cls, data_dir: Path, name: str) -> Moment:
        return cls(data_dir, name, inode(data_dir / name), frozenset(temp_files(data_dir, name)))

    def phase(self, pid: int) -> str:
        files = open_files(pid)
        lock = str(self.data_dir / f"{self.name}.lock") in files
        new_temps = temp_files(self.data_dir, self.name) - self.temps_before
        replaced = inode(self.data_dir / self.name) != self.inode_before
        if new_temps and any(str(t) in files for t in new_temps):
            return WRITING
        if new_temps and lock:
            return LINKING
        if lock:
            return REPLACED if replaced else PREPARING
        if replaced:
            return AFTER
        return FETCH if any(f.startswith("socket:") for f in files) else BEFORE_REQUESTS

    def holds_lock(self, pid: int) -> bool:
        return str(self.data_dir / f"{self.name}.lock") in open_files(pid)

    def writing(self, pid: int) -> bool:
        return bool(temp_files(self.data_dir, self.name) - self.temps_before)


_WAL_HEADER, _FRAME_HEADER = 32, 24
#: SQLite's locks in the -shm file (wal.c: WALINDEX_LOCK_OFFSET 120 + WAL_WRITE_LOCK 0, WAL_CKPT_LOCK 1,
#: WAL_RECOVER_LOCK 2, WAL_READ_LOCK(0..4) 3..7). A write transaction holds the write lock exclusively from
#: BEGIN IMMEDIATE until its COMMIT (or ROLLBACK) is done, and a read lock (shared) all along. The write lock
#: is also taken, without any read lock, by the first connection to open the file as it rebuilds the WAL index
#: (then with the recovery lock), and by a checkpoint (with the checkpoint lock): neither is a transaction.
_WAL_WRITE_LOCK, _WAL_CKPT_LOCK, _WAL_RECOVER_LOCK = 120, 121, 122
_WAL_READ_LOCKS = range(123, 128)


def posix_locks(pid: int, ino: int) -> dict[int, str]:
    """The bytes of file `ino` that `pid` holds POSIX locks on ("READ" or "WRITE"), from /proc/locks (SQLite
    locks with fcntl; the kernel merges adjacent ranges of one kind, so bytes, not ranges, are compared)."""
    held: dict[int, str] = {}
    with open("/proc/locks") as locks:
        for line in locks:
            fields = line.split()  # "N: POSIX ADVISORY WRITE pid maj:min:inode start end" (a waiter's: "N: -> …")
            if len(fields) < 8 or fields[1] != "POSIX" or fields[4] != str(pid) or fields[7] == "EOF":
                continue
            start, end = int(fields[6]), int(fields[7])
            if int(fields[5].rsplit(":", 1)[1]) == ino and end - start < 64:
                held.update(dict.fromkeys(range(start, end + 1), fields[3]))
    return held


def _checksum(data: bytes, s1: int, s2: int, order: str) -> tuple[int, int]:
    """SQLite's WAL checksum (wal.c walChecksumBytes) of `data`, continuing from (s1, s2)."""
    words = iter(struct.unpack(f"{order}{len(data) // 4}I", data))
    for x, y in zip(words, words, strict=True):
        s1 = (s1 + x + s2) & 0xFFFFFFFF
        s2 = (s2 + y + s1) & 0xFFFFFFFF
    return s1, s2


@dataclass(frozen=True, slots=True)
class Wal:
    """What a reader recovering the WAL would take from it: its salts (a new pair each time the WAL restarts),
    its valid frames (salts and checksum chain intact) and how many of them end at the last commit frame."""

    salts: tuple[int, int]
    frames: int
    committed: int

    @classmethod
    def read(cls, path: Path) -> Wal | None:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        if len(data) < _WAL_HEADER:
            return None
        magic, _version, page_size, _seq, salt1, salt2, c1, c2 = struct.unpack(">8I", data[:_WAL_HEADER])
        if magic not in (0x377F0682, 0x377F0683):
            return None
        order = ">" if magic & 1 else "<"
        check = _checksum(data[:24], 0, 0, order)
        if check != (c1, c2):
            return None
        frames = committed = 0
        at = _WAL_HEADER
        while at + _FRAME_HEADER + page_size <= len(data):
            page_no, commit, f1, f2, k1, k2 = struct.unpack(">6I", data[at : at + _FRAME_HEADER])
            if page_no == 0 or (f1, f2) != (salt1, salt2):
                break
            check = _checksum(data[at : at + 8], *check, order)
            check = _checksum(data[at + _FRAME_HEADER : at + _FRAME_HEADER + page_size], *check, order)
            if check != (k1, k2):
                break  # a frame half written (its header before its page) ends the WAL here
            frames += 1
            committed = frames if commit else committed
            at += _FRAME_HEADER + page_size
        return cls((salt1, salt2), frames, committed)


def _wal_head(path: Path) -> tuple[bytes, int]:
    """The WAL's header and size: a cheap look, fit for polling every millisecond."""
    try:
        with open(path, "rb") as file:
            return file.read(_WAL_HEADER), os.fstat(file.fileno()).st_size
    except FileNotFoundError:
        return b"", 0


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_mtime_ns, st.st_size


@dataclass(frozen=True, slots=True)
class HistoryMoment:
    """Where a writer of the SQLite history stands, against the files as they were before it started.

    Inside its transaction it holds the WAL write lock (seen in /proc/locks); its commit has landed once the
    WAL holds a valid commit frame that was not there before (or once that WAL was checkpointed into the file)."""

    data_dir: Path
    wal_before: Wal | None
    head_before: tuple[bytes, int]
    file_before: tuple[int, int] | None

    @classmethod
    def before(cls, data_dir: Path) -> HistoryMoment:
        wal = _wal_path(data_dir)
        return cls(data_dir, Wal.read(wal), _wal_head(wal), _stamp(data_dir / HISTORY))

    def holds_lock(self, pid: int) -> bool:
        """The process is inside a write transaction (see _WAL_WRITE_LOCK)."""
        shm = inode(self.data_dir / f"{HISTORY}-shm")
        if shm is None:
            return False
        held = posix_locks(pid, shm)
        return (
            held.get(_WAL_WRITE_LOCK) == "WRITE"
            and _WAL_CKPT_LOCK not in held
            and _WAL_RECOVER_LOCK not in held
            and any(byte in held for byte in _WAL_READ_LOCKS)
        )

    def wal_grew(self) -> bool:
        """Frames were appended since: the WAL restarted (new salts in its header) or got longer."""
        head, size = _wal_head(_wal_path(self.data_dir))
        before_head, before_size = self.head_before
        return len(head) == _WAL_HEADER and (head[16:24] != before_head[16:24] or size > before_size)

    def writing(self, pid: int) -> bool:
        return self.wal_grew() and self.holds_lock(pid)

    def writing_or_done(self, pid: int) -> bool:
        """The transaction appends its pages to the WAL, or is over (a commit of a few pages can be missed)."""
        return self.wal_grew() or not self.holds_lock(pid)

    def committed(self) -> bool:
        """The WAL holds a commit that was not there before: after a kill, a reader recovers it."""
        now = Wal.read(_wal_path(self.data_dir))
        if now is None or not now.committed:
            return False
        before = self.wal_before
        return before is None or now.salts != before.salts or now.committed > before.committed

    def phase(self, pid: int) -> str:
        files = open_files(pid)
        if self.holds_lock(pid):
            if self.committed():
                return WAL_COMMITTED
            return WAL_FRAMES if self.wal_grew() else IN_TRANSACTION
        # unlocked after a commit: still in the WAL, or already checkpointed into the file
        if self.committed() or _stamp(self.data_dir / HISTORY) != self.file_before:
            return AFTER
        return FETCH if any(f.startswith("socket:") for f in files) else BEFORE_REQUESTS


def _wal_path(data_dir: Path) -> Path:
    return data_dir / f"{HISTORY}-wal"


def read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot change `path` (a backup, a file under test). WAL mode needs its -shm even to
    read; where the disk is full or read-only and no WAL holds a commit, the file alone is read."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        conn.close()
        wal = Wal.read(path.with_name(f"{path.name}-wal"))
        assert wal is None or not wal.committed, f"{path} cannot be read with its WAL"
        return sqlite3.connect(f"{path.absolute().as_uri()}?immutable=1", uri=True)
    return conn


def check_history(path: Path) -> None:
    """A history file as followtui writes it: SQLite's full integrity check passes (anything else fails)."""
    conn = read_only(path)
    try:
        verdict = conn.execute("PRAGMA integrity_check").fetchall()
    finally:
        conn.close()
    assert verdict == [("ok",)], (path, verdict[:5])


def history_sets(path: Path, account: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """An account's follower and following sets in a history file (a backup too); None before its first sync."""
    conn = read_only(path)
    try:
        if not conn.execute("SELECT 1 FROM state WHERE account = ?", (account,)).fetchone():
            return None
        rows = conn.execute("SELECT id, follower, following FROM members WHERE account = ?", (account,)).fetchall()
    finally:
        conn.close()
    return frozenset(i for i, f, _ in rows if f), frozenset(i for i, _, g in rows if g)


@dataclass(frozen=True, slots=True)
class Kill:
    landed: bool  # False: the process had already finished on its own
    phase: str
    returncode: int

    @property
    def in_commit(self) -> bool:
        return self.landed and self.phase in COMMIT_PHASES


def _wait_stopped(pid: int, timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            return
        if state in ("T", "t", "Z", "X"):
            return
        time.sleep(0.0005)


def kill_now(proc: subprocess.Popen[bytes], moment: Moment | HistoryMoment) -> Kill:
    """Freeze the process, note where it is, SIGKILL it, reap it."""
    if proc.poll() is not None:
        return Kill(False, "finished", proc.returncode)
    try:
        os.kill(proc.pid, signal.SIGSTOP)
    except ProcessLookupError:
        proc.wait()
        return Kill(False, "finished", proc.returncode)
    _wait_stopped(proc.pid)
    phase = moment.phase(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    landed = proc.returncode == -signal.SIGKILL
    return Kill(landed, phase if landed else "finished", proc.returncode)


def wait_until(
    proc: subprocess.Popen[bytes], condition: Callable[[int], bool], timeout: float, *, every: float = 0.001
) -> bool:
    """Poll every millisecond (or `every` seconds; 0: without pause) until `condition(pid)` holds; False if the
    process ended or time ran out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if condition(proc.pid):
            return True
        if every:
            time.sleep(every)
    return False


def load_json(path: Path) -> dict:  # type: ignore[type-arg]
    """A store file as followtui writes it: one whole JSON object (anything else fails the test)."""
    data = orjson.loads(path.read_bytes())
    assert isinstance(data, dict), path
    return data
