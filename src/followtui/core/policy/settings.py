"""The follow-back policy's settings: one frozen object per rule, with defaults from the heuristics existing tools use.

Loaded from policy.toml by `config.load_policy`; the defaults (and what each means) are in toml_text.py's
commented file. Derived values (compiled phrase matchers, script codes) are worked out once, here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from followtui.core.policy.text import PhraseMatcher, resolve_scripts


class Action(enum.StrEnum):
    """What a rule does when it fires: decide skip, hold for review, or only count its points."""

    SKIP = "skip"
    REVIEW = "review"
    SCORE = "score"


def _n(default: float, low: float, high: float) -> Any:
    return field(default=default, metadata={"range": (low, high)})


DEFAULT_BLOCKED = (
    "follow for follow",
    "follow4follow",
    "f4f",
    "l4l",
    "like4like",
    "dm for promo",
    "promo dm",
    "click link",
    "link in bio",
    "free followers",
    "follow back",
    "100% follow back",
    "followback",
)
DEFAULT_LABELS = (
    "!hide",
    "!takedown",
    "spam",
    "impersonation",
    "scam",
    "engagement-farming",
    "misleading",
    "intolerant",
    "threat",
    "porn",
    "sexual",
    "nudity",
    "graphic-media",
    "gore",
)


@dataclass(frozen=True, slots=True)
class VerdictSettings:
    follow_back_at: int = _n(1, -100, 100)
    skip_at: int = _n(-4, -100, 100)


@dataclass(frozen=True, slots=True)
class InactiveRule:
    enabled: bool = True
    review_days: int = _n(90, 1, 36500)
    skip_days: int = _n(365, 0, 36500)
    points: int = _n(-2, -100, 100)
    active_points: int = _n(1, -100, 100)


@dataclass(frozen=True, slots=True)
class NeverPostedRule:
    enabled: bool = True
    action: Action = Action.REVIEW
    points: int = _n(-2, -100, 100)


@dataclass(frozen=True, slots=True)
class PostsRule:
    enabled: bool = True
    min: int = _n(3, 0, 1_000_000)
    action: Action = Action.SCORE
    points: int = _n(-1, -100, 100)


@dataclass(frozen=True, slots=True)
class BioRule:
    enabled: bool = True
    action: Action = Action.SCORE
    points: int = _n(-2, -100, 100)
    present_points: int = _n(1, -100, 100)


@dataclass(frozen=True, slots=True)
class AvatarRule:
    enabled: bool = True
    action: Action = Action.SCORE
    points: int = _n(-2, -100, 100)
    present_points: int = _n(1, -100, 100)


@dataclass(frozen=True, slots=True)
class RatioRule:
    enabled: bool = True
    healthy_min: float = _n(0.75, 0, 1000)
    healthy_max: float = _n(1.25, 0, 1000)
    healthy_points: int = _n(2, -100, 100)
    farmer_ratio: float = _n(5.0, 0, 1000)
    farmer_max_followers: int = _n(200, 0, 10**9)
    farmer_min_following: int = _n(100, 0, 10**9)
    farmer_action: Action = Action.SKIP
    farmer_points: int = _n(-3, -100, 100)
    mass_following: int = _n(3500, 0, 10**9)
    mass_action: Action = Action.REVIEW
    mass_points: int = _n(-1, -100, 100)
    elite_followers: int = _n(10_000, 0, 10**12)
    elite_ratio: float = _n(0.01, 0, 1)
    elite_action: Action = Action.REVIEW
    elite_points: int = _n(0, -100, 100)


@dataclass(frozen=True, slots=True)
class AgeRule:
    enabled: bool = True
    new_days: int = _n(30, 0, 36500)
    action: Action = Action.REVIEW
    points: int = _n(-1, -100, 100)
    mass_following: int = _n(1000, 0, 10**9)
    mass_action: Action = Action.SKIP
    mass_points: int = _n(-3, -100, 100)


@dataclass(frozen=True, slots=True)
class InterestsRule:
    enabled: bool = True
    keywords: tuple[str, ...] = ()
    points: int = _n(3, -100, 100)
    matcher: PhraseMatcher = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "matcher", PhraseMatcher(self.keywords))


@dataclass(frozen=True, slots=True)
class BlockedRule:
    enabled: bool = True
    phrases: tuple[str, ...] = DEFAULT_BLOCKED
    action: Action = Action.SKIP
    points: int = _n(-5, -100, 100)
    matcher: PhraseMatcher = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "matcher", PhraseMatcher(self.phrases))


@dataclass(frozen=True, slots=True)
class ScriptRule:
    enabled: bool = True
    allow: tuple[str, ...] = ()
    min_letters: int = _n(10, 1, 10_000)
    min_share: float = _n(0.5, 0, 1)
    action: Action = Action.REVIEW
    points: int = _n(-1, -100, 100)
    scripts: frozenset[str] = field(init=False, repr=False, compare=False)
    #: The scripts as a reason names them: "Cyrillic, Latin".
    named: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        scripts = resolve_scripts(self.allow)[0]
        object.__setattr__(self, "scripts", scripts)
        object.__setattr__(self, "named", ", ".join(sorted(scripts)))


@dataclass(frozen=True, slots=True)
class PrivateRule:
    enabled: bool = True
    action: Action = Action.REVIEW
    points: int = _n(-1, -100, 100)


@dataclass(frozen=True, slots=True)
class BotRule:
    enabled: bool = True
    action: Action = Action.SKIP
    points: int = _n(-3, -100, 100)


@dataclass(frozen=True, slots=True)
class LabelsRule:
    enabled: bool = True
    labels: tuple[str, ...] = DEFAULT_LABELS
    action: Action = Action.SKIP
    points: int = _n(-5, -100, 100)
    folded: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "folded", frozenset(label.casefold() for label in self.labels))


@dataclass(frozen=True, slots=True)
class MovedRule:
    enabled: bool = True
    action: Action = Action.SKIP
    points: int = _n(-3, -100, 100)


@dataclass(frozen=True, slots=True)
class TricksterRule:
    """Followed you, then unfollowed (and is not back): the trick itself."""

    enabled: bool = True
    action: Action = Action.SKIP
    points: int = _n(-5, -100, 100)


@dataclass(frozen=True, slots=True)
class ReturnedRule:
    """Follows you again after leaving: churn worth a look."""

    enabled: bool = True
    action: Action = Action.REVIEW
    points: int = _n(-1, -100, 100)


@dataclass(frozen=True, slots=True)
class NotFollowingBackRule:
    """You follow them, they don't follow you (after a grace period: a follow-back takes a few days)."""

    enabled: bool = True
    grace_days: int = _n(7, 0, 36500)
    action: Action = Action.SCORE
    points: int = _n(-2, -100, 100)


@dataclass(frozen=True, slots=True)
class MutualRule:
    enabled: bool = True
    points: int = _n(1, -100, 100)
    long_days: int = _n(180, 0, 36500)
    long_points: int = _n(2, -100, 100)


@dataclass(frozen=True, slots=True)
class InteractionsRule:
    """Replies, mentions, likes, reposts (GitHub: stars, forks, issues) towards you in the last window_days."""

    enabled: bool = True
    window_days: int = _n(90, 1, 36500)
    points: int = _n(3, -100, 100)
    #: For someone you follow who never interacted in the window.
    none_action: Action = Action.SCORE
    none_points: int = _n(-2, -100, 100)


@dataclass(frozen=True, slots=True)
class NoisyRule:
    """Floods the stream: more posts a day than max_per_day (recent posts, or over the account's life)."""

    enabled: bool = True
    max_per_day: float = _n(20.0, 0, 100_000)
    action: Action = Action.REVIEW
    points: int = _n(-1, -100, 100)


#: The policy file's tables, in the order they are written and judged.
SECTIONS: dict[str, type] = {
    "verdict": VerdictSettings,
    "trickster": TricksterRule,
    "returned": ReturnedRule,
    "not_following_back": NotFollowingBackRule,
    "mutual": MutualRule,
    "interactions": InteractionsRule,
    "inactive": InactiveRule,
    "never_posted": NeverPostedRule,
    "posts": PostsRule,
    "bio": BioRule,
    "avatar": AvatarRule,
    "ratio": RatioRule,
    "age": AgeRule,
    "interests": InterestsRule,
    "blocked": BlockedRule,
    "script": ScriptRule,
    "private": PrivateRule,
    "bot": BotRule,
    "labels": LabelsRule,
    "moved": MovedRule,
    "noisy": NoisyRule,
}


@dataclass(frozen=True, slots=True)
class Policy:
    """Every rule's settings; `source` is the file read (None: no file, all defaults)."""

    verdict: VerdictSettings = VerdictSettings()
    trickster: TricksterRule = TricksterRule()
    returned: ReturnedRule = ReturnedRule()
    not_following_back: NotFollowingBackRule = NotFollowingBackRule()
    mutual: MutualRule = MutualRule()
    interactions: InteractionsRule = InteractionsRule()
    inactive: InactiveRule = InactiveRule()
    never_posted: NeverPostedRule = NeverPostedRule()
    posts: PostsRule = PostsRule()
    bio: BioRule = BioRule()
    avatar: AvatarRule = AvatarRule()
    ratio: RatioRule = RatioRule()
    age: AgeRule = AgeRule()
    interests: InterestsRule = InterestsRule()
    blocked: BlockedRule = BlockedRule()
    script: ScriptRule = ScriptRule()
    private: PrivateRule = PrivateRule()
    bot: BotRule = BotRule()
    labels: LabelsRule = LabelsRule()
    moved: MovedRule = MovedRule()
    noisy: NoisyRule = NoisyRule()
    source: Path | None = None
    #: Which tables applied: the file, and an account's own section (`[accounts."github:me"]`); "" for defaults.
    applied: str = ""
    #: Each of your accounts' own policy (`[accounts."github:me".TABLE]`), by its label in lower case.
    overrides: tuple[tuple[str, Policy], ...] = ()
    #: "table.key" for every value the file set (the rest are defaults).
    from_file: frozenset[str] = frozenset()
    problems: tuple[str, ...] = ()
    #: Whether the rules reading text have anything to do (worked out once: judge() runs per account).
    interests_on: bool = field(init=False, repr=False, compare=False)
    blocked_on: bool = field(init=False, repr=False, compare=False)
    script_on: bool = field(init=False, repr=False, compare=False)

    def for_account(self, label: str, key: str = "") -> Policy:
        """The policy that judges the accounts around one of yours: its own section if the file has one."""
        wanted = {label.casefold(), key.casefold()} - {""}
        return next((policy for name, policy in self.overrides if name in wanted), self)

    @property
    def described(self) -> str:
        """Which policy this is, for `policy check`."""
        return self.applied or "the defaults (no policy file)"

    def __post_init__(self) -> None:
        object.__setattr__(self, "interests_on", self.interests.enabled and bool(self.interests.matcher))
        object.__setattr__(self, "blocked_on", self.blocked.enabled and bool(self.blocked.matcher))
        object.__setattr__(self, "script_on", self.script.enabled and bool(self.script.scripts))


def settable(section: type) -> list[Any]:
    """The fields of a table a policy file may set (derived ones, like compiled matchers, are not)."""
    return [f for f in fields(section) if f.init]
