"""Each follow-back rule on its own: what fires, with how many points, and a reason naming the deciding values.

Missing data must come out `unknown` with 0 points, never against the account.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from followtui.core.policy import Effect, Policy, Reason, judge
from followtui.core.policy.settings import (
    Action,
    AgeRule,
    BlockedRule,
    InterestsRule,
    LabelsRule,
    PrivateRule,
    RatioRule,
    ScriptRule,
)
from followtui.models import Profile

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def full(**changes: Any) -> Profile:
    """A fetched profile with nothing for or against it, except what `changes` says."""
    base = Profile(
        id="1",
        handle="someone",
        display_name="Some One",
        bio="Writes code and bakes bread.",
        followers_count=40,
        following_count=200,
        posts_count=50,
        created_at=NOW - timedelta(days=800),
        last_active_at=NOW - timedelta(days=10),
        private=False,
        bot=False,
        default_avatar=False,
        hydrated_at=NOW,
    )
    return replace(base, **changes)


def reason(profile: Profile, rule: str, policy: Policy | None = None) -> Reason | None:
    found = [r for r in judge(profile, policy or Policy(), now=NOW).reasons if r.rule == rule]
    assert len(found) <= 1, found
    return found[0] if found else None


def check(profile: Profile, rule: str, effect: Effect | None, points: int, words: tuple[str, ...], policy=None):
    got = reason(profile, rule, policy)
    if effect is None:
        assert got is None
        return
    assert got is not None, f"no {rule} reason"
    assert (got.effect, got.points) == (effect, points), got.text
    assert got.text.startswith(f"{rule}: ")
    for word in words:
        assert word in got.text, (word, got.text)


D = timedelta(days=1)


@pytest.mark.parametrize(
    ("changes", "effect", "points", "words"),
    [
        ({"last_active_at": NOW - 10 * D}, Effect.PLUS, 1, ("2025-12-26", "10 days ago", "≤ 90", "active")),
        ({"last_active_at": NOW - 90 * D}, Effect.PLUS, 1, ("90 days ago",)),
        ({"last_active_at": NOW - 275 * D}, Effect.REVIEW, -2, ("last post 2025-04-05", "275 days ago", "> 90")),
        ({"last_active_at": NOW - 700 * D}, Effect.SKIP, -2, ("2024-02-05", "700 days ago", "> 365")),
        ({"last_active_at": NOW + 3 * D}, Effect.PLUS, 1, ("0 days ago",)),  # a clock ahead of ours
        ({"last_active_at": None}, Effect.UNKNOWN, 0, ("unknown", "last post")),
        ({"last_active_at": None, "posts_count": 0}, None, 0, ()),  # never_posted says it
    ],
    ids=["recent", "on the bar", "review", "skip", "future", "unknown", "never posted"],
)
def test_inactive(changes, effect, points, words):
    check(full(**changes), "inactive", effect, points, words)


def test_inactive_without_a_skip_step():
    policy = replace(Policy(), inactive=replace(Policy().inactive, skip_days=0))
    check(full(last_active_at=NOW - 3000 * D), "inactive", Effect.REVIEW, -2, ("3,000 days ago", "> 90"), policy)


@pytest.mark.parametrize(
    ("posts", "never", "posts_rule"),
    [
        (0, (Effect.REVIEW, -2, ("0 posts",)), None),
        (2, None, (Effect.MINUS, -1, ("2 posts", "< 3"))),
        (3, None, (Effect.OK, 0, ("3 posts", "≥ 3"))),
        (12_345, None, (Effect.OK, 0, ("12,345 posts",))),
        (None, None, (Effect.UNKNOWN, 0, ("unknown: no post count",))),
    ],
)
def test_never_posted_and_minimum_posts(posts, never, posts_rule):
    profile = full(posts_count=posts)
    check(profile, "never_posted", *(never or (None, 0, ())))
    check(profile, "posts", *(posts_rule or (None, 0, ())))


def test_zero_posts_counts_as_too_few_when_never_posted_is_off():
    policy = replace(Policy(), never_posted=replace(Policy().never_posted, enabled=False))
    check(full(posts_count=0), "posts", Effect.MINUS, -1, ("0 posts", "< 3"), policy)
    check(full(posts_count=0), "never_posted", None, 0, (), policy)


@pytest.mark.parametrize(
    ("changes", "effect", "points", "words"),
    [
        ({"bio": "hello there"}, Effect.PLUS, 1, ("has one", "11 characters")),
        ({"bio": ""}, Effect.MINUS, -2, ("empty",)),
        ({"bio": "", "hydrated_at": None}, Effect.UNKNOWN, 0, ("unknown", "list entry")),  # missing, not empty
        ({"bio": "hi", "hydrated_at": None}, Effect.PLUS, 1, ("2 characters",)),
    ],
    ids=["present", "empty", "not fetched", "list entry with a bio"],
)
def test_bio(changes, effect, points, words):
    check(full(**changes), "bio", effect, points, words)


@pytest.mark.parametrize(
    ("default_avatar", "effect", "points", "words"),
    [
        (True, Effect.MINUS, -2, ("default picture",)),
        (False, Effect.PLUS, 1, ("of its own",)),
        (None, Effect.UNKNOWN, 0, ("unknown",)),
    ],
)
def test_avatar(default_avatar, effect, points, words):
    check(full(default_avatar=default_avatar), "avatar", effect, points, words)


@pytest.mark.parametrize(
    ("following", "followers", "effect", "points", "words"),
    [
        (5_200, 310, Effect.REVIEW, -1, ("follows 5,200 accounts", "> 3,500", "mass follower")),
        (
            1_500,
            150,
            Effect.SKIP,
            -3,
            ("follows 1,500 for 150 followers", "(10.0×)", "follow-back farmer", "> 5×", "< 200 followers"),
        ),
        (150, 0, Effect.SKIP, -3, ("follows 150 for 0 followers", "∞×", "farmer")),
        (60, 5, Effect.OK, 0, ("follows 60 for 5 followers", "12.0×")),  # too few follows to be farming
        (3, 52_000, Effect.REVIEW, 0, ("follows 3 for 52,000 followers", "0.0001×", "elite", "≥ 10,000", "< 0.01×")),
        (0, 20_000, Effect.REVIEW, 0, ("follows 0 for 20,000", "0.00×", "elite")),
        (1, 2_000_000, Effect.REVIEW, 0, ("follows 1 for 2,000,000 followers (< 0.0001×)", "elite")),
        (120_000, 9_000, Effect.REVIEW, -1, ("follows 120,000 accounts", "mass follower")),
        (110, 100, Effect.PLUS, 2, ("follows 110 for 100 followers", "1.10×", "healthy", "0.75–1.25×")),
        (75, 100, Effect.PLUS, 2, ("0.75×", "healthy")),
        (74, 100, Effect.OK, 0, ("0.74×",)),
        (0, 0, Effect.OK, 0, ("follows 0 for 0 followers",)),
        (None, 10, Effect.UNKNOWN, 0, ("unknown: no following count",)),
        (10, None, Effect.UNKNOWN, 0, ("unknown: no follower count",)),
        (None, None, Effect.UNKNOWN, 0, ("unknown: no follower or following count",)),
    ],
)
def test_ratio_bands(following, followers, effect, points, words):
    check(full(following_count=following, followers_count=followers), "ratio", effect, points, words)


def test_ratio_actions_and_thresholds_come_from_the_policy():
    ratio = replace(RatioRule(), farmer_action=Action.SCORE, farmer_points=-7, mass_following=100_000)
    policy = replace(Policy(), ratio=ratio)
    check(full(following_count=1_500, followers_count=150), "ratio", Effect.MINUS, -7, ("farmer",), policy)
    check(full(following_count=5_200, followers_count=4_000), "ratio", Effect.OK, 0, ("1.30×",), policy)


@pytest.mark.parametrize(
    ("changes", "effect", "points", "words"),
    [
        ({"created_at": NOW - 800 * D}, Effect.OK, 0, ("created 2023-10-28", "800 days ago")),
        ({"created_at": NOW - 4 * D, "following_count": 20}, Effect.REVIEW, -1, ("4 days ago", "≤ 30", "brand-new")),
        ({"created_at": NOW - 4 * D, "following_count": 5_000}, Effect.SKIP, -3,
         ("4 days ago", "already follows 5,000", "> 1,000", "brand-new mass follower")),
        ({"created_at": NOW - 4 * D, "following_count": None}, Effect.REVIEW, -1, ("brand-new",)),
        ({"created_at": None}, Effect.UNKNOWN, 0, ("unknown: no creation date",)),
    ],
    ids=["old", "new", "new and following thousands", "new, following unknown", "unknown"],
)  # fmt: skip
def test_account_age(changes, effect, points, words):
    check(full(**changes), "age", effect, points, words)


def test_age_rule_is_tunable():
    policy = replace(Policy(), age=AgeRule(new_days=900, mass_following=10))
    check(full(following_count=200), "age", Effect.SKIP, -3, ("≤ 900", "already follows 200 (> 10)"), policy)


KEYWORDS = replace(Policy(), interests=InterestsRule(keywords=("Rust", "cafe", "東京", "open source")))


@pytest.mark.parametrize(
    ("bio", "name", "effect", "points", "words"),
    [
        ("I write Rust and Go", "", Effect.PLUS, 3, ("Rust in its bio",)),
        ("Café owner", "", Effect.PLUS, 3, ("cafe in its bio",)),
        ("I trust nobody", "", Effect.OK, 0, ("none of your 4 keywords",)),
        ("", "Rust fan 🦀", Effect.PLUS, 3, ("Rust in its display name",)),
        ("open-source maintainer", "CAFÉ", Effect.PLUS, 3, ("open source, cafe", "bio and display name")),
        ("東京在住のエンジニア", "", Effect.PLUS, 3, ("東京 in its bio",)),
    ],
    ids=["word", "diacritics", "inside a word", "display name", "both", "CJK"],
)
def test_interests(bio, name, effect, points, words):
    check(full(bio=bio, display_name=name), "interests", effect, points, words, KEYWORDS)


def test_interests_unknown_without_a_fetched_bio_and_off_without_keywords():
    check(full(bio="", display_name="x", hydrated_at=None), "interests", Effect.UNKNOWN, 0, ("unknown",), KEYWORDS)
    check(full(bio="I write Rust"), "interests", None, 0, ())  # no keywords in the default policy


@pytest.mark.parametrize(
    ("bio", "name", "words"),
    [
        ("Follow for follow back! 100% F4F", "", ("“follow for follow”", "“f4f”", "in its bio")),
        ("DM for promo 💰", "", ("“dm for promo”",)),
        ("I follow-back everyone", "", ("“follow back”",)),
        ("", "𝐅𝐫𝐞𝐞 𝐟𝐨𝐥𝐥𝐨𝐰𝐞𝐫𝐬", ("“free followers”", "in its display name")),
        ("100% follow back", "", ("“100% follow back”",)),
    ],
)
def test_blocked_phrases_skip_naming_the_phrase(bio, name, words):
    check(full(bio=bio, display_name=name), "blocked", Effect.SKIP, -5, words)


def test_blocked_phrases_need_whole_words_and_are_configurable():
    check(full(bio="off4fun, l4life"), "blocked", Effect.OK, 0, ("no blocked phrase",))
    policy = replace(Policy(), blocked=BlockedRule(phrases=("crypto signals",), action=Action.REVIEW, points=-1))
    check(full(bio="Daily CRYPTO  signals"), "blocked", Effect.REVIEW, -1, ("“crypto signals”",), policy)
    check(full(bio="follow for follow"), "blocked", Effect.OK, 0, (), policy)
    check(full(bio="follow for follow"), "blocked", None, 0, (), replace(Policy(), blocked=BlockedRule(phrases=())))


LATIN = replace(Policy(), script=ScriptRule(allow=("Latin", "Cyrillic")))


@pytest.mark.parametrize(
    ("bio", "effect", "points", "words"),
    [
        ("Engineer into python and rust.", Effect.OK, 0, ("100% of its 25 letters in Cyrillic, Latin",)),
        ("Программист из Москвы", Effect.OK, 0, ("100%",)),
        ("山田太郎のpythonエンジニア / rust 好き", Effect.REVIEW, -1,
         ("bio letters Latin 10, CJK 5, Katakana 5, Hiragana 2", "45% in Cyrillic, Latin", "needs 50%")),
        ("東京在住のソフトウェアエンジニアです", Effect.REVIEW, -1, ("Katakana", "0% in", "needs 50%")),
        ("שלום עולם, אני מתכנת", Effect.REVIEW, -1, ("Hebrew 16",)),
        ("مرحبا بالعالم أنا مبرمج", Effect.REVIEW, -1, ("Arabic",)),
        ("hi ☕ 🦀 2026!!!", Effect.UNKNOWN, 0, ("2 letters", "too few to tell", "needs 10")),
        ("", Effect.UNKNOWN, 0, ("unknown: no bio",)),
    ],
    ids=["latin", "cyrillic", "half cjk", "japanese", "hebrew", "arabic", "emoji and digits", "no bio"],
)  # fmt: skip
def test_script_allow_list(bio, effect, points, words):
    check(full(bio=bio), "script", effect, points, words, LATIN)


def test_script_rule_is_off_with_an_empty_allow_list_and_reads_aliases():
    check(full(bio="東京在住のソフトウェアエンジニアです"), "script", None, 0, ())
    japanese = replace(Policy(), script=ScriptRule(allow=("japanese",)))
    check(full(bio="東京在住のソフトウェアエンジニアです"), "script", Effect.OK, 0, ("100%",), japanese)


@pytest.mark.parametrize(
    ("rule", "changes", "effect", "points", "words"),
    [
        ("private", {"private": True}, Effect.REVIEW, -1, ("locked",)),
        ("private", {"private": False}, Effect.OK, 0, ("public",)),
        ("private", {"private": None}, Effect.UNKNOWN, 0, ("unknown",)),
        ("bot", {"bot": True}, Effect.SKIP, -3, ("bot",)),
        ("bot", {"bot": False}, Effect.OK, 0, ("not marked",)),
        ("bot", {"bot": None}, Effect.UNKNOWN, 0, ("unknown",)),
        ("labels", {"labels": ("spam", "!no-unauthenticated")}, Effect.SKIP, -5, ("moderation label spam",)),
        ("labels", {"labels": ("IMPERSONATION",)}, Effect.SKIP, -5, ("IMPERSONATION",)),
        ("labels", {"labels": ("!no-unauthenticated",)}, Effect.OK, 0, ("!no-unauthenticated", "not on your list")),
        ("labels", {"labels": ()}, None, 0, ()),
        ("moved", {"moved_to": "me@new.example"}, Effect.SKIP, -3, ("moved to me@new.example",)),
        ("moved", {"moved_to": ""}, None, 0, ()),
    ],
)
def test_account_states(rule, changes, effect, points, words):
    check(full(**changes), rule, effect, points, words)


def test_states_are_configurable():
    policy = replace(Policy(), private=PrivateRule(action=Action.SKIP, points=-9), labels=LabelsRule(labels=("porn",)))
    check(full(private=True), "private", Effect.SKIP, -9, (), policy)
    check(full(labels=("spam",)), "labels", Effect.OK, 0, ("spam (not on your list)",), policy)
    off = replace(Policy(), bot=replace(Policy().bot, enabled=False))
    check(full(bot=True), "bot", None, 0, (), off)


def test_a_bare_list_entry_is_unknown_everywhere_and_never_held_against():
    """Only an id and a handle: every rule that needs data says unknown, and nothing scores below zero."""
    verdict = judge(Profile(id="9", handle="ghost"), LATIN, now=NOW)
    assert verdict.score == 0
    assert all(r.points == 0 and r.effect in (Effect.UNKNOWN, Effect.OK) for r in verdict.reasons)
    assert {r.rule for r in verdict.reasons if r.effect is Effect.UNKNOWN} >= {
        "inactive", "posts", "bio", "avatar", "ratio", "age", "script", "private", "bot",
    }  # fmt: skip
    assert all("unknown" in r.text for r in verdict.reasons if r.effect is Effect.UNKNOWN)
