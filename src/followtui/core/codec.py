"""Conversions between the shared dataclasses and the JSON documents in the store.

Written out by hand rather than with `dataclasses.asdict`: a first sync converts 200k profiles and the
generic path is several times slower.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, TypeVar

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
    return _parse_text(value)


@functools.lru_cache(maxsize=4096)  # one sync stamps thousands of profiles with the same hydrated_at
def _parse_text(value: str) -> datetime | None:
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
    if profile.posts_per_day is not None:
        doc["posts_per_day"] = round(profile.posts_per_day, 3)
    return doc


class BadDocument(ValueError):
    """A stored document whose fields are not what followtui writes (a hand edit, another tool, a bad disk).

    The store turns it into its clear error naming the file; reading on with a wrong type would crash deep
    inside, or show the user something false (a string of ids read as its characters)."""

    def __init__(self, doc: dict[str, Any], why: str) -> None:
        super().__init__(why)
        self.doc = doc


_KINDS = {
    str: "text",
    int: "a whole number",
    float: "a fraction",
    bool: "true or false",
    list: "a list",
    dict: "an object",
}


def _kind(value: object) -> str:
    """A JSON value's type in the user's words."""
    return "null" if value is None else _KINDS.get(type(value), "something else")


def text_field(doc: dict[str, Any], name: str) -> str:
    value = doc.get(name)
    if value is None or type(value) is str:
        return value or ""
    raise BadDocument(doc, f"{name} is {_kind(value)}, not text")


def key_field(doc: dict[str, Any], name: str) -> str:
    """A field that identifies something: required, non-empty text."""
    value = doc.get(name)
    if type(value) is str and value:
        return value
    raise BadDocument(doc, f"{name} is missing" if value is None else f"{name} is {_kind(value)}, not an id")


def count_field(doc: dict[str, Any], name: str) -> int | None:
    value = doc.get(name)
    if value is None or (type(value) is int and value >= 0):
        return value
    shown = str(value) if type(value) is int else _kind(value)
    raise BadDocument(doc, f"{name} is {shown}, not a count")


def flag_field(doc: dict[str, Any], name: str) -> bool | None:
    value = doc.get(name)
    if value is None or type(value) is bool:
        return value
    raise BadDocument(doc, f"{name} is {_kind(value)}, not true or false")


def time_field(doc: dict[str, Any], name: str) -> datetime | None:
    value = doc.get(name)
    if value is None or value == "":
        return None
    moment = parse_iso(value)
    if moment is None:
        raise BadDocument(doc, f"{name} is {_kind(value)} that is not a time")
    return moment


def text_list(doc: dict[str, Any], name: str) -> tuple[str, ...]:
    value = doc.get(name)
    if value is None:
        return ()
    if type(value) is list and all(type(item) is str and item for item in value):
        return tuple(value)
    raise BadDocument(doc, f"{name} is not a list of text")


def time_list(doc: dict[str, Any], name: str) -> tuple[datetime, ...]:
    value = doc.get(name)
    times = tuple(map(parse_iso, value)) if type(value) is list else (None,)
    if None in times:
        raise BadDocument(doc, f"{name} is not a list of times")
    return times  # type: ignore[return-value]  # None was ruled out just above


#: (kind, when) pairs of one account's interactions with you; when is None where the platform does not say.
Interactions = tuple[tuple[str, datetime | None], ...]


def interactions_to_doc(interactions: dict[str, Interactions]) -> dict[str, list[list[Any]]]:
    return {pid: [[kind, iso(at)] for kind, at in pairs] for pid, pairs in interactions.items()}


def interactions_field(doc: dict[str, Any], name: str) -> dict[str, Interactions] | None:
    """Interactions by account id; None when the field is absent (never read)."""
    value = doc.get(name)
    if value is None:
        return None
    if type(value) is not dict:
        raise BadDocument(doc, f"{name} is {_kind(value)}, not a table of accounts")
    out: dict[str, Interactions] = {}
    for pid, pairs in value.items():
        items = []
        for pair in pairs if type(pairs) is list else (None,):
            if not (type(pair) is list and len(pair) == 2 and type(pair[0]) is str and pair[0]):
                raise BadDocument(doc, f"{name} of {pid!r} is not a list of [kind, time] pairs")
            kind, when = pair
            at = None if when is None else parse_iso(when)
            if when is not None and at is None:
                raise BadDocument(doc, f"{name} of {pid!r} is not a list of [kind, time] pairs")
            items.append((kind, at))
        out[pid] = tuple(items)
    return out


def _history_from_doc(doc: dict[str, Any]) -> tuple[tuple[datetime, int], ...]:
    value = doc.get("followers_history")
    if value is None:
        return ()
    out = []
    for item in value if type(value) is list else (None,):
        pair: list[Any] = item if type(item) is list and len(item) == 2 else [None, None]
        at, count = parse_iso(pair[0]), pair[1]
        if at is None or type(count) is not int or count < 0:
            raise BadDocument(doc, "followers_history is not a list of [time, count] pairs")
        out.append((at, count))
    return tuple(out)


def profile_from_doc(doc: dict[str, Any]) -> Profile:
    return Profile(
        id=key_field(doc, "id"),
        handle=text_field(doc, "handle"),
        display_name=text_field(doc, "display_name"),
        bio=text_field(doc, "bio"),
        avatar_url=text_field(doc, "avatar_url"),
        url=text_field(doc, "url"),
        followers_count=count_field(doc, "followers_count"),
        following_count=count_field(doc, "following_count"),
        posts_count=count_field(doc, "posts_count"),
        created_at=time_field(doc, "created_at"),
        last_active_at=time_field(doc, "last_active_at"),
        private=flag_field(doc, "private"),
        bot=flag_field(doc, "bot"),
        default_avatar=flag_field(doc, "default_avatar"),
        hydrated_at=time_field(doc, "hydrated_at"),
        followers_history=_history_from_doc(doc),
        labels=text_list(doc, "labels"),
        moved_to=text_field(doc, "moved_to"),
        posts_per_day=rate_field(doc, "posts_per_day"),
    )


def rate_field(doc: dict[str, Any], name: str) -> float | None:
    value = doc.get(name)
    if value is None or (type(value) in (int, float) and 0 <= value < 1e9):
        return None if value is None else float(value)
    raise BadDocument(doc, f"{name} is {_kind(value)}, not a rate")


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
        posts_per_day=new.posts_per_day if new.posts_per_day is not None else old.posts_per_day,
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
        platform=key_field(doc, "platform"),
        handle=key_field(doc, "handle"),
        id=key_field(doc, "id"),
        server=text_field(doc, "server"),
        token_env=text_field(doc, "token_env"),
        added_at=time_field(doc, "added_at"),
        pds=text_field(doc, "pds"),
    )


def event_to_doc(event: FollowEvent) -> dict[str, Any]:
    doc = {
        "account": event.account,
        "kind": event.kind.value,
        "profile_id": event.profile_id,
        "at": iso(event.at),
        "gone": event.gone,
    }
    if event.detail:  # written only when there is something: most events have neither
        doc["detail"] = event.detail
    if event.source:
        doc["source"] = event.source
    return doc


_Choice = TypeVar("_Choice", EventKind, SyncStatus)


def _choice(doc: dict[str, Any], name: str, kind: type[_Choice]) -> _Choice:
    try:
        return kind(str(doc.get(name)))
    except ValueError:
        raise BadDocument(doc, f"{name} is not one of {', '.join(k.value for k in kind)}") from None


def event_from_doc(doc: dict[str, Any]) -> FollowEvent:
    at = time_field(doc, "at")
    if at is None:
        raise BadDocument(doc, "at is missing")
    return FollowEvent(
        account=key_field(doc, "account"),
        kind=_choice(doc, "kind", EventKind),
        profile_id=key_field(doc, "profile_id"),
        at=at,
        gone=text_field(doc, "gone"),
        detail=text_field(doc, "detail"),
        source=text_field(doc, "source"),
    )


_REPORT_COUNTS = ("followers", "following", "gained", "lost", "gone", "added", "removed", "requests", "unhydrated")


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
    started = time_field(doc, "started_at") or datetime.fromtimestamp(0, UTC)
    duration = doc.get("duration_s") or 0.0
    if type(duration) not in (int, float) or not 0 <= duration < 1e9:
        raise BadDocument(doc, "duration_s is not a number of seconds")
    counts: dict[str, Any] = {name: count_field(doc, name) or 0 for name in _REPORT_COUNTS}
    return SyncReport(
        account=key_field(doc, "account"),
        status=_choice(doc, "status", SyncStatus),
        started_at=started,
        finished_at=time_field(doc, "finished_at") or started,
        observed_at=time_field(doc, "observed_at"),
        duration_s=float(duration),
        message=text_field(doc, "message"),
        **counts,
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
        key=key_field(doc, "key"),
        tags=text_list(doc, "tags"),
        note=text_field(doc, "note"),
        keep=bool(flag_field(doc, "keep")),
    )
