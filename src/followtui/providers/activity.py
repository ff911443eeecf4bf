"""How active an account is, from one page of its newest public acts (GitHub events, a Bluesky author feed).

`last_active_at` is the newest act. `posts_per_day` is the page's acts over the days they cover up to the
server's clock: from the oldest act on the page when older ones exist beyond it (the page is a recent window),
else from where the record begins (account creation, or how far back the platform keeps acts), since then the
page holds everything. The span is at least MIN_SPAN, so a few acts in the last hour are not read as hundreds a
day; a full page inside one day therefore reads as the page size a day, which any noisy threshold catches.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from followtui.models import Profile

MIN_SPAN = timedelta(days=1)
_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Activity:
    """What one page of acts says; None where it says nothing (see `activity_of`)."""

    last_active_at: datetime | None
    posts_per_day: float | None


def activity_of(times: Sequence[datetime], now: datetime, *, more: bool, since: datetime | None) -> Activity:
    """The activity that `times` (one page of acts, any order) shows at `now`.

    `more`: older acts exist beyond this page. `since`: where the record begins when the page holds
    everything (None: unknown, then the oldest act). No acts and nothing more: never active in the record
    (0.0 a day, no last time); no acts on a page that goes on: nothing known.
    """
    if not times:
        return Activity(None, None if more else 0.0)
    acts = [min(t, now) for t in times]  # an act stamped in the future happened by now at the latest
    oldest = min(acts)
    start = oldest if more or since is None else min(since, oldest)
    span = max(now - start, MIN_SPAN)
    return Activity(max(acts), len(acts) / (span / _DAY))


def with_activity(profile: Profile, activity: Activity | None) -> Profile:
    """`profile` carrying `activity` (unchanged when there is none to carry)."""
    if activity is None:
        return profile
    return dataclasses.replace(profile, last_active_at=activity.last_active_at, posts_per_day=activity.posts_per_day)
