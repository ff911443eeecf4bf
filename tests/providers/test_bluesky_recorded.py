"""Bluesky parsers against real responses (read from the shared recorded dir, never copied into the project).

The appview_snapshot_* files are the official AppView test output, normalised by its helper: DIDs are
`user(N)`, record URIs `record(N)`, timestamps 1970-01-01.
"""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from followtui.models import GoneAccount, GoneReason, Profile

from .conftest import Sleeps, recorded
from .test_bluesky import PASSWORD, Providers, ok, xrpc_error


@pytest.fixture
async def make_bluesky(sleeps: Sleeps):
    providers = Providers(sleeps)
    yield providers
    await providers.aclose()


async def test_a_real_getfollows_page_without_a_cursor_is_the_whole_list(make_bluesky):
    page = recorded("bluesky", "getFollows_test.marshal.dev.json")
    seen = []

    def handler(request):
        seen.append(request)
        return ok(page)

    account = Profile(id="did:plc:kvwvcn5iqfooopmyzvb4qzba", handle="test.marshal.dev")
    result = await make_bluesky(handler).fetch_following(account)
    assert (result.pages, result.requests, len(seen)) == (1, 1, 1)
    assert seen[0].url.path == "/xrpc/app.bsky.graph.getFollows"
    handles = [p.handle for p in result.accounts]
    assert handles == ["why.bsky.team", "divy.zone", "jay.bsky.team", "bsky.app", "vercel.com", "marshal.dev"]
    divy = result.accounts[1]
    assert divy.id == "did:plc:l3rouwludahu3ui3bt66mfvj" and divy.display_name == "devin ivy 🐋"
    assert divy.url == "https://bsky.app/profile/divy.zone"
    assert divy.created_at == datetime(2022, 11, 17, 0, 39, 19, 84000, tzinfo=UTC)
    assert divy.followers_count is None and divy.hydrated_at is None and divy.default_avatar is False
    jay = result.accounts[2]
    assert jay.bio.startswith("CEO of Bluesky, steward of AT Protocol. \n\nLet’s build a federated republic")
    assert jay.bio.endswith("🌳")  # trailing space stripped


async def test_a_real_getprofiles_answer(make_bluesky):
    body = recorded("bluesky", "getProfiles_one_profile.json")
    wanted = "did:plc:3nlkmby2zllrhcj6z5dnicui"
    bluesky = make_bluesky(lambda r: ok(body))
    result = await bluesky.lookup([wanted, "did:plc:second"], budget=1)  # one batch, nothing left to classify
    assert list(result) == [wanted]
    profile = result[wanted]
    assert isinstance(profile, Profile)
    assert (profile.handle, profile.display_name, profile.bio) == (
        "andresitorresm.com",
        "andrés ignacio torres",
        "hello",
    )
    assert (profile.followers_count, profile.following_count, profile.posts_count) == (676, 3712, 422)
    assert profile.created_at == datetime(2023, 5, 30, 17, 52, 27, 302000, tzinfo=UTC)
    assert profile.default_avatar is False and profile.avatar_url.startswith("https://cdn.bsky.app/img/avatar/")
    assert profile.private is None and profile.last_active_at is None and profile.hydrated_at is not None


async def test_the_appview_snapshot_of_getfollowers(make_bluesky):
    page = recorded("bluesky", "appview_snapshot_getFollowers_alice.json")
    account = Profile(id="user(8)", handle="alice.test")
    result = await make_bluesky(lambda r: ok(page)).fetch_followers(account)
    assert [(p.id, p.handle, p.display_name, p.bio) for p in result.accounts] == [
        ("user(0)", "eve.test", "display-eve", "descript-eve"),
        ("user(2)", "dan.test", "display-dan", "descript-dan"),
        ("user(4)", "bob.test", "display-bob", "descript-bob"),
        ("user(6)", "carol.test", "display-carol", "descript-carol"),
    ]
    follows = recorded("bluesky", "appview_snapshot_getFollows_alice.json")
    following = await make_bluesky(lambda r: ok(follows)).fetch_following(account)
    assert [p.handle for p in following.accounts] == ["eve.test", "dan.test", "carol.test", "bob.test"]


async def test_the_appview_snapshot_of_getprofiles_drops_unknown_actors(make_bluesky):
    profiles = recorded("bluesky", "appview_snapshot_getProfiles_profiles_array.json")
    asked = ["user(0)", "bob.test", "did:example:missing", "carol.test", "user(5)", "user(6)", "user(8)"]

    def handler(request):
        if request.url.path.endswith("getProfiles"):
            return ok({"profiles": profiles})
        assert request.url.params["actor"] == "did:example:missing"
        return xrpc_error(400, "InvalidRequest", "Profile not found")

    result = await make_bluesky(handler).lookup(asked, budget=5)
    assert result["did:example:missing"] == GoneAccount("did:example:missing", GoneReason.DELETED)
    alice, bob, carol = result["user(0)"], result["bob.test"], result["carol.test"]
    assert isinstance(alice, Profile) and isinstance(bob, Profile) and isinstance(carol, Profile)
    assert (alice.display_name, alice.followers_count, alice.following_count, alice.posts_count) == ("ali", 2, 3, 4)
    assert bob.id == "user(3)" and bob.bio == "hi im bob label_me"  # asked by handle, keyed as asked
    assert carol.default_avatar is True and carol.display_name == "" and carol.created_at is None
    assert result["user(6)"].bio == "It's me, eve"  # type: ignore[union-attr]
    assert "user(8)" in result  # frank


async def test_a_session_from_a_real_createsession_answer(make_bluesky):
    session = recorded("bluesky", "createSession_redacted.json")
    seen = []

    def handler(request):
        seen.append(request)
        path = request.url.path
        if path.endswith("createSession"):
            return ok(session)
        if path.endswith("getProfile"):
            return ok({"did": "did:plc:target", "handle": "t.test", "viewer": {"muted": False}})
        return ok({"uri": f"at://{session['did']}/app.bsky.graph.follow/3lnew", "cid": "bafy"})

    bluesky = make_bluesky(handler, password=PASSWORD, identifier="handle.example.org")
    await bluesky.follow(Profile(id="did:plc:target", handle="t.test"))
    create = orjson.loads(seen[-1].content)
    assert create["repo"] == "did:plc:ec72yg6n2sydzjvtovvdlxrk"
    assert seen[-1].headers["authorization"] == "Bearer accessJwt"


async def test_a_real_resolvehandle_answer(make_bluesky):
    resolved = recorded("bluesky", "resolveHandle_bsky.app.json")
    seen = []

    def handler(request):
        seen.append(request.url.path)
        if request.url.path.endswith("resolveHandle"):
            assert request.url.params["handle"] == "bsky.app"
            return ok(resolved)
        if request.url.path.endswith("createSession"):
            return ok({"did": "did:plc:me", "handle": "me.test", "accessJwt": "a-token", "refreshJwt": "r-token"})
        assert request.url.params["actor"] == "did:plc:z72i7hdynmk6r22z27h6tvur"
        return ok({"did": "did:plc:z72i7hdynmk6r22z27h6tvur", "handle": "bsky.app", "viewer": {}})

    bluesky = make_bluesky(handler, password=PASSWORD, identifier="me.test")
    assert await bluesky.is_following(Profile(id="", handle="bsky.app")) is False
    assert seen[0] == "/xrpc/com.atproto.identity.resolveHandle"
