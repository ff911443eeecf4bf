"""Mastodon-API servers that page by less than the `limit` asked: the page size is learnt from what they send.

Pleroma, Akkoma and others cap `limit` (40 is common) and answer full pages of 40 with a `rel="next"` link when
80 was asked; Pleroma-family servers also link on from a short last page, whose next page is `[]` without a
Link (../shared/reference/apis.md section 2). Such lists are whole. Lost rows are still refused: a page that
links on but is shorter than the size this server pages by, an empty page that links on, a repeated `max_id`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest

from followtui.models import FollowList, Profile
from followtui.providers import make_provider
from followtui.providers.errors import IncompleteListError
from followtui.providers.http import RetryPolicy
from followtui.providers.mastodon import MastodonProvider

from .conftest import RECORDED

INSTANCE = "https://social.test"
ME = Profile(id="1001", handle="alice", followers_count=150)
Handler = Callable[[httpx.Request], httpx.Response]


def entity(i: int) -> dict[str, Any]:
    return {"id": str(5000 + i), "username": f"u{i}", "acct": f"u{i}", "followers_count": 1, "following_count": 1}


def capped_server(
    members: int,
    cap: int,
    *,
    every_page_links: bool = False,
    bend: Callable[[int, list[int], str | None], tuple[list[int], str | None]] | None = None,
    seen: list[httpx.URL] | None = None,
) -> Handler:
    """Followers paged by `max_id` (an offset here), at most `cap` a page whatever `limit` asks; the links carry
    the `limit` asked, as Pleroma's do. `next` from full pages only (Mastodon) or from every non-empty page
    (`every_page_links`, Pleroma). `bend(page, rows, link)` may change a page's rows or its next link."""

    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request.url)
        asked = request.url.params.get("limit", "40")
        start = int(request.url.params.get("max_id", "0"))
        size = min(int(asked), cap)
        rows = list(range(start, min(start + size, members)))
        link = None
        if rows and (len(rows) == size or every_page_links):
            link = f"{INSTANCE}/api/v1/accounts/1001/followers?limit={asked}&max_id={start + len(rows)}"
        if bend is not None:
            rows, link = bend(start // size + 1, rows, link)
        headers = {"date": "Wed, 01 Jan 2025 12:00:00 GMT"}
        if link is not None:
            headers["link"] = f'<{link}>; rel="next"'
        return httpx.Response(200, headers=headers, content=orjson.dumps([entity(i) for i in rows]))

    return handler


async def followers(handler: Handler, who: Profile = ME, server: str = INSTANCE, **kw: Any) -> FollowList:
    async def no_sleep(seconds: float) -> None:
        return None

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    provider = MastodonProvider(server, None, client=client, sleep=no_sleep, **kw)
    try:
        return await provider.fetch_followers(who)
    finally:
        await client.aclose()


def ids(result: FollowList) -> list[str]:
    return [p.id for p in result.accounts]


# -- a server that pages by less than it is asked ------------------------------------------------------------


async def test_full_pages_of_40_with_next_links_are_a_whole_list_when_80_was_asked():
    seen: list[httpx.URL] = []
    result = await followers(capped_server(150, 40, seen=seen))
    assert ids(result) == [str(5000 + i) for i in range(150)]
    assert (result.pages, result.requests) == (4, 4)  # 40 + 40 + 40 + 30, and no page asked twice
    assert [u.params["limit"] for u in seen] == ["80"] * 4


async def test_a_pleroma_list_ends_with_a_short_page_that_links_on_to_an_empty_one():
    seen: list[httpx.URL] = []
    result = await followers(capped_server(130, 40, every_page_links=True, seen=seen))
    assert ids(result) == [str(5000 + i) for i in range(130)]
    assert result.pages == 5  # 40 + 40 + 40 + 10 (linking on) + [] without a Link
    assert [u.params.get("max_id") for u in seen] == [None, "40", "80", "120", "130", "120"]  # the 10 asked again


async def test_a_short_list_on_a_capped_server_is_one_page_asked_twice():
    seen: list[httpx.URL] = []
    result = await followers(capped_server(30, 40, every_page_links=True, seen=seen))
    assert len(result.accounts) == 30 and result.pages == 2
    assert [u.params.get("max_id") for u in seen] == [None, "30", None]


async def test_the_docs_sample_of_a_server_paging_by_2_is_accepted():
    """The docs' own followers answer (limit=2, a next link), then two more pages of that server."""
    path = RECORDED / "mastodon" / "docs_followers_limit2_sample.txt"
    if not path.exists():
        pytest.skip("recorded data not available: mastodon/docs_followers_limit2_sample.txt")
    head, _, body = path.read_text().partition("\n\n")
    link = next(line.split(":", 1)[1].strip() for line in head.splitlines() if line.lower().startswith("link:"))
    body = re.sub(r"^\s*//.*$", "", body, flags=re.M)
    first = orjson.loads(re.sub(r",(\s*[}\]])", r"\1", body))
    more = {
        "7486869": (
            [entity(1), entity(2)],
            '<https://mastodon.example/api/v1/accounts/14715/followers?limit=2&max_id=7486000>; rel="next"',
        ),
        "7486000": ([entity(3)], None),
    }

    def handler(request: httpx.Request) -> httpx.Response:
        rows, next_link = more.get(request.url.params.get("max_id", ""), (first, link))
        headers = {"link": next_link} if next_link else {}
        return httpx.Response(200, headers=headers, content=orjson.dumps(rows))

    who = Profile(id="14715", handle="someone", followers_count=5)
    result = await followers(handler, who, server="https://mastodon.example")
    assert ids(result) == ["1020382", "1020381", "5001", "5002", "5003"]
    assert result.pages == 3


# -- lost rows are still refused -----------------------------------------------------------------------------


def lose(
    page: int, n: int, *, times: int = 1_000
) -> Callable[[int, list[int], str | None], tuple[list[int], str | None]]:
    """Page `page` loses its first `n` rows, the first `times` times it is asked for (a transient loss: once)."""
    hits: list[int] = []

    def bend(p: int, rows: list[int], link: str | None) -> tuple[list[int], str | None]:
        if p != page or len(hits) >= times:
            return rows, link
        hits.append(p)
        return rows[n:], link

    return bend


async def test_a_short_page_in_the_middle_after_pages_of_40_is_refused():
    with pytest.raises(IncompleteListError, match=r"page 2 holds 39 accounts, not 40, yet links to a next page"):
        await followers(capped_server(150, 40, bend=lose(2, 1)))


async def test_a_short_first_page_is_refused_once_a_later_page_holds_more():
    with pytest.raises(IncompleteListError, match=r"page 1 holds 37 accounts, not 40, yet links to a next page"):
        await followers(capped_server(150, 40, bend=lose(1, 3)))


async def test_a_short_first_page_of_a_two_page_list_is_refused_when_asked_again():
    """Nothing after it holds more, so only asking again tells a cap of 37 from three lost rows."""
    with pytest.raises(IncompleteListError, match=r"page 1 held 37 accounts, then 40 when asked again"):
        await followers(capped_server(60, 40, bend=lose(1, 3, times=1)), per_page=40)


async def test_a_short_last_linking_page_before_the_empty_end_is_refused_when_asked_again():
    with pytest.raises(IncompleteListError, match=r"page 2 held 37 accounts, then 40 when asked again"):
        await followers(capped_server(80, 40, bend=lose(2, 3, times=1)), per_page=40)


@pytest.mark.parametrize("page", [1, 2])
async def test_an_empty_page_that_links_on_is_refused(page: int):
    with pytest.raises(IncompleteListError, match=rf"page {page} holds 0 accounts.* yet links to a next page"):
        await followers(capped_server(150, 40, bend=lose(page, 40)))


async def test_a_repeated_max_id_is_refused_even_under_another_url():
    bent: list[int] = []

    def again(page: int, rows: list[int], link: str | None) -> tuple[list[int], str | None]:
        if page == 2 and not bent:  # once: page 2 links to its own max_id under another URL, then on as usual
            bent.append(page)
            link = f"{INSTANCE}/api/v1/accounts/1001/followers?max_id=40&limit=40&again=1"
        return rows, link

    with pytest.raises(IncompleteListError, match=r"links back to a page already fetched \(page 3\)"):
        await followers(capped_server(150, 40, bend=again), per_page=40)


async def test_a_page_larger_than_this_server_pages_by_is_refused():
    grow = lambda p, rows, link: ([*rows, 900 + p] if p == 3 else rows, link)  # noqa: E731
    with pytest.raises(IncompleteListError, match=r"page 1 holds 40 accounts, not 41, yet links"):
        await followers(capped_server(150, 40, bend=grow))


# -- over loopback HTTP against the simulator capped at 40 ------------------------------------------------------

simulator = pytest.importorskip("followtui.simulator")
FAST = {"retry": RetryPolicy(attempts=8, base_delay_s=0.005, max_delay_s=0.02), "max_wait_s": 5, "timeout_s": 5}


@pytest.mark.parametrize("every_page_links", [False, True])
async def test_a_sync_of_a_simulator_paging_by_40_matches_its_lists(every_page_links: bool):
    world = simulator.World.generate(seed=31, followers=333, following=121)
    world.add_token("sim-token", "octocat")
    options = {"max_page": 40, "next_from_every_page": every_page_links}
    with simulator.SimulatorServer(world, platform="mastodon", app_options=options) as sim:
        mastodon = make_provider("mastodon", sim.url, "sim-token", **FAST)
        try:
            me = await mastodon.lookup_self("octocat")
            got = await asyncio.gather(mastodon.fetch_followers(me), mastodon.fetch_following(me))
        finally:
            await mastodon.aclose()
    truth = world.truth("octocat")
    for result, key in zip(got, ("followers", "following"), strict=True):
        assert [p.id for p in result.accounts] == [simulator.mastodon_id_for(row["id"]) for row in truth[key]]
        ends_short = every_page_links and len(truth[key]) % 40 != 0  # then [] without a Link ends it
        assert result.pages == len(truth[key]) // 40 + 1 + ends_short
        assert result.requests == result.pages + ends_short  # the short page that linked on is asked again


def test_the_simulator_caps_its_pages_and_carries_the_limit_asked_in_its_links():
    world = simulator.World.generate(seed=31, followers=100, following=10)
    with (
        simulator.SimulatorServer(world, platform="mastodon", app_options={"max_page": 40}) as sim,
        httpx.Client(base_url=sim.url, timeout=5) as client,
    ):
        owner = simulator.mastodon_id_for(world.owners[0].id)
        first = client.get(f"/api/v1/accounts/{owner}/followers", params={"limit": 80})
        assert len(first.json()) == 40
        assert "limit=80" in first.links["next"]["url"]
        small = client.get(f"/api/v1/accounts/{owner}/followers", params={"limit": 10})
        assert len(small.json()) == 10  # below the cap, the limit asked is the page size
