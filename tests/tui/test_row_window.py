"""The list's window on a large pane: the app opens on the first screen of a pane read from the store by id, not
on every profile decoded; a sort or filter waits for the whole pane and then runs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from followtui.core.analysis import AccountData
from followtui.core.store import Store, SyncCommit
from followtui.models import Annotation, Profile, SyncReport, SyncStatus, TrackedAccount
from followtui.tui import data
from followtui.tui.data import ScreenData
from followtui.tui.rows import AccountRow, RowWindow
from followtui.tui.widgets.account_table import AccountTable

from .test_account_table import TableApp, cheap_rows, handles

NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)
ACCOUNT = TrackedAccount(platform="github", handle="me", id="1")
FOLLOWERS = 1_000


def build_store(root) -> Store:
    """1,000 followers whose handles sort apart from their ids (and in mixed case), 300 followed, one member
    with no stored profile."""
    store = Store(root)
    store.ensure()
    store.add_account(ACCOUNT)
    profiles = {}
    for i in range(FOLLOWERS + 300):
        pid = str(5000 + i)
        handle = f"{'AB'[i % 2]}user{(i * 7919) % 10007:05d}"
        profiles[pid] = Profile(id=pid, handle=handle, display_name=f"Person {i}", followers_count=i)
    ids = list(profiles)
    followers = frozenset(ids[:FOLLOWERS]) | {"no-profile"}
    following = frozenset(ids[FOLLOWERS:]) | {ids[0]}
    report = SyncReport(ACCOUNT.key, SyncStatus.BASELINE, NOW, NOW, 0.0, observed_at=NOW,
                        followers=len(followers), following=len(following))  # fmt: skip
    store.commit_sync(SyncCommit(ACCOUNT, Profile(id="1", handle="me"), followers, following, profiles, [], report))
    return store


@pytest.fixture
def big(tmp_path, monkeypatch) -> Store:
    monkeypatch.setattr(data, "WINDOW_FROM", 500)  # 1,000 followers make a "big" account here
    return build_store(tmp_path / "data")


def test_a_small_account_opens_on_its_whole_pane(tmp_path) -> None:
    screen = ScreenData.load(build_store(tmp_path / "small"), ACCOUNT)  # 1,001 followers: below WINDOW_FROM
    assert isinstance(screen.view("followers"), list) and len(screen.view("followers")) == FOLLOWERS + 1


@pytest.mark.parametrize("pane", ["followers", "following", "mutuals", "fans", "nonfollowers"])
def test_the_stores_order_is_the_panes_order(big: Store, pane: str) -> None:
    data = AccountData.load(big, ACCOUNT)
    assert data.pane_order(pane) == [p.id for p in data.pane(pane)]


def test_opening_reads_one_screen_of_profiles_not_the_pane(big: Store) -> None:
    screen = ScreenData.load(big, ACCOUNT)
    book = screen.data.profiles
    assert len(book._known) <= RowWindow.BLOCK  # the first block, not 1,001 followers
    window = screen.view("followers")
    assert isinstance(window, RowWindow) and len(window) == FOLLOWERS + 1
    last = window[len(window) - 1]  # the end of the list reads its own block
    assert len(book._known) <= 2 * RowWindow.BLOCK
    screen.prepare()
    whole = screen.view("followers")
    assert isinstance(whole, list)
    assert [r.id for r in whole] == list(window.ids)
    assert whole[-1] is last  # one row object per account, window or whole
    assert [r.handle for r in whole[:3]] == [window[i].handle for i in range(3)]


def test_a_member_without_a_stored_profile_shows_by_its_id(big: Store) -> None:
    screen = ScreenData.load(big, ACCOUNT)
    row = screen.find_row("followers", "no-profile")
    assert row is not None and row.handle == "no-profile"


def test_a_tag_reaches_a_row_already_drawn_in_the_window(big: Store) -> None:
    screen = ScreenData.load(big, ACCOUNT)
    window = screen.view("followers")
    assert isinstance(window, RowWindow)
    first = window[0]
    screen.apply_annotations({f"github:{first.id}": Annotation(key=f"github:{first.id}", tags=("friend",))})
    assert window[0].tags == ("friend",)
    assert screen.find_row("followers", first.id).tags == ("friend",)


def test_the_window_keeps_a_bounded_number_of_blocks() -> None:
    built: list[int] = []
    rows = cheap_rows(RowWindow.BLOCK * (RowWindow.KEPT + 10))

    def build(ids):
        built.append(len(ids))
        return [rows[int(i)] for i in ids]

    window = RowWindow([str(i) for i in range(len(rows))], build)
    assert window[5].id == "5" and window[-1].id == str(len(rows) - 1)
    for i in range(0, len(rows), RowWindow.BLOCK):
        assert window[i].id == str(i)
    assert len(window._blocks) == RowWindow.KEPT
    count = len(built)
    assert window[len(rows) - 1].id == str(len(rows) - 1)  # recently used: still kept
    assert len(built) == count
    assert window.index_of("17") == 17 and window.index_of("nobody") is None
    with pytest.raises(IndexError):
        window[len(rows)]


def window_of(rows: list[AccountRow]) -> RowWindow:
    by_id = {r.id: r for r in rows}
    return RowWindow([r.id for r in rows], lambda ids: [by_id[i] for i in ids])


async def test_a_filter_typed_on_a_window_waits_for_the_whole_pane_then_runs() -> None:
    rows = cheap_rows(3000)
    app = TableApp(window_of(rows))
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(AccountTable)
        assert table.holds_window and table.row_count == 3000
        await pilot.press("down", "down", "space")  # a mark on the window
        assert table.marked_ids == {"2"} and [r.id for r in table.marked_rows] == ["2"]
        table.set_filter("user12")
        await pilot.pause()
        assert table.waiting_for_rows and table.row_count == 0
        assert "Reading all 3,000 rows to filter" in table.render_line(1).text
        table.set_rows(rows)  # the screen hands over the whole pane when it is built
        await pilot.pause()
        assert not table.waiting_for_rows and not table.holds_window
        assert handles(table)[:3] == ["user12", "user120", "user121"]
        assert table.marked_ids == {"2"}


async def test_a_sort_asked_on_a_window_waits_too() -> None:
    rows = cheap_rows(500)
    app = TableApp(window_of(rows))
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(AccountTable)
        table.sort_by("followers", reverse=True)
        await pilot.pause()
        assert table.waiting_for_rows
        assert "to sort" in table.render_line(1).text
        table.set_rows(rows)
        assert handles(table)[0] == "user499"
