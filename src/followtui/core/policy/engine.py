"""Combining the rules into a verdict: any skip rule → skip; else any review rule → review; else by score.

The score is the sum of every finding's points; `follow back` needs at least `follow_back_at`, and a score at
or below `skip_at` is a skip. Written out rule by rule rather than as a loop over a table: this runs for every
account of a 100k list, and the rules take different inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from followtui.core.policy import relation_rules as rel
from followtui.core.policy.relation import STRANGER, Relation
from followtui.core.policy.rules import (
    age,
    avatar,
    bio,
    blocked,
    bot,
    inactive,
    interests,
    labels,
    moved,
    never_posted,
    posts,
    private,
    ratio,
    script,
)
from followtui.core.policy.settings import Policy
from followtui.core.policy.text import fold
from followtui.core.policy.verdict import FOR_FOLLOWED, Decision, Effect, Finding, Verdict
from followtui.models import Profile


def judge(
    profile: Profile, policy: Policy, *, now: datetime, relation: Relation = STRANGER, explain: bool = False
) -> Verdict:
    """The verdict on one account as of `now` (the time its data was seen: the last sync's clock), asking the
    question its relation to you asks: follow back (you don't follow it) or keep following (you do).
    `explain`: keep the findings in the verdict, for a caller that reads its summary and reasons next."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    found = findings(profile, policy, now, relation)
    decision, score = _decide(found, policy)
    if relation.you_follow:
        decision = FOR_FOLLOWED.get(decision, decision)
    return Verdict(decision, score, (profile, policy, now, relation), found if explain else None)


def findings(profile: Profile, policy: Policy, now: datetime, relation: Relation = STRANGER) -> list[Finding]:
    """What every enabled rule says about the account: the relationship first (the keep list above all), then
    the profile's rules in the order the policy file lists them."""
    found: list[Finding] = []
    add = found.append
    p = policy
    rule: Any  # each rule's settings in turn
    if relation.kept:
        add(rel.KEPT)
    if relation is not STRANGER:
        if (rule := p.trickster).enabled and (f := rel.trickster(relation, rule)) is not None:
            add(f)
        if (rule := p.returned).enabled and (f := rel.returned(relation, rule)) is not None:
            add(f)
        if (rule := p.not_following_back).enabled and (f := rel.not_following_back(relation, rule, now)) is not None:
            add(f)
        if (rule := p.mutual).enabled and (f := rel.mutual(relation, rule, now)) is not None:
            add(f)
        if (rule := p.interactions).enabled and (f := rel.interactions(relation, rule, now)) is not None:
            add(f)
    if (rule := p.inactive).enabled and (f := inactive(profile, rule, now)) is not None:
        add(f)
    if (rule := p.never_posted).enabled and (f := never_posted(profile, rule)) is not None:
        add(f)
    if (rule := p.posts).enabled and (f := posts(profile, rule, p.never_posted.enabled)) is not None:
        add(f)
    if (rule := p.bio).enabled and (f := bio(profile, rule)) is not None:
        add(f)
    if (rule := p.avatar).enabled and (f := avatar(profile, rule)) is not None:
        add(f)
    if (rule := p.ratio).enabled and (f := ratio(profile, rule)) is not None:
        add(f)
    if (rule := p.age).enabled and (f := age(profile, rule, now)) is not None:
        add(f)
    interests_on, blocked_on, script_on = p.interests_on, p.blocked_on, p.script_on
    if interests_on or blocked_on or script_on:
        folded_bio = fold(profile.bio) if profile.bio else ""
        if interests_on or blocked_on:
            # NUL (never in cleaned text) keeps a phrase from running across from the bio into the name
            text = f"{folded_bio}\x00{fold(profile.display_name)}" if profile.display_name else folded_bio
            if interests_on and (f := interests(profile, p.interests, text, len(folded_bio))) is not None:
                add(f)
            if blocked_on and (f := blocked(profile, p.blocked, text, len(folded_bio))) is not None:
                add(f)
        if script_on and (f := script(profile, p.script, folded_bio)) is not None:
            add(f)
    if (rule := p.private).enabled and (f := private(profile, rule)) is not None:
        add(f)
    if (rule := p.bot).enabled and (f := bot(profile, rule)) is not None:
        add(f)
    if (rule := p.labels).enabled and (f := labels(profile, rule)) is not None:
        add(f)
    if (rule := p.moved).enabled and (f := moved(profile, rule)) is not None:
        add(f)
    if (rule := p.noisy).enabled and (f := rel.noisy(profile, rule, now)) is not None:
        add(f)
    return found


_SKIP, _REVIEW, _KEEP = (
    Effect.SKIP,
    Effect.REVIEW,
    Effect.KEEP,
)  # globals: class lookups of enum members are slow on 3.11
_FOLLOW_BACK, _REVIEW_IT, _SKIP_IT = Decision.FOLLOW_BACK, Decision.REVIEW, Decision.SKIP


def _decide(found: list[Finding], policy: Policy) -> tuple[Decision, int]:
    score = 0
    skip = review = kept = False
    for _, effect, points, _, _ in found:
        score += points
        if effect is _SKIP:
            skip = True
        elif effect is _REVIEW:
            review = True
        elif effect is _KEEP:
            kept = True
    if kept:  # the keep list always wins
        decision = _FOLLOW_BACK
    elif skip:
        decision = _SKIP_IT
    elif review:
        decision = _REVIEW_IT
    elif score >= policy.verdict.follow_back_at:
        decision = _FOLLOW_BACK
    elif score <= policy.verdict.skip_at:
        decision = _SKIP_IT
    else:
        decision = _REVIEW_IT
    return decision, score


class Judge:
    """Verdicts worked out when first asked for, once per account: a list of 100k accounts shows a screenful,
    so opening it judges a screenful; sorting or filtering by verdict judges the rest then. `relations` gives
    each account's relation to you (by stable id); without it every account is judged as a stranger."""

    __slots__ = ("_memo", "now", "policy", "relations")

    def __init__(self, policy: Policy, now: datetime, relations: Callable[[str], Relation] | None = None) -> None:
        self.policy = policy
        self.now = now
        self.relations = relations
        self._memo: dict[str, Verdict] = {}

    def __call__(self, profile: Profile) -> Verdict:
        found = self._memo.get(profile.id)
        if found is None or found.basis[0] is not profile:
            relation = self.relations(profile.id) if self.relations is not None else STRANGER
            found = self._memo[profile.id] = judge(profile, self.policy, now=self.now, relation=relation)
        return found

    def forget(self, profile_id: str) -> None:
        """Judge again next time (a keep toggled, a tag that changes nothing else)."""
        self._memo.pop(profile_id, None)
