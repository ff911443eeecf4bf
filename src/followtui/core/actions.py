"""Follow and unfollow with safety rails: the keep list, a daily cap, pacing, a journal, verification, undo.

Every action is journaled as it happens (one small file), so a crash mid-batch loses nothing and `undo` can
reverse exactly what was done. Each result is verified by reading the relationship back.
"""

from __future__ import annotations

import asyncio
import enum
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from followtui.core.codec import iso
from followtui.core.store import Store
from followtui.models import Profile, TrackedAccount
from followtui.providers.base import HasFollowRequests, Provider
from followtui.providers.errors import AuthError, ProviderError, RateLimitError


class Action(enum.StrEnum):
    FOLLOW = "follow"
    UNFOLLOW = "unfollow"

    @property
    def reverse(self) -> Action:
        return Action.UNFOLLOW if self is Action.FOLLOW else Action.FOLLOW


class Outcome(enum.StrEnum):
    DONE = "done"
    DRY_RUN = "dry-run"
    SKIPPED = "skipped"  # kept, over the daily cap, already in that state
    FAILED = "failed"
    MISMATCH = "mismatch"  # the platform said yes, but reading it back says otherwise
    REQUESTED = "requested"  # a locked account: the follow waits for its approval (not a follow yet)


#: Outcomes that changed something on the platform: they count towards the daily cap and undo reverses them
#: (an unfollow withdraws a pending follow request).
CHANGED = (Outcome.DONE, Outcome.REQUESTED)


@dataclass(frozen=True, slots=True)
class ActionResult:
    batch: str
    at: datetime
    account: str
    action: Action
    profile: Profile
    outcome: Outcome
    message: str = ""

    def to_doc(self) -> dict[str, Any]:
        return {
            "batch": self.batch,
            "at": iso(self.at),
            "account": self.account,
            "action": self.action.value,
            "id": self.profile.id,
            "handle": self.profile.handle,
            "outcome": self.outcome.value,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class Limits:
    daily_cap: int = 200
    pacing_s: float = 1.0


def done_today(store: Store, account: TrackedAccount, now: datetime) -> int:
    """Follows plus unfollows made today (UTC) on this account's platform, for the daily cap."""
    today = now.date().isoformat()
    platform = f"{account.platform}:"
    return sum(
        1
        for entry in store.journal()
        if entry.get("outcome") in CHANGED
        and str(entry.get("account", "")).startswith(platform)
        and str(entry.get("at", "")).startswith(today)
    )


async def run_actions(
    store: Store,
    account: TrackedAccount,
    provider: Provider,
    action: Action,
    targets: Sequence[Profile],
    *,
    limits: Limits = Limits(),
    dry_run: bool = False,
    batch: str | None = None,
    on_result: Callable[[ActionResult], None] | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> list[ActionResult]:
    """Apply `action` to each target in order. More than one target is a bulk action: kept accounts are
    never unfollowed by one. Stops early on an auth or rate-limit error: the rest are journaled as skipped,
    then an AuthError is raised again (the caller must ask for credentials)."""
    batch = batch or uuid.uuid4().hex[:12]
    bulk = len(targets) > 1
    kept = {key for key, a in store.annotations().items() if a.keep}
    cap = _CapCounter(store, account, provider)
    results: list[ActionResult] = []
    stop_reason = ""
    auth_error: AuthError | None = None

    def record(profile: Profile, outcome: Outcome, message: str = "") -> None:
        result = ActionResult(batch, provider.server_time() or datetime.now(UTC), account.key, action, profile,
                              outcome, message)  # fmt: skip
        if outcome is not Outcome.DRY_RUN:
            store.append_journal(result.to_doc())
        results.append(result)
        if on_result is not None:
            on_result(result)

    def fail(profile: Profile, exc: ProviderError) -> None:
        """The state read or the action failed; bad credentials or the rate limit would fail every other target
        too, so they stop the batch (the rest are skipped, not tried)."""
        nonlocal stop_reason, auth_error
        if isinstance(exc, (AuthError, RateLimitError)):
            stop_reason = f"not attempted: {exc}"
            auth_error = exc if isinstance(exc, AuthError) else None
        record(profile, Outcome.FAILED, str(exc))

    for profile in targets:
        if stop_reason:
            record(profile, Outcome.SKIPPED, stop_reason)
            continue
        if action is Action.UNFOLLOW and bulk and f"{account.platform}:{profile.id}" in kept:
            record(profile, Outcome.SKIPPED, "on the keep list: never unfollowed by a bulk action")
            continue
        try:
            already = await _already(provider, action, profile, dry_run=dry_run)
        except ProviderError as exc:
            fail(profile, exc)
            continue
        if already:
            record(profile, Outcome.SKIPPED, ALREADY[action])
            continue
        if cap.used() >= limits.daily_cap:
            record(profile, Outcome.SKIPPED, f"daily cap of {limits.daily_cap} actions reached")
            continue
        if dry_run:
            record(profile, Outcome.DRY_RUN, f"would {action.value}")
            continue
        if cap.acted and limits.pacing_s > 0:
            await sleep(limits.pacing_s)
        try:
            if action is Action.FOLLOW:
                await provider.follow(profile)
            else:
                await provider.unfollow(profile)
            now_following = await provider.is_following(profile)
            requested = action is Action.FOLLOW and not now_following and await _pending(provider, profile)
        except ProviderError as exc:
            fail(profile, exc)
            continue
        cap.count_one()
        wanted = action is Action.FOLLOW
        if requested:
            record(profile, Outcome.REQUESTED, "a locked account: the follow waits for its approval")
            continue
        if now_following != wanted:
            record(profile, Outcome.MISMATCH, f"the platform still reports {'not ' if wanted else ''}following")
            continue
        at = provider.server_time() or datetime.now(UTC)
        store.record_following_change(account, profile, following=wanted, at=at)
        record(profile, Outcome.DONE)
    if auth_error is not None:
        raise auth_error
    return results


#: What an action that would change nothing says instead (it is skipped, sends nothing, and is not counted).
ALREADY = {Action.FOLLOW: "already following", Action.UNFOLLOW: "not following"}


async def _already(provider: Provider, action: Action, profile: Profile, *, dry_run: bool) -> bool:
    """Whether the platform already has the state the action would make, read before acting so that a follow
    of someone you follow sends nothing and spends none of the daily cap. The read also tells the platform's
    clock, whose day the cap counts in (the journal records that clock). A dry run without credentials cannot
    read the state: it is then unknown (False), and the dry run still says what it would do."""
    try:
        following = await provider.is_following(profile)
    except AuthError:
        if dry_run:
            return False
        raise
    if action is Action.FOLLOW:
        return following or await _pending(provider, profile)
    return not following and not await _pending(provider, profile)


class _CapCounter:
    """Follows plus unfollows made today, counted in the day of the platform's clock when it is known: the
    journal records that clock, so a simulated or skewed server clock still meets its own entries."""

    def __init__(self, store: Store, account: TrackedAccount, provider: Provider) -> None:
        self._store, self._account, self._provider = store, account, provider
        self._day: str | None = None
        self._count = 0
        self.acted = False

    def used(self) -> int:
        now = self._provider.server_time() or datetime.now(UTC)
        if now.date().isoformat() != self._day:
            self._day = now.date().isoformat()
            self._count = done_today(self._store, self._account, now)
        return self._count

    def count_one(self) -> None:
        """One more change went to the platform (counted in the day the journal entry will carry)."""
        self.used()
        self._count += 1
        self.acted = True


async def _pending(provider: Provider, profile: Profile) -> bool:
    """A follow request waiting for approval, on platforms that have them."""
    return isinstance(provider, HasFollowRequests) and await provider.pending_request(profile)


def last_batch(store: Store, account: TrackedAccount | None = None) -> list[dict[str, Any]]:
    """The journal entries of the most recent batch (of one account, or of any)."""
    entries = [e for e in store.journal() if account is None or e.get("account") == account.key]
    if not entries:
        return []
    batch = entries[-1].get("batch")
    return [e for e in entries if e.get("batch") == batch]


def undo_plan(entries: Sequence[dict[str, Any]]) -> tuple[Action, list[Profile]] | None:
    """What reverses a batch: the opposite action on every target it actually changed."""
    done = [e for e in entries if e.get("outcome") in CHANGED and not str(e.get("batch", "")).startswith("undo")]
    if not done:
        return None
    action = Action(done[0]["action"]).reverse
    return action, [Profile(id=str(e["id"]), handle=str(e.get("handle") or e["id"])) for e in done]
