"""Ending promptly: a lost terminal, SIGHUP or SIGTERM ends the process within a few seconds, whatever is in flight.

Textual's thread workers (a sync, an action batch) are not daemon threads, and a thread blocked in a request or
a lock keeps the interpreter waiting for it at exit, for good. Whoever decides the process should end arms a
watchdog here: a daemon thread that waits a short grace (for the orderly exit: the terminal restored, the
journal flushed) and then ends the process with `os._exit`. Nothing here imports Textual.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time

#: Seconds an orderly exit may take before the process is ended regardless.
GRACE_S = 3.0

_armed = threading.Lock()


def hard_exit_after(seconds: float = GRACE_S, code: int = 0) -> None:
    """End the process `seconds` from now unless it has ended by itself; the first call wins."""
    if not _armed.acquire(blocking=False):
        return

    def watchdog() -> None:
        time.sleep(seconds)
        for stream in (sys.stderr, sys.stdout):
            with contextlib.suppress(Exception):  # a closed or broken stream cannot stop the exit
                stream.flush()
        os._exit(code)

    threading.Thread(target=watchdog, name="followtui-exit-watchdog", daemon=True).start()


def blocking_threads() -> list[threading.Thread]:
    """Threads the interpreter would wait for at exit (non-daemon ones still running), besides this one."""
    current = threading.current_thread()
    return [t for t in threading.enumerate() if t is not current and not t.daemon and t.is_alive()]


def exit_without_waiting_for_stuck_threads(code: int) -> None:
    """At the end of a command: if threads are still running (a worker stuck in a request), give them the
    grace, then end. Commands that left no thread behind end as usual, without a watchdog."""
    if blocking_threads():
        hard_exit_after(GRACE_S, code)
