"""Tags, notes and keep through the real CLI: by handle, by id, ambiguous refs, and alongside syncs."""

from __future__ import annotations

import threading

import pytest

from followtui.simulator import SimulatorServer, World

from .harness import run_cli, show

pytestmark = pytest.mark.slow


def test_tag_note_keep_roundtrip_and_survive_syncs(tmp_path):
    world = World.generate(seed=21, owner="octocat", followers=40, following=30)
    with SimulatorServer(world) as sim:
        assert run_cli(tmp_path, "account", "add", "github", "octocat", "--server", sim.url).returncode == 0
        assert run_cli(tmp_path, "sync").returncode == 0
        first, second = show(tmp_path, "followers")["rows"][:2]
        assert run_cli(tmp_path, "tag", first["handle"], "friend", "=cmd").returncode == 0
        assert run_cli(tmp_path, "tag", f"github:{second['id']}", "work").returncode == 0
        assert run_cli(tmp_path, "note", first["handle"], "met at a conference\x1b]52;c;aGk=\x07").returncode == 0
        assert run_cli(tmp_path, "keep", first["handle"]).returncode == 0
        assert run_cli(tmp_path, "untag", first["handle"], "=cmd").returncode == 0
        unknown = run_cli(tmp_path, "tag", "no-such-user", "x")
        assert unknown.returncode == 2 and "no known account" in unknown.stderr

        world.advance_days(1)
        assert run_cli(tmp_path, "sync").returncode == 0
        rows = {r["id"]: r for r in show(tmp_path, "following")["rows"] + show(tmp_path, "followers")["rows"]}
        assert rows[first["id"]]["tags"] == ["friend"]
        assert rows[first["id"]]["note"] == "met at a conference"  # the escape sequence is gone
        assert rows[first["id"]]["keep"] is True
        assert rows[second["id"]]["tags"] == ["work"]
        assert run_cli(tmp_path, "keep", first["handle"], "--off").returncode == 0
        assert {r["id"]: r for r in show(tmp_path, "followers")["rows"]}[first["id"]]["keep"] is False


def test_tags_written_during_syncs_in_another_process_are_never_lost(tmp_path):
    world = World.generate(seed=22, owner="octocat", followers=120, following=60)
    with SimulatorServer(world, latency_ms=5) as sim:
        assert run_cli(tmp_path, "account", "add", "github", "octocat", "--server", sim.url).returncode == 0
        assert run_cli(tmp_path, "sync").returncode == 0
        handles = [r["handle"] for r in show(tmp_path, "followers")["rows"][:6]]
        stop = threading.Event()

        def keep_syncing():
            while not stop.is_set():
                world.advance_days(1)
                run_cli(tmp_path, "sync", "--accept-drop")

        syncer = threading.Thread(target=keep_syncing)
        syncer.start()
        try:
            for i, handle in enumerate(handles):
                result = run_cli(tmp_path, "tag", f"github:{handle}", f"t{i}")
                assert result.returncode == 0, result.stderr
        finally:
            stop.set()
            syncer.join()
        from followtui.core.store import Store

        tags = {a.key: a.tags for a in Store(tmp_path).annotations().values()}
        assert sorted(t for ts in tags.values() for t in ts) == [f"t{i}" for i in range(len(handles))]
