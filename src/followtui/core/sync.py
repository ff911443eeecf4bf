"""One sync of one tracked account: complete or nothing.

Platforms never say who unfollowed you, so followtui compares complete snapshots. A list that is partial,
suspiciously short, or lost in transit must never be mistaken for people leaving: such a sync records only
its own failure. A good sync commits profiles, the new sets, every change and its record in one write.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from filelock import FileLock, Timeout

from followtui.core.changes import YOU_FOLLOW_THEM, changes_from_events
from followtui.core.codec import Interactions, merge_profile
from followtui.core.errors import StoreBusyError, StoreCorruptError, SuspectSyncError
from followtui.core.store import History, Snapshot, Store, SyncCommit
from followtui.models import (
    EventKind,
    EventSource,
    FollowEvent,
    FollowList,
    GoneAccount,
    Interaction,
    Profile,
    SyncReport,
    SyncStatus,
    TrackedAccount,
)
from followtui.providers.base import ListsOwnPosts, Provider, ReadsActivity, ReadsInteractions, ReportsQuota
from followtui.providers.errors import IncompleteListError, NotFoundError, ProviderError
from followtui.sanitize import clean_text

#: How far back interactions are read, how long they are kept, and at most how many per account.
INTERACTIONS_LOOK_BACK = timedelta(days=90)
INTERACTIONS_KEPT = timedelta(days=365)
MAX_INTERACTIONS_KEPT = 50
#: Below this many requests left in the rate-limit window, a sync reads no interactions.
INTERACTIONS_MIN_QUOTA = 150

#: How far back a first sync looks for the account's own posts, how long they are kept, and at most how many.
POSTS_FIRST_LOOK = timedelta(days=30)
POSTS_KEPT = timedelta(days=730)
MAX_POSTS_KEPT = 20_000

#: How long a follow change `followtui watch` recorded from the event stream, or one made through followtui (an
#: action, verified when made), outweighs the lists a sync reads. The lists come from Bluesky's AppView, which
#: indexes the same stream seconds (under load, minutes) late: a sync right after a live `followed_you` may not
#: find the new follower yet, and would record the false `unfollowed_you` (then `followed_you` again: a
#: trickster who never was); one right after a follow-back made with `f` would record a false "you unfollowed".
#: Within this window the stream's or the action's word stands; after it the lists win again, so a change they
#: missed is recorded, only this much later.
WATCH_GRACE = timedelta(minutes=10)
#: The sources whose recent follow changes a sync keeps (see WATCH_GRACE).
_HELD_SOURCES = frozenset({EventSource.WATCH.value, EventSource.ACTION.value})

#: (phase or list name, done so far, expected total or None)
SyncProgress = Callable[[str, int, "int | None"], None]


@dataclass(frozen=True, slots=True)
class SyncOptions:
    accept_drop: bool = False
    #: Requests a sync may spend on fetching full profiles (counts, bios, activity) beyond the lists themselves;
    #: None sizes it by the platform (`auto_budget`).
    hydrate_budget: int | None = None
    #: A loss larger than this share of the previous list AND than drop_min accounts is held as suspect.
    drop_share: float = 0.20
    drop_min: int = 50
    #: A list this much shorter than the profile's own count is taken as cut short, not as real.
    count_tolerance: float = 0.10
    count_slack: int = 2
    stale_after: timedelta = timedelta(days=7)
    #: Requests a sync may spend reading who interacted with your recent posts or repositories.
    interactions_budget: int = 30


def _now() -> datetime:
    return datetime.now(UTC)


#: Syncs running now (in any thread) and the GC threshold the first of them found.
_gc_lock = threading.Lock()
_gc_syncs = 0
_gc_found: tuple[int, int, int] | None = None


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """A sync builds ten-odd objects per account that all live until the commit; Python's cyclic GC would
    rescan them every 700 allocations (a tenth of a 20k sync's CPU). They hold no cycles to find.

    The threshold is the whole process's and syncs overlap (the demo runs them together): the first sync in
    raises it, the last one out puts back what the first found."""
    global _gc_syncs, _gc_found
    with _gc_lock:
        if _gc_syncs == 0:
            _gc_found = found = gc.get_threshold()
            gc.set_threshold(max(found[0], 100_000), *found[1:])
        _gc_syncs += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_syncs -= 1
            if _gc_syncs == 0 and _gc_found is not None:
                gc.set_threshold(*_gc_found)
                _gc_found = None


async def sync_account(
    store: Store,
    account: TrackedAccount,
    provider: Provider,
    options: SyncOptions = SyncOptions(),
    progress: SyncProgress | None = None,
) -> SyncReport:
    """Sync one account. Raises on failure after recording the failure; returns the report on success."""
    lock = account_lock(store, account)
    started = _now()
    clock = time.perf_counter()
    try:
        with _fewer_collections():
            return await _sync_locked(store, account, provider, options, progress, started, clock)
    except (SuspectSyncError, StoreCorruptError):
        raise  # a damaged store is not written to, not even a failure record
    except Exception as exc:
        report = SyncReport(
            account=account.key,
            status=SyncStatus.FAILED,
            started_at=started,
            finished_at=_now(),
            duration_s=time.perf_counter() - clock,
            requests=provider.requests_made,
            message=clean_text(str(exc), 500),  # an exception may quote what a server sent
        )
        with contextlib.suppress(Exception):  # the original failure is what the user needs to see
            store.record_failed_sync(report)
        raise
    finally:
        lock.release()


def account_lock(store: Store, account: TrackedAccount) -> FileLock:
    """The held cross-process lock that lets one sync (or import) of an account run at a time."""
    lock = FileLock(str(store.lock_path(f"sync-{account.platform}-{_safe(account.id)}")), timeout=0)
    try:
        lock.acquire()
    except Timeout as exc:
        raise StoreBusyError(f"{account.label} is being synced by another followtui process") from exc
    return lock


def _safe(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text)[:80]


@dataclass(frozen=True, slots=True)
class SetChanges:
    """Who came and who left between the stored snapshot and a complete new one; the first is a baseline."""

    followers: frozenset[str]
    following: frozenset[str]
    gained: frozenset[str] = frozenset()
    lost: frozenset[str] = frozenset()
    added: frozenset[str] = frozenset()
    removed: frozenset[str] = frozenset()
    baseline: bool = True

    @classmethod
    def between(cls, previous: Snapshot | None, followers: frozenset[str], following: frozenset[str]) -> SetChanges:
        if previous is None:
            return cls(followers, following)
        return cls(
            followers,
            following,
            gained=followers - previous.followers,
            lost=previous.followers - followers,
            added=following - previous.following,
            removed=previous.following - following,
            baseline=False,
        )


async def _sync_locked(
    store: Store,
    account: TrackedAccount,
    provider: Provider,
    options: SyncOptions,
    progress: SyncProgress | None,
    started: datetime,
    clock: float,
) -> SyncReport:
    own = await _own_profile(account, provider)
    # Store work runs off the event loop (the UI's, when the app syncs): reading and committing 100k accounts
    # takes seconds of CPU that would otherwise freeze the screen.
    stored = await asyncio.to_thread(store.read)  # this account's part cannot change under its sync lock
    previous = await asyncio.to_thread(stored.snapshot, account.key)
    # The account's own posts are read beside the lists: one round trip less on the sync's longest chain.
    followers, following, new_posts, engaged = await _all(
        provider.fetch_followers(own, progress),
        provider.fetch_following(own, progress),
        _read_own_posts(provider, own, previous),
        _read_interactions(provider, own, options),
    )
    observed_at = provider.server_time() or _now()
    _check_complete("followers", followers, own.followers_count, options)
    _check_complete("following", following, own.following_count, options)

    new_followers = frozenset(p.id for p in followers.accounts)
    new_following = frozenset(p.id for p in following.accounts)
    held = WatchHeld()
    if previous is not None:
        held = await asyncio.to_thread(watch_held, stored, account.key, observed_at - WATCH_GRACE)
    changes = SetChanges.between(
        previous, held.applied(new_followers, held.followers), held.applied(new_following, held.following)
    )
    lost, removed = changes.lost, changes.removed
    if previous is not None:
        hold_suspect_drop(
            store,
            account,
            previous,
            changes,
            options,
            started=started,
            clock=clock,
            requests=provider.requests_made,
            observed_at=observed_at,
        )

    if progress and (lost or removed):
        progress("classifying", 0, len(lost | removed))
    # Even an account still in the other list may be gone (a Mastodon account that moved stays listed).
    looked_up = await _classify(provider, lost | removed)
    gone = {pid: result.reason.value for pid, result in looked_up.items() if isinstance(result, GoneAccount)}

    known = await asyncio.to_thread(stored.profiles, account.platform)
    seen: dict[str, Profile] = {p.id: p for p in following.accounts}
    seen.update((p.id, p) for p in followers.accounts)
    seen[own.id] = own
    seen.update((pid, p) for pid, p in looked_up.items() if isinstance(p, Profile))
    departed = _departed(stored, account, changes.followers, looked_up)
    # kept by the stream while the lists do not show them yet: looked up when the watch could not
    departed += sorted(held.kept_in() - seen.keys() - known.keys() - set(departed))
    wanted = _to_hydrate(seen, known, departed, set(looked_up), changes, options, observed_at)
    budget = auto_budget(provider, len(wanted)) if options.hydrate_budget is None else options.hydrate_budget
    hydrated = await _hydrate(provider, wanted, budget, progress)
    gone.update(
        (pid, r.reason.value)
        for pid, r in hydrated.items()
        if isinstance(r, GoneAccount)
        and pid not in new_followers
        and pid not in new_following
        and pid not in changes.followers
        and pid not in changes.following
    )
    seen.update((pid, p) for pid, p in hydrated.items() if isinstance(p, Profile))
    unhydrated = sum(1 for pid in changes.followers | changes.following if _never_hydrated(seen, known, pid))
    posts = _merge_posts(previous, new_posts, observed_at)
    interactions = _merge_interactions(previous, engaged, observed_at)

    return await asyncio.to_thread(
        functools.partial(
            commit_snapshot,
            store,
            account,
            own,
            changes,
            seen,
            known,
            gone,
            started=started,
            observed_at=observed_at,
            clock=clock,
            requests=provider.requests_made,
            posts=posts,
            interactions=interactions,
            unhydrated=unhydrated,
        )
    )


def _never_hydrated(seen: Mapping[str, Profile], known: Mapping[str, Profile], pid: str) -> bool:
    """No full profile of `pid`, neither from this sync nor stored (one kept by the stream may be in neither)."""
    now, before = seen.get(pid), known.get(pid)
    return (now is None or now.hydrated_at is None) and (before is None or before.hydrated_at is None)


@dataclass(frozen=True, slots=True)
class WatchHeld:
    """Who the stream last placed in (True) or out of (False) each list within WATCH_GRACE: a sync keeps them so,
    whatever the (lagging) lists say."""

    followers: Mapping[str, bool] = field(default_factory=dict)
    following: Mapping[str, bool] = field(default_factory=dict)

    @staticmethod
    def applied(listed: frozenset[str], held: Mapping[str, bool]) -> frozenset[str]:
        """The list as it is committed: `listed`, with the held in and the held out."""
        if not held:
            return listed
        return (listed - {pid for pid, inside in held.items() if not inside}) | {
            pid for pid, inside in held.items() if inside
        }

    def kept_in(self) -> set[str]:
        """Everyone held in a list (some of them not in any list read, so without a profile from this sync)."""
        return {pid for pid, inside in (*self.followers.items(), *self.following.items()) if inside}


def watch_held(stored: History, account_key: str, since: datetime) -> WatchHeld:
    """Whose follower (and, apart, following) state a sync keeps as `followtui watch` or a followtui action left
    it: those whose latest change of that list in the store is the watch's or the action's, at or after `since`.
    Reads only the account's events of that window, newest first (usually none: the latest is older)."""
    # per list, each person's latest change seen so far (newest first): True/False as the watch or the action
    # left them, None when a sync's or an older one came last
    latest: dict[str, dict[str, bool | None]] = {"followers": {}, "following": {}}
    for event in stored.recent_events(account_key, since):
        change = _FOLLOW_CHANGES.get(event.kind)
        if change is None or event.profile_id in latest[change[0]]:
            continue  # not a follow change, or older than the person's latest one of that list
        which, inside = change
        held = event.source in _HELD_SOURCES and event.at >= since
        latest[which][event.profile_id] = inside if held else None
    followers, following = (
        {pid: inside for pid, inside in latest[which].items() if inside is not None}
        for which in ("followers", "following")
    )
    return WatchHeld(followers, following)


#: A follow change: which list it changes, and whether the person is in it after.
_FOLLOW_CHANGES: dict[EventKind, tuple[str, bool]] = {
    EventKind.FOLLOWER_GAINED: ("followers", True),
    EventKind.FOLLOWER_LOST: ("followers", False),
    EventKind.FOLLOWING_ADDED: ("following", True),
    EventKind.FOLLOWING_REMOVED: ("following", False),
}


async def _read_interactions(provider: Provider, own: Profile, options: SyncOptions) -> list[Interaction] | None:
    """Who interacted with your recent posts or repositories, where the platform tells; None when it does not
    or could not (a nicety beside the lists: failing to read them fails nothing)."""
    budget = within_quota(provider, options.interactions_budget, share=8)  # a nicety: the smaller share
    quota = quota_left(provider)
    if quota is not None and quota < INTERACTIONS_MIN_QUOTA:
        return None  # a tight limit (GitHub without a token, back-to-back syncs) goes to the lists first
    if not isinstance(provider, ReadsInteractions) or budget <= 0:
        return None
    since = (provider.server_time() or _now()) - INTERACTIONS_LOOK_BACK
    try:
        return list(await provider.interactions(own, since, budget))
    except ProviderError:
        return None


def _merge_interactions(
    previous: Snapshot | None, new: list[Interaction] | None, observed_at: datetime
) -> dict[str, Interactions] | None:
    """This sync's interactions added to those kept: the same one read twice counts once; older than a year,
    or beyond the newest MAX_INTERACTIONS_KEPT of one account, are dropped. None keeps what the store has."""
    if new is None:
        return None
    kept: dict[str, set[tuple[str, datetime | None]]] = {
        pid: set(pairs) for pid, pairs in ((previous.interactions if previous else None) or {}).items()
    }
    for item in new:
        kept.setdefault(item.profile.id, set()).add((item.kind.value, item.at))
    floor = observed_at - INTERACTIONS_KEPT
    out: dict[str, Interactions] = {}
    for pid, pairs in kept.items():
        recent = sorted((p for p in pairs if p[1] is None or p[1] >= floor), key=_interaction_order)
        if recent:
            out[pid] = tuple(recent[-MAX_INTERACTIONS_KEPT:])
    return out


def _interaction_order(pair: tuple[str, datetime | None]) -> tuple[float, str]:
    return (pair[1].timestamp() if pair[1] else float("inf"), pair[0])


async def _read_own_posts(provider: Provider, own: Profile, previous: Snapshot | None) -> list[datetime] | None:
    """The account's new post times, where the platform lists them cheaply; None when it does not or could
    not. A nicety beside the lists: failing to read them fails nothing."""
    if not isinstance(provider, ListsOwnPosts):
        return None
    kept = (previous.posts if previous is not None else None) or ()
    since = kept[-1] if kept else (provider.server_time() or _now()) - POSTS_FIRST_LOOK
    try:
        return list(await provider.own_post_times(own, since))
    except ProviderError:
        return None


def _merge_posts(
    previous: Snapshot | None, new: list[datetime] | None, observed_at: datetime
) -> tuple[datetime, ...] | None:
    """The new post times added to those kept (bounded); None keeps what the store has."""
    if new is None:
        return None
    kept = (previous.posts if previous is not None else None) or ()
    floor = observed_at - POSTS_KEPT
    merged = sorted({t for t in (*kept, *new) if floor <= t <= observed_at + timedelta(days=1)})
    return tuple(merged[-MAX_POSTS_KEPT:])


def commit_snapshot(
    store: Store,
    account: TrackedAccount,
    own: Profile,
    changes: SetChanges,
    seen: Mapping[str, Profile],
    known: Mapping[str, Profile],
    gone: dict[str, str],
    *,
    started: datetime,
    observed_at: datetime,
    clock: float,
    requests: int,
    message: str = "",
    posts: tuple[datetime, ...] | None = None,
    source: EventSource = EventSource.SYNC,
    interactions: dict[str, Interactions] | None = None,
    unhydrated: int = 0,
) -> SyncReport:
    """The step a sync and an offline import share: the profiles that changed, one event per change (at
    observed_at), the report with those changes by name, and all of it committed in one store write."""
    changed_profiles = {}
    renames = []
    for pid, profile in seen.items():
        before = known.get(pid)
        merged = merge_profile(before, profile)
        if merged != before:
            changed_profiles[pid] = merged
            if before is not None and before.handle and merged.handle and before.handle != merged.handle:
                renames.append((pid, f"{before.handle} → {merged.handle}"))

    gained, lost, added, removed = changes.gained, changes.lost, changes.added, changes.removed
    events = _events(account.key, observed_at, changes, gone, source.value)
    events += [
        FollowEvent(account.key, EventKind.RENAMED, pid, observed_at, detail=detail, source=source.value)
        for pid, detail in sorted(renames)
    ]
    report = SyncReport(
        account=account.key,
        status=SyncStatus.BASELINE if changes.baseline else SyncStatus.OK,
        started_at=started,
        finished_at=_now(),
        observed_at=observed_at,
        duration_s=time.perf_counter() - clock,
        followers=len(changes.followers),
        following=len(changes.following),
        gained=len(gained),
        lost=len(lost) - len(gone.keys() & lost),
        gone=len(gone.keys() & lost),
        added=len(added),
        removed=len(removed),
        requests=requests,
        unhydrated=unhydrated,
        message=message,
        changes=tuple(changes_from_events(account, events, _Names(changed_profiles, known))),
    )
    store.commit_sync(
        SyncCommit(
            account=account,
            own_profile=own,
            followers=changes.followers,
            following=changes.following,
            profiles=changed_profiles,
            events=events,
            report=report,
            baseline=changes.baseline,
            gone=gone,
            posts=posts,
            interactions=interactions,
        )
    )
    return report


async def _own_profile(account: TrackedAccount, provider: Provider) -> Profile:
    """The tracked account's profile, found by handle, or by stable id when the handle was changed."""
    try:
        own = await provider.lookup_self(account.handle)
    except NotFoundError:
        found = (await provider.lookup([account.id], budget=1)).get(account.id)
        if not isinstance(found, Profile):
            raise NotFoundError(f"{account.label} no longer exists on the server") from None
        own = await provider.lookup_self(found.handle)
    if own.id != account.id:
        raise NotFoundError(
            f"the handle {account.handle} now belongs to a different account (id {own.id}, "
            f"tracked id {account.id}); remove and re-add the account if that is intended"
        )
    return own


async def _all(
    followers: Awaitable[FollowList],
    following: Awaitable[FollowList],
    posts: Awaitable[list[datetime] | None],
    engaged: Awaitable[list[Interaction] | None],
) -> tuple[FollowList, FollowList, list[datetime] | None, list[Interaction] | None]:
    """All at once. When one fails the others are cancelled (a TaskGroup), not left running until the provider's
    client is closed under them; the first failure is raised as itself."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = (
                group.create_task(_awaited(followers)),
                group.create_task(_awaited(following)),
                group.create_task(_awaited(posts)),
                group.create_task(_awaited(engaged)),
            )
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None
    return tasks[0].result(), tasks[1].result(), tasks[2].result(), tasks[3].result()


async def _awaited(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


def _check_complete(name: str, fetched: FollowList, expected: int | None, options: SyncOptions) -> None:
    if expected is None:
        return
    floor = expected * (1 - options.count_tolerance) - options.count_slack
    if len(fetched.accounts) < floor:
        raise IncompleteListError(
            f"the server returned {len(fetched.accounts):,} {name} but the profile counts {expected:,}: "
            "the list looks cut short, so nothing was recorded"
        )


def hold_suspect_drop(
    store: Store,
    account: TrackedAccount,
    previous: Snapshot,
    changes: SetChanges,
    options: SyncOptions,
    *,
    started: datetime,
    clock: float,
    requests: int,
    observed_at: datetime,
    what: str = "sync",
) -> None:
    """A loss beyond the options' thresholds is recorded as suspect (only its own record) and raised."""
    if options.accept_drop:
        return
    for name, before, gone_now in (
        ("followers", previous.followers, changes.lost),
        ("following", previous.following, changes.removed),
    ):
        if len(gone_now) > options.drop_min and len(gone_now) > options.drop_share * len(before):
            message = (
                f"{len(gone_now):,} of {len(before):,} {name} vanished since the last {what}; held back as "
                f"suspect. If it is real, run the {what} again with --accept-drop"
            )
            store.record_failed_sync(
                SyncReport(
                    account=account.key,
                    status=SyncStatus.SUSPECT,
                    started_at=started,
                    finished_at=_now(),
                    observed_at=observed_at,
                    duration_s=time.perf_counter() - clock,
                    requests=requests,
                    message=message,
                )
            )
            raise SuspectSyncError(message)


async def _classify(provider: Provider, ids: frozenset[str]) -> dict[str, Profile | GoneAccount]:
    """Every account that left must be looked up: gone (deleted, suspended…) is not an unfollow."""
    if not ids:
        return {}
    results = await provider.lookup(sorted(ids), budget=len(ids))
    missing = ids - results.keys()
    if missing:
        raise ProviderError(
            f"could not tell whether {len(missing)} accounts that left still exist; nothing was recorded"
        )
    return results


def _departed(
    store: History, account: TrackedAccount, followers: frozenset[str], looked_up: Mapping[str, object]
) -> list[str]:
    """Past unfollowers not seen in this sync: re-checked so a trickster who later deletes the account, or
    renames it, is shown as it is now (they are in neither list, so nothing else would tell us)."""
    gone = store.gone_ids(account.platform)
    left = {e.profile_id for e in store.events(account.key) if e.kind is EventKind.FOLLOWER_LOST and not e.gone}
    return sorted(left - followers - gone.keys() - looked_up.keys())


def auto_budget(provider: Provider, wanted: int) -> int:
    """What a platform allows a sync to spend on profiles: enough for everyone wanted (bounded), within the
    rate-limit quota the server says is left (GitHub: 60 an hour without a token, 5,000 with one; Mastodon: 300
    per 5 minutes), so the next sync, or another tool of yours, still has room."""
    return within_quota(provider, min(2 * wanted + 10, MAX_AUTO_BUDGET))


def within_quota(provider: Provider, budget: int, share: int = 4) -> int:
    """`budget`, but at most 1/`share` of the rate-limit quota the server says is left: what a sync spends beyond
    its lists shrinks as the quota does, so back-to-back syncs never starve each other's lists."""
    quota = quota_left(provider)
    return budget if quota is None else max(0, min(budget, quota // share))


def quota_left(provider: Provider) -> int | None:
    """Requests left in the server's rate-limit window, where it says (GitHub, Mastodon)."""
    return provider.quota_left() if isinstance(provider, ReportsQuota) else None


#: The most `auto` spends on profiles in one sync.
MAX_AUTO_BUDGET = 2_000


def _to_hydrate(
    seen: dict[str, Profile],
    known: dict[str, Profile],
    recheck: list[str],
    already: set[str],
    changes: SetChanges,
    options: SyncOptions,
    observed_at: datetime,
) -> list[str]:
    """Whom to look up, most needed first: past unfollowers (renamed? gone?), then accounts never looked up —
    fans (the follow-back queue), then those not following you back, then the rest — then the stalest."""
    never: list[tuple[int, str]] = []
    stale: list[tuple[datetime, str]] = []
    limit = observed_at - options.stale_after
    followers, following = changes.followers, changes.following
    for pid, profile in seen.items():
        if pid in already or profile.hydrated_at is not None:
            continue
        previous = known.get(pid)
        if previous is None or previous.hydrated_at is None:
            rank = 0 if pid not in following else 1 if pid not in followers else 2
            never.append((rank, pid))
        elif previous.hydrated_at < limit:
            stale.append((previous.hydrated_at, pid))
    never.sort()
    stale.sort()
    return recheck + [pid for _, pid in never] + [pid for _, pid in stale]


async def _hydrate(
    provider: Provider, wanted: list[str], budget: int, progress: SyncProgress | None
) -> dict[str, Profile | GoneAccount]:
    """Full profiles within the budget, in the order wanted."""
    if budget <= 0 or not wanted:
        return {}
    if progress:
        progress("profiles", 0, min(len(wanted), budget))
    look_up = provider.lookup_with_activity if isinstance(provider, ReadsActivity) else provider.lookup
    try:
        return await look_up(wanted, budget=budget)
    except ProviderError:
        return {}  # details are a nicety; the snapshot itself is complete without them


class _Names(Mapping[str, Profile]):
    """The newest profile of an account: this sync's when it changed, else the stored one (no copy of either)."""

    def __init__(self, changed: Mapping[str, Profile], known: Mapping[str, Profile]) -> None:
        self.changed, self.known = changed, known

    def __getitem__(self, pid: str) -> Profile:
        found = self.changed.get(pid) or self.known.get(pid)
        if found is None:
            raise KeyError(pid)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self.changed.keys() | self.known.keys())

    def __len__(self) -> int:
        return len(self.changed.keys() | self.known.keys())


def _events(
    account_key: str, at: datetime, changes: SetChanges, gone: dict[str, str], source: str
) -> list[FollowEvent]:
    def event(kind: EventKind, pid: str, gone_reason: str = "", detail: str = "") -> FollowEvent:
        return FollowEvent(account_key, kind, pid, at, gone_reason, detail, source)

    events = [event(EventKind.FOLLOWER_GAINED, pid) for pid in sorted(changes.gained)]
    for pid in sorted(changes.lost):
        reason = gone.get(pid, "")
        still = not reason and pid in changes.following
        events.append(event(EventKind.FOLLOWER_LOST, pid, reason, YOU_FOLLOW_THEM if still else ""))
    events += [event(EventKind.FOLLOWING_ADDED, pid) for pid in sorted(changes.added)]
    events += [event(EventKind.FOLLOWING_REMOVED, pid, gone.get(pid, "")) for pid in sorted(changes.removed)]
    return events
