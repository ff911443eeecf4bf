"""GitHub follower/following lists: Link pagination, parallel pages, completeness guards."""

from __future__ import annotations

import asyncio
import random

import httpx
import pytest

from followtui.models import Profile
from followtui.providers.errors import ApiError, AuthError, IncompleteListError, NotFoundError

from .conftest import json_response, paged, user

ME = Profile(id="1", handle="alice", followers_count=250, following_count=3)


def users(n: int, start: int = 100) -> list[dict]:
    return [user(i) for i in range(start, start + n)]


async def test_a_single_page_has_no_link_header(make_github):
    seen = []

    def handler(request):
        seen.append(request.url)
        return json_response(200, users(3))

    result = await make_github(handler).fetch_following(ME)
    assert [p.handle for p in result.accounts] == ["user100", "user101", "user102"]
    assert (result.pages, result.requests) == (1, 1)
    assert seen[0].path == "/users/alice/following"
    assert dict(seen[0].params) == {"per_page": "100", "page": "1"}


async def test_an_empty_single_page_is_an_empty_list(make_github):
    result = await make_github(lambda r: json_response(200, [])).fetch_followers(ME)
    assert result.accounts == () and result.pages == 1


async def test_pages_after_the_first_are_fetched_concurrently_and_joined_in_page_order(make_github):
    everyone = users(950)
    state = {"in_flight": 0, "peak": 0}
    rng = random.Random(3)

    async def handler(request):
        state["in_flight"] += 1
        state["peak"] = max(state["peak"], state["in_flight"])
        await asyncio.sleep(rng.uniform(0, 0.01))  # pages complete out of order
        state["in_flight"] -= 1
        return paged(request, everyone)

    progress = []
    github = make_github(handler, concurrency=4)
    result = await github.fetch_followers(ME, progress=lambda *a: progress.append(a))
    assert [p.id for p in result.accounts] == [str(u["id"]) for u in everyone]
    assert (result.pages, result.requests) == (10, 10)
    assert state["peak"] == 4
    assert progress[0] == ("followers", 100, 250)
    assert progress[-1] == ("followers", 950, 250)
    assert [count for _, count, _ in progress] == sorted(count for _, count, _ in progress)


async def test_without_a_last_link_next_links_are_followed_in_turn(make_github):
    everyone = users(250)
    pages = []

    def handler(request):
        pages.append(request.url.params["page"])
        return paged(request, everyone, with_last=False)

    result = await make_github(handler).fetch_followers(ME)
    assert len(result.accounts) == 250 and result.pages == 3
    assert pages == ["1", "2", "3"]


async def test_links_in_the_newer_user_id_form_are_followed_as_given(make_github):
    everyone = users(150)
    paths = []

    def handler(request):
        paths.append(request.url.path)
        if request.url.path == "/users/alice/followers":
            response = paged(request, everyone)
            link = response.headers["link"].replace("/users/alice/followers", "/user/1/followers")
            response.headers["link"] = link
            return response
        return paged(request, everyone)

    result = await make_github(handler).fetch_followers(ME)
    assert len(result.accounts) == 150
    assert paths == ["/users/alice/followers", "/user/1/followers"]


async def test_an_enterprise_base_url_keeps_its_api_prefix(make_github):
    everyone = users(150)
    paths = []

    def handler(request):
        paths.append(request.url.path)
        return paged(request, everyone)

    github = make_github(handler, "https://ghe.example/api/v3/")
    result = await github.fetch_followers(ME)
    assert len(result.accounts) == 150
    assert paths == ["/api/v3/users/alice/followers"] * 2


async def test_a_short_middle_page_means_the_list_changed(make_github):
    everyone = users(350)

    def handler(request):
        response = paged(request, everyone)
        if request.url.params["page"] == "2":
            return json_response(200, everyone[100:199], {"link": response.headers["link"]})
        return response

    with pytest.raises(IncompleteListError, match="page 2 has 99 accounts, not 100"):
        await make_github(handler).fetch_followers(ME)


async def test_a_short_middle_page_is_caught_on_the_sequential_path_too(make_github):
    everyone = users(350)

    def handler(request):
        response = paged(request, everyone, with_last=False)
        if request.url.params["page"] == "2":
            return json_response(200, everyone[100:150], {"link": response.headers["link"]})
        return response

    with pytest.raises(IncompleteListError):
        await make_github(handler).fetch_followers(ME)


async def test_an_empty_last_page_means_the_list_shrank(make_github):
    everyone = users(300)

    def handler(request):
        if request.url.params["page"] == "3":
            return json_response(200, [], {"link": paged(request, everyone).headers["link"]})
        return paged(request, everyone)

    with pytest.raises(IncompleteListError, match="last page"):
        await make_github(handler).fetch_followers(ME)


async def test_a_last_page_that_links_further_means_the_list_grew(make_github):
    everyone = users(250)
    grown = users(320)

    def handler(request):
        if request.url.params["page"] == "3":
            return paged(request, grown)  # page 3 of 4 now: it has a next link
        return paged(request, everyone)

    with pytest.raises(IncompleteListError):
        await make_github(handler).fetch_followers(ME)


async def test_a_moved_last_page_means_the_list_changed(make_github):
    everyone = users(250)
    grown = users(420)

    def handler(request):
        if request.url.params["page"] == "2":
            return paged(request, grown)  # announces last=5
        return paged(request, everyone)

    with pytest.raises(IncompleteListError, match="last page moved"):
        await make_github(handler).fetch_followers(ME)


async def test_a_next_link_back_to_a_fetched_page_is_refused(make_github):
    everyone = users(300)

    def handler(request):
        response = paged(request, everyone, with_last=False)
        if request.url.params["page"] == "2":
            first_again = request.url.copy_set_param("page", "1")
            return json_response(200, everyone[100:200], {"link": f'<{first_again}>; rel="next"'})
        return response

    with pytest.raises(IncompleteListError, match="already fetched"):
        await make_github(handler).fetch_followers(ME)


@pytest.mark.parametrize("with_last", [True, False])
async def test_a_next_link_to_another_host_is_refused_and_never_requested(make_github, with_last):
    hosts = []

    def handler(request):
        hosts.append(request.url.host)
        rels = '<https://evil.example/users/alice/followers?page=2&per_page=100>; rel="next"'
        if with_last:
            rels += ', <https://evil.example/users/alice/followers?page=3&per_page=100>; rel="last"'
        return json_response(200, users(100), {"link": rels})

    with pytest.raises(ApiError, match="another server"):
        await make_github(handler, token="ghp_secret").fetch_followers(ME)
    assert hosts == ["api.github.com"]


async def test_an_implausible_last_page_is_refused(make_github):
    def handler(request):
        rels = (
            f'<{request.url.copy_set_param("page", "2")}>; rel="next", '
            f'<{request.url.copy_set_param("page", "99999999")}>; rel="last"'
        )
        return json_response(200, users(100), {"link": rels})

    with pytest.raises(ApiError, match="implausible last page"):
        await make_github(handler).fetch_followers(ME)


async def test_an_account_on_two_pages_is_kept_once(make_github):
    everyone = users(200)

    def handler(request):
        response = paged(request, everyone)
        if request.url.params["page"] == "2":
            # The list shifted by one between the two pages: user199 is now first on page 2.
            shifted = [everyone[99], *everyone[100:199]]
            return json_response(200, shifted, {"link": response.headers["link"]})
        return response

    result = await make_github(handler).fetch_followers(ME)
    ids = [p.id for p in result.accounts]
    assert len(ids) == len(set(ids)) == 199


async def test_a_failing_page_fails_the_whole_list(make_github):
    everyone = users(500)

    def handler(request):
        if request.url.params["page"] == "3":
            return json_response(401, {"message": "Bad credentials"})
        return paged(request, everyone)

    with pytest.raises(AuthError):
        await make_github(handler).fetch_followers(ME)


async def test_an_unknown_user_is_not_found(make_github):
    with pytest.raises(NotFoundError, match="no GitHub user named 'alice'"):
        await make_github(lambda r: json_response(404, {"message": "Not Found"})).fetch_followers(ME)


@pytest.mark.parametrize(
    "entry",
    [
        {"login": "x"},
        {"login": "x", "id": None},
        {"login": "x", "id": -3},
        {"login": "x", "id": "12a"},
        {"login": "x", "id": True},
        {"id": 5},
        {"id": 5, "login": "\x1b[2J"},
        "user5",
        None,
    ],
    ids=str,
)
async def test_an_entry_without_a_usable_id_or_login_is_an_api_error(make_github, entry):
    with pytest.raises(ApiError, match="followers page 1"):
        await make_github(lambda r: json_response(200, [user(1), entry])).fetch_followers(ME)


async def test_a_body_that_is_not_a_list_is_an_api_error(make_github):
    with pytest.raises(ApiError, match="other than a list"):
        await make_github(lambda r: json_response(200, {"message": "hi"})).fetch_followers(ME)


async def test_old_and_new_simple_user_shapes(make_github):
    old = {
        "login": "old",
        "id": 7,
        "avatar_url": "https://secure.gravatar.com/avatar/x",
        "gravatar_id": "x",
        "url": "https://api.github.com/users/old",
    }
    new = user(8, type="Bot", login="dependabot[bot]")
    org = user(9, type="Organization")
    result = await make_github(lambda r: json_response(200, [old, new, org])).fetch_followers(ME)
    by_id = {p.id: p for p in result.accounts}
    assert by_id["7"].bot is None and by_id["7"].url == "https://github.com/old"
    assert by_id["8"].bot is True and by_id["8"].handle == "dependabot[bot]"
    assert by_id["9"].bot is False
    assert all(p.hydrated_at is None and p.followers_count is None for p in result.accounts)


async def test_followers_and_following_can_be_fetched_at_once(make_github):
    followers, following = users(230), users(120, start=5000)

    def handler(request):
        return paged(request, followers if request.url.path.endswith("/followers") else following)

    github = make_github(handler)
    a, b = await asyncio.gather(github.fetch_followers(ME), github.fetch_following(ME))
    assert (len(a.accounts), len(b.accounts)) == (230, 120)
    assert github.requests_made == 5 == a.requests + b.requests


def test_per_page_and_concurrency_are_validated():
    from followtui.providers.github import GitHubProvider

    with pytest.raises(ValueError):
        GitHubProvider(per_page=101, client=httpx.AsyncClient())
    with pytest.raises(ValueError):
        GitHubProvider(concurrency=0, client=httpx.AsyncClient())
