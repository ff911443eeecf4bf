"""Your own numbers: followers, following, mutuals, the ratio and follow-back rates, their change over 7 and 30
days, and the milestones crossed — what the writers on follow-back etiquette ask you to look at first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from followtui.core.codec import iso
from followtui.models import EventKind, FollowEvent, SyncReport

MILESTONES = (100, 500, 1_000, 5_000, 10_000, 50_000, 100_000, 500_000, 1_000_000, 5_000_000, 10_000_000)
PERIODS = (7, 30)


@dataclass(frozen=True, slots=True)
class Change:
    """How a count moved over a period; `since` is the sync it is measured from (later than asked for when the
    history is shorter than the period)."""

    days: int
    followers: int
    following: int
    since: datetime


@dataclass(frozen=True, slots=True)
class Stats:
    account: str
    as_of: datetime | None
    followers: int
    following: int
    mutuals: int
    changes: tuple[Change, ...] = ()
    #: (milestone, when it was first reached; None: already reached at the first sync)
    milestones: tuple[tuple[int, datetime | None], ...] = ()

    @property
    def ratio(self) -> float | None:
        """Following ÷ followers: near 1 is reciprocal; 0.75–1.25 is what follow-back advice calls healthy."""
        return self.following / self.followers if self.followers else None

    @property
    def follow_back_rate(self) -> float | None:
        """Of your followers, how many you follow back."""
        return self.mutuals / self.followers if self.followers else None

    @property
    def followed_back_rate(self) -> float | None:
        """Of those you follow, how many follow you back."""
        return self.mutuals / self.following if self.following else None


def account_stats(
    label: str, followers: frozenset[str], following: frozenset[str], syncs: Sequence[SyncReport]
) -> Stats:
    """The numbers of the current snapshot; trends and milestones from the recorded syncs (oldest first)."""
    good = [s for s in syncs if s.observed_at is not None]
    as_of = good[-1].observed_at if good else None
    changes = tuple(_change(good, days) for days in PERIODS if as_of is not None and len(good) > 1)
    return Stats(
        account=label,
        as_of=as_of,
        followers=len(followers),
        following=len(following),
        mutuals=len(followers & following),
        changes=tuple(c for c in changes if c is not None),
        milestones=_milestones(good),
    )


def _change(good: Sequence[SyncReport], days: int) -> Change | None:
    last = good[-1]
    assert last.observed_at is not None
    floor = last.observed_at - timedelta(days=days)
    start = next((s for s in reversed(good[:-1]) if s.observed_at and s.observed_at <= floor), None) or good[0]
    if start is last or start.observed_at is None:
        return None
    return Change(days, last.followers - start.followers, last.following - start.following, start.observed_at)


def sets_at(
    followers: frozenset[str], following: frozenset[str], events: Sequence[FollowEvent], moment: datetime
) -> tuple[set[str], set[str]]:
    """Your two lists as they were at `moment`: the current ones with every later change undone."""
    then_followers, then_following = set(followers), set(following)
    for event in events:
        if event.at <= moment:
            continue
        kind = event.kind
        if kind is EventKind.FOLLOWER_GAINED:
            then_followers.discard(event.profile_id)
        elif kind is EventKind.FOLLOWER_LOST:
            then_followers.add(event.profile_id)
        elif kind is EventKind.FOLLOWING_ADDED:
            then_following.discard(event.profile_id)
        elif kind is EventKind.FOLLOWING_REMOVED:
            then_following.add(event.profile_id)
    return then_followers, then_following


def trend_line(now: Stats, followers: frozenset[str], following: frozenset[str], events: Sequence[FollowEvent]) -> str:
    """`ratio 0.71↗ · back 29%↘`: your ratio and follow-back rate, with an arrow for their move over 7 days."""
    parts = []
    week = next((c for c in now.changes if c.days == 7), None)
    then = None
    if week is not None:
        old_followers, old_following = sets_at(followers, following, events, week.since)
        then = Stats(
            now.account, week.since, len(old_followers), len(old_following), len(old_followers & old_following)
        )
    for name, value, before, shown in (
        ("ratio", now.ratio, then.ratio if then else None, lambda v: f"{v:.2f}"),
        ("back", now.follow_back_rate, then.follow_back_rate if then else None, lambda v: f"{v:.0%}"),
    ):
        if value is None:
            continue
        arrow = "" if before is None or abs(value - before) < 0.005 else ("↗" if value > before else "↘")
        parts.append(f"{name} {shown(value)}{arrow}")
    return " · ".join(parts)


def _milestones(good: Sequence[SyncReport]) -> tuple[tuple[int, datetime | None], ...]:
    reached: list[tuple[int, datetime | None]] = []
    best = 0
    for i, report in enumerate(good):
        for milestone in MILESTONES:
            if best < milestone <= report.followers:
                reached.append((milestone, None if i == 0 else report.observed_at))
        best = max(best, report.followers)
    return tuple(reached)


def stats_doc(stats: Stats) -> dict[str, Any]:
    """JSON with stable keys; rates are fractions (0.85), `ratio` following ÷ followers."""

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 4)

    return {
        "account": stats.account,
        "as_of": iso(stats.as_of),
        "followers": stats.followers,
        "following": stats.following,
        "mutuals": stats.mutuals,
        "ratio": rounded(stats.ratio),
        "follow_back_rate": rounded(stats.follow_back_rate),
        "followed_back_rate": rounded(stats.followed_back_rate),
        "changes": {
            f"{c.days}d": {"followers": c.followers, "following": c.following, "since": iso(c.since)}
            for c in stats.changes
        },
        "milestones": [{"followers": m, "reached_at": iso(at)} for m, at in stats.milestones],
    }
