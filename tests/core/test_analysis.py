"""Tricksters and history from event streams built by hand."""

from datetime import UTC, datetime, timedelta

from followtui.core.analysis import day_history, find_tricksters
from followtui.models import EventKind, FollowEvent, Profile, SyncReport, SyncStatus

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
DAY = timedelta(days=1)
SYNCS = [T0 + DAY * i for i in range(10)]
PROFILES = {pid: Profile(id=pid, handle=f"h{pid}") for pid in "abcdefg"}


def ev(kind: EventKind, pid: str, day: int, gone: str = "") -> FollowEvent:
    return FollowEvent("github:1", kind, pid, SYNCS[day], gone)


GAIN, LOSS, ADD = EventKind.FOLLOWER_GAINED, EventKind.FOLLOWER_LOST, EventKind.FOLLOWING_ADDED
REMOVE = EventKind.FOLLOWING_REMOVED


def tricksters(events, followers=frozenset(), gone=None, following=frozenset()):
    return find_tricksters(events, frozenset(followers), PROFILES, gone or {}, SYNCS, frozenset(following))


def test_follow_followback_unfollow_timeline():
    [t] = tricksters([ev(GAIN, "a", 1), ev(ADD, "a", 2), ev(LOSS, "a", 4)])
    assert (t.followed_at, t.followed_back_at, t.unfollowed_at) == (SYNCS[1], SYNCS[2], SYNCS[4])
    assert t.stayed_after_follow_back_s == 2 * 86400


def test_baseline_follower_who_leaves_has_unknown_follow_time():
    [t] = tricksters([ev(LOSS, "b", 3)])
    assert t.followed_at is None and t.unfollowed_at == SYNCS[3]


def test_glitch_back_at_next_sync_is_not_a_trickster():
    assert tricksters([ev(GAIN, "c", 1), ev(LOSS, "c", 2), ev(GAIN, "c", 3)], followers={"c"}) == []
    # a glitch followed by a real unfollow later counts once, with the original follow time
    [t] = tricksters([ev(GAIN, "c", 1), ev(LOSS, "c", 2), ev(GAIN, "c", 3), ev(LOSS, "c", 6)])
    assert t.times == 1 and t.followed_at == SYNCS[1]


def test_gone_accounts_and_current_followers_are_not_tricksters():
    events = [ev(GAIN, "d", 1), ev(LOSS, "d", 2, gone="deleted"), ev(GAIN, "e", 1), ev(LOSS, "e", 2)]
    assert tricksters(events, gone={"e": "suspended"}) == []


def test_repeat_offenders_first_then_follow_backs():
    events = [
        ev(GAIN, "f", 1), ev(LOSS, "f", 2), ev(GAIN, "f", 4), ev(LOSS, "f", 5),  # twice
        ev(GAIN, "g", 1), ev(LOSS, "g", 7),  # once, no follow-back, latest
        ev(GAIN, "a", 1), ev(ADD, "a", 2), ev(LOSS, "a", 3),  # once, followed back
    ]  # fmt: skip
    assert [t.profile.id for t in tricksters(events)] == ["f", "a", "g"]
    assert tricksters(events)[0].times == 2


def test_follow_back_before_the_follow_does_not_count():
    [t] = tricksters([ev(ADD, "a", 0), ev(GAIN, "a", 2), ev(LOSS, "a", 4)])
    assert t.followed_back_at is None


def test_day_history_counts_and_totals():
    syncs = [
        SyncReport("github:1", SyncStatus.BASELINE, SYNCS[0], SYNCS[0], 1.0, observed_at=SYNCS[0], followers=10),
        SyncReport("github:1", SyncStatus.OK, SYNCS[1], SYNCS[1], 1.0, observed_at=SYNCS[1], followers=11),
        SyncReport("github:1", SyncStatus.FAILED, SYNCS[2], SYNCS[2], 1.0),
    ]
    events = [ev(GAIN, "a", 1), ev(GAIN, "b", 1), ev(LOSS, "c", 1), ev(LOSS, "d", 1, gone="deleted")]
    rows = day_history(events, syncs)
    assert [(r.day, r.gained, r.lost, r.gone, r.followers) for r in rows] == [
        ("2026-01-05", 0, 0, 0, 10),
        ("2026-01-06", 2, 1, 1, 11),
    ]


def test_posts_are_counted_on_the_day_of_the_sync_after_them():
    def ok(i):
        status = SyncStatus.BASELINE if i == 0 else SyncStatus.OK
        return SyncReport("bluesky:1", status, SYNCS[i], SYNCS[i], 1.0, observed_at=SYNCS[i], followers=10 + i)

    syncs = [ok(0), ok(1), ok(2), ok(3)]
    hour = timedelta(hours=1)
    posts = [
        SYNCS[0] - 30 * DAY,  # long before the baseline: not counted
        SYNCS[0] - 2 * hour,  # the day before the baseline: on the baseline's row
        SYNCS[0],  # at the baseline itself: its row too
        SYNCS[0] + hour,  # after the baseline: the next sync's row
        SYNCS[1] - hour,
        SYNCS[2] + 20 * hour,  # the evening before the sync of day 3
    ]
    rows = day_history([], syncs, posts=posts)
    assert [r.posts for r in rows] == [2, 2, 0, 1]
    assert all(r.posts is None for r in day_history([], syncs))  # the platform lists no posts


def test_followed_back_after_the_baseline_with_its_time():
    [t] = tricksters([ev(GAIN, "a", 1), ev(ADD, "a", 2), ev(LOSS, "a", 4)], following={"a"})
    assert (t.followed_back, t.followed_back_at, t.still_following) == (True, SYNCS[2], True)


def test_followed_back_before_the_baseline_counts_with_no_time():
    """Already following them at the first sync: you were mutual when they left; when is unknown."""
    [t] = tricksters([ev(LOSS, "b", 3)], following={"b"})
    assert (t.followed_back, t.followed_back_at, t.still_following) == (True, None, True)


def test_never_followed_back():
    [t] = tricksters([ev(GAIN, "c", 1), ev(LOSS, "c", 3)])
    assert (t.followed_back, t.followed_back_at, t.still_following) == (False, None, False)


def test_followed_at_the_baseline_then_unfollowed_them_before_they_left():
    """You dropped them first: not mutual when they left, and you don't follow them now."""
    [t] = tricksters([ev(REMOVE, "d", 2), ev(LOSS, "d", 4)])
    assert (t.followed_back, t.still_following) == (False, False)


def test_unfollowed_them_back_after_they_left():
    """Mutual when they left (you followed since before the first sync), then you unfollowed them back."""
    [t] = tricksters([ev(LOSS, "e", 3), ev(REMOVE, "e", 5)])
    assert (t.followed_back, t.followed_back_at, t.still_following) == (True, None, False)


def test_followed_them_only_after_they_left_is_not_a_follow_back():
    [t] = tricksters([ev(GAIN, "f", 1), ev(LOSS, "f", 3), ev(ADD, "f", 5)], following={"f"})
    assert (t.followed_back, t.followed_back_at, t.still_following) == (False, None, True)
