"""The simulator's accounts, read through the real providers on all three platforms, exercise every rule."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace

import pytest

from followtui.core.policy import Decision, Effect, Policy, judge
from followtui.core.policy.settings import SECTIONS, InterestsRule, ScriptRule
from followtui.models import Profile
from followtui.providers import make_provider
from followtui.providers.base import ReadsActivity
from followtui.providers.http import RetryPolicy
from followtui.simulator import SimulatorServer, World, handle_for

FAST = {"retry": RetryPolicy(attempts=8, base_delay_s=0.005, max_delay_s=0.02), "max_wait_s": 5, "timeout_s": 5}
TOKEN = "policy-sim-token-0123"

#: (rule, effect, words in its text) that some simulated account must produce.
OUTCOMES = [
    ("inactive", Effect.PLUS, "active"),
    ("inactive", Effect.REVIEW, "> 90"),
    ("inactive", Effect.SKIP, "> 365"),
    ("never_posted", Effect.REVIEW, "0 posts"),
    ("posts", Effect.MINUS, "< 3"),
    ("bio", Effect.PLUS, "has one"),
    ("bio", Effect.MINUS, "empty"),
    ("avatar", Effect.PLUS, "of its own"),
    ("avatar", Effect.MINUS, "default picture"),
    ("ratio", Effect.PLUS, "healthy"),
    ("ratio", Effect.SKIP, "follow-back farmer"),
    ("ratio", Effect.REVIEW, "mass follower"),
    ("ratio", Effect.REVIEW, "elite account"),
    ("age", Effect.REVIEW, "brand-new account"),
    ("age", Effect.SKIP, "brand-new mass follower"),
    ("interests", Effect.PLUS, "in its"),
    ("blocked", Effect.SKIP, "in its"),
    ("script", Effect.REVIEW, "bio letters"),
    ("private", Effect.REVIEW, "locked"),
    ("bot", Effect.SKIP, "bot"),
    ("labels", Effect.SKIP, "moderation label spam"),
    ("moved", Effect.SKIP, "moved to"),
    ("noisy", Effect.REVIEW, "posts a day"),
]
#: Rules about how an account relates to you: a bare profile has no relation (tests/core/test_relations.py).
RELATIONSHIP = {"trickster", "returned", "not_following_back", "mutual", "interactions"}


async def _read(platform: str, url: str) -> list[Profile]:
    """Both lists as bare entries, then every account's full profile, as a sync with a large budget sees them."""
    provider = make_provider(platform, url, None if platform == "bluesky" else TOKEN, **FAST)
    try:
        me = await provider.lookup_self(handle_for("octocat") if platform == "bluesky" else "octocat")
        followers, following = await asyncio.gather(provider.fetch_followers(me), provider.fetch_following(me))
        listed = {p.id: p for p in (*followers.accounts, *following.accounts)}
        look_up = provider.lookup_with_activity if isinstance(provider, ReadsActivity) else provider.lookup
        hydrated = await look_up(list(listed), budget=3 * len(listed))  # profiles and their activity
        return [*listed.values(), *(p for p in hydrated.values() if isinstance(p, Profile))]
    finally:
        await provider.aclose()


@pytest.fixture(scope="module")
def simulated() -> tuple[World, list[Profile]]:
    world = World.generate(seed=3, followers=200, following=120)
    world.add_token(TOKEN, "octocat")
    profiles: list[Profile] = []
    for platform in ("github", "bluesky", "mastodon"):
        with SimulatorServer(world, platform=platform) as sim:
            profiles += asyncio.run(_read(platform, sim.url))
    return world, profiles


def test_every_rule_fires_on_the_simulated_network(simulated):
    world, profiles = simulated
    policy = replace(
        Policy(), interests=InterestsRule(keywords=("python", "rust")), script=ScriptRule(allow=("Latin",))
    )
    seen: Counter[tuple[str, Effect, str]] = Counter()
    decisions: Counter[Decision] = Counter()
    rules_seen: set[str] = set()
    for profile in profiles:
        verdict = judge(profile, policy, now=world.now())
        decisions[verdict.decision] += 1
        for reason in verdict.reasons:
            rules_seen.add(reason.rule)
            for rule, effect, words in OUTCOMES:
                if (reason.rule, reason.effect) == (rule, effect) and words in reason.text:
                    seen[(rule, effect, words)] += 1
    missing = [outcome for outcome in OUTCOMES if not seen[outcome]]
    assert not missing, missing
    assert rules_seen == set(SECTIONS) - {"verdict"} - RELATIONSHIP
    strangers = {Decision.FOLLOW_BACK, Decision.REVIEW, Decision.SKIP}  # keep / unfollow: for accounts you follow
    assert all(decisions[d] for d in strangers) and set(decisions) == strangers, decisions


def test_list_entries_and_missing_fields_come_out_unknown(simulated):
    world, profiles = simulated
    unknown = Counter(
        r.rule for p in profiles for r in judge(p, Policy(), now=world.now()).reasons if r.effect is Effect.UNKNOWN
    )
    assert {"inactive", "posts", "bio", "avatar", "ratio", "private", "bot"} <= set(unknown)
