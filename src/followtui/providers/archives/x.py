"""X / Twitter "Download your archive": data/follower.js and data/following.js (plus -partN.js files).

Each file is one JavaScript assignment, `window.YTD.follower.part0 = [ {"follower": {"accountId": "…",
"userLink": "…"}}, … ]`, pretty or compact. Everything up to the first `=` (or the first `[` when there is no
assignment) is dropped and the rest parsed as JSON; a BOM, CRLF line ends and a trailing `;` are fine.

Decisions:
- ids: `accountId`, digits only (leading zeros dropped). The archive holds no handles, so `handle` is the
  placeholder `id:<accountId>` (see `is_id_handle`): visibly not a name, never a link to someone else.
- url: `userLink` when it is an https twitter.com / x.com link, else the intent link X itself writes.
- both follower and following files are required: a missing list would read as "everyone left".
- taken_at: `archiveInfo.generationDate` from data/manifest.js when present and sane; else the newest date of
  the list files read (zip member date, or file mtime for a folder). The manifest is optional metadata: a
  missing or broken one is ignored, never an error. Its `userInfo` becomes `owner`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from followtui.models import Profile
from followtui.providers.archives._common import (
    DEFAULT_LIMITS,
    ID_HANDLE_PREFIX,
    ArchiveError,
    ArchiveLimits,
    ArchiveSnapshot,
    decode_text,
    dedupe,
    describe,
    kind_of,
    parse_json,
    text,
)
from followtui.providers.archives._source import Source, open_source
from followtui.sanitize import MAX_NAME, MAX_URL, clean_id

_LIST_FILE = re.compile(r"(?:^|/)(follower|following)(?:-part(\d{1,6}))?\.js$")
_MANIFEST = re.compile(r"(?:^|/)manifest\.js$")
_HOSTS = frozenset({"twitter.com", "www.twitter.com", "mobile.twitter.com", "x.com", "www.x.com", "mobile.x.com"})
_HANDLE = re.compile(r"[A-Za-z0-9_]{1,50}")
_MAX_MANIFEST = 4 * 1024 * 1024
_KINDS = ("follower", "following")


def read_x_archive(path: Path, *, limits: ArchiveLimits = DEFAULT_LIMITS) -> ArchiveSnapshot:
    """Both lists from an X archive: its folder, its data/ folder, or the .zip. Raises ArchiveError only."""

    def wanted(name: str) -> bool:
        return bool(_LIST_FILE.search(name) or _MANIFEST.search(name))

    with open_source(Path(path), wanted, limits) as source:
        lists = [n for n in source.names if _LIST_FILE.search(n)]
        if not lists:
            raise ArchiveError(f"{source.label}: no data/follower.js or data/following.js in it; is it an X archive?")
        folder = source.pick_folder(lists, "data", "follower.js / following.js")
        prefix = f"{folder}/" if folder else ""
        parts: dict[str, list[tuple[int, str]]] = {kind: [] for kind in _KINDS}
        for name in lists:
            match = _LIST_FILE.search(name)
            if match and name.rpartition("/")[0] == folder:
                parts[match[1]].append((int(match[2] or 0), name))
        for kind in _KINDS:
            if not parts[kind]:
                raise ArchiveError(
                    f"{source.label}: {prefix}{kind}.js is missing; an archive must hold both follower.js and "
                    "following.js (a missing list would look like everyone unfollowed)"
                )
        ordered = {kind: [name for _, name in sorted(parts[kind])] for kind in _KINDS}
        raw = source.read_all(ordered["follower"] + ordered["following"])
        counts: list[tuple[str, int]] = []
        result: dict[str, tuple[Profile, ...]] = {}
        for kind in _KINDS:
            profiles: list[Profile] = []
            for name in ordered[kind]:
                got = _parse_list(raw.pop(name), source.where(name), kind, limits)
                counts.append((name, len(got)))
                profiles.extend(got)
                if len(profiles) > limits.max_entries:
                    raise ArchiveError(f"{source.where(name)}: more than {limits.max_entries:,} {kind} entries")
            result[kind] = dedupe(profiles)
        taken_at, owner = _manifest(source, f"{prefix}manifest.js")
        if taken_at is None:
            stamps = [s for n in ordered["follower"] + ordered["following"] if (s := source.stamp(n))]
            taken_at = max(stamps, default=None)
        return ArchiveSnapshot(
            platform="x",
            followers=result["follower"],
            following=result["following"],
            taken_at=taken_at,
            source=describe(source.label, counts),
            owner=owner,
        )


def _parse_list(raw: bytes, where: str, kind: str, limits: ArchiveLimits) -> list[Profile]:
    doc = decode_text(raw, where)
    equals, bracket = doc.find("="), doc.find("[")
    if equals != -1 and (bracket == -1 or equals < bracket):
        start = equals + 1
    elif bracket != -1:
        start = bracket
    else:
        raise ArchiveError(f"{where}: line 1, column 1: no `window.YTD.{kind}.part0 = [` assignment or list in it")
    data = parse_json(doc, start, where)
    if not isinstance(data, list):
        raise ArchiveError(f"{where}: expected a list of entries, found {kind_of(data)}")
    if len(data) > limits.max_entries:
        raise ArchiveError(f"{where}: {len(data):,} entries, more than the {limits.max_entries:,} allowed")
    total = len(data)
    profiles = []
    for index, item in enumerate(data, 1):
        at = f"{where}: item {index} of {total}"
        if not isinstance(item, dict):
            raise ArchiveError(f"{at}: is {kind_of(item)}, not an object")
        inner = item.get(kind)
        if not isinstance(inner, dict):
            other = "following" if kind == "follower" else "follower"
            if other in item:
                raise ArchiveError(f"{at}: is a {other!r} entry in a {kind} file")
            raise ArchiveError(f"{at}: {kind!r} is {kind_of(inner)}, not an object")
        account_id = clean_id(inner.get("accountId"))
        if account_id is None or not account_id.isascii() or not account_id.isdigit() or len(account_id) > 20:
            raise ArchiveError(f"{at}: accountId is missing or not a numeric id")
        account_id = str(int(account_id))
        link = inner.get("userLink")
        if link is not None and not isinstance(link, str):
            raise ArchiveError(f"{at}: userLink is {kind_of(link)}, not a string")
        profiles.append(Profile(id=account_id, handle=f"{ID_HANDLE_PREFIX}{account_id}", url=_link(link, account_id)))
    return profiles


def _link(value: str | None, account_id: str) -> str:
    """userLink when it is a plain https link on twitter.com / x.com; else the intent link for the id."""
    if value is not None:
        link = text(value, MAX_URL)
        try:
            parts = urlsplit(link)
            ok = (
                link == value
                and parts.scheme == "https"
                and parts.hostname in _HOSTS
                and parts.port is None
                and not parts.username
                and not any(c.isspace() for c in link)
            )
        except ValueError:
            ok = False
        if ok:
            return link
    return f"https://twitter.com/intent/user?user_id={account_id}"


def _manifest(source: Source, name: str) -> tuple[datetime | None, Profile | None]:
    """(generationDate, owner) from data/manifest.js; (None, None) when it is absent or unusable."""
    if name not in source.names:
        return None, None
    try:
        if source.size(name) > _MAX_MANIFEST:
            return None, None
        doc = decode_text(source.read_all([name])[name], source.where(name))
        equals, brace = doc.find("="), doc.find("{")
        start = equals + 1 if equals != -1 and (brace == -1 or equals < brace) else brace
        data = parse_json(doc, max(start, 0), source.where(name))
    except ArchiveError:
        return None, None
    if not isinstance(data, dict):
        return None, None
    info = data.get("archiveInfo")
    taken_at = _iso(info.get("generationDate")) if isinstance(info, dict) else None
    owner = None
    user = data.get("userInfo")
    if isinstance(user, dict):
        account_id = clean_id(user.get("accountId"))
        if account_id and account_id.isascii() and account_id.isdigit() and len(account_id) <= 20:
            account_id = str(int(account_id))
            handle = user.get("userName")
            handle = handle if isinstance(handle, str) and _HANDLE.fullmatch(handle) else None
            owner = Profile(
                id=account_id,
                handle=handle or f"{ID_HANDLE_PREFIX}{account_id}",
                display_name=text(user.get("displayName"), MAX_NAME),
                url=f"https://x.com/{handle}" if handle else _link(None, account_id),
            )
    return taken_at, owner


def _iso(value: object) -> datetime | None:
    """An ISO-8601 instant with a zone (e.g. '2021-03-22T15:32:53.698Z'), in UTC; None otherwise."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None or not 2006 <= when.year < 3000:
        return None
    return when.astimezone(UTC)
