"""A change-maker on a background thread: the noise and the live activity share how they start and stop."""

from __future__ import annotations

import threading
from typing import Self


class Background:
    """Runs `_run` on a daemon thread once started; `stop` sets `_stop` (which `_run` waits on) and joins."""

    thread_name = "simulator-background"

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        self._started()
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def _started(self) -> None:
        """Called just before the thread starts."""

    def _run(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()
