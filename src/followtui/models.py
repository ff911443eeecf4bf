"""Domain objects every layer shares.

Frozen, slotted dataclasses with no behaviour beyond small derived values: providers build them, the store
persists them, analysis and the UIs read them. This module imports nothing of ours.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class Platform(enum.StrEnum):
    GITHUB = "github"
    BLUESKY = "bluesky"
    MASTODON = "mastodon"
    #: Import-only: known from offline exports (`followtui import …`), never synced or acted on live.
    X = "x"
    INSTAGRAM = "instagram"

    @property
    def import_only(self) -> bool:
        return self in (Platform.X, Platform.INSTAGRAM)


@dataclass(frozen=True, slots=True)
class Profile:
    """One account on a platform, keyed by its stable id (never the handle: handles change).

    Counts and activity are None when the platform did not tell us (list pages often omit them):
    unknown is not zero.
    """

    id: str
    handle: str
    display_name: str = ""
    bio: str = ""
    avatar_url: str = ""
    url: str = ""
    followers_count: int | None = None
    following_count: int | None = None
    posts_count: int | None = None
    created_at: datetime | None = None
    last_active_at: datetime | None = None
    private: bool | None = None
    bot: bool | None = None
    default_avatar: bool | None = None
    #: When a full profile (with counts) was fetched; None for a bare list entry.
    hydrated_at: datetime | None = None
    #: (when, followers_count) each time a hydration saw the count change; bounded, oldest first.
    followers_history: tuple[tuple[datetime, int], ...] = ()
    #: Moderation labels the platform puts on the account (Bluesky: spam, impersonation, !hide, …).
    labels: tuple[str, ...] = ()
    #: The account it moved to (Mastodon `moved`), as that account's handle; empty when it has not moved.
    moved_to: str = ""
    #: How often it posts: posts a day over its recent posts or public events; None when not looked up.
    posts_per_day: float | None = None

    @property
    def ratio(self) -> float | None:
        """Following divided by followers: ~1 is reciprocal, near 0 is an 'elite' account, high is a farmer."""
        if self.followers_count is None or self.following_count is None:
            return None
        if self.followers_count == 0:
            return None if self.following_count == 0 else float(self.following_count)
        return self.following_count / self.followers_count


class InteractionKind(enum.StrEnum):
    """How someone engaged with you: on your posts (Bluesky, Mastodon) or your repositories (GitHub)."""

    REPLY = "reply"
    MENTION = "mention"
    LIKE = "like"
    REPOST = "repost"
    STAR = "star"
    FORK = "fork"
    ISSUE = "issue"


@dataclass(frozen=True, slots=True)
class Interaction:
    """One act of someone towards you, with its time (None when the platform does not say when)."""

    profile: Profile
    kind: InteractionKind
    at: datetime | None


class GoneReason(enum.StrEnum):
    """Why an account no longer exists for us; a gone follower is not an unfollow."""

    DELETED = "deleted"
    DEACTIVATED = "deactivated"
    SUSPENDED = "suspended"
    MOVED = "moved"


@dataclass(frozen=True, slots=True)
class GoneAccount:
    id: str
    reason: GoneReason
    moved_to: str = ""


@dataclass(frozen=True, slots=True)
class FollowList:
    """A complete list as fetched: the provider raises rather than return a partial one."""

    accounts: tuple[Profile, ...]
    pages: int
    requests: int


class EventKind(enum.StrEnum):
    FOLLOWER_GAINED = "follower_gained"
    FOLLOWER_LOST = "follower_lost"
    FOLLOWING_ADDED = "following_added"
    FOLLOWING_REMOVED = "following_removed"
    #: The account changed its handle (its stable id did not): `detail` holds "old → new". Not a follow change.
    RENAMED = "renamed"


class EventSource(enum.StrEnum):
    """Where an event was seen: a sync, an offline import, an action made through followtui, a live stream."""

    SYNC = "sync"
    IMPORT = "import"
    ACTION = "action"
    WATCH = "watch"


@dataclass(frozen=True, slots=True)
class FollowEvent:
    """A change seen between two complete snapshots, stamped with the sync's time.

    For `follower_lost`, `gone` names why the account vanished; empty means a real unfollow. `source` is
    empty in events stored before it was kept (then a sync's, or an import's on import-only platforms).
    """

    account: str  # tracked account key, "platform:handle-independent id" (see TrackedAccount.key)
    kind: EventKind
    profile_id: str
    at: datetime
    gone: str = ""
    detail: str = ""
    source: str = ""


@dataclass(frozen=True, slots=True)
class TrackedAccount:
    """One of the user's own accounts. Shown as `platform:handle`, keyed by the stable id."""

    platform: str
    handle: str
    id: str
    server: str = ""
    token_env: str = ""
    added_at: datetime | None = None
    #: Bluesky only: the PDS that signs in and writes follow records, when it is not the read server.
    pds: str = ""

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.id}"

    @property
    def label(self) -> str:
        return f"{self.platform}:{self.handle}"


class SyncStatus(enum.StrEnum):
    OK = "ok"
    BASELINE = "baseline"
    SUSPECT = "suspect"
    FAILED = "failed"


class ChangeKind(enum.StrEnum):
    """The event log's words for what happened, as the user asks it: "who unfollowed me?"."""

    FOLLOWED_YOU = "followed_you"
    UNFOLLOWED_YOU = "unfollowed_you"
    GONE = "gone"
    RENAMED = "renamed"
    YOU_FOLLOWED = "you_followed"
    YOU_UNFOLLOWED = "you_unfollowed"
    REQUESTED = "requested"


@dataclass(frozen=True, slots=True)
class Change:
    """One row of the event log: when, on which of your accounts, what, who (by name), and where it was seen."""

    at: datetime
    account: str  # the tracked account's label, platform:handle
    kind: ChangeKind
    id: str
    handle: str
    display_name: str = ""
    detail: str = ""
    source: str = EventSource.SYNC.value


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What one sync of one account did; failed and suspect syncs change nothing else."""

    account: str
    status: SyncStatus
    started_at: datetime
    finished_at: datetime
    duration_s: float
    #: The platform's clock when the lists were read (the sync clock every event of this sync carries).
    observed_at: datetime | None = None
    followers: int = 0
    following: int = 0
    gained: int = 0
    lost: int = 0
    gone: int = 0
    added: int = 0
    removed: int = 0
    requests: int = 0
    #: Accounts in your lists whose profile was never looked up yet (their counts and activity are unknown).
    unhydrated: int = 0
    message: str = ""
    #: This sync's changes by name (not stored with the report: the events are).
    changes: tuple[Change, ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class Annotation:
    """The user's own words about an account: tags, a note, and keep (never bulk-unfollowed)."""

    key: str  # "platform:id"
    tags: tuple[str, ...] = ()
    note: str = ""
    keep: bool = False


@dataclass(frozen=True, slots=True)
class Trickster:
    """Followed you, then unfollowed while their account still exists.

    followed_at is None when the follow predates the first sync (a baseline follower).
    """

    profile: Profile
    followed_at: datetime | None
    followed_back_at: datetime | None
    unfollowed_at: datetime
    times: int = 1
    stayed_after_follow_back_s: float | None = None
    #: You followed them while they followed you (also when you already did at the first sync: you were
    #: mutual when they left); followed_back_at stays None when that time is unknown.
    followed_back: bool = False
    #: You follow them now: the fact to act on.
    still_following: bool = False


@dataclass(frozen=True, slots=True)
class DayHistory:
    day: str  # ISO date
    gained: int = 0
    lost: int = 0
    gone: int = 0
    added: int = 0
    removed: int = 0
    followers: int | None = None
    following: int | None = None
    tricksters: int = 0
    #: Your own posts that day; None where the platform does not list them cheaply (GitHub, imports).
    posts: int | None = None
