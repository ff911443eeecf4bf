"""The followtui terminal app: themes, keymap, screens, syncing, and noticing changes made by other processes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Callable

from textual.app import App
from textual.binding import Binding

from followtui.core.config import Settings, load_ui_state, save_ui_state
from followtui.core.policy import load_policy
from followtui.core.store import Store
from followtui.core.sync import SyncOptions, SyncProgress
from followtui.sanitize import clean_text
from followtui.tui.commands import FollowCommands
from followtui.tui.screens.first_run import FirstRunScreen
from followtui.tui.screens.help import HelpScreen
from followtui.tui.screens.main import MainScreen
from followtui.tui.themes import initial_theme, load_themes

#: Called in the sync worker before each refresh (the demo lets a simulated day pass there).
BeforeSync = Callable[[], None]
FILE_POLL_S = 2.0


class FollowApp(App[str | None]):
    TITLE = "followtui"
    COMMANDS = App.COMMANDS | {FollowCommands}
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Help", id="app.help"),
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
        self._file_times: tuple[int, int] = (0, 0)

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

    def _exit_on_hangup(self) -> None:
        """When the terminal goes away (an SSH connection drops), quit instead of spinning."""
        # Not possible off the main thread (tests) or without SIGHUP (Windows); then the driver's EOF handling is all.
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self.exit)

    def _theme_changed(self, theme: object) -> None:
        problem = save_ui_state(self.store.data_dir, theme=self.theme)
        if problem:
            self.notify(problem, severity="warning", markup=False)

    def open_main(self, message: str = "") -> None:
        self.switch_screen(MainScreen())
        if message:
            self.notify(message, markup=False)

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

    # syncing (runs in a worker thread) -------------------------------------------------------------

    def sync_all(self, progress: SyncProgress) -> list[str]:
        """Sync every tracked account but the import-only ones; returns one clear message per failure."""
        from followtui.core.connect import sync_tracked
        from followtui.core.imports import is_import_only

        if self.before_sync is not None:
            self.before_sync()
        errors = []
        options = SyncOptions(hydrate_budget=self.settings.hydrate_budget)
        accounts = self.store.accounts()
        offline = [a.label for a in accounts if is_import_only(a.platform)]
        if offline:
            notice = f"not synced: {', '.join(offline)} (import-only; update with `followtui import`)"
            self.call_from_thread(self.notify, notice, markup=False, timeout=6)
        for account in accounts:
            if is_import_only(account.platform):
                continue
            try:
                asyncio.run(sync_tracked(self.store, account, options, progress))
            except Exception as exc:
                errors.append(f"{account.label}: {clean_text(str(exc), 500)}")
        return errors

    # other processes ------------------------------------------------------------------------------

    def remember_file_times(self) -> None:
        self._file_times = (self.store.snapshots.mtime_ns(), self.store.annotation_file.mtime_ns())

    def wrote_annotations(self, before_ns: int) -> None:
        """Our own tag write needs no reload; a sync or a tag another process committed since the last look
        still does, so only the annotation file's time moves, and only if nobody else wrote it first."""
        snapshots_ns, annotations_ns = self._file_times
        if before_ns == annotations_ns:
            self._file_times = (snapshots_ns, self.store.annotation_file.mtime_ns())

    def check_files(self) -> None:
        """A `followtui sync` from cron, or a tag from the CLI, shows up here without a restart."""
        screen = self.screen
        if not isinstance(screen, MainScreen) or screen.syncing:
            return
        now = (self.store.snapshots.mtime_ns(), self.store.annotation_file.mtime_ns())
        if now != self._file_times and self._file_times != (0, 0):
            self._file_times = now
            screen.reload()


def binding_ids() -> set[str]:
    """Every binding id a user may remap in config.toml [keys]."""
    from followtui.tui.screens.changes import ChangesScreen
    from followtui.tui.screens.day import DayScreen
    from followtui.tui.screens.history import HistoryScreen
    from followtui.tui.screens.prompts import Confirm, Prompt
    from followtui.tui.widgets.account_table import AccountTable

    owners = (FollowApp, MainScreen, FirstRunScreen, HelpScreen, HistoryScreen, DayScreen, ChangesScreen, Prompt,
              Confirm, AccountTable)  # fmt: skip
    ids = set()
    for owner in owners:
        ids |= {b.id for b in owner.BINDINGS if isinstance(b, Binding) and b.id}
    return ids


def run_tui(store: Store, settings: Settings, *, theme: str | None = None, before_sync: BeforeSync | None = None,
            title: str = "") -> str | None:  # fmt: skip
    return FollowApp(store, settings, theme=theme, before_sync=before_sync, title=title).run()
