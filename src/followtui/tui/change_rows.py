"""The Changes view's filter and columns, without Textual: what the user typed, read as kinds, a first day and
words, with the same meaning as `followtui changes --kind … --since …`; and a change fitted to a width.

Kept apart from the screen so that parsing and layout are tested without an app; cells are plain strings
(never markup), cut to their width by the account list's own cell functions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time

from followtui.core.changes import KIND_TITLES, KINDS
from followtui.models import Change, ChangeKind
from followtui.tui.widgets.account_table_cells import fit

#: Kinds in the log's order: the digit keys 1–7 of the Changes view toggle them.
KIND_ORDER: tuple[ChangeKind, ...] = tuple(ChangeKind(k) for k in KINDS)
#: The kind as the list shows it: the log's words, short enough for 80 columns.
KIND_WORDS = {**KIND_TITLES, ChangeKind.REQUESTED: "you requested"}
KIND_STYLES = {
    ChangeKind.FOLLOWED_YOU: "green",
    ChangeKind.UNFOLLOWED_YOU: "red",
    ChangeKind.GONE: "magenta",
    ChangeKind.RENAMED: "cyan",
    ChangeKind.YOU_FOLLOWED: "",
    ChangeKind.YOU_UNFOLLOWED: "",
    ChangeKind.REQUESTED: "italic",
}
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")


@dataclass(frozen=True, slots=True)
class ChangeQuery:
    """What the Changes view shows: kinds (none: all), changes at or after the first moment of `since` (UTC, the
    sync clock), and words every shown change holds in its handle, name or detail."""

    kinds: tuple[ChangeKind, ...] = ()
    since: date | None = None
    words: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()

    @property
    def since_moment(self) -> datetime | None:
        return None if self.since is None else datetime.combine(self.since, time(), UTC)

    def text(self) -> str:
        """The filter text that reads back as this query."""
        parts = [k.value for k in self.kinds]
        if self.since is not None:
            parts.append(self.since.isoformat())
        return " ".join([*parts, *(f"@{w}" if _special(w) else w for w in self.words)])

    def toggled(self, kind: ChangeKind) -> ChangeQuery:
        chosen = set(self.kinds) ^ {kind}
        return replace(self, kinds=tuple(k for k in KIND_ORDER if k in chosen))

    def cycled(self) -> ChangeQuery:
        """Every kind → the first kind alone → the next … → every kind again (several chosen: every kind)."""
        if len(self.kinds) != 1:
            return replace(self, kinds=() if self.kinds else KIND_ORDER[:1])
        i = KIND_ORDER.index(self.kinds[0]) + 1
        return replace(self, kinds=KIND_ORDER[i : i + 1])

    def describe(self) -> str:
        """The query in words, for the status line."""
        parts = []
        if self.kinds:
            parts.append(", ".join(KIND_WORDS[k] for k in self.kinds))
        if self.since is not None:
            parts.append(f"since {self.since.isoformat()}")
        if self.words:
            parts.append("with “" + " ".join(self.words) + "”")
        return " · ".join(parts)

    def apply(self, newest_first: Sequence[Change], haystacks: Sequence[str] | None = None) -> list[Change]:
        """The matching rows of a log already in core.changes.select's order (sorted once, filtered per
        keystroke), so the view agrees with `followtui changes`. `haystacks`: each row's `searchable` text,
        worked out once by the caller, so a word typed into 100k rows costs one substring test per row."""
        kinds, since, words = self.kinds, self.since_moment, self.words
        if not (kinds or since or words):
            return list(newest_first)
        end = len(newest_first)
        if since is not None:  # newest first: the rows before the first older one
            end = next((i for i, c in enumerate(newest_first) if c.at < since), end)
        indexes: Iterable[int] = range(end)
        if words:
            texts = haystacks if haystacks is not None else [searchable(c) for c in newest_first[:end]]
            for word in words:  # one pass per word: a plain substring test, no call per row
                indexes = [i for i in indexes if word in texts[i]]
        if kinds:
            indexes = [i for i in indexes if newest_first[i].kind in kinds]
        return [newest_first[i] for i in indexes]


def searchable(change: Change) -> str:
    """What the filter's words are looked for in: handle, name and detail, case-folded."""
    return f"{change.handle} {change.display_name} {change.detail}".casefold()


def _special(word: str) -> bool:
    """Whether a word would read as a kind or a day rather than as a word (then it is written `@word`)."""
    name = word.removeprefix("kind:").replace("-", "_")
    return name in KINDS or word.startswith(("kind:", "since:")) or bool(_DATE.fullmatch(word))


def parse_query(text: str) -> ChangeQuery:
    """Read the filter box: a kind's name (`unfollowed_you`, also `kind:gone`, `-` for `_`) chooses that kind, a
    date (`2026-01-07`, also `since:2026-01-07`) the first day, any other word must be in the handle, name or
    detail. Kind names win over words, so a person called `gone` is found as `@gone`."""
    kinds: list[ChangeKind] = []
    since: date | None = None
    words: list[str] = []
    problems: list[str] = []
    for raw in text.split():
        word = raw.casefold()
        name = word.removeprefix("kind:").replace("-", "_")
        if name in KINDS:
            kind = ChangeKind(name)
            if kind not in kinds:
                kinds.append(kind)
        elif word.startswith("kind:"):
            problems.append(f"no kind {name!r} (kinds: {', '.join(KINDS)})")
        elif _DATE.fullmatch(day := word.removeprefix("since:")):
            try:
                since = date(*map(int, day.split("-")))
            except ValueError:
                problems.append(f"{day} is not a date (YYYY-MM-DD)")
        elif word.startswith("since:"):
            problems.append(f"since wants a date like 2026-01-31, not {day!r}")
        else:
            words.append(word.removeprefix("@") or word)
    ordered = tuple(k for k in KIND_ORDER if k in kinds)
    return ChangeQuery(ordered, since, tuple(words), tuple(problems))


@dataclass(frozen=True, slots=True)
class ChangeColumn:
    key: str
    title: str
    width: int


def change_columns(width: int) -> tuple[ChangeColumn, ...]:
    """The columns that fit a table `width` cells wide (each cell has a space either side, and the scrollbar takes
    one): time and kind always; handle, name and detail share the rest; the source only when there is room."""
    fixed = [ChangeColumn("at", "When", 16), ChangeColumn("kind", "Kind", 14)]
    with_source = width >= 100
    columns = 6 if with_source else 5
    rest = width - 1 - 2 * columns - sum(c.width for c in fixed) - (6 if with_source else 0)
    rest = max(rest, 18)
    handle = max(8, rest * 2 // 5)
    name = max(5, (rest - handle) // 2)
    detail = max(5, rest - handle - name)
    flexible = [ChangeColumn("handle", "Handle", handle), ChangeColumn("name", "Name", name)]
    tail = [ChangeColumn("detail", "Detail", detail)]
    if with_source:
        tail.append(ChangeColumn("source", "Source", 6))
    return (*fixed, *flexible, *tail)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def change_cells(change: Change, columns: Sequence[ChangeColumn]) -> list[tuple[str, str]]:
    """One change as (cell text, style) per column: plain strings cut or padded to each column's width."""
    values = {
        "at": (_utc(change.at).strftime("%Y-%m-%d %H:%M"), ""),
        "kind": (KIND_WORDS[change.kind], KIND_STYLES[change.kind]),
        "handle": (change.handle, ""),
        "name": (change.display_name, ""),
        "detail": (change.detail, "italic"),
        "source": (change.source, "dim"),
    }
    return [(fit(values[c.key][0], c.width), values[c.key][1]) for c in columns]
