"""Conversions between the shared dataclasses and the JSON documents in the store.

Written out by hand rather than with `dataclasses.asdict`: a first sync converts 200k profiles and the
generic path is several times slower.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from followtui.models import (
    Annotation,
    EventKind,
    FollowEvent,
    Profile,
    SyncReport,
    SyncStatus,
    TrackedAccount,
)


def iso(moment: datetime | None) -> str | None:
    """ISO-8601 in UTC with a `Z`, the one time format of the store and of `--json` output."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_iso(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)  # 3.11 reads the trailing Z itself
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


_PROFILE_TIMES = ("created_at", "last_active_at", "hydrated_at")
_PROFILE_PLAIN = (
    "handle",
    "display_name",
    "bio",
    "avatar_url",
    "url",
    "followers_count",
    "following_count",
    "posts_count",
    "private",
    "bot",
    "default_avatar",
)


HISTORY_LIMIT = 60


def profile_to_doc(platform: str, profile: Profile) -> dict[str, Any]:
    doc: dict[str, Any] = {"key": f"{platform}:{profile.id}", "id": profile.id}
    for name in _PROFILE_PLAIN:
        doc[name] = getattr(profile, name)
    for name in _PROFILE_TIMES:
        doc[name] = iso(getattr(profile, name))
    if profile.followers_history:
        doc["followers_history"] = [[iso(at), n] for at, n in profile.followers_history]
    if profile.labels:  # written only when there is something: most accounts have neither
        doc["labels"] = list(profile.labels)
    if profile.moved_to:
        doc["moved_to"] = profile.moved_to
    return doc


def _labels_from_doc(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(item for item in value if isinstance(item, str) and item)


def _history_from_doc(value: Any) -> tuple[tuple[datetime, int], ...]:
    if not isinstance(value, list):
        return ()
    out = []
    for item in value:
        if isinstance(item, list) and len(item) == 2 and isinstance(item[1], int):
            at = parse_iso(item[0])
            if at is not None:
                out.append((at, item[1]))
    return tuple(out)


def profile_from_doc(doc: dict[str, Any]) -> Profile:
    return Profile(
        id=doc["id"],
        handle=doc.get("handle") or "",
        display_name=doc.get("display_name") or "",
        bio=doc.get("bio") or "",
        avatar_url=doc.get("avatar_url") or "",
        url=doc.get("url") or "",
        followers_count=doc.get("followers_count"),
        following_count=doc.get("following_count"),
        posts_count=doc.get("posts_count"),
        created_at=parse_iso(doc.get("created_at")),
        last_active_at=parse_iso(doc.get("last_active_at")),
        private=doc.get("private"),
        bot=doc.get("bot"),
        default_avatar=doc.get("default_avatar"),
        hydrated_at=parse_iso(doc.get("hydrated_at")),
        followers_history=_history_from_doc(doc.get("followers_history")),
        labels=_labels_from_doc(doc.get("labels")),
        moved_to=moved if isinstance(moved := doc.get("moved_to"), str) else "",
    )


def _with_history(old: Profile | None, new: Profile) -> Profile:
    """A hydrated profile carries on the account's follower-count history, adding a point when it changed."""
    history = old.followers_history if old else ()
    count, at = new.followers_count, new.hydrated_at
    if count is not None and at is not None and (not history or history[-1][1] != count):
        history = (*history, (at, count))[-HISTORY_LIMIT:]
    return new if history == new.followers_history else replace(new, followers_history=history)


def merge_profile(old: Profile | None, new: Profile) -> Profile:
    """A list entry carries less than a hydrated profile: keep what we knew unless the new one says more."""
    if old is None or new.hydrated_at is not None:
        return _with_history(old, new)
    return Profile(
        id=new.id,
        handle=new.handle or old.handle,
        display_name=new.display_name or old.display_name,
        bio=new.bio or old.bio,
        avatar_url=new.avatar_url or old.avatar_url,
        url=new.url or old.url,
        followers_count=new.followers_count if new.followers_count is not None else old.followers_count,
        following_count=new.following_count if new.following_count is not None else old.following_count,
        posts_count=new.posts_count if new.posts_count is not None else old.posts_count,
        created_at=new.created_at or old.created_at,
        last_active_at=new.last_active_at or old.last_active_at,
        private=new.private if new.private is not None else old.private,
        bot=new.bot if new.bot is not None else old.bot,
        default_avatar=new.default_avatar if new.default_avatar is not None else old.default_avatar,
        hydrated_at=old.hydrated_at,
        followers_history=old.followers_history,
        labels=new.labels or old.labels,
        moved_to=new.moved_to or old.moved_to,
    )


def account_to_doc(account: TrackedAccount) -> dict[str, Any]:
    return {
        "key": account.key,
        "platform": account.platform,
        "handle": account.handle,
        "id": account.id,
        "server": account.server,
        "token_env": account.token_env,
        "pds": account.pds,
        "added_at": iso(account.added_at),
    }


def account_from_doc(doc: dict[str, Any]) -> TrackedAccount:
    return TrackedAccount(
        platform=doc["platform"],
        handle=doc["handle"],
        id=doc["id"],
        server=doc.get("server") or "",
        token_env=doc.get("token_env") or "",
        added_at=parse_iso(doc.get("added_at")),
        pds=doc.get("pds") or "",
    )


def event_to_doc(event: FollowEvent) -> dict[str, Any]:
    return {
        "account": event.account,
        "kind": event.kind.value,
        "profile_id": event.profile_id,
        "at": iso(event.at),
        "gone": event.gone,
    }


def event_from_doc(doc: dict[str, Any]) -> FollowEvent:
    at = parse_iso(doc.get("at"))
    assert at is not None
    return FollowEvent(
        account=doc["account"],
        kind=EventKind(doc["kind"]),
        profile_id=doc["profile_id"],
        at=at,
        gone=doc.get("gone") or "",
    )


_REPORT_COUNTS = ("followers", "following", "gained", "lost", "gone", "added", "removed", "requests")


def report_to_doc(report: SyncReport) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "account": report.account,
        "status": report.status.value,
        "started_at": iso(report.started_at),
        "finished_at": iso(report.finished_at),
        "observed_at": iso(report.observed_at),
        "duration_s": round(report.duration_s, 3),
        "message": report.message,
    }
    for name in _REPORT_COUNTS:
        doc[name] = getattr(report, name)
    return doc


def report_from_doc(doc: dict[str, Any]) -> SyncReport:
    started = parse_iso(doc.get("started_at")) or datetime.fromtimestamp(0, UTC)
    return SyncReport(
        account=doc["account"],
        status=SyncStatus(doc["status"]),
        started_at=started,
        finished_at=parse_iso(doc.get("finished_at")) or started,
        observed_at=parse_iso(doc.get("observed_at")),
        duration_s=float(doc.get("duration_s") or 0.0),
        message=doc.get("message") or "",
        **{name: int(doc.get(name) or 0) for name in _REPORT_COUNTS},
    )


def annotation_to_doc(annotation: Annotation) -> dict[str, Any]:
    return {
        "key": annotation.key,
        "tags": list(annotation.tags),
        "note": annotation.note,
        "keep": annotation.keep,
    }


def annotation_from_doc(doc: dict[str, Any]) -> Annotation:
    return Annotation(
        key=doc["key"],
        tags=tuple(doc.get("tags") or ()),
        note=doc.get("note") or "",
        keep=bool(doc.get("keep")),
    )
