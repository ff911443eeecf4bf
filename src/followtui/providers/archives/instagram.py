"""Instagram "Download your information" (JSON format): followers_N.json and following.json.

Found anywhere inside the export (usually `connections/followers_and_following/`, sometimes under a top
folder). followers_1.json, followers_2.json … are top-level lists (an object holding `relationships_followers`
is taken too); following.json is an object holding `relationships_following` (a top-level list is taken too).
Entries look like `{"title", "media_list_data", "string_list_data": [{"href", "value", "timestamp"}]}`.

Decisions:
- username = `value`, else a non-empty `title`, else the last path segment of an instagram.com `href`
  (`/_u/`, query and trailing slash stripped); it must look like an Instagram username.
- ids: the export has no stable numeric id, so the id is the username lowercased. A rename therefore reads
  as one account leaving and another arriving: renames cannot be tracked for Instagram imports.
- a `title` that is not the username is kept as display_name (Meta's mojibake is repaired when it surely is).
- follow times go to `follower_since` / `following_since` (id -> when; the earliest when an id repeats).
- both followers and following files are required (an empty list `[]` in a present file is fine).
- taken_at: the newest follow timestamp in either list (a real platform time, a lower bound of the export's
  date); when there is none, the newest date of the files read (zip member date or file mtime).
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from followtui.models import Profile
from followtui.providers.archives._common import (
    DEFAULT_LIMITS,
    ArchiveError,
    ArchiveLimits,
    ArchiveSnapshot,
    decode_text,
    dedupe,
    describe,
    epoch,
    fix_mojibake,
    kind_of,
    parse_json,
    text,
)
from followtui.providers.archives._source import open_source
from followtui.sanitize import MAX_NAME

_FILE = re.compile(r"(?:^|/)(followers(?:_(\d{1,6}))?|following)\.(json|html)$")
_USERNAME = re.compile(r"(?=[^\n]*[A-Za-z0-9_])[A-Za-z0-9._]{1,64}")


def read_instagram_export(path: Path, *, limits: ArchiveLimits = DEFAULT_LIMITS) -> ArchiveSnapshot:
    """Both lists from an Instagram export: the .zip or its folder. Raises ArchiveError only."""
    with open_source(Path(path), lambda name: bool(_FILE.search(name)), limits) as source:
        names = [n for n in source.names if n.endswith(".json")]
        if not names:
            if source.names:
                raise ArchiveError(
                    f"{source.where(source.names[0])}: this export is in HTML format; "
                    "download your information again choosing the JSON format"
                )
            raise ArchiveError(
                f"{source.label}: no connections/followers_and_following/followers_1.json or following.json "
                "in it; is it an Instagram export (JSON format)?"
            )
        folder = source.pick_folder(names, "followers_and_following", "followers_1.json / following.json")
        prefix = f"{folder}/" if folder else ""
        followers: list[tuple[int, str]] = []
        following: list[str] = []
        for name in names:
            match = _FILE.search(name)
            if not match or name.rpartition("/")[0] != folder:
                continue
            if match[1] == "following":
                following.append(name)
            else:
                followers.append((int(match[2] or 0), name))
        if not followers:
            raise ArchiveError(
                f"{source.label}: {prefix}followers_1.json is missing; an export must hold both followers and "
                "following (a missing list would look like everyone unfollowed)"
            )
        if not following:
            raise ArchiveError(
                f"{source.label}: {prefix}following.json is missing; an export must hold both followers and "
                "following (a missing list would look like everyone unfollowed)"
            )
        follower_names = [name for _, name in sorted(followers)]
        raw = source.read_all(follower_names + following)
        counts: list[tuple[str, int]] = []
        sides: list[tuple[tuple[Profile, ...], dict[str, datetime]]] = []
        for side, side_names in (("followers", follower_names), ("following", following)):
            profiles: list[Profile] = []
            since: dict[str, datetime] = {}
            for name in side_names:
                where = source.where(name)
                data = parse_json(decode_text(raw.pop(name), where), 0, where)
                got = _parse_list(data, where, side, since, limits)
                counts.append((name, len(got)))
                profiles.extend(got)
                if len(profiles) > limits.max_entries:
                    raise ArchiveError(f"{where}: more than {limits.max_entries:,} {side} entries")
            sides.append((dedupe(profiles), since))
        (follower_profiles, follower_since), (following_profiles, following_since) = sides
        taken_at = max([*follower_since.values(), *following_since.values()], default=None)
        if taken_at is None:
            taken_at = max(
                [s for n in follower_names + following if (s := source.stamp(n))],
                default=None,
            )
        return ArchiveSnapshot(
            platform="instagram",
            followers=follower_profiles,
            following=following_profiles,
            taken_at=taken_at,
            source=describe(source.label, counts),
            follower_since=follower_since,
            following_since=following_since,
        )


def _entries(data: Any, where: str, side: str) -> tuple[list[Any], str]:
    """The entry list of one file and how to name its items ('item' or 'relationships_following item')."""
    if isinstance(data, list):
        return data, "item"
    if isinstance(data, dict):
        key = f"relationships_{side}"
        if key not in data:
            found = [k for k, v in data.items() if isinstance(k, str) and k.startswith("relationships_")]
            if len(found) == 1 and isinstance(data[found[0]], list):
                key = found[0]
        value = data.get(key)
        if isinstance(value, list):
            return value, f"{text(key, 64)} item"
        raise ArchiveError(f"{where}: expected a list under {key!r}, found {kind_of(value)}")
    raise ArchiveError(f"{where}: expected a list of entries, found {kind_of(data)}")


def _parse_list(data: Any, where: str, side: str, since: dict[str, datetime], limits: ArchiveLimits) -> list[Profile]:
    entries, label = _entries(data, where, side)
    if len(entries) > limits.max_entries:
        raise ArchiveError(f"{where}: {len(entries):,} entries, more than the {limits.max_entries:,} allowed")
    total = len(entries)
    profiles = []
    for index, entry in enumerate(entries, 1):
        at = f"{where}: {label} {index} of {total}"
        if not isinstance(entry, dict):
            raise ArchiveError(f"{at}: is {kind_of(entry)}, not an object")
        points = entry.get("string_list_data")
        if points is None:
            points = []
        if not isinstance(points, list):
            raise ArchiveError(f"{at}: string_list_data is {kind_of(points)}, not a list")
        title = entry.get("title")
        if title is not None and not isinstance(title, str):
            raise ArchiveError(f"{at}: title is {kind_of(title)}, not a string")
        value: str | None = None
        href: str | None = None
        when: datetime | None = None
        for j, point in enumerate(points):
            if not isinstance(point, dict):
                raise ArchiveError(f"{at}: string_list_data[{j}] is {kind_of(point)}, not an object")
            for key in ("value", "href"):
                field = point.get(key)
                if field is not None and not isinstance(field, str):
                    raise ArchiveError(f"{at}: string_list_data[{j}].{key} is {kind_of(field)}, not a string")
            value = value or point.get("value")
            href = href or point.get("href")
            stamp = epoch(point.get("timestamp"), f"{at}: string_list_data[{j}]")
            when = when or stamp
        username = _username(value) or _username(title) or _username_from_href(href)
        if username is None:
            raise ArchiveError(f"{at}: no usable username (no value, title or instagram.com link)")
        profile_id = username.lower()
        display = ""
        if title and _username(title) is None:
            display = text(fix_mojibake(title), MAX_NAME)
        profiles.append(
            Profile(id=profile_id, handle=username, display_name=display, url=f"https://www.instagram.com/{username}")
        )
        if when is not None and (profile_id not in since or when < since[profile_id]):
            since[profile_id] = when
    return profiles


def _username(value: object) -> str | None:
    if not isinstance(value, str) or len(value) > 100:
        return None
    name = value.strip().removeprefix("@")
    return name if _USERNAME.fullmatch(name) else None


def _username_from_href(href: str | None) -> str | None:
    """'https://www.instagram.com/_u/name/?hl=en' -> 'name'; None unless it is an instagram.com link."""
    if href is None or len(href) > 2048:
        return None
    try:
        parts = urlsplit(href.strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not (host == "instagram.com" or host.endswith(".instagram.com")):
        return None
    segments = [s for s in parts.path.split("/") if s and s != "_u"]
    return _username(segments[-1]) if segments else None
