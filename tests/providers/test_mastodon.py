"""Mastodon: lookup_self, Link-header lists, hidden collections, gone accounts, relationships and follows.
A small fake instance behind httpx.MockTransport (see FakeMastodon)."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import pytest

from followtui.models import GoneAccount, GoneReason, Profile
from followtui.providers import make_provider
from followtui.providers.errors import (
    ApiError,
    AuthError,
    HiddenListError,
    IncompleteListError,
    NotFoundError,
    RateLimitError,
)
from followtui.providers.http import RetryPolicy
from followtui.providers.mastodon import MastodonProvider, instance_base_for

from .conftest import DATE, Sleeps

INSTANCE = "https://social.test"
TOKEN = "mastodon-TESTSECRET-0123456789abcdef"


def account(i: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": str(1000 + i),
        "username": f"user{i}",
        "acct": f"user{i}",
        "display_name": f"User {i}",
        "locked": False,
        "bot": False,
        "created_at": "2022-11-01T00:00:00.000Z",
        "note": f"<p>hello from {i}</p>",
        "url": f"{INSTANCE}/@user{i}",
        "avatar": f"{INSTANCE}/system/accounts/avatars/{i}/original/a.png",
        "followers_count": 10,
        "following_count": 20,
        "statuses_count": 30,
        "last_status_at": "2025-01-01",
        "hide_collections": None,
        "emojis": [],
        "fields": [],
        **extra,
    }


def aid(i: int) -> str:
    return str(1000 + i)


class FakeMastodon:
    """Accounts, follower/following lists paged by Link headers (max_id), a token's relationships."""

    def __init__(self) -> None:
        self.accounts: dict[str, dict[str, Any]] = {}
        self.lists: dict[tuple[str, str], list[str]] = {}
        self.requests: list[httpx.Request] = []
        self.me = aid(1)
        self.following: set[str] = set()
        self.requested: set[str] = set()
        self.gone_410: set[str] = set()

    def add(self, *indices: int, **extra: Any) -> None:
        for i in indices:
            self.accounts[aid(i)] = account(i, **extra)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        authed = request.headers.get("authorization") == f"Bearer {TOKEN}"
        if "authorization" in request.headers and not authed:
            return reply(401, {"error": "The access token is invalid"})
        if path == "/api/v1/accounts/lookup":
            acct = request.url.params["acct"]
            found = [a for a in self.accounts.values() if a["acct"] == acct]
            return reply(200, found[0]) if found else reply(404, {"error": "Record not found"})
        if path == "/api/v1/accounts/verify_credentials":
            return (
                reply(200, self.accounts[self.me]) if authed else reply(401, {"error": "The access token is invalid"})
            )
        if path == "/api/v1/accounts/relationships":
            if not authed:
                return reply(401, {"error": "This method requires an authenticated user"})
            ids = request.url.params.get_list("id[]")
            return reply(200, [self._relationship(i) for i in ids])
        parts = path.split("/")  # ['', 'api', 'v1', 'accounts', id, verb?]
        target = parts[4]
        verb = parts[5] if len(parts) > 5 else ""
        if verb in ("follow", "unfollow"):
            if not authed:
                return reply(401, {"error": "This method requires an authenticated user"})
            if target not in self.accounts:
                return reply(404, {"error": "Record not found"})
            if verb == "follow":
                (self.requested if self.accounts[target]["locked"] else self.following).add(target)
            else:
                self.following.discard(target)
                self.requested.discard(target)
            return reply(200, self._relationship(target))
        if verb in ("followers", "following"):
            return self._page(request, target, verb, authed)
        if target in self.gone_410:
            return reply(410, {"error": "Gone"})
        if target in self.accounts:
            return reply(200, self.accounts[target])
        return reply(404, {"error": "Record not found"})

    def _relationship(self, target: str) -> dict[str, Any]:
        return {
            "id": target,
            "following": target in self.following,
            "requested": target in self.requested,
            "followed_by": False,
            "blocking": False,
        }

    def _page(self, request: httpx.Request, target: str, name: str, authed: bool) -> httpx.Response:
        owner = self.accounts.get(target)
        if owner is None:
            return reply(404, {"error": "Record not found"})
        if owner.get("hide_collections") and not (authed and target == self.me):
            return reply(200, [])
        members = self.lists.get((target, name), [])
        limit = int(request.url.params.get("limit", "40"))
        max_id = request.url.params.get("max_id")
        start = int(max_id) if max_id else 0
        chunk = members[start : start + limit]
        headers = {}
        links = []
        if len(chunk) == limit:
            links.append(
                f'<{INSTANCE}/api/v1/accounts/{target}/{name}?limit={limit}&max_id={start + limit}>; rel="next"'
            )
        if chunk:
            links.append(f'<{INSTANCE}/api/v1/accounts/{target}/{name}?limit={limit}&since_id={start}>; rel="prev"')
        if links:
            headers["link"] = ", ".join(links)
        return reply(200, [self.accounts[m] for m in chunk], headers)


def reply(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, headers={"date": DATE, **(headers or {})}, content=orjson.dumps(body))


class Providers:
    def __init__(self, sleeps: Sleeps) -> None:
        self.sleeps = sleeps
        self.clients: list[httpx.AsyncClient] = []

    def __call__(self, handler: Any, server: str = INSTANCE, token: str | None = None, **kw: Any) -> MastodonProvider:
        client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        self.clients.append(client)
        kw.setdefault("retry", RetryPolicy(attempts=3, base_delay_s=0.01, max_delay_s=0.05, rng=random.Random(7)))
        kw.setdefault("sleep", self.sleeps)
        return MastodonProvider(server, token, client=client, **kw)

    async def aclose(self) -> None:
        for client in self.clients:
            await client.aclose()


@pytest.fixture
async def make_mastodon(sleeps: Sleeps):
    providers = Providers(sleeps)
    yield providers
    await providers.aclose()


@pytest.fixture
def fake() -> FakeMastodon:
    world = FakeMastodon()
    world.add(1)
    return world


# -- construction ---------------------------------------------------------------------------------------


def test_an_instance_is_required():
    with pytest.raises(ValueError, match="Mastodon needs the instance's address"):
        make_provider("mastodon", None, None)
    with pytest.raises(ValueError, match="--server"):
        instance_base_for("  ")
    assert instance_base_for("mastodon.social/") == "https://mastodon.social"


async def test_made_by_the_registry():
    provider = make_provider("Mastodon", "https://mastodon.social", TOKEN, per_page=40)
    try:
        assert isinstance(provider, MastodonProvider) and provider.per_page == 40
        assert TOKEN not in repr(provider) and "token=set" in repr(provider)
    finally:
        await provider.aclose()


def test_importing_the_providers_does_not_import_httpx():
    import subprocess
    import sys

    code = "import sys, followtui.providers; print('httpx' in sys.modules); sys.exit('httpx' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# -- lookup_self ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("handle", ["user1", "@user1", "user1@social.test", "@user1@SOCIAL.test"])
async def test_lookup_self_strips_this_instances_domain(fake, make_mastodon, handle):
    profile = await make_mastodon(fake).lookup_self(handle)
    assert fake.requests[0].url.params["acct"] == "user1"
    assert profile == Profile(
        id=aid(1),
        handle="user1",
        display_name="User 1",
        bio="hello from 1",
        avatar_url=f"{INSTANCE}/system/accounts/avatars/1/original/a.png",
        url=f"{INSTANCE}/@user1",
        followers_count=10,
        following_count=20,
        posts_count=30,
        created_at=datetime(2022, 11, 1, tzinfo=UTC),
        last_active_at=datetime(2025, 1, 1, tzinfo=UTC),
        private=False,
        bot=False,
        default_avatar=False,
        hydrated_at=datetime(2025, 1, 1, 12, 0, tzinfo=UTC),
    )


async def test_remote_accounts_keep_their_domain(fake, make_mastodon):
    fake.accounts["77"] = account(77, id="77", acct="bob@elsewhere.example", locked=True, bot=True)
    profile = await make_mastodon(fake).lookup_self("@bob@elsewhere.example")
    assert fake.requests[0].url.params["acct"] == "bob@elsewhere.example"
    assert (profile.id, profile.handle, profile.private, profile.bot) == ("77", "bob@elsewhere.example", True, True)


async def test_lookup_self_of_nobody(fake, make_mastodon):
    with pytest.raises(NotFoundError, match=r"no Mastodon account named 'ghost' on social\.test"):
        await make_mastodon(fake).lookup_self("ghost")


async def test_default_avatar_and_a_full_datetime_for_the_last_post(fake, make_mastodon):
    fake.add(2, avatar=f"{INSTANCE}/avatars/original/missing.png", last_status_at="2019-11-30T20:02:08.277Z")
    profile = await make_mastodon(fake).lookup_self("user2")
    assert profile.default_avatar is True
    assert profile.last_active_at == datetime(2019, 11, 30, 20, 2, 8, 277000, tzinfo=UTC)


# -- lists ----------------------------------------------------------------------------------------------


async def test_followers_follow_next_links_to_their_end(fake, make_mastodon):
    fake.add(*range(100, 300))
    fake.lists[(aid(1), "followers")] = [aid(i) for i in range(100, 300)]
    owner = Profile(id=aid(1), handle="user1", followers_count=200)
    progress: list[tuple[str, int, int | None]] = []
    result = await make_mastodon(fake).fetch_followers(owner, lambda *a: progress.append(a))
    assert [p.id for p in result.accounts] == [aid(i) for i in range(100, 300)]
    assert (result.pages, result.requests) == (3, 3)  # 80 + 80 + 40 (the last has no next)
    assert [r.url.params.get("max_id") for r in fake.requests] == [None, "80", "160"]
    assert all(r.url.params["limit"] == "80" for r in fake.requests)
    assert progress == [("followers", 80, 200), ("followers", 160, 200), ("followers", 200, 200)]
    first = result.accounts[0]
    assert first.followers_count == 10 and first.hydrated_at is not None  # pages carry full accounts


async def test_a_list_ending_on_a_full_page_ends_with_an_empty_page(fake, make_mastodon):
    fake.add(*range(100, 260))
    fake.lists[(aid(1), "following")] = [aid(i) for i in range(100, 260)]
    result = await make_mastodon(fake).fetch_following(Profile(id=aid(1), handle="user1", following_count=160))
    assert len(result.accounts) == 160 and result.pages == 3


async def test_a_link_back_to_a_fetched_page_is_an_incomplete_list(make_mastodon):
    def handler(request):
        link = f'<{INSTANCE}/api/v1/accounts/1001/followers?limit=80&max_id=5>; rel="next"'
        return reply(200, [account(2)], {"link": link})

    with pytest.raises(IncompleteListError, match=r"links back to a page already fetched \(page 3\)"):
        await make_mastodon(handler, per_page=1).fetch_followers(Profile(id=aid(1), handle="user1"))


async def test_a_next_link_to_another_server_is_refused(make_mastodon):
    def handler(request):
        return reply(200, [account(2)], {"link": '<https://evil.example/steal?limit=80>; rel="next"'})

    with pytest.raises(ApiError, match=r"link to another server \(https://evil\.example\)"):
        await make_mastodon(handler, token=TOKEN).fetch_followers(Profile(id=aid(1), handle="user1"))


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ({"error": "nope"}, "something other than a list"),
        ([{"acct": "x"}], "without a valid id or acct"),
        (["not an account"], "not an account"),
        ([account(i) for i in range(81)], "more than a page holds"),
    ],
)
async def test_malformed_pages_are_api_errors(make_mastodon, body, match):
    with pytest.raises(ApiError, match=match):
        await make_mastodon(lambda r: reply(200, body)).fetch_followers(Profile(id=aid(1), handle="user1"))


async def test_hide_collections_is_a_hidden_list_error_for_others(fake, make_mastodon):
    fake.add(5, hide_collections=True, followers_count=0)
    mastodon = make_mastodon(fake)
    owner = await mastodon.lookup_self("user5")
    with pytest.raises(HiddenListError) as info:
        await mastodon.fetch_followers(owner)
    assert str(info.value) == (
        "mastodon:user5 hides its followers; sign in as that account (followtui account login mastodon:user5) "
        "to read them"
    )
    assert len(fake.requests) == 1  # the list was not even asked for


async def test_an_empty_list_despite_a_count_is_hidden_never_nobody(fake, make_mastodon):
    # Older servers lack hide_collections; a 200 [] while the profile counts followers is the tell.
    fake.add(5, followers_count=12)
    fake.accounts[aid(5)]["hide_collections"] = True
    owner = Profile(id=aid(5), handle="user5", followers_count=12)  # not looked up: hide flag unknown
    with pytest.raises(HiddenListError, match="hides its followers"):
        await make_mastodon(fake).fetch_followers(owner)
    with pytest.raises(HiddenListError, match=r"token given belongs to another account"):
        await make_mastodon(fake, token=TOKEN).fetch_followers(owner)


async def test_the_owner_reads_its_own_hidden_lists(fake, make_mastodon):
    fake.add(2, 3)
    fake.accounts[aid(1)].update(hide_collections=True, followers_count=2)
    fake.lists[(aid(1), "followers")] = [aid(2), aid(3)]
    mastodon = make_mastodon(fake, token=TOKEN)
    owner = await mastodon.lookup_self("user1")
    result = await mastodon.fetch_followers(owner)
    assert [p.id for p in result.accounts] == [aid(2), aid(3)]
    paths = [r.url.path for r in fake.requests]
    assert paths.count("/api/v1/accounts/verify_credentials") == 1
    await mastodon.fetch_following(owner)
    assert [r.url.path for r in fake.requests].count("/api/v1/accounts/verify_credentials") == 1  # asked once


async def test_a_remote_accounts_lists_are_never_complete_here(fake, make_mastodon):
    remote = Profile(id="77", handle="bob@elsewhere.example", followers_count=500)
    with pytest.raises(IncompleteListError, match=r"lives on elsewhere\.example, and social\.test knows only part"):
        await make_mastodon(fake).fetch_followers(remote)
    assert fake.requests == []


async def test_a_truly_empty_list(fake, make_mastodon):
    fake.add(5, followers_count=0)
    result = await make_mastodon(fake).fetch_followers(Profile(id=aid(5), handle="user5", followers_count=0))
    assert result.accounts == () and result.pages == 1


# -- lookup ---------------------------------------------------------------------------------------------


async def test_lookup_classifies_gone_accounts(fake, make_mastodon):
    fake.add(2)
    fake.add(3, suspended=True)
    fake.add(4, moved=account(40, acct="newme@elsewhere.example"))
    fake.add(6)
    fake.gone_410.add(aid(6))
    ids = [aid(2), aid(3), aid(4), aid(5), aid(6)]
    result = await make_mastodon(fake).lookup(ids, budget=10)
    assert isinstance(result[aid(2)], Profile) and result[aid(2)].bio == "hello from 2"  # type: ignore[union-attr]
    assert result[aid(3)] == GoneAccount(aid(3), GoneReason.SUSPENDED)
    assert result[aid(4)] == GoneAccount(aid(4), GoneReason.MOVED, moved_to="newme@elsewhere.example")
    assert result[aid(5)] == GoneAccount(aid(5), GoneReason.DELETED)
    assert result[aid(6)] == GoneAccount(aid(6), GoneReason.SUSPENDED)


async def test_lookup_respects_the_budget(fake, make_mastodon):
    fake.add(*range(2, 12))
    result = await make_mastodon(fake, concurrency=3).lookup([aid(i) for i in range(2, 12)], budget=4)
    assert len(result) == 4 and len(fake.requests) == 4


async def test_lookup_refuses_an_answer_for_another_id(make_mastodon):
    with pytest.raises(ApiError, match="answered account 1002 when asked for 1003"):
        await make_mastodon(lambda r: reply(200, account(2))).lookup([aid(3)], budget=1)


async def test_iso_reset_rate_limits_are_waited_out(fake, make_mastodon, sleeps):
    limited = {"x-ratelimit-limit": "300", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "2025-01-01T12:00:20.5Z"}
    answers = iter([reply(429, {"error": "Too many requests"}, limited)])

    def handler(request):
        return next(answers, None) or fake(request)

    assert (await make_mastodon(handler).lookup_self("user1")).id == aid(1)
    assert sleeps.calls == [21.5]


async def test_a_long_rate_limit_is_an_error_with_a_hint(fake, make_mastodon):
    limited = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "2025-01-01T12:15:00.000000Z"}
    with pytest.raises(RateLimitError, match="Mastodon rate limit reached; it resets in 16 min") as info:
        await make_mastodon(lambda r: reply(429, {"error": "Too many requests"}, limited)).lookup_self("user1")
    assert "followtui account login" in str(info.value)


# -- relationships and actions --------------------------------------------------------------------------


async def test_follow_and_unfollow_and_check(fake, make_mastodon):
    fake.add(2)
    target = Profile(id=aid(2), handle="user2")
    mastodon = make_mastodon(fake, token=TOKEN)
    assert await mastodon.is_following(target) is False
    await mastodon.follow(target)
    assert await mastodon.is_following(target) is True
    await mastodon.unfollow(target)
    assert await mastodon.is_following(target) is False
    methods = [(r.method, r.url.path) for r in fake.requests]
    assert ("POST", f"/api/v1/accounts/{aid(2)}/follow") in methods
    assert ("POST", f"/api/v1/accounts/{aid(2)}/unfollow") in methods
    check = fake.requests[0]
    assert check.url.params.get_list("id[]") == [aid(2)] and check.headers["authorization"] == f"Bearer {TOKEN}"


async def test_a_follow_request_to_a_locked_account_is_pending_not_following(fake, make_mastodon):
    fake.add(2, locked=True)
    target = Profile(id=aid(2), handle="user2")
    mastodon = make_mastodon(fake, token=TOKEN)
    await mastodon.follow(target)
    assert (await mastodon.relationship(target))["requested"] is True
    assert await mastodon.is_following(target) is False
    assert await mastodon.pending_request(target) is True
    await mastodon.unfollow(target)  # withdraws the request
    assert await mastodon.pending_request(target) is False


async def test_actions_need_a_token(fake, make_mastodon):
    mastodon = make_mastodon(fake)
    target = Profile(id=aid(2), handle="user2")
    for action in (mastodon.follow, mastodon.unfollow, mastodon.is_following):
        with pytest.raises(AuthError, match="Mastodon needs an access token"):
            await action(target)
    assert fake.requests == []


async def test_a_rejected_token_is_an_auth_error_without_the_token(fake, make_mastodon):
    with pytest.raises(AuthError, match=r"Mastodon rejected the token \(401: The access token is invalid\)") as info:
        await make_mastodon(fake, token="wrong-token-1234567890").follow(Profile(id=aid(2), handle="user2"))
    assert "wrong-token" not in repr(info.value)


async def test_following_an_unknown_account(fake, make_mastodon):
    with pytest.raises(NotFoundError, match=r"knows no account 'user9' \(id 1009\)"):
        await make_mastodon(fake, token=TOKEN).follow(Profile(id=aid(9), handle="user9"))


# -- hostile strings ------------------------------------------------------------------------------------


async def test_hostile_strings_are_cleaned(make_mastodon):
    evil = account(
        6,
        display_name="\x1b]0;owned\x07[bold]Evil[/bold]\u202e",
        note="<p>hi<script>alert(1)</script>\x1b[2J</p><p>second</p>",
        avatar="javascript:alert(1)",
        url="https://x.test/@evil\x1b[31m",
        created_at="yesterday",
        followers_count=-5,
        statuses_count="many",
        locked="yes",
    )
    result = await make_mastodon(lambda r: reply(200, [evil])).fetch_followers(Profile(id=aid(1), handle="user1"))
    profile = result.accounts[0]
    assert profile.display_name == "[bold]Evil[/bold]"
    assert profile.bio == "hi\n\nsecond"
    assert profile.avatar_url == "" and profile.default_avatar is None
    assert profile.url == "https://x.test/@evil"
    assert profile.created_at is None and profile.followers_count is None and profile.posts_count is None
    assert profile.private is None
