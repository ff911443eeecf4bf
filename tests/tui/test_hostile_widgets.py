"""The hostile corpus through every widget of the terminal UI, with Pilot, on a store holding an account per corpus
text (tests/hostile/stores.py): the account list in every pane, the detail panel, the status line and account
tabs, the history view, the tag, untag, note and export prompts, the confirmation, notifications, the filter and
the help screen. The app keeps running, hostile text shows literally where it is shown (`[/bold]` as typed, never
markup), no rendered strip holds an escape or control character, and every line keeps its width."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Tab

from followtui.core.config import Settings
from followtui.core.store import Store
from followtui.models import SyncReport, SyncStatus, TrackedAccount
from followtui.tui.app import FollowApp
from followtui.tui.screens.help import HelpScreen
from followtui.tui.screens.history import HistoryScreen
from followtui.tui.screens.main import MainScreen
from followtui.tui.screens.prompts import Confirm, Prompt
from followtui.tui.widgets.account_table import AccountTable
from followtui.tui.widgets.detail import describe
from tests.hostile.checks import FORBIDDEN, forbidden
from tests.hostile.corpus import TEXTS
from tests.hostile.stores import T0, build_hostile_store

SIZE = (120, 40)
SMALL = (80, 24)  # where a test needs no detail panel: fewer cells to draw per keypress
LATER = T0 + timedelta(days=2)
#: The tracked account's own handle is hostile too (a server sends it; it names tabs, titles and file names).
OWNER = TrackedAccount(platform="github", handle="[/bold]octo🐙猫[@click=app.quit]x[/]", id="1", added_at=T0)
MARKUP = [TEXTS[n] for n in ("markup.close", "markup.click", "markup.link", "markup.variable", "markup.content")]
PRESETS = ("[/bold]", "[@click=app.quit]q[/]", "$variable", "[link=https://example.invalid]l[/link]")


@pytest.fixture(scope="module")
def hostile_template(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("hostile-tui") / "data"
    store = build_hostile_store(data_dir, account=OWNER)
    report = SyncReport(
        account=OWNER.key, status=SyncStatus.FAILED, started_at=LATER, finished_at=LATER, duration_s=0.1,
        message="said [/bold] [@click=app.quit]x[/] $variable " + "x" * 300,
    )  # fmt: skip
    store.record_failed_sync(report)  # the status line shows the last sync's message
    return data_dir


@pytest.fixture
def hostile_store(hostile_template: Path, tmp_path: Path) -> Store:
    target = tmp_path / "data"
    shutil.copytree(hostile_template, target)
    return Store(target)


@pytest.fixture
def hostile_settings(tmp_path: Path) -> Settings:
    config = tmp_path / "config"
    config.mkdir()
    return Settings(config_dir=config, preset_tags=PRESETS)


async def ready(pilot) -> MainScreen:
    for _ in range(200):
        await pilot.pause(0.05)
        screen = pilot.app.screen
        if isinstance(screen, MainScreen) and screen.screen_data is not None:
            await pilot.pause()
            return screen
    raise AssertionError("the main screen never loaded")


def screen_lines(app) -> list[str]:
    """Every line of what the terminal would be sent for the current screen (modals and toasts included),
    checked: no escape or control character, and each exactly as wide as the terminal."""
    strips = app.screen._compositor.render_strips()
    lines = []
    for strip in strips:
        text = strip.text
        assert not FORBIDDEN.search(text), forbidden(text)
        assert strip.cell_length == app.size.width, (strip.cell_length, text)
        lines.append(text)
    assert len(lines) == app.size.height
    return lines


def table_lines(table: AccountTable) -> list[str]:
    lines = [table.render_line(y).text for y in range(table.scrollable_content_region.height)]
    for line in lines:
        assert not FORBIDDEN.search(line), forbidden(line)
        assert cell_len(line) == table.scrollable_content_region.width, line
    return lines


def still_running(app) -> None:
    assert app.is_running and app.return_code is None  # no [@click=app.quit] ever ran


@pytest.mark.parametrize("size", [SIZE, (80, 24)])
async def test_every_row_of_every_pane_renders_literally_and_keeps_its_width(hostile_store, hostile_settings, size):
    async with FollowApp(hostile_store, hostile_settings).run_test(size=size) as pilot:
        screen = await ready(pilot)
        table = screen.query_one(AccountTable)
        seen: list[str] = []
        for pane in ("followers", "following", "mutuals", "fans", "nonfollowers", "tricksters"):
            screen.show_pane(pane)
            await pilot.pause()
            rows = len(table.visible_rows)
            assert rows, pane
            page = table.scrollable_content_region.height - 1
            for top in range(0, rows, page):  # every row drawn once, through the list's own render_line
                table.scroll_y = min(top, table.max_scroll_y)
                seen += table_lines(table)
            screen_lines(pilot.app)
        shown = "\n".join(seen)
        assert "[/bold]" in shown
        for text in MARKUP:
            assert text[:10] in shown, text  # markup shows as typed (the longer ones cut to their column)
        for name in ("wide.cjk", "rtl.hebrew", "emoji.flags", "wide.fullwidth"):
            assert TEXTS[name][:4] in shown, name
        still_running(pilot.app)


async def test_detail_panel_status_line_tabs_and_history_show_hostile_text_literally(hostile_store, hostile_settings):
    async with FollowApp(hostile_store, hostile_settings).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        data = screen.screen_data
        assert data is not None
        for row in data.rows("following") + data.rows("followers"):  # the panel's renderer, for every account
            text = describe(row, data.timelines.get(row.id, ()), data.relation(row.id))
            assert not FORBIDDEN.search(text.plain), (row.handle, forbidden(text.plain))
            assert row.profile.display_name in text.plain and row.profile.bio in text.plain
        table = screen.query_one(AccountTable)
        wanted = [r for r in table.visible_rows if any(t in r.name for t in MARKUP) or len(r.profile.bio) > 1000]
        wanted += [r for r in table.visible_rows if cell_len(r.name) > len(r.name) or "\u0300" in r.name][:3]
        assert len(wanted) >= 5
        for row in wanted:  # and on screen, for some
            table.move_cursor_to(row.id)
            await pilot.pause()
            panel = str(screen.query_one("#detail-text").render())
            assert row.name in panel and row.profile.bio[:200] in panel, row.handle
            screen_lines(pilot.app)
        assert str(screen.query_one("#acct-0", Tab).label) == OWNER.label  # the account tab, as it is
        lines = screen_lines(pilot.app)
        status = lines[-2]  # the status line sits above the footer
        assert OWNER.label in status and "failed: said [/bold]" in status, status  # the rest wraps out of sight
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HistoryScreen)
        assert any(f"History of {OWNER.label}" in line for line in screen_lines(pilot.app))
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, MainScreen)
        still_running(pilot.app)


async def test_a_sync_message_with_escapes_never_reaches_the_terminal(hostile_store, hostile_settings):
    later = LATER + timedelta(hours=1)
    hostile_store.record_failed_sync(
        SyncReport(
            account=OWNER.key, status=SyncStatus.FAILED, started_at=later, finished_at=later, duration_s=0.1,
            message="\x1b]0;owned\x07\x1b[2J\u202eboom",
        )
    )  # fmt: skip
    async with FollowApp(hostile_store, hostile_settings).run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert "failed: ]0;owned" in screen_lines(pilot.app)[-2] or "failed: boom" in screen_lines(pilot.app)[-2]


async def test_prompts_notifications_suggestions_and_help_keep_text_literal(hostile_store, hostile_settings):
    async with FollowApp(hostile_store, hostile_settings).run_test(size=SMALL, notifications=True) as pilot:
        screen = await ready(pilot)
        row = screen.query_one(AccountTable).cursor_row
        key = f"github:{row.id}"
        hostile_tags = [t for t in screen.screen_data.all_tags() if t.startswith("[")]
        await pilot.press("t", *hostile_tags[0][:3])  # typed: the suggestion offers a hostile tag as it is
        assert isinstance(pilot.app.screen, Prompt)
        await pilot.pause()
        assert any(hostile_tags[0][:12] in line for line in screen_lines(pilot.app))
        pilot.app.screen.query_one("#prompt-input").value = "[/bold] [@click=app.quit]x[/] $variable"
        await pilot.press("enter")
        await pilot.pause()
        assert {"[/bold]", "[@click=app.quit]x[/]", "$variable"} <= set(hostile_store.annotations()[key].tags)
        messages = [n.message for n in pilot.app._notifications]
        assert any("tagged [/bold], [@click=app.quit]x[/], $variable" in m for m in messages), messages
        assert any("tagged [/bold]" in line for line in screen_lines(pilot.app))  # the toast, literally
        await pilot.press("T")
        assert isinstance(pilot.app.screen, Prompt)
        assert any("present: " in line and "[/bold]" in line for line in screen_lines(pilot.app))
        await pilot.press(*"[/bold]", "enter")
        await pilot.pause()
        assert "[/bold]" not in hostile_store.annotations()[key].tags
        await pilot.press("n")
        field = pilot.app.screen.query_one("#prompt-input")
        assert field.value == hostile_store.annotations()[key].note
        screen_lines(pilot.app)
        field.value += " [/] $x [@click=app.bell]\x1b]52;c;aGk=\x07"
        await pilot.press("enter")
        await pilot.pause()
        assert hostile_store.annotations()[key].note.endswith(" [/] $x [@click=app.bell]")  # the escape is gone
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)
        pilot.app.screen.query_one(VerticalScroll).scroll_end(animate=False)  # the preset line is the last key
        await pilot.pause()
        shown = "".join(screen_lines(pilot.app))
        assert "[@click=app.quit]q[/]" in shown and "$variable" in shown
        await pilot.press("escape")
        await pilot.press("1")  # toggles the hostile preset tag "[/bold]"
        await pilot.pause()
        assert "[/bold]" in hostile_store.annotations()[key].tags
        assert any(m.message == "tagged [/bold]" for m in pilot.app._notifications)
        screen_lines(pilot.app)
        still_running(pilot.app)


async def test_filter_confirmation_and_export_with_hostile_text(hostile_store, hostile_settings, tmp_path):
    async with FollowApp(hostile_store, hostile_settings).run_test(size=SMALL, notifications=True) as pilot:
        screen = await ready(pilot)
        table = screen.query_one(AccountTable)
        await pilot.press("slash", *"[/bold]")
        await pilot.pause()
        assert 0 < table.row_count < len(screen.screen_data.rows("followers"))
        assert all("[/bold]" in r.search_text for r in table.visible_rows)
        table_lines(table)
        assert screen.query_one("#filter").value == "[/bold]"
        assert any("[/bold]" in line for line in screen_lines(pilot.app))  # the filter box shows it as typed
        await pilot.press("escape")

        target = next(r for r in table.visible_rows if r.handle == TEXTS["markup.click"])
        table.move_cursor_to(target.id)
        await pilot.pause()
        await pilot.press("f")
        assert isinstance(pilot.app.screen, Confirm)
        assert any(f"Follow {target.handle}" in line for line in screen_lines(pilot.app))
        await pilot.press("n")
        assert isinstance(pilot.app.screen, MainScreen)

        for suffix in (".csv", ".json"):
            exported = tmp_path / f"view{suffix}"
            await pilot.press("e")
            field = pilot.app.screen.query_one("#prompt-input")
            assert OWNER.handle in field.value  # the default file name holds the handle as it is
            screen_lines(pilot.app)
            field.value = str(exported)
            await pilot.press("enter")
            await pilot.pause()
            notes = [n.message for n in pilot.app._notifications]
            assert f"exported {table.row_count:,} rows to {exported}" in notes, notes
            text = exported.read_text(encoding="utf-8")
            assert not FORBIDDEN.search(text)
            if suffix == ".json":
                rows = json.loads(text)["rows"]
            else:
                rows = list(csv.DictReader(text.splitlines(keepends=True)))
                for row in rows:
                    for column in ("handle", "display_name", "bio", "note", "tags"):
                        assert not row[column].startswith(("=", "@", "\t", "\r", "|")), (column, row[column])
            assert [r["id"] for r in rows] == [r.id for r in table.visible_rows]
        screen_lines(pilot.app)
        still_running(pilot.app)


async def test_the_command_palette_lists_hostile_tags_and_accounts_literally(hostile_store, hostile_settings):
    from followtui.tui.commands import FollowCommands

    async with FollowApp(hostile_store, hostile_settings).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        provider = FollowCommands(screen)  # the provider as the palette makes it, for the screen it was opened on
        found = [hit async for hit in provider.search("tag")]
        shown = [Content.from_markup(h.prompt).plain if isinstance(h.prompt, str) else h.prompt.plain for h in found]
        assert "Toggle tag [/bold]" in shown
        discovered = [hit async for hit in provider.discover()]
        assert any(Content.from_markup(h.prompt).plain == f"Switch to {OWNER.label}" for h in discovered)
        still_running(pilot.app)
