"""The Bluesky XRPC format: shapes against recordings, true cursor semantics, sessions, records, limits, faults."""

from __future__ import annotations

import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime

import httpx
import pytest

from followtui.simulator import FaultPlan, SimulatorServer, World, did_for, handle_for

from .conftest import no_nulls, recorded

PASSWORD = "abcd-efgh-ijkl-mnop"
XRPC = "/xrpc/"


@pytest.fixture
def bsky(world: World) -> Iterator[SimulatorServer]:
    world.add_app_password("octocat", PASSWORD)
    with SimulatorServer(world, platform="bluesky") as sim:
        yield sim


@pytest.fixture
def bc(bsky: SimulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{bsky.url}{XRPC}", timeout=5) as c:
        yield c


def login(c: httpx.Client, identifier: str = "octocat.bsky.test") -> dict:
    resp = c.post("com.atproto.server.createSession", json={"identifier": identifier, "password": PASSWORD})
    assert resp.status_code == 200, resp.text
    return resp.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def walk(c: httpx.Client, nsid: str, key: str, headers=None, **params) -> tuple[list[dict], list[dict]]:
    """Every item and every page body, following `cursor` until it is absent (as a client must)."""
    items, pages, seen = [], [], set()
    cursor = None
    while True:
        resp = c.get(nsid, params={**params, **({"cursor": cursor} if cursor else {})}, headers=headers)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        pages.append(body)
        items.extend(body[key])
        if "cursor" not in body:
            return items, pages
        cursor = body["cursor"]
        assert cursor not in seen  # the cursor always moves on
        seen.add(cursor)


def _recorded_profile_views() -> list[dict]:
    views = recorded("getFollows_test.marshal.dev.json", "bluesky")["follows"]
    snap = recorded("appview_snapshot_getFollowers_alice.json", "bluesky")
    page = recorded("getList_page_with_cursor.json", "bluesky")
    return [*views, *snap["followers"], snap["subject"], *(i["subject"] for i in page["items"])]


def test_profile_views_use_recorded_field_names(bc: httpx.Client) -> None:
    session = login(bc)
    follows, pages = walk(bc, "app.bsky.graph.getFollows", "follows", actor="octocat.bsky.test", limit=100)
    followers, _ = walk(
        bc, "app.bsky.graph.getFollowers", "followers", bearer(session["accessJwt"]), actor=session["did"], limit=100
    )
    rec = _recorded_profile_views()
    known = set().union(*map(set, rec))
    viewer_keys = set().union(*(set(v["viewer"]) for v in rec))
    label_keys = set().union(*(set(lab) for v in rec for lab in v["labels"]))
    views = [pages[0]["subject"], *follows, *followers]
    assert set(pages[0]) == {"subject", "follows", "cursor"} and set(pages[-1]) == {"subject", "follows"}
    for view in views:
        no_nulls(view)
        assert set(view) <= known, set(view) - known
        assert {"did", "handle", "viewer", "labels", "indexedAt", "createdAt"} <= set(view)
        assert not {"followersCount", "followsCount", "postsCount", "banner"} & set(view)
        assert set(view["viewer"]) <= viewer_keys
        assert all(set(lab) <= label_keys for lab in view["labels"])
        assert view["did"].startswith("did:plc:") and len(view["did"]) == len("did:plc:") + 24
        assert view["handle"].endswith(".bsky.test") and view["handle"] == view["handle"].lower()
        assert view["createdAt"].endswith("Z") and "." in view["createdAt"]
    # Optional fields come and go (absent, never null) and some accounts carry moderation labels.
    assert any("displayName" not in v for v in views) and any("description" not in v for v in views)
    vals = {lab["val"] for v in views for lab in v["labels"]}
    assert {"spam", "!no-unauthenticated"} <= vals
    # Authenticated lists fill viewer.followedBy for everyone who follows the viewer.
    assert all(f["viewer"]["followedBy"].startswith("at://") for f in followers)
    assert any(f["viewer"].get("following", "").startswith(f"at://{session['did']}/") for f in followers)
    assert all("following" not in f["viewer"] for f in follows)  # anonymous


def test_profile_detailed_fields_and_real_counts(bc: httpx.Client, world: World) -> None:
    rec = recorded("getProfiles_one_profile.json", "bluesky")["profiles"]
    snap = recorded("appview_snapshot_getProfiles_profiles_array.json", "bluesky")
    known = set().union(*map(set, [*rec, *snap]))
    profile = bc.get("app.bsky.actor.getProfile", params={"actor": "OctoCat.bsky.test"}).json()
    no_nulls(profile)
    assert set(profile) <= known
    assert profile["followersCount"] == len(world.truth("octocat")["followers"]) == 250
    assert profile["followsCount"] == 120 and isinstance(profile["postsCount"], int)
    assert set(profile["associated"]) >= {"lists", "feedgens", "starterPacks", "labeler"}
    by_did = bc.get("app.bsky.actor.getProfile", params={"actor": did_for(world.owners[0].id)}).json()
    assert by_did["handle"] == "octocat.bsky.test"


def test_resolve_handle(bc: httpx.Client, world: World) -> None:
    rec = recorded("resolveHandle_bsky.app.json", "bluesky")
    body = bc.get("com.atproto.identity.resolveHandle", params={"handle": "octocat.bsky.test"}).json()
    assert set(body) == set(rec) and body["did"] == did_for(world.owners[0].id)
    resp = bc.get("com.atproto.identity.resolveHandle", params={"handle": "nobody.bsky.test"})
    assert resp.status_code == 400
    assert resp.json() == {"error": "InvalidRequest", "message": "Unable to resolve handle"}


def test_rename_changes_the_handle_not_the_did(bc: httpx.Client, world: World) -> None:
    acc = world.accounts_by_id(world.follower_ids("octocat")[:1])[0]
    did = did_for(acc.id)
    world.rename(acc, "Fresh-Name")
    assert handle_for("Fresh-Name") == "fresh-name.bsky.test"
    resolved = bc.get("com.atproto.identity.resolveHandle", params={"handle": "fresh-name.bsky.test"}).json()
    assert resolved == {"did": did}
    assert bc.get("app.bsky.actor.getProfile", params={"actor": did}).json()["handle"] == "fresh-name.bsky.test"


def test_cursor_walk_gives_the_truth_with_short_pages(world: World) -> None:
    with (
        SimulatorServer(world, platform="bluesky", app_options={"short_page_share": 0.3}) as sim,
        httpx.Client(base_url=f"{sim.url}{XRPC}") as c,
    ):
        items, pages = walk(c, "app.bsky.graph.getFollowers", "followers", actor="octocat.bsky.test", limit=9)
        follows, _ = walk(c, "app.bsky.graph.getFollows", "follows", actor="octocat.bsky.test", limit=100)
    truth = world.truth("octocat")
    assert [i["did"] for i in items] == [did_for(r["id"]) for r in truth["followers"]]  # newest follow first
    assert [i["did"] for i in follows] == [did_for(r["id"]) for r in truth["following"]]
    with_cursor = pages[:-1]
    assert any(len(p["followers"]) < 9 for p in with_cursor)  # short pages while a cursor is present
    assert all("cursor" in p for p in with_cursor) and "cursor" not in pages[-1]
    assert all(len(p["cursor"]) == 13 and p["cursor"].isalnum() for p in with_cursor)


def test_deactivated_accounts_leave_short_and_empty_pages(world: World) -> None:
    first = world.follower_ids("octocat")[:5]
    for acc_id in first:
        world.deactivate(acc_id)
    with (
        SimulatorServer(world, platform="bluesky", app_options={"short_page_share": 0}) as sim,
        httpx.Client(base_url=f"{sim.url}{XRPC}") as c,
    ):
        page = c.get("app.bsky.graph.getFollowers", params={"actor": "octocat.bsky.test", "limit": 5}).json()
        assert page["followers"] == [] and page["cursor"]  # empty, yet more to come
        items, _ = walk(c, "app.bsky.graph.getFollowers", "followers", actor="octocat.bsky.test", limit=5)
        gone = c.get("app.bsky.actor.getProfile", params={"actor": did_for(first[0])})
        assert gone.status_code == 400 and gone.json()["error"] == "AccountDeactivated"
        world.reactivate(first[0])
        back = c.get("app.bsky.graph.getFollowers", params={"actor": "octocat.bsky.test", "limit": 1}).json()
        assert back["followers"][0]["did"] == did_for(first[0])  # its follow record was kept
    assert len(items) == 245
    assert did_for(first[0]) not in {i["did"] for i in items}
    assert len(world.truth("octocat")["followers"]) == 246


def test_cursor_and_limit_errors(bc: httpx.Client) -> None:
    actor = {"actor": "octocat.bsky.test"}
    bad = bc.get("app.bsky.graph.getFollowers", params={**actor, "cursor": "not a cursor"})
    assert bad.status_code == 400 and bad.json() == {"error": "InvalidRequest", "message": "Malformed cursor"}
    legacy = bc.get("app.bsky.graph.getFollowers", params={**actor, "cursor": "1700000000000::bafy"})
    assert legacy.status_code == 200 and legacy.json()["followers"] == [] and "cursor" not in legacy.json()
    for limit in ("0", "101", "ten"):
        resp = bc.get("app.bsky.graph.getFollows", params={**actor, "limit": limit})
        assert resp.status_code == 400 and resp.json()["error"] == "InvalidRequest"
        assert set(resp.json()) == {"error", "message"}
    resp = bc.get("app.bsky.graph.getFollowers", params={"actor": "nobody.bsky.test"})
    assert resp.status_code == 400
    assert resp.json() == {"error": "InvalidRequest", "message": "Actor not found: nobody.bsky.test"}
    missing = bc.get("app.bsky.graph.getFollowers")
    assert missing.status_code == 400 and "actor" in missing.json()["message"]


def test_default_limit_is_50(world: World) -> None:
    with SimulatorServer(world, platform="bluesky", app_options={"short_page_share": 0}) as sim:
        body = httpx.get(f"{sim.url}{XRPC}app.bsky.graph.getFollowers", params={"actor": "octocat.bsky.test"}).json()
    assert len(body["followers"]) == 50 and "cursor" in body


def test_get_profiles_caps_at_25_and_drops_unknown(bc: httpx.Client, world: World) -> None:
    dids = [did_for(i) for i in world.follower_ids("octocat")[:3]]
    actors = [*dids, "nobody.bsky.test", "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", "octocat.bsky.test"]
    body = bc.get("app.bsky.actor.getProfiles", params={"actors": actors}).json()
    assert [p["did"] for p in body["profiles"]] == [*dids, did_for(world.owners[0].id)]
    assert all("followersCount" in p for p in body["profiles"])
    too_many = bc.get("app.bsky.actor.getProfiles", params={"actors": ["octocat.bsky.test"] * 26})
    assert too_many.status_code == 400 and too_many.json()["error"] == "InvalidRequest"
    assert bc.get("app.bsky.actor.getProfiles", params={"actors": ["octocat.bsky.test"] * 25}).status_code == 200


def test_get_profile_of_gone_accounts(bc: httpx.Client, world: World) -> None:
    a, b, c = world.follower_ids("octocat")[:3]
    world.deactivate(a)
    world.suspend(b)
    world.delete(c)
    expected = {
        a: ("AccountDeactivated", "Account is deactivated"),
        b: ("AccountTakedown", "Account has been suspended"),
        c: ("InvalidRequest", "Profile not found"),
    }
    for acc_id, (error, message) in expected.items():
        resp = bc.get("app.bsky.actor.getProfile", params={"actor": did_for(acc_id)})
        assert resp.status_code == 400 and resp.json() == {"error": error, "message": message}
    assert bc.get("app.bsky.actor.getProfiles", params={"actors": [did_for(x) for x in (a, b, c)]}).json() == {
        "profiles": []
    }


def test_session_create_refresh_and_expiry(world: World) -> None:
    world.add_app_password("octocat", PASSWORD)
    rec = recorded("createSession_redacted.json", "bluesky")
    with (
        SimulatorServer(world, platform="bluesky", app_options={"access_ttl_s": 60}) as sim,
        httpx.Client(base_url=f"{sim.url}{XRPC}") as c,
    ):
        wrong = c.post("com.atproto.server.createSession", json={"identifier": "octocat.bsky.test", "password": "x"})
        assert wrong.status_code == 401
        assert wrong.json() == {"error": "AuthenticationRequired", "message": "Invalid identifier or password"}
        session = login(c, did_for(world.owners[0].id))
        assert set(rec) <= set(session) and session["active"] is True
        assert session["handle"] == "octocat.bsky.test"
        assert session["didDoc"]["service"][0]["serviceEndpoint"] == sim.url
        assert session["accessJwt"].count(".") == 2 and session["accessJwt"] != session["refreshJwt"]
        me = c.get("com.atproto.server.getSession", headers=bearer(session["accessJwt"]))
        assert me.status_code == 200 and me.json()["did"] == session["did"]
        world.advance_days(1)  # simulated time passes the 60 s lifetime
        expired = c.get(
            "app.bsky.actor.getProfile", params={"actor": "octocat.bsky.test"}, headers=bearer(session["accessJwt"])
        )
        assert expired.status_code == 400
        assert expired.json() == {"error": "ExpiredToken", "message": "Token has expired"}
        refreshed = c.post("com.atproto.server.refreshSession", headers=bearer(session["refreshJwt"]))
        assert refreshed.status_code == 200 and refreshed.json()["did"] == session["did"]
        fresh = refreshed.json()["accessJwt"]
        ok = c.get("app.bsky.actor.getProfile", params={"actor": "octocat.bsky.test"}, headers=bearer(fresh))
        assert ok.status_code == 200
        again = c.post("com.atproto.server.refreshSession", headers=bearer(session["refreshJwt"]))
        assert again.status_code == 400 and again.json()["error"] == "ExpiredToken"  # rotated away
        junk = c.get("app.bsky.actor.getProfile", params={"actor": "octocat.bsky.test"}, headers=bearer("junk"))
        assert junk.status_code == 401 and junk.json()["error"] == "InvalidToken"
        sim.app.access_ttl_s = 0.2  # wall-clock time counts too
        short = login(c)["accessJwt"]
        time.sleep(0.25)
        late = c.get("app.bsky.actor.getProfile", params={"actor": "octocat.bsky.test"}, headers=bearer(short))
        assert late.json()["error"] == "ExpiredToken"


def test_follow_records_change_the_world(bc: httpx.Client, world: World) -> None:
    session = login(bc)
    me, auth_headers = session["did"], bearer(session["accessJwt"])
    following = set(world.following_ids("octocat"))
    target = next(i for i in world.follower_ids("octocat") if i not in following)
    record = {"$type": "app.bsky.graph.follow", "subject": did_for(target), "createdAt": "2026-01-05T09:00:00.000Z"}
    body = {"repo": me, "collection": "app.bsky.graph.follow", "record": record}
    created = bc.post("com.atproto.repo.createRecord", json=body, headers=auth_headers)
    assert created.status_code == 200, created.text
    uri = created.json()["uri"]
    assert uri.startswith(f"at://{me}/app.bsky.graph.follow/") and created.json()["cid"].startswith("bafyrei")
    assert world.is_following("octocat", target) and world.log[-1]["via"] == "api"
    rkey = uri.rsplit("/", 1)[1]
    assert len(rkey) == 13
    again = bc.post("com.atproto.repo.createRecord", json=body, headers=auth_headers)
    assert again.json()["uri"] == uri  # one follow per pair in this world
    profiles = bc.get("app.bsky.actor.getProfiles", params={"actors": [did_for(target)]}, headers=auth_headers)
    assert profiles.json()["profiles"][0]["viewer"]["following"] == uri
    follows, _ = walk(bc, "app.bsky.graph.getFollows", "follows", auth_headers, actor=me, limit=10)
    assert follows[0]["did"] == did_for(target) and follows[0]["viewer"]["following"] == uri  # newest first
    delete = {"repo": me, "collection": "app.bsky.graph.follow", "rkey": rkey}
    gone = bc.post("com.atproto.repo.deleteRecord", json=delete, headers=auth_headers)
    assert gone.status_code == 200 and gone.json() == {}
    assert not world.is_following("octocat", target)
    assert bc.post("com.atproto.repo.deleteRecord", json=delete, headers=auth_headers).status_code == 200
    anon = bc.post("com.atproto.repo.createRecord", json=body)
    assert anon.status_code == 401 and anon.json()["error"] == "AuthenticationRequired"


def test_rate_limit_headers_and_429(world: World) -> None:
    with (
        SimulatorServer(world, platform="bluesky", rate_limit=3, rate_window_s=30) as sim,
        httpx.Client(base_url=f"{sim.url}{XRPC}") as c,
    ):
        params = {"actor": "octocat.bsky.test"}
        first = c.get("app.bsky.actor.getProfile", params=params)
        date = int(parsedate_to_datetime(first.headers["date"]).timestamp())
        assert date == world.now_ts()
        assert first.headers["ratelimit-limit"] == "3" and first.headers["ratelimit-remaining"] == "2"
        assert first.headers["ratelimit-policy"] == "3;w=30"
        assert 0 < int(first.headers["ratelimit-reset"]) - date <= 30  # on the simulated clock
        c.get("app.bsky.actor.getProfile", params=params)
        c.get("app.bsky.actor.getProfile", params=params)
        limited = c.get("app.bsky.actor.getProfile", params=params)
    assert limited.status_code == 429
    assert limited.json() == {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}
    assert limited.headers["ratelimit-remaining"] == "0" and int(limited.headers["retry-after"]) >= 1


@pytest.mark.parametrize("kind", ["500", "502", "503", "429", "ratelimit"])
def test_status_faults_speak_xrpc(world: World, kind: str) -> None:
    plan = FaultPlan(rate=1.0, seed=1, kinds=(kind,), retry_after_s=2)
    with SimulatorServer(world, platform="bluesky", faults=plan) as sim:
        resp = httpx.get(f"{sim.url}{XRPC}app.bsky.graph.getFollowers", params={"actor": "octocat.bsky.test"})
    assert resp.status_code == (429 if kind == "ratelimit" else int(kind))
    assert set(resp.json()) == {"error", "message"} and resp.headers["date"]
    if kind in ("429", "ratelimit"):
        assert resp.json()["error"] == "RateLimitExceeded" and resp.headers["retry-after"] == "2"
        assert "ratelimit-limit" in resp.headers
    if kind == "ratelimit":
        assert resp.headers["ratelimit-remaining"] == "0"
