"""Offline imports: an X archive or an Instagram export recorded as one dated snapshot of both lists.

An export is diffed and committed exactly as a sync is (`core.sync.commit_snapshot`), with the export's own
date as the sync clock. Exports must come in date order: a diff against a newer snapshot would invent events,
so an export not newer than the account's latest snapshot is refused. Offline, nobody who left can be looked
up, so every lost follower is recorded as an unfollow, never as `gone`.
"""

from __future__ import annotations

import contextlib
import enum
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from followtui.core.codec import iso
from followtui.core.errors import ImportFileError, StoreBusyError, UsageError
from followtui.core.store import Store
from followtui.core.sync import SetChanges, SyncOptions, account_lock, commit_snapshot, hold_suspect_drop
from followtui.models import EventSource, Platform, Profile, SyncReport, TrackedAccount

if TYPE_CHECKING:
    from followtui.providers.archives import ArchiveSnapshot

#: The `followtui import` subcommand of each import-only platform.
IMPORT_COMMANDS = {Platform.X.value: "x-archive", Platform.INSTAGRAM.value: "instagram"}
NAMES = {Platform.X.value: "X", Platform.INSTAGRAM.value: "Instagram"}
_HANDLES = {
    Platform.X.value: re.compile(r"[A-Za-z0-9_]{1,50}"),
    Platform.INSTAGRAM.value: re.compile(r"[A-Za-z0-9._]{1,64}"),
}
_PROFILE_URLS = {Platform.X.value: "https://x.com/{}", Platform.INSTAGRAM.value: "https://www.instagram.com/{}"}
#: An export dated further ahead than this is refused: it would block every later import.
FUTURE_SLACK = timedelta(days=1)


class DateSource(enum.StrEnum):
    """Where a snapshot's date came from, best first."""

    ARCHIVE = "archive"  # the export's own date
    FILES = "files"  # the newest date of its follower/following files
    OPTION = "option"  # --date
    NOW = "now"  # no date anywhere: the time of the import


@dataclass(frozen=True, slots=True)
class ImportResult:
    account: TrackedAccount
    report: SyncReport
    created: bool
    date_source: DateSource
    source: str

    def dated_by(self) -> str:
        return describe_date(self.account.platform, self.date_source)


def is_import_only(platform: str) -> bool:
    return platform in {p.value for p in Platform if p.import_only}


def import_only_message(platform: str, handle: str = "HANDLE") -> str:
    """What to tell someone who tries to add or sync an import-only account."""
    name = NAMES.get(platform, platform)
    handle = handle.strip().lstrip("@") or "HANDLE"
    return (
        f"{name} accounts are import-only (followtui cannot read {name} live); import your export with: "
        f"followtui import {IMPORT_COMMANDS.get(platform, platform)} PATH --account {platform}:{handle}"
    )


def describe_date(platform: str, source: DateSource) -> str:
    """Where the snapshot's date came from, in words (the export's own date is not always there)."""
    if source is DateSource.ARCHIVE:
        if platform == Platform.INSTAGRAM:
            return "the newest follow in the export, which carries no date of its own"
        return "the archive's own date in data/manifest.js"
    if source is DateSource.FILES:
        return "the newest date of its follower and following files, as the export carries no date of its own"
    if source is DateSource.OPTION:
        return "--date"
    return "the time of this import, as neither the export nor its files carry a date"


def parse_account(ref: str, platform: str) -> str:
    """`--account x:HANDLE` (or a bare handle) → the handle; another platform's account is a usage error."""
    prefix, _, handle = ref.strip().rpartition(":")
    if prefix and prefix.lower() != platform:
        raise UsageError(
            f"`followtui import {IMPORT_COMMANDS[platform]}` imports {NAMES[platform]} accounts; "
            f"--account must be {platform}:HANDLE, not {ref!r}"
        )
    handle = handle.strip().lstrip("@")
    if not _HANDLES[platform].fullmatch(handle):
        raise UsageError(f"--account {ref!r}: {handle!r} is not a valid {NAMES[platform]} handle")
    return handle


def parse_date(value: str) -> datetime:
    """`--date`: an ISO-8601 date or time; UTC when it names no zone."""
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(f"--date wants an ISO-8601 date or time like 2026-01-31T12:00Z, not {value!r}") from None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)


def read_export(platform: str, path: Path) -> ArchiveSnapshot:
    """Parse the export at `path`; any problem is an ImportFileError naming the file and the position."""
    from followtui.providers.archives import ArchiveError, read_instagram_export, read_x_archive

    reader = read_x_archive if platform == Platform.X else read_instagram_export
    try:
        return reader(path)
    except ArchiveError as exc:
        raise ImportFileError(str(exc)) from None


def snapshot_date(snapshot: ArchiveSnapshot, given: datetime | None, now: datetime) -> tuple[datetime, DateSource]:
    if given is not None:
        return given, DateSource.OPTION
    if snapshot.taken_at is None:
        return now, DateSource.NOW
    if snapshot.platform == Platform.INSTAGRAM:
        follows = [*snapshot.follower_since.values(), *snapshot.following_since.values()]
        newest = max(follows, default=None)
        return snapshot.taken_at, DateSource.ARCHIVE if newest == snapshot.taken_at else DateSource.FILES
    # X takes the manifest's generationDate before the file dates; a readable manifest also names the owner.
    return snapshot.taken_at, DateSource.ARCHIVE if snapshot.owner is not None else DateSource.FILES


def import_export(
    store: Store,
    platform: str,
    handle: str,
    path: Path,
    *,
    options: SyncOptions = SyncOptions(),
    date: datetime | None = None,
    now: datetime | None = None,
) -> ImportResult:
    """Read the export at `path` and record it as the account's next snapshot (see `import_snapshot`)."""
    return import_snapshot(store, platform, handle, read_export(platform, path), options=options, date=date, now=now)


def import_snapshot(
    store: Store,
    platform: str,
    handle: str,
    snapshot: ArchiveSnapshot,
    *,
    options: SyncOptions = SyncOptions(),
    date: datetime | None = None,
    now: datetime | None = None,
) -> ImportResult:
    """One dated snapshot of both lists, diffed and committed like a sync; the first one is the baseline.

    Creates the tracked account on its first import. Refuses (UsageError, nothing changed) an export that is
    not newer than the latest snapshot, dated in the future, or someone else's; holds back a suspect drop.
    """
    if snapshot.platform != platform:
        raise UsageError(f"this is a {NAMES.get(snapshot.platform, snapshot.platform)} export, not {NAMES[platform]}")
    now = now or datetime.now(UTC)
    taken_at, date_source = snapshot_date(snapshot, date, now)
    if taken_at > now + FUTURE_SLACK:
        raise UsageError(
            f"the export is dated {iso(taken_at)}, in the future (by {describe_date(platform, date_source)}); "
            "nothing was imported. Give its real date with --date"
        )
    store.ensure()
    locked, _ = _resolve(store.accounts(), platform, handle, snapshot.owner, now)
    lock = account_lock(store, locked)
    try:
        # Again under the lock: another import may have created the account meanwhile.
        account, created = _resolve(store.accounts(), platform, handle, snapshot.owner, now)
        if account.key != locked.key:
            raise StoreBusyError(f"{account.label} changed while this import started; run it again")
        stored = store.read()
        previous = None if created else stored.snapshot(account.key)
        if previous is not None and previous.observed_at is not None and taken_at <= previous.observed_at:
            raise UsageError(
                f"{account.label}: this export is dated {iso(taken_at)} (by {describe_date(platform, date_source)}), "
                f"not newer than the latest snapshot of {iso(previous.observed_at)}; imports must come in date "
                "order (a diff against a newer snapshot would invent events), so nothing was imported. "
                "If it really is newer, give its date with --date"
            )
        clock = time.perf_counter()
        changes = SetChanges.between(
            previous, frozenset(p.id for p in snapshot.followers), frozenset(p.id for p in snapshot.following)
        )
        if previous is not None:
            hold_suspect_drop(
                store,
                account,
                previous,
                changes,
                options,
                started=now,
                clock=clock,
                requests=0,
                observed_at=taken_at,
                what="import",
            )
        own = _own_profile(account, snapshot.owner)
        seen: dict[str, Profile] = {p.id: p for p in snapshot.following}
        seen.update((p.id, p) for p in snapshot.followers)
        seen[own.id] = own
        if created:
            store.add_account(account)
        try:
            report = commit_snapshot(
                store,
                account,
                own,
                changes,
                seen,
                stored.profiles(platform),
                {},  # nobody can be looked up offline: whoever left is an unfollow
                started=now,
                observed_at=taken_at,
                clock=clock,
                requests=0,
                message=f"imported {snapshot.source}; dated by {describe_date(platform, date_source)}"[:500],
                source=EventSource.IMPORT,
            )
        except BaseException:
            if created:  # the first import failed: leave no empty account behind
                with contextlib.suppress(Exception):
                    store.remove_account(account)
            raise
    finally:
        lock.release()
    if own.handle != account.handle:  # the archive names the account's new handle; the store took it
        account = replace(account, handle=own.handle)
    return ImportResult(account, report, created, date_source, snapshot.source)


def _resolve(
    accounts: Sequence[TrackedAccount], platform: str, handle: str, owner: Profile | None, now: datetime
) -> tuple[TrackedAccount, bool]:
    """The tracked account this export belongs to, or a new one (created=True); someone else's is refused.

    The stable id is the owner's id when the export names it (X's manifest), else the handle lowercased.
    """
    mine = [a for a in accounts if a.platform == platform]
    named = next((a for a in mine if a.handle.casefold() == handle.casefold() or a.id == handle), None)
    owned = next((a for a in mine if owner is not None and a.id == owner.id), None)
    if owner is not None and owned is not None:
        if named is not None and named != owned:
            raise UsageError(
                f"this archive belongs to {owned.label} (id {owner.id}), not to {named.label}; "
                f"import it with --account {owned.label}"
            )
        return owned, False
    if named is not None:
        if owner is not None and named.id != named.handle.lower():
            raise UsageError(
                f"this archive belongs to the account with id {owner.id}, but {named.label} is tracked with id "
                f"{named.id}: it is someone else's archive; nothing was imported"
            )
        return named, False
    from followtui.providers.archives import is_id_handle

    if owner is not None and not is_id_handle(owner.handle) and owner.handle.casefold() != handle.casefold():
        raise UsageError(
            f"this archive belongs to @{owner.handle} (id {owner.id}), not @{handle}; "
            f"import it with --account {platform}:{owner.handle}"
        )
    account_id = owner.id if owner is not None else handle.lower()
    return TrackedAccount(platform=platform, handle=handle, id=account_id, added_at=now), True


def _own_profile(account: TrackedAccount, owner: Profile | None) -> Profile:
    """The tracked account's own profile: the export's owner when it is this account, else a bare one."""
    from followtui.providers.archives import is_id_handle

    if owner is not None and owner.id == account.id:
        return replace(owner, handle=account.handle) if is_id_handle(owner.handle) else owner
    url = _PROFILE_URLS[account.platform].format(account.handle)
    return Profile(id=account.id, handle=account.handle, url=url)
