"""What the user asks of their data: the panes, the tricksters and the history.

Pure functions over what the store holds; the CLI and the TUI both read through `AccountData`.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from followtui.core.changes import changes_from_events, requests_from_journal
from followtui.core.relations import Relations, stories, sync_clock
from followtui.core.store import Snapshot, Store
from followtui.models import (
    Annotation,
    Change,
    DayHistory,
    EventKind,
    FollowEvent,
    Profile,
    SyncReport,
    SyncStatus,
    TrackedAccount,
    Trickster,
)

NO_ANNOTATION = Annotation(key="")
PANES = ("followers", "following", "mutuals", "fans", "nonfollowers", "tricksters")
PANE_TITLES = {
    "followers": "Followers",
    "following": "Following",
    "mutuals": "Mutuals",
    "fans": "Fans",
    "nonfollowers": "Not following back",
    "tricksters": "Tricksters",
}


def pane_ids(snapshot: Snapshot, pane: str) -> frozenset[str]:
    """The stable ids in a set-shaped pane (everything but tricksters)."""
    followers, following = snapshot.followers, snapshot.following
    if pane == "followers":
        return followers
    if pane == "following":
        return following
    if pane == "mutuals":
        return followers & following
    if pane == "fans":
        return followers - following
    if pane == "nonfollowers":
        return following - followers
    raise ValueError(f"unknown pane {pane!r}; choose from {', '.join(PANES)}")


def successful_syncs(reports: Iterable[SyncReport]) -> list[SyncReport]:
    good = [r for r in reports if r.status in (SyncStatus.OK, SyncStatus.BASELINE) and r.observed_at]
    good.sort(key=lambda r: r.observed_at or r.started_at)
    return good


def find_tricksters(
    events: Sequence[FollowEvent],
    current_followers: frozenset[str],
    profiles: Mapping[str, Profile],
    gone: dict[str, str],
    sync_times: Sequence[datetime],
    current_following: frozenset[str] = frozenset(),
) -> list[Trickster]:
    """Accounts that followed, later unfollowed, and still exist; repeat offenders and follow-back cases first.

    An account that left and was back at the very next sync is a glitch, not an episode. Whether you had
    followed them back is read from your following set as it was when they left (the current set, rewound
    through your later follow changes), so a follow-back older than the first sync counts too.
    """
    found: list[Trickster] = []
    for pid, story in stories(events, sync_clock(sync_times)).items():
        if pid in current_followers or pid in gone:
            continue
        episodes, follow_backs, following_changes = story.episodes, story.follow_backs, story.following_changes
        if story.left_gone or not episodes or pid not in profiles:
            continue
        followed_at, unfollowed_at = episodes[-1]
        backs = [t for t in follow_backs if (followed_at is None or t >= followed_at) and t < unfollowed_at]
        followed_back_at = max(backs) if backs else None
        still_following = pid in current_following
        found.append(
            Trickster(
                profile=profiles[pid],
                followed_at=followed_at,
                followed_back_at=followed_back_at,
                unfollowed_at=unfollowed_at,
                times=len(episodes),
                stayed_after_follow_back_s=(
                    (unfollowed_at - followed_back_at).total_seconds() if followed_back_at else None
                ),
                followed_back=followed_back_at is not None
                or _was_following(following_changes, still_following, unfollowed_at),
                still_following=still_following,
            )
        )
    found.sort(key=lambda t: (-t.times, t.followed_back_at is None, -t.unfollowed_at.timestamp()))
    return found


def _was_following(changes: Sequence[FollowEvent], now: bool, moment: datetime) -> bool:
    """Whether you followed the account just before `moment`: the first change of yours at or after it says
    what was before (an `added` means you did not yet); without one, it is as it is now."""
    later = [e for e in changes if e.at >= moment]
    if not later:
        return now
    return min(later, key=lambda e: e.at).kind is EventKind.FOLLOWING_REMOVED


def _posts_per_sync_day(posts: Sequence[datetime], last_sync: dict[date, datetime]) -> dict[date, int]:
    """Posts counted on the day of the first sync after them (a baseline counts the day before it)."""
    ends = sorted(last_sync.items(), key=lambda item: item[1])
    out: dict[date, int] = {}
    start = ends[0][1] - timedelta(days=1) if ends else None
    ordered = sorted(posts)
    for day, end in ends:
        assert start is not None
        lo, hi = bisect.bisect_right(ordered, start), bisect.bisect_right(ordered, end)
        out[day] = hi - lo
        start = end
    return out


def day_history(
    events: Sequence[FollowEvent],
    syncs: Sequence[SyncReport],
    tricksters: Sequence[Trickster] = (),
    since: date | None = None,
    posts: Sequence[datetime] | None = None,
) -> list[DayHistory]:
    """Gains and losses per day (UTC, by the sync clock), with the counts at the day's last sync and, where
    the platform lists them (`posts` not None), how often you posted since the sync before: the posts that
    could have brought that day's gains (or cost its losses)."""
    days: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for event in events:
        counts = days[event.at.date()]
        if event.kind is EventKind.FOLLOWER_GAINED:
            counts["gained"] += 1
        elif event.kind is EventKind.FOLLOWER_LOST:
            counts["gone" if event.gone else "lost"] += 1
        elif event.kind is EventKind.FOLLOWING_ADDED:
            counts["added"] += 1
        elif event.kind is EventKind.FOLLOWING_REMOVED:
            counts["removed"] += 1
    for trickster in tricksters:
        days[trickster.unfollowed_at.date()]["tricksters"] += 1
    totals: dict[date, tuple[int, int]] = {}
    last_sync: dict[date, datetime] = {}
    for report in successful_syncs(syncs):
        assert report.observed_at is not None
        day = report.observed_at.date()
        days[day]  # a day with a sync but no change still shows
        totals[day] = (report.followers, report.following)
        last_sync[day] = report.observed_at
    posted = _posts_per_sync_day(posts or (), last_sync)
    rows = []
    for day in sorted(days):
        if since and day < since:
            continue
        counts = days[day]
        followers, following = totals.get(day, (None, None))
        rows.append(
            DayHistory(
                day=day.isoformat(),
                gained=counts["gained"],
                lost=counts["lost"],
                gone=counts["gone"],
                added=counts["added"],
                removed=counts["removed"],
                followers=followers,
                following=following,
                tricksters=counts["tricksters"],
                posts=None if posts is None else posted.get(day),
            )
        )
    return rows


class ProfileBook(Mapping[str, Profile]):
    """The platform's known profiles, read from the store when first asked for: a pane of 1,000 reads 1,000
    profiles, not the million its platform may hold. Reading every one (iterating) loads them all once."""

    def __init__(self, store: Store | None, platform: str, known: dict[str, Profile] | None = None) -> None:
        self._store, self._platform = store, platform
        self._known: dict[str, Profile] = dict(known or {})
        self._absent: set[str] = set()
        self._whole = store is None

    @property
    def store(self) -> Store | None:
        return self._store

    def load(self, ids: Iterable[str]) -> None:
        """Read the given ids in one go (those not read yet)."""
        if self._whole or self._store is None:
            return
        missing = [pid for pid in dict.fromkeys(ids) if pid not in self._known and pid not in self._absent]
        if missing:
            found = self._store.profiles(self._platform, missing)
            self._known.update(found)
            self._absent.update(pid for pid in missing if pid not in found)

    def load_pane(self, account_key: str, pane: str, ids: frozenset[str]) -> None:
        """Read one pane's profiles with a single query (`ids`: the pane's members, to know who has none)."""
        if self._whole or self._store is None:
            return
        self._known.update(self._store.pane_profiles(account_key, self._platform, pane))
        self._absent.update(pid for pid in ids if pid not in self._known)

    def get(self, pid: str, default: Any = None) -> Any:  # type: ignore[override]
        found = self._known.get(pid)
        if found is not None:
            return found
        self.load((pid,))
        return self._known.get(pid, default)

    def _load_all(self) -> None:
        if not self._whole and self._store is not None:
            self._known = self._store.profiles(self._platform)
            self._absent.clear()
            self._whole = True

    def __getitem__(self, pid: str) -> Profile:
        self.load((pid,))
        return self._known[pid]

    def __contains__(self, pid: object) -> bool:
        if not isinstance(pid, str):
            return False
        self.load((pid,))
        return pid in self._known

    def __iter__(self) -> Iterator[str]:
        self._load_all()
        return iter(self._known)

    def __len__(self) -> int:
        self._load_all()
        return len(self._known)


@dataclass(slots=True)
class AccountData:
    """Everything the panes of one tracked account need, read from the store once."""

    account: TrackedAccount
    snapshot: Snapshot | None
    profiles: Mapping[str, Profile]
    annotations: dict[str, Annotation]
    events: list[FollowEvent]
    syncs: list[SyncReport]
    gone: dict[str, str]

    @classmethod
    def load(cls, store: Store, account: TrackedAccount) -> AccountData:
        snapshots = store.read()
        return cls(
            account=account,
            snapshot=snapshots.snapshot(account.key),
            profiles=ProfileBook(store, account.platform),
            annotations=store.annotations(),
            events=snapshots.events(account.key),
            syncs=snapshots.syncs(account.key),
            gone=snapshots.gone_ids(account.platform),
        )

    def _read_profiles(self, ids: Iterable[str]) -> None:
        if isinstance(self.profiles, ProfileBook):
            self.profiles.load(ids)

    def annotation(self, profile_id: str) -> Annotation:
        """The user's annotation of an account; accounts without one share a single empty Annotation."""
        return self.annotations.get(f"{self.account.platform}:{profile_id}", NO_ANNOTATION)

    def pane(self, pane: str) -> list[Profile]:
        if self.snapshot is None:
            return []
        ids = pane_ids(self.snapshot, pane)
        if isinstance(self.profiles, ProfileBook):
            self.profiles.load_pane(self.account.key, pane, ids)
        rows = [self.profiles.get(pid) or Profile(id=pid, handle=pid) for pid in ids]
        rows.sort(key=lambda p: (p.handle.casefold(), p.id))  # the order of `pane_order`
        return rows

    def pane_order(self, pane: str) -> list[str]:
        """The pane's ids in `pane`'s order, without reading a profile (the store sorts by handle)."""
        if self.snapshot is None:
            return []
        store = self.profiles.store if isinstance(self.profiles, ProfileBook) else None
        if store is None:
            return [p.id for p in self.pane(pane)]
        return store.pane_order(self.account.key, self.account.platform, pane)

    def tricksters(self) -> list[Trickster]:
        followers = self.snapshot.followers if self.snapshot else frozenset()
        following = self.snapshot.following if self.snapshot else frozenset()
        times = [r.observed_at for r in successful_syncs(self.syncs) if r.observed_at]
        self._read_profiles(e.profile_id for e in self.events)
        return find_tricksters(self.events, followers, self.profiles, self.gone, times, following)

    def relations(self) -> Relations:
        """Each account's relation to you, for the verdicts (built per account when first asked)."""
        snapshot = self.snapshot
        times = [r.observed_at for r in successful_syncs(self.syncs) if r.observed_at]
        platform = self.account.platform

        def kept(pid: str) -> bool:
            return self.annotations.get(f"{platform}:{pid}", NO_ANNOTATION).keep

        return Relations(
            followers=snapshot.followers if snapshot else frozenset(),
            following=snapshot.following if snapshot else frozenset(),
            stories=stories(self.events, sync_clock(times)),
            kept=kept,
            baseline_at=snapshot.baseline_at if snapshot else None,
            interactions=snapshot.interactions if snapshot else None,
        )

    def changes(self, journal: Sequence[Mapping[str, Any]] = ()) -> list[Change]:
        """This account's event log by name, oldest first (follow requests from the actions journal too)."""
        self._read_profiles(e.profile_id for e in self.events)
        rows = changes_from_events(self.account, self.events, self.profiles)
        rows += requests_from_journal(self.account, journal)
        rows.sort(key=lambda r: r.at)
        return rows

    def history(self, since: date | None = None) -> list[DayHistory]:
        posts = self.snapshot.posts if self.snapshot is not None else None
        return day_history(self.events, self.syncs, self.tricksters(), since, posts)

    def last_sync(self) -> SyncReport | None:
        return self.syncs[-1] if self.syncs else None

    def snapshot_sync(self) -> SyncReport | None:
        """The sync whose snapshot the panes show: the latest one that recorded (failed and suspect ones don't)."""
        recorded = (SyncStatus.OK, SyncStatus.BASELINE)
        return next((s for s in reversed(self.syncs) if s.status in recorded), None)
