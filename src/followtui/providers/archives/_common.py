"""What both export parsers share: the snapshot, the error, the limits, text decoding and JSON with positions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from followtui.models import FollowList, Profile
from followtui.sanitize import clean_text

MB = 1024 * 1024

#: Prefix of the placeholder handle given to accounts known only by id (X archives carry no handles).
#: ":" never occurs in a real X handle, so a placeholder is never mistaken for a real account name.
ID_HANDLE_PREFIX = "id:"


class ArchiveError(Exception):
    """The export cannot be read as a whole. The message names the file and where in it the problem is."""


@dataclass(frozen=True, slots=True)
class ArchiveLimits:
    """Bounds on what an import may read; an export that exceeds one is refused (never half-read)."""

    #: Largest single follower/following file, uncompressed.
    max_file_bytes: int = 256 * MB
    #: Everything read from one export together (the zip-bomb bound: checked on declared sizes first, then on
    #: the bytes actually read).
    max_total_bytes: int = 500 * MB
    #: Members of a zip, or files looked at while walking a folder.
    max_members: int = 500_000
    #: Entries in one list (followers or following).
    max_entries: int = 5_000_000
    #: How deep under PATH a folder walk looks for the export's files.
    max_depth: int = 8


DEFAULT_LIMITS = ArchiveLimits()


@dataclass(frozen=True, slots=True)
class ArchiveSnapshot:
    """Both lists of one account as an offline export recorded them.

    `taken_at` is the export's own date when it can be known (see each reader for its source), else None.
    `follower_since` / `following_since` map a profile id to when that follow began, where the export says
    (Instagram does, X does not). `owner` is the exporting account when the export names it (X's manifest).
    """

    platform: str
    followers: tuple[Profile, ...]
    following: tuple[Profile, ...]
    taken_at: datetime | None
    source: str
    follower_since: Mapping[str, datetime] = field(default_factory=dict)
    following_since: Mapping[str, datetime] = field(default_factory=dict)
    owner: Profile | None = None

    def follow_lists(self) -> tuple[FollowList, FollowList]:
        """(followers, following) as complete lists for the sync engine; an export is one 'page', no requests."""
        return FollowList(self.followers, pages=1, requests=0), FollowList(self.following, pages=1, requests=0)


def is_id_handle(handle: str) -> bool:
    """True for the placeholder handle of an account known only by its id (show it as is, never link it)."""
    return handle.startswith(ID_HANDLE_PREFIX)


def kind_of(value: object) -> str:
    """A JSON-ish type name for error messages (never the value itself: it is hostile)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def text(value: object, limit: int) -> str:
    """clean_text, plus no lone surrogates (they cannot be stored as UTF-8)."""
    out = clean_text(value, limit)
    if not out.isascii():
        out = out.encode("utf-8", "replace").decode("utf-8")
    return out


def fix_mojibake(value: str) -> str:
    """Undo Meta's export encoding bug (UTF-8 bytes written as \\u00XX escapes) when that is surely what it is."""
    if value.isascii() or any(ord(c) > 0xFF for c in value):
        return value
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value  # genuine Latin-1 text, or not the bug: leave it as it is


def line_col(doc: str, index: int) -> tuple[int, int]:
    """1-based line and column of character `index` in `doc` (CRLF counts as one line end)."""
    index = max(0, min(index, len(doc)))
    line = doc.count("\n", 0, index) + 1
    column = index - (doc.rfind("\n", 0, index) + 1) + 1
    return line, column


def decode_text(raw: bytes, where: str) -> str:
    """Bytes to text: UTF-8 with or without a BOM; anything else is an error naming the byte's line/column."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ArchiveError(f"{where}: line {line}, column {column}: not UTF-8 text") from None


def parse_json(doc: str, start: int, where: str) -> Any:
    """JSON-parse doc[start:] (trailing whitespace and one `;` allowed); errors give the position in `doc`."""
    end = len(doc.rstrip())
    if end > start and doc[end - 1] == ";":
        end = len(doc[: end - 1].rstrip())
    try:
        return orjson.loads(doc[start:end])
    except orjson.JSONDecodeError as exc:
        line, column = line_col(doc, start + (exc.pos or 0))
        reason = text(exc.msg, 200) or "malformed JSON"
        raise ArchiveError(f"{where}: line {line}, column {column}: {reason}") from None


def epoch(value: object, where: str) -> datetime | None:
    """A Unix-seconds timestamp as an aware UTC datetime; None when absent, an error when not a sane time."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ArchiveError(f"{where}: timestamp is {kind_of(value)}, not a number")
    if not 0 < value < 32503680000:  # up to year 3000; NaN fails too
        raise ArchiveError(f"{where}: timestamp is not a plausible date")
    return datetime.fromtimestamp(int(value), UTC)


def dedupe(profiles: Iterable[Profile]) -> tuple[Profile, ...]:
    """First occurrence of each id wins; order kept."""
    seen: dict[str, Profile] = {}
    for profile in profiles:
        seen.setdefault(profile.id, profile)
    return tuple(seen.values())


def describe(label: str, counts: Iterable[tuple[str, int]]) -> str:
    """'twitter.zip: data/follower.js (1,234), data/following.js (567)'."""
    return f"{label}: " + ", ".join(f"{name} ({count:,})" for name, count in counts)
