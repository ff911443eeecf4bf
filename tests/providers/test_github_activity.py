"""GitHub activity: public events read into last_active_at and posts_per_day within the lookup budget.

Against the simulator over loopback HTTP (the world's activity is the truth, restated here from the world, not
from the provider), and against a MockTransport for what a hostile or odd events page can hold.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from followtui.models import GoneAccount, GoneReason, Profile
from followtui.providers import make_provider
from followtui.providers.github import EVENTS_PER_PAGE
from followtui.providers.http import RetryPolicy

from .conftest import DATE_EPOCH, json_response, user

simulator = pytest.importorskip("followtui.simulator")

FAST = {"retry": RetryPolicy(attempts=4, base_delay_s=0.005, max_delay_s=0.02), "max_wait_s": 5, "timeout_s": 5}
DAY = 86_400
NOW = datetime.fromtimestamp(DATE_EPOCH, UTC)


@pytest.fixture
def world():
    return simulator.World.generate(seed=7, followers=160, following=40)


def follower_ids(world, n: int | None = None) -> list[str]:
    return [str(row["id"]) for row in world.truth("octocat")["followers"][:n]]


def truth(world, account_id: str) -> tuple[datetime | None, float]:
    """What GitHub's first page of 30 public events (the last 90 days) shows of the world's activity."""
    now = world.now_ts()
    acts = world.activity_times(int(account_id), EVENTS_PER_PAGE, since=now - 90 * DAY)
    if not acts:
        return None, 0.0
    if len(acts) == EVENTS_PER_PAGE:  # a full page: the window is the page
        start = acts[-1]
    else:  # every event GitHub keeps: the window is 90 days, or the account's life when shorter
        start = min(max(now - 90 * DAY, world.profile(int(account_id))["created_at"]), acts[-1])
    return datetime.fromtimestamp(acts[0], UTC), len(acts) / (max(now - start, DAY) / DAY)


async def hydrate(world, ids: list[str], budget: int, **server):
    with simulator.SimulatorServer(world, platform="github", **server) as sim:
        github = make_provider("github", sim.url, None, **FAST)
        try:
            result = await github.lookup_with_activity(ids, budget)
        finally:
            await github.aclose()
        return result, github.requests_made, dict(sim.stats()["by_route"])


async def test_activity_matches_the_worlds_truth(world):
    ids = follower_ids(world)
    result, made, routes = await hydrate(world, ids, 2 * len(ids))
    assert made == 2 * len(ids) and routes == {"user_by_id": len(ids), "events": len(ids)}
    for account_id in ids:
        profile = result[account_id]
        assert isinstance(profile, Profile)
        last, per_day = truth(world, account_id)
        assert profile.last_active_at == last, profile.handle
        assert profile.posts_per_day == pytest.approx(per_day, rel=1e-9), profile.handle
    rates = [p.posts_per_day for p in result.values() if isinstance(p, Profile) and p.posts_per_day is not None]
    assert max(rates) >= 12  # the noisy bots and farmers
    assert 0.0 in rates  # nothing public in 90 days
    assert any(0 < r < 2 for r in rates)
    quiet = [p for p in result.values() if isinstance(p, Profile) and p.posts_per_day == 0.0]
    assert all(p.last_active_at is None for p in quiet)


async def test_plain_lookup_reads_no_events(world):
    ids = follower_ids(world, 5)
    with simulator.SimulatorServer(world, platform="github") as sim:
        github = make_provider("github", sim.url, None, **FAST)
        try:
            result = await github.lookup(ids, budget=20)
        finally:
            await github.aclose()
        assert sim.stats()["by_route"] == {"user_by_id": 5}
    assert all(isinstance(p, Profile) and p.posts_per_day is None for p in result.values())


@pytest.mark.parametrize("budget", [0, 1, 2, 5, 9, 10])
async def test_a_budget_of_n_sends_at_most_n_requests_in_pairs(world, budget):
    ids = follower_ids(world, 20)
    result, made, routes = await hydrate(world, ids, budget)
    assert made == budget
    assert routes.get("user_by_id", 0) == math.ceil(budget / 2) and routes.get("events", 0) == budget // 2
    assert set(result) == set(ids[: math.ceil(budget / 2)])  # the first wanted ids
    full = [p for p in result.values() if isinstance(p, Profile) and p.posts_per_day is not None]
    assert len(full) == budget // 2
    if budget % 2:  # an odd budget's last request buys a profile alone
        assert result[ids[budget // 2]].posts_per_day is None  # type: ignore[union-attr]


async def test_gone_users_leave_their_events_request_to_the_next_ids(world):
    ids = follower_ids(world, 12)
    world.delete(int(ids[0]))
    world.suspend(int(ids[2]))
    result, made, routes = await hydrate(world, ids, 10)
    assert made == 10
    assert result[ids[0]] == GoneAccount(ids[0], GoneReason.DELETED)
    assert result[ids[2]] == GoneAccount(ids[2], GoneReason.DELETED)  # GitHub answers 404 alike
    full = [i for i in ids if isinstance(p := result.get(i), Profile) and p.posts_per_day is not None]
    assert full == [ids[1], *ids[3:6]]  # 2 gone + 4 × 2 = 10: the second round's id has its events too
    assert routes == {"user_by_id": 6, "events": 4} and len(result) == 6


async def test_the_quota_caps_profiles_and_events_alike(world):
    ids = follower_ids(world, 10)
    with simulator.SimulatorServer(world, platform="github", rate_limit=8, rate_window_s=3600) as sim:
        github = make_provider("github", sim.url, None, **FAST)
        try:
            await github.lookup(ids[:1], 1)  # now the quota left is known: 7
            result = await github.lookup_with_activity(ids[1:], 100)
        finally:
            await github.aclose()
        routes = sim.stats()["by_route"]
    assert github.requests_made == 8 and routes == {"user_by_id": 5, "events": 3}
    assert set(result) == set(ids[1:5]) and sum(p.posts_per_day is not None for p in result.values()) == 3


async def test_a_rate_limit_on_the_way_keeps_what_arrived(world):
    ids = follower_ids(world, 10)
    with simulator.SimulatorServer(world, platform="github", rate_limit=5, rate_window_s=3600) as sim:
        github = make_provider("github", sim.url, None, **FAST)
        try:
            result = await github.lookup_with_activity(ids, 20)  # the quota is not known before the first answer
        finally:
            await github.aclose()
        stats = sim.stats()["by_route"]
    assert stats.get("user_by_id", 0) + stats.get("events", 0) == 5
    assert result and all(isinstance(p, Profile) for p in result.values())


# -- one events page, as a MockTransport serves it ---------------------------------------------------------------


def event(at: str, **extra):
    return {"id": "1", "type": "PushEvent", "actor": {"id": 7, "login": "user7"}, "created_at": at, **extra}


def events_handler(page, *, status: int = 200, created_at: str = "2020-01-01T00:00:00Z"):
    seen = []

    def handler(request):
        seen.append(request.url.path)
        if request.url.path.startswith("/user/"):
            return json_response(200, user(7, created_at=created_at, followers=1, following=1, public_repos=1))
        assert dict(request.url.params) == {"per_page": str(EVENTS_PER_PAGE)}
        return json_response(status, page)

    return handler, seen


async def activity(make_github, page, **kw) -> Profile:
    handler, seen = events_handler(page, **kw)
    profile = (await make_github(handler).lookup_with_activity(["7"], 2))["7"]
    assert seen == ["/user/7", "/users/user7/events/public"]
    assert isinstance(profile, Profile)
    return profile


async def test_no_events_is_no_activity_in_ninety_days(make_github):
    profile = await activity(make_github, [])
    assert (profile.last_active_at, profile.posts_per_day) == (None, 0.0)


async def test_a_short_page_spreads_over_the_ninety_days_github_keeps(make_github):
    profile = await activity(make_github, [event("2024-12-31T12:00:00Z"), event("2024-12-01T12:00:00Z")])
    assert profile.last_active_at == datetime(2024, 12, 31, 12, tzinfo=UTC)
    assert profile.posts_per_day == pytest.approx(2 / 90)


async def test_a_short_page_of_a_young_account_spreads_over_its_life(make_github):
    profile = await activity(make_github, [event("2024-12-31T12:00:00Z")], created_at="2024-12-22T12:00:00Z")
    assert profile.posts_per_day == pytest.approx(1 / 10)
    profile = await activity(make_github, [event("2025-01-01T11:00:00Z")], created_at="2025-01-01T10:00:00Z")
    assert profile.posts_per_day == pytest.approx(1.0)  # at least a day: one push is not 24 a day


async def test_a_full_page_is_a_window_back_to_its_oldest_event(make_github):
    oldest = NOW - timedelta(days=3)
    page = [event((oldest + timedelta(hours=i)).isoformat()) for i in reversed(range(EVENTS_PER_PAGE))]
    profile = await activity(make_github, page)
    assert profile.posts_per_day == pytest.approx(EVENTS_PER_PAGE / 3)
    assert profile.last_active_at == oldest + timedelta(hours=EVENTS_PER_PAGE - 1)


async def test_malformed_events_are_skipped_and_future_ones_count_as_now(make_github):
    page = [
        event("2099-01-01T00:00:00Z"),
        event("yesterday"),
        {"type": "PushEvent"},
        None,
        [1],
        "event",
        event(12345),
        event("2024-12-02T12:00:00Z"),
    ]
    profile = await activity(make_github, page)
    assert profile.last_active_at == NOW
    assert profile.posts_per_day == pytest.approx(2 / 90)


@pytest.mark.parametrize("body", [{"message": "x"}, "events", None, 3])
async def test_an_events_body_that_is_not_a_list_leaves_the_activity_unknown(make_github, body):
    profile = await activity(make_github, body)
    assert profile.followers_count == 1 and (profile.last_active_at, profile.posts_per_day) == (None, None)


async def test_a_user_gone_between_profile_and_events_keeps_its_profile(make_github):
    profile = await activity(make_github, {"message": "Not Found"}, status=404)
    assert profile.followers_count == 1 and profile.posts_per_day is None
