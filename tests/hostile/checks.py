"""What "clean" means, as assertions every hostile test shares (the promises of followtui.sanitize)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from followtui.sanitize import MAX_BIO, MAX_HANDLE, MAX_NAME

#: What must never reach the store or the terminal: C0 controls but tab and newline, DEL, C1 controls (8-bit
#: CSI/OSC included), ESC, bidi embeddings, overrides, isolates and marks, and lone surrogates.
FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\ud800-\udfff]")
#: Characters that end a line somewhere (Python's splitlines, terminals, editors): never inside one-line text.
LINE_BREAKS = re.compile(r"[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
MAX_COUNT = 10**12


def forbidden(text: str) -> list[str]:
    """The forbidden characters in `text`, as reprs (for assertion messages)."""
    return sorted({repr(c) for c in FORBIDDEN.findall(text)})


def assert_clean_text(value: object, limit: int, *, multiline: bool = False, where: str = "") -> None:
    assert isinstance(value, str), (where, type(value))
    assert len(value) <= limit, (where, len(value), limit)
    assert not FORBIDDEN.search(value), (where, forbidden(value))
    assert "\t" not in value, where
    if multiline:
        assert not re.search(r"[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]", value), (where, value[:80])
    else:
        assert not LINE_BREAKS.search(value), (where, value[:80])
    assert value == value.strip(), where


def assert_count(value: object, where: str = "") -> None:
    """A count is unknown (None) or a real, sane int: never negative, never above 10**12, never a bool."""
    assert value is None or (type(value) is int and 0 <= value <= MAX_COUNT), (where, value)


def assert_time(value: object, where: str = "") -> None:
    """A time is unknown (None) or a real, aware datetime in UTC."""
    if value is None:
        return
    assert isinstance(value, datetime), (where, value)
    assert value.tzinfo is not None and value.utcoffset() == timedelta(0), (where, value)


def assert_clean_profile(profile: object, where: str = "") -> None:
    """Every text field cleaned and bounded, every count sane, every time real (a models.Profile)."""
    from followtui.models import Profile

    assert isinstance(profile, Profile), where
    assert profile.id and not FORBIDDEN.search(profile.id) and " " not in profile.id and len(profile.id) <= 512
    assert profile.handle, where
    assert_clean_text(profile.handle, MAX_HANDLE, where=f"{where} handle")
    assert_clean_text(profile.display_name, MAX_NAME, where=f"{where} display_name")
    assert_clean_text(profile.bio, MAX_BIO, multiline=True, where=f"{where} bio")
    for name in ("avatar_url", "url"):
        url = getattr(profile, name)
        assert url == "" or (url.startswith(("https://", "http://")) and url.isprintable() and " " not in url), url
    for name in ("followers_count", "following_count", "posts_count"):
        assert_count(getattr(profile, name), f"{where} {name}")
    for name in ("created_at", "last_active_at", "hydrated_at"):
        assert_time(getattr(profile, name), f"{where} {name}")
    for name in ("private", "bot", "default_avatar"):
        assert getattr(profile, name) in (None, True, False), (where, name)
    for label in profile.labels:
        assert_clean_text(label, 128, where=f"{where} label")
    assert_clean_text(profile.moved_to, MAX_HANDLE, where=f"{where} moved_to")


def assert_terminal_safe(output: str, where: str = "") -> None:
    """Output for a terminal (or a file a terminal may print): no escape or control character but newline."""
    assert not FORBIDDEN.search(output), (where, forbidden(output))
    assert not re.search(r"[\r\t\x0b\x0c\x85\u2028\u2029]", output), where
