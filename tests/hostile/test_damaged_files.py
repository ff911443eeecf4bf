"""Store files followtui wrote and now finds emptied, cut short, blank or overwritten with junk: every command stops
with exit 7 naming the file and its backup, and changes nothing. Never a fresh start over the damage, never a damaged
`.bak`.

The data dir is a real one: `account add`, two syncs against the simulator, two follows (the journal, in the history)
and two tags through the CLI, so each store file (`history.sqlite3`, `annotations.json`) has its `.bak`. It is built
once per module; each case damages a copy of it.

"Changes nothing" is every byte of every file of the data dir, the `.bak` copies included, with one allowance for
SQLite (see `stores.files`): a command that opened the damaged history in-process may leave SQLite's `-shm` index and
an *empty* `-wal` behind while its connection is still referenced (by the error's traceback); both hold no data, and a
real process removes them when it exits. A `-wal` with anything in it would be a write, and fails the comparison.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from followtui.core import storage
from followtui.core.errors import StoreCorruptError
from followtui.core.storage import DataFile, check_whole, read_json_file, write_json_atomically
from followtui.core.store import ANNOTATIONS, HISTORY, Store
from followtui.simulator import SimulatorServer, World
from tests.integration.harness import PlatformCase, cli_in_process, show

from .checks import FORBIDDEN
from .stores import damage_page, files, page_size, root_page

STORE_EXIT = 7  # ExitCode for a store that cannot be read
CASE = PlatformCase("github")
DAY = 24 * 3600


def bytes_damage(change: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def damage(path: Path) -> None:
        path.write_bytes(change(path.read_bytes()))

    return damage


def junk_header(path: Path) -> None:
    """The 100-byte SQLite header overwritten with junk, the rest of the file intact."""
    raw = path.read_bytes()
    path.write_bytes(bytes((i * 7 + 13) % 256 for i in range(100)) + raw[100:])


def junk_accounts_page(path: Path) -> None:
    """The accounts table's page overwritten with junk: header and size intact, so only SQLite's read finds it, and
    every command reads it first (show, sync and tag to find the account, `account add` to refuse a duplicate)."""
    damage_page(path, root_page(path, "accounts"))


RAW_DAMAGES: dict[str, Callable[[bytes], bytes]] = {
    "emptied": lambda raw: b"",
    "half": lambda raw: raw[: len(raw) // 2],
    "blank": lambda raw: b" \n\t\n",
}
COMMON = {name: bytes_damage(change) for name, change in RAW_DAMAGES.items()}
DAMAGES: dict[str, dict[str, Callable[[Path], None]]] = {
    HISTORY: {**COMMON, "junk-header": junk_header, "junk-page": junk_accounts_page},
    ANNOTATIONS: COMMON,
}


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Iterator[tuple[Path, str, str]]:
    """A synced data dir with every store file and its `.bak`, and the handle of a follower to tag; the
    simulator keeps serving, so a command that went ahead anyway would really sync or add. The history's `.bak` is
    made two days old, so a sync that went ahead would also refresh it."""
    data = tmp_path_factory.mktemp("damaged") / "data"
    world = World.generate(seed=41, owner="octocat", followers=40, following=20)
    CASE.grant(world)
    with SimulatorServer(world, platform=CASE.platform) as sim, pytest.MonkeyPatch.context() as env:
        env.setenv(*next(iter(CASE.secret_env.items())))
        ok(cli_in_process(data, "account", "add", CASE.platform, "octocat", "--server", sim.url))
        for _ in range(2):
            ok(cli_in_process(data, "sync"))
        fans = [row["handle"] for row in show(data, "fans")["rows"] if not row["private"]]
        for handle in fans[:2]:
            ok(cli_in_process(data, "follow", handle))
        for tag in ("a", "b"):
            ok(cli_in_process(data, "tag", fans[0], tag))
        for name in (HISTORY, ANNOTATIONS):
            assert (data / name).is_file() and (data / f"{name}.bak").is_file(), name
        assert len(Store(data).journal()) == 2  # the follows, journaled in the history
        assert not list(data.glob(f"{HISTORY}-*"))  # every connection closed: no WAL pending, no index left
        old = time.time() - 2 * DAY
        os.utime(data / f"{HISTORY}.bak", (old, old))
        yield data, sim.url, fans[0]


def ok(result) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, result.stderr


def quick_check(path: Path) -> str:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute("PRAGMA quick_check").fetchone()[0]
    finally:
        conn.close()


COMMANDS: dict[str, Callable[[str, str], tuple[str, ...]]] = {
    "show": lambda url, handle: ("show", "followers"),
    "tag": lambda url, handle: ("tag", handle, "x"),
    "sync": lambda url, handle: ("sync",),
    "account-add": lambda url, handle: ("account", "add", CASE.platform, "octocat", "--server", url),
}
CASES = [pytest.param(name, damage, id=f"{name}-{damage}") for name, damages in DAMAGES.items() for damage in damages]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(("name", "damage"), CASES)
def test_a_damaged_store_file_stops_every_command_and_changes_nothing(
    template: tuple[Path, str, str], tmp_path: Path, name: str, damage: str, command: str
) -> None:
    source, url, handle = template
    data = tmp_path / "data"
    shutil.copytree(source, data)
    target = data / name
    DAMAGES[name][damage](target)
    before = files(data)
    result = cli_in_process(data, *COMMANDS[command](url, handle))
    assert result.exit_code == STORE_EXIT, (result.exit_code, result.stderr)
    assert str(target) in result.stderr and f"{target}.bak" in result.stderr, result.stderr
    assert "Nothing was changed" in result.stderr and not FORBIDDEN.search(result.stderr), result.stderr
    assert files(data) == before


def middle_page(path: Path, table: str) -> int:
    """The page nearest the middle of the file whose loss breaks a full read of `table` and nothing else that every
    command reads (the accounts): found by trying each one on a scratch copy."""
    size = page_size(path)
    pages = path.stat().st_size // size
    scratch = path.with_name("scratch.sqlite3")
    try:
        for page in sorted(range(2, pages + 1), key=lambda p: abs(p - pages / 2)):
            shutil.copyfile(path, scratch)
            damage_page(scratch, page)
            conn = sqlite3.connect(scratch)
            try:
                conn.execute("SELECT * FROM accounts").fetchall()
                conn.execute(f"SELECT * FROM {table}").fetchall()
            except sqlite3.DatabaseError:
                return page
            finally:
                conn.close()
    finally:
        scratch.unlink()
    raise AssertionError(f"no page of {table}")


@pytest.mark.parametrize("command", COMMANDS)
def test_junk_in_the_middle_of_the_history_is_the_clear_error_where_it_is_read(
    template: tuple[Path, str, str], tmp_path: Path, command: str
) -> None:
    """A page in the middle of the file (one of the profiles) overwritten with junk passes the cheap check at open;
    every command that reads it stops with the clear error and changes nothing, `.bak` included. `account add` reads
    only the accounts table: it refuses the duplicate, changes nothing, and the next command that reads the page
    says the file is damaged."""
    source, url, handle = template
    data = tmp_path / "data"
    shutil.copytree(source, data)
    target = data / HISTORY
    page = middle_page(target, "profiles")
    assert 3 < page < target.stat().st_size // page_size(target) - 2, page  # really inside the file
    damage_page(target, page)
    before = files(data)
    result = cli_in_process(data, *COMMANDS[command](url, handle))
    if command == "account-add":
        assert result.exit_code not in (0, STORE_EXIT) and "already tracked" in result.stderr, result.stderr
        result = cli_in_process(data, "show", "followers")
    assert result.exit_code == STORE_EXIT, (result.exit_code, result.stderr)
    assert str(target) in result.stderr and f"{target}.bak" in result.stderr, result.stderr
    assert "malformed" in result.stderr and "Nothing was changed" in result.stderr, result.stderr
    assert files(data) == before


# -- the backups themselves -----------------------------------------------------------------------------------------


def dump(path: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


@pytest.mark.parametrize("damaged", [False, True], ids=["whole", "junk-page"])
def test_a_sync_refreshes_the_day_old_backup_only_from_a_whole_history(
    template: tuple[Path, str, str], tmp_path: Path, damaged: bool
) -> None:
    """The template's `history.sqlite3.bak` is two days old, so a sync that commits refreshes it: from a whole file
    it becomes a checked copy of what was committed; with junk in a page the sync never reads (the journal's), the
    sync commits, but the copy fails SQLite's check and the old backup stays byte for byte. The damage is then the
    clear error of the first command that reads it."""
    source, _, _ = template
    data = tmp_path / "data"
    shutil.copytree(source, data)
    history, backup = data / HISTORY, data / f"{HISTORY}.bak"
    if damaged:
        damage_page(history, root_page(history, "journal"))
    old_backup = backup.read_bytes()
    ok(cli_in_process(data, "sync"))
    assert quick_check(backup) == "ok"
    if not damaged:
        assert backup.read_bytes() != old_backup and dump(backup) == dump(history)
        return
    assert backup.read_bytes() == old_backup
    assert not list(data.glob(f".{HISTORY}.bak.*"))  # the rejected copy is not left behind either
    result = cli_in_process(data, "changes")  # reads the journal
    assert result.exit_code == STORE_EXIT, (result.exit_code, result.stderr)
    assert str(history) in result.stderr and str(backup) in result.stderr, result.stderr


def test_a_backup_is_never_made_from_a_damaged_history(template: tuple[Path, str, str], tmp_path: Path) -> None:
    """`Store.backup_to` over a good copy, from a history with a junk page: the clear error, the good copy untouched,
    no temp file left."""
    source, _, _ = template
    data = tmp_path / "data"
    shutil.copytree(source, data)
    history = data / HISTORY
    damage_page(history, middle_page(history, "profiles"))
    target = tmp_path / "copy.sqlite3"
    shutil.copyfile(data / f"{HISTORY}.bak", target)
    good = target.read_bytes()
    with pytest.raises(StoreCorruptError, match=r"history\.sqlite3"):
        Store(data).backup_to(target)
    assert target.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.sqlite3", "data"]


# annotations.json is a DataFile: the same promises for its `.bak`


def test_a_write_over_a_damaged_file_keeps_the_good_backup(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    write_json_atomically(path, {"v": 1})
    write_json_atomically(path, {"v": 2})
    path.write_bytes(b"")  # emptied behind followtui's back
    write_json_atomically(path, {"v": 3})
    assert read_json_file(path) == {"v": 3}
    assert read_json_file(tmp_path / "data.json.bak") == {"v": 1}


def test_a_file_cut_short_during_a_transaction_never_becomes_the_backup(tmp_path: Path) -> None:
    """Loaded whole under the lock, then cut by a writer that ignores the lock: the write goes ahead from the whole
    version, and the backup stays the last good one rather than the cut copy."""
    file = DataFile(tmp_path / "data.json")
    for v in (1, 2):
        with file.transaction() as db:
            db.table("t").insert({"v": v})
    good_backup = (tmp_path / "data.json.bak").read_bytes()
    with file.transaction() as db:
        raw = file.path.read_bytes()
        file.path.write_bytes(raw[: len(raw) // 2])
        db.table("t").insert({"v": 3})
    assert [doc["v"] for doc in read_json_file(file.path)["t"].values()] == [1, 2, 3]
    assert (tmp_path / "data.json.bak").read_bytes() == good_backup


@pytest.mark.parametrize("content", [b"", b"  \n", b'{"t": {"1": {"v": 1}'], ids=["empty", "blank", "half"])
def test_a_damaged_file_is_the_clear_error_for_reads_and_transactions(tmp_path: Path, content: bytes) -> None:
    file = DataFile(tmp_path / "data.json")
    file.path.write_bytes(content)
    for attempt in (file.load, lambda: check_whole(file.path), file.transaction().__enter__):
        with pytest.raises(StoreCorruptError, match=r"data\.json"):
            attempt()
    assert file.path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.json", "data.json.lock"]


LARGE_DAMAGES = {**RAW_DAMAGES, "zero-filled": lambda raw: raw[: len(raw) // 2] + bytes(len(raw) - len(raw) // 2)}


@pytest.mark.parametrize("damage", LARGE_DAMAGES)
def test_a_large_file_is_checked_by_its_ends(tmp_path: Path, monkeypatch, damage: str) -> None:
    """Above FULL_CHECK_BYTES only the ends are read; an emptied, cut or zero-filled file still fails the check."""
    monkeypatch.setattr(storage, "FULL_CHECK_BYTES", 10)
    file = DataFile(tmp_path / "data.json")
    write_json_atomically(file.path, {"t": {str(i): {"v": "x" * 40} for i in range(50)}})
    check_whole(file.path)  # whole
    file.path.write_bytes(LARGE_DAMAGES[damage](file.path.read_bytes()))
    with pytest.raises(StoreCorruptError, match=r"data\.json"):
        check_whole(file.path)
