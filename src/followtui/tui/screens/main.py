"""The main screen: panes as tabs, the account list, the detail panel, the filter and the status line.

Every action here works on the marked rows when there are any, else on the highlighted row.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input, Tab, Tabs

from followtui.core.analysis import PANES
from followtui.models import Annotation, Profile
from followtui.sanitize import clean_text
from followtui.tui.data import NARROW_TAB_PADDING, TAB_PADDING, ScreenData
from followtui.tui.rows import COLUMNS, TRICKSTER_COLUMNS, AccountRow, Column
from followtui.tui.screens.account import AccountScreen
from followtui.tui.screens.changes import ChangesScreen
from followtui.tui.screens.history import HistoryScreen
from followtui.tui.screens.prompts import Confirm, Prompt
from followtui.tui.widgets.account_table import AccountTable
from followtui.tui.widgets.detail import DetailPanel
from followtui.tui.widgets.footer import KeyFooter
from followtui.tui.widgets.status import StatusLine, SyncUpdate

if TYPE_CHECKING:
    from followtui.tui.app import FollowApp

MAX_TAG, MAX_NOTE = 64, 4000
#: How long the other panes wait for the first screen of rows to be painted before they take the CPU.
PAINT_WAIT_S = 1.0


def _preset_bindings() -> list[Binding]:
    return [
        Binding(str(i), f"preset({i})", f"Toggle preset tag {i}", show=False, id=f"main.preset_{i}")
        for i in range(1, 10)
    ]


class CountedTab(Tab):
    """A pane's tab, whose label grows when its count arrives. Textual moves the underline when a label changes,
    but measures the tab before its new width is laid out when the screen is busy, leaving the bar under the old
    label; moving it again once the tab has its new size keeps the bar under the whole label."""

    def on_resize(self) -> None:
        tabs = next((node for node in self.ancestors if isinstance(node, Tabs)), None)
        if tabs is not None and self.has_class("-active"):
            tabs.call_after_refresh(tabs._highlight_active, False)


class MainScreen(Screen[None]):
    BINDINGS = [
        Binding("tab", "next_pane", "Next pane", priority=True, id="main.next_pane"),
        Binding("shift+tab", "previous_pane", "Previous pane", priority=True, show=False, id="main.previous_pane"),
        Binding("right_square_bracket", "next_account", "Next account", show=False, id="main.next_account"),
        Binding("left_square_bracket", "previous_account", "Previous account", show=False, id="main.prev_account"),
        # priority: run as the key arrives, so text typed right behind it already finds the filter box focused
        Binding("slash", "filter", "Filter", priority=True, id="main.filter"),
        Binding("s", "sort_next", "Sort", id="main.sort"),
        Binding("S", "sort_reverse", "Reverse sort", show=False, id="main.sort_reverse"),
        Binding("t", "tag", "Tag", id="main.tag"),
        Binding("T", "untag", "Untag", show=False, id="main.untag"),
        Binding("n", "note", "Note", id="main.note"),
        Binding("K", "keep", "Keep", id="main.keep"),
        Binding("c", "copy_url", "Copy URL", show=False, id="main.copy_url"),
        Binding("C", "copy_handle", "Copy handle", show=False, id="main.copy_handle"),
        Binding("r", "refresh", "Sync", id="main.refresh"),
        Binding("f", "act('follow')", "Follow", show=False, id="main.follow"),
        Binding("u", "act('unfollow')", "Unfollow", show=False, id="main.unfollow"),
        Binding("U", "undo", "Undo the last follow/unfollow batch", show=False, id="main.undo"),
        Binding("e", "export", "Export", show=False, id="main.export"),
        Binding("i", "toggle_detail", "Details", id="main.toggle_detail"),
        Binding("h", "history", "History", id="main.history"),
        Binding("l", "changes", "Changes log: who followed, unfollowed, was gone", show=False, id="main.changes"),
        *_preset_bindings(),
    ]
    DEFAULT_CSS = """
    MainScreen #accounts { display: none; }
    MainScreen #accounts.several { display: block; }
    MainScreen #body { height: 1fr; }
    MainScreen AccountTable { width: 1fr; }
    MainScreen DetailPanel { width: 42; border-left: vkey $panel; }
    MainScreen.narrow DetailPanel { display: none; }
    MainScreen.narrow #panes Tab { padding: 0 0 0 1; }
    MainScreen.narrow.show-detail DetailPanel { display: block; width: 34; }
    MainScreen.wide-hidden DetailPanel { display: none; }
    MainScreen #filter { display: none; dock: bottom; height: 3; }
    MainScreen #filter.open { display: block; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.screen_data: ScreenData | None = None
        self.pane = "followers"
        self.account_index = 0
        self.sort_column = -1
        self.syncing = False
        self.acting_row: AccountRow | None = None  # see acting_on

    @property
    def follow_app(self) -> FollowApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Tabs(id="accounts")
        yield Tabs(*[CountedTab(pane, id=pane) for pane in PANES], id="panes")
        with Horizontal(id="body"):
            yield AccountTable(COLUMNS, id="list")
            yield DetailPanel(id="detail")
        yield Input(
            placeholder="filter: handle, name, tag; is:skip, is:following, why:inactive… (enter keeps, escape clears)",
            id="filter",
        )
        yield StatusLine(id="status")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.set_class(self.size.width < 100, "narrow")
        self.query_one(AccountTable).focus()
        self.reload()

    def on_resize(self) -> None:
        self.set_class(self.size.width < 100, "narrow")
        self.label_tabs()

    def label_tabs(self) -> None:
        """Tab labels with counts, shortened until all six fit the width (else the bar scrolls them away)."""
        if self.screen_data is not None:
            padding = NARROW_TAB_PADDING if self.has_class("narrow") else TAB_PADDING
            for pane, label in self.screen_data.tab_titles(self.size.width, padding).items():
                self.query_one(f"#{pane}", Tab).label = label

    # loading -------------------------------------------------------------------------------------

    @property
    def table(self) -> AccountTable:
        return self.query_one(AccountTable)

    def reload(self) -> None:
        accounts = self.follow_app.store.accounts()
        if not accounts:
            return
        self.account_index %= len(accounts)
        if self.screen_data is None:
            self.query_one(StatusLine).set_text(f"loading {accounts[self.account_index].label}…")
        bar = self.query_one("#accounts", Tabs)
        bar.set_class(len(accounts) > 1, "several")
        if [t.id for t in bar.query(Tab)] != [f"acct-{i}" for i in range(len(accounts))]:
            bar.clear()
            for i, account in enumerate(accounts):
                bar.add_tab(Tab(Content(account.label), id=f"acct-{i}"))
        self.load_account(accounts[self.account_index])

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def load_account(self, account) -> None:  # type: ignore[no-untyped-def]
        data = ScreenData.load(self.follow_app.store, account, self.follow_app.policy, first=self.pane)
        painted = threading.Event()
        self.app.call_from_thread(self.show_data, data, painted)
        painted.wait(PAINT_WAIT_S)  # the first rows reach the terminal before the other rows take the CPU
        data.prepare()  # every pane's rows, while the first screen of one is already shown
        gc.freeze()  # their rows too are long-lived: out of the cyclic GC's way
        self.app.call_from_thread(self.rows_ready, data)

    def rows_ready(self, data: ScreenData) -> None:
        """Every pane is built: the list trades its window for the whole pane (a waiting sort or filter runs)."""
        if data is self.screen_data and self.table.holds_window:
            self.table.set_rows(data.view(self.pane))

    def show_data(self, data: ScreenData, painted: threading.Event | None = None) -> None:
        self.screen_data = data
        if painted is not None:
            self.call_after_refresh(painted.set)
        # 100k rows are ~1.5M long-lived objects: keep the cyclic GC from rescanning them mid-keystroke.
        gc.collect()
        gc.freeze()
        self.follow_app.remember_file_times(data.account.key)
        self.label_tabs()
        self.show_pane(self.pane)
        self.query_one(StatusLine).set_account(data.account.label, data.data.last_sync(), data.trend, data.numbers())

    def show_live(self, live: bool) -> None:
        """`followtui watch` runs for the account on screen (its heartbeat is recent): its events come in live."""
        for status in self.query(StatusLine):  # none while the screen is being taken down
            status.set_live(live)

    def show_pane(self, pane: str) -> None:
        self.pane = pane
        tabs = self.query_one("#panes", Tabs)
        if tabs.active != pane:
            tabs.active = pane
        if self.screen_data is None:
            return
        self.table.set_columns(TRICKSTER_COLUMNS if pane == "tricksters" else COLUMNS)
        self.table.set_rows(self.screen_data.view(pane))
        self.update_detail(self.table.cursor_row)

    def update_detail(self, row: AccountRow | None) -> None:
        detail = self.query_one(DetailPanel)
        if row is None or self.screen_data is None:
            detail.show(None)
            return
        data = self.screen_data
        detail.show(row, data.timelines.get(row.id, ()), data.relation(row.id))

    @on(Tabs.TabActivated, "#panes")
    def pane_chosen(self, event: Tabs.TabActivated) -> None:
        # Keys that arrive together queue several activations; only the latest one is the user's choice.
        if event.tab.id and event.tab.id == event.tabs.active and event.tab.id != self.pane:
            self.show_pane(event.tab.id)

    @on(Tabs.TabActivated, "#accounts")
    def account_chosen(self, event: Tabs.TabActivated) -> None:
        if event.tab.id != event.tabs.active:
            return
        index = int((event.tab.id or "acct-0").removeprefix("acct-"))
        if index != self.account_index:
            self.account_index = index
            self.reload()

    @on(AccountTable.Highlighted)
    def row_highlighted(self, event: AccountTable.Highlighted) -> None:
        self.update_detail(event.row)

    @on(AccountTable.Selected)
    def row_selected(self, event: AccountTable.Selected) -> None:
        self.open_account(event.row)

    def action_open_account(self) -> None:
        """The highlighted account's whole story on its own screen (enter, or the palette)."""
        row = self.table.cursor_row
        if row is not None:
            self.open_account(row)

    def open_account(self, row: AccountRow) -> None:
        if self.screen_data is not None:
            self.app.push_screen(AccountScreen(self, row))

    @on(AccountTable.MarksChanged)
    def marks_changed(self, event: AccountTable.MarksChanged) -> None:
        self.query_one(StatusLine).set_marks(event.count)

    # navigation ----------------------------------------------------------------------------------

    def _step_pane(self, step: int) -> None:
        self.show_pane(PANES[(PANES.index(self.pane) + step) % len(PANES)])

    def action_next_pane(self) -> None:
        self._step_pane(1)

    def action_previous_pane(self) -> None:
        self._step_pane(-1)

    def switch_account(self, index: int) -> None:
        if index != self.account_index:
            self.account_index = index
            self.query_one("#accounts", Tabs).active = f"acct-{index}"
            self.reload()

    def _step_account(self, step: int) -> None:
        count = len(self.follow_app.store.accounts())
        if count > 1:
            self.switch_account((self.account_index + step) % count)

    def action_next_account(self) -> None:
        self._step_account(1)

    def action_previous_account(self) -> None:
        self._step_account(-1)

    def action_history(self) -> None:
        data = self.screen_data
        if data is not None:
            changes = data.changes(self.follow_app.store.journal())
            self.app.push_screen(HistoryScreen(data.account.label, data.data.history(), changes, data.tricksters()))

    def action_changes(self) -> None:
        """The event log by name (who followed, unfollowed, was gone…), newest first, with the CLI's filters."""
        data = self.screen_data
        if data is not None:
            self.app.push_screen(ChangesScreen(data.account.label, data.changes(self.follow_app.store.journal())))

    def action_toggle_detail(self) -> None:
        if self.has_class("narrow"):
            self.toggle_class("show-detail")
        else:
            self.toggle_class("wide-hidden")

    # filter and sort ------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # a '/' typed into the filter is text
        return not (action == "filter" and self.query_one("#filter", Input).has_focus)

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("open")
        self.set_focus(box)  # at once, not through focus()'s call_later

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.table.set_filter(event.value)

    @on(Input.Submitted, "#filter")
    def filter_done(self, event: Input.Submitted) -> None:
        if not event.value:
            event.input.remove_class("open")
        self.set_focus(self.table)

    def on_key(self, event) -> None:  # type: ignore[no-untyped-def]
        box = self.query_one("#filter", Input)
        # escape in the box, or on the list while a kept filter narrows it, clears it; with none it does nothing
        if event.key == "escape" and (box.has_focus or box.value or box.has_class("open")):
            box.value = ""
            box.remove_class("open")
            self.set_focus(self.table)
            event.stop()

    def columns(self) -> Sequence[Column]:
        return TRICKSTER_COLUMNS if self.pane == "tricksters" else COLUMNS

    def action_sort_next(self) -> None:
        columns = self.columns()
        self.sort_column = (self.sort_column + 1) % len(columns)
        column = columns[self.sort_column]
        self.table.sort_by(column.key, reverse=False)
        self.notify(f"sorted by {column.title}", timeout=1.5)

    def action_sort_reverse(self) -> None:
        columns = self.columns()
        column = columns[max(self.sort_column, 0)]
        self.table.sort_by(column.key)

    # annotations ----------------------------------------------------------------------------------

    @contextmanager
    def acting_on(self, row: AccountRow) -> Iterator[None]:
        """Inside, the actions below act on `row` alone, marks or not: the account screen's keys use them."""
        self.acting_row = row
        try:
            yield
        finally:
            self.acting_row = None

    def targets(self) -> list[AccountRow]:
        if self.acting_row is not None:
            return [self.acting_row]
        marked = list(self.table.marked_rows)
        if marked:
            return marked
        row = self.table.cursor_row
        return [row] if row is not None else []

    def annotate(self, rows: Sequence[AccountRow], change, done: str) -> None:  # type: ignore[no-untyped-def]
        if not rows or self.screen_data is None:
            self.notify("no account selected", severity="warning")
            return
        platform = self.screen_data.account.platform
        keys = [f"{platform}:{row.id}" for row in rows]
        store = self.follow_app.store
        before = store.annotation_file.mtime_ns()
        changed = store.annotate_many(keys, change)
        self.follow_app.wrote_annotations(before)
        self.apply_annotations(changed)
        self.notify(done if len(rows) == 1 else f"{done} ({len(rows)} accounts)", markup=False, timeout=2)

    def apply_annotations(self, changed: dict[str, Annotation]) -> None:
        if self.screen_data is None:
            return
        self.screen_data.apply_annotations(changed)
        self.table.set_rows(self.screen_data.view(self.pane))
        self.update_detail(self.table.cursor_row)

    @staticmethod
    def parse_tags(text: str) -> list[str]:
        return [t for t in (clean_text(part, MAX_TAG) for part in text.replace(",", " ").split()) if t]

    def action_tag(self) -> None:
        rows = self.targets()
        if not rows or self.screen_data is None:
            self.notify("no account selected", severity="warning")
            return

        def add(text: str | None) -> None:
            tags = self.parse_tags(text or "")
            if tags:
                self.annotate(rows, lambda a: replace(a, tags=tuple(dict.fromkeys([*a.tags, *tags]))),
                              f"tagged {', '.join(tags)}")  # fmt: skip

        self.app.push_screen(
            Prompt("Add tags (space or comma separated)", suggestions=self.screen_data.all_tags()), add
        )

    def action_untag(self) -> None:
        rows = self.targets()
        present = sorted({t for r in rows for t in r.tags}, key=str.casefold)
        if not present:
            self.notify("no tags to remove here", severity="warning")
            return

        def remove(text: str | None) -> None:
            gone = set(self.parse_tags(text or ""))
            if gone:
                self.annotate(rows, lambda a: replace(a, tags=tuple(t for t in a.tags if t not in gone)),
                              f"removed {', '.join(sorted(gone))}")  # fmt: skip

        self.app.push_screen(Prompt("Remove tags", hint="present: " + ", ".join(present), suggestions=present), remove)

    def action_preset(self, number: int) -> None:
        presets = self.follow_app.settings.preset_tags
        if number > len(presets):
            self.notify(f"no preset tag {number}; set [tags] presets in config.toml", severity="warning")
            return
        tag = presets[number - 1]
        rows = self.targets()
        if rows and all(tag in r.tags for r in rows):
            self.annotate(rows, lambda a: replace(a, tags=tuple(t for t in a.tags if t != tag)), f"removed {tag}")
        else:
            self.annotate(rows, lambda a: replace(a, tags=tuple(dict.fromkeys([*a.tags, tag]))), f"tagged {tag}")

    def action_note(self) -> None:
        rows = self.targets()
        if not rows:
            self.notify("no account selected", severity="warning")
            return
        current = rows[0].annotation.note if len(rows) == 1 else ""

        def save(text: str | None) -> None:
            if text is not None:
                note = clean_text(text, MAX_NOTE, multiline=True)
                self.annotate(rows, lambda a: replace(a, note=note), "note saved" if note else "note cleared")

        self.app.push_screen(Prompt("Note (empty clears it)", current), save)

    def action_keep(self) -> None:
        rows = self.targets()
        keep = not all(r.keep for r in rows)
        self.annotate(rows, lambda a: replace(a, keep=keep), "kept" if keep else "no longer kept")

    # copy, export, sync ---------------------------------------------------------------------------

    def _copy(self, text: str, what: str) -> None:
        self.app.copy_to_clipboard(text)
        self.notify(f"copied {what}: {text}", markup=False, timeout=2)

    def action_copy_url(self) -> None:
        row = self.acting_row or self.table.cursor_row
        if row is not None:
            self._copy(row.profile.url or row.handle, "URL" if row.profile.url else "handle")

    def action_copy_handle(self) -> None:
        row = self.acting_row or self.table.cursor_row
        if row is not None:
            self._copy(row.handle, "handle")

    def action_export(self) -> None:
        if self.screen_data is None:
            return
        account = self.screen_data.account
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
        default = f"followtui-{account.platform}-{account.handle}-{self.pane}-{stamp}.csv"
        self.app.push_screen(
            Prompt(
                "Export this view to (.csv or .json)",
                default,
                hint=f"a name or relative path goes into {self.follow_app.exports_dir}",
            ),
            self.export_to,
        )

    def export_to(self, target: str | None) -> None:
        from followtui.core.usecases import export_view

        if not target or self.screen_data is None:
            return
        app, rows = self.follow_app, list(self.table.visible_rows)
        try:
            path = export_view(app.settings, app.store.data_dir, self.screen_data.account, self.pane, rows, target)
        except OSError as exc:
            self.notify(f"could not write {exc.filename}: {exc.strerror or exc}", severity="error", markup=False)
            return
        self.notify(f"exported {len(rows):,} rows to {path}", markup=False)

    def action_act(self, action: str) -> None:
        """Follow or unfollow the marked rows (or the highlighted one), after a confirmation."""
        rows = self.targets()
        if not rows or self.screen_data is None:
            self.notify("no account selected", severity="warning")
            return
        who = rows[0].handle if len(rows) == 1 else f"{len(rows)} accounts"
        kept = sum(1 for r in rows if r.keep)
        note = f" ({kept} kept will be skipped)" if action == "unfollow" and kept and len(rows) > 1 else ""
        question = f"{action.capitalize()} {who}{note} on {self.screen_data.account.label}?"

        def answered(yes: bool | None) -> None:
            if yes:
                self.query_one(StatusLine).set_text(f"{action}ing {who}…")
                self.run_actions(action, [r.profile for r in rows])

        self.app.push_screen(Confirm(question), answered)

    def action_undo(self) -> None:
        """Reverse this account's last batch (as `followtui undo`), after a confirmation: a mistaken
        unfollow is one key away from being put right, and the demo shows the whole round trip."""
        from followtui.core.errors import UsageError
        from followtui.core.usecases import plan_undo

        if self.screen_data is None:
            return
        try:
            plan = plan_undo(self.follow_app.store, self.screen_data.account)
        except UsageError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        action, who = plan.action.value, plan.who

        def answered(yes: bool | None) -> None:
            if yes:
                self.query_one(StatusLine).set_text(f"undo: {action}ing {who}…")
                self.run_actions(action, list(plan.targets), batch=plan.batch)

        self.app.push_screen(Confirm(f"Undo: {action} {who} on {plan.account.label}?"), answered)

    @work(exclusive=True, group="actions", exit_on_error=False)
    async def run_actions(self, action: str, profiles: list[Profile], batch: str | None = None) -> None:
        from followtui.core.usecases import follow_or_unfollow, limits_for

        app = self.follow_app
        assert self.screen_data is not None
        try:
            summary = await follow_or_unfollow(app.store, self.screen_data.account, action, profiles,
                                               limits=limits_for(app.settings), batch=batch)  # fmt: skip
        except Exception as exc:
            self.notify(clean_text(str(exc), 500), severity="error", markup=False, timeout=10)
            self.reload()
            return
        self.notify(summary.message, severity="information" if summary.all_done else "warning", markup=False,
                    timeout=8)  # fmt: skip
        self.table.clear_marks()
        self.reload()

    def action_refresh(self) -> None:
        if self.syncing:
            self.notify("a sync is already running", severity="warning")
            return
        self.syncing = True
        self.query_one(StatusLine).set_text("syncing…")
        self.run_sync()

    @work(exclusive=True, group="sync", exit_on_error=False)
    async def run_sync(self) -> None:
        errors: list[str] = []
        try:

            def progress(phase: str, done: int, total: int | None) -> None:
                self.post_message(SyncUpdate(phase, done, total))

            errors = await self.follow_app.sync_all(progress)
        finally:
            self.sync_finished(errors)

    def sync_finished(self, errors: list[str]) -> None:
        self.syncing = False
        for error in errors:
            self.notify(error, severity="error", markup=False, timeout=10)
        if not errors:
            self.notify("sync complete", timeout=2)
        self.reload()

    def on_sync_update(self, message: SyncUpdate) -> None:
        self.query_one(StatusLine).set_progress(message)
