"""The history view (`h`): your follower and following counts over time, and each day's gains and losses; a day
opens into the people behind its numbers (screens/day.py).

Built from the same per-day history as `followtui history`, so the screen and the command always agree.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Sparkline, Static

from followtui.models import Change, DayHistory, Trickster
from followtui.tui.screens.day import DayScreen
from followtui.tui.widgets.footer import KeyFooter

#: Widest bar of a day's gains or losses, in cells; every bar of the view is scaled to the biggest day.
BAR_CELLS = 16
_EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(value: int, biggest: int, width: int = BAR_CELLS) -> str:
    """`value` as a bar of `width` cells at most, in eighths of a cell; any non-zero value shows."""
    if value <= 0 or biggest <= 0:
        return ""
    eighths = max(1, round(value / biggest * width * 8))
    full, rest = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[rest] if rest else "")


def _counts(days: Sequence[DayHistory], key: str) -> list[float]:
    values = [getattr(d, key) for d in days]
    return [float(v) for v in values if v is not None]


def _change(values: list[float]) -> str:
    if len(values) < 2:
        return ""
    delta = int(values[-1] - values[0])
    return f"  {delta:+,} over {len(values)} days" if delta else f"  unchanged over {len(values)} days"


def bar_cells(width: int, posts: bool = False) -> int:
    """How wide a bar can be in a view `width` cells wide: the other columns, their padding, the scrollbar and
    the view's own padding take 69 cells (76 with the posts column)."""
    return max(3, min(BAR_CELLS, (width - (76 if posts else 69)) // 2))


def _right(value: str, style: str = "") -> Text:
    return Text(value, style=style, justify="right")


def day_rows(days: Sequence[DayHistory], width: int = 120) -> tuple[list[tuple[str, int | None]], list[list[Text]]]:
    """The day table's columns (title, fixed width or None) and rows, newest day first: counts, gains and losses
    with their bars, gone accounts and tricksters, and, where the platform lists them, your posts since the sync
    before (to see whether posting brings followers)."""
    biggest = max((max(d.gained, d.lost) for d in days), default=0)
    with_posts = any(d.posts is not None for d in days)
    cells = bar_cells(width, with_posts)
    columns: list[tuple[str, int | None]] = [
        ("Day", None), ("Followers", None), ("Gained", 5 + cells), ("Lost", 5 + cells),
        ("Gone", None), ("Tricksters", None), ("Following", None),
    ]  # fmt: skip
    if with_posts:
        columns.append(("Posts", None))
    rows = []
    for d in reversed(days):
        gained, lost = Text(style="green", no_wrap=True), Text(style="red", no_wrap=True)
        if d.gained:
            gained.append(f"{'+' + format(d.gained, ','):>4} {bar(d.gained, biggest, cells)}")
        if d.lost:
            lost.append(f"{'−' + format(d.lost, ','):>4} {bar(d.lost, biggest, cells)}")
        row = [
            Text(d.day),
            _right("–" if d.followers is None else f"{d.followers:,}"),
            gained,
            lost,
            _right(f"{d.gone:,}" if d.gone else "", "dim"),
            _right(f"{d.tricksters:,}" if d.tricksters else "", "bold" if d.tricksters else ""),
            _right("–" if d.following is None else f"{d.following:,}"),
        ]
        if with_posts:
            row.append(_right("–" if d.posts is None else ("●" * min(d.posts, 5) + ("+" if d.posts > 5 else ""))))
        rows.append(row)
    return columns, rows


class HistoryScreen(Screen[None]):
    """Days as a list with a cursor: `enter` (or a click on the highlighted day) opens the people behind its
    numbers."""

    DEFAULT_CSS = """
    HistoryScreen #title { padding: 0 1; text-style: bold; }
    HistoryScreen .trend { height: 2; padding: 0 1; }
    HistoryScreen .trend Static { width: 34; }
    HistoryScreen .trend Sparkline { width: 1fr; }
    HistoryScreen #followers-trend > .sparkline--max-color { color: $success; }
    HistoryScreen #days { height: 1fr; padding: 0 1; scrollbar-size-vertical: 1; background: $surface; }
    HistoryScreen #no-history { padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape,q,h", "close", "Back", id="history.close"),
        # priority: the table's own enter would only post a message; this one names what it does in the footer
        Binding("enter", "open_day", "People", priority=True, id="history.open_day"),
        Binding("j", "move(1)", "Next day", show=False, id="history.down"),
        Binding("k", "move(-1)", "Previous day", show=False, id="history.up"),
        Binding("g", "move_to(0)", "Newest day", show=False, id="history.first"),
        Binding("G", "move_to(-1)", "Oldest day", show=False, id="history.last"),
    ]

    def __init__(
        self,
        label: str,
        days: Sequence[DayHistory],
        changes: Sequence[Change] = (),
        tricksters: Sequence[Trickster] = (),
    ) -> None:
        """`changes`: the account's event log (oldest first), from which a day's people are read;
        `tricksters`: to say which of a day's unfollowers are tricksters."""
        super().__init__()
        self.label = label
        self.days = list(days)
        self.changes = changes
        self.tricksters = tricksters
        self._width = 0

    def compose(self) -> ComposeResult:
        followers, following = _counts(self.days, "followers"), _counts(self.days, "following")
        yield Static(Text(f"History of {self.label}"), id="title")
        with Vertical():
            for name, values in (("followers", followers), ("following", following)):
                with Horizontal(classes="trend"):
                    latest = f"{int(values[-1]):,}" if values else "–"
                    yield Static(Text(f"{name.capitalize()} {latest}{_change(values)}"))
                    yield Sparkline(values or [0.0], id=f"{name}-trend")
            if self.days:
                yield DataTable(cursor_type="row", id="days")
            else:
                yield Static(Text("No history yet: it starts with the first sync."), id="no-history")
        yield KeyFooter()

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#days", DataTable)

    def on_mount(self) -> None:
        if self.days:
            self.table.focus()

    def on_resize(self) -> None:
        if not self.days or self.size.width == self._width:
            return
        self._width = self.size.width
        table = self.table
        cursor = table.cursor_row
        columns, rows = day_rows(self.days, self.size.width)
        table.clear(columns=True)
        for title, width in columns:
            table.add_column(Text(title, justify="left" if width or title == "Day" else "right"), width=width)
        for row in rows:
            table.add_row(*row, key=row[0].plain)
        table.move_cursor(row=cursor)

    @property
    def highlighted_day(self) -> str | None:
        """The day under the cursor, as an ISO date (None without history)."""
        if not self.days:
            return None
        row = self.table.cursor_row
        return self.days[len(self.days) - 1 - row].day if 0 <= row < len(self.days) else None

    def action_move(self, step: int) -> None:
        if self.days:
            self.table.move_cursor(row=self.table.cursor_row + step)

    def action_move_to(self, row: int) -> None:
        if self.days:
            self.table.move_cursor(row=row % len(self.days))

    def action_open_day(self) -> None:
        day = self.highlighted_day
        if day is None:
            return
        on_day = [c for c in self.changes if c.at.date().isoformat() == day]
        tricksters = frozenset(t.profile.id for t in self.tricksters if t.unfollowed_at.date().isoformat() == day)
        self.app.push_screen(DayScreen(self.label, day, on_day, tricksters))

    @on(DataTable.RowSelected, "#days")
    def day_clicked(self, event: DataTable.RowSelected) -> None:
        self.action_open_day()

    def action_close(self) -> None:
        self.dismiss(None)
