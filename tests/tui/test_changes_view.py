"""The event log in the TUI: the history's days opening into their people, the Changes view with the filters of
`followtui changes`, and the relationship of tricksters (`is:following`, then mark all and unfollow).

Pilot runs on the store the other TUI tests use: a real sync against the simulator, four simulated days."""

from __future__ import annotations

import asyncio
import inspect
from datetime import UTC, date, datetime, timedelta

import pytest
from rich.cells import cell_len
from textual.app import App

from followtui.core.analysis import AccountData
from followtui.core.changes import select
from followtui.models import Change, ChangeKind
from followtui.tui.app import FollowApp, binding_ids
from followtui.tui.change_rows import KIND_ORDER, ChangeQuery, change_cells, change_columns, parse_query
from followtui.tui.commands import FollowCommands
from followtui.tui.rows import TRICKSTER_COLUMNS, row_filter
from followtui.tui.screens.changes import SHOWN, ChangesScreen
from followtui.tui.screens.day import DayScreen, day_summary, day_text
from followtui.tui.screens.history import HistoryScreen
from followtui.tui.screens.main import MainScreen
from followtui.tui.screens.prompts import Confirm
from followtui.tui.widgets.account_table import AccountTable
from followtui.tui.widgets.detail import describe
from tests.hostile.checks import FORBIDDEN, forbidden

from .test_app import SIZE, ready
from .test_snapshots import loaded, make_app

SMALL = (80, 24)


def log_of(store) -> list[Change]:
    return AccountData.load(store, store.accounts()[0]).changes(store.journal())


def screen_lines(app) -> list[str]:
    """What the terminal would be sent: no control character, every line exactly as wide as the terminal."""
    lines = []
    for strip in app.screen._compositor.render_strips():
        assert not FORBIDDEN.search(strip.text), forbidden(strip.text)
        assert strip.cell_length == app.size.width, (strip.cell_length, strip.text)
        lines.append(strip.text)
    return lines


def table_handles(screen: ChangesScreen) -> list[str]:
    """The handle column of every row the Changes view holds, as shown (padding stripped)."""
    table = screen.table
    return [str(table.get_row_at(i)[2]).rstrip() for i in range(table.row_count)]


# ----- the filter, without an app -----------------------------------------------------------------------------------


def test_the_filter_reads_kinds_a_first_day_and_words():
    query = parse_query("unfollowed_you kind:gone 2026-01-07 @Bob you-followed")
    assert query.kinds == (ChangeKind.UNFOLLOWED_YOU, ChangeKind.GONE, ChangeKind.YOU_FOLLOWED)  # the log's order
    assert query.since == date(2026, 1, 7) and query.words == ("bob",) and not query.problems
    assert query.since_moment == datetime(2026, 1, 7, tzinfo=UTC)
    assert parse_query(query.text()) == query
    assert parse_query("since:2026-01-31").since == date(2026, 1, 31)
    problems = parse_query("kind:nope 2026-13-01 since:yesterday").problems
    assert len(problems) == 3 and "nope" in problems[0] and "2026-13-01" in problems[1] and "yesterday" in problems[2]
    assert parse_query("[bold]x[/]").words == ("[bold]x[/]",)  # a word as typed, never markup
    named_gone = parse_query("@gone @2026-01-07")  # a person called `gone`, a date in a name
    assert named_gone.words == ("gone", "2026-01-07") and not named_gone.kinds and named_gone.since is None
    assert parse_query(named_gone.toggled(ChangeKind.GONE).text()) == named_gone.toggled(ChangeKind.GONE)


def test_keys_toggle_and_cycle_kinds():
    query = ChangeQuery()
    assert query.toggled(ChangeKind.GONE).toggled(ChangeKind.FOLLOWED_YOU).kinds == (
        ChangeKind.FOLLOWED_YOU,
        ChangeKind.GONE,
    )
    assert query.toggled(ChangeKind.GONE).toggled(ChangeKind.GONE).kinds == ()
    seen = [query := query.cycled() for _ in range(len(KIND_ORDER) + 1)]
    assert [q.kinds for q in seen] == [(k,) for k in KIND_ORDER] + [()]
    assert ChangeQuery(kinds=KIND_ORDER[:2]).cycled().kinds == ()


def test_the_filter_agrees_with_the_command(store):
    rows = log_of(store)
    since = rows[len(rows) // 2].at.date()
    query = parse_query(f"unfollowed_you gone {since.isoformat()}")
    expected = select(rows, since=datetime.combine(since, datetime.min.time(), UTC), kinds=query.kinds)
    assert query.apply(select(rows)) == expected and expected
    assert all(r.kind in (ChangeKind.UNFOLLOWED_YOU, ChangeKind.GONE) and r.at.date() >= since for r in expected)
    handle = expected[0].handle
    assert handle in [r.handle for r in parse_query(handle).apply(select(rows))]


@pytest.mark.parametrize("width", [80, 100, 120, 200])
def test_columns_fill_the_width_and_cells_keep_it(width):
    columns = change_columns(width)
    assert sum(c.width + 2 for c in columns) + 1 <= width  # each cell has a space either side; the scrollbar one
    assert [c.key for c in columns][:3] == ["at", "kind", "handle"] and ("source" in [c.key for c in columns]) == (
        width >= 100
    )
    change = Change(datetime(2026, 1, 7, 9, tzinfo=UTC), "github:x", ChangeKind.GONE, "1", "名前" * 30, "[bold]x[/]")
    for (text, _), column in zip(change_cells(change, columns), columns, strict=True):
        assert cell_len(text) == column.width


# ----- the history's days, opened ----------------------------------------------------------------------------------


async def test_a_history_day_opens_into_the_people_behind_its_numbers(store, settings):
    data = AccountData.load(store, store.accounts()[0])
    log = data.changes(store.journal())
    tricksters = data.tricksters()
    # the oldest day someone unfollowed you: the cursor has to travel to it
    day = min(c.at.date() for c in log if c.kind is ChangeKind.UNFOLLOWED_YOU).isoformat()
    on_day = [c for c in log if c.at.date().isoformat() == day]
    async with FollowApp(store, settings).run_test(size=SMALL) as pilot:
        await ready(pilot)
        await pilot.press("h")
        history = pilot.app.screen
        assert isinstance(history, HistoryScreen)
        await pilot.pause()
        assert history.highlighted_day == history.days[-1].day  # newest first
        lines = screen_lines(pilot.app)  # 80×24: every day on screen, under the two trends
        assert all(any(line.strip().startswith(d.day) for line in lines) for d in history.days)
        for _ in range(len(history.days)):
            if history.highlighted_day == day:
                break
            await pilot.press("j")
        assert history.highlighted_day == day
        await pilot.press("k", "down")  # arrows move too
        assert history.highlighted_day == day
        await pilot.press("enter")
        opened = pilot.app.screen
        assert isinstance(opened, DayScreen) and opened.day == day
        assert sorted(c.id for c in opened.changes) == sorted(c.id for c in on_day)
        shown = "\n".join(screen_lines(pilot.app))
        assert f"{day} on github:octocat" in shown
        text = str(opened.query_one("#day-text").render())
        for change in on_day:
            assert change.handle in text
            assert change.display_name[:10] in text
        left = [c for c in on_day if c.kind is ChangeKind.UNFOLLOWED_YOU]
        assert f"Unfollowed you ({len(left)})" in text
        if any(t.unfollowed_at.date().isoformat() == day for t in tricksters):
            assert "trickster" in text
        await pilot.press("escape")
        assert pilot.app.screen is history and history.highlighted_day == day
        await pilot.press("G")
        assert history.highlighted_day == history.days[0].day
        await pilot.press("g", "escape")
        assert isinstance(pilot.app.screen, MainScreen)


def test_the_day_text_names_each_kind_with_its_reason():
    at = datetime(2026, 1, 7, 9, tzinfo=UTC)
    changes = [
        Change(at, "github:me", ChangeKind.FOLLOWED_YOU, "1", "ana", "Ana"),
        Change(at, "github:me", ChangeKind.UNFOLLOWED_YOU, "2", "bob", "[bold]x[/]", "you follow them"),
        Change(at, "github:me", ChangeKind.GONE, "3", "cy", "", "deleted"),
        Change(at, "github:me", ChangeKind.RENAMED, "4", "dee", "Dee", "old → dee"),
        Change(at, "github:me", ChangeKind.YOU_UNFOLLOWED, "5", "eve", "Eve"),
    ]
    assert day_summary(changes) == "1 followed you · 1 unfollowed you · 1 gone · 1 renamed · 1 you unfollowed"
    text = day_text("2026-01-07", changes, frozenset({"2"})).plain
    assert text.splitlines()[0] == "Followed you (1)"
    for words in ("Followed you (1)", "ana", "Unfollowed you (1)", "[bold]x[/]", "you follow them", "trickster",
                  "Gone (1)", "cy", "deleted", "old → dee", "You unfollowed (1)", "eve"):  # fmt: skip
        assert words in text, words
    assert "Nothing changed" in day_text("2026-01-08", []).plain


# ----- the Changes view ---------------------------------------------------------------------------------------------


async def test_the_changes_view_lists_the_log_and_filters_it(store, settings):
    log = log_of(store)
    async with FollowApp(store, settings).run_test(size=SMALL) as pilot:
        await ready(pilot)
        await pilot.press("l")
        screen = pilot.app.screen
        assert isinstance(screen, ChangesScreen)
        await pilot.pause()
        newest_first = select(log)
        assert screen.table.row_count == len(log) and screen.shown == newest_first
        assert table_handles(screen)[:5] == [c.handle[:16] for c in newest_first[:5]]
        await pilot.press("2")  # unfollowed you
        await pilot.pause()
        left = select(log, kinds=[ChangeKind.UNFOLLOWED_YOU])
        assert left and screen.filter_box.value == "unfollowed_you"
        assert screen.shown == left and screen.table.row_count == len(left)
        assert all("unfollowed you" in str(screen.table.get_row_at(i)[1]) for i in range(len(left)))
        assert f"{len(left)} of {len(log)} changes · unfollowed you" in str(
            screen.query_one("#changes-status").render()
        )
        # by the filter box: kinds and a first day, as `followtui changes --kind … --since …`
        since = left[len(left) // 2].at.date()
        await pilot.press("slash")
        screen.filter_box.value = ""
        await pilot.press(*f"gone unfollowed_you {since.isoformat()}", "enter")
        await pilot.pause()
        expected = select(log, since=datetime.combine(since, datetime.min.time(), UTC),
                          kinds=[ChangeKind.UNFOLLOWED_YOU, ChangeKind.GONE])  # fmt: skip
        assert screen.shown == expected and screen.table.has_focus
        await pilot.press("0")  # every kind again, still since that day
        await pilot.pause()
        assert screen.shown == [c for c in newest_first if c.at.date() >= since]
        await pilot.press("c")  # cycles: the first kind alone
        await pilot.pause()
        assert {c.kind for c in screen.shown} == {ChangeKind.FOLLOWED_YOU}
        await pilot.press("slash", "escape")  # escape in the box clears the filter
        await pilot.pause()
        assert screen.shown == newest_first and screen.table.has_focus
        await pilot.press("j", "j")
        assert screen.table.cursor_row == 2
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, MainScreen)


async def test_the_changes_view_is_in_the_palette_help_and_keymap(store, settings):
    from dataclasses import replace

    async with FollowApp(store, settings).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        hits = [hit async for hit in FollowCommands(screen).search("changes log")]
        assert hits and hits[0].text.startswith("Changes log") and hits[0].help == "key: l"
        opened = hits[0].command()
        if inspect.isawaitable(opened):  # run_action: the palette awaits it
            await opened
        await pilot.pause()
        changes = pilot.app.screen
        assert isinstance(changes, ChangesScreen)
        found = {hit.text: hit async for hit in FollowCommands(changes).search("only gone")}
        found["Only “gone”"].command()
        await pilot.pause()
        assert changes.shown and {c.kind for c in changes.shown} == {ChangeKind.GONE}
        await pilot.press("question_mark")
        listed = pilot.app.screen.keys
        assert ("c", "Kind", "changes.cycle_kind") in listed and (
            "2",
            "Show or hide “unfollowed you”",
            "changes.kind_2",
        ) in listed
        await pilot.press("escape", "escape", "question_mark")
        assert any(binding_id == "main.changes" for _, _, binding_id in pilot.app.screen.keys)
    assert {"main.changes", "changes.filter", "changes.kind_7", "history.open_day", "day.close"} <= binding_ids()
    async with FollowApp(store, replace(settings, keymap={"main.changes": "L"})).run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("L")
        assert isinstance(pilot.app.screen, ChangesScreen)


class LogApp(App[None]):
    def __init__(self, changes: list[Change]) -> None:
        super().__init__()
        self.changes = changes

    def on_mount(self) -> None:
        self.push_screen(ChangesScreen("github:big", self.changes))


async def test_thousands_of_changes_are_capped_with_a_line_saying_how_many_more():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    kinds = list(ChangeKind)
    many = [
        Change(start + timedelta(minutes=i), "github:big", kinds[i % len(kinds)], str(i), f"user{i}", f"Person {i}")
        for i in range(SHOWN * 6)
    ]
    async with LogApp(many).run_test(size=SMALL) as pilot:
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, ChangesScreen)
        assert screen.table.row_count == SHOWN and len(screen.shown) == len(many)
        status = str(screen.query_one("#changes-status").render())
        assert f"newest {SHOWN:,} of {len(many):,} ({len(many) - SHOWN:,} more: narrow with filters)" in status
        assert str(screen.table.get_row_at(0)[2]).strip() == f"user{len(many) - 1}"  # newest first
        await pilot.press("slash", *"user12")  # a long log is filtered again once typing pauses
        await pilot.pause(0.4)
        assert 0 < screen.table.row_count == len(screen.shown) < SHOWN  # under the cap: all of them
        assert "more" not in str(screen.query_one("#changes-status").render())
        await pilot.press("3", "enter")  # enter applies at once
        assert all(c.handle.startswith("user123") for c in screen.shown) and screen.table.has_focus
        screen_lines(pilot.app)


async def test_hostile_names_in_the_log_and_the_days_show_literally(tmp_path, settings):
    from followtui.core.store import Store
    from tests.hostile.stores import synced_hostile_store

    store = await asyncio.to_thread(synced_hostile_store, tmp_path / "hostile", "github", followers=150, days=3)
    log = log_of(store)
    markup = [c for c in log if "[" in c.display_name and "]" in c.display_name]
    assert markup, "every account of this world has hostile text"
    target = markup[0]
    async with FollowApp(Store(store.data_dir), settings).run_test(size=(200, 50)) as pilot:
        await ready(pilot)
        await pilot.press("l")
        screen = pilot.app.screen
        assert isinstance(screen, ChangesScreen)
        screen.filter_box.value = target.handle  # the handle as a word finds the person
        await pilot.pause()
        assert target in screen.shown
        shown = "\n".join(screen_lines(pilot.app))
        assert target.display_name[:30] in shown  # `[/bold]`, `[@click=app.quit]x[/]`… as typed
        screen.filter_box.value = ""
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        screen_lines(pilot.app)  # every hostile row, cut to 80 columns, keeps its width
        await pilot.resize_terminal(200, 50)
        await pilot.pause()
        assert pilot.app.is_running and pilot.app.return_code is None
        await pilot.press("escape", "escape", "h")
        history = pilot.app.screen
        assert isinstance(history, HistoryScreen)
        await pilot.pause()
        for _ in range(len(history.days)):
            if history.highlighted_day == target.at.date().isoformat():
                break
            await pilot.press("j")
        await pilot.press("enter")
        assert isinstance(pilot.app.screen, DayScreen)
        await pilot.pause()
        assert target.display_name[:20] in str(pilot.app.screen.query_one("#day-text").render())
        screen_lines(pilot.app)
        assert pilot.app.is_running and pilot.app.return_code is None


# ----- tricksters and the relationship ------------------------------------------------------------------------------


async def test_is_following_leaves_the_tricksters_you_still_follow_ready_to_unfollow(store, settings):
    tricksters = AccountData.load(store, store.accounts()[0]).tricksters()
    still = {t.profile.id for t in tricksters if t.still_following}
    assert still and len(still) < len(tricksters), "the demo should have tricksters of both sorts"
    async with FollowApp(store, settings).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        table = screen.query_one(AccountTable)
        await pilot.press("shift+tab")
        assert screen.pane == "tricksters"
        await pilot.press("slash", *"is:following", "enter")
        assert {r.id for r in table.visible_rows} == still
        await pilot.press("a")
        assert table.marked_ids == still
        await pilot.press("u")
        assert isinstance(pilot.app.screen, Confirm)
        assert any(f"Unfollow {len(still)} accounts" in line for line in screen_lines(pilot.app))
        await pilot.press("n")
        # `is:follow` stays the verdict "follow back" (the tricksters you no longer follow may get it: none here,
        # they left you); `is:unfollow` with `is:following`: the tricksters you still follow, all to unfollow
        await pilot.press("slash", "ctrl+u", *"is:unfollow", "enter")
        assert table.row_count and all(r.verdict.decision.value == "unfollow" for r in table.visible_rows)
        await pilot.press("slash", "ctrl+u", *"is:unfollow is:following", "enter")
        assert {r.id for r in table.visible_rows} == {
            r.id for r in screen.screen_data.rows("tricksters") if r.id in still and not r.keep
        }
        await pilot.press("slash", "ctrl+u", *"is:following", "enter")
        screen.show_pane("following")  # people you follow: all of them
        await pilot.pause()
        assert table.row_count == table.total_count > 0
        screen.show_pane("fans")  # they follow you and you don't follow them: none
        await pilot.pause()
        assert table.row_count == 0 and table.total_count > 0


async def test_the_pane_and_the_detail_show_the_relationship(store, settings):
    async with FollowApp(store, settings).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        rows = screen.screen_data.rows("tricksters")
        columns = {c.key: c for c in TRICKSTER_COLUMNS}
        for row in rows:
            t = row.trickster
            assert columns["you_follow"].text(row) == ("yes" if t.still_following else "")
            assert bool(columns["followed_back"].text(row)) == t.followed_back
            text = describe(row, screen.screen_data.timelines.get(row.id, ()), "").plain
            assert ("You still follow them" in text) == t.still_following
            assert ("You no longer follow them" in text) != t.still_following
            assert ("You had followed them back (mutual when they left)" in text) == t.followed_back
        await pilot.press("shift+tab")
        header = screen.query_one(AccountTable).render_line(0).text
        assert "Back" in header and "You follow" in header


def test_is_following_is_a_relation_and_is_follow_a_verdict():
    from followtui.models import Annotation, Profile
    from followtui.tui.rows import AccountRow

    followed, other = (
        AccountRow.build(Profile(id=str(i), handle=f"ana{i}"), Annotation(key=f"github:{i}"), you_follow=i == 1)
        for i in (1, 2)
    )
    needle, test = row_filter("ana is:following")
    assert needle == "ana" and test is not None
    assert test(followed) and not test(other)  # no policy needed: it asks about you, not about them
    _, verdict_test = row_filter("is:follow")
    assert verdict_test is not None and not verdict_test(followed)  # the verdict "follow back": none without a policy
    assert followed.with_annotation(Annotation(key="github:1", tags=("x",))).you_follow


# ----- snapshots ----------------------------------------------------------------------------------------------------


def test_snapshot_of_the_changes_view(snap_compare, store, settings):
    assert snap_compare(make_app(store, settings), press=["l", "2"], terminal_size=SMALL, run_before=loaded)


def test_snapshot_of_a_day(snap_compare, store, settings):
    assert snap_compare(make_app(store, settings), press=["h", "j", "enter"], terminal_size=SMALL, run_before=loaded)
