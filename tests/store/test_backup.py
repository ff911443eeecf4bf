"""`followtui backup PATH`: a copy that opens as a data dir of its own and answers as the original, taken also
while a sync commits in another process; never into a folder that holds files; never with secrets."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from followtui.core.store import ANNOTATIONS, HISTORY, Store
from followtui.simulator import SimulatorServer, World
from tests.integration.harness import PlatformCase, cli_in_process, show

CASE = PlatformCase("github")


def ok(result) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, result.stderr


@pytest.fixture
def synced(tmp_path: Path, monkeypatch):  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    world = World.generate(seed=5, owner="octocat", followers=300, following=200)
    CASE.grant(world)
    with SimulatorServer(world, platform=CASE.platform, latency_ms=2) as sim:
        monkeypatch.setenv(*next(iter(CASE.secret_env.items())))
        ok(cli_in_process(data, "account", "add", CASE.platform, "octocat", "--server", sim.url))
        ok(cli_in_process(data, "sync"))
        ok(cli_in_process(data, "tag", show(data, "fans")["rows"][0]["handle"], "friend"))
        yield data, sim, world


def test_the_copy_answers_as_the_original(synced, tmp_path: Path) -> None:
    data, _, _ = synced
    copy = tmp_path / "copy"
    result = cli_in_process(data, "backup", str(copy), "--json")
    ok(result)
    assert json.loads(result.stdout)["files"] == [HISTORY, ANNOTATIONS]
    assert sorted(p.name for p in copy.iterdir()) == [ANNOTATIONS, HISTORY]  # no secrets, no WAL: one file each
    for pane in ("followers", "fans", "tricksters"):
        assert show(copy, pane) == show(data, pane)
    assert (copy / HISTORY).stat().st_mode & 0o077 == 0


def test_a_folder_that_holds_files_is_refused(synced, tmp_path: Path) -> None:
    data, _, _ = synced
    target = tmp_path / "busy"
    target.mkdir()
    (target / "mine.txt").write_text("keep me")
    result = cli_in_process(data, "backup", str(target))
    assert result.exit_code != 0 and "not an empty folder" in result.stderr
    assert [p.name for p in target.iterdir()] == ["mine.txt"]


def test_backups_taken_while_a_sync_commits_are_each_one_whole_version(synced, tmp_path: Path) -> None:
    data, _sim, world = synced
    world.advance_days(1)
    sync = subprocess.Popen(
        [sys.executable, "-m", "followtui", "--data-dir", str(data), "sync", "--hydrate", "all"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**__import__("os").environ, **CASE.secret_env},
    )  # fmt: skip
    copies = []
    while sync.poll() is None or len(copies) < 2:
        target = tmp_path / f"copy{len(copies)}"
        ok(cli_in_process(data, "backup", str(target)))
        copies.append(target)
        if len(copies) > 40:
            break
    assert sync.wait(timeout=120) == 0, sync.stderr.read() if sync.stderr else ""
    counts = set()
    for copy in copies:
        conn = sqlite3.connect(copy / HISTORY)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
        store = Store(copy)
        (account,) = store.accounts()
        syncs = store.syncs(account.key)
        snapshot = store.snapshot(account.key)
        assert snapshot is not None
        # a whole version: the members match the counts its own last sync recorded
        assert (len(snapshot.followers), len(snapshot.following)) == (syncs[-1].followers, syncs[-1].following)
        counts.add(len(syncs))
    assert counts <= {1, 2}
