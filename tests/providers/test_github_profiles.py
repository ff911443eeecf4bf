"""GitHub profiles: lookup_self, lookup by stable id, hostile strings, follow actions."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest

from followtui.models import GoneAccount, GoneReason, Profile
from followtui.providers.errors import ApiError, AuthError, NetworkError, NotFoundError, RateLimitError
from followtui.sanitize import MAX_BIO

from .conftest import DATE_EPOCH, TOKEN, json_response, user


def full_user(i: int, **extra):
    return user(
        i,
        name=f"User {i}",
        bio="hello",
        followers=10,
        following=20,
        public_repos=3,
        created_at="2015-03-04T05:06:07Z",
        updated_at="2024-01-01T00:00:00Z",
        **extra,
    )


async def test_lookup_self_gives_a_full_profile_stamped_with_server_time(make_github):
    seen = []

    def handler(request):
        seen.append(request.url.path)
        return json_response(200, full_user(42, login="alice"))

    profile = await make_github(handler).lookup_self("@alice")
    assert seen == ["/users/alice"]
    assert profile == Profile(
        id="42",
        handle="alice",
        display_name="User 42",
        bio="hello",
        avatar_url="https://avatars.githubusercontent.com/u/42?v=4",
        url="https://github.com/user42",
        followers_count=10,
        following_count=20,
        posts_count=3,
        created_at=datetime(2015, 3, 4, 5, 6, 7, tzinfo=UTC),
        bot=False,
        hydrated_at=datetime(2025, 1, 1, 12, 0, tzinfo=UTC),
    )


async def test_handles_are_quoted_into_one_path_segment(make_github):
    seen = []

    def handler(request):
        seen.append(request.url.raw_path)
        return json_response(404, {"message": "Not Found"})

    with pytest.raises(NotFoundError):
        await make_github(handler).lookup_self("../../user?x=1")
    assert seen == [b"/users/..%2F..%2Fuser%3Fx%3D1"]


async def test_hostile_profile_strings_and_numbers_are_cleaned(make_github):
    hostile = {
        "login": "mallory\x1b]8;;https://evil\x07",
        "id": 66,
        "name": "[bold red]Boss[/] \x1b[31mred\x1b[0m\u202eevil\x00",
        "bio": "line1\r\nline2\x1b[2J" + "b" * 100_000,
        "followers": -5,
        "following": "12",
        "public_repos": 10**15,
        "created_at": "yesterday",
        "avatar_url": "javascript:alert(1)",
        "html_url": ["not", "a", "string"],
        "type": 3,
    }
    profile = await make_github(lambda r: json_response(200, hostile)).lookup_self("mallory")
    assert profile.handle == "mallory"
    assert profile.display_name == "[bold red]Boss[/] redevil"  # markup stays text; the UIs never parse it
    assert profile.bio.startswith("line1\nline2b") and len(profile.bio) == MAX_BIO
    assert all(ch not in profile.bio + profile.display_name for ch in "\x1b\x00\u202e")
    assert (profile.followers_count, profile.following_count, profile.posts_count) == (None, None, None)
    assert profile.created_at is None
    assert profile.avatar_url == ""
    assert profile.url == "https://github.com/mallory"
    assert profile.bot is None


async def test_a_profile_without_an_id_is_an_api_error(make_github):
    with pytest.raises(ApiError):
        await make_github(lambda r: json_response(200, {"login": "alice"})).lookup_self("alice")


async def test_lookup_by_id_with_gone_accounts(make_github):
    seen = []

    def handler(request):
        seen.append(request.url.path)
        account_id = request.url.path.rsplit("/", 1)[1]
        if account_id == "3":
            return json_response(404, {"message": "Not Found"})
        return json_response(200, full_user(int(account_id)))

    result = await make_github(handler).lookup(["1", "2", "3", "2"], budget=10)
    assert sorted(seen) == ["/user/1", "/user/2", "/user/3"]
    assert result["3"] == GoneAccount("3", GoneReason.DELETED)
    assert isinstance(result["1"], Profile) and result["1"].followers_count == 10
    assert result["2"].hydrated_at is not None


async def test_lookup_spends_at_most_the_budget_with_bounded_concurrency(make_github):
    state = {"in_flight": 0, "peak": 0}

    async def handler(request):
        state["in_flight"] += 1
        state["peak"] = max(state["peak"], state["in_flight"])
        await asyncio.sleep(0.002)
        state["in_flight"] -= 1
        return json_response(200, full_user(int(request.url.path.rsplit("/", 1)[1])))

    github = make_github(handler, concurrency=3)
    result = await github.lookup([str(i) for i in range(1, 40)], budget=12)
    assert list(result) != [] and set(result) == {str(i) for i in range(1, 13)}
    assert github.requests_made == 12
    assert state["peak"] == 3
    assert await github.lookup(["1"], budget=0) == {}


async def test_lookup_is_capped_by_the_quota_the_server_reports(make_github):
    def handler(request):
        return json_response(
            200,
            full_user(int(request.url.path.rsplit("/", 1)[1])),
            {"x-ratelimit-remaining": "4", "x-ratelimit-reset": str(int(DATE_EPOCH) + 600)},
        )

    github = make_github(handler, clock=lambda: DATE_EPOCH)
    await github.lookup(["1"], budget=1)
    result = await github.lookup([str(i) for i in range(2, 20)], budget=100)
    assert len(result) == 4


async def test_lookup_keeps_what_arrived_when_the_rate_limit_stops_it(make_github):
    def handler(request):
        account_id = int(request.url.path.rsplit("/", 1)[1])
        if account_id > 2:
            return json_response(
                403,
                {"message": "API rate limit exceeded"},
                {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(DATE_EPOCH) + 3000)},
            )
        return json_response(200, full_user(account_id))

    github = make_github(handler, concurrency=1)
    result = await github.lookup(["1", "2", "3", "4"], budget=10)
    assert set(result) == {"1", "2"}
    with pytest.raises(RateLimitError):
        await github.lookup(["5"], budget=10)


async def test_lookup_raises_other_failures(make_github):
    def handler(request):
        if request.url.path == "/user/2":
            raise httpx.ConnectError("refused")
        return json_response(200, full_user(1))

    with pytest.raises(NetworkError, match=r"could not reach api\.github\.com after 4 attempts"):
        await make_github(handler).lookup(["1", "2"], budget=10)


async def test_lookup_refuses_an_answer_for_another_id(make_github):
    with pytest.raises(ApiError, match="answered user id 9"):
        await make_github(lambda r: json_response(200, full_user(9))).lookup(["1"], budget=1)


async def test_follow_unfollow_and_check(make_github):
    log = []
    following = set()

    def handler(request):
        log.append((request.method, request.url.path, request.headers.get("content-length")))
        login = request.url.path.rsplit("/", 1)[1]
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        if request.method == "PUT":
            following.add(login)
        elif request.method == "DELETE":
            following.discard(login)
        elif login not in following:
            return httpx.Response(404, json={"message": "Not Found"})
        return httpx.Response(204)

    github = make_github(handler, token=TOKEN)
    assert await github.is_following(Profile(id="0", handle="bob")) is False
    await github.follow(Profile(id="0", handle="bob"))
    assert await github.is_following(Profile(id="0", handle="bob")) is True
    await github.unfollow(Profile(id="0", handle="bob"))
    assert await github.is_following(Profile(id="0", handle="bob")) is False
    assert ("PUT", "/user/following/bob", "0") in log
    assert ("DELETE", "/user/following/bob", None) in log


async def test_follow_actions_need_a_token_and_send_nothing_without_one(make_github):
    sent = []
    github = make_github(lambda r: sent.append(r) or httpx.Response(204))
    for action in (github.follow, github.unfollow, github.is_following):
        with pytest.raises(AuthError, match="needs a token"):
            await action("bob")
    assert sent == []


async def test_following_an_unknown_user_is_not_found(make_github):
    github = make_github(lambda r: httpx.Response(404, json={"message": "Not Found"}), token=TOKEN)
    with pytest.raises(NotFoundError, match="no GitHub user named 'nobody'"):
        await github.follow(Profile(id="0", handle="nobody"))
