"""A full disk and a read-only data dir: one clear error line, the documented exit code, nothing corrupted
(the history's file byte for byte, no commit left in its WAL, SQLite's integrity check passes), and reading
still works; and the temp files a killed writer of a JSON file (annotations.json) leaves are cleared by the
next write."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from followtui.core.connect import add_account, sync_tracked
from followtui.core.storage import DataFile
from followtui.core.store import ANNOTATIONS, HISTORY, Store
from followtui.simulator import SimulatorServer, World

from ..integration.harness import run_cli, show
from .killing import Wal, check_history, load_json, stray_files

pytestmark = pytest.mark.slow
OWNER = "octocat"
ERROR = 1  # README "Exit codes": 1 is "other error"; a refused write is one


@contextlib.contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A small tmpfs of its own (root only): a disk that can really fill up, or be made read-only."""
    where.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (run the suite as root, or in a container, to test a full disk)")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)],
                             capture_output=True, text=True)  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here: {mounted.stderr.strip() or mounted.returncode}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def one_error_line(result: subprocess.CompletedProcess[str], code: int, *words: str) -> str:
    assert result.returncode == code, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr and len(lines) == 1, lines
    assert result.stdout == ""
    assert any(w in lines[0] for w in words), lines[0]
    return lines[0]


def populated(data_dir: Path, world: World, sim: SimulatorServer) -> dict[str, bytes]:
    """An account synced twice and a tag (in this process: the same code, without the start-ups): the files as
    they were before the disk turned against us."""
    store = Store(data_dir)

    async def go() -> None:
        account = await add_account(store, "github", OWNER, server=sim.url)
        await sync_tracked(store, account)
        world.advance_days(1)
        await sync_tracked(store, account)

    asyncio.run(go())
    store.annotate(f"github:{sorted(world.truth(OWNER)['followers'], key=str)[0]['id']}",
                   lambda a: replace(a, tags=("before",)))  # fmt: skip
    return {p.name: p.read_bytes() for p in data_dir.iterdir() if p.is_file()}


def some_handle(data_dir: Path) -> str:
    return sorted(p.handle for p in Store(data_dir).profiles("github").values() if p.handle != OWNER)[1]


def unchanged(data_dir: Path, before: dict[str, bytes]) -> None:
    for name in (HISTORY, ANNOTATIONS, f"{HISTORY}.bak"):
        assert (data_dir / name).read_bytes() == before[name], name
    wal = Wal.read(data_dir / f"{HISTORY}-wal")
    assert wal is None or not wal.committed, "no commit waits in the WAL: the file is the whole history"
    check_history(data_dir / HISTORY)
    check_history(data_dir / f"{HISTORY}.bak")
    load_json(data_dir / ANNOTATIONS)
    assert not stray_files(data_dir)
    assert any("before" in row["tags"] for row in show(data_dir, "followers")["rows"])  # the store still loads


def fill(disk: Path) -> None:
    """Write until the disk says no, in ever smaller pieces, so not one byte is left."""
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 16, 1 << 12, 1):
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * size)
    finally:
        os.close(fd)


def test_a_full_disk_is_one_clear_error_and_corrupts_nothing(tmp_path):
    world = World.generate(seed=41, owner=OWNER, followers=300, following=120)
    with tmpfs(tmp_path / "disk", "6m") as disk, SimulatorServer(world) as sim:
        data_dir = disk / "data"
        before = populated(data_dir, world, sim)
        handle = some_handle(data_dir)
        fill(disk)
        # reading needs no room: not even for the -shm file SQLite's WAL mode wants (none is left from before)
        assert not (data_dir / f"{HISTORY}-shm").exists()
        assert show(data_dir, "fans")["count"] > 0
        world.advance_days(1)
        one_error_line(run_cli(data_dir, "sync"), ERROR, "No space left on device")
        one_error_line(run_cli(data_dir, "tag", handle, "full"), ERROR, "No space left on device")
        one_error_line(run_cli(data_dir, "note", handle, "a long note " * 50), ERROR, "No space left on device")
        unchanged(data_dir, before)
        (disk / "filler").unlink()
        assert run_cli(data_dir, "sync").returncode == 0  # room again: back to normal


def test_a_read_only_data_dir_is_one_clear_error_and_corrupts_nothing(tmp_path):
    # As root, chmod does not stop writes; a tmpfs remounted read-only does.
    world = World.generate(seed=42, owner=OWNER, followers=300, following=120)
    with tmpfs(tmp_path / "disk", "16m") as disk, SimulatorServer(world) as sim:
        data_dir = disk / "data"
        before = populated(data_dir, world, sim)
        handle = some_handle(data_dir)
        remount = subprocess.run(["mount", "-o", "remount,ro", str(disk)], capture_output=True, text=True)
        if remount.returncode != 0:
            pytest.skip(f"remounting the tmpfs read-only is not permitted here: {remount.stderr.strip()}")
        world.advance_days(1)
        one_error_line(run_cli(data_dir, "sync"), ERROR, "Read-only file system")
        one_error_line(run_cli(data_dir, "tag", handle, "ro"), ERROR, "Read-only file system")
        one_error_line(run_cli(data_dir, "account", "remove", f"github:{OWNER}"), ERROR, "Read-only file system")
        unchanged(data_dir, before)
        assert not (data_dir / f"{HISTORY}-shm").exists()
        assert show(data_dir, "fans")["count"] > 0  # reading needs no write (not even SQLite's -shm file)
        assert subprocess.run(["mount", "-o", "remount,rw", str(disk)], capture_output=True).returncode == 0
        assert run_cli(data_dir, "sync").returncode == 0


def test_the_next_write_clears_the_temp_files_a_killed_writer_left(tmp_path):
    data = DataFile(tmp_path / "data.json")
    with data.transaction() as db:
        db.table("t").insert({"v": 1})
    for stale in (".data.json.ab12cd.tmp", ".data.json.bak.tmp"):  # what a SIGKILL mid-write leaves
        (tmp_path / stale).write_bytes(b'{"half": ')
    (tmp_path / ".other.json.ef34gh.tmp").write_bytes(b"")  # another file's: not ours to remove
    with data.transaction() as db:
        db.table("t").insert({"v": 2})
    assert sorted(p.name for p in tmp_path.glob("*.tmp")) == [".other.json.ef34gh.tmp"]
    assert len(load_json(tmp_path / "data.json")["t"]) == 2


def test_a_tag_on_a_store_that_cannot_be_written_changes_nothing(tmp_path, monkeypatch):
    """The same as a full disk without a mount, at the Store API: the write fails, the old file stays."""
    store = Store(tmp_path)
    store.annotate("github:1", lambda a: replace(a, tags=("kept",)))
    before = (tmp_path / ANNOTATIONS).read_bytes()
    real_write = os.write

    def no_space(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", no_space)
    with pytest.raises(Exception, match="No space left"):
        store.annotate("github:1", lambda a: replace(a, tags=("lost",)))
    monkeypatch.setattr(os, "write", real_write)
    assert (tmp_path / ANNOTATIONS).read_bytes() == before
    assert store.annotations()["github:1"].tags == ("kept",)


def test_a_kill_between_the_backup_and_the_replace_leaves_no_link_behind(tmp_path):
    """Killed after `.bak` was linked to the current file but before the new file replaced it, `.bak` and the
    file are one inode; the next write's rename of the link onto `.bak` then does nothing (POSIX)."""
    data = DataFile(tmp_path / "data.json")
    with data.transaction() as db:
        db.table("t").insert({"v": 1})
    os.link(tmp_path / "data.json", tmp_path / "data.json.bak")  # the state such a kill leaves
    with data.transaction() as db:
        db.table("t").insert({"v": 2})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.json", "data.json.bak", "data.json.lock"]
    assert len(load_json(tmp_path / "data.json.bak")["t"]) == 1
