"""A page before the last that holds fewer accounts than a page holds has lost rows, however it got there.

Found by the fault campaign (tests/reliability): a first GitHub page short by a few accounts set the page size
for the rest of a two-page list, and a short Mastodon page mid-list went unnoticed; both stayed within the
count check's tolerance and recorded unfollows that never happened.
"""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from followtui.models import Profile
from followtui.providers.errors import IncompleteListError
from followtui.providers.mastodon import MastodonProvider

from .conftest import json_response, paged, user

ME = Profile(id="1", handle="alice", followers_count=150, following_count=0)
INSTANCE = "https://social.test"


def lose_rows(response: httpx.Response, n: int) -> httpx.Response:
    """The same answer with its first `n` accounts gone (its Link header as it was)."""
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    return httpx.Response(response.status_code, headers=headers, content=orjson.dumps(response.json()[n:]))


async def test_a_short_first_github_page_of_a_two_page_list_is_refused(make_github):
    everyone = [user(i) for i in range(100, 250)]

    def handler(request: httpx.Request) -> httpx.Response:
        answer = paged(request, everyone)
        return lose_rows(answer, 4) if request.url.params.get("page") == "1" else answer

    with pytest.raises(IncompleteListError, match=r"page 1 has 96 accounts, not 100"):
        await make_github(handler).fetch_followers(ME)


async def test_github_links_without_per_page_let_the_first_page_set_the_size(make_github):
    everyone = [user(i) for i in range(100, 167)]

    def handler(request: httpx.Request) -> httpx.Response:  # a server that pages by 30 and says nothing
        page = int(request.url.params.get("page", "1"))
        base = request.url.copy_with(params={"page": ""}).copy_remove_param("page")
        links = []
        if page < 3:
            links.append(f'<{base.copy_set_param("page", str(page + 1))}>; rel="next"')
            links.append(f'<{base.copy_set_param("page", "3")}>; rel="last"')
        return json_response(200, everyone[(page - 1) * 30 : page * 30], {"link": ", ".join(links)})

    result = await make_github(handler).fetch_followers(ME)
    assert len(result.accounts) == 67 and result.pages == 3


def mastodon_account(i: int) -> dict[str, Any]:
    return {"id": str(1000 + i), "username": f"u{i}", "acct": f"u{i}", "followers_count": 1, "following_count": 1}


def mastodon_pages(members: list[int], lose: dict[int, int]) -> Any:
    """Follower pages by max_id, `next` only from full pages as Mastodon does; `lose` = {page: rows gone}."""

    def handler(request: httpx.Request) -> httpx.Response:
        limit = int(request.url.params.get("limit", "40"))
        start = int(request.url.params.get("max_id", "0"))
        chunk = members[start : start + limit]
        headers = {"date": "Wed, 01 Jan 2025 12:00:00 GMT"}
        if len(chunk) == limit:
            headers["link"] = (
                f'<{INSTANCE}/api/v1/accounts/1001/followers?limit={limit}&max_id={start + limit}>; rel="next"'
            )
        rows = chunk[lose.get(start // limit + 1, 0) :]
        return httpx.Response(200, headers=headers, content=orjson.dumps([mastodon_account(i) for i in rows]))

    return handler


async def _mastodon_followers(handler: Any, **kw: Any):  # type: ignore[no-untyped-def]
    async def no_sleep(seconds: float) -> None:
        return None

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    provider = MastodonProvider(INSTANCE, None, client=client, sleep=no_sleep, **kw)
    try:
        return await provider.fetch_followers(Profile(id="1001", handle="alice", followers_count=150))
    finally:
        await client.aclose()


@pytest.mark.parametrize("page, lost", [(1, 3), (2, 1), (2, 40)])
async def test_a_short_or_empty_mastodon_page_that_links_onwards_is_refused(page: int, lost: int):
    handler = mastodon_pages(list(range(150)), {page: lost})
    with pytest.raises(IncompleteListError, match=rf"page {page} holds {40 - lost} accounts, not 40, yet links"):
        await _mastodon_followers(handler, per_page=40)


async def test_full_mastodon_pages_and_a_short_last_page_are_a_whole_list():
    result = await _mastodon_followers(mastodon_pages(list(range(150)), {}), per_page=40)
    assert len(result.accounts) == 150 and result.pages == 4
