"""SIGKILL a followtui process at a chosen moment, and say exactly where it was when it died.

The process is stopped (SIGSTOP) first, its open files and the data dir are read, and only then is it killed:
the moment it is classified at is the moment it dies, so the tallies of kills inside a commit are exact.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson

BEFORE_REQUESTS = "starting (no request yet)"
FETCH = "fetching (before the commit)"
PREPARING = "commit: locked, loading and diffing in memory"
WRITING = "commit: writing and fsyncing the temp file"
LINKING = "commit: temp file complete, keeping the .bak, replacing"
REPLACED = "commit: replaced, syncing the directory and unlocking"
AFTER = "after the commit (reporting, exiting)"
#: Phases in which the store file's lock is held: the kill landed inside the commit.
COMMIT_PHASES = (PREPARING, WRITING, LINKING, REPLACED)


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
    """Where a store writer stands: the file it writes and what that file looked like before it started."""

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


def kill_now(proc: subprocess.Popen[bytes], moment: Moment) -> Kill:
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


def wait_until(proc: subprocess.Popen[bytes], condition: Callable[[int], bool], timeout: float) -> bool:
    """Poll every millisecond until `condition(pid)` holds; False if the process ended or time ran out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if condition(proc.pid):
            return True
        time.sleep(0.001)
    return False


def load_json(path: Path) -> dict:  # type: ignore[type-arg]
    """A store file as followtui writes it: one whole JSON object (anything else fails the test)."""
    data = orjson.loads(path.read_bytes())
    assert isinstance(data, dict), path
    return data
