"""SVG snapshots of every pane and the detail panel at 80×24 and 120×40 (pytest-textual-snapshot).

Regenerate after an intended visual change with: pytest tests/tui/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

import pytest

from followtui.core.analysis import PANES
from followtui.tui.app import FollowApp
from followtui.tui.screens.main import MainScreen

SIZES = [(80, 24), (120, 40)]


async def loaded(pilot) -> None:
    for _ in range(200):
        await pilot.pause(0.02)
        screen = pilot.app.screen
        if isinstance(screen, MainScreen) and screen.screen_data is not None:
            break
    await pilot.pause()


def make_app(store, settings) -> FollowApp:
    return FollowApp(store, settings, theme="followtui-dark")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("pane", PANES)
def test_pane(snap_compare, store, settings, pane, size):
    presses = ["tab"] * PANES.index(pane) + ["j", "j"]
    assert snap_compare(make_app(store, settings), press=presses, terminal_size=size, run_before=loaded)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_detail_panel_of_a_trickster(snap_compare, store, settings, size):
    presses = ["shift+tab"] + (["i"] if size[0] < 100 else [])
    assert snap_compare(make_app(store, settings), press=presses, terminal_size=size, run_before=loaded)


def test_help_screen(snap_compare, store, settings):
    assert snap_compare(make_app(store, settings), press=["question_mark"], terminal_size=(120, 40), run_before=loaded)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_history_view(snap_compare, store, settings, size):
    assert snap_compare(make_app(store, settings), press=["h"], terminal_size=size, run_before=loaded)


@pytest.mark.parametrize("theme", ["followtui-dark", "followtui-mono"])
@pytest.mark.parametrize("press", [[], ["question_mark"]], ids=["main", "help"])
def test_80x24_in_two_themes(snap_compare, store, settings, theme, press):
    """At 80×24: `?` and `q` in the footer, all six tabs, no stray scrollbar glyphs (▆ ▃), in colour and mono."""
    app = FollowApp(store, settings, theme=theme)
    assert snap_compare(app, press=press, terminal_size=(80, 24), run_before=loaded)
