"""The app always ends when its terminal goes away or it is told to (SIGHUP, SIGTERM), whatever is in flight, and a
data folder removed under it is an error, not a wait. Real processes: tmux for the terminal, /proc for liveness."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap

import pytest

from .terminal import Tmux, demo_argv, descendants, wait_gone, wait_main_screen

pytestmark = pytest.mark.slow

XTERM = {"TERM": "xterm-256color"}
#: The promise: gone within a few seconds.
LIMIT_S = 5.0


def started_demo(term: Tmux, tmp_path) -> tuple[int, list[int]]:
    """The demo on its main screen; its pid and its simulators' pids."""
    pid = term.start(demo_argv(tmp_path / "data", 60, 1), XTERM)
    wait_main_screen(term)
    return pid, descendants(pid)


@pytest.mark.parametrize("how", ["kill-session", "SIGHUP", "SIGTERM"])
def test_lost_terminal_or_signal_during_a_sync_ends_everything(tmp_path, how):
    with Tmux(tmp_path, 100, 30) as term:
        pid, simulators = started_demo(term, tmp_path)
        assert simulators, "the demo runs its simulated platforms as child processes"
        term.send("r")  # a sync in flight: a worker thread, the simulated day passing
        if how == "kill-session":
            term.run("kill-session", "-t", term.target)
        else:
            os.kill(pid, getattr(signal, how))
        left = wait_gone([pid, *simulators], LIMIT_S)
        assert not left, f"still running {LIMIT_S}s after {how}: {left}"


def test_right_after_q_a_killed_session_leaves_nothing(tmp_path):
    with Tmux(tmp_path, 100, 30) as term:
        pid, simulators = started_demo(term, tmp_path)
        term.send("r")
        term.send("q")
        term.run("kill-session", "-t", term.target)
        assert not wait_gone([pid, *simulators], LIMIT_S)


def test_a_removed_data_folder_is_an_error_not_a_wait(tmp_path):
    data_dir = tmp_path / "data"
    with Tmux(tmp_path, 100, 30) as term:
        pid, simulators = started_demo(term, tmp_path)
        shutil.rmtree(data_dir)
        status = term.wait_exit(timeout=LIMIT_S + 3)  # noticed at the next poll (every 2 s)
        assert status != 0
        assert "data folder" in term.last_screen and "is gone" in term.last_screen, term.last_screen
        assert not wait_gone([pid, *simulators], LIMIT_S)


def test_a_thread_stuck_forever_does_not_keep_the_process_alive():
    """What the TUI's workers can do (block in a request or a lock): the end of the command still ends it."""
    script = textwrap.dedent("""
        import threading
        from followtui.lifetime import exit_without_waiting_for_stuck_threads
        threading.Thread(target=threading.Event().wait).start()  # non-daemon, never ends
        exit_without_waiting_for_stuck_threads(0)
    """)
    result = subprocess.run([sys.executable, "-c", script], timeout=LIMIT_S + 5, capture_output=True)
    assert result.returncode == 0, result.stderr
