"""Bluesky: lookup_self, cursor chains to their natural end, getProfiles batches and the classification of
actors it leaves out. A small fake XRPC server behind httpx.MockTransport (see FakeBluesky)."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
import orjson
import pytest

from followtui.models import GoneAccount, GoneReason, Profile
from followtui.providers import make_provider
from followtui.providers.bluesky import DEFAULT_APPVIEW, DEFAULT_PDS, BlueskyProvider, xrpc_base_for
from followtui.providers.errors import ApiError, IncompleteListError, NotFoundError, RateLimitError
from followtui.providers.http import RetryPolicy

from .conftest import DATE, Sleeps

APPVIEW = "https://appview.test"
PASSWORD = "abcd-efgh-ijkl-mnop"
END = object()  # a page plan's "no cursor key"


def did(i: int) -> str:
    return f"did:plc:user{i:04d}"


def detailed(i: int, **extra: Any) -> dict[str, Any]:
    return {
        "did": did(i),
        "handle": f"user{i}.bsky.social",
        "displayName": f"User {i}",
        "description": "hello",
        "avatar": f"https://cdn.bsky.app/img/avatar/plain/{did(i)}/x@jpeg",
        "followersCount": 10 + i,
        "followsCount": 20,
        "postsCount": 3,
        "createdAt": "2023-04-26T19:05:34.249Z",
        "indexedAt": "2024-05-22T21:19:48.088Z",
        "labels": [],
        "viewer": {"muted": False, "blockedBy": False},
        **extra,
    }


def view(profile: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in profile.items() if k not in ("followersCount", "followsCount", "postsCount")}


class FakeBluesky:
    """An AppView + PDS in one: profiles, follow lists (offset cursors, or explicit page plans), sessions,
    follow records. Records every request."""

    def __init__(self) -> None:
        self.profiles: dict[str, dict[str, Any]] = {}
        self.lists: dict[tuple[str, str], list[str]] = {}
        #: (nsid, actor) -> {incoming cursor or None: (dids, next cursor or END)}
        self.plans: dict[tuple[str, str], dict[str | None, tuple[list[str], Any]]] = {}
        #: actor -> (XRPC error name, message) for getProfile
        self.errors: dict[str, tuple[str, str]] = {}
        self.requests: list[httpx.Request] = []
        self.me = did(1)
        self.identifier = "user1.bsky.social"
        self.sessions = 0
        self.access = ""
        self.refresh = ""
        self.expired: set[str] = set()
        self.records: dict[str, str] = {}  # rkey -> subject DID
        self.session_error: tuple[int, str, str] | None = None

    def add(self, *indices: int) -> None:
        for i in indices:
            self.profiles[did(i)] = detailed(i)

    def paths(self) -> list[str]:
        return [r.url.path.removeprefix("/xrpc/") for r in self.requests]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        nsid = request.url.path.removeprefix("/xrpc/")
        params = parse_qs(request.url.query.decode(), keep_blank_values=True)
        one = {k: v[0] for k, v in params.items()}
        body = orjson.loads(request.content) if request.content else {}
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        if nsid == "com.atproto.server.createSession":
            return self._create_session(body)
        if nsid == "com.atproto.server.refreshSession":
            if bearer != self.refresh:
                return xrpc_error(400, "ExpiredToken", "Token has expired")
            return self._new_session()
        authed = bool(bearer)
        if authed and bearer in self.expired:
            return xrpc_error(400, "ExpiredToken", "Token has expired")
        if authed and bearer != self.access:
            return xrpc_error(401, "InvalidToken", "Token could not be verified")
        if nsid == "app.bsky.actor.getProfile":
            return self._get_profile(one["actor"], authed)
        if nsid == "app.bsky.actor.getProfiles":
            actors = params.get("actors", [])
            if len(actors) > 25:
                return xrpc_error(400, "InvalidRequest", "actors must not have more than 25 elements")
            found = [self.profiles[a] for a in actors if a in self.profiles and a not in self.errors]
            return ok({"profiles": found})
        if nsid == "com.atproto.identity.resolveHandle":
            found = [p["did"] for p in self.profiles.values() if p["handle"] == one["handle"]]
            return ok({"did": found[0]}) if found else xrpc_error(400, "HandleNotFound", "Unable to resolve handle")
        if nsid in ("app.bsky.graph.getFollowers", "app.bsky.graph.getFollows"):
            return self._list(nsid, one)
        if nsid in ("com.atproto.repo.createRecord", "com.atproto.repo.deleteRecord"):
            if not authed:
                return xrpc_error(401, "AuthenticationRequired", "Authentication Required")
            if nsid.endswith("createRecord"):
                rkey = f"3l{len(self.records):011d}"
                self.records[rkey] = body["record"]["subject"]
                return ok({"uri": f"at://{self.me}/app.bsky.graph.follow/{rkey}", "cid": "bafyfake"})
            self.records.pop(body["rkey"], None)
            return ok({})
        return xrpc_error(404, "XRPCNotSupported", "XRPCNotSupported")

    def _create_session(self, body: dict[str, Any]) -> httpx.Response:
        if self.session_error is not None:
            return xrpc_error(*self.session_error)
        if body.get("identifier") != self.identifier or body.get("password") != PASSWORD:
            return xrpc_error(401, "AuthenticationRequired", "Invalid identifier or password")
        return self._new_session()

    def _new_session(self) -> httpx.Response:
        self.sessions += 1
        self.access, self.refresh = f"access-jwt-{self.sessions}", f"refresh-jwt-{self.sessions}"
        return ok({"did": self.me, "handle": self.identifier, "accessJwt": self.access, "refreshJwt": self.refresh})

    def _get_profile(self, actor: str, authed: bool) -> httpx.Response:
        if actor in self.errors:
            return xrpc_error(400, *self.errors[actor])
        profile = self.profiles.get(actor) or next(
            (p for p in self.profiles.values() if p["handle"] == actor.lower()), None
        )
        if profile is None:
            return xrpc_error(400, "InvalidRequest", "Profile not found")
        if authed:
            viewer = {"muted": False, "blockedBy": False}
            rkeys = [k for k, subject in self.records.items() if subject == profile["did"]]
            if rkeys:
                viewer["following"] = f"at://{self.me}/app.bsky.graph.follow/{rkeys[0]}"
            profile = {**profile, "viewer": viewer}
        return ok(profile)

    def _list(self, nsid: str, params: dict[str, str]) -> httpx.Response:
        actor = params["actor"]
        key = "followers" if nsid.endswith("getFollowers") else "follows"
        subject = view(self.profiles[actor]) if actor in self.profiles else {"did": actor, "handle": "x.test"}
        cursor = params.get("cursor")
        plan = self.plans.get((nsid, actor))
        if plan is not None:
            dids, following = plan[cursor]
            page: dict[str, Any] = {"subject": subject, key: [view(self.profiles[d]) for d in dids]}
            if following is not END:
                page["cursor"] = following
            return ok(page)
        members = self.lists.get((nsid, actor))
        if members is None:
            return xrpc_error(400, "InvalidRequest", f"Actor not found: {actor}")
        limit = int(params.get("limit", "50"))
        start = int(cursor) if cursor else 0
        chunk = members[start : start + limit]
        page = {"subject": subject, key: [view(self.profiles[d]) for d in chunk]}
        if start + limit < len(members):
            page["cursor"] = str(start + limit)
        return ok(page)


def ok(body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(200, headers={"date": DATE, **(headers or {})}, content=orjson.dumps(body))


def xrpc_error(status: int, name: str, message: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        status, headers={"date": DATE, **(headers or {})}, content=orjson.dumps({"error": name, "message": message})
    )


@pytest.fixture
def fake() -> FakeBluesky:
    return FakeBluesky()


class Providers:
    """Makes BlueskyProviders over a MockTransport handler, with fast retries and recorded sleeps."""

    def __init__(self, sleeps: Sleeps) -> None:
        self.sleeps = sleeps
        self.clients: list[httpx.AsyncClient] = []

    def __call__(
        self, handler: Any, server: str | None = APPVIEW, password: str | None = None, **kw: Any
    ) -> BlueskyProvider:
        client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        self.clients.append(client)
        kw.setdefault("retry", RetryPolicy(attempts=3, base_delay_s=0.01, max_delay_s=0.05, rng=random.Random(7)))
        kw.setdefault("sleep", self.sleeps)
        return BlueskyProvider(server, password, client=client, **kw)

    async def aclose(self) -> None:
        for client in self.clients:
            await client.aclose()


@pytest.fixture
async def make_bluesky(sleeps: Sleeps):
    providers = Providers(sleeps)
    yield providers
    await providers.aclose()


def me(fake: FakeBluesky, i: int = 1) -> Profile:
    fake.add(i)
    return Profile(id=did(i), handle=f"user{i}.bsky.social")


# -- construction ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("server", "base"),
    [
        (None, DEFAULT_APPVIEW),
        ("", DEFAULT_APPVIEW),
        ("pds.example.org", "https://pds.example.org"),
        ("https://pds.example.org/xrpc/", "https://pds.example.org"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
    ],
)
def test_server_names_become_xrpc_hosts(server, base):
    assert xrpc_base_for(server) == base


async def test_made_by_the_registry_with_public_appview_and_bsky_social_pds():
    provider = make_provider("bluesky", None, PASSWORD, identifier="alice.bsky.social")
    try:
        assert isinstance(provider, BlueskyProvider) and provider.platform == "bluesky"
        text = repr(provider)
        assert DEFAULT_APPVIEW in text and DEFAULT_PDS in text and PASSWORD not in text
        assert "app_password=set" in text
    finally:
        await provider.aclose()
    own = make_provider("bluesky", "https://pds.example.org", None)
    try:
        assert "pds='https://pds.example.org'" in repr(own)  # a self-hosted server is also the PDS
    finally:
        await own.aclose()


# -- lookup_self ----------------------------------------------------------------------------------------


async def test_lookup_self_by_handle_or_did(fake, make_bluesky):
    fake.add(7)
    fake.profiles[did(7)]["labels"] = [{"src": did(7), "uri": "at://x", "val": "bot", "cts": "2024-01-01T00:00:00Z"}]
    bluesky = make_bluesky(fake)
    profile = await bluesky.lookup_self("@user7.bsky.social")
    assert profile == Profile(
        id=did(7),
        handle="user7.bsky.social",
        display_name="User 7",
        bio="hello",
        avatar_url=f"https://cdn.bsky.app/img/avatar/plain/{did(7)}/x@jpeg",
        url="https://bsky.app/profile/user7.bsky.social",
        followers_count=17,
        following_count=20,
        posts_count=3,
        created_at=datetime(2023, 4, 26, 19, 5, 34, 249000, tzinfo=UTC),
        bot=True,
        default_avatar=False,
        hydrated_at=datetime(2025, 1, 1, 12, 0, tzinfo=UTC),
    )
    assert (await bluesky.lookup_self(did(7))).id == did(7)
    assert fake.requests[0].url.params["actor"] == "user7.bsky.social"
    assert "authorization" not in fake.requests[0].headers  # reads need no auth


@pytest.mark.parametrize(
    ("error", "match"),
    [
        (("InvalidRequest", "Profile not found"), "no Bluesky account 'ghost.test'"),
        (("AccountDeactivated", "Account is deactivated"), "'ghost.test' is deactivated"),
        (("AccountTakedown", "Account has been suspended"), "'ghost.test' is suspended"),
    ],
)
async def test_lookup_self_of_a_missing_or_gone_account(fake, make_bluesky, error, match):
    fake.errors["ghost.test"] = error
    with pytest.raises(NotFoundError, match=match):
        await make_bluesky(fake).lookup_self("ghost.test")


async def test_no_avatar_means_default_avatar(fake, make_bluesky):
    fake.add(3)
    del fake.profiles[did(3)]["avatar"]
    fake.profiles[did(3)]["displayName"] = ""
    profile = await make_bluesky(fake).lookup_self(did(3))
    assert profile.default_avatar is True and profile.avatar_url == "" and profile.display_name == ""


# -- lists ----------------------------------------------------------------------------------------------


async def test_followers_follow_the_cursor_to_its_absence(fake, make_bluesky):
    account = me(fake)
    fake.add(*range(100, 350))
    fake.lists[("app.bsky.graph.getFollowers", did(1))] = [did(i) for i in range(100, 350)]
    progress: list[tuple[str, int, int | None]] = []
    result = await make_bluesky(fake).fetch_followers(account, lambda *a: progress.append(a))
    assert [p.id for p in result.accounts] == [did(i) for i in range(100, 350)]
    assert (result.pages, result.requests) == (3, 3)
    assert all(r.url.params["limit"] == "100" and r.url.params["actor"] == did(1) for r in fake.requests)
    assert [r.url.params.get("cursor") for r in fake.requests] == [None, "100", "200"]
    assert progress == [("followers", 100, None), ("followers", 200, None), ("followers", 250, None)]
    first = result.accounts[0]
    assert first.followers_count is None and first.hydrated_at is None  # list views carry no counts
    assert first.bio == "hello" and first.default_avatar is False


async def test_short_and_empty_pages_with_a_cursor_do_not_end_the_list(fake, make_bluesky):
    account = me(fake)
    fake.add(*range(10, 20))
    fake.plans[("app.bsky.graph.getFollows", did(1))] = {
        None: ([did(10), did(11)], "c1"),
        "c1": ([], "c2"),  # the AppView filtered a whole page away
        "c2": ([did(12)], "c3"),
        "c3": ([], "c4"),
        "c4": ([did(13), did(14)], END),
    }
    result = await make_bluesky(fake).fetch_following(account)
    assert [p.id for p in result.accounts] == [did(i) for i in range(10, 15)]
    assert result.pages == 5


async def test_an_empty_first_page_without_a_cursor_is_an_empty_list(fake, make_bluesky):
    account = me(fake)
    fake.plans[("app.bsky.graph.getFollowers", did(1))] = {None: ([], END)}
    result = await make_bluesky(fake).fetch_followers(account)
    assert result.accounts == () and result.pages == 1


async def test_a_null_cursor_is_the_end_too(fake, make_bluesky):
    account = me(fake)
    fake.add(10)
    fake.plans[("app.bsky.graph.getFollowers", did(1))] = {None: ([did(10)], None)}
    assert len((await make_bluesky(fake).fetch_followers(account)).accounts) == 1


async def test_a_repeated_cursor_is_an_incomplete_list(fake, make_bluesky):
    account = me(fake)
    fake.add(10, 11)
    fake.plans[("app.bsky.graph.getFollowers", did(1))] = {
        None: ([did(10)], "a"),
        "a": ([did(11)], "b"),
        "b": ([], "a"),
    }
    with pytest.raises(IncompleteListError, match="repeated a cursor after 3 pages"):
        await make_bluesky(fake).fetch_followers(account)


async def test_duplicates_across_pages_are_kept_once(fake, make_bluesky):
    account = me(fake)
    fake.add(10, 11)
    fake.plans[("app.bsky.graph.getFollowers", did(1))] = {None: ([did(10), did(11)], "a"), "a": ([did(11)], END)}
    result = await make_bluesky(fake).fetch_followers(account)
    assert [p.id for p in result.accounts] == [did(10), did(11)]


@pytest.mark.parametrize(
    ("page", "match"),
    [
        ({"followers": "nope"}, "something other than a followers page"),
        ({"followers": [{"handle": "x.test"}]}, "without a valid DID or handle"),
        ({"followers": [{"did": "did:plc:x", "handle": ""}]}, "without a valid DID or handle"),
        ({"followers": [], "cursor": 42}, "malformed cursor"),
        ({"followers": [], "cursor": ""}, "malformed cursor"),
        ({"followers": [], "subject": {"did": "did:plc:someoneelse", "handle": "x"}}, "another account's"),
        ({"followers": [{"did": f"did:plc:{i}", "handle": f"h{i}.test"} for i in range(101)]}, "more than a page"),
    ],
)
async def test_malformed_pages_are_api_errors_never_short_lists(make_bluesky, page, match):
    account = Profile(id=did(1), handle="user1.bsky.social")
    with pytest.raises(ApiError, match=match):
        await make_bluesky(lambda r: ok(page)).fetch_followers(account)


async def test_unknown_actor_in_a_list(fake, make_bluesky):
    with pytest.raises(NotFoundError, match=r"no Bluesky account 'gone\.test'"):
        await make_bluesky(fake).fetch_followers(Profile(id="did:plc:gone", handle="gone.test"))


async def test_hostile_strings_in_list_entries_are_cleaned(make_bluesky):
    entry = {
        "did": "did:plc:evil",
        "handle": "evil.test",
        "displayName": "\x1b]0;owned\x07[bold]Evil\x1b[31m\u202e",
        "description": "line1\r\nline2\x00\x1b[2J",
        "avatar": "javascript:alert(1)",
        "createdAt": "not a date",
    }
    account = Profile(id=did(1), handle="user1.bsky.social")
    result = await make_bluesky(lambda r: ok({"followers": [entry]})).fetch_followers(account)
    evil = result.accounts[0]
    assert evil.display_name == "[bold]Evil"
    assert evil.bio == "line1\nline2"
    assert evil.avatar_url == "" and evil.default_avatar is True and evil.created_at is None


# -- lookup ---------------------------------------------------------------------------------------------


async def test_lookup_batches_25_actors_per_request(fake, make_bluesky):
    fake.add(*range(100, 160))
    ids = [did(i) for i in range(100, 160)]
    result = await make_bluesky(fake).lookup(ids, budget=10)
    assert set(result) == set(ids)
    batches = [r for r in fake.requests if r.url.path.endswith("getProfiles")]
    assert sorted(len(parse_qs(r.url.query.decode())["actors"]) for r in batches) == [10, 25, 25]
    assert len(fake.requests) == 3
    profile = result[did(120)]
    assert isinstance(profile, Profile) and profile.followers_count == 130 and profile.hydrated_at is not None


async def test_missing_actors_are_classified_one_by_one(fake, make_bluesky):
    fake.add(*range(100, 130))
    fake.errors[did(101)] = ("AccountDeactivated", "Account is deactivated")
    fake.errors[did(102)] = ("AccountTakedown", "Account has been suspended")
    fake.errors[did(103)] = ("InvalidRequest", "Profile not found")
    ids = [did(i) for i in range(100, 130)] + [did(999)]  # 999 never existed
    result = await make_bluesky(fake).lookup(ids, budget=50)
    assert result[did(101)] == GoneAccount(did(101), GoneReason.DEACTIVATED)
    assert result[did(102)] == GoneAccount(did(102), GoneReason.SUSPENDED)
    assert result[did(103)] == GoneAccount(did(103), GoneReason.DELETED)
    assert result[did(999)] == GoneAccount(did(999), GoneReason.DELETED)
    assert isinstance(result[did(100)], Profile) and len(result) == 31
    singles = [r.url.params["actor"] for r in fake.requests if r.url.path.endswith("getProfile")]
    assert sorted(singles) == [did(101), did(102), did(103), did(999)]


async def test_the_budget_counts_requests_and_unclassified_ids_are_absent(fake, make_bluesky):
    fake.add(*range(100, 160))
    for i in (101, 102, 103):
        fake.errors[did(i)] = ("AccountDeactivated", "Account is deactivated")
    ids = [did(i) for i in range(100, 160)]
    result = await make_bluesky(fake).lookup(ids, budget=4)  # 3 batches, then 1 single lookup
    assert len(fake.requests) == 4
    assert len(result) == 58 and sum(isinstance(v, GoneAccount) for v in result.values()) == 1
    fake.requests.clear()
    result = await make_bluesky(fake).lookup(ids, budget=2)  # only 2 batches fit
    assert len(fake.requests) == 2 and len(result) == 47


async def test_few_ids_with_a_budget_of_one_request_each_are_all_classified(fake, make_bluesky):
    fake.add(5)
    fake.errors[did(6)] = ("AccountTakedown", "Account has been suspended")
    result = await make_bluesky(fake).lookup([did(5), did(6), did(7)], budget=3)
    assert result == {
        did(5): result[did(5)],
        did(6): GoneAccount(did(6), GoneReason.SUSPENDED),
        did(7): GoneAccount(did(7), GoneReason.DELETED),
    }
    assert fake.paths() == ["app.bsky.actor.getProfile"] * 3
    fake.requests.clear()
    assert isinstance((await make_bluesky(fake).lookup([did(5)], budget=1))[did(5)], Profile)
    assert fake.paths() == ["app.bsky.actor.getProfile"]


async def test_an_unexplained_error_leaves_the_actor_unclassified(fake, make_bluesky):
    fake.add(5)
    fake.errors[did(6)] = ("InvalidRequest", "something else entirely")
    result = await make_bluesky(fake).lookup([did(5), did(6)], budget=10)
    assert set(result) == {did(5)}


async def test_a_rate_limit_mid_lookup_keeps_what_arrived(fake, make_bluesky):
    fake.add(*range(100, 150))
    calls = 0

    def handler(request):
        nonlocal calls
        calls += 1
        if calls > 1:
            return xrpc_error(429, "RateLimitExceeded", "Rate Limit Exceeded", {"retry-after": "3600"})
        return fake(request)

    result = await make_bluesky(handler, concurrency=1).lookup([did(i) for i in range(100, 150)], budget=10)
    assert len(result) == 25
    with pytest.raises(RateLimitError, match="Bluesky rate limit reached; it asks us to wait 1 h"):
        await make_bluesky(handler).lookup([did(100)], budget=1)


async def test_rate_limit_headers_are_waited_out(fake, make_bluesky, sleeps):
    fake.add(5)
    answers = iter(
        [
            xrpc_error(
                429,
                "RateLimitExceeded",
                "Rate Limit Exceeded",
                {"ratelimit-limit": "3000", "ratelimit-remaining": "0", "ratelimit-reset": "1735732830"},
            )
        ]
    )

    def handler(request):
        return next(answers, None) or fake(request)

    assert (await make_bluesky(handler).lookup_self(did(5))).id == did(5)
    assert sleeps.calls == [31.0]  # reset 30 s after the Date header, plus a second of slack


async def test_server_errors_are_retried_then_reported(make_bluesky, sleeps):
    with pytest.raises(Exception, match="kept failing after 3 attempts") as info:
        await make_bluesky(lambda r: xrpc_error(502, "UpstreamFailure", "Upstream Failure")).lookup_self("x.test")
    assert type(info.value).__name__ == "NetworkError" and len(sleeps.calls) == 2


async def test_a_server_that_is_not_xrpc(make_bluesky):
    with pytest.raises(ApiError, match=r"does not offer app\.bsky\.actor\.getProfile"):
        await make_bluesky(lambda r: httpx.Response(404, text="<html>nope</html>")).lookup_self("x.test")
