"""What has to fit in 80 columns: counts, ratios, tab labels and the footer's keys."""

from __future__ import annotations

import pytest
from textual.binding import Binding

from followtui.core.analysis import PANES
from followtui.tui.data import NARROW_TAB_PADDING, tab_labels
from followtui.tui.rows import COLUMNS, compact_count, ratio_text
from followtui.tui.screens.messages import LoggedMessage, messages_table
from followtui.tui.widgets.footer import rank

RATIO_WIDTH = next(c.width for c in COLUMNS if c.key == "ratio")


@pytest.mark.parametrize(
    ("value", "shown"),
    [(None, "–"), (0, "0"), (999, "999"), (9_999, "9,999"), (10_000, "10.0k"), (12_345, "12.3k"),
     (99_960, "100k"), (123_456, "123k"), (999_999, "1.0M"), (1_234_567, "1.2M"), (12_345_678, "12.3M")],
)  # fmt: skip
def test_counts_are_compact(value, shown):
    assert compact_count(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [(None, "–"), (0.714, "0.71×"), (9.999, "10.0×"), (13.04, "13.0×"), (295.2, "295×"), (2952.3, "3.0k×"),
     (2_900.0, "2.9k×"), (123_456.0, "123k×"), (2.9e6, "2.9M×")],
)  # fmt: skip
def test_ratios_are_compact(value, shown):
    assert ratio_text(value) == shown


def test_every_ratio_and_count_fits_its_column():
    values = [10**e * m for e in range(0, 10) for m in (1, 1.234, 4.9996, 9.9996)]
    assert all(len(ratio_text(v)) <= RATIO_WIDTH for v in values)
    assert all(len(compact_count(int(v))) <= 6 for v in values)


@pytest.mark.parametrize(
    "counts",
    [
        dict.fromkeys(PANES, 7),
        {"followers": 334, "following": 225, "mutuals": 93, "fans": 241, "nonfollowers": 132, "tricksters": 55},
        {"followers": 123_456, "following": 1_234, "mutuals": 1_100, "fans": 122_356, "nonfollowers": 134,
         "tricksters": 2_045},
        dict.fromkeys(PANES, 654_321),
    ],
)  # fmt: skip
def test_six_tabs_fit_80_columns(counts):
    labels = tab_labels(counts, 80, NARROW_TAB_PADDING)
    assert list(labels) == list(PANES)
    assert sum(len(label) + NARROW_TAB_PADDING for label in labels.values()) <= 80, labels


def test_tabs_keep_exact_counts_and_short_names_when_they_fit():
    counts = {"followers": 334, "following": 225, "mutuals": 93, "fans": 241, "nonfollowers": 132, "tricksters": 55}
    assert list(tab_labels(counts, 80, NARROW_TAB_PADDING).values()) == [
        "Followers 334", "Following 225", "Mutuals 93", "Fans 241", "Not back 132", "Tricksters 55",
    ]  # fmt: skip
    assert tab_labels({"followers": 12_345}, 80) == {"followers": "Followers 12,345"}


def test_footer_ranks_help_then_quit_or_back_first():
    help_, quit_ = Binding("?", "help", "Help", id="app.help"), Binding("q", "quit", "Quit", id="app.quit")
    back = Binding("escape", "close", "Back", id="history.close")
    other = Binding("x", "thing", "Thing", id="main.thing")
    ordered = sorted([(0, other), (1, back), (2, quit_), (3, help_)], key=lambda item: rank(item[1], item[0]))
    assert [b.id for _, b in ordered] == ["app.help", "app.quit", "history.close", "main.thing"]


def test_messages_are_listed_newest_first_in_full():
    from datetime import datetime

    from rich.console import Console

    long = "github:octocat: could not reach api.github.com " + "x" * 150
    messages = [LoggedMessage(datetime(2026, 1, 1, 9, 0), "information", "first"),
                LoggedMessage(datetime(2026, 1, 1, 9, 5), "error", long)]  # fmt: skip
    console = Console(width=80, record=True, color_system=None)
    console.print(messages_table(messages))
    text = console.export_text()
    assert text.index("could not reach") < text.index("first")
    assert "x" * 150 in text.replace("\n", "").replace(" ", "")
