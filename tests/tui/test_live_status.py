"""The UI while `followtui watch` runs for the account on screen: "● live" in the status line while its
heartbeat is recent, and what it records on screen within a second or so (polled, never pushed)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from followtui.models import EventKind, FollowEvent, Profile
from followtui.tui.app import FILE_POLL_S, FollowApp
from followtui.tui.widgets.account_table import AccountTable
from followtui.tui.widgets.status import LIVE

from .test_app import SIZE, ready

SOURCE = "ws://127.0.0.1:1/subscribe"


def live_text(screen) -> str | None:
    shown = screen.query_one("#status-live")
    return str(shown.render()) if shown.display else None


async def wait_until(pilot, condition, limit_s: float) -> float:
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < limit_s, "not on screen in time"
        await pilot.pause(0.05)
    return time.monotonic() - start


async def test_live_shows_while_watch_beats_and_its_events_come_in(store, settings):
    account = store.accounts()[0]
    async with FollowApp(store, settings).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        table = screen.query_one(AccountTable)
        before = table.total_count
        await pilot.pause(FILE_POLL_S * 2)
        assert live_text(screen) is None

        now = datetime.now(UTC)
        store.save_watch(account.key, SOURCE, 7, now, 4242, started_at=now)
        await wait_until(pilot, lambda: live_text(screen) == LIVE, 3 * FILE_POLL_S + 2)

        newcomer = Profile(id="9990001", handle="just-followed", display_name="Just Followed")
        event = FollowEvent(account.key, EventKind.FOLLOWER_GAINED, newcomer.id, now, source="watch")
        assert store.record_live(account, [event], {newcomer.id: newcomer}, cursor=8, source=SOURCE) == [event]
        took = await wait_until(pilot, lambda: screen.query_one(AccountTable).total_count == before + 1, 5)
        assert took < 3  # "within a second" on a quiet machine: a 0.5 s poll and a reload of this small account
        assert screen.screen_data.find_row("followers", newcomer.id).handle == "just-followed"

        store.save_watch(account.key, SOURCE, 8, now, None)  # stopped cleanly
        await wait_until(pilot, lambda: live_text(screen) is None, 3 * FILE_POLL_S + 2)
        assert table is screen.query_one(AccountTable)
