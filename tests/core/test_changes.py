"""The event log's words, built from stored events by hand: kinds, one row per gone account, sources, follow
requests from the journal, filters, and the capped name lines of a report."""

from datetime import UTC, datetime, timedelta

import pytest

from followtui.core.changes import (
    changes_from_events,
    named_lines,
    parse_kinds,
    requests_from_journal,
    select,
)
from followtui.models import Change, ChangeKind, EventKind, FollowEvent, Profile, TrackedAccount

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)
DAY = timedelta(days=1)
ME = TrackedAccount(platform="mastodon", handle="me", id="1")
PROFILES = {
    "a": Profile(id="a", handle="alice", display_name="Alice"),
    "b": Profile(id="b", handle="bob"),
    "m": Profile(id="m", handle="mover", moved_to="mover@elsewhere.example"),
}


def ev(kind: EventKind, pid: str, day: int, gone: str = "", detail: str = "", source: str = "") -> FollowEvent:
    return FollowEvent(ME.key, kind, pid, T0 + DAY * day, gone, detail, source)


def kinds_of(rows: list[Change]) -> list[tuple[str, str, str]]:
    return [(r.kind.value, r.handle, r.detail) for r in rows]


def test_each_stored_event_in_the_users_words():
    rows = changes_from_events(
        ME,
        [
            ev(EventKind.FOLLOWER_GAINED, "a", 0),
            ev(EventKind.FOLLOWER_LOST, "a", 1, detail="you follow them"),
            ev(EventKind.FOLLOWING_ADDED, "b", 1),
            ev(EventKind.FOLLOWING_REMOVED, "b", 2),
            ev(EventKind.RENAMED, "b", 3, detail="bobby → bob"),
        ],
        PROFILES,
    )
    assert kinds_of(rows) == [
        ("followed_you", "alice", ""),
        ("unfollowed_you", "alice", "you follow them"),
        ("you_followed", "bob", ""),
        ("you_unfollowed", "bob", ""),
        ("renamed", "bob", "bobby → bob"),
    ]
    assert rows[0].display_name == "Alice" and rows[0].account == "mastodon:me"


def test_an_account_gone_from_both_lists_is_one_row_with_its_reason():
    rows = changes_from_events(
        ME,
        [
            ev(EventKind.FOLLOWER_LOST, "a", 2, gone="suspended"),
            ev(EventKind.FOLLOWING_REMOVED, "a", 2, gone="suspended"),
            ev(EventKind.FOLLOWER_LOST, "m", 2, gone="moved"),
        ],
        PROFILES,
    )
    assert kinds_of(rows) == [("gone", "alice", "suspended"), ("gone", "mover", "moved to mover@elsewhere.example")]


def test_an_unknown_account_is_named_by_its_id():
    [row] = changes_from_events(ME, [ev(EventKind.FOLLOWER_GAINED, "zz", 0)], PROFILES)
    assert (row.id, row.handle, row.display_name) == ("zz", "zz", "")


def test_source_is_kept_and_older_events_get_their_platforms_default():
    synced = changes_from_events(ME, [ev(EventKind.FOLLOWER_GAINED, "a", 0)], PROFILES)
    acted = changes_from_events(ME, [ev(EventKind.FOLLOWING_ADDED, "a", 0, source="action")], PROFILES)
    x = TrackedAccount(platform="x", handle="me", id="me")
    imported = changes_from_events(x, [FollowEvent(x.key, EventKind.FOLLOWER_LOST, "9", T0)], {})
    assert (synced[0].source, acted[0].source, imported[0].source) == ("sync", "action", "import")


def test_follow_requests_come_from_the_journal():
    journal = [
        {"account": ME.key, "outcome": "requested", "at": "2026-03-02T10:00:00Z", "id": "b", "handle": "bob"},
        {"account": ME.key, "outcome": "done", "at": "2026-03-02T10:00:00Z", "id": "a", "handle": "alice"},
        {"account": "github:9", "outcome": "requested", "at": "2026-03-02T10:00:00Z", "id": "c", "handle": "c"},
        {"account": ME.key, "outcome": "requested", "at": "not a time", "id": "d", "handle": "d"},
    ]
    [row] = requests_from_journal(ME, journal)
    assert (row.kind, row.handle, row.source, row.at) == (
        ChangeKind.REQUESTED,
        "bob",
        "action",
        T0 + DAY + timedelta(hours=1),
    )


def test_select_is_newest_first_with_since_and_kinds():
    rows = changes_from_events(
        ME,
        [
            ev(EventKind.FOLLOWER_GAINED, "a", 0),
            ev(EventKind.FOLLOWER_LOST, "a", 2),
            ev(EventKind.FOLLOWER_GAINED, "b", 1),
        ],
        PROFILES,
    )
    assert [r.at for r in select(rows)] == [T0 + 2 * DAY, T0 + DAY, T0]
    assert kinds_of(select(rows, since=T0 + DAY)) == [("unfollowed_you", "alice", ""), ("followed_you", "bob", "")]
    assert kinds_of(select(rows, kinds=[ChangeKind.FOLLOWED_YOU])) == [
        ("followed_you", "bob", ""),
        ("followed_you", "alice", ""),
    ]


def test_kind_names_are_checked():
    assert parse_kinds(["GONE", " renamed"]) == [ChangeKind.GONE, ChangeKind.RENAMED]
    with pytest.raises(ValueError, match="followed_you, unfollowed_you, gone, renamed"):
        parse_kinds(["unfollowed"])


def test_report_lines_name_people_and_cap_with_and_n_more():
    rows = [Change(T0, "github:me", ChangeKind.UNFOLLOWED_YOU, str(i), f"user{i:02}") for i in range(13)]
    rows.append(Change(T0, "github:me", ChangeKind.GONE, "g", "ghost", detail="deleted"))
    rows.append(Change(T0, "github:me", ChangeKind.YOU_FOLLOWED, "y", "yours"))  # not named in reports
    lines = named_lines(rows)
    assert lines == [
        "unfollowed you: " + ", ".join(f"user{i:02}" for i in range(10)) + " and 3 more",
        "gone: ghost (deleted)",
    ]
