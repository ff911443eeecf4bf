"""AccountTable: the virtual account list (rendering, navigation, marks, filter, sort, hostile text, messages)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from rich.cells import cell_len
from textual import events
from textual.app import App, ComposeResult
from textual.message import Message

from followtui.models import Annotation, Profile
from followtui.tui.rows import COLUMNS, TRICKSTER_COLUMNS, AccountRow, Column
from followtui.tui.widgets.account_table import AccountTable
from followtui.tui.widgets.account_table_cells import fit, layout

DAY = datetime(2025, 3, 1, tzinfo=UTC)


def row(
    i: int,
    handle: str | None = None,
    name: str = "",
    *,
    followers: int | None = 100,
    tags: tuple[str, ...] = (),
    keep: bool = False,
) -> AccountRow:
    profile = Profile(
        id=str(i), handle=handle or f"user{i:05d}", display_name=name, followers_count=followers,
        following_count=10, posts_count=5, last_active_at=DAY,
    )  # fmt: skip
    return AccountRow.build(profile, Annotation(key=f"github:{i}", tags=tags, keep=keep))


def rows(n: int) -> list[AccountRow]:
    return [row(i, name=f"Person {i}") for i in range(n)]


def cheap_rows(n: int) -> list[AccountRow]:
    """Many rows sharing one profile: enough for the list, quick to build."""
    profile = Profile(id="0", handle="x")
    annotation = Annotation(key="github:0")
    return [
        AccountRow(
            id=str(i), handle=f"user{i}", name=f"Person {i}", followers=i, following=i % 700, ratio=1.0, posts=i % 90,
            last_active=None, tags=(), keep=False, profile=profile, annotation=annotation,
            search_text=f"user{i} person {i}",
        )
        for i in range(n)
    ]  # fmt: skip


class TableApp(App[None]):
    def __init__(self, data: Sequence[AccountRow], columns: Sequence[Column] = COLUMNS) -> None:
        super().__init__()
        self.data = data
        self.columns = columns

    def compose(self) -> ComposeResult:
        table = AccountTable(self.columns, id="accounts")
        table.set_rows(self.data)
        yield table


def lines(table: AccountTable) -> list[str]:
    return [table.render_line(y).text for y in range(table.scrollable_content_region.height)]


def body_texts(table: AccountTable) -> list[str]:
    return [line for line in lines(table)[1:] if line.strip()]


def handles(table: AccountTable) -> list[str]:
    return [r.handle for r in table.visible_rows]


def cursor_on_screen(table: AccountTable) -> bool:
    top = round(table.scroll_y)
    return top <= table.cursor_index < top + table.scrollable_content_region.height - 1


# ----- layout helpers (no app) -----------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [30, 40, 60, 80, 100, 120, 200])
def test_layout_fills_the_width_and_keeps_the_handle_readable(width: int) -> None:
    cells = layout(COLUMNS, width)
    assert sum(w for _, w in cells) + len(cells) - 1 + 2 == width
    assert cells[0][0].key == "handle"
    assert cells[0][1] >= 12


def test_layout_gives_slack_to_tags_then_name() -> None:
    wide = dict((c.key, w) for c, w in layout(COLUMNS, 160))
    assert wide["tags"] > 16 and wide["name"] == 20
    no_tags = [c for c in COLUMNS if c.key != "tags"]
    assert dict((c.key, w) for c, w in layout(no_tags, 160))["name"] > 20


@pytest.mark.parametrize(
    "text", ["山田太郎山田太郎山田太郎", "🙂🙂🙂🙂🙂🙂🙂🙂", "שלום עולם שלום עולם", "plain ascii text here"]
)
@pytest.mark.parametrize("width", [1, 5, 8, 9])
def test_fit_is_exact_in_cells(text: str, width: int) -> None:
    for align in ("left", "right"):
        out = fit(text, width, align)
        assert cell_len(out) == width
    assert fit(text, width).endswith("…") == (cell_len(text) > width)


def test_fit_neutralises_line_breaking_characters() -> None:
    out = fit("a\x1b[31mb\nc\rd\te\u202eF", 20)
    assert "\x1b" not in out and "\n" not in out and "\r" not in out and "\u202e" not in out
    assert cell_len(out) == 20


# ----- rendering -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [80, 120])
async def test_rows_render_with_header_at_any_width(width: int) -> None:
    app = TableApp(rows(50))
    async with app.run_test(size=(width, 20)):
        table = app.query_one(AccountTable)
        shown = lines(table)
        assert "Handle" in shown[0] and "Name" in shown[0] and "Followers" in shown[0]
        assert "user00000" in shown[1] and "Person 0" in shown[1]
        content = table.scrollable_content_region.width
        assert all(cell_len(line) == content for line in shown)
        screenshot = app.export_screenshot()
        assert "user00003" in screenshot


async def test_header_stays_when_scrolled() -> None:
    app = TableApp(rows(200))
    async with app.run_test(size=(80, 12)) as pilot:
        table = app.query_one(AccountTable)
        await pilot.press("end")
        assert round(table.scroll_y) > 0
        shown = lines(table)
        assert "Handle" in shown[0]
        assert "user00199" in shown[-1]


async def test_first_paint_renders_only_visible_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    original = AccountTable._render_row

    def counting(self: AccountTable, row: AccountRow, width: int, *, cursor: bool, marked: bool):  # type: ignore[no-untyped-def]
        calls.append(row.id)
        return original(self, row, width, cursor=cursor, marked=marked)

    monkeypatch.setattr(AccountTable, "_render_row", counting)
    app = TableApp(cheap_rows(100_000))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        table = app.query_one(AccountTable)
        assert table.total_count == 100_000
        assert 30 <= len(calls) <= 3 * 40
        calls.clear()
        await pilot.press("end")
        await pilot.pause()
        assert "99999" in calls
        assert len(calls) <= 3 * 40


async def test_empty_states() -> None:
    app = TableApp([])
    async with app.run_test(size=(80, 10)) as pilot:
        table = app.query_one(AccountTable)
        assert "No accounts here" in lines(table)[1]
        assert table.cursor_row is None
        await pilot.press("down", "space", "a", "enter")  # nothing to act on, nothing breaks
        table.set_rows(rows(3))
        table.set_filter("zzz")
        assert "No matches for “zzz”" in lines(table)[1]


# ----- navigation --------------------------------------------------------------------------------------------------


async def test_navigation_keys_move_the_cursor_and_keep_it_visible() -> None:
    app = TableApp(rows(100))
    async with app.run_test(size=(80, 12)) as pilot:
        table = app.query_one(AccountTable)
        body = table.scrollable_content_region.height - 1
        assert table.cursor_index == 0
        await pilot.press("down", "j", "j")
        assert table.cursor_index == 3
        await pilot.press("up", "k")
        assert table.cursor_index == 1
        await pilot.press("pagedown")
        assert table.cursor_index == 1 + body and cursor_on_screen(table)
        await pilot.press("pageup")
        assert table.cursor_index == 1 and cursor_on_screen(table)
        await pilot.press("end")
        assert table.cursor_index == 99 and cursor_on_screen(table)
        await pilot.press("home")
        assert table.cursor_index == 0 and round(table.scroll_y) == 0
        await pilot.press("G")
        assert table.cursor_index == 99
        await pilot.press("g")
        assert table.cursor_index == 0
        await pilot.press("up")
        assert table.cursor_index == 0
        await pilot.press(*"j" * 14)
        assert cursor_on_screen(table) and round(table.scroll_y) > 0
        assert table.cursor_row is not None and table.cursor_row.handle == "user00014"


async def test_keys_can_be_remapped_by_binding_id() -> None:
    app = TableApp(rows(10))
    async with app.run_test(size=(80, 12)) as pilot:
        app.set_keymap({"list.down": "n", "list.mark": "x"})
        table = app.query_one(AccountTable)
        await pilot.press("n", "n", "x")
        assert table.cursor_index == 3
        assert table.marked_ids == {"2"}


async def test_click_moves_the_cursor_and_header_click_sorts() -> None:
    app = TableApp(rows(30))
    async with app.run_test(size=(80, 12)) as pilot:
        table = app.query_one(AccountTable)
        await pilot.click(AccountTable, offset=(5, 4))
        assert table.cursor_index == 3
        await pilot.click(AccountTable, offset=(5, 0))
        assert table.sort_column == "handle" and not table.sort_reverse
        await pilot.click(AccountTable, offset=(5, 0))
        assert table.sort_reverse


async def test_wheel_scrolls_and_the_cursor_follows_into_view() -> None:
    app = TableApp(rows(100))
    async with app.run_test(size=(80, 12)) as pilot:
        table = app.query_one(AccountTable)
        for _ in range(5):
            table.post_message(events.MouseScrollDown(table, 5, 5, 0, 1, 0, False, False, False))
        await pilot.pause()
        assert round(table.scroll_y) > 0
        assert cursor_on_screen(table)


# ----- marks --------------------------------------------------------------------------------------------------------


async def test_space_marks_and_moves_down_and_a_marks_all_visible() -> None:
    app = TableApp(rows(20))
    async with app.run_test(size=(80, 12)) as pilot:
        table = app.query_one(AccountTable)
        await pilot.press("space", "space")
        assert table.marked_ids == {"0", "1"} and table.cursor_index == 2
        assert lines(table)[1].startswith("●") and not lines(table)[3].startswith("●")
        await pilot.press("up", "space")
        assert table.marked_ids == {"0"}
        table.set_filter("user0001")  # user00010 .. user00019
        await pilot.press("a")
        assert table.marked_ids == {"0", *(str(i) for i in range(10, 20))}
        await pilot.press("a")  # all visible already marked: unmark them
        assert table.marked_ids == {"0"}
        assert [r.id for r in table.marked_rows] == ["0"]
        table.clear_marks()
        assert table.marked_ids == frozenset()


# ----- filter -------------------------------------------------------------------------------------------------------


async def test_filter_is_case_insensitive_unicode_and_literal() -> None:
    data = [
        row(0, "école", "Straße Café"),
        row(1, "yamada", "山田太郎"),
        row(2, "a.b", "dots"),
        row(3, "axb", "no dots"),
        row(4, "brackets", "[x] (y)*", tags=("Friend",)),
        row(5, "emoji", "Bob 🙂"),
    ]
    app = TableApp(data)
    async with app.run_test(size=(80, 12)):
        table = app.query_one(AccountTable)
        for needle, expected in [
            ("ÉCOLE", ["école"]), ("STRASSE", ["école"]), ("山田", ["yamada"]), ("a.b", ["a.b"]),
            ("[x] (", ["brackets"]), (")*", ["brackets"]), ("friend", ["brackets"]), ("🙂", ["emoji"]),
            ("", [r.handle for r in data]), ("\\", []), (".*", []),
        ]:  # fmt: skip
            table.set_filter(needle)
            assert handles(table) == expected, needle
        assert table.filter_text == ".*"
        assert table.total_count == 6 and table.row_count == 0


async def test_filter_narrowing_and_widening_give_the_same_as_from_scratch() -> None:
    data = rows(500)
    app = TableApp(data)
    async with app.run_test(size=(80, 12)):
        table = app.query_one(AccountTable)
        typed = "user0012"
        for end in [*range(1, len(typed) + 1), *range(len(typed) - 1, -1, -1)]:
            table.set_filter(typed[:end])
            expected = [r.handle for r in data if typed[:end] in r.search_text]
            assert handles(table) == expected


async def test_filter_keeps_the_cursor_row_when_it_still_matches() -> None:
    app = TableApp(rows(200))
    async with app.run_test(size=(80, 12)):
        table = app.query_one(AccountTable)
        assert table.move_cursor_to("123")
        table.set_filter("user001")
        assert table.cursor_row is not None and table.cursor_row.id == "123"
        assert cursor_on_screen(table)
        table.set_filter("user0019")
        assert table.cursor_row is not None and table.cursor_row.handle == "user00190"
        assert not table.move_cursor_to("5")


# ----- sort ---------------------------------------------------------------------------------------------------------


async def test_sort_toggles_and_unknowns_stay_last_both_ways() -> None:
    data = [
        row(0, "a", followers=None), row(1, "b", followers=5), row(2, "c", followers=50),
        row(3, "d", followers=None), row(4, "e", followers=5), row(5, "f", followers=1),
    ]  # fmt: skip
    app = TableApp(data)
    async with app.run_test(size=(100, 12)):
        table = app.query_one(AccountTable)
        table.sort_by("followers")
        assert handles(table) == ["f", "b", "e", "c", "a", "d"]  # stable: b before e, a before d
        assert "▲Followers" in lines(table)[0]
        table.sort_by("followers")
        assert handles(table) == ["c", "b", "e", "f", "a", "d"]
        assert "▼Followers" in lines(table)[0]
        table.sort_by("handle")
        assert handles(table) == ["a", "b", "c", "d", "e", "f"]
        assert "Followers▼" not in lines(table)[0] and "Handle▲" in lines(table)[0]
        table.sort_by("handle", reverse=True)
        assert handles(table) == ["f", "e", "d", "c", "b", "a"]
        with pytest.raises(KeyError):
            table.sort_by("nope")


async def test_set_rows_keeps_cursor_marks_filter_and_sort() -> None:
    data = [row(i, f"user{i:02d}", followers=i) for i in range(40)]
    app = TableApp(data)
    async with app.run_test(size=(80, 12)) as pilot:
        table = app.query_one(AccountTable)
        table.sort_by("followers", reverse=True)
        table.set_filter("user1")
        assert handles(table)[0] == "user19"
        table.move_cursor_to("15")
        await pilot.press("space", "space")  # marks 15 and 14
        table.move_cursor_to("12")
        marked_before = table.marked_ids
        assert marked_before == {"15", "14"}
        # A resync: 14 is gone, a new row arrives, order differs and 12 got a tag.
        fresh = [r for r in reversed(data) if r.id != "14"]
        fresh = [row(12, "user12", followers=12, tags=("new",)) if r.id == "12" else r for r in fresh]
        fresh.append(row(99, "user1x", followers=1000))
        table.set_rows(fresh)
        assert table.filter_text == "user1"
        assert table.sort_column == "followers" and table.sort_reverse
        assert handles(table)[0] == "user1x"
        assert table.marked_ids == {"15"}
        assert table.cursor_row is not None and table.cursor_row.id == "12"
        assert table.cursor_row.tags == ("new",)
        table.set_rows(fresh, keep_cursor=False)
        assert table.cursor_index == 0


async def test_set_columns_for_tricksters() -> None:
    app = TableApp(rows(5))
    async with app.run_test(size=(100, 10)):
        table = app.query_one(AccountTable)
        table.sort_by("ratio")
        table.set_columns(TRICKSTER_COLUMNS)
        header = lines(table)[0]
        assert "Times" in header and "Back" in header and "Ratio" not in header
        assert table.sort_column is None


# ----- width, alignment, hostile text -----------------------------------------------------------------------------


def cell_end(line: str, needle: str) -> int:
    """The cell column just after the first occurrence of `needle` in `line`."""
    return cell_len(line[: line.index(needle) + len(needle)])


@pytest.mark.parametrize("width", [80, 120])
async def test_columns_stay_aligned_with_wide_and_rtl_names(width: int) -> None:
    names = [
        "山田太郎山田太郎山田太郎山田",
        "🙂🎉👍🏽 party 🙂🙂🙂🙂🙂🙂",
        "שלום עולם, مرحبا بالعالم",
        "plain",
        "ｆｕｌｌｗｉｄｔｈ",
    ]
    data = [row(i, f"h{i}", name, followers=1000 + i, tags=("标签", "🏷")) for i, name in enumerate(names)]
    app = TableApp(data)
    async with app.run_test(size=(width, 12)):
        table = app.query_one(AccountTable)
        shown = lines(table)
        edge = cell_end(shown[0], "Followers")
        for i, line in enumerate(shown[1 : 1 + len(names)]):
            assert cell_end(line, f"{1000 + i:,}") == edge, line
            assert cell_end(line, "2025-03-01") == cell_end(shown[0], "Active") + 4
            assert cell_len(line) == table.scrollable_content_region.width


HOSTILE = [
    "[/bold]",
    "[@click=app.quit]x[/]",
    "[link=https://x]y[/link]",
    "[b]bold[/b] :smile:",
    "\x1b[31mred",
    "a\nb\rc",
]


async def test_hostile_texts_render_literally_and_do_nothing() -> None:
    data = [row(i, f"h{i}", text, tags=(text,)) for i, text in enumerate(HOSTILE)]
    app = TableApp(data)
    async with app.run_test(size=(140, 12)) as pilot:  # wide enough for the longest text in full
        table = app.query_one(AccountTable)
        shown = lines(table)
        for text in HOSTILE[:4]:
            assert any(text in line for line in shown), text
        assert all("\x1b" not in line and "\n" not in line and "\r" not in line for line in shown)
        assert all(cell_len(line) == table.scrollable_content_region.width for line in shown)
        for y in range(1, len(HOSTILE) + 1):
            await pilot.click(AccountTable, offset=(24, y))
            await pilot.press("enter")
        app.export_screenshot()
        assert app.is_running and app.return_code is None


# ----- messages -----------------------------------------------------------------------------------------------------


async def test_messages_are_posted() -> None:
    seen: list[Message] = []

    def hook(message: Message) -> None:
        mine = isinstance(message, AccountTable.Highlighted | AccountTable.MarksChanged | AccountTable.Selected)
        if mine and not any(m is message for m in seen):  # a bubbling message is hooked at each hop
            seen.append(message)

    app = TableApp(rows(10))
    async with app.run_test(size=(80, 12), message_hook=hook) as pilot:
        await pilot.pause()
        highlighted = [m for m in seen if isinstance(m, AccountTable.Highlighted)]
        assert highlighted and highlighted[-1].row is not None and highlighted[-1].row.id == "0"
        await pilot.press("down")
        await pilot.press("space")
        await pilot.press("enter")
        await pilot.pause()
        highlighted = [m.row.id for m in seen if isinstance(m, AccountTable.Highlighted) and m.row]
        assert highlighted[-2:] == ["1", "2"]
        marks = [m.count for m in seen if isinstance(m, AccountTable.MarksChanged)]
        assert marks == [1]
        selected = [m for m in seen if isinstance(m, AccountTable.Selected)]
        assert [m.row.id for m in selected] == ["2"]
        assert selected[0].control is app.query_one(AccountTable)
        count = len(seen)
        await pilot.press("up", "down")  # same row again after a round trip is still a change each time
        table = app.query_one(AccountTable)
        table.set_rows(rows(10))  # same data: no new Highlighted
        await pilot.pause()
        later = [m for m in seen[count:] if isinstance(m, AccountTable.Highlighted)]
        assert [m.row.id for m in later if m.row] == ["1", "2"]


# ----- without colour ------------------------------------------------------------------------------------------------


async def test_cursor_visible_without_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = TableApp(rows(10))
    async with app.run_test(size=(80, 12)) as pilot:
        table = app.query_one(AccountTable)
        assert app.no_color and table.has_focus
        await pilot.press("down")

        def styled(y: int) -> bool:
            return any(s.style and (s.style.reverse or s.style.bold) for s in table.render_line(y) if s.text.strip())

        assert styled(2)  # the cursor row
        assert not any(s.style and s.style.reverse for s in table.render_line(1))


async def test_theme_change_recolours_cached_rows() -> None:
    app = TableApp(rows(5))
    async with app.run_test(size=(80, 10)) as pilot:
        table = app.query_one(AccountTable)
        app.theme = "textual-dark"
        await pilot.pause()
        before = table.render_line(2)
        app.theme = "textual-light"
        await pilot.pause()
        after = table.render_line(2)
        assert before.text == after.text
        assert [s.style for s in before] != [s.style for s in after]
