"""Rules combined into a verdict: hard skips and reviews first, then the score against the policy's bars."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from followtui.core.policy import VERDICT_ORDER, Decision, Effect, Policy, judge, verdict_doc
from followtui.core.policy.settings import SECTIONS, Action, BioRule, VerdictSettings

from .test_policy_rules import NOW, full

D = timedelta(days=1)


@pytest.mark.parametrize(
    ("changes", "decision", "score"),
    [
        ({}, Decision.FOLLOW_BACK, 3),  # active +1, bio +1, avatar +1
        ({"following_count": 44}, Decision.FOLLOW_BACK, 5),  # and a healthy ratio +2
        ({"bio": ""}, Decision.REVIEW, 0),  # -2 +1 +1
        ({"bio": "", "default_avatar": True, "last_active_at": None}, Decision.SKIP, -4),  # at skip_at, no hard rule
        ({"private": True}, Decision.REVIEW, 2),  # a review rule, however good the score
        ({"private": True, "bot": True}, Decision.SKIP, -1),  # skip beats review
        ({"last_active_at": NOW - 200 * D}, Decision.REVIEW, 0),
        ({"bio": "f4f"}, Decision.SKIP, -2),
    ],
    ids=["good", "healthy", "no bio", "fake-looking", "private", "private bot", "inactive", "blocked"],
)
def test_decisions_and_scores(changes, decision, score):
    verdict = judge(full(**changes), Policy(), now=NOW)
    assert (verdict.decision, verdict.score) == (decision, score), [r.text for r in verdict.reasons]
    assert verdict.score == sum(r.points for r in verdict.reasons)


def test_the_bars_come_from_the_policy():
    strict = replace(Policy(), verdict=VerdictSettings(follow_back_at=4, skip_at=0))
    assert judge(full(), strict, now=NOW).decision is Decision.REVIEW
    assert judge(full(bio=""), strict, now=NOW).decision is Decision.SKIP
    scored = replace(Policy(), bio=BioRule(action=Action.REVIEW))
    assert judge(full(bio=""), scored, now=NOW).decision is Decision.REVIEW


def test_unknowns_score_nothing():
    known = judge(full(), Policy(), now=NOW)
    unknown = judge(full(bio="", hydrated_at=None, default_avatar=None, last_active_at=None), Policy(), now=NOW)
    assert unknown.score == known.score - 3 == 0
    assert all(r.points >= 0 for r in unknown.reasons)
    assert unknown.decision is Decision.REVIEW


def test_every_reason_names_its_rule_and_the_rules_come_in_file_order():
    profiles = [
        full(),
        full(bio="", default_avatar=True, posts_count=0, last_active_at=None, labels=("spam",), moved_to="x@y.z"),
        full(created_at=NOW - 2 * D, following_count=9_000, followers_count=3, private=True, bot=True),
    ]
    order = list(SECTIONS)
    for profile in profiles:
        reasons = judge(profile, Policy(), now=NOW).reasons
        assert reasons
        for r in reasons:
            assert r.rule in SECTIONS and r.text == f"{r.rule}: {r.detail}" and str(r) == r.text
            assert r.detail and r.detail[0] != " "
        positions = [order.index(r.rule) for r in reasons]
        assert positions == sorted(positions)


def test_verdicts_sort_follow_back_first_then_by_score():
    verdicts = [judge(p, Policy(), now=NOW) for p in (full(bio="f4f"), full(bio=""), full(following_count=44), full())]
    ranked = sorted(verdicts, key=lambda v: v.sort_key)
    assert [(v.decision, v.score) for v in ranked] == [
        (Decision.FOLLOW_BACK, 5),
        (Decision.FOLLOW_BACK, 3),
        (Decision.REVIEW, 0),
        (Decision.SKIP, -2),
    ]
    assert sorted(VERDICT_ORDER, key=VERDICT_ORDER.__getitem__) == [
        Decision.FOLLOW_BACK,
        Decision.KEEP,
        Decision.REVIEW,
        Decision.SKIP,
        Decision.UNFOLLOW,
    ]


def test_reasons_are_worked_out_again_on_reading_and_agree_with_the_verdict():
    profile = full(private=True, bio="")
    verdict = judge(profile, Policy(), now=NOW)
    assert verdict == judge(profile, Policy(), now=NOW)  # equal by decision and score
    assert verdict.reasons == verdict.reasons
    assert "private" in repr(judge(profile, Policy(), now=NOW).reasons)
    assert [r.rule for r in verdict.deciding] == ["private"]
    assert verdict.summary == "review: private said review"
    assert str(verdict) == "review"


@pytest.mark.parametrize(
    ("changes", "summary", "deciding"),
    [
        ({}, "follow back: score 3 ≥ 1", ["inactive", "bio", "avatar"]),
        ({"bio": "", "default_avatar": True, "last_active_at": None}, "skip: score -4 ≤ -4", ["bio", "avatar"]),
        ({"bio": ""}, "review: score 0, below 1 for follow back", ["inactive", "bio", "avatar"]),
        ({"bio": "f4f", "bot": True}, "skip: blocked, bot said skip", ["blocked", "bot"]),
    ],
)
def test_summary_and_deciding_reasons(changes, summary, deciding):
    verdict = judge(full(**changes), Policy(), now=NOW)
    assert verdict.summary == summary
    assert [r.rule for r in verdict.deciding] == deciding


def test_verdict_doc_has_stable_keys():
    doc = verdict_doc(judge(full(bio="f4f"), Policy(), now=NOW))
    assert set(doc) == {"verdict", "score", "summary", "reasons"} and doc["verdict"] == "skip"
    assert all(set(r) == {"rule", "effect", "points", "text"} for r in doc["reasons"])
    blocked = next(r for r in doc["reasons"] if r["rule"] == "blocked")
    assert blocked == {"rule": "blocked", "effect": "skip", "points": -5, "text": "blocked: “f4f” in its bio"}


def test_a_naive_now_is_utc():
    naive = datetime(2026, 1, 5, 9, 0)
    assert judge(full(), Policy(), now=naive) == judge(full(), Policy(), now=NOW)
    assert judge(full(), Policy(), now=naive).reasons == judge(full(), Policy(), now=NOW).reasons


def test_every_rule_can_be_turned_off():
    everything_off = replace(
        Policy(), **{name: replace(getattr(Policy(), name), enabled=False) for name in SECTIONS if name != "verdict"}
    )
    verdict = judge(full(bio="f4f", labels=("spam",), bot=True, moved_to="a@b.c"), everything_off, now=NOW)
    assert verdict.reasons == () and verdict.score == 0 and verdict.decision is Decision.REVIEW
    assert all(e in Effect for e in (Effect.SKIP, Effect.REVIEW, Effect.MINUS, Effect.PLUS, Effect.OK, Effect.UNKNOWN))
