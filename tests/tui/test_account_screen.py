"""The account screen (`enter` on a list) at 80×24 with Pilot, and escape clearing a kept filter."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from followtui.core.config import Settings
from followtui.core.store import Store
from followtui.tui.app import FollowApp, binding_ids
from followtui.tui.screens.account import AccountScreen, Story
from followtui.tui.screens.help import HelpScreen
from followtui.tui.screens.main import MainScreen
from followtui.tui.screens.prompts import Confirm, Prompt
from followtui.tui.widgets.account_table import AccountTable
from tests.hostile.stores import build_hostile_store
from tests.tui.test_app import ready
from tests.tui.test_hostile_widgets import MARKUP, OWNER, screen_lines

SIZE = (80, 24)
#: A reason line as the story draws it: its effect mark, the rule's name, a colon.
REASON = re.compile(r"^\s*[★✗?−+·] ([a-z_]+): ")


def story_text(app) -> str:
    screen = app.screen
    assert isinstance(screen, AccountScreen)
    return "\n".join(str(screen.query_one(f"#story-{part}").render()) for part in ("top", "counts", "bio"))


def visible_reasons(app) -> list[str]:
    """The rule names of the reason lines on the terminal now (not scrolled away)."""
    return [m.group(1) for line in screen_lines(app) if (m := REASON.match(line))]


async def open_fan(pilot) -> tuple[MainScreen, AccountScreen]:
    """The Fans pane (every row has a verdict), then enter on its first row."""
    screen = await ready(pilot)
    await pilot.press("tab", "tab", "tab")
    assert screen.pane == "fans"
    await pilot.press("enter")
    await pilot.pause()
    account = pilot.app.screen
    assert isinstance(account, AccountScreen)
    return screen, account


async def test_enter_shows_the_verdict_and_its_reasons_with_their_rules_at_80x24(store, settings):
    async with FollowApp(store, settings).run_test(size=SIZE) as pilot:
        main, account = await open_fan(pilot)
        row = main.query_one(AccountTable).cursor_row
        assert account.row.id == row.id and row.verdict is not None
        lines = screen_lines(pilot.app)
        shown = "\n".join(lines)
        assert f"Verdict: {row.verdict.decision.value}" in shown and f"@{row.handle}" in shown
        rules = visible_reasons(pilot.app)
        assert len(rules) >= 3, shown  # without scrolling
        assert set(rules) <= {r.rule for r in row.verdict.reasons}
        text = story_text(pilot.app)
        for reason in row.verdict.reasons:  # every reason, with its rule, somewhere in the story
            assert reason.text in text
        for part in ("Tags  ", "Keep  ", "Interactions  ", "Followers  ", "Ratio  "):
            assert part in text


async def test_the_story_scrolls_with_j_k_pages_and_g(store, settings):
    async with FollowApp(store, settings).run_test(size=SIZE) as pilot:
        _, account = await open_fan(pilot)
        story = account.query_one(Story)
        assert story.max_scroll_y > 0  # the whole story is longer than 80×24 can show
        await pilot.press("j", "j")
        assert story.scroll_y == 2
        await pilot.press("k")
        assert story.scroll_y == 1
        await pilot.press("pagedown")
        assert story.scroll_y > 5
        await pilot.press("G")
        assert story.scroll_y == story.max_scroll_y
        bottom = "\n".join(screen_lines(pilot.app))
        assert "Followers  " in bottom and account.row.profile.bio[:20] in bottom
        assert account.query_one("#story-spark").display == (len(account.row.profile.followers_history) >= 2)
        await pilot.press("pageup", "g")
        assert story.scroll_y == 0


async def test_tag_note_and_keep_act_on_this_account_alone_and_show_at_once(store, settings):
    async with FollowApp(store, settings).run_test(size=SIZE) as pilot:
        main = await ready(pilot)
        table = main.query_one(AccountTable)
        await pilot.press("space", "space")  # two marked rows: the account screen still acts on its own
        marked = {r.id for r in table.marked_rows}
        row = table.cursor_row
        assert len(marked) == 2 and row.id not in marked
        await pilot.press("enter")
        assert isinstance(pilot.app.screen, AccountScreen)
        key = f"github:{row.id}"
        await pilot.press("t")
        assert isinstance(pilot.app.screen, Prompt)
        await pilot.press(*"pal", "enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, AccountScreen)
        assert store.annotations()[key].tags == ("pal",)
        assert "Tags  pal" in story_text(pilot.app)
        await pilot.press("n", *"[b]met[/b] in Brno", "enter")
        await pilot.pause()
        assert store.annotations()[key].note == "[b]met[/b] in Brno"
        assert "Note  [b]met[/b] in Brno" in story_text(pilot.app)  # literally
        await pilot.press("K")
        assert store.annotations()[key].keep is True
        assert "★ kept" in story_text(pilot.app) and "Keep  yes" in story_text(pilot.app)
        await pilot.press("K")
        assert store.annotations()[key].keep is False and "Keep  no" in story_text(pilot.app)
        await pilot.press("2")  # preset 2 is "work"
        assert store.annotations()[key].tags == ("pal", "work") and "Tags  pal, work" in story_text(pilot.app)
        await pilot.press("C")
        assert pilot.app.clipboard == row.handle
        others = store.annotations()
        assert not any(f"github:{pid}" in others and others[f"github:{pid}"].tags for pid in marked)
        await pilot.press("escape")
        assert pilot.app.screen is main
        assert table.cursor_row.id == row.id and {r.id for r in table.marked_rows} == marked
        assert table.cursor_row.tags == ("pal", "work")  # the list shows it too


async def test_follow_and_unfollow_ask_first_for_this_account(store, settings):
    async with FollowApp(store, settings).run_test(size=SIZE) as pilot:
        _, account = await open_fan(pilot)
        await pilot.press("f")
        assert isinstance(pilot.app.screen, Confirm)
        assert pilot.app.screen.question.startswith(f"Follow {account.row.handle} on")
        await pilot.press("escape")
        assert pilot.app.screen is account


async def test_escape_and_q_go_back_with_the_cursor_unchanged(store, settings):
    async with FollowApp(store, settings).run_test(size=SIZE) as pilot:
        main = await ready(pilot)
        table = main.query_one(AccountTable)
        await pilot.press("j", "j", "j")
        row = table.cursor_row
        for back in ("escape", "q"):
            await pilot.press("enter", "j", "pagedown")
            assert isinstance(pilot.app.screen, AccountScreen)
            await pilot.press(back)
            assert pilot.app.screen is main and table.cursor_row.id == row.id
        assert pilot.app.is_running


async def test_keys_have_ids_in_help_and_the_keymap(store, settings):
    ids = binding_ids()
    assert {"account.close", "account.tag", "account.keep", "account.page_down", "account.copy_url"} <= ids
    async with FollowApp(store, settings).run_test(size=SIZE) as pilot:
        await open_fan(pilot)
        await pilot.press("question_mark")
        assert isinstance(pilot.app.screen, HelpScreen)
        listed = pilot.app.screen.keys
        assert ("t", "Tag", "account.tag") in listed and ("K", "Keep", "account.keep") in listed


async def test_escape_clears_a_kept_filter_and_a_second_escape_is_harmless(store, settings):
    async with FollowApp(store, settings).run_test(size=SIZE) as pilot:
        main = await ready(pilot)
        table = main.query_one(AccountTable)
        total = table.row_count
        await pilot.press("space")
        needle = table.visible_rows[4].handle[:4]
        await pilot.press("slash", *needle, "enter")
        box = main.query_one("#filter")
        assert table.has_focus and box.value == needle and 0 < table.row_count < total
        await pilot.press("enter")  # enter on the narrowed list opens the account, the filter stays
        assert isinstance(pilot.app.screen, AccountScreen)
        await pilot.press("escape")
        assert pilot.app.screen is main and box.value == needle
        await pilot.press("escape")
        assert table.row_count == total and box.value == "" and not box.has_class("open") and table.has_focus
        await pilot.press("escape")
        assert pilot.app.is_running and pilot.app.screen is main
        assert table.row_count == total and len(table.marked_rows) == 1


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("hostile-account") / "data"
    build_hostile_store(data_dir, account=OWNER)
    return data_dir


async def test_hostile_names_bios_and_notes_render_literally(hostile_dir, tmp_path):
    shutil.copytree(hostile_dir, tmp_path / "data")
    store = Store(tmp_path / "data")
    (tmp_path / "config").mkdir()
    settings = Settings(config_dir=tmp_path / "config")
    async with FollowApp(store, settings).run_test(size=SIZE) as pilot:
        main = await ready(pilot)
        table = main.query_one(AccountTable)
        wanted = [r for r in table.visible_rows if any(t in r.name for t in MARKUP)]
        assert len(wanted) >= 3
        for row in wanted:
            table.move_cursor_to(row.id)
            await pilot.press("enter")
            text = story_text(pilot.app)
            assert row.name in text and row.profile.bio[:200] in text, row.handle
            for tag in row.tags:
                assert tag in text
            screen_lines(pilot.app)  # no escape or control character, every line full width
            await pilot.press("G")
            screen_lines(pilot.app)
            await pilot.press("escape")
            assert pilot.app.screen is main
        assert pilot.app.is_running and pilot.app.return_code is None


async def test_the_palette_opens_the_account_and_offers_its_keys(store, settings):
    from textual.command import CommandPalette

    async with FollowApp(store, settings).run_test(size=SIZE) as pilot:
        main = await ready(pilot)
        row = main.query_one(AccountTable).cursor_row
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        assert isinstance(pilot.app.screen, CommandPalette)
        await pilot.press(*"open the highlighted account")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert isinstance(pilot.app.screen, AccountScreen) and pilot.app.screen.row.id == row.id
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        await pilot.press(*"keep")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert store.annotations()[f"github:{row.id}"].keep is True
        assert "Keep  yes" in story_text(pilot.app)
