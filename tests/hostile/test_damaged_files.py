"""Store files followtui wrote and now finds emptied, cut short or blank: every command stops with exit 7 naming
the file and its backup, and changes nothing. Never a fresh start over the damage, never a damaged `.bak`.

The data dir is a real one: `account add`, two syncs against the simulator, two follows and two tags through the
CLI, so each store file has its `.bak`. It is built once per module; each case damages a copy of it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from followtui.core import storage
from followtui.core.errors import StoreCorruptError
from followtui.core.storage import DataFile, check_whole, read_json_file, write_json_atomically
from followtui.core.store import ANNOTATIONS, JOURNAL, SNAPSHOTS
from followtui.simulator import SimulatorServer, World
from tests.integration.harness import PlatformCase, cli_in_process, show

STORE_EXIT = 7  # ExitCode for a store that cannot be read
CASE = PlatformCase("github")

DAMAGES: dict[str, Callable[[bytes], bytes]] = {
    "emptied": lambda raw: b"",
    "half": lambda raw: raw[: len(raw) // 2],
    "blank": lambda raw: b" \n\t\n",
}


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Iterator[tuple[Path, str, str]]:
    """A synced data dir with every store file and its `.bak`, and the handle of a follower to tag; the
    simulator keeps serving, so a command that went ahead anyway would really sync or add."""
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
        for name in (SNAPSHOTS, ANNOTATIONS, JOURNAL):
            assert (data / name).is_file() and (data / f"{name}.bak").is_file(), name
        yield data, sim.url, fans[0]


def ok(result) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, result.stderr


def files(data: Path) -> dict[str, bytes]:
    return {str(p.relative_to(data)): p.read_bytes() for p in sorted(data.rglob("*")) if p.is_file()}


COMMANDS: dict[str, Callable[[str, str], tuple[str, ...]]] = {
    "show": lambda url, handle: ("show", "followers"),
    "tag": lambda url, handle: ("tag", handle, "x"),
    "sync": lambda url, handle: ("sync",),
    "account-add": lambda url, handle: ("account", "add", CASE.platform, "octocat", "--server", url),
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("damage", DAMAGES)
@pytest.mark.parametrize("name", [SNAPSHOTS, ANNOTATIONS, JOURNAL])
def test_a_damaged_store_file_stops_every_command_and_changes_nothing(
    template: tuple[Path, str, str], tmp_path: Path, name: str, damage: str, command: str
) -> None:
    source, url, handle = template
    data = tmp_path / "data"
    shutil.copytree(source, data)
    target = data / name
    target.write_bytes(DAMAGES[damage](target.read_bytes()))
    before = files(data)
    result = cli_in_process(data, *COMMANDS[command](url, handle))
    assert result.exit_code == STORE_EXIT, (result.exit_code, result.stderr)
    assert str(target) in result.stderr and f"{target}.bak" in result.stderr, result.stderr
    assert files(data) == before


# -- the backup itself ----------------------------------------------------------------------------------------------


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


LARGE_DAMAGES = {**DAMAGES, "zero-filled": lambda raw: raw[: len(raw) // 2] + bytes(len(raw) - len(raw) // 2)}


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
