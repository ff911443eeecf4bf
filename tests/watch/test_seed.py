"""BlueskyProvider.follow_records: the follow records a live stream's deletes refer to, against the simulator over
loopback HTTP (signed in: viewer fields) and a fake XRPC server for the unauthenticated fall-backs and bad URIs."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import httpx
import orjson
import pytest

from followtui.models import Profile
from followtui.providers import make_provider
from followtui.providers.bluesky import MAX_RELATIONSHIPS, BlueskyProvider
from followtui.providers.errors import IncompleteListError

from .seeding import FAST, PASSWORD, seeded

simulator = pytest.importorskip("followtui.simulator")

FOLLOW = "app.bsky.graph.follow"


@pytest.fixture
def world():
    w = simulator.World.generate(seed=11, followers=230, following=90)
    w.add_app_password("octocat", PASSWORD)
    return w


def truth(world, owner: str = "octocat") -> dict[tuple[str, str], str]:
    me = simulator.did_for(world.account(owner).id)
    out: dict[tuple[str, str], str] = {}
    for row in world.truth(owner)["followers"]:
        out[(simulator.did_for(row["id"]), simulator.rkey_for(*world.follow_record(row["id"], owner)))] = me
    for row in world.truth(owner)["following"]:
        out[(me, simulator.rkey_for(*world.follow_record(owner, row["id"])))] = simulator.did_for(row["id"])
    return out


async def test_signed_in_the_records_come_from_the_viewer_fields_and_match_the_world(world):
    with simulator.SimulatorServer(world, platform="bluesky") as sim:
        bluesky = make_provider("bluesky", sim.url, PASSWORD, identifier="octocat.bsky.test", **FAST)
        try:
            me = await bluesky.lookup_self("octocat.bsky.test")
            records = await bluesky.follow_records(me)
            routes = sim.stats()["by_route"]
        finally:
            await bluesky.aclose()
    expected = truth(world)
    assert len(expected) > 250 and records == expected
    assert not any("listRecords" in r or "getRelationships" in r for r in routes), routes


async def test_the_seed_drives_the_interpreter(world):
    """A follower's delete that the stream would carry (its record key only) is understood from the seed."""
    from datetime import UTC, datetime

    from followtui.core.watch import interpret
    from followtui.models import EventKind

    records = await seeded(world)
    follower = world.truth("octocat")["followers"][3]["id"]
    rkey = simulator.rkey_for(*world.follow_record(follower, "octocat"))

    class Op:
        action, subject = "delete", None

        def __init__(self, rkey: str) -> None:
            self.rkey = rkey

    class Commit:
        repo, at, ops = simulator.did_for(follower), datetime(2026, 1, 5, tzinfo=UTC), (Op(rkey),)

    (change,) = interpret(Commit(), records)
    assert change.kind is EventKind.FOLLOWER_LOST and change.profile_id == simulator.did_for(follower)


# -- a fake XRPC server: lists without viewer fields, listRecords, getRelationships ------------------------------

OWNER = "did:plc:owner000000000000000000"


def did(i: int) -> str:
    return f"did:plc:user{i:020d}"


def row(i: int, viewer: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"did": did(i), "handle": f"user{i}.bsky.social", "viewer": viewer or {"muted": False}}


class Fake:
    def __init__(self, followers: int, following: int) -> None:
        self.followers = [row(i) for i in range(followers)]
        self.following = [row(1000 + i) for i in range(following)]
        self.own_records = [
            {"uri": f"at://{OWNER}/{FOLLOW}/3kown{i:08d}", "cid": "bafy", "value": {"subject": did(1000 + i)}}
            for i in range(following)
        ]
        self.relationship_uri = lambda i: f"at://{did(i)}/{FOLLOW}/3kfol{i:08d}"
        self.requests: list[httpx.Request] = []
        self.repeat_cursor = False

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        nsid = request.url.path.removeprefix("/xrpc/")
        params = parse_qs(request.url.query.decode())
        body: dict[str, Any]
        if nsid in ("app.bsky.graph.getFollowers", "app.bsky.graph.getFollows"):
            items = self.followers if nsid.endswith("Followers") else self.following
            start = int(params.get("cursor", ["0"])[0])
            limit = int(params["limit"][0])
            key = "followers" if nsid.endswith("Followers") else "follows"
            body = {"subject": {"did": OWNER, "handle": "owner.test"}, key: items[start : start + limit]}
            if start + limit < len(items):
                body["cursor"] = str(start + limit)
        elif nsid == "com.atproto.server.createSession":
            body = {"did": OWNER, "handle": "owner.test", "accessJwt": "access-token", "refreshJwt": "refresh-token"}
        elif nsid == "com.atproto.repo.listRecords":
            assert params["repo"] == [OWNER] and params["collection"] == [FOLLOW]
            start = int(params.get("cursor", ["0"])[0])
            body = {"records": self.own_records[start : start + 100]}
            if start + 100 < len(self.own_records):
                body["cursor"] = "0" if self.repeat_cursor and start else str(start + 100)
        elif nsid == "app.bsky.graph.getRelationships":
            assert params["actor"] == [OWNER]
            others = params["others"]
            assert len(others) <= MAX_RELATIONSHIPS
            rels = []
            for other in others:
                i = int(other.removeprefix("did:plc:user"))
                rels.append(
                    {"$type": "app.bsky.graph.defs#relationship", "did": other, "followedBy": self.relationship_uri(i)}
                )
            rels.append({"$type": "app.bsky.graph.defs#notFoundActor", "actor": "did:plc:gone", "notFound": True})
            rels.append({"did": ["not", "hashable"], "followedBy": "x"})
            rels.append("not an object")
            body = {"actor": OWNER, "relationships": rels}
        else:
            return httpx.Response(501, content=orjson.dumps({"error": "MethodNotImplemented", "message": nsid}))
        return httpx.Response(200, content=orjson.dumps(body), headers={"content-type": "application/json"})


def provider(fake: Fake, password: str | None = None) -> BlueskyProvider:
    client = httpx.AsyncClient(transport=httpx.MockTransport(fake.handler))
    return BlueskyProvider(
        "https://appview.test",
        password,
        identifier="owner.test",
        pds="https://pds.test",
        client=client,
        per_page=50,
        **FAST,
    )


ME = Profile(id=OWNER, handle="owner.test")


async def test_without_a_session_followers_come_from_relationships_and_own_records_from_list_records():
    fake = Fake(followers=75, following=130)
    records = await provider(fake).follow_records(ME)
    expected = {(did(i), f"3kfol{i:08d}"): OWNER for i in range(75)}
    expected |= {(OWNER, f"3kown{i:08d}"): did(1000 + i) for i in range(130)}
    assert records == expected
    relationship_calls = [r for r in fake.requests if r.url.path.endswith("getRelationships")]
    assert len(relationship_calls) == 3  # 75 followers, 30 a request
    assert {r.url.host for r in fake.requests if r.url.path.endswith("listRecords")} == {"pds.test"}


async def test_uris_that_do_not_name_the_expected_record_are_left_out():
    fake = Fake(followers=6, following=0)
    bad = {
        0: f"at://{did(99)}/{FOLLOW}/3kx",  # another repo
        1: f"at://{did(1)}/app.bsky.feed.like/3kx",  # another collection
        2: f"at://{did(2)}/{FOLLOW}/bad rkey",
        3: f"at://{did(3)}/{FOLLOW}/..",
        4: "https://example.com/x",
    }
    fake.relationship_uri = lambda i: bad.get(i, f"at://{did(i)}/{FOLLOW}/3kgood{i}")
    fake.own_records = [
        {"uri": f"at://{did(7)}/{FOLLOW}/3ka", "value": {"subject": did(8)}},  # not the owner's repo
        {"uri": f"at://{OWNER}/{FOLLOW}/3kb", "value": {"subject": "not a did"}},
        {"uri": f"at://{OWNER}/{FOLLOW}/3kc", "value": "nope"},
        {"uri": f"at://{OWNER}/{FOLLOW}/3kd", "value": {"subject": OWNER}},  # a self-follow
        {"uri": f"at://{OWNER}/{FOLLOW}/3ke", "value": {"subject": did(9)}},
        "not an object",
    ]
    fake.following = [row(9)]
    records = await provider(fake).follow_records(ME)
    assert records == {(did(5), "3kgood5"): OWNER, (OWNER, "3ke"): did(9)}


def with_viewer_fields(fake: Fake) -> None:
    fake.followers[0]["viewer"] = {"followedBy": f"at://{did(0)}/{FOLLOW}/3kviewer"}
    fake.following = [
        row(1000, {"following": f"at://{OWNER}/{FOLLOW}/3kmine"}),
        row(1001, {"following": f"at://{OWNER}/{FOLLOW}/3kmine2"}),
    ]


async def test_signed_in_viewer_fields_are_used_and_only_the_missing_looked_up():
    fake = Fake(followers=4, following=2)
    with_viewer_fields(fake)
    records = await provider(fake, PASSWORD).follow_records(ME)
    assert records[(did(0), "3kviewer")] == OWNER and (did(0), "3kfol00000000") not in records
    assert records[(OWNER, "3kmine")] == did(1000) and records[(OWNER, "3kmine2")] == did(1001)
    assert not any(r.url.path.endswith("listRecords") for r in fake.requests)  # every own record was placed
    relationships = [r for r in fake.requests if r.url.path.endswith("getRelationships")]
    assert [parse_qs(r.url.query.decode())["others"] for r in relationships] == [[did(1), did(2), did(3)]]
    lists = [r for r in fake.requests if "/app.bsky.graph.getFollow" in r.url.path]
    assert lists and all(r.url.host == "pds.test" and r.headers["authorization"] for r in lists)


async def test_without_a_session_viewer_fields_are_not_read():
    fake = Fake(followers=4, following=2)
    with_viewer_fields(fake)
    records = await provider(fake).follow_records(ME)
    assert (did(0), "3kviewer") not in records and records[(did(0), "3kfol00000000")] == OWNER
    assert any(r.url.path.endswith("listRecords") for r in fake.requests)


async def test_a_repeated_list_records_cursor_is_refused():
    fake = Fake(followers=0, following=250)
    fake.repeat_cursor = True
    with pytest.raises(IncompleteListError):
        await provider(fake).follow_records(ME)


async def test_signed_in_as_another_account_the_viewer_fields_are_not_trusted(world):
    """The viewer fields describe the signed-in account's relations: signed in as someone else, they would name
    that account's records. follow_records then reads unauthenticated (and the simulator has no fall-back
    endpoints, so it answers 501 for them)."""
    from followtui.providers.errors import ApiError

    other = world.truth("octocat")["following"][0]["login"]
    world.add_app_password(other, PASSWORD)
    with simulator.SimulatorServer(world, platform="bluesky") as sim:
        bluesky = make_provider("bluesky", sim.url, PASSWORD, identifier=simulator.handle_for(other), **FAST)
        try:
            me = await bluesky.lookup_self("octocat.bsky.test")
            with pytest.raises(ApiError, match=r"listRecords|getRelationships"):
                await bluesky.follow_records(me)
        finally:
            await bluesky.aclose()
