"""What the policy says about one account: a verdict, its score and the reasons, in the user's words.

Rules produce `Finding`s (cheap tuples whose text is not formatted yet); a `Verdict` turns them into `Reason`s
only when someone reads them, so judging 100k accounts for a sorted list formats nothing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Decision(enum.StrEnum):
    """For someone you don't follow: follow back, review, skip. For someone you follow: keep, review, unfollow."""

    FOLLOW_BACK = "follow back"
    REVIEW = "review"
    SKIP = "skip"
    KEEP = "keep"
    UNFOLLOW = "unfollow"


#: Sort position of each decision: the good answer first (follow back, keep), the bad one last (skip, unfollow).
VERDICT_ORDER: dict[Decision, int] = {
    Decision.FOLLOW_BACK: 0,
    Decision.KEEP: 0,
    Decision.REVIEW: 1,
    Decision.SKIP: 2,
    Decision.UNFOLLOW: 2,
}
#: The same answer asked of someone you follow.
FOR_FOLLOWED = {Decision.FOLLOW_BACK: Decision.KEEP, Decision.SKIP: Decision.UNFOLLOW}
#: The effect that forces each decision (the rest are reached by score).
_FORCING = {
    Decision.SKIP: "skip",
    Decision.UNFOLLOW: "skip",
    Decision.REVIEW: "review",
    Decision.KEEP: "keep",
    Decision.FOLLOW_BACK: "keep",
}


class Effect(enum.StrEnum):
    """What one rule did to the verdict."""

    SKIP = "skip"  # decides skip
    REVIEW = "review"  # keeps it from follow back
    MINUS = "minus"  # a bad sign: only its points
    PLUS = "plus"  # a good sign: only its points
    OK = "ok"  # looked, nothing to say for or against
    UNKNOWN = "unknown"  # the data is missing: never counts against the account
    KEEP = "keep"  # on your keep list: decides keep (follow back for someone you don't follow)


#: A rule's result before its text is written: (rule, effect, points, template, values), the detail being
#: `template.format(*values)`. A plain tuple: a NamedTuple costs ~5× as much to make, and rules make ~10 per account.
Finding = tuple[str, Effect, int, str, tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class Reason:
    """One rule's say, e.g. `inactive: last post 2025-03-01, 275 days ago (> 90)`."""

    rule: str
    effect: Effect
    points: int
    detail: str

    @property
    def text(self) -> str:
        return f"{self.rule}: {self.detail}"

    def __str__(self) -> str:
        return self.text


def reason_of(finding: Finding) -> Reason:
    rule, effect, points, template, values = finding
    return Reason(rule, effect, points, template.format(*values) if values else template)


@dataclass(frozen=True, slots=True)
class Verdict:
    """Follow back, review or skip; the score is the sum of every reason's points.

    Only the decision and score are kept: the reasons are worked out again when read (the rules are pure and
    their inputs immutable), so 100k verdicts in a sorted list hold no reasons and give the garbage
    collector ~20× fewer objects to walk.
    """

    decision: Decision
    score: int
    #: (profile, policy, now, relation) the verdict was made from.
    basis: tuple[Any, Any, Any, Any] = field(default=(None, None, None, None), repr=False, compare=False)
    #: The findings themselves, kept when the caller is about to read them (an export row): the rules run once.
    kept_findings: list[Finding] | None = field(default=None, repr=False, compare=False)

    @property
    def findings(self) -> list[Finding]:
        if self.kept_findings is not None:
            return self.kept_findings
        from followtui.core.policy.engine import findings

        profile, policy, now, relation = self.basis
        return [] if profile is None else findings(profile, policy, now, relation)

    @property
    def reasons(self) -> tuple[Reason, ...]:
        return tuple(reason_of(f) for f in self.findings)

    @property
    def deciding(self) -> tuple[Reason, ...]:
        """The reasons behind the decision: the rules that forced it, else those whose points made the score."""
        found = self.findings
        hard = Effect(_FORCING[self.decision])
        forced = tuple(reason_of(f) for f in found if f[1] is hard)
        if forced:
            return forced
        good = self.decision in (Decision.FOLLOW_BACK, Decision.KEEP)
        bad = self.decision in (Decision.SKIP, Decision.UNFOLLOW)
        effects = (Effect.PLUS,) if good else (Effect.MINUS,) if bad else (Effect.PLUS, Effect.MINUS)
        return tuple(reason_of(f) for f in found if f[1] in effects)

    @property
    def moved_by(self) -> frozenset[str]:
        """The rules that moved the verdict (forced it, or gave the points that decided it): what `why:` means.
        A rule that looked and passed did not move it."""
        return frozenset(reason.rule for reason in self.deciding)

    @property
    def summary(self) -> str:
        """Why, in one line: the rules that forced the decision, or the score against the policy's bars."""
        return self.summary_of(self.findings)

    def explained(self) -> tuple[str, tuple[Reason, ...]]:
        """The summary and every reason from one run of the rules (an export writes both for each row)."""
        found = self.findings
        return self.summary_of(found), tuple(reason_of(f) for f in found)

    def summary_of(self, found: list[Finding]) -> str:
        forced = Effect(_FORCING[self.decision])
        fired = list(dict.fromkeys(f[0] for f in found if f[1] is forced))
        if fired:
            return f"{self.decision}: {', '.join(fired)} said {self.decision}"
        policy = self.basis[1]
        if policy is None:
            return f"{self.decision}: score {self.score}"
        bars = policy.verdict
        if self.decision in (Decision.FOLLOW_BACK, Decision.KEEP):
            return f"{self.decision}: score {self.score} ≥ {bars.follow_back_at}"
        if self.decision in (Decision.SKIP, Decision.UNFOLLOW):
            return f"{self.decision}: score {self.score} ≤ {bars.skip_at}"
        good = "keep" if self.basis[3] is not None and self.basis[3].you_follow else "follow back"
        return f"review: score {self.score}, below {bars.follow_back_at} for {good}"

    @property
    def sort_key(self) -> tuple[int, int]:
        """Follow back first, then review, then skip; higher scores first within each."""
        return VERDICT_ORDER[self.decision], -self.score

    def __str__(self) -> str:
        return self.decision.value


def reason_doc(reason: Reason) -> dict[str, Any]:
    return {"rule": reason.rule, "effect": reason.effect.value, "points": reason.points, "text": reason.text}


def verdict_doc(verdict: Verdict) -> dict[str, Any]:
    """The verdict as JSON-ready data with stable keys (for `--format json` outputs)."""
    return {
        "verdict": verdict.decision.value,
        "score": verdict.score,
        "summary": verdict.summary,
        "reasons": [reason_doc(r) for r in verdict.reasons],
    }
