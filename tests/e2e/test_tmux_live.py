"""The demo's live part in a real terminal: with a Bluesky account, `followtui demo` runs `followtui watch` on the
simulated Jetstream while things happen around the account; the status line says live, the changes come in
with source "watch" (a trick among them), and quitting ends the watch process too."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from .terminal import FOLLOWTUI, Tmux, cmdline, descendants, require_followtui, wait_gone, wait_main_screen

pytestmark = pytest.mark.slow

LIVE = "● live"


def watch_changes(data_dir) -> list[dict]:
    out = subprocess.run([str(FOLLOWTUI), "--data-dir", str(data_dir), "changes", "--format", "json"],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    doc = json.loads(out)
    rows = doc["rows"] if isinstance(doc, dict) else doc
    return [row for row in rows if row.get("source") == "watch"]


def test_the_demo_shows_live_events_from_a_watch(tmp_path):
    require_followtui()
    data_dir = tmp_path / "data"
    argv = [str(FOLLOWTUI), "--data-dir", str(data_dir), "demo", "--platform", "bluesky", "--followers", "60",
            "--days", "2"]  # fmt: skip
    with Tmux(tmp_path, 120, 30) as term:
        term.start(argv, {"TERM": "xterm-256color"})
        wait_main_screen(term)
        term.wait_text(LIVE, timeout=60)
        watchers = [pid for pid in descendants(term.pid) if "watch" in cmdline(pid)]
        assert len(watchers) == 1
        deadline = time.monotonic() + 90
        while len(kinds := {row["kind"] for row in watch_changes(data_dir)}) < 3:
            assert time.monotonic() < deadline, f"live changes recorded so far: {kinds}"
            time.sleep(1)
        assert "followed_you" in kinds
        term.send("q")
        assert term.wait_exit() == 0
        assert wait_gone(watchers, 15) == []
