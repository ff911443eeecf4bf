"""Rows of the account lists and their columns: plain data prepared once per load, so that drawing, filtering
and sorting 100k rows never touches the store or the network objects again."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, overload

from followtui.core.policy import VERDICT_ORDER, Judge, Verdict
from followtui.core.policy.engagement import engagement
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
    #: Gives the follow-back policy's verdict when first asked (None when no policy applies).
    judge: Judge | None = None
    #: You follow them now (what `is:following` keeps): the rows a bulk unfollow can act on.
    you_follow: bool = False

    @property
    def verdict(self) -> Verdict | None:
        return None if self.judge is None else self.judge(self.profile)

    @property
    def interactions(self) -> int | None:
        """Interactions with you in the policy's window; None when none were read for your account."""
        judge = self.judge
        if judge is None or judge.relations is None:
            return None
        return engagement(judge.relations(self.id), judge.policy.interactions.window_days, judge.now)[0]

    @classmethod
    def build(
        cls,
        profile: Profile,
        annotation: Annotation,
        trickster: Trickster | None = None,
        judge: Judge | None = None,
        you_follow: bool | None = None,
    ) -> AccountRow:
        """`you_follow` defaults to what the trickster knows of it (False for other rows)."""
        if you_follow is None:
            you_follow = trickster is not None and trickster.still_following
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
            judge=judge,
            you_follow=you_follow,
        )

    def with_annotation(self, annotation: Annotation) -> AccountRow:
        return AccountRow.build(self.profile, annotation, self.trickster, self.judge, self.you_follow)


class RowWindow(Sequence[AccountRow]):
    """A pane's rows in list order, built a block at a time when first drawn, so the first screen of a 100k
    pane costs a few hundred profiles, not 100k. Sorting and filtering need every row: the list waits for
    them (the screen hands it the whole pane when it is built). Keeps the last `KEPT` blocks."""

    BLOCK = 200
    KEPT = 64

    def __init__(self, ids: Sequence[str], build: Callable[[Sequence[str]], list[AccountRow]]) -> None:
        self.ids = ids
        self._build = build
        self._blocks: dict[int, list[AccountRow]] = {}
        self._where: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> AccountRow: ...
    @overload
    def __getitem__(self, index: slice) -> list[AccountRow]: ...
    def __getitem__(self, index: int | slice) -> AccountRow | list[AccountRow]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self.ids)))]
        if index < 0:
            index += len(self.ids)
        if not 0 <= index < len(self.ids):
            raise IndexError(index)
        number, offset = divmod(index, self.BLOCK)
        block = self._blocks.pop(number, None)  # popped and put back: the dict's order is the use order
        if block is None:
            block = self._build(self.ids[number * self.BLOCK : (number + 1) * self.BLOCK])
            if len(self._blocks) >= self.KEPT:
                del self._blocks[next(iter(self._blocks))]
        self._blocks[number] = block
        return block[offset]

    def index_of(self, row_id: str) -> int | None:
        if self._where is None:
            self._where = {pid: i for i, pid in enumerate(self.ids)}
        return self._where.get(row_id)

    def replace(self, row: AccountRow) -> None:
        """Swap in a changed row (a tag or a note) if its block is built; an unbuilt block reads it anew."""
        index = self.index_of(row.id)
        if index is not None:
            block = self._blocks.get(index // self.BLOCK)
            if block is not None:
                block[index % self.BLOCK] = row


#: Per row id: the verdict and the rules that spoke in it (kept while the verdict is the same object).
FilterMemo = dict[str, tuple[Verdict, frozenset[str]]]


#: `is:` words that ask about the relationship rather than the verdict; matched whole, so `is:follow` (and any
#: shorter prefix) stays the verdict "follow back" while `is:following` is "you follow them now".
RELATIONS: dict[str, Callable[[AccountRow], bool]] = {"following": lambda row: row.you_follow}


def row_filter(text: str, memo: FilterMemo | None = None) -> tuple[str, Callable[[AccountRow], bool] | None]:
    """Split filter text into the literal part (matched in handle, name and tags) and a test for its terms:
    `is:follow`, `is:review`, `is:skip`, `is:keep`, `is:unfollow` (the verdict), `is:following` (you follow them
    now) and `why:RULE` (a rule that moved the verdict, e.g. `why:inactive`).

    `memo` keeps, per row id, the rules that spoke (reasons are worked out lazily; the caller keeps the memo as
    long as its rows, so typing a `why:` filter computes them once)."""
    memo = {} if memo is None else memo
    plain: list[str] = []
    verdicts: list[str] = []
    relations: list[Callable[[AccountRow], bool]] = []
    rules: list[str] = []
    for word in text.casefold().split(" "):
        if word.startswith("is:") and len(word) > 3:
            relation = RELATIONS.get(word[3:])
            if relation is not None:
                relations.append(relation)
            else:
                verdicts.append(word[3:])
        elif word.startswith("why:") and len(word) > 4:
            rules.append(word[4:])
        else:
            plain.append(word)
    if not verdicts and not rules and not relations:
        return text.casefold(), None

    def test(row: AccountRow) -> bool:
        if not all(relation(row) for relation in relations):
            return False
        if not verdicts and not rules:
            return True
        verdict = row.verdict
        if verdict is None:
            return False
        decision = verdict.decision.value
        if not all(decision.startswith(v) for v in verdicts):
            return False
        if rules:
            known = memo.get(row.id)
            if known is not None and known[0] is verdict:
                spoke = known[1]
            else:
                spoke = verdict.moved_by  # the rules that moved the verdict, not those that looked and passed
                memo[row.id] = (verdict, spoke)
            return all(any(name.startswith(r) for name in spoke) for r in rules)
        return True

    return " ".join(plain).strip(), test


_SCALES = ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k"))


def _scaled(value: float) -> str:
    """`value` (≥ 1,000) in at most four characters and a unit: 2.9k, 12.3k, 123k, 1.2M."""
    for size, unit in _SCALES:  # the biggest unit that keeps at least 1.0
        scaled = value / size
        if round(scaled, 1) >= 1 or unit == "k":
            break
    return f"{scaled:.1f}{unit}" if scaled < 99.95 else f"{scaled:.0f}{unit}"


#: A count cell of an account whose profile was never looked up: not known yet, rather than a bare dash.
NOT_LOOKED_UP = "not yet"


def _looked_up(row: AccountRow, value: int | None) -> str:
    if value is None and row.profile.hydrated_at is None:
        return NOT_LOOKED_UP
    return compact_count(value)


def compact_count(value: int | None) -> str:
    """A count in at most six characters so it fits every list column: exact up to 9,999, then 12.3k, 123k, 1.2M."""
    if value is None:
        return "–"
    return f"{value:,}" if value < 10_000 else _scaled(value)


def ratio_text(value: float | None) -> str:
    """A follower ratio in at most six characters (the list's Ratio column): 0.71×, 13.0×, 295×, 2.9k×."""
    if value is None:
        return "–"
    if value < 9.995:
        return f"{value:.2f}×"
    if value < 99.95:
        return f"{value:.1f}×"
    if value < 999.5:
        return f"{value:.0f}×"
    return _scaled(value) + "×"


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


#: The verdict as the list shows it: one word, so the column stays narrow enough for 80 columns.
_VERDICT_WORD = {"follow back": "follow", "review": "review", "skip": "skip", "keep": "keep", "unfollow": "unfollow"}


def _verdict(row: AccountRow) -> str:
    return "" if row.verdict is None else _VERDICT_WORD[row.verdict.decision.value]


def _verdict_key(row: AccountRow) -> tuple[int, int]:
    return (len(VERDICT_ORDER), 0) if row.verdict is None else row.verdict.sort_key


COLUMNS: tuple[Column, ...] = (
    Column("handle", "Handle", 22, lambda r: ("★ " if r.keep else "") + r.handle, lambda r: r.handle.casefold()),
    Column("verdict", "Verdict", 7, _verdict, _verdict_key),
    Column("name", "Name", 20, lambda r: r.name, lambda r: r.name.casefold()),
    Column(
        "followers", "Followers", 9, lambda r: _looked_up(r, r.followers), lambda r: _none_last(r.followers), "right"
    ),
    Column(
        "following", "Following", 9, lambda r: _looked_up(r, r.following), lambda r: _none_last(r.following), "right"
    ),
    Column("ratio", "Ratio", 6, lambda r: ratio_text(r.ratio), lambda r: _none_last(r.ratio), "right"),
    Column("posts", "Posts", 6, lambda r: compact_count(r.posts), lambda r: _none_last(r.posts), "right"),
    Column("last_active", "Active", 10, lambda r: _day(r.last_active), lambda r: _none_last(r.last_active)),
    Column("tags", "Tags", 15, lambda r: ", ".join(r.tags), lambda r: ",".join(r.tags).casefold()),
    # last: the narrowest terminals drop it first (the detail and the account screen say it in words)
    Column(
        "interactions",
        "Engaged",
        7,
        lambda r: compact_count(r.interactions),
        lambda r: _none_last(r.interactions),
        "right",
    ),
)


def _followed_back(row: AccountRow) -> str:
    """When you followed them back, "yes" when you did before the time is known, blank when you did not."""
    t = row.trickster
    if t is None or not t.followed_back:
        return ""
    return _day(t.followed_back_at) if t.followed_back_at else "yes"


def _followed_back_key(row: AccountRow) -> tuple[int, float]:
    t = row.trickster
    if t is None or not t.followed_back:
        return (2, 0.0)
    return (0, t.followed_back_at.timestamp()) if t.followed_back_at else (1, 0.0)


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
    Column("followed_back", "Back", 10, _followed_back, _followed_back_key),  # you followed back: when, or yes
    Column("you_follow", "You follow", 10, lambda r: "yes" if r.you_follow else "", lambda r: not r.you_follow),
    *COLUMNS[1:3],
    *(c for c in COLUMNS if c.key in ("tags", "interactions")),
)  # fmt: skip
