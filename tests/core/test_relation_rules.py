"""The relationship rules and the noisy rule at their thresholds, the verdict's words per relationship, and
relations read from hand-built event logs."""

from datetime import UTC, datetime, timedelta

from followtui.core.policy import Decision, Effect, Policy, judge
from followtui.core.policy.relation import STRANGER, Relation
from followtui.core.relations import Relations, stories, sync_clock
from followtui.models import EventKind, FollowEvent, Profile

NOW = datetime(2026, 6, 1, tzinfo=UTC)
DAY = timedelta(days=1)
BASE = NOW - 100 * DAY
#: A profile no profile rule says anything strong about (its score alone is +2: bio +1, avatar +1).
PLAIN = Profile(id="p", handle="p", bio="hello", default_avatar=False, hydrated_at=NOW)


def reasons(
    relation: Relation, profile: Profile = PLAIN, policy: Policy = Policy()
) -> dict[str, tuple[Effect, int, str]]:
    verdict = judge(profile, policy, now=NOW, relation=relation)
    return {r.rule: (r.effect, r.points, r.detail) for r in verdict.reasons}


def decision(relation: Relation, profile: Profile = PLAIN) -> Decision:
    return judge(profile, Policy(), now=NOW, relation=relation).decision


def test_the_same_answer_is_worded_for_the_relationship():
    assert decision(STRANGER) is Decision.FOLLOW_BACK
    assert decision(Relation(you_follow=True, follows_you=True, baseline_at=BASE)) is Decision.KEEP
    bot = Profile(id="b", handle="b", bot=True)
    assert decision(Relation(follows_you=True), bot) is Decision.SKIP
    assert decision(Relation(you_follow=True), bot) is Decision.UNFOLLOW


def test_the_keep_list_always_wins():
    kept = Relation(you_follow=True, kept=True, left_times=3, left_at=NOW - DAY)
    verdict = judge(Profile(id="b", handle="b", bot=True), Policy(), now=NOW, relation=kept)
    assert verdict.decision is Decision.KEEP and verdict.reasons[0].text == "keep: on your keep list"
    assert verdict.summary == "keep: keep said keep"
    assert (
        decision(Relation(follows_you=True, kept=True), Profile(id="b", handle="b", bot=True)) is Decision.FOLLOW_BACK
    )


def test_trickster_unfollow_when_you_still_follow_with_dates_and_times():
    once = Relation(you_follow=True, left_times=1, followed_at=NOW - 10 * DAY, left_at=NOW - 2 * DAY)
    assert reasons(once)["trickster"] == (Effect.SKIP, -5, "followed you 2026-05-22, unfollowed 2026-05-30")
    assert decision(once) is Decision.UNFOLLOW
    thrice = Relation(left_times=3, left_at=NOW - DAY, baseline_at=BASE)
    assert (
        reasons(thrice)["trickster"][2]
        == "followed you before the first sync (2026-02-21), unfollowed 2026-05-31, 3 times"
    )
    assert decision(thrice) is Decision.SKIP


def test_returned_after_leaving_is_for_review():
    back = Relation(follows_you=True, left_times=2, left_at=NOW - 5 * DAY, follows_since=NOW - 3 * DAY)
    assert reasons(back)["returned"] == (
        Effect.REVIEW,
        -1,
        "follows you again since 2026-05-29 after unfollowing twice, last 2026-05-27",
    )
    assert "trickster" not in reasons(back)
    assert decision(back) is Decision.REVIEW


def test_not_following_back_after_the_grace_days():
    fresh = Relation(you_follow=True, you_follow_since=NOW - 6 * DAY)
    assert reasons(fresh)["not_following_back"][:2] == (Effect.OK, 0)
    late = Relation(you_follow=True, you_follow_since=NOW - 8 * DAY)
    assert reasons(late)["not_following_back"] == (
        Effect.MINUS,
        -2,
        "doesn't follow you back (you follow since 2026-05-24)",
    )
    assert decision(late) is Decision.REVIEW  # +2 from the profile, -2: below follow_back_at
    unknown_start = Relation(you_follow=True, baseline_at=BASE)
    assert "before the first sync (2026-02-21)" in reasons(unknown_start)["not_following_back"][2]
    assert "not_following_back" not in reasons(Relation(you_follow=True, follows_you=True))


def test_mutual_points_grow_after_long_days():
    new = Relation(you_follow=True, follows_you=True, follows_since=NOW - 10 * DAY, you_follow_since=NOW - 20 * DAY)
    assert reasons(new)["mutual"] == (Effect.PLUS, 1, "mutual for 10 days")
    old = Relation(you_follow=True, follows_you=True, follows_since=NOW - 180 * DAY, you_follow_since=NOW - 200 * DAY)
    assert reasons(old)["mutual"] == (Effect.PLUS, 2, "mutual for 180 days")
    baseline = Relation(you_follow=True, follows_you=True, baseline_at=BASE)
    assert reasons(baseline)["mutual"] == (Effect.PLUS, 1, "mutual for at least 100 days")


def test_interactions_plus_for_anyone_and_none_is_minus_only_for_those_you_follow():
    assert reasons(Relation(follows_you=True))["interactions"][:2] == (Effect.UNKNOWN, 0)  # never read
    liked = Relation(
        follows_you=True,
        interactions=(("like", NOW - 5 * DAY),) * 4
        + (("reply", NOW - 2 * DAY), ("reply", None), ("like", NOW - 200 * DAY)),
    )
    assert reasons(liked)["interactions"] == (Effect.PLUS, 3, "liked 4 of your posts, replied twice, last 2026-05-30")
    assert reasons(Relation(follows_you=True, interactions=()))["interactions"][:2] == (Effect.OK, 0)
    quiet = Relation(you_follow=True, follows_you=True, interactions=(("like", NOW - 91 * DAY),))
    assert reasons(quiet)["interactions"] == (Effect.MINUS, -2, "never interacted with you in 90 days")


def test_noisy_above_max_per_day_recent_or_over_its_life():
    flood = Profile(id="f", handle="f", posts_per_day=20.5)
    assert reasons(STRANGER, flood)["noisy"] == (Effect.REVIEW, -1, "20.5 posts a day (recent posts; > 20)")
    calm = Profile(id="c", handle="c", posts_per_day=20.0)
    assert reasons(STRANGER, calm)["noisy"][:2] == (Effect.OK, 0)
    lifelong = Profile(id="l", handle="l", posts_count=2_100, created_at=NOW - 100 * DAY)
    assert reasons(STRANGER, lifelong)["noisy"] == (Effect.REVIEW, -1, "21.0 posts a day (over its life; > 20)")
    assert reasons(STRANGER, Profile(id="u", handle="u"))["noisy"][:2] == (Effect.UNKNOWN, 0)


def test_why_means_the_rules_that_moved_the_verdict():
    verdict = judge(Profile(id="b", handle="b", bot=True, last_active_at=NOW - DAY, posts_count=9), Policy(), now=NOW)
    assert verdict.decision is Decision.SKIP
    assert verdict.moved_by == {"bot"}  # inactive spoke ("active") but did not move it


def ev(kind: EventKind, pid: str, day: int) -> FollowEvent:
    return FollowEvent("github:1", kind, pid, BASE + day * DAY)


def test_relations_from_the_event_log():
    events = [
        ev(EventKind.FOLLOWER_GAINED, "a", 1), ev(EventKind.FOLLOWER_LOST, "a", 3),
        ev(EventKind.FOLLOWER_GAINED, "a", 6),
        ev(EventKind.FOLLOWING_ADDED, "b", 2),
        ev(EventKind.FOLLOWER_LOST, "c", 4), ev(EventKind.FOLLOWER_GAINED, "c", 5),  # a glitch: back at the next sync
    ]  # fmt: skip
    syncs = [BASE + d * DAY for d in range(8)]
    relations = Relations(
        followers=frozenset({"a", "c", "d"}),
        following=frozenset({"b", "d"}),
        stories=stories(events, sync_clock(syncs)),
        kept=lambda pid: pid == "d",
        baseline_at=BASE,
    )
    a = relations("a")
    assert (a.follows_you, a.left_times, a.follows_since, a.returned, a.trickster) == (
        True,
        1,
        BASE + 6 * DAY,
        True,
        False,
    )
    b = relations("b")
    assert (b.you_follow, b.follows_you, b.you_follow_since) == (True, False, BASE + 2 * DAY)
    assert relations("c").left_times == 0
    d = relations("d")
    assert (d.kept, d.you_follow, d.follows_you, d.follows_since, d.interactions) == (True, True, True, None, None)
