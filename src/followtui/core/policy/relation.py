"""How an account relates to you: the evidence a verdict weighs besides the profile.

The question depends on it: for someone you don't follow it is "follow back?", for someone you follow "keep
following?". Built from the store's events and sets by core.analysis, read by the relationship rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Relation:
    you_follow: bool = False
    follows_you: bool = False
    #: On your keep list: always kept, never part of a bulk unfollow.
    kept: bool = False
    #: When they last started following you / you them; None when that was before the first sync (or never).
    follows_since: datetime | None = None
    you_follow_since: datetime | None = None
    #: The first sync, for "since before the first sync" (None: never synced).
    baseline_at: datetime | None = None
    #: How often they followed and then unfollowed you, and the last time (glitches are not counted).
    left_times: int = 0
    followed_at: datetime | None = None
    left_at: datetime | None = None
    #: Their interactions with your posts or repositories, (kind, when) pairs, when None: the platform did not
    #: say; the whole field is None when interactions were never read for your account.
    interactions: tuple[tuple[str, datetime | None], ...] | None = None

    @property
    def trickster(self) -> bool:
        """Followed you, then left, and has not come back."""
        return self.left_times > 0 and not self.follows_you

    @property
    def returned(self) -> bool:
        """Follows you again after leaving at least once."""
        return self.left_times > 0 and self.follows_you


#: Someone you neither follow nor are followed by, with nothing else known (the default of a bare verdict).
STRANGER = Relation()
