"""The event log by name: "who unfollowed me?", answered from the events a sync, an import or an action stored.

Stored events speak of sets (follower lost, following added); the log speaks the user's words (unfollowed you,
gone, you followed). A deleted account that was in both lists is one `gone` row, not two.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from followtui.core.codec import iso, parse_iso
from followtui.core.store import Store
from followtui.models import (
    Change,
    ChangeKind,
    EventKind,
    EventSource,
    FollowEvent,
    Platform,
    Profile,
    TrackedAccount,
)

KINDS = tuple(kind.value for kind in ChangeKind)
#: The detail of an `unfollowed_you` when you follow them: the trick worked on you (what "trickster" notifies).
YOU_FOLLOW_THEM = "you follow them"
FIELDS = ["at", "account", "kind", "id", "handle", "display_name", "detail", "source"]
#: The kinds a sync report and a cron mail name, in this order.
NAMED_IN_REPORTS = (ChangeKind.FOLLOWED_YOU, ChangeKind.UNFOLLOWED_YOU, ChangeKind.GONE, ChangeKind.RENAMED)
KIND_TITLES = {
    ChangeKind.FOLLOWED_YOU: "followed you",
    ChangeKind.UNFOLLOWED_YOU: "unfollowed you",
    ChangeKind.GONE: "gone",
    ChangeKind.RENAMED: "renamed",
    ChangeKind.YOU_FOLLOWED: "you followed",
    ChangeKind.YOU_UNFOLLOWED: "you unfollowed",
    ChangeKind.REQUESTED: "you requested to follow",
}
_PLAIN_KIND = {
    EventKind.FOLLOWER_GAINED: ChangeKind.FOLLOWED_YOU,
    EventKind.FOLLOWER_LOST: ChangeKind.UNFOLLOWED_YOU,
    EventKind.FOLLOWING_ADDED: ChangeKind.YOU_FOLLOWED,
    EventKind.FOLLOWING_REMOVED: ChangeKind.YOU_UNFOLLOWED,
    EventKind.RENAMED: ChangeKind.RENAMED,
}


def _source(event: FollowEvent, platform: str) -> str:
    if event.source:
        return event.source
    import_only = platform in (Platform.X.value, Platform.INSTAGRAM.value)
    return EventSource.IMPORT.value if import_only else EventSource.SYNC.value


def _gone_detail(event: FollowEvent, profile: Profile | None) -> str:
    reason = event.gone
    if reason == "moved" and profile is not None and profile.moved_to:
        return f"moved to {profile.moved_to}"
    return reason


def changes_from_events(
    account: TrackedAccount, events: Iterable[FollowEvent], profiles: Mapping[str, Profile]
) -> list[Change]:
    """The log rows of one account's stored events, oldest first, named from what the store knows of them."""
    rows: list[Change] = []
    gone_rows: dict[tuple[str, datetime], int] = {}
    for event in events:
        profile = profiles.get(event.profile_id)
        handle = profile.handle if profile and profile.handle else event.profile_id
        name = profile.display_name if profile else ""
        source = _source(event, account.platform)
        if event.gone and event.kind in (EventKind.FOLLOWER_LOST, EventKind.FOLLOWING_REMOVED):
            if (event.profile_id, event.at) in gone_rows:
                continue  # gone from both lists: one account, one row
            gone_rows[(event.profile_id, event.at)] = len(rows)
            kind, detail = ChangeKind.GONE, _gone_detail(event, profile)
        else:
            kind, detail = _PLAIN_KIND[event.kind], event.detail
        rows.append(Change(event.at, account.label, kind, event.profile_id, handle, name, detail, source))
    return rows


def requests_from_journal(account: TrackedAccount, journal: Iterable[Mapping[str, Any]]) -> list[Change]:
    """Follow requests sent to locked accounts through followtui: not follows until they are accepted."""
    rows = []
    for entry in journal:
        if entry.get("account") != account.key or entry.get("outcome") != "requested":
            continue
        at = parse_iso(entry.get("at"))
        pid = entry.get("id")
        if at is None or not isinstance(pid, str) or not pid:
            continue
        handle = entry.get("handle") if isinstance(entry.get("handle"), str) and entry.get("handle") else pid
        rows.append(
            Change(at, account.label, ChangeKind.REQUESTED, pid, str(handle), "", "waiting for approval", "action")
        )
    return rows


def select(rows: Iterable[Change], *, since: datetime | None = None, kinds: Sequence[ChangeKind] = ()) -> list[Change]:
    """The rows at or after `since` of the chosen kinds, newest first."""
    chosen = [r for r in rows if (since is None or r.at >= since) and (not kinds or r.kind in kinds)]
    chosen.sort(key=lambda r: (r.at, r.account, KINDS.index(r.kind.value), r.handle.casefold()), reverse=True)
    return chosen


def parse_kinds(names: Iterable[str]) -> list[ChangeKind]:
    """The user's --kind values; an unknown one is a ValueError naming the ones there are."""
    out = []
    for name in names:
        try:
            out.append(ChangeKind(name.strip().lower()))
        except ValueError:
            raise ValueError(f"unknown kind {name!r}; choose from {', '.join(KINDS)}") from None
    return out


def change_row(change: Change) -> dict[str, Any]:
    """A row of `changes` output and of `sync --json`: stable keys, ISO time."""
    return {
        "at": iso(change.at),
        "account": change.account,
        "kind": change.kind.value,
        "id": change.id,
        "handle": change.handle,
        "display_name": change.display_name,
        "detail": change.detail,
        "source": change.source,
    }


def name_of(change: Change) -> str:
    """How a report names a person: the handle, the old → new handles for a rename, the reason for gone."""
    if change.kind is ChangeKind.RENAMED and change.detail:
        return change.detail
    if change.kind is ChangeKind.GONE and change.detail:
        return f"{change.handle} ({change.detail})"
    if change.detail and change.kind is ChangeKind.UNFOLLOWED_YOU:
        return f"{change.handle} ({change.detail})"
    return change.handle


def named_lines(
    changes: Sequence[Change], *, cap: int = 10, kinds: Sequence[ChangeKind] = NAMED_IN_REPORTS
) -> list[str]:
    """One line per kind that happened, naming at most `cap` people and then "and N more"."""
    lines = []
    for kind in kinds:
        names = sorted((name_of(c) for c in changes if c.kind is kind), key=str.casefold)
        if not names:
            continue
        shown = ", ".join(names[:cap])
        more = f" and {len(names) - cap:,} more" if len(names) > cap else ""
        lines.append(f"{KIND_TITLES[kind]}: {shown}{more}")
    return lines


def change_log(store: Store, accounts: Sequence[TrackedAccount]) -> list[Change]:
    """Every change of these accounts, oldest first, from one read of the store and the journal."""
    snapshots = store.read()
    journal = store.journal()
    rows: list[Change] = []
    for account in accounts:
        profiles = snapshots.profiles(account.platform)
        rows += changes_from_events(account, snapshots.events(account.key), profiles)
        rows += requests_from_journal(account, journal)
    rows.sort(key=lambda r: r.at)
    return rows
