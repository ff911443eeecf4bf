"""The app with Pilot: every key path, on real data synced from the simulator."""

from __future__ import annotations

import asyncio
import csv

from followtui.core.analysis import AccountData
from followtui.tui.app import FollowApp
from followtui.tui.screens.first_run import FirstRunScreen
from followtui.tui.screens.help import HelpScreen
from followtui.tui.screens.main import MainScreen
from followtui.tui.screens.prompts import Prompt
from followtui.tui.widgets.account_table import AccountTable
from followtui.tui.widgets.detail import DetailPanel

SIZE = (120, 40)


async def ready(pilot) -> MainScreen:
    """Wait until the main screen has loaded its data."""
    for _ in range(100):
        await pilot.pause(0.05)
        screen = pilot.app.screen
        if isinstance(screen, MainScreen) and screen.screen_data is not None:
            await pilot.pause()
            return screen
    raise AssertionError("the main screen never loaded")


def detail_text(app) -> str:
    return str(app.screen.query_one("#detail-text").render())


async def test_opens_with_counts_and_switches_panes(store, settings):
    data = AccountData.load(store, store.accounts()[0])
    async with FollowApp(store, settings).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        table = screen.query_one(AccountTable)
        assert table.total_count == len(data.pane("followers"))
        assert f"Followers {len(data.pane('followers')):,}" in str(screen.query_one("#followers").label)
        await pilot.press("tab")
        assert screen.pane == "following" and table.total_count == len(data.pane("following"))
        await pilot.press("shift+tab", "shift+tab")
        assert screen.pane == "tricksters"
        assert [c.key for c in table.columns][:2] == ["handle", "times"]
        assert table.total_count == len(data.tricksters())


async def test_cursor_moves_and_detail_follows(store, settings):
    async with FollowApp(store, settings).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        table = screen.query_one(AccountTable)
        first = table.cursor_row
        await pilot.press("j", "j")
        second = table.cursor_row
        assert second.id != first.id
        await pilot.pause()
        assert f"@{second.handle}" in detail_text(pilot.app)
        await pilot.press("G")
        assert table.cursor_row.id == table.visible_rows[-1].id
        await pilot.press("g")
        assert table.cursor_row.id == table.visible_rows[0].id


async def test_filter_as_you_type_and_escape_clears(store, settings):
    async with FollowApp(store, settings).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        table = screen.query_one(AccountTable)
        total = table.row_count
        needle = table.visible_rows[3].handle[:4]
        await pilot.press("slash", *needle)
        assert 0 < table.row_count < total
        assert all(needle.casefold() in r.search_text for r in table.visible_rows)
        await pilot.press("escape")
        assert table.row_count == total and table.has_focus


async def test_a_slash_inside_the_filter_is_text(store, settings):
    async with FollowApp(store, settings).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pilot.press("slash", "a", "slash", "b")
        box = screen.query_one("#filter")
        assert box.has_focus and box.value == "a/b"


async def test_sort_keys(store, settings):
    async with FollowApp(store, settings).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        table = screen.query_one(AccountTable)
        await pilot.press("s", "s", "s", "s")  # handle, verdict, name, followers
        assert table.sort_column == "followers"
        counts = [r.followers for r in table.visible_rows if r.followers is not None]
        assert counts == sorted(counts)
        await pilot.press("S")
        counts = [r.followers for r in table.visible_rows if r.followers is not None]
        assert counts == sorted(counts, reverse=True)


async def test_tag_untag_note_keep_persist(store, settings):
    async with FollowApp(store, settings).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        row = screen.query_one(AccountTable).cursor_row
        key = f"github:{row.id}"
        await pilot.press("t")
        assert isinstance(pilot.app.screen, Prompt)
        await pilot.press(*"close friend", "enter")
        assert store.annotations()[key].tags == ("close", "friend")
        assert "close, friend" in detail_text(pilot.app)
        await pilot.press("T", *"close", "enter")
        assert store.annotations()[key].tags == ("friend",)
        await pilot.press("n", *"[bold]met at FOSDEM[/]", "enter")
        assert store.annotations()[key].note == "[bold]met at FOSDEM[/]"
        assert "[bold]met at FOSDEM[/]" in detail_text(pilot.app)  # shown literally, not as markup
        await pilot.press("K")
        assert store.annotations()[key].keep is True
        await pilot.press("K")
        assert store.annotations()[key].keep is False
        await pilot.press("1")
        assert store.annotations()[key].tags == ()  # preset 1 is "friend": it was there, so it goes
        await pilot.press("2")
        assert store.annotations()[key].tags == ("work",)


async def test_tag_prompt_completes_existing_tags_and_escape_cancels(store, settings):
    async with FollowApp(store, settings).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pilot.press("t", *"volunteer", "enter", "j", "t", *"vol")
        await pilot.pause()
        prompt_input = pilot.app.screen.query_one("#prompt-input")
        assert prompt_input._suggestion == "volunteer"
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, MainScreen)
        row = screen.query_one(AccountTable).cursor_row
        assert f"github:{row.id}" not in store.annotations()


async def test_marks_make_tag_keys_act_on_many(store, settings):
    async with FollowApp(store, settings).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        table = screen.query_one(AccountTable)
        ids = [r.id for r in table.visible_rows[:3]]
        await pilot.press("space", "space", "space")
        assert table.marked_ids == frozenset(ids)
        await pilot.press("3")
        tagged = {k for k, a in store.annotations().items() if "spam" in a.tags}
        assert tagged == {f"github:{i}" for i in ids}
        await pilot.press("slash", *ids and table.visible_rows[0].handle[:5], "enter", "a")
        assert table.marked_ids >= {r.id for r in table.visible_rows}


async def test_copy_uses_osc52_clipboard(store, settings):
    async with FollowApp(store, settings).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        row = screen.query_one(AccountTable).cursor_row
        await pilot.press("c")
        assert pilot.app.clipboard == row.profile.url
        await pilot.press("C")
        assert pilot.app.clipboard == row.handle


async def test_export_writes_the_current_view(store, settings, tmp_path):
    target = tmp_path / "fans.csv"
    async with FollowApp(store, settings).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        table = screen.query_one(AccountTable)
        await pilot.press("tab", "tab", "tab")
        assert screen.pane == "fans"
        await pilot.press("e")
        field = pilot.app.screen.query_one("#prompt-input")
        field.value = str(target)
        await pilot.press("enter")
        with target.open() as handle:
            rows = list(csv.DictReader(handle))
        assert [r["id"] for r in rows] == [r.id for r in table.visible_rows]


async def test_help_lists_keys_and_quit(store, settings):
    async with FollowApp(store, settings).run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        assert isinstance(pilot.app.screen, HelpScreen)
        listed = pilot.app.screen.keys
        text = " ".join(" ".join(k) for k in listed)
        for words in ("Tag", "Filter", "Sync", "main.tag", "friend", "list.mark"):
            assert words in text
        assert ("t", "Tag", "main.tag") in listed
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, MainScreen)
        await pilot.press("q")
    assert pilot.app.return_value is None


async def test_keymap_from_config_remaps_a_binding(store, settings):
    from dataclasses import replace

    remapped = replace(settings, keymap={"main.tag": "x"})
    async with FollowApp(store, remapped).run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("x")
        assert isinstance(pilot.app.screen, Prompt)


async def test_refresh_syncs_in_a_worker_and_shows_the_new_day(live, settings):
    world, sim, store = live
    sim.latency_ms = 250  # slow enough to see the UI answer during the sync
    days_before = len(store.syncs(store.accounts()[0].key))
    app = FollowApp(store, settings, before_sync=lambda: world.advance_days(1))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pilot.press("r")
        assert screen.syncing
        before = screen.query_one(AccountTable).cursor_index
        await pilot.press("j")  # the UI keeps answering while the sync runs
        assert screen.syncing and screen.query_one(AccountTable).cursor_index == before + 1
        for _ in range(200):
            await pilot.pause(0.05)
            if not screen.syncing:
                break
        await pilot.pause(0.3)
        assert len(store.syncs(store.accounts()[0].key)) == days_before + 1
        truth = {str(r["id"]) for r in world.truth("octocat")["followers"]}
        assert {r.id for r in screen.screen_data.rows("followers")} == truth


async def test_changes_from_another_process_show_up(store, settings):
    from dataclasses import replace

    async with FollowApp(store, settings).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        row = screen.query_one(AccountTable).cursor_row
        store.annotate(f"github:{row.id}", lambda a: replace(a, tags=("from-cron",)))
        for _ in range(80):
            await pilot.pause(0.05)
            current = screen.query_one(AccountTable).cursor_row
            if current.tags == ("from-cron",):
                break
        assert screen.query_one(AccountTable).cursor_row.tags == ("from-cron",)


async def test_first_run_screen_without_accounts(tmp_path, settings):
    from followtui.core.store import Store

    async with FollowApp(Store(tmp_path / "empty"), settings).run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(pilot.app.screen, FirstRunScreen)
        await pilot.press("d")
    assert pilot.app.return_value == "demo"


async def test_first_run_buttons_work_with_the_mouse(tmp_path, settings):
    from followtui.core.store import Store

    async with FollowApp(Store(tmp_path / "empty"), settings).run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert await pilot.click("#demo")
        await pilot.pause()
    assert pilot.app.return_value == "demo"


async def test_works_at_80x24(store, settings):
    async with FollowApp(store, settings).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        assert screen.has_class("narrow")
        assert not screen.query_one(DetailPanel).display or screen.query_one(DetailPanel).size.width == 0
        await pilot.press("i")
        assert screen.query_one(DetailPanel).size.width > 0


async def test_unknown_binding_id_in_config_is_reported(store, settings):
    from dataclasses import replace

    app = FollowApp(store, replace(settings, keymap={"main.tag": "x", "main.nonsense": "z"}))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert any("main.nonsense" in p for p in app.problems)
        assert not any("main.tag" in p for p in app.problems)


async def test_hostile_names_and_bios_are_shown_literally(tmp_path, settings):
    from followtui.core.store import Store
    from followtui.simulator import SimulatorServer, World

    from .conftest import build

    world = World.generate(seed=13, owner="octocat", followers=80, following=40, hostile_share=0.6)
    with SimulatorServer(world) as sim:
        store = await asyncio.to_thread(build, tmp_path / "hostile", world, sim.url, 1)
    async with FollowApp(Store(store.data_dir), settings).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        table = screen.query_one(AccountTable)
        hostile = [r for r in table.visible_rows if "[" in r.name or "[" in r.profile.bio]
        assert hostile, "the world should contain markup-like names"
        for _pane in range(6):
            for _ in range(min(5, table.row_count)):
                await pilot.press("j")
            await pilot.press("tab")
        assert pilot.app.is_running  # a [@click=app.quit] name did not quit the app
        table.move_cursor_to(hostile[0].id)
        await pilot.pause()
        text = detail_text(pilot.app)
        assert hostile[0].name in text or hostile[0].profile.bio[:20] in text
        svg = pilot.app.export_screenshot()
        assert "\x1b" not in svg


async def test_theme_choice_is_remembered(store, settings):
    from followtui.core.config import load_ui_state

    async with FollowApp(store, settings).run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert pilot.app.theme == "followtui-dark"
        pilot.app.theme = "followtui-light"
        await pilot.pause()
    assert load_ui_state(store.data_dir)["theme"] == "followtui-light"
    async with FollowApp(store, settings).run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert pilot.app.theme == "followtui-light"
    async with FollowApp(store, settings, theme="followtui-mono").run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert pilot.app.theme == "followtui-mono"  # --theme wins over the remembered choice


async def test_account_switcher_with_two_accounts(tmp_path, settings):
    from followtui.core.connect import add_account, sync_tracked
    from followtui.core.store import Store
    from followtui.simulator import SimulatorServer, World

    world = World.generate(seed=31, owner="octocat", followers=40, following=20)
    world.add_owner("hubot", followers=25, following=10)
    store = Store(tmp_path / "two")

    async def prepare(url: str) -> None:
        for login in ("octocat", "hubot"):
            account = await add_account(store, "github", login, server=url)
            await sync_tracked(store, account)

    with SimulatorServer(world) as sim:
        await asyncio.to_thread(lambda: asyncio.run(prepare(sim.url)))
    async with FollowApp(store, settings).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        assert screen.query_one("#accounts").has_class("several")
        assert screen.screen_data.account.handle == "octocat"
        await pilot.press("right_square_bracket")
        for _ in range(100):
            await pilot.pause(0.03)
            if screen.screen_data.account.handle == "hubot":
                break
        assert screen.screen_data.account.handle == "hubot"
        truth = {str(r["id"]) for r in world.truth("hubot")["followers"]}
        assert {r.id for r in screen.query_one(AccountTable).visible_rows} == truth


async def test_follow_and_unfollow_keys_with_confirmation(tmp_path, settings, monkeypatch):
    from dataclasses import replace

    from followtui.core.store import Store
    from followtui.simulator import SimulatorServer, World
    from followtui.tui.screens.prompts import Confirm

    from .conftest import build

    world = World.generate(seed=51, owner="octocat", followers=40, following=20)
    world.add_token("tok", "octocat")
    monkeypatch.setenv("FOLLOWTUI_GITHUB_TOKEN", "tok")
    with SimulatorServer(world) as sim:
        store = await asyncio.to_thread(build, tmp_path / "acts", world, sim.url, 0)
        app = FollowApp(Store(store.data_dir), replace(settings, pacing_s=0))
        async with app.run_test(size=SIZE) as pilot:
            screen = await ready(pilot)
            await pilot.press("tab", "tab", "tab")  # fans
            table = screen.query_one(AccountTable)
            first, second = table.visible_rows[0], table.visible_rows[1]
            await pilot.press("space", "space", "f")
            assert isinstance(pilot.app.screen, Confirm)
            await pilot.press("n")  # declined: nothing happens
            assert not world.is_following("octocat", int(first.id))
            await pilot.press("f", "y")
            for _ in range(100):
                await pilot.pause(0.05)
                if world.is_following("octocat", int(second.id)) and not table.marked_ids:
                    break
            assert world.is_following("octocat", int(first.id)) and world.is_following("octocat", int(second.id))
            await pilot.pause(0.5)
            assert first.id in {r.id for r in screen.screen_data.rows("mutuals")}


async def test_history_view_shows_every_day_and_closes(store, settings):
    from followtui.tui.screens.history import HistoryScreen, bar

    days = AccountData.load(store, store.accounts()[0]).history()
    async with FollowApp(store, settings).run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("h")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, HistoryScreen) and screen.days == days
        text = "".join(str(s.render()) for s in screen.query("Static"))
        assert "History of github:octocat" in text
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, MainScreen)
    assert bar(0, 10) == "" and bar(10, 10) == "█" * 16 and bar(1, 1000) == "▏"


async def test_verdicts_order_fans_show_their_reasons_and_filter(store, settings):
    from followtui.core.policy import VERDICT_ORDER

    async with FollowApp(store, settings).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        table = screen.query_one(AccountTable)
        screen.show_pane("fans")
        await pilot.pause()
        order = [VERDICT_ORDER[r.verdict.decision] for r in table.visible_rows]
        assert order == sorted(order) and len(set(order)) > 1  # best first, and the policy told them apart
        row = table.cursor_row
        text = detail_text(pilot.app)
        assert f"Verdict: {row.verdict.decision.value}" in text
        assert all(reason.text.split("\n")[0][:30] in text.replace("\n", " ") for reason in row.verdict.deciding)
        await pilot.press("slash", *"is:skip")
        assert table.row_count > 0 and all(r.verdict.decision.value == "skip" for r in table.visible_rows)
        rule = next(iter(table.visible_rows[0].verdict.deciding)).rule
        await pilot.press("space", *f"why:{rule}")
        assert table.row_count > 0
        assert all(any(x.rule == rule for x in r.verdict.reasons) for r in table.visible_rows)
        await pilot.press("escape")
        assert table.row_count == len(table.visible_rows) and table.row_count > 1


async def test_the_open_palette_offers_the_main_screens_commands(store, settings):
    from textual.command import CommandPalette

    async with FollowApp(store, settings).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        assert isinstance(pilot.app.screen, CommandPalette)
        await pilot.press(*"show fans")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert pilot.app.screen is screen and screen.pane == "fans"
