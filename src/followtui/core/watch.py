"""What a live stream of follow-record commits means for one Bluesky account: followed you, unfollowed you, you
followed, you unfollowed, each with the commit's own time.

Pure logic, no I/O. Its input is any commit shaped like `followtui.providers.bluesky_stream.FollowCommit` (a repo
DID, a time and its follow ops in order); the shapes are Protocols here, so this module needs neither that module
nor its network libraries.

A delete names only a record key, never the followed account, so the meaning of a delete comes from
`FollowRecords`: `(repo DID, rkey) -> subject DID` for the records that concern the owner (those in the owner's own
repo, and those whose subject is the owner). It is seeded from what the account can read
(`BlueskyProvider.follow_records`) and kept up to date by `interpret`; records about others are never stored, so
its size follows the owner's followers and follows, not the network's traffic.

A follow is a (follower, subject) pair held by one or more records (duplicate follow records exist). A commit
is judged as a whole: a pair that held before it and holds after it did not change, whatever happened to its
records in between, so a delete and a create of the same pair in one commit (a re-follow) is not an unfollow.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from followtui.models import EventKind, EventSource, FollowEvent


class FollowOpLike(Protocol):
    @property
    def action(self) -> str: ...  # "create", "update" or "delete"

    @property
    def rkey(self) -> str: ...

    @property
    def subject(self) -> str | None: ...  # the followed DID of a create or update; None when unknown


class FollowCommitLike(Protocol):
    @property
    def repo(self) -> str: ...

    @property
    def at(self) -> datetime: ...

    @property
    def ops(self) -> Sequence[FollowOpLike]: ...


@dataclass(frozen=True, slots=True)
class LiveChange:
    """One change of the owner's follow graph: `profile_id` is the other account's DID, `at` the commit's time."""

    kind: EventKind
    profile_id: str
    at: datetime

    def event(self, account: str) -> FollowEvent:
        """As a FollowEvent of the tracked account `account` (its key, `bluesky:<did>`)."""
        return FollowEvent(
            account=account, kind=self.kind, profile_id=self.profile_id, at=self.at, source=EventSource.WATCH.value
        )


@dataclass(slots=True)
class WatchStats:
    commits: int = 0
    changes: int = 0
    #: Deletes of records not known: in others' repos the norm (their follows of others), in the owner's repo a
    #: record the seed missed.
    unknown_deletes: int = 0
    unknown_own_deletes: int = 0
    #: Creates or updates without a usable subject (record missing from the commit, or not a valid follow).
    unresolved: int = 0
    #: Creates of a record already known with the same subject (a replay).
    duplicates: int = 0
    #: Pairs whose records changed in a commit while the follow itself held (a re-follow).
    refollows: int = 0
    #: Ops with an action other than create, update or delete.
    ignored: int = 0


Pair = tuple[str, str]  # (follower DID, subject DID)


class FollowRecords:
    """`(repo DID, rkey) -> subject DID` for the follow records that concern `owner`, and how many records hold
    each (follower, subject) pair. Self-follows are left out."""

    __slots__ = ("_pairs", "_subjects", "owner", "stats")

    def __init__(self, owner: str, seed: Mapping[tuple[str, str], str] | None = None) -> None:
        self.owner = owner
        self.stats = WatchStats()
        self._subjects: dict[tuple[str, str], str] = {}
        self._pairs: dict[Pair, int] = {}
        if seed:
            self.reseed(seed)

    def reseed(self, seed: Mapping[tuple[str, str], str]) -> None:
        """Start again from `seed` (after a full sync); entries that do not concern the owner are dropped."""
        self._subjects.clear()
        self._pairs.clear()
        for (repo, rkey), subject in seed.items():
            self.put(repo, rkey, subject)

    def concerns(self, repo: str, subject: str) -> bool:
        return repo != subject and (repo == self.owner or subject == self.owner)

    def get(self, repo: str, rkey: str) -> str | None:
        return self._subjects.get((repo, rkey))

    def holds(self, follower: str, subject: str) -> bool:
        """Whether `follower` follows `subject` by some known record."""
        return (follower, subject) in self._pairs

    def put(self, repo: str, rkey: str, subject: str) -> bool:
        """Record that `repo`'s record `rkey` follows `subject`; False (nothing stored) when it does not concern the
        owner or is already known."""
        key = (repo, rkey)
        old = self._subjects.get(key)
        if old == subject:
            return False
        if old is not None:
            self.drop(repo, rkey)
        if not self.concerns(repo, subject):
            return False
        self._subjects[key] = subject
        pair = (repo, subject)
        self._pairs[pair] = self._pairs.get(pair, 0) + 1
        return True

    def drop(self, repo: str, rkey: str) -> str | None:
        """Forget record `rkey` of `repo`; its subject, or None when it was not known."""
        subject = self._subjects.pop((repo, rkey), None)
        if subject is not None:
            pair = (repo, subject)
            left = self._pairs[pair] - 1
            if left:
                self._pairs[pair] = left
            else:
                del self._pairs[pair]
        return subject

    def followers(self) -> set[str]:
        return {repo for repo, subject in self._pairs if subject == self.owner}

    def following(self) -> set[str]:
        return {subject for repo, subject in self._pairs if repo == self.owner}

    def items(self) -> Iterator[tuple[tuple[str, str], str]]:
        return iter(self._subjects.items())

    def __len__(self) -> int:
        return len(self._subjects)

    def __contains__(self, key: object) -> bool:
        return key in self._subjects


def interpret(commit: FollowCommitLike, records: FollowRecords) -> list[LiveChange]:
    """The owner's follow changes in one commit, in op order; `records` is brought up to date.

    A create (or update) in the owner's repo is "you followed" its subject; elsewhere it counts only when its
    subject is the owner ("followed you"). A delete counts when its record is known and concerns the owner. The
    ops of a commit are taken together: a pair is compared before and after the whole commit.
    """
    stats = records.stats
    stats.commits += 1
    repo, owner = commit.repo, records.owner
    before: dict[Pair, bool] = {}
    for op in commit.ops:
        action, rkey = op.action, op.rkey
        if action == "delete":
            subject = records.get(repo, rkey)
            if subject is None:
                stats.unknown_deletes += 1
                if repo == owner:
                    stats.unknown_own_deletes += 1
                continue
            before.setdefault((repo, subject), True)
            records.drop(repo, rkey)
        elif action in ("create", "update"):
            old = records.get(repo, rkey)
            subject = op.subject
            if subject is not None and subject == old:
                stats.duplicates += 1
                continue
            if old is not None:  # the record now says something else
                before.setdefault((repo, old), True)
                records.drop(repo, rkey)
            if subject is None:
                stats.unresolved += 1
                continue
            if not records.concerns(repo, subject):
                continue  # someone else's follow of someone else: not stored
            before.setdefault((repo, subject), records.holds(repo, subject))
            records.put(repo, rkey, subject)
        else:
            stats.ignored += 1
    if not before:
        return []
    changes: list[LiveChange] = []
    for (follower, subject), held in before.items():
        holds = records.holds(follower, subject)
        if held == holds:
            if held:
                stats.refollows += 1
            continue
        if follower == owner:
            kind = EventKind.FOLLOWING_ADDED if holds else EventKind.FOLLOWING_REMOVED
            changes.append(LiveChange(kind, subject, commit.at))
        else:
            kind = EventKind.FOLLOWER_GAINED if holds else EventKind.FOLLOWER_LOST
            changes.append(LiveChange(kind, follower, commit.at))
    stats.changes += len(changes)
    return changes


def interpret_events(commit: FollowCommitLike, records: FollowRecords, account: str) -> list[FollowEvent]:
    """`interpret`, as FollowEvents of the tracked account `account` (source "watch")."""
    return [change.event(account) for change in interpret(commit, records)]
