"""Bluesky sessions from an app password (create, refresh on ExpiredToken, never leaked) and follow records."""

from __future__ import annotations

import asyncio

import httpx
import orjson
import pytest

from followtui.models import Profile
from followtui.providers.errors import ApiError, AuthError
from followtui.providers.http import HttpClient

from .conftest import Sleeps
from .test_bluesky import APPVIEW, PASSWORD, FakeBluesky, Providers, did, ok, xrpc_error

ALICE = Profile(id=did(5), handle="user5.bsky.social")


@pytest.fixture
async def make_bluesky(sleeps: Sleeps):
    providers = Providers(sleeps)
    yield providers
    await providers.aclose()


@pytest.fixture
def fake() -> FakeBluesky:
    world = FakeBluesky()
    world.add(1, 5, 6)
    return world


def signed_in(make, fake: FakeBluesky, **kw):
    return make(fake, password=PASSWORD, identifier=fake.identifier, **kw)


async def test_follow_signs_in_and_creates_one_follow_record(fake, make_bluesky):
    bluesky = signed_in(make_bluesky, fake)
    await bluesky.follow(ALICE)
    assert fake.paths() == [
        "com.atproto.server.createSession",
        "app.bsky.actor.getProfile",
        "com.atproto.repo.createRecord",
    ]
    login, check, create = fake.requests
    assert orjson.loads(login.content) == {"identifier": "user1.bsky.social", "password": PASSWORD}
    assert login.headers["content-type"] == "application/json" and "authorization" not in login.headers
    assert check.headers["authorization"] == "Bearer access-jwt-1"
    body = orjson.loads(create.content)
    assert create.headers["content-type"] == "application/json"
    assert body["repo"] == fake.me and body["collection"] == "app.bsky.graph.follow"
    record = body["record"]
    assert (record["$type"], record["subject"]) == ("app.bsky.graph.follow", did(5))
    assert record["createdAt"].endswith("Z")
    assert list(fake.records.values()) == [did(5)]
    assert await bluesky.is_following(ALICE) is True
    assert await bluesky.is_following(Profile(id=did(6), handle="user6.bsky.social")) is False
    assert fake.sessions == 1


async def test_following_twice_creates_no_duplicate_record(fake, make_bluesky):
    bluesky = signed_in(make_bluesky, fake)
    await bluesky.follow(ALICE)
    await bluesky.follow(ALICE)
    assert len(fake.records) == 1 and fake.paths().count("com.atproto.repo.createRecord") == 1


async def test_unfollow_deletes_the_record_named_by_viewer_following(fake, make_bluesky):
    fake.records["3lrkeyalice"] = did(5)
    bluesky = signed_in(make_bluesky, fake)
    await bluesky.unfollow(ALICE)
    delete = fake.requests[-1]
    assert delete.url.path == "/xrpc/com.atproto.repo.deleteRecord"
    assert orjson.loads(delete.content) == {
        "repo": fake.me,
        "collection": "app.bsky.graph.follow",
        "rkey": "3lrkeyalice",
    }
    assert fake.records == {} and await bluesky.is_following(ALICE) is False
    fake.requests.clear()
    await bluesky.unfollow(ALICE)  # not following: nothing to delete
    assert fake.paths() == ["app.bsky.actor.getProfile"]


async def test_unfollow_refuses_a_record_that_is_not_ours(make_bluesky):
    def handler(request):
        if request.url.path.endswith("createSession"):
            return ok({"did": "did:plc:me", "handle": "me.test", "accessJwt": "a", "refreshJwt": "r"})
        if request.url.path.endswith("getProfile"):
            return ok({"did": did(5), "handle": "x.test", "viewer": {"following": "at://did:plc:other/x.y/3l"}})
        raise AssertionError(f"unexpected {request.url}")

    with pytest.raises(ApiError, match="not ours; nothing was deleted"):
        await make_bluesky(handler, password=PASSWORD, identifier="me.test").unfollow(ALICE)


async def test_a_target_known_by_handle_only_is_resolved_to_its_did(fake, make_bluesky):
    bluesky = signed_in(make_bluesky, fake)
    await bluesky.follow(Profile(id="user6.bsky.social", handle="user6.bsky.social"))
    assert list(fake.records.values()) == [did(6)]


async def test_an_expired_access_token_is_refreshed_once_for_everyone(fake, make_bluesky):
    bluesky = signed_in(make_bluesky, fake)
    assert await bluesky.is_following(ALICE) is False
    fake.expired.add("access-jwt-1")
    results = await asyncio.gather(*(bluesky.is_following(ALICE) for _ in range(5)))
    assert results == [False] * 5
    refreshes = [r for r in fake.requests if r.url.path.endswith("refreshSession")]
    assert len(refreshes) == 1 and refreshes[0].headers["authorization"] == "Bearer refresh-jwt-1"
    assert fake.requests[-1].headers["authorization"] == "Bearer access-jwt-2"
    assert fake.sessions == 2 and fake.paths().count("com.atproto.server.createSession") == 1


async def test_a_refused_refresh_signs_in_again(fake, make_bluesky):
    bluesky = signed_in(make_bluesky, fake)
    await bluesky.is_following(ALICE)
    fake.expired.add("access-jwt-1")
    fake.refresh = "rotated-elsewhere"
    assert await bluesky.is_following(ALICE) is False
    assert fake.paths().count("com.atproto.server.createSession") == 2


async def test_wrong_app_password_is_an_auth_error_without_the_secret(fake, make_bluesky):
    wrong = "wxyz-wxyz-wxyz-wxyz"
    bluesky = make_bluesky(fake, password=wrong, identifier=fake.identifier)
    with pytest.raises(AuthError) as info:
        await bluesky.follow(ALICE)
    message = str(info.value)
    assert message.startswith("Bluesky rejected the app password for user1.bsky.social")
    assert "Invalid identifier or password" in message
    assert wrong not in message and wrong not in repr(info.value) and wrong not in repr(bluesky)
    assert fake.records == {}


async def test_a_server_echoing_secrets_never_gets_them_into_messages(make_bluesky):
    def handler(request):
        if request.url.path.endswith("createSession"):
            tokens = {"accessJwt": "eyJ.SECRET.ACCESS", "refreshJwt": "eyJ.SECRET.REFRESH"}
            return ok({"did": "did:plc:me", "handle": "me.test", **tokens})
        token = request.headers["authorization"]
        return xrpc_error(400, "InvalidRequest", f"bad {token} and {PASSWORD}")

    with pytest.raises(ApiError) as info:
        await make_bluesky(handler, password=PASSWORD, identifier="me.test").follow(ALICE)
    assert "SECRET" not in str(info.value) and PASSWORD not in str(info.value)
    assert "bad Bearer *** and ***" in str(info.value)


@pytest.mark.parametrize(
    ("error", "match"),
    [
        ((400, "AccountTakedown", "Account has been taken down"), "user1.bsky.social is taken down"),
        ((401, "AuthFactorTokenRequired", "A sign in code has been sent"), "use an app password instead"),
    ],
)
async def test_sign_in_refusals(fake, make_bluesky, error, match):
    fake.session_error = error
    with pytest.raises(AuthError, match=match):
        await signed_in(make_bluesky, fake).follow(ALICE)


async def test_actions_without_an_app_password(fake, make_bluesky):
    with pytest.raises(AuthError, match="needs an app password") as info:
        await make_bluesky(fake).follow(ALICE)
    assert "followtui account login" in str(info.value)
    assert fake.requests == []


async def test_the_identifier_defaults_to_the_tracked_handle(fake, make_bluesky):
    bluesky = make_bluesky(fake, password=PASSWORD)
    with pytest.raises(AuthError, match="needs the account's handle"):
        await bluesky.is_following(ALICE)
    await bluesky.lookup_self("user1.bsky.social")
    assert await bluesky.is_following(ALICE) is False


async def test_writes_go_to_the_pds_and_reads_to_the_appview(fake, make_bluesky):
    bluesky = signed_in(make_bluesky, fake, pds="https://pds.example.org")
    await bluesky.lookup_self(did(5))
    await bluesky.follow(ALICE)
    hosts = [(r.url.host, r.url.path.removeprefix("/xrpc/")) for r in fake.requests]
    assert hosts == [
        ("appview.test", "app.bsky.actor.getProfile"),
        ("pds.example.org", "com.atproto.server.createSession"),
        ("pds.example.org", "app.bsky.actor.getProfile"),
        ("pds.example.org", "com.atproto.repo.createRecord"),
    ]
    assert bluesky.requests_made == 4


async def test_a_read_the_server_refuses_anonymously_is_repeated_signed_in(fake, make_bluesky):
    def handler(request):
        if "authorization" not in request.headers and "getProfile" in request.url.path:
            fake.requests.append(request)
            return xrpc_error(401, "AuthenticationRequired", "Authentication Required")
        return fake(request)

    bluesky = make_bluesky(handler, password=PASSWORD, identifier=fake.identifier)
    assert (await bluesky.lookup_self(did(5))).id == did(5)
    assert fake.requests[-1].headers["authorization"] == "Bearer access-jwt-1"
    with pytest.raises(AuthError, match="needs a signed-in account for this"):
        await make_bluesky(handler).lookup_self(did(5))


async def test_a_revoked_session_that_cannot_be_renewed_is_an_auth_error(fake, make_bluesky):
    bluesky = signed_in(make_bluesky, fake)
    await bluesky.is_following(ALICE)
    fake.expired.add("access-jwt-1")
    fake.refresh = "rotated-elsewhere"
    fake.identifier = "renamed.bsky.social"  # signing in again fails too
    with pytest.raises(AuthError, match=r"rejected the app password for user1\.bsky\.social"):
        await bluesky.is_following(ALICE)


def test_http_per_request_headers_do_not_stick():
    async def run():
        seen = []

        def handler(request):
            seen.append(request.headers.get("authorization"))
            return ok({})

        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            http = HttpClient(APPVIEW, platform_name="Bluesky", client=client)
            await http.get_json("/xrpc/a", headers={"Authorization": "Bearer one"})
            await http.get_json("/xrpc/a")
        return seen

    assert asyncio.run(run()) == ["Bearer one", None]
