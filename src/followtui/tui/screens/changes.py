"""The Changes view (`l`): the account's event log by name, newest first, with the filters of `followtui changes`.

This is what "who unfollowed me?" reads. The list is a DataTable holding at most `SHOWN` rows (it measures every
row it holds): a longer log says how many more there are and asks for a narrower filter. Handles, names and
details come from the network: every cell is a plain `Text`, never markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static

from followtui.core.changes import select
from followtui.models import Change
from followtui.tui.change_rows import (
    KIND_ORDER,
    KIND_WORDS,
    ChangeQuery,
    change_cells,
    change_columns,
    parse_query,
    searchable,
)
from followtui.tui.widgets.footer import KeyFooter

#: Rows the list holds at most (newest first).
SHOWN = 500
#: How long typing must pause before a long log is filtered again.
TYPING_PAUSE_S = 0.15


def _kind_bindings() -> list[Binding]:
    return [
        Binding(str(i), f"toggle_kind({i})", f"Show or hide “{KIND_WORDS[kind]}”", show=False, id=f"changes.kind_{i}")
        for i, kind in enumerate(KIND_ORDER, start=1)
    ]


class ChangesScreen(Screen[None]):
    DEFAULT_CSS = """
    ChangesScreen #changes-title { padding: 0 1; text-style: bold; }
    ChangesScreen #changes-filter { height: 3; }
    ChangesScreen #changes { height: 1fr; scrollbar-size-vertical: 1; background: $surface; }
    ChangesScreen #changes-status { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape,q,l", "close", "Back", id="changes.close"),
        Binding("slash", "filter", "Filter", id="changes.filter"),
        Binding("c", "cycle_kind", "Kind", id="changes.cycle_kind"),
        Binding("0", "all_kinds", "Every kind", show=False, id="changes.all_kinds"),
        *_kind_bindings(),
        Binding("j", "move(1)", "Down", show=False, id="changes.down"),
        Binding("k", "move(-1)", "Up", show=False, id="changes.up"),
        Binding("g", "move_to(0)", "Newest", show=False, id="changes.first"),
        Binding("G", "move_to(-1)", "Oldest", show=False, id="changes.last"),
    ]

    def __init__(self, label: str, changes: Sequence[Change], query: str = "") -> None:
        """`changes`: the account's log, oldest first (ScreenData.changes); `query`: a filter to open with."""
        super().__init__()
        self.label = label
        self.changes = changes
        self.newest = select(changes)
        self._haystacks = [searchable(c) for c in self.newest]
        self.initial = query
        #: What the list shows now (not `query`: that name is Textual's DOM query).
        self.filter = parse_query(query)
        self.shown: list[Change] = []
        self._width = 0
        self._typing: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text(f"Changes of {self.label}"), id="changes-title")
        yield Input(
            self.initial,
            placeholder="kinds (unfollowed_you gone…), since a day (2026-01-31), or a name; enter keeps it",
            id="changes-filter",
        )
        yield DataTable(cursor_type="row", id="changes")
        yield Static(id="changes-status")
        yield KeyFooter()

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#changes", DataTable)

    @property
    def filter_box(self) -> Input:
        return self.query_one("#changes-filter", Input)

    def on_mount(self) -> None:
        self.table.focus()

    def on_resize(self) -> None:
        if self.size.width != self._width:
            self._width = self.size.width
            self.table.clear(columns=True)
            for column in change_columns(self.size.width):
                self.table.add_column(Text(column.title), width=column.width, key=column.key)
            self.refill()

    def refill(self) -> None:
        """Show the rows the query keeps, newest first (at most SHOWN), and say what is shown."""
        table = self.table
        self.shown = self.filter.apply(self.newest, self._haystacks)
        table.clear()
        columns = change_columns(self._width or self.size.width)
        for i, change in enumerate(self.shown[:SHOWN]):
            table.add_row(*(Text(cell, style=style) for cell, style in change_cells(change, columns)), key=str(i))
        self.query_one("#changes-status", Static).update(self.status())

    def status(self) -> Text:
        total, found = len(self.changes), len(self.shown)
        text = Text(no_wrap=True, overflow="ellipsis")
        if not total:
            text.append("No changes yet: they start with the second sync.")
            return text
        if found > SHOWN:
            text.append(f"newest {SHOWN:,} of {found:,} ({found - SHOWN:,} more: narrow with filters)", style="bold")
        elif found:
            text.append(f"{found:,} of {total:,} changes")
        else:
            text.append("No change matches", style="bold")
        if self.filter.describe():
            text.append(" · " + self.filter.describe())
        for problem in self.filter.problems:
            text.append(" · " + problem, style="bold red")
        return text

    # filter ------------------------------------------------------------------------------------------------------

    @on(Input.Changed, "#changes-filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self._stop_typing()
        if len(self.newest) <= SHOWN:
            self.apply_filter(event.value)
        else:  # refilling costs a tenth of a second or two here: once typing pauses, not per keystroke
            self._typing = self.set_timer(TYPING_PAUSE_S, partial(self.apply_filter, event.value))

    def _stop_typing(self) -> None:
        if self._typing is not None:
            self._typing.stop()
            self._typing = None

    def apply_filter(self, text: str) -> None:
        self._stop_typing()  # what was typed before is settled now
        query = parse_query(text)
        if query != self.filter:
            self.filter = query
            self.refill()

    @on(Input.Submitted, "#changes-filter")
    def filter_done(self, event: Input.Submitted) -> None:
        self.apply_filter(event.value)
        self.set_focus(self.table)

    def on_key(self, event: events.Key) -> None:
        box = self.filter_box
        if event.key == "escape" and box.has_focus:
            box.value = ""
            self.apply_filter("")
            self.set_focus(self.table)
            event.stop()

    def set_query(self, query: ChangeQuery) -> None:
        """A key chose the query: the list shows it now, and the filter box shows it as text."""
        self.filter_box.value = query.text()
        self.apply_filter(query.text())

    def action_filter(self) -> None:
        self.set_focus(self.filter_box)

    def action_toggle_kind(self, number: int) -> None:
        self.set_query(self.filter.toggled(KIND_ORDER[number - 1]))

    def action_cycle_kind(self) -> None:
        self.set_query(self.filter.cycled())

    def action_all_kinds(self) -> None:
        self.set_query(ChangeQuery(since=self.filter.since, words=self.filter.words))

    # moving -----------------------------------------------------------------------------------------------------

    def action_move(self, step: int) -> None:
        self.table.move_cursor(row=self.table.cursor_row + step)

    def action_move_to(self, row: int) -> None:
        if self.table.row_count:
            self.table.move_cursor(row=row % self.table.row_count)

    def action_close(self) -> None:
        self.dismiss(None)
