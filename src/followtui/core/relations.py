"""Each account's story with you, read from the event log in one pass: when they followed, when they left (how
often, glitches aside), when you followed them. The trickster pane and the verdicts' relationship rules both
read it, so the two always tell the same story."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from followtui.core.policy.relation import Relation
from followtui.models import EventKind, FollowEvent


@dataclass(slots=True)
class Story:
    """One account's events, walked: follow episodes that ended in an unfollow, and your own follow changes."""

    #: (followed at or None for before the first sync, unfollowed at), glitches merged away.
    episodes: list[tuple[datetime | None, datetime]] = field(default_factory=list)
    #: When the current follow of you began (None: before the first sync, or not following).
    follows_since: datetime | None = None
    follow_backs: list[datetime] = field(default_factory=list)
    following_changes: list[FollowEvent] = field(default_factory=list)
    #: It last left by being deleted, suspended or moved: gone, not a trickster.
    left_gone: bool = False


def sync_clock(sync_times: Iterable[datetime]) -> Callable[[datetime], datetime | None]:
    """The first sync after a moment (a follower back at the very next sync was a glitch, not an episode)."""
    times = sorted(sync_times)

    def next_sync(after: datetime) -> datetime | None:
        i = bisect.bisect_right(times, after)
        return times[i] if i < len(times) else None

    return next_sync


def stories(events: Iterable[FollowEvent], next_sync: Callable[[datetime], datetime | None]) -> dict[str, Story]:
    """Every account's story, from events in time order."""
    by_profile: dict[str, list[FollowEvent]] = defaultdict(list)
    for event in events:
        by_profile[event.profile_id].append(event)
    return {pid: walk(history, next_sync) for pid, history in by_profile.items()}


def walk(history: Sequence[FollowEvent], next_sync: Callable[[datetime], datetime | None]) -> Story:
    story = Story()
    start: datetime | None = None
    for event in history:
        kind = event.kind
        if kind is EventKind.FOLLOWER_GAINED:
            if story.episodes and not story.left_gone and next_sync(story.episodes[-1][1]) == event.at:
                start = story.episodes.pop()[0]  # a glitch: back at the next sync
            else:
                start = event.at
            story.left_gone = False
        elif kind is EventKind.FOLLOWER_LOST:
            if event.gone:
                story.left_gone = True
            else:
                story.episodes.append((start, event.at))
            start = None
        elif kind is EventKind.FOLLOWING_ADDED:
            story.follow_backs.append(event.at)
            story.following_changes.append(event)
        elif kind is EventKind.FOLLOWING_REMOVED:
            story.following_changes.append(event)
    story.follows_since = start
    return story


@dataclass(slots=True)
class Relations:
    """Builds each account's Relation on demand (a list judges a screenful at a time)."""

    followers: frozenset[str]
    following: frozenset[str]
    stories: Mapping[str, Story]
    kept: Callable[[str], bool]
    baseline_at: datetime | None = None
    #: Interactions by account id; None when interactions were never read for this account of yours.
    interactions: Mapping[str, tuple[tuple[str, datetime | None], ...]] | None = None

    def __call__(self, pid: str) -> Relation:
        story = self.stories.get(pid)
        you_follow, follows_you = pid in self.following, pid in self.followers
        interactions = None if self.interactions is None else self.interactions.get(pid, ())
        if story is None:
            return Relation(you_follow, follows_you, self.kept(pid), baseline_at=self.baseline_at,
                            interactions=interactions)  # fmt: skip
        you_since = _you_follow_since(story) if you_follow else None
        followed_at, left_at = story.episodes[-1] if story.episodes else (None, None)
        return Relation(
            you_follow=you_follow,
            follows_you=follows_you,
            kept=self.kept(pid),
            follows_since=story.follows_since if follows_you else None,
            you_follow_since=you_since,
            baseline_at=self.baseline_at,
            left_times=0 if story.left_gone else len(story.episodes),
            followed_at=followed_at,
            left_at=left_at,
            interactions=interactions,
        )


def _you_follow_since(story: Story) -> datetime | None:
    """Your current follow began at your last follow change, if that was a follow (else before the first sync)."""
    if not story.following_changes:
        return None
    last = story.following_changes[-1]
    return last.at if last.kind is EventKind.FOLLOWING_ADDED else None
