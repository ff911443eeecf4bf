"""Cleaning of untrusted text before it is stored or shown.

Everything a platform or an import file says about an account is hostile until it passes through here:
control and escape characters are removed (they would drive the terminal), bidi overrides are dropped,
and length is bounded. Markup is not escaped here: the UIs never parse network text as markup.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

MAX_HANDLE = 256
MAX_NAME = 256
MAX_BIO = 4096
MAX_URL = 2048

# C0 and C1 controls (tab/newline handled separately), DEL, bidi embeddings/overrides/isolates, and lone
# surrogates (no UTF-8 stream can carry them: writing one to the store or a terminal raises).
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\ud800-\udfff]")
# Whole ANSI/VT escape sequences (CSI, OSC, DCS, SOS/PM/APC) so their payload does not survive as text.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC, DCS, SOS, PM, APC up to BEL/ST
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|[\x90\x9d\x98\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x9c|\x1b\\)?"  # 8-bit OSC/DCS/...
    r"|\x1b[@-Z\\-_]?"  # two-character escapes and a lone ESC
)
# What every escape sequence starts with: text without one skips the (slower) sequence search.
_ESCAPE_START = re.compile(r"[\x1b\x90\x98\x9b\x9d-\x9f]")


def clean_text(value: object, limit: int = MAX_NAME, *, multiline: bool = False) -> str:
    """Return `value` as safe display text: a str, no escapes or controls, at most `limit` characters."""
    if value is None:
        return ""
    if not isinstance(value, str):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        else:
            return ""
    if len(value) <= limit and value.isascii() and value.isprintable():
        return value.strip()  # the common case, decided in C: nothing to remove
    text = value[: limit * 4]  # bound the work before the regexes run
    if _ESCAPE_START.search(text):
        text = _ESCAPES.sub("", text)
    # U+2028/U+2029 break lines too (Python's splitlines, editors, some terminals).
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    else:
        text = text.replace("\r", " ").replace("\n", " ").replace("\u2028", " ").replace("\u2029", " ")
    text = text.replace("\t", " ")
    text = _CONTROLS.sub("", text)
    text = unicodedata.normalize("NFC", text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.strip()


def clean_url(value: object) -> str:
    """A web address as safe text; empty unless it is a plain http(s) URL (no `javascript:`, no spaces)."""
    url = clean_text(value, MAX_URL)
    if not url.startswith(("https://", "http://")) or not url.isprintable() or " " in url:
        return ""
    return url


def clean_int(value: object, *, maximum: int = 10**12) -> int | None:
    """A non-negative count, or None when the value is missing, wrong-typed or absurd."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    if value < 0 or value > maximum:
        return None
    return value


def clean_id(value: object) -> str | None:
    """A stable account id as a short printable token, or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value) if value >= 0 else None
    if not isinstance(value, str) or not value or len(value) > 512:
        return None
    if not value.isprintable() or " " in value:  # isprintable() is False for every other space
        return None
    return value


def clean_time(value: object) -> datetime | None:
    """An ISO-8601 time (or a bare date, read as UTC midnight) as an aware UTC datetime; None when it is missing,
    not a string, malformed, or beyond what a datetime holds once moved to UTC (year 1 at +01:00)."""
    if not isinstance(value, str):
        return None
    text = clean_text(value, 64)
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
