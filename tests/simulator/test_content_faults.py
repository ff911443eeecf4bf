"""Content faults in each platform's own shape: wrong types in a valid body, repeated cursors, empty pages that
still link onwards, and short pages that silently lose rows while the chain goes on."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from followtui.simulator import FaultPlan, SimulatorServer, World, did_for, mastodon_id_for

PLATFORMS = ("github", "bluesky", "mastodon")
LIMIT = {"github": 50, "bluesky": 50, "mastodon": 40}
by_platform = pytest.mark.parametrize("platform", PLATFORMS)


@pytest.fixture
def served(world: World, platform: str) -> Iterator[tuple[SimulatorServer, httpx.Client]]:
    with SimulatorServer(world, platform=platform, rate_limit=0) as sim, httpx.Client(base_url=sim.url) as c:
        yield sim, c


def first_page(world: World, platform: str, which: str = "followers") -> str:
    if platform == "github":
        return f"/users/octocat/{which}?per_page={LIMIT[platform]}"
    if platform == "bluesky":
        nsid = "getFollowers" if which == "followers" else "getFollows"
        return f"/xrpc/app.bsky.graph.{nsid}?" + urlencode({"actor": "octocat.bsky.test", "limit": LIMIT[platform]})
    mid = mastodon_id_for(world.account("octocat").id)
    return f"/api/v1/accounts/{mid}/{which}?limit={LIMIT[platform]}"


def profile_path(world: World, platform: str) -> str:
    if platform == "github":
        return "/users/octocat"
    if platform == "bluesky":
        return "/xrpc/app.bsky.actor.getProfile?actor=octocat.bsky.test"
    return f"/api/v1/accounts/{mastodon_id_for(world.account('octocat').id)}"


def split(platform: str, first: str, resp: httpx.Response) -> tuple[list[Any], str | None]:
    """A list page's items and the URL of the next page (None at the end)."""
    assert resp.status_code == 200, resp.text
    if platform == "bluesky":
        body = resp.json()
        cursor = body.get("cursor")
        return body["followers"], None if cursor is None else f"{first}&{urlencode({'cursor': cursor})}"
    return resp.json(), resp.links.get("next", {}).get("url")


def key_of(platform: str, item: dict[str, Any]) -> str:
    return item["did"] if platform == "bluesky" else str(item["id"])


def truth_keys(world: World, platform: str) -> list[str]:
    ids = [row["id"] for row in world.truth("octocat")["followers"]]
    if platform == "bluesky":
        return [did_for(i) for i in ids]
    return [mastodon_id_for(i) for i in ids] if platform == "mastodon" else [str(i) for i in ids]


def walk(platform: str, client: httpx.Client, first: str, limit: int = 40) -> list[tuple[list[Any], str | None]]:
    pages, url = [], first
    while url is not None and len(pages) < limit:
        items, url = split(platform, first, client.get(url))
        pages.append((items, url))
    return pages


def type_changes(a: Any, b: Any, path: str = "$") -> list[tuple[str, Any, Any]]:
    """Where `b` has another type than `a` (None counts as its own type); any other difference fails."""
    if type(a) is not type(b):
        return [(path, a, b)]
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        return [c for k in a for c in type_changes(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, list):
        assert len(a) == len(b), path
        return [c for i, (x, y) in enumerate(zip(a, b, strict=True)) for c in type_changes(x, y, f"{path}[{i}]")]
    assert a == b, path
    return []


def bend_of(before: Any, after: Any) -> str:
    if isinstance(after, dict) and set(after) == {"id"}:
        return "id_object"
    if after is None:
        return "null_handle"
    if isinstance(after, list) or (isinstance(after, dict) and not isinstance(before, dict)):
        return "list_for_object"
    if isinstance(before, int) and isinstance(after, str) and after == str(before):
        return "count_string"
    return "detail_type"


@by_platform
def test_wrong_types_bend_one_field_of_a_valid_body(world: World, platform: str, served) -> None:
    sim, c = served
    paths = [first_page(world, platform), profile_path(world, platform)]
    clean = {path: c.get(path).json() for path in paths}
    bends: dict[str, set[str]] = {}
    for seed in range(40):
        sim.faults = FaultPlan(rate=1.0, seed=seed, kinds=("wrong_types",))
        for path in paths:
            resp = c.get(path)
            assert resp.status_code == 200 and resp.headers["content-type"].startswith("application/json")
            bent = resp.json()  # valid JSON, always
            if isinstance(bent, list) and isinstance(clean[path], dict):  # the whole profile became a list
                assert bent == [clean[path]]
                bends.setdefault(path, set()).add("list_for_object")
                continue
            changes = type_changes(clean[path], bent)
            assert len(changes) == 1, changes
            bends.setdefault(path, set()).add(bend_of(changes[0][1], changes[0][2]))
        assert sim.faults.injected == {"wrong_types": 2}
    # Every bend happens on the list page; a profile has no lists inside, so all but that one there.
    assert bends[paths[0]] >= {"id_object", "null_handle", "list_for_object", "detail_type"}
    assert bends[paths[1]] == {"id_object", "count_string", "list_for_object", "null_handle", "detail_type"}


@by_platform
def test_wrong_types_leave_errors_and_control_routes_alone(world: World, platform: str, served) -> None:
    sim, c = served
    missing = {"github": "/users/nobody-here", "bluesky": "/xrpc/app.bsky.actor.getProfile?actor=nobody.bsky.test",
               "mastodon": "/api/v1/accounts/1"}[platform]  # fmt: skip
    clean = c.get(missing)
    sim.faults = plan = FaultPlan(rate=1.0, seed=1, kinds=("wrong_types", "short_page", "empty_page"))
    resp = c.get(missing)
    assert resp.status_code == clean.status_code >= 400 and resp.json() == clean.json()
    assert c.get("/_sim/stats").status_code == 200 and c.get("/_sim/truth?owner=octocat").json() == world.truth(
        "octocat"
    )
    assert plan.injected == {} and sim.stats()["faults"] == {}


@by_platform
def test_list_faults_never_touch_the_last_page_or_profiles(world: World, platform: str, served) -> None:
    sim, c = served
    first = first_page(world, platform)
    pages = walk(platform, c, first)
    last = pages[-2][1] if len(pages) > 1 else first
    clean_last, clean_profile = c.get(last).json(), c.get(profile_path(world, platform)).json()
    sim.faults = plan = FaultPlan(rate=1.0, seed=3, kinds=("repeated_cursor", "short_page"))
    assert c.get(profile_path(world, platform)).json() == clean_profile
    assert c.get(last).json() == clean_last  # no next cursor or link to bend
    assert plan.injected == {} and plan.drawn == 2


@by_platform
def test_repeated_cursor_points_back(world: World, platform: str, served) -> None:
    sim, c = served
    first = first_page(world, platform)
    pages = walk(platform, c, first)
    assert len(pages) >= 4
    page_urls = [first] + [url for _, url in pages[:-1]]
    for seed in range(6):
        sim.faults = FaultPlan(rate=1.0, seed=seed, kinds=("repeated_cursor",))
        items, back = split(platform, first, c.get(page_urls[2]))
        assert items == pages[2][0]  # the rows are right; only where it goes next is wrong
        sim.faults = None
        again, _ = split(platform, first, c.get(back))
        assert again in (pages[0][0], pages[1][0], pages[2][0])  # this page or an earlier one
        if platform != "github":  # cursors and max_id links: this very request, or the list's start
            assert again in (pages[0][0], pages[2][0])
    sim.faults = FaultPlan(rate=1.0, seed=0, kinds=("repeated_cursor",))
    _, back = split(platform, first, c.get(first))
    sim.faults = None
    assert split(platform, first, c.get(back))[0] == pages[0][0]  # the first page links to itself


def test_empty_bluesky_pages_are_followed_and_lose_nothing(world: World) -> None:
    with SimulatorServer(world, platform="bluesky") as sim, httpx.Client(base_url=sim.url) as c:
        first = first_page(world, "bluesky")
        sim.faults = plan = FaultPlan(rate=0.5, seed=4, kinds=("empty_page",))
        faulted = walk("bluesky", c, first, limit=200)
    got = [key_of("bluesky", item) for items, _ in faulted for item in items]
    assert sorted(got) == sorted(truth_keys(world, "bluesky"))
    empty = [url for items, url in faulted if not items]
    assert len(empty) == plan.injected["empty_page"] > 0 and all(url is not None for url in empty)


def test_an_empty_bluesky_page_can_stand_where_the_last_page_was(world: World) -> None:
    with SimulatorServer(world, platform="bluesky") as sim, httpx.Client(base_url=sim.url) as c:
        first = first_page(world, "bluesky")
        clean = walk("bluesky", c, first)
        last = clean[-2][1]
        sim.faults = FaultPlan(rate=1.0, seed=1, kinds=("empty_page",))
        items, after = split("bluesky", first, c.get(last))
        sim.faults = None
        assert items == [] and after is not None
        assert split("bluesky", first, c.get(after)) == clean[-1]


@pytest.mark.parametrize("platform", ["github", "mastodon"])
def test_empty_pages_still_link_onwards_on_github_and_mastodon(world: World, platform: str, served) -> None:
    sim, c = served
    first = first_page(world, platform)
    clean = c.get(first)
    sim.faults = FaultPlan(rate=1.0, seed=1, kinds=("empty_page",))
    resp = c.get(first)
    assert resp.json() == [] and resp.links["next"]["url"] == clean.links["next"]["url"]
    if platform == "github":  # the Link header stays as it was: next and last
        assert resp.headers["link"] == clean.headers["link"]
    else:  # Mastodon would send no Link at all with an empty page; this one links onwards only
        assert set(resp.links) == {"next"}


@by_platform
def test_short_pages_lose_rows_while_the_chain_goes_on(world: World, platform: str, served) -> None:
    sim, c = served
    first = first_page(world, platform)
    clean = walk(platform, c, first)
    sim.faults = plan = FaultPlan(rate=0.6, seed=2, kinds=("short_page",))
    faulted = walk(platform, c, first)
    assert [url for _, url in faulted] == [url for _, url in clean]  # the same chain, page for page
    lost = 0
    for (whole, _), (short, url) in zip(clean, faulted, strict=True):
        keys = [key_of(platform, item) for item in whole]
        kept = [key_of(platform, item) for item in short]
        if kept != keys:
            assert url is not None and 1 <= len(keys) - len(kept) <= len(keys) // 2
            gap = next(i for i, (a, b) in enumerate(zip([*kept, None], keys, strict=False)) if a != b)
            assert kept == keys[:gap] + keys[gap + len(keys) - len(kept) :]  # one run of rows is missing
            lost += len(keys) - len(kept)
    assert plan.injected["short_page"] > 0 and lost > 0
    got = {key_of(platform, item) for items, _ in faulted for item in items}
    assert len(got) == len(truth_keys(world, platform)) - lost


@by_platform
def test_content_faults_are_seeded(world: World, platform: str, served) -> None:
    sim, c = served
    first = first_page(world, platform)

    def run(seed: int) -> list[Any]:
        sim.faults = FaultPlan(
            rate=0.5, seed=seed, kinds=("wrong_types", "repeated_cursor", "empty_page", "short_page")
        )
        out = [c.get(first).json() for _ in range(30)]
        sim.faults = None
        return out

    assert run(5) == run(5) != run(6)
