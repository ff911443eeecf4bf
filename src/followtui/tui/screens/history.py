"""The history view (`h`): your follower and following counts over time, and each day's gains and losses.

Built from the same per-day history as `followtui history`, so the screen and the command always agree.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Sparkline, Static

from followtui.models import DayHistory

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
    """How wide a bar can be in a view `width` cells wide: the other columns, their gaps and the view's own
    padding take 67 cells (74 with the posts column)."""
    return max(3, min(BAR_CELLS, (width - (74 if posts else 67)) // 2))


def day_table(days: Sequence[DayHistory], width: int = 120) -> Table:
    """Newest day first: counts, gains and losses with their bars, gone accounts and tricksters, and, where the
    platform lists them, your posts since the sync before (to see whether posting brings followers)."""
    biggest = max((max(d.gained, d.lost) for d in days), default=0)
    with_posts = any(d.posts is not None for d in days)
    cells = bar_cells(width, with_posts)
    table = Table(box=None, expand=True, header_style="bold", pad_edge=False)
    table.add_column("Day", no_wrap=True)
    table.add_column("Followers", justify="right", no_wrap=True)
    table.add_column("Gained", no_wrap=True, min_width=5 + cells)
    table.add_column("Lost", no_wrap=True, min_width=5 + cells)
    table.add_column("Gone", justify="right", no_wrap=True)
    table.add_column("Tricksters", justify="right", no_wrap=True)
    table.add_column("Following", justify="right", no_wrap=True)
    if with_posts:
        table.add_column("Posts", justify="right", no_wrap=True)
    for d in reversed(days):
        gained, lost = Text(style="green"), Text(style="red")
        if d.gained:
            gained.append(f"{'+' + format(d.gained, ','):>4} {bar(d.gained, biggest, cells)}")
        if d.lost:
            lost.append(f"{'−' + format(d.lost, ','):>4} {bar(d.lost, biggest, cells)}")
        row = [
            Text(d.day),
            Text("–" if d.followers is None else f"{d.followers:,}"),
            gained,
            lost,
            Text(f"{d.gone:,}" if d.gone else "", style="dim"),
            Text(f"{d.tricksters:,}" if d.tricksters else "", style="bold" if d.tricksters else ""),
            Text("–" if d.following is None else f"{d.following:,}"),
        ]
        if with_posts:
            row.append(Text("–" if d.posts is None else ("●" * min(d.posts, 5) + ("+" if d.posts > 5 else ""))))
        table.add_row(*row)
    return table


class HistoryScreen(Screen[None]):
    DEFAULT_CSS = """
    HistoryScreen #title { padding: 0 1; text-style: bold; }
    HistoryScreen .trend { height: 2; padding: 0 1; }
    HistoryScreen .trend Static { width: 34; }
    HistoryScreen .trend Sparkline { width: 1fr; }
    HistoryScreen #followers-trend > .sparkline--max-color { color: $success; }
    HistoryScreen #days { padding: 0 1; }
    """
    BINDINGS = [Binding("escape,q,h", "close", "Back", id="history.close")]

    def __init__(self, label: str, days: Sequence[DayHistory]) -> None:
        super().__init__()
        self.label = label
        self.days = list(days)

    def compose(self) -> ComposeResult:
        followers, following = _counts(self.days, "followers"), _counts(self.days, "following")
        yield Static(Text(f"History of {self.label}"), id="title")
        with Vertical():
            for name, values in (("followers", followers), ("following", following)):
                with Horizontal(classes="trend"):
                    latest = f"{int(values[-1]):,}" if values else "–"
                    yield Static(Text(f"{name.capitalize()} {latest}{_change(values)}"))
                    yield Sparkline(values or [0.0], id=f"{name}-trend")
            with VerticalScroll(id="days"):
                yield Static(Text("No history yet: it starts with the first sync."), id="day-table")
        yield Footer()

    def on_resize(self) -> None:
        if self.days:
            self.query_one("#day-table", Static).update(day_table(self.days, self.size.width))

    def action_close(self) -> None:
        self.dismiss(None)
