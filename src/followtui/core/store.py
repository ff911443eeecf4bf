"""The user's data: tracked accounts, snapshots, events and sync records in one file, annotations in another.

Snapshots change once per sync and can be large; annotations change on every keypress and stay small.
Keeping them apart means a tag costs the same at 100 and at 100k accounts, and a sync running in another
process never rewrites (or loses) a tag.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tinydb import Query

from followtui.core import codec
from followtui.core.codec import Interactions
from followtui.core.errors import AccountExistsError
from followtui.core.storage import DataFile, ensure_private_dir
from followtui.models import (
    Annotation,
    EventKind,
    EventSource,
    FollowEvent,
    Profile,
    SyncReport,
    TrackedAccount,
)

SNAPSHOTS = "snapshots.json"
ANNOTATIONS = "annotations.json"
JOURNAL = "journal.json"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The current follower and following sets of one tracked account (stable ids)."""

    followers: frozenset[str]
    following: frozenset[str]
    observed_at: datetime | None
    baseline_at: datetime | None
    #: When the account itself posted, oldest first (bounded); None where the platform does not list them.
    posts: tuple[datetime, ...] | None = None
    #: Who interacted with you: account id -> ((kind, when), …), newest last; None: never read for this account.
    interactions: dict[str, Interactions] | None = None


@dataclass(slots=True)
class SyncCommit:
    """Everything one successful sync writes, applied in a single transaction."""

    account: TrackedAccount
    own_profile: Profile
    followers: frozenset[str]
    following: frozenset[str]
    profiles: dict[str, Profile]
    events: list[FollowEvent]
    report: SyncReport
    baseline: bool = False
    gone: dict[str, str] = field(default_factory=dict)
    #: The account's own post times to keep (None: keep what the store has, as an offline import does).
    posts: tuple[datetime, ...] | None = None
    #: Everyone's interactions with you to keep (None: keep what the store has).
    interactions: dict[str, Interactions] | None = None


@contextlib.contextmanager
def checked(file: DataFile, table: str) -> Iterator[None]:
    """Reading documents of `table`: one whose fields are not what followtui writes is the file's clear error."""
    try:
        yield
    except codec.BadDocument as exc:
        raise file.bad_document(table, exc.doc, str(exc)) from None


class SnapshotFile:
    """The parsed snapshot file. Reading the raw documents directly (no TinyDB wrapping per document) is the
    hot path at 100k accounts; each question scans one table once."""

    def __init__(self, data: dict[str, Any], source: DataFile) -> None:
        self.data = data
        self.source = source

    def _docs(self, name: str) -> list[dict[str, Any]]:
        return list((self.data.get(name) or {}).values())

    def snapshot(self, account_key: str) -> Snapshot | None:
        doc = next((d for d in self._docs("state") if d.get("account") == account_key), None)
        if doc is None:
            return None
        with checked(self.source, "state"):
            posts = doc.get("posts")
            return Snapshot(
                followers=frozenset(codec.text_list(doc, "followers")),
                following=frozenset(codec.text_list(doc, "following")),
                observed_at=codec.time_field(doc, "observed_at"),
                baseline_at=codec.time_field(doc, "baseline_at"),
                posts=None if posts is None else codec.time_list(doc, "posts"),
                interactions=codec.interactions_field(doc, "interactions"),
            )

    def profiles(self, platform: str, ids: Iterable[str] | None = None) -> dict[str, Profile]:
        """Known profiles of one platform by stable id (all of them, or just `ids`)."""
        prefix = f"{platform}:"
        wanted = None if ids is None else {prefix + i for i in ids}
        out: dict[str, Profile] = {}
        with checked(self.source, "profiles"):
            for doc in self._docs("profiles"):
                key = codec.key_field(doc, "key")
                if key.startswith(prefix) and (wanted is None or key in wanted):
                    profile = codec.profile_from_doc(doc)
                    out[profile.id] = profile
        return out

    def gone_ids(self, platform: str) -> dict[str, str]:
        """Accounts known to be deleted/suspended/moved, with the reason."""
        prefix = f"{platform}:"
        with checked(self.source, "profiles"):
            return {
                codec.key_field(doc, "id"): codec.text_field(doc, "gone")
                for doc in self._docs("profiles")
                if doc.get("gone") and codec.key_field(doc, "key").startswith(prefix)
            }

    def events(self, account_key: str) -> list[FollowEvent]:
        with checked(self.source, "events"):
            events = [codec.event_from_doc(d) for d in self._docs("events") if d.get("account") == account_key]
        events.sort(key=lambda e: e.at)
        return events

    def syncs(self, account_key: str) -> list[SyncReport]:
        with checked(self.source, "syncs"):
            reports = [codec.report_from_doc(d) for d in self._docs("syncs") if d.get("account") == account_key]
        reports.sort(key=lambda r: r.started_at)
        return reports


class Store:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        files = (data_dir / SNAPSHOTS, data_dir / ANNOTATIONS, data_dir / JOURNAL)
        # siblings: a damaged file stops every command, even one that would not read it
        self.snapshots, self.annotation_file, self.journal_file = (DataFile(p, siblings=files) for p in files)

    def ensure(self) -> None:
        ensure_private_dir(self.data_dir)

    def lock_path(self, name: str) -> Path:
        """A path for a lock that is not tied to one file (one sync per account at a time)."""
        ensure_private_dir(self.data_dir / "locks")
        return self.data_dir / "locks" / f"{name}.lock"

    # tracked accounts -------------------------------------------------------------------------------

    def accounts(self) -> list[TrackedAccount]:
        with self.snapshots.reading() as db, checked(self.snapshots, "accounts"):
            return [codec.account_from_doc(doc) for doc in db.table("accounts").all()]

    def add_account(self, account: TrackedAccount) -> None:
        with self.snapshots.transaction() as db:
            table = db.table("accounts")
            if table.contains(Query().key == account.key):
                raise AccountExistsError(f"{account.label} is already tracked")
            table.insert(codec.account_to_doc(account))

    def remove_account(self, account: TrackedAccount) -> None:
        """Forget the account and its history; profiles and annotations stay (another account may share them)."""
        with self.snapshots.transaction() as db:
            for name in ("accounts", "state", "events", "syncs"):
                field_name = "key" if name == "accounts" else "account"
                db.table(name).remove(Query()[field_name] == account.key)

    # snapshots, profiles, events ------------------------------------------------------------------

    def read(self) -> SnapshotFile:
        """One parse of the snapshot file, to answer several questions from the same version."""
        return SnapshotFile(self.snapshots.load(), self.snapshots)

    def snapshot(self, account_key: str) -> Snapshot | None:
        return self.read().snapshot(account_key)

    def profiles(self, platform: str, ids: Iterable[str] | None = None) -> dict[str, Profile]:
        return self.read().profiles(platform, ids)

    def gone_ids(self, platform: str) -> dict[str, str]:
        return self.read().gone_ids(platform)

    def events(self, account_key: str) -> list[FollowEvent]:
        return self.read().events(account_key)

    def syncs(self, account_key: str) -> list[SyncReport]:
        return self.read().syncs(account_key)

    def record_failed_sync(self, report: SyncReport) -> None:
        """A failed or suspect sync leaves only its own record behind."""
        with self.snapshots.transaction() as db:
            db.table("syncs").insert(codec.report_to_doc(report))

    def commit_sync(self, commit: SyncCommit) -> None:
        """Apply a whole sync in one locked transaction: profiles, current sets, events, the sync record."""
        platform = commit.account.platform
        key = commit.account.key
        with self.snapshots.transaction() as db:
            # Existing profiles are updated in place in the loaded data (one pass, no per-document
            # TinyDB query); the inserts and the sync record below make the transaction write it once.
            tables = db.storage.read()
            assert tables is not None  # the in-memory storage always holds a dict
            raw_profiles: dict[str, dict[str, Any]] = tables.setdefault("profiles", {})
            by_key = {doc.get("key", ""): doc for doc in raw_profiles.values()}
            new_docs = []
            for profile in commit.profiles.values():
                doc = codec.profile_to_doc(platform, profile)
                doc["gone"] = ""  # seen alive in this sync
                current = by_key.get(doc["key"])
                if current is None:
                    new_docs.append(doc)
                    by_key[doc["key"]] = doc
                else:
                    current.update(doc)
            for profile_id, reason in commit.gone.items():
                current = by_key.get(f"{platform}:{profile_id}")
                if current is not None:
                    current["gone"] = reason
            if new_docs:
                db.table("profiles").insert_multiple(new_docs)

            state = db.table("state")
            previous = state.get(Query().account == key)
            baseline_at = (
                previous.get("baseline_at") if isinstance(previous, dict) else codec.iso(commit.report.observed_at)
            )
            posts = (  # None: the platform lists no posts (or an import), keep what there is
                (previous.get("posts") if isinstance(previous, dict) else None)
                if commit.posts is None
                else [codec.iso(t) for t in commit.posts]
            )
            interactions = (
                (previous.get("interactions") if isinstance(previous, dict) else None)
                if commit.interactions is None
                else codec.interactions_to_doc(commit.interactions)
            )
            state.upsert(
                {
                    "account": key,
                    "followers": sorted(commit.followers),
                    "following": sorted(commit.following),
                    "observed_at": codec.iso(commit.report.observed_at),
                    "baseline_at": baseline_at,
                    "own_profile": codec.profile_to_doc(platform, commit.own_profile),
                    "posts": posts,
                    "interactions": interactions,
                },
                Query().account == key,
            )
            if commit.events:
                db.table("events").insert_multiple(codec.event_to_doc(e) for e in commit.events)
            db.table("syncs").insert(codec.report_to_doc(commit.report))
            accounts = db.table("accounts")
            if commit.own_profile.handle and commit.own_profile.handle != commit.account.handle:
                accounts.update({"handle": commit.own_profile.handle}, Query().key == key)

    def record_following_change(
        self, account: TrackedAccount, profile: Profile, *, following: bool, at: datetime
    ) -> None:
        """A follow or unfollow made through followtui takes effect in the snapshot at once, with its exact
        time, so a follow-back feeds the trickster timeline without waiting for the next sync."""
        with self.snapshots.transaction() as db:
            state = db.table("state")
            doc = state.get(Query().account == account.key)
            if not isinstance(doc, dict):
                return  # never synced: the first sync's baseline will include it
            current = set(doc.get("following") or ())
            if (profile.id in current) == following:
                return
            current.symmetric_difference_update({profile.id})
            state.update({"following": sorted(current)}, Query().account == account.key)
            kind = EventKind.FOLLOWING_ADDED if following else EventKind.FOLLOWING_REMOVED
            event = FollowEvent(account.key, kind, profile.id, at, source=EventSource.ACTION.value)
            db.table("events").insert(codec.event_to_doc(event))
            profiles = db.table("profiles")
            key = f"{account.platform}:{profile.id}"
            if not profiles.contains(Query().key == key):
                profiles.insert(codec.profile_to_doc(account.platform, profile))

    def journal(self) -> list[dict[str, Any]]:
        """Every follow/unfollow followtui made, oldest first (see core.actions)."""
        return list((self.journal_file.load().get("actions") or {}).values())

    def append_journal(self, entry: dict[str, Any]) -> None:
        with self.journal_file.transaction() as db:
            db.table("actions").insert(entry)

    def own_profile(self, account: TrackedAccount) -> Profile | None:
        with self.snapshots.reading() as db:
            doc = db.table("state").get(Query().account == account.key)
        if isinstance(doc, dict) and isinstance(doc.get("own_profile"), dict):
            with checked(self.snapshots, "state"):
                return codec.profile_from_doc(doc["own_profile"])
        return None

    # annotations ------------------------------------------------------------------------------------

    def annotations(self) -> dict[str, Annotation]:
        docs = (self.annotation_file.load().get("annotations") or {}).values()
        with checked(self.annotation_file, "annotations"):
            return {annotation.key: annotation for annotation in map(codec.annotation_from_doc, docs)}

    def annotate(self, key: str, change: Callable[[Annotation], Annotation]) -> Annotation:
        """Read-modify-write one account's annotation under the lock, so concurrent writers lose nothing."""
        return self.annotate_many([key], change)[key]

    def annotate_many(self, keys: Iterable[str], change: Callable[[Annotation], Annotation]) -> dict[str, Annotation]:
        """The same change to many accounts (a bulk action on marked rows) in one locked write."""
        results: dict[str, Annotation] = {}
        with self.annotation_file.transaction() as db, checked(self.annotation_file, "annotations"):
            table = db.table("annotations")
            # every document is checked, not just the ones changed: a write never carries a broken file on
            current = {codec.annotation_from_doc(doc).key: doc for doc in table.all()}
            new_docs = []
            for key in dict.fromkeys(keys):
                before = codec.annotation_from_doc(current[key]) if key in current else Annotation(key=key)
                after = change(before)
                results[key] = after
                if after == before:
                    continue
                if key in current:
                    table.update(codec.annotation_to_doc(after), doc_ids=[current[key].doc_id])
                else:
                    new_docs.append(codec.annotation_to_doc(after))
            if new_docs:
                table.insert_multiple(new_docs)
        return results
