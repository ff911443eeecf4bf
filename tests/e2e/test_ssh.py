"""The app over a real SSH connection: a loopback sshd started by the test, an `ssh -tt` client in tmux.

The server side runs the same venv's followtui; what the client's terminal shows is read from tmux, what the
store keeps from a local `followtui show … --format json` afterwards.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from .sshd import LoopbackSshd, app_processes, remote_demo
from .terminal import (
    Tmux,
    add_tag,
    cmdline,
    descendants,
    describe_usage,
    detail_handle,
    identity,
    is_plain_list,
    is_tricksters,
    kill_all,
    press_tab,
    quit_app,
    tab_counts,
    tagged,
    wait_gone,
    wait_main_screen,
)

pytestmark = pytest.mark.slow

XTERM = {"TERM": "xterm-256color"}


@pytest.fixture(scope="module")
def sshd(tmp_path_factory) -> Iterator[LoopbackSshd]:
    server = LoopbackSshd(tmp_path_factory.mktemp("sshd"))
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
def server_side() -> Iterator[list[tuple[int, str] | None]]:
    """Processes the test started on the server side; whatever still runs at the end is killed (by id)."""
    started: list[tuple[int, str] | None] = []
    yield started
    left = set(wait_gone([p[0] for p in started if p], timeout=3))
    kill_all(p for p in started if p and p[0] in left)


def the_app(data_dir: Path, server_side: list, client_pid: int) -> int:
    """The one followtui process of this test on the server side (remembered for cleanup)."""
    pids = app_processes(data_dir)
    assert len(pids) == 1, f"expected one followtui on {data_dir}, found {pids}"
    pid = pids[0]
    server_side.extend(identity(p) for p in (pid, *descendants(pid)))
    assert pid not in descendants(client_pid), "the app should run under sshd, not under the ssh client"
    return pid


def test_over_ssh_panes_navigate_and_a_tag_persists(sshd, server_side, tmp_path):
    data_dir = tmp_path / "data"
    tag = "over-ssh"
    with Tmux(tmp_path, 120, 40) as term:
        client = term.start(sshd.ssh_argv(remote_demo(data_dir, 120, 3)), XTERM)
        screen = wait_main_screen(term)
        the_app(data_dir, server_side, client)
        counts = tab_counts(screen)

        for key, pane in [("Tab", "Following"), ("Tab", "Mutuals"), ("BTab", "Following"), ("BTab", "Followers")]:
            screen = press_tab(term, key, pane)
            assert is_plain_list(screen), screen
            assert tab_counts(screen) == counts, f"the counts changed while switching panes:\n{screen}"
        screen = press_tab(term, "BTab", "Tricksters")
        assert is_tricksters(screen), screen
        screen = press_tab(term, "Tab", "Followers")
        first = detail_handle(term.wait_for(detail_handle, "the detail panel"))

        term.send("j")
        term.wait_for(lambda s: detail_handle(s) not in (None, first), "the cursor to move down")
        highlighted = detail_handle(term.wait_stable(0.2))
        add_tag(term, tag)
        quit_app(term)

    assert tagged(data_dir, "followers", tag) == [highlighted]


def test_dropping_the_connection_ends_the_app(sshd, server_side, tmp_path):
    data_dir = tmp_path / "data"
    tag = "before-the-drop"
    with Tmux(tmp_path, 100, 30) as term:
        client = term.start(sshd.ssh_argv(remote_demo(data_dir, 120, 3)), XTERM)
        assert Path(cmdline(client)[0]).name == "ssh", cmdline(client)
        wait_main_screen(term)
        app = the_app(data_dir, server_side, client)
        highlighted = detail_handle(term.wait_for(detail_handle, "the detail panel"))
        add_tag(term, tag)
        term.wait_stable(0.3)  # idle, as in test_tmux.test_closing_the_terminal_ends_the_app

        os.kill(client, signal.SIGKILL)  # the client vanishes: sshd sees the connection close and hangs up the pty
        if wait_gone([app], timeout=5):
            pytest.fail(f"followtui still runs 5s after its SSH connection dropped ({describe_usage(app)})")

    assert tagged(data_dir, "followers", tag) == [highlighted]
