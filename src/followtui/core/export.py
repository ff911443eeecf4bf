"""Rows of a pane as plain dicts, and their CSV/JSON forms: one implementation for `show` and the TUI's export.

CSV cells a spreadsheet would run as formulas are neutralised here, once, for every caller.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import tempfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from followtui.core.codec import iso
from followtui.models import Annotation, Profile, Trickster

if TYPE_CHECKING:
    from followtui.core.policy import Verdict

ROW_FIELDS = [
    "id", "handle", "display_name", "followers_count", "following_count", "posts_count", "ratio", "bio", "url",
    "created_at", "last_active_at", "private", "bot", "tags", "note", "keep",
]  # fmt: skip
#: What a row carries when a follow-back policy judged it.
VERDICT_FIELDS = ["verdict", "score", "verdict_summary", "reasons"]
#: Interactions with you in the policy's window (None: not read for this account), and the last one's time.
ENGAGEMENT_FIELDS = ["interactions", "last_interaction_at"]
TRICKSTER_FIELDS = [
    *ROW_FIELDS, "followed_at", "followed_back", "followed_back_at", "unfollowed_at", "times",
    "stayed_after_follow_back_s", "still_following",
]  # fmt: skip
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "|")


def profile_row(
    profile: Profile,
    note: Annotation,
    trickster: Trickster | None = None,
    verdict: Verdict | None = None,
    engagement: tuple[int | None, datetime | None] | None = None,
) -> dict[str, Any]:
    ratio = profile.ratio
    row: dict[str, Any] = {
        "id": profile.id,
        "handle": profile.handle,
        "display_name": profile.display_name,
        "followers_count": profile.followers_count,
        "following_count": profile.following_count,
        "posts_count": profile.posts_count,
        "ratio": round(ratio, 3) if ratio is not None else None,
        "bio": profile.bio,
        "url": profile.url,
        "created_at": iso(profile.created_at),
        "last_active_at": iso(profile.last_active_at),
        "private": profile.private,
        "bot": profile.bot,
        "tags": list(note.tags),
        "note": note.note,
        "keep": note.keep,
    }
    if verdict is not None:
        summary, reasons = verdict.explained()
        row.update(
            verdict=verdict.decision.value,
            score=verdict.score,
            verdict_summary=summary,
            reasons=[reason.text for reason in reasons],
        )
    if engagement is not None:
        row.update(interactions=engagement[0], last_interaction_at=iso(engagement[1]))
    if trickster is not None:
        row.update(
            followed_at=iso(trickster.followed_at),
            followed_back=trickster.followed_back,
            followed_back_at=iso(trickster.followed_back_at),
            unfollowed_at=iso(trickster.unfollowed_at),
            times=trickster.times,
            stayed_after_follow_back_s=trickster.stayed_after_follow_back_s,
            still_following=trickster.still_following,
        )
    return row


def csv_safe(value: Any) -> str:
    """A spreadsheet must never run a cell as a formula: prefix risky cells with a quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)  # a real number (a count, a score) stays a number; text that looks like one does not
    if isinstance(value, (list, tuple)):
        value = ";".join(str(v) for v in value)
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def to_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_safe(row.get(c)) for c in columns])
    return buffer.getvalue()


def to_json(document: Any, *, compact: bool = False) -> str:
    """Indented for a file a person opens; compact (one line) for stdout, so `>> log` stays JSON Lines."""
    option = orjson.OPT_NON_STR_KEYS if compact else orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS
    return orjson.dumps(document, option=option).decode() + "\n"


def export_target(name: str, exports_dir: Path) -> Path:
    """The full path an export named `name` goes to: a bare name or relative path lands in the exports folder
    (not wherever the app happened to be started); an absolute or ~ path is taken as written."""
    path = Path(name.strip()).expanduser()
    return (path if path.is_absolute() else Path(exports_dir) / path).resolve()


def write_export(path: Path, text: str, exports_dir: Path) -> None:
    """Write atomically (a reader never sees half a file, a failure leaves any old one), creating the exports
    folder private (0700) when the file goes there. Raises OSError with the reason."""
    from followtui.core.storage import DIR_MODE

    exports_dir = Path(exports_dir).expanduser().resolve()
    if path.parent == exports_dir or exports_dir in path.parents:
        exports_dir.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
        path.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
