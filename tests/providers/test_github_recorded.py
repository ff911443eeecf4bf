"""Parsers against real GitHub responses recorded by PyGithub (read from the shared recorded dir)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from followtui.models import Profile
from followtui.providers.errors import AuthError, NotFoundError, RateLimitError

from .conftest import TOKEN, envelope_response, recorded

ME = Profile(id="327146", handle="jacquev6", followers_count=13, following_count=24)


async def test_single_followers_page_in_the_2012_shape(make_github):
    envelope = recorded("github", "users_jacquev6_followers_single_page.json")
    result = await make_github(lambda r: envelope_response(envelope)).fetch_followers(ME)
    assert result.pages == 1 and result.requests == 1
    assert len(result.accounts) == len(envelope["body"]) == 13
    first = result.accounts[0]
    assert (first.id, first.handle) == ("73514", "jnorthrup")
    assert first.bot is None  # no `type` in the 2012 shape
    assert all(p.id.isdigit() and p.handle for p in result.accounts)


async def test_authenticated_user_object_as_a_full_profile(make_github):
    envelope = recorded("github", "get_user_authenticated.json")
    github = make_github(lambda r: envelope_response(envelope))
    profile = await github.lookup_self("jacquev6")
    assert (profile.id, profile.handle, profile.display_name) == ("327146", "jacquev6", "Vincent Jacques")
    assert (profile.followers_count, profile.following_count, profile.posts_count) == (13, 24, 10)
    assert profile.created_at == datetime(2010, 7, 9, 6, 10, 6, tzinfo=UTC)
    assert profile.bio == "" and profile.bot is False
    assert profile.hydrated_at == github.server_time() == datetime(2012, 5, 8, 9, 51, 20, tzinfo=UTC)


async def test_bad_credentials(make_github):
    envelope = recorded("github", "error_401_bad_credentials.json")
    github = make_github(lambda r: envelope_response(envelope), token=TOKEN)
    with pytest.raises(AuthError, match="Bad credentials") as info:
        await github.lookup_self("jacquev6")
    assert TOKEN not in repr(info.value)


async def test_not_found(make_github):
    envelope = recorded("github", "error_404_not_found.json")
    with pytest.raises(NotFoundError, match="ThisUserShouldReallyNotExist"):
        await make_github(lambda r: envelope_response(envelope)).lookup_self("ThisUserShouldReallyNotExist")


async def test_primary_rate_limit_403_without_a_reset_header(make_github, sleeps):
    envelope = recorded("github", "ratelimit_primary_403_unauthenticated.json")
    github = make_github(lambda r: envelope_response(envelope), max_wait_s=10)
    with pytest.raises(RateLimitError, match="GitHub rate limit reached") as info:
        await github.lookup_self("jacquev6")
    assert "A token raises the limit" in str(info.value)
    assert sleeps.calls == []


async def test_secondary_rate_limit_with_retry_after_is_waited_out(make_github, sleeps):
    envelope = recorded("github", "ratelimit_secondary_403_retry_after.json")
    ok = recorded("github", "get_user_authenticated.json")
    answers = iter([envelope, ok])
    profile = await make_github(lambda r: envelope_response(next(answers))).lookup_self("jacquev6")
    assert profile.handle == "jacquev6"
    assert sleeps.calls == [60.0]


async def test_secondary_rate_limit_longer_than_allowed_is_an_error(make_github):
    envelope = recorded("github", "ratelimit_secondary_403_retry_after.json")
    github = make_github(lambda r: envelope_response(envelope), max_wait_s=30)
    with pytest.raises(RateLimitError, match="secondary rate limit reached; it asks us to wait 1 min") as info:
        await github.lookup_self("jacquev6")
    assert info.value.retry_in_s == 60


async def test_link_headers_of_first_middle_and_last_pages(make_github):
    pages = {str(n): recorded("github", f"stargazers_page{n}_link_header.json") for n in (1, 2, 3)}
    seen = []

    def handler(request):
        seen.append(str(request.url))
        return envelope_response(pages[request.url.params.get("page", "1")])

    github = make_github(handler)
    answers = {n: await github.http.get_json(f"/repos/PyGithub/PyGithub/stargazers?page={n}") for n in "123"}
    base = "https://api.github.com/repos/PyGithub/PyGithub/stargazers?page="
    assert answers["1"].links == {"next": base + "2", "last": base + "3"}
    assert answers["2"].links == {
        "next": base + "3",
        "last": base + "3",
        "first": base + "1",
        "prev": base + "1",
    }
    assert answers["3"].links == {"first": base + "1", "prev": base + "2"}

    # The same pages as a follow list: 30 a page (GitHub's default size), pages 2..3 in parallel.
    seen.clear()
    result = await github.fetch_followers(ME)
    assert result.pages == 3 and len(result.accounts) == 30 + 30 + 7
    assert seen[1:] and all("stargazers?page=" in url for url in seen[1:])


async def test_follow_unfollow_check_sequence(make_github):
    exchanges = recorded("github", "user_following_put_delete_check_sequence.json")
    script = [x for x in exchanges if x["request"]["url"].endswith("/user/following/nvie")]
    assert [x["request"]["method"] for x in script] == ["GET", "DELETE", "GET", "PUT", "GET"]
    replies = iter(script)

    def handler(request):
        exchange = next(replies)
        assert (request.method, str(request.url)) == (
            exchange["request"]["method"],
            exchange["request"]["url"],
        )
        return envelope_response(exchange)

    github = make_github(handler, token=TOKEN)
    assert await github.is_following(Profile(id="0", handle="nvie")) is True
    await github.unfollow(Profile(id="0", handle="nvie"))
    assert await github.is_following(Profile(id="0", handle="nvie")) is False
    await github.follow(Profile(id="0", handle="nvie"))
    assert await github.is_following(Profile(id="0", handle="nvie")) is True
    with pytest.raises(StopIteration):
        next(replies)


def test_recorded_dir_is_found_relative_to_the_tests():
    from .conftest import RECORDED

    if not RECORDED.exists():
        pytest.skip("recorded data not available")
    assert (RECORDED / "github").is_dir()
