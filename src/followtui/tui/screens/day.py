"""One day of the history (enter on a day): the people behind its numbers, by what happened to them.

Read from the same event log as the Changes view and `followtui changes`, so the day, the log and the command
name the same people. Handles and names come from the network: they are placed in `Text` as plain strings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from followtui.core.changes import KIND_TITLES
from followtui.models import Change, ChangeKind
from followtui.tui.change_rows import KIND_STYLES
from followtui.tui.widgets.account_table_cells import fit, safe_text
from followtui.tui.widgets.footer import KeyFooter

#: People listed per kind; a day with more (a viral post) says how many more and where they all are.
PER_KIND = 500
_HANDLE_CELLS, _NAME_CELLS = 24, 24


def day_summary(changes: Sequence[Change]) -> str:
    """How many of each kind, in the log's order: "5 followed you · 1 unfollowed you · 1 gone"."""
    counts = Counter(c.kind for c in changes)
    return " · ".join(f"{counts[kind]:,} {KIND_TITLES[kind]}" for kind in ChangeKind if counts[kind])


def day_text(day: str, changes: Sequence[Change], tricksters: frozenset[str] = frozenset()) -> Text:
    """The day's people grouped by kind (in the order of the log's kinds), each with handle, name and detail
    (a gone account's reason, a rename's old → new); unfollowers who are tricksters say so."""
    text = Text()
    if not changes:
        text.append(f"Nothing changed on {day}.", style="italic")
        return text
    groups = {kind: sorted((c for c in changes if c.kind is kind), key=lambda c: c.handle.casefold())
              for kind in ChangeKind}  # fmt: skip
    for kind, rows in groups.items():
        if not rows:
            continue
        if text:
            text.append("\n")
        text.append(f"{KIND_TITLES[kind].capitalize()} ({len(rows):,})\n", style=f"bold {KIND_STYLES[kind]}".strip())
        shown = rows[:PER_KIND]
        handles = min(_HANDLE_CELLS, max(cell_len(safe_text(c.handle)) for c in shown))
        names = min(_NAME_CELLS, max(cell_len(safe_text(c.display_name)) for c in shown))
        for change in shown:
            text.append("  " + fit(change.handle, handles) + "  ")
            text.append(fit(change.display_name, names))
            if change.detail:
                text.append("  " + safe_text(change.detail), style="italic")
            if kind is ChangeKind.UNFOLLOWED_YOU and change.id in tricksters:
                text.append("  trickster", style="bold")
            text.append("\n")
        if len(rows) > len(shown):
            text.append(f"  … and {len(rows) - len(shown):,} more: the Changes view (l) lists them all\n", style="dim")
    text.rstrip()
    return text


class DayScreen(Screen[None]):
    DEFAULT_CSS = """
    DayScreen #day-title { padding: 0 1; text-style: bold; }
    DayScreen #day-summary { padding: 0 1 1 1; }
    DayScreen #day-people { height: 1fr; padding: 0 1; scrollbar-size-vertical: 1; background: $surface; }
    DayScreen #day-text { text-wrap: nowrap; text-overflow: ellipsis; }
    """
    BINDINGS = [
        Binding("escape,q", "close", "Back", id="day.close"),
        Binding("j", "scroll(1)", "Down", show=False, id="day.down"),
        Binding("k", "scroll(-1)", "Up", show=False, id="day.up"),
    ]

    def __init__(self, label: str, day: str, changes: Sequence[Change], tricksters: frozenset[str] = frozenset()):
        """`changes`: that day's rows of the event log; `tricksters`: the ids of the tricksters who left that day."""
        super().__init__()
        self.label = label
        self.day = day
        self.changes = list(changes)
        self.tricksters = tricksters

    def compose(self) -> ComposeResult:
        yield Static(Text(f"{self.day} on {self.label}"), id="day-title")
        yield Static(Text(day_summary(self.changes)), id="day-summary")
        with VerticalScroll(id="day-people"):
            yield Static(day_text(self.day, self.changes, self.tricksters), id="day-text")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#day-people").focus()

    def action_scroll(self, lines: int) -> None:
        people = self.query_one("#day-people", VerticalScroll)
        people.scroll_to(y=people.scroll_y + lines, animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
