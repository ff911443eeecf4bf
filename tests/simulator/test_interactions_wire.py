"""Engagement in the world and on the wire: deterministic, evolving with the days, served in each platform's
shapes (Bluesky likes/reposts/threads, Mastodon favourites/boosts/context, GitHub repos/stars/forks/issues)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest

from followtui.simulator import SimulatorServer, World, did_for, mastodon_id_for

from .conftest import fetch_all, no_nulls

STAR_MEDIA = {"Accept": "application/vnd.github.star+json"}


@pytest.fixture
def aged() -> World:
    world = World.generate(seed=7, followers=250, following=120)
    world.advance_days(3)
    return world


def serve(world: World, platform: str) -> Iterator[httpx.Client]:
    with SimulatorServer(world, platform=platform) as sim, httpx.Client(base_url=sim.url, timeout=5) as client:
        yield client


@pytest.fixture
def bluesky(aged: World) -> Iterator[httpx.Client]:
    yield from serve(aged, "bluesky")


@pytest.fixture
def mastodon(aged: World) -> Iterator[httpx.Client]:
    yield from serve(aged, "mastodon")


@pytest.fixture
def github(aged: World) -> Iterator[httpx.Client]:
    yield from serve(aged, "github")


def on_post(world: World, post_at: int, kind: str) -> Counter[int]:
    return Counter(
        r["actor_id"] for r in world.interactions_with("octocat") if (r["post_at"], r["kind"]) == (post_at, kind)
    )


# ------------------------------------------------------------------------------------------------ world


def test_the_same_seed_draws_the_same_engagement() -> None:
    one, two = (World.generate(seed=3, followers=120, following=60) for _ in range(2))
    one.advance_days(2)
    two.advance_days(2)
    assert one.interactions_with("octocat") == two.interactions_with("octocat")
    assert one.interactions_with("octocat") != World.generate(seed=4).interactions_with("octocat")


def test_engagement_grows_with_the_days_and_keeps_what_was_drawn() -> None:
    world = World.generate(seed=5, followers=200, following=100)
    before = world.interactions_with("octocat")
    assert {r["kind"] for r in before} == {"like", "repost", "reply", "star", "fork", "issue"}
    world.advance_days(3)
    after = world.interactions_with("octocat")
    gone = {r["actor_id"] for r in world.events() if r["kind"] in ("delete", "suspend")}

    def acts(rows: list[dict]) -> list[tuple]:  # logins change with renames, the acts do not
        return [(r["kind"], r["actor_id"], r["at"], r["post_at"], r["repo"]) for r in rows]

    assert acts(r for r in before if r["actor_id"] not in gone) == acts(r for r in after if r["at"] < world.start_ts)
    assert len(after) > len(before) and all(r["at"] < world.now_ts() for r in after)
    owner = world.account("octocat")
    assert owner is not None and all(r["actor_id"] != owner.id for r in after)


def test_most_engagement_comes_from_the_owners_network(aged: World) -> None:
    rows = aged.interactions_with("octocat")
    network = {r["id"] for r in aged.truth("octocat")["followers"] + aged.truth("octocat")["following"]}
    share = sum(r["actor_id"] in network for r in rows) / len(rows)
    assert 0.5 < share < 0.98


# ---------------------------------------------------------------------------------------------- Bluesky


def author_feed(client: httpx.Client) -> list[dict]:
    feed = client.get("/xrpc/app.bsky.feed.getAuthorFeed", params={"actor": "octocat.bsky.test", "limit": 100})
    return [item["post"] for item in feed.json()["feed"] if "reason" not in item]


def post_time(post: dict) -> int:
    return int(datetime.fromisoformat(post["record"]["createdAt"].replace("Z", "+00:00")).timestamp())


def test_bluesky_likes_page_newest_first_to_match_the_feeds_count(bluesky: httpx.Client, aged: World) -> None:
    post = max(author_feed(bluesky), key=lambda p: p["likeCount"])
    assert post["likeCount"] >= 2
    likes, cursor, pages = [], None, 0
    while True:
        params = {"uri": post["uri"], "limit": 1, **({"cursor": cursor} if cursor else {})}
        body = bluesky.get("/xrpc/app.bsky.feed.getLikes", params=params).json()
        no_nulls(body)
        assert body["uri"] == post["uri"] and body["cid"] == post["cid"]
        likes += body["likes"]
        pages += 1
        cursor = body.get("cursor")
        if cursor is None:
            break
    assert pages == len(likes) == post["likeCount"]
    assert set(likes[0]) == {"actor", "createdAt", "indexedAt"}
    assert [like["createdAt"] for like in likes] == sorted((like["createdAt"] for like in likes), reverse=True)
    want = on_post(aged, post_time(post), "like")
    assert Counter(like["actor"]["did"] for like in likes) == Counter({did_for(a): n for a, n in want.items()})


def test_bluesky_reposted_by_and_threads(bluesky: httpx.Client, aged: World) -> None:
    posts = author_feed(bluesky)
    post = max(posts, key=lambda p: (p["replyCount"], p["repostCount"]))
    reposts = bluesky.get("/xrpc/app.bsky.feed.getRepostedBy", params={"uri": post["uri"]}).json()
    assert len(reposts["repostedBy"]) == post["repostCount"]
    assert all("did" in p and "handle" in p for p in reposts["repostedBy"])
    thread = bluesky.get("/xrpc/app.bsky.feed.getPostThread", params={"uri": post["uri"]}).json()["thread"]
    no_nulls(thread)
    assert thread["$type"] == "app.bsky.feed.defs#threadViewPost" and thread["post"]["uri"] == post["uri"]
    replies = thread["replies"]
    assert len(replies) == post["replyCount"] == thread["post"]["replyCount"] > 0
    for reply in replies:
        assert reply["post"]["record"]["reply"]["parent"]["uri"] == post["uri"]
        for answer in reply["replies"]:  # the owner's answers, one level down
            assert answer["post"]["author"]["did"] == did_for(aged.account("octocat").id)
    want = on_post(aged, post_time(post), "reply")
    assert Counter(r["post"]["author"]["did"] for r in replies) == Counter({did_for(a): n for a, n in want.items()})
    shallow = bluesky.get("/xrpc/app.bsky.feed.getPostThread", params={"uri": post["uri"], "depth": 0}).json()
    assert "replies" not in shallow["thread"]


def test_bluesky_an_unknown_post(bluesky: httpx.Client) -> None:
    post = author_feed(bluesky)[0]
    missing = post["uri"][:-4] + "2222"
    thread = bluesky.get("/xrpc/app.bsky.feed.getPostThread", params={"uri": missing})
    assert thread.status_code == 400 and thread.json() == {"error": "NotFound", "message": f"Post not found: {missing}"}
    likes = bluesky.get("/xrpc/app.bsky.feed.getLikes", params={"uri": missing})
    assert likes.status_code == 200 and likes.json() == {"uri": missing, "likes": []}
    bad = bluesky.get("/xrpc/app.bsky.feed.getLikes", params={"uri": "https://example.test"})
    assert bad.status_code == 400 and bad.json()["error"] == "InvalidRequest"


# --------------------------------------------------------------------------------------------- Mastodon


def statuses(client: httpx.Client, aged: World) -> list[dict]:
    path = f"/api/v1/accounts/{mastodon_id_for(aged.account('octocat').id)}/statuses"
    return client.get(path, params={"exclude_reblogs": "true", "limit": 40}).json()


def test_mastodon_favourited_by_pages_by_link_to_match_the_count(mastodon: httpx.Client, aged: World) -> None:
    status = max(statuses(mastodon, aged), key=lambda s: s["favourites_count"])
    assert status["favourites_count"] >= 2
    accounts = fetch_all(mastodon, f"/api/v1/statuses/{status['id']}/favourited_by", limit=1)
    assert len(accounts) == status["favourites_count"]
    assert all({"id", "acct", "username", "display_name"} <= set(a) for a in accounts)
    boosts = fetch_all(mastodon, f"/api/v1/statuses/{status['id']}/reblogged_by")
    assert len(boosts) == status["reblogs_count"]


def test_mastodon_context_lists_the_replies(mastodon: httpx.Client, aged: World) -> None:
    status = max(statuses(mastodon, aged), key=lambda s: s["replies_count"])
    body = mastodon.get(f"/api/v1/statuses/{status['id']}/context").json()
    assert body["ancestors"] == []
    me = mastodon_id_for(aged.account("octocat").id)
    to_me = [s for s in body["descendants"] if s["in_reply_to_account_id"] == me]
    assert len(to_me) == status["replies_count"] > 0
    assert all(s["in_reply_to_id"] == status["id"] and s["mentions"][0]["id"] == me for s in to_me)
    answers = [s for s in body["descendants"] if s["account"]["id"] == me]
    assert all(s["in_reply_to_id"] in {r["id"] for r in to_me} for s in answers)


def test_mastodon_an_unknown_status_is_404(mastodon: httpx.Client) -> None:
    for path in ("/api/v1/statuses/123/favourited_by", "/api/v1/statuses/123/context"):
        resp = mastodon.get(path)
        assert resp.status_code == 404 and resp.json() == {"error": "Record not found"}


# ----------------------------------------------------------------------------------------------- GitHub


def test_github_repos_sorted_by_push_with_their_counts(github: httpx.Client, aged: World) -> None:
    repos = github.get("/users/octocat/repos", params={"sort": "pushed", "per_page": 100}).json()
    assert [r["pushed_at"] for r in repos] == sorted((r["pushed_at"] for r in repos), reverse=True)
    rows = [r for r in aged.interactions_with("octocat") if r["repo"]]
    for repo in repos:
        assert repo["full_name"] == f"octocat/{repo['name']}" and repo["owner"]["login"] == "octocat"
        stars = fetch_all(github, f"/repos/{repo['full_name']}/stargazers", per_page=100)
        assert repo["stargazers_count"] == len(stars)
        truth = sum(r["kind"] == "star" and r["repo"] == repo["name"] for r in rows)
        assert truth in (len(stars), len(stars) - 1)  # the owner's own star is on the wire, not in the truth
    assert github.get("/users/nobody-here/repos").status_code == 404


def test_github_stargazers_oldest_first_with_times_under_the_star_media_type(github: httpx.Client) -> None:
    repo = github.get("/users/octocat/repos", params={"sort": "pushed"}).json()
    big = max(repo, key=lambda r: r["stargazers_count"])
    assert big["stargazers_count"] > 100
    plain = github.get(f"/repos/{big['full_name']}/stargazers", params={"per_page": 100})
    assert 'rel="last"' in plain.headers["link"] and "login" in plain.json()[0]
    timed = github.get(f"/repos/{big['full_name']}/stargazers", params={"per_page": 100}, headers=STAR_MEDIA).json()
    assert set(timed[0]) == {"starred_at", "user"}
    assert [s["starred_at"] for s in timed] == sorted(s["starred_at"] for s in timed)


def test_github_forks_newest_first_and_issues_by_state_and_since(github: httpx.Client) -> None:
    full = max(github.get("/users/octocat/repos").json(), key=lambda r: r["forks_count"])["full_name"]
    forks = fetch_all(github, f"/repos/{full}/forks", per_page=100)
    assert forks and all(f["fork"] and f["name"] == full.split("/")[1] for f in forks)
    assert [f["created_at"] for f in forks] == sorted((f["created_at"] for f in forks), reverse=True)
    issues = fetch_all(github, f"/repos/{full}/issues", state="all", per_page=100)
    assert {i["state"] for i in issues} == {"open", "closed"} and any("pull_request" in i for i in issues)
    assert [i["created_at"] for i in issues] == sorted((i["created_at"] for i in issues), reverse=True)
    opened = fetch_all(github, f"/repos/{full}/issues", per_page=100)
    assert opened == [i for i in issues if i["state"] == "open"]
    cut = issues[len(issues) // 2]["updated_at"]
    recent = fetch_all(github, f"/repos/{full}/issues", state="all", since=cut, per_page=100)
    assert recent == [i for i in issues if i["updated_at"] >= cut]


def test_github_a_repository_without_issues_or_at_all(github: httpx.Client) -> None:
    repos = github.get("/users/octocat/repos", params={"per_page": 100}).json()
    closed = [r for r in repos if not r["has_issues"]]
    for repo in closed:
        resp = github.get(f"/repos/{repo['full_name']}/issues")
        assert resp.status_code == 410 and resp.json()["message"] == "Issues are disabled for this repo"
    assert github.get("/repos/octocat/no-such-repo/stargazers").status_code == 404
