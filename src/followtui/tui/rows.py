"""Rows of the account lists and their columns: plain data prepared once per load, so that drawing, filtering
and sorting 100k rows never touches the store or the network objects again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from followtui.models import Annotation, Profile, Trickster


@dataclass(frozen=True, slots=True)
class AccountRow:
    """One account as a list shows it. Text fields are already cleaned (see followtui.sanitize)."""

    id: str
    handle: str
    name: str
    followers: int | None
    following: int | None
    ratio: float | None
    posts: int | None
    last_active: datetime | None
    tags: tuple[str, ...]
    keep: bool
    profile: Profile
    annotation: Annotation
    trickster: Trickster | None = None
    #: Lower-cased handle, name and tags: what the filter matches, computed once.
    search_text: str = ""

    @classmethod
    def build(cls, profile: Profile, annotation: Annotation, trickster: Trickster | None = None) -> AccountRow:
        return cls(
            id=profile.id,
            handle=profile.handle,
            name=profile.display_name,
            followers=profile.followers_count,
            following=profile.following_count,
            ratio=profile.ratio,
            posts=profile.posts_count,
            last_active=profile.last_active_at,
            tags=annotation.tags,
            keep=annotation.keep,
            profile=profile,
            annotation=annotation,
            trickster=trickster,
            search_text=" ".join([profile.handle, profile.display_name, *annotation.tags]).casefold(),
        )


def _count(value: int | None) -> str:
    if value is None:
        return "–"
    if value >= 10_000_000:
        return f"{value / 1_000_000:.0f}M"
    if value >= 100_000:
        return f"{value / 1000:.0f}k"
    return f"{value:,}"


def _ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _day(value: datetime | None) -> str:
    return "–" if value is None else value.strftime("%Y-%m-%d")


def _none_last(value: Any) -> tuple[bool, Any]:
    """Sort key that puts unknown values after known ones, whatever the direction of the rest."""
    return (value is None, value if value is not None else 0)


@dataclass(frozen=True, slots=True)
class Column:
    """A list column: how to show a row's value and how to sort by it."""

    key: str
    title: str
    width: int
    text: Callable[[AccountRow], str]
    sort_key: Callable[[AccountRow], Any]
    align: str = "left"  # "left" or "right"


COLUMNS: tuple[Column, ...] = (
    Column("handle", "Handle", 22, lambda r: ("★ " if r.keep else "") + r.handle, lambda r: r.handle.casefold()),
    Column("name", "Name", 20, lambda r: r.name, lambda r: r.name.casefold()),
    Column("followers", "Followers", 9, lambda r: _count(r.followers), lambda r: _none_last(r.followers), "right"),
    Column("following", "Following", 9, lambda r: _count(r.following), lambda r: _none_last(r.following), "right"),
    Column("ratio", "Ratio", 6, lambda r: _ratio(r.ratio), lambda r: _none_last(r.ratio), "right"),
    Column("posts", "Posts", 6, lambda r: _count(r.posts), lambda r: _none_last(r.posts), "right"),
    Column("last_active", "Active", 10, lambda r: _day(r.last_active), lambda r: _none_last(r.last_active)),
    Column("tags", "Tags", 16, lambda r: ", ".join(r.tags), lambda r: ",".join(r.tags).casefold()),
)

TRICKSTER_COLUMNS: tuple[Column, ...] = (
    COLUMNS[0],
    Column(
        "times", "Times", 5, lambda r: str(r.trickster.times if r.trickster else ""),
        lambda r: r.trickster.times if r.trickster else 0, "right",
    ),
    Column(
        "unfollowed", "Left", 10, lambda r: _day(r.trickster.unfollowed_at if r.trickster else None),
        lambda r: _none_last(r.trickster.unfollowed_at if r.trickster else None),
    ),
    Column(
        "followed_back", "Followed back", 13,
        lambda r: _day(r.trickster.followed_back_at if r.trickster else None),
        lambda r: _none_last(r.trickster.followed_back_at if r.trickster else None),
    ),
    *COLUMNS[1:3],
    COLUMNS[-1],
)  # fmt: skip
