"""The followtui terminal app: themes, keymap, screens, syncing, and noticing changes made by other processes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from rich.text import Text
from textual.app import App
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.scrollbar import ScrollBar, ScrollBarRender

from followtui.core.config import Settings, exports_dir_for, load_ui_state, save_ui_state
from followtui.core.errors import StoreError
from followtui.core.policy import load_policy
from followtui.core.store import Store, WatchState
from followtui.core.sync import SyncOptions, SyncProgress
from followtui.sanitize import clean_text
from followtui.tui.commands import FollowCommands
from followtui.tui.screens.first_run import FirstRunScreen
from followtui.tui.screens.help import HelpScreen
from followtui.tui.screens.main import MainScreen
from followtui.tui.screens.messages import MAX_MESSAGES, LoggedMessage, MessagesScreen
from followtui.tui.themes import initial_theme, load_themes
from followtui.tui.widgets.status import StatusLine

#: Called (in a thread) before each refresh (the demo lets a simulated day pass there).
BeforeSync = Callable[[], None]
#: How often the UI asks whether another process (a cron sync, `followtui watch`, a tag from the CLI) committed
#: something: a live event is on screen within a second. A look is two small SQLite reads, in a thread.
FILE_POLL_S = 0.5


class CellScrollBarRender(ScrollBarRender):
    """Scrollbar thumbs in whole cells: Textual's eighth-block ends (▆ ▃) show as stray glyphs where the theme's
    colours are close or absent (followtui-mono, NO_COLOR), and a blank thumb in reverse video reads in every theme."""

    VERTICAL_BARS = [" "] * 8
    HORIZONTAL_BARS = [" "] * 8


ScrollBar.renderer = CellScrollBarRender  # Textual's documented hook; the same class every time it runs


class FollowApp(App[str | None]):
    TITLE = "followtui"
    COMMANDS = App.COMMANDS | {FollowCommands}
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("m", "messages", "Messages", id="app.messages"),
    ]

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        theme: str | None = None,
        before_sync: BeforeSync | None = None,
        title: str = "",
    ) -> None:
        super().__init__()
        self.store = store
        self.settings = settings
        self.before_sync = before_sync
        self.problems: list[str] = list(settings.problems)
        self.policy = load_policy(settings.config_dir)
        self.problems += self.policy.problems
        if title:
            self.sub_title = title
        themes, theme_problems = load_themes(settings.themes_dir)
        self.problems += theme_problems
        for item in themes:
            self.register_theme(item)
        ui_problems: list[str] = []
        ui_state = load_ui_state(store.data_dir, ui_problems)
        chosen, choice_problems = initial_theme(
            theme, settings, ui_state, os.environ, available=set(self.available_themes)
        )
        self.problems += ui_problems + choice_problems
        self.theme = chosen
        self._file_times: tuple[object, int] | None = None
        #: Why the app ended on an error (the data folder went away); run_tui raises it.
        self.failure = ""
        self.messages: deque[LoggedMessage] = deque(maxlen=MAX_MESSAGES)

    def on_mount(self) -> None:
        if self.settings.keymap:
            unknown = sorted(set(self.settings.keymap) - binding_ids())
            if unknown:
                self.problems.append(
                    f"{self.settings.config_file}: [keys] names no binding {', '.join(unknown)}; "
                    "press ? to see every binding id"
                )
            self.set_keymap(self.settings.keymap)
        for problem in self.problems:
            self.notify(problem, severity="warning", markup=False, timeout=8)
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self._exit_on_hangup()
        if self.store.accounts():
            self.push_screen(MainScreen())
        else:
            self.push_screen(FirstRunScreen())
        self.set_interval(FILE_POLL_S, self.check_files)

    @property
    def exports_dir(self) -> Path:
        """Where `e` writes: [exports] dir from config.toml, else the data dir's exports folder."""
        return exports_dir_for(self.settings, self.store.data_dir)

    def _exit_on_hangup(self) -> None:
        """When the terminal goes away (an SSH connection drops, a tmux session is killed: SIGHUP) or the app is
        told to end (SIGTERM), quit, and end the process even if a worker is stuck (see followtui.lifetime)."""
        # Not possible off the main thread (tests) or without SIGHUP (Windows); then the driver's EOF handling is all.
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGHUP, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError, AttributeError):
                loop.add_signal_handler(sig, self._signalled, sig)

    def _signalled(self, sig: int) -> None:
        """An orderly exit first; the watchdog ends the process if something blocks it."""
        from followtui.lifetime import GRACE_S, hard_exit_after

        hard_exit_after(GRACE_S, 128 + sig)
        self.exit(return_code=128 + sig)

    def data_dir_gone(self) -> bool:
        """A data folder removed under the running app is an error that ends it, not something to wait for."""
        if self.store.data_dir.is_dir():
            return False
        from followtui.lifetime import GRACE_S, hard_exit_after

        self.failure = f"the data folder {self.store.data_dir} is gone; nothing more can be read or saved"
        hard_exit_after(GRACE_S * 2, 1)
        self.exit(return_code=1)
        return True

    def _theme_changed(self, theme: object) -> None:
        problem = save_ui_state(self.store.data_dir, theme=self.theme)
        if problem:
            self.notify(problem, severity="warning", markup=False)

    def open_main(self, message: str = "") -> None:
        self.switch_screen(MainScreen())
        if message:
            self.notify(message, markup=False)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification also goes to the messages log (`m`), where it is read in full after its toast."""
        plain = message
        if markup:
            with contextlib.suppress(Exception):
                plain = Text.from_markup(message).plain
        self.remember(f"{title}: {plain}" if title else plain, severity)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def remember(self, text: str, severity: str = "information") -> None:
        """Log a message for the messages screen; the same message twice in a row is kept once."""
        if not self.messages or self.messages[-1].text != text:
            self.messages.append(LoggedMessage(datetime.now(), severity, text))

    def on_status_line_said(self, message: StatusLine.Said) -> None:
        self.remember(message.text, message.severity)

    def action_messages(self) -> None:
        """The session's messages in full, newest first: the status line and toasts cut long ones."""
        if not isinstance(self.screen, MessagesScreen):
            self.push_screen(MessagesScreen(list(self.messages)))

    def action_help(self) -> None:
        keys: list[tuple[str, str, str]] = []
        seen: set[str] = set()
        for key, active in self.active_bindings.items():
            binding = active.binding
            if binding.description and (binding.id or key) not in seen:
                seen.add(binding.id or key)
                keys.append((self.get_key_display(binding), binding.description, binding.id or ""))
        presets = ", ".join(f"{i} {t}" for i, t in enumerate(self.settings.preset_tags, start=1))
        if presets:
            keys.append(("1–9", f"toggle preset tags ({presets})", "main.preset_N"))
        self.push_screen(HelpScreen(keys))

    # syncing (runs in an async worker) ------------------------------------------------------------

    async def sync_all(self, progress: SyncProgress) -> list[str]:
        """Sync every tracked account but the import-only ones; returns one clear message per failure."""
        from followtui.core.usecases import sync_accounts

        if self.before_sync is not None:
            await asyncio.to_thread(self.before_sync)  # the demo's day passing is a blocking request
        options = SyncOptions(hydrate_budget=self.settings.hydrate_budget)
        run = await sync_accounts(
            self.store, options=options, progress=lambda _account, phase, done, total: progress(phase, done, total)
        )
        if run.skipped_notice:
            self.notify(run.skipped_notice, markup=False, timeout=6)
        return [f"{one.account.label}: {clean_text(str(one.error), 500)}" for one in run.failures]

    # other processes ------------------------------------------------------------------------------

    def remember_file_times(self, account_key: str | None = None) -> None:
        """What the screen shows was read at this version (of `account_key`, the account on screen)."""
        self._file_times = (self.store.history_version(account_key), self.store.annotation_file.mtime_ns())

    def wrote_annotations(self, before_ns: int) -> None:
        """Our own tag write needs no reload; a sync or a tag another process committed since the last look
        still does, so only the annotation file's time moves, and only if nobody else wrote it first."""
        if self._file_times is None:
            return
        snapshots_ns, annotations_ns = self._file_times
        if before_ns == annotations_ns:
            self._file_times = (snapshots_ns, self.store.annotation_file.mtime_ns())

    async def check_files(self) -> None:
        """A `followtui sync` from cron, or a tag from the CLI, shows up here without a restart. The history is
        asked in a thread: the screen never waits for the store (a loader may be reading it)."""
        if self.data_dir_gone():
            return
        if not isinstance(self.screen, MainScreen) or self.screen.syncing:
            return
        shown = self.screen.screen_data
        try:
            version, watch = await asyncio.to_thread(self._look, shown.account.key if shown is not None else None)
        except StoreError:
            return  # damaged: the next read on screen says so, in full
        screen = self.screen
        if not isinstance(screen, MainScreen) or screen.syncing:
            return
        if shown is not None and screen.screen_data is shown:
            screen.show_live(watch is not None and watch.is_live(datetime.now(UTC)))
        now = (version, self.store.annotation_file.mtime_ns())
        if now != self._file_times and self._file_times is not None:
            self._file_times = now
            screen.reload()

    def _look(self, account_key: str | None) -> tuple[tuple[int, ...], WatchState | None]:
        """The history's version, and what `followtui watch` says of the account on screen (from a thread)."""
        return self.store.history_version(account_key), self.store.watch_state(account_key) if account_key else None


def binding_ids() -> set[str]:
    """Every binding id a user may remap in config.toml [keys]."""
    from followtui.tui.screens.account import AccountScreen
    from followtui.tui.screens.changes import ChangesScreen
    from followtui.tui.screens.day import DayScreen
    from followtui.tui.screens.history import HistoryScreen
    from followtui.tui.screens.prompts import Confirm, Prompt
    from followtui.tui.widgets.account_table import AccountTable

    owners = (FollowApp, MainScreen, FirstRunScreen, HelpScreen, MessagesScreen, HistoryScreen, DayScreen,
              ChangesScreen, Prompt, Confirm, AccountTable, AccountScreen)  # fmt: skip
    ids = set()
    for owner in owners:
        ids |= {b.id for b in owner.BINDINGS if isinstance(b, Binding) and b.id}
    return ids


def run_tui(store: Store, settings: Settings, *, theme: str | None = None, before_sync: BeforeSync | None = None,
            title: str = "") -> str | None:  # fmt: skip
    app = FollowApp(store, settings, theme=theme, before_sync=before_sync, title=title)
    result = app.run()
    if app.failure:
        raise StoreError(app.failure)
    if app.return_code and app.return_code > 128:  # ended by a signal: no demo or follow-up after it
        raise SystemExit(app.return_code)
    return result
