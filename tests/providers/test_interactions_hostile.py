"""Interactions from hostile or broken answers (httpx.MockTransport): malformed items are skipped, text is
cleaned, a post or repository that vanished is skipped, a malformed answer is an ApiError, the budget holds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import pytest

from followtui.models import InteractionKind, Profile
from followtui.providers import make_provider
from followtui.providers.errors import ApiError
from followtui.providers.http import RetryPolicy

from .conftest import DATE, user

SINCE = datetime(2024, 12, 1, tzinfo=UTC)
RECENT = "2024-12-20T10:00:00.000Z"
OLD = "2024-10-01T10:00:00.000Z"
ESC = "\x1b[31mred\x1b[0m\x07"
FAST = {"retry": RetryPolicy(attempts=2, base_delay_s=0.0, max_delay_s=0.0)}


def answer(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, headers={"date": DATE, **(headers or {})}, content=orjson.dumps(body))


class Recorder:
    """A MockTransport handler from a routing function; keeps every request."""

    def __init__(self, route) -> None:
        self.route = route
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.route(request)


@pytest.fixture
async def make():
    clients: list[httpx.AsyncClient] = []

    def build(platform: str, route, server: str, **options: Any):
        recorder = Recorder(route)
        client = httpx.AsyncClient(transport=httpx.MockTransport(recorder))
        clients.append(client)
        return make_provider(platform, server, None, client=client, **{**FAST, **options}), recorder

    yield build
    for client in clients:
        await client.aclose()


def kinds(got) -> dict[tuple[str, InteractionKind], datetime | None]:
    return {(i.profile.id, i.kind): i.at for i in got}


# ---------------------------------------------------------------------------------------------- Bluesky

ME = "did:plc:me"
P1 = f"at://{ME}/app.bsky.feed.post/3kaaaaaaaaaa1"
P2 = f"at://{ME}/app.bsky.feed.post/3kaaaaaaaaaa2"


def actor(name: str, **extra: Any) -> dict[str, Any]:
    return {"did": f"did:plc:{name}", "handle": f"{name}.bsky.social", **extra}


def post_view(uri: str, author: dict[str, Any], at: str = RECENT, **counts: int) -> dict[str, Any]:
    return {"uri": uri, "cid": "bafy", "author": author, "record": {"createdAt": at, "text": "hi"}, **counts}


def node(view: dict[str, Any], *replies: Any) -> dict[str, Any]:
    return {"$type": "app.bsky.feed.defs#threadViewPost", "post": view, "replies": list(replies)}


def bluesky_route(request: httpx.Request) -> httpx.Response:
    nsid, uri = request.url.path.rsplit("/", 1)[-1], request.url.params.get("uri")
    me = actor("me")
    if nsid == "app.bsky.feed.getAuthorFeed":
        feed = [
            42,
            {"post": "not a post"},
            {"post": post_view(P1, me, likeCount=5, repostCount=2, replyCount=3)},
            {"post": post_view(P2, me, likeCount=1, repostCount=1, replyCount=1)},
            {"post": post_view(f"at://{ME}/app.bsky.feed.post/3kzz", me), "reason": {"$type": "x#reasonPin"}},
            {"post": post_view("at://did:plc:other/app.bsky.feed.post/3kb", actor("other"), likeCount=9)},
            {"post": post_view(f"at://{ME}/app.bsky.feed.post/3k c", me, likeCount=9)},
            {"post": post_view(f"at://{ME}/app.bsky.feed.post/3kd", me, at="yesterday", likeCount=9)},
            {"post": post_view(f"at://{ME}/app.bsky.feed.post/3ke", me, at=OLD, likeCount=9)},
            {"post": post_view(f"at://{ME}/app.bsky.feed.post/3kf", me, likeCount=9)},  # after the old one
        ]
        return answer(200, {"feed": feed, "cursor": "next-page"})
    if uri == P2:  # deleted: every read says so in its own way
        if nsid == "app.bsky.feed.getLikes":
            return answer(400, {"error": "NotFound", "message": "Post not found"})
        return answer(400, {"error": "InvalidRequest", "message": f"Post not found: {P2}"})
    if nsid == "app.bsky.feed.getLikes":
        likes = [
            {"actor": actor("alice", displayName=f"Alice {ESC}"), "createdAt": RECENT},
            {"actor": actor("bob"), "createdAt": "not a time"},
            {"actor": {"handle": "nodid.bsky.social"}, "createdAt": RECENT},
            {"actor": actor("space", handle="a b"), "createdAt": RECENT},
            {"actor": me, "createdAt": RECENT},
            "a string",
        ]
        return answer(200, {"uri": P1, "likes": likes})
    if nsid == "app.bsky.feed.getRepostedBy":
        return answer(200, {"uri": P1, "repostedBy": [actor("carol"), {"did": 5, "handle": "x"}, None]})
    if nsid == "app.bsky.feed.getPostThread":
        dave, erin, frank = actor("dave"), actor("erin"), actor("frank")
        d_uri = "at://did:plc:dave/app.bsky.feed.post/3kd1"
        m_uri = f"at://{ME}/app.bsky.feed.post/3km1"
        thread = node(
            post_view(P1, me),
            node(
                post_view(d_uri, dave),
                node(post_view(m_uri, me), node(post_view("at://did:plc:erin/app.bsky.feed.post/3ke1", erin))),
                node(post_view("at://did:plc:frank/app.bsky.feed.post/3kf1", frank)),  # a reply to dave
            ),
            {"$type": "app.bsky.feed.defs#notFoundPost", "uri": "at://x", "notFound": True},
            {"$type": "app.bsky.feed.defs#blockedPost", "uri": "at://y", "blocked": True},
            "garbage",
            node(post_view("at://did:plc:mallory/app.bsky.feed.like/3kx", actor("mallory"))),  # not a post
        )
        return answer(200, {"thread": thread})
    return answer(501, {"error": "MethodNotImplemented", "message": "Method Not Implemented"})


async def test_bluesky_skips_what_is_malformed_or_gone_and_cleans_the_rest(make):
    bluesky, seen = make("bluesky", bluesky_route, "https://appview.test")
    got = await bluesky.interactions(Profile(id=ME, handle="me.bsky.social"), SINCE, budget=20)
    post_time = datetime(2024, 12, 20, 10, tzinfo=UTC)
    assert kinds(got) == {
        ("did:plc:alice", InteractionKind.LIKE): post_time,
        ("did:plc:bob", InteractionKind.LIKE): None,
        ("did:plc:carol", InteractionKind.REPOST): post_time,
        ("did:plc:dave", InteractionKind.REPLY): post_time,
        ("did:plc:erin", InteractionKind.REPLY): post_time,  # a reply to your answer in the thread
    }
    alice = next(i.profile for i in got if i.profile.id == "did:plc:alice")
    assert alice.display_name == "Alice red" and alice.handle == "alice.bsky.social"
    assert len(seen.requests) == bluesky.requests_made == 1 + 3 + 3  # the feed page ended at the old post


async def test_bluesky_a_malformed_answer_is_an_api_error(make):
    def route(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("getAuthorFeed"):
            return answer(200, {"feed": [{"post": post_view(P1, actor("me"), likeCount=1)}]})
        return answer(200, {"uri": P1, "likes": "nope"})

    bluesky, _ = make("bluesky", route, "https://appview.test")
    with pytest.raises(ApiError, match="likes"):
        await bluesky.interactions(Profile(id=ME, handle="me.bsky.social"), SINCE, budget=5)


# --------------------------------------------------------------------------------------------- Mastodon

INSTANCE = "https://social.test"
MID = "1000"


def account(i: int | str, **extra: Any) -> dict[str, Any]:
    return {"id": str(i), "username": f"user{i}", "acct": f"user{i}", "display_name": f"User {i}", **extra}


def status(sid: str, at: str = RECENT, owner: str = MID, **extra: Any) -> dict[str, Any]:
    return {"id": sid, "created_at": at, "account": account(owner), "reblog": None, **extra}


def mastodon_route(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path == f"/api/v1/accounts/{MID}/statuses":
        counts = {"favourites_count": 3, "reblogs_count": 1, "replies_count": 2}
        return answer(
            200,
            [
                "x",
                status("../../admin", **counts),
                status("111", **counts),
                status("222", favourites_count=1, reblogs_count=0, replies_count=0),
                status("333", reblog=status("9")),
                status("444", owner="77", **counts),
                status("555", at="when?", **counts),
                status("666", at=OLD, **counts),
                status("777", **counts),  # after the old one
            ],
        )
    if path.startswith("/api/v1/statuses/222/"):
        return answer(404, {"error": "Record not found"})
    if path == "/api/v1/statuses/111/favourited_by":
        if request.url.params.get("max_id") == "5":
            return answer(200, [account(3)])
        link = f'<{INSTANCE}/api/v1/statuses/111/favourited_by?max_id=5>; rel="next"'
        page = [account(1, display_name=f"One {ESC}"), account("", acct="noid"), "x", account(MID)]
        return answer(200, page, {"link": link})
    if path == "/api/v1/statuses/111/reblogged_by":
        return answer(200, [account(2), account(4, acct="has space")])
    if path == "/api/v1/statuses/111/context":
        descendants = [
            status("901", owner="5", in_reply_to_id="111", in_reply_to_account_id=MID),
            status("902", owner=MID, in_reply_to_id="901", in_reply_to_account_id="5"),  # your answer
            status("903", owner="6", in_reply_to_id="901", in_reply_to_account_id="5"),  # a reply to 5
            status("904", owner="8", at="garbage", in_reply_to_account_id=MID),
            [],
        ]
        return answer(200, {"ancestors": [], "descendants": descendants})
    return answer(404, {"error": "Record not found"})


async def test_mastodon_skips_what_is_malformed_or_gone_and_cleans_the_rest(make):
    mastodon, seen = make("mastodon", mastodon_route, INSTANCE, per_page=4)
    got = await mastodon.interactions(Profile(id=MID, handle="me"), SINCE, budget=20)
    post_time = datetime(2024, 12, 20, 10, tzinfo=UTC)
    assert kinds(got) == {
        ("1", InteractionKind.LIKE): post_time,
        ("3", InteractionKind.LIKE): post_time,  # from the next page
        ("2", InteractionKind.REPOST): post_time,
        ("5", InteractionKind.REPLY): post_time,
        ("8", InteractionKind.REPLY): None,
    }
    assert next(i.profile for i in got if i.profile.id == "1").display_name == "One red"
    paths = [r.url.path for r in seen.requests]
    assert paths.count("/api/v1/statuses/222/favourited_by") == 1
    assert not any("/222/reblogged_by" in p or "/222/context" in p for p in paths)  # its counts said 0
    assert len(paths) == mastodon.requests_made == 1 + 4 + 1
    assert seen.requests[1].url.params["limit"] == "4"


async def test_mastodon_refuses_a_link_to_another_server(make):
    def route(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/statuses"):
            return answer(200, [status("111", favourites_count=2, reblogs_count=0, replies_count=0)])
        return answer(200, [account(1)], {"link": '<https://evil.test/steal?max_id=1>; rel="next"'})

    mastodon, seen = make("mastodon", route, INSTANCE)
    with pytest.raises(ApiError, match="another server"):
        await mastodon.interactions(Profile(id=MID, handle="me"), SINCE, budget=10)
    assert all(r.url.host == "social.test" for r in seen.requests)


# ----------------------------------------------------------------------------------------------- GitHub

API = "https://api.github.com"


def repo(full_name: Any, stars: Any = 0, forks: Any = 0, has_issues: Any = True) -> dict[str, Any]:
    return {"full_name": full_name, "stargazers_count": stars, "forks_count": forks, "has_issues": has_issues}


def github_route(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path == "/users/me/repos":
        return answer(
            200,
            [
                repo("me/good", stars=5, forks=2),
                repo("me/gone", stars=1, forks=1),
                repo("me/quiet", has_issues=False),
                repo("../../etc/passwd", stars=9),
                repo("me/bad\x1b", stars=9),
                repo(None, stars=9),
                7,
            ],
        )
    if path.startswith("/repos/me/gone/"):
        return answer(404, {"message": "Not Found"})
    if path == "/repos/me/good/stargazers":
        assert request.headers["accept"] == "application/vnd.github.star+json"
        stars = [
            {"starred_at": OLD, "user": user(10)},
            {"starred_at": RECENT, "user": user(11, login=f"eleven{ESC}")},
            user(12),  # no time: the media type was ignored
            {"starred_at": RECENT, "user": {"login": "noid"}},
            {"starred_at": RECENT, "user": user(1, login="me")},
        ]
        return answer(200, stars)
    if path == "/repos/me/good/forks":
        forks = [
            {"id": 501, "owner": user(13), "created_at": RECENT},
            {"id": 502, "owner": "someone", "created_at": RECENT},
            {"id": 503, "owner": user(14), "created_at": OLD},
            {"id": 504, "owner": user(15), "created_at": RECENT},  # after an older one: the list has ended
        ]
        return answer(200, forks, {"link": f'<{API}/repos/me/good/forks?page=2>; rel="next"'})
    if path == "/repos/me/good/issues":
        issues = [
            {"id": 601, "user": user(16), "created_at": RECENT},
            {"id": 602, "user": user(17), "created_at": RECENT, "pull_request": {"url": "x"}},
            {"id": 603, "user": user(1, login="me"), "created_at": RECENT},
            {"id": 604, "user": user(18), "created_at": OLD, "updated_at": RECENT},
        ]
        return answer(200, issues)
    return answer(404, {"message": "Not Found"})


async def test_github_skips_what_is_malformed_or_gone_and_cleans_the_rest(make):
    github, seen = make("github", github_route, API, per_page=10)
    got = await github.interactions(Profile(id="1", handle="me"), SINCE, budget=20)
    recent = datetime(2024, 12, 20, 10, tzinfo=UTC)
    assert kinds(got) == {
        ("11", InteractionKind.STAR): recent,
        ("13", InteractionKind.FORK): recent,
        ("15", InteractionKind.FORK): recent,
        ("16", InteractionKind.ISSUE): recent,
        ("17", InteractionKind.ISSUE): recent,  # a pull request
    }
    assert next(i.profile for i in got if i.profile.id == "11").handle == "elevenred"
    paths = [r.url.path for r in seen.requests]
    assert not any("quiet" in p or "passwd" in p or "bad" in p for p in paths)  # nothing to read, or unsafe
    assert len(paths) == github.requests_made == 1 + 3 + 3
    issues = next(r for r in seen.requests if r.url.path.endswith("/good/issues"))
    assert dict(issues.url.params) == {
        "state": "all",
        "since": "2024-12-01T00:00:00Z",
        "sort": "created",
        "direction": "desc",
        "per_page": "10",
    }


async def test_github_reads_stars_from_the_newest_page_back_to_the_window(make):
    """250 stars at 100 a page: page 3 first (by the count), then page 2, whose first star is older."""

    def route(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/users/me/repos":
            return answer(200, [repo("me/big", stars=150, has_issues=False)])  # the count is behind: 250 now
        page = int(request.url.params["page"])
        times = {1: [OLD] * 100, 2: [OLD] * 50 + [RECENT] * 50, 3: [RECENT] * 50}[page]
        items = [{"starred_at": at, "user": user(page * 100 + i)} for i, at in enumerate(times)]
        url = f"{API}/repos/me/big/stargazers?per_page=100&page="
        links = [f'<{url}{page - 1}>; rel="prev"'] if page > 1 else []
        if page < 3:
            links += [f'<{url}{page + 1}>; rel="next"', f'<{url}3>; rel="last"']
        return answer(200, items, {"link": ", ".join(links)})

    github, seen = make("github", route, API)
    got = await github.interactions(Profile(id="1", handle="me"), SINCE, budget=10)
    assert [r.url.params.get("page") for r in seen.requests[1:]] == ["2", "3"]
    assert {i.profile.id for i in got} == {str(200 + i) for i in range(50, 100)} | {str(300 + i) for i in range(50)}


async def test_a_budget_too_small_for_the_list_of_posts_reads_nothing(make):
    github, seen = make("github", github_route, API)
    assert await github.interactions(Profile(id="1", handle="me"), SINCE, budget=0) == []
    assert seen.requests == []
    assert await github.interactions(Profile(id="1", handle="me"), SINCE, budget=1) == []
    assert len(seen.requests) == 1
