"""The Mastodon format: Account shapes against recordings, Link pagination by follow id, hidden networks,
suspended and moved accounts, relationships, follow/unfollow, rate limits and faults."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from email.utils import parsedate_to_datetime

import httpx
import pytest

from followtui.simulator import FaultPlan, SimulatorServer, World, mastodon_id_for

from .conftest import TOKEN, fetch_all, recorded

ACCOUNTS = "/api/v1/accounts"


@pytest.fixture
def masto(world: World) -> Iterator[SimulatorServer]:
    with SimulatorServer(world, platform="mastodon") as sim:
        yield sim


@pytest.fixture
def mc(masto: SimulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=masto.url, timeout=5) as c:
        yield c


def bearer(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def owner_id(world: World) -> str:
    return mastodon_id_for(world.owners[0].id)


def test_account_fields_match_the_recorded_lookup(mc: httpx.Client, world: World) -> None:
    rec = recorded("accounts_lookup_note_html_hide_collections.json", "mastodon")
    resp = mc.get(f"{ACCOUNTS}/lookup", params={"acct": "octocat"})
    assert resp.status_code == 200
    assert resp.headers["content-type"] == rec["headers"]["content-type"]
    me = resp.json()
    assert set(me) == set(rec["body"])
    assert me["id"] == owner_id(world) and me["acct"] == me["username"] == "octocat"
    assert me["followers_count"] == 250 and me["following_count"] == 120
    assert me["created_at"].endswith("T00:00:00.000Z")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", me["last_status_at"])
    assert mc.get(f"{ACCOUNTS}/{me['id']}").json() == me


def test_list_accounts_vary_like_real_ones(mc: httpx.Client, world: World) -> None:
    accounts = fetch_all(mc, f"{ACCOUNTS}/{owner_id(world)}/followers", limit=80)
    rec = recorded("accounts_lookup_note_html_hide_collections.json", "mastodon")["body"]
    optional = {"moved", "limited"}
    for acc in accounts:
        assert set(rec) <= set(acc) and set(acc) - set(rec) <= optional
        assert isinstance(acc["id"], str) and acc["id"].isdigit()
        assert acc["note"] == "" or (acc["note"].startswith("<p>") and acc["note"].endswith("</p>"))
        assert acc["display_name"] is not None
    notes = [a["note"] for a in accounts]
    assert any("<br />" in n for n in notes) and any("<a href=" in n for n in notes)
    assert any("@" in a["acct"] for a in accounts) and any("@" not in a["acct"] for a in accounts)
    assert any(a["hide_collections"] is True for a in accounts)
    assert any(a["locked"] for a in accounts) and any(a["bot"] for a in accounts)
    assert any(a["emojis"] for a in accounts) and any(a["fields"] for a in accounts)


def test_lookup_by_acct_and_404(mc: httpx.Client, world: World) -> None:
    rec = recorded("accounts_lookup_404_record_not_found.json", "mastodon")
    resp = mc.get(f"{ACCOUNTS}/lookup", params={"acct": "no-such-person-here"})
    assert resp.status_code == 404 and resp.json() == rec["body"]
    assert mc.get(f"{ACCOUNTS}/123").status_code == 404
    accounts = fetch_all(mc, f"{ACCOUNTS}/{owner_id(world)}/followers", limit=80)
    remote = next(a for a in accounts if "@" in a["acct"])
    assert mc.get(f"{ACCOUNTS}/lookup", params={"acct": remote["acct"]}).json()["id"] == remote["id"]
    assert mc.get(f"{ACCOUNTS}/lookup", params={"acct": remote["username"]}).status_code == 404  # not local
    local = next(a for a in accounts if "@" not in a["acct"])
    assert mc.get(f"{ACCOUNTS}/lookup", params={"acct": f"@{local['acct']}"}).json()["id"] == local["id"]


def test_link_pagination_by_follow_id(mc: httpx.Client, world: World) -> None:
    path = f"{ACCOUNTS}/{owner_id(world)}/followers"
    first = mc.get(path, params={"limit": 7})
    link = first.headers["link"]
    assert re.fullmatch(r'<[^>]+\?limit=7&max_id=\d+>; rel="next", <[^>]+\?limit=7&since_id=\d+>; rel="prev"', link)
    ids = world.follower_ids("octocat")
    last_fid = world.follow_record(ids[6], "octocat")[0]
    first_fid = world.follow_record(ids[0], "octocat")[0]
    assert first.links["next"]["url"].endswith(f"max_id={last_fid}")  # a follow id, not an account id
    assert first.links["prev"]["url"].endswith(f"since_id={first_fid}")
    assert first.links["next"]["url"].startswith(mc.base_url.scheme + "://")
    everyone = fetch_all(mc, path, limit=7)
    assert [a["id"] for a in everyone] == [mastodon_id_for(r["id"]) for r in world.truth("octocat")["followers"]]
    following = fetch_all(mc, f"{ACCOUNTS}/{owner_id(world)}/following")
    assert [a["id"] for a in following] == [mastodon_id_for(r["id"]) for r in world.truth("octocat")["following"]]
    # The last page has no next link; an exactly-full last page links to an empty one without a Link header.
    last = mc.get(path, params={"limit": 7, "max_id": world.follow_record(ids[-4], "octocat")[0]})
    assert len(last.json()) == 3 and "next" not in last.links and "prev" in last.links
    empty = mc.get(path, params={"max_id": world.follow_record(ids[-1], "octocat")[0]})
    assert empty.json() == [] and "link" not in empty.headers


def test_since_and_min_id_see_new_followers(mc: httpx.Client, world: World) -> None:
    path = f"{ACCOUNTS}/{owner_id(world)}/followers"
    first = mc.get(path, params={"limit": 5})
    newcomer = next(
        i for i in world.random_account_ids() if not world.is_following(i, "octocat") and i != world.owners[0].id
    )
    assert world.follow(newcomer, "octocat")
    newer = mc.get(first.links["prev"]["url"]).json()
    assert [a["id"] for a in newer] == [mastodon_id_for(newcomer)]
    fid = world.follow_record(world.follower_ids("octocat")[3], "octocat")[0]
    above = mc.get(path, params={"min_id": fid, "limit": 2}).json()
    expected = world.follower_ids("octocat")[1:3]  # the two just above min_id, still newest first
    assert [a["id"] for a in above] == [mastodon_id_for(i) for i in expected]


def test_limit_default_and_clamp(mc: httpx.Client, world: World) -> None:
    path = f"{ACCOUNTS}/{owner_id(world)}/followers"
    assert len(mc.get(path).json()) == 40
    big = mc.get(path, params={"limit": 500})
    assert len(big.json()) == 80 and "limit=500" in big.links["next"]["url"]


def test_hidden_network_is_empty_for_others_but_not_for_its_owner(mc: httpx.Client, world: World) -> None:
    world.add_token(TOKEN, "octocat")
    world.hide_network("octocat")
    path = f"{ACCOUNTS}/{owner_id(world)}/followers"
    anon = mc.get(path)
    assert anon.status_code == 200 and anon.json() == [] and "link" not in anon.headers
    assert mc.get(f"{ACCOUNTS}/{owner_id(world)}").json()["hide_collections"] is True
    own = mc.get(path, headers=bearer())
    assert len(own.json()) == 40 and "next" in own.links


def test_suspended_and_moved_shapes(mc: httpx.Client, world: World) -> None:
    a, b, c, d = world.follower_ids("octocat")[:4]
    world.suspend(a)
    rec = recorded("docs_get_account_suspended_user.json", "mastodon")
    body = mc.get(f"{ACCOUNTS}/{mastodon_id_for(a)}").json()
    assert set(body) == set(rec) and body["suspended"] is True and body["followers_count"] == 0
    assert mc.get(f"{ACCOUNTS}/{mastodon_id_for(a)}/followers").json() == []
    world.move(b, c)
    moved = mc.get(f"{ACCOUNTS}/{mastodon_id_for(b)}").json()
    assert moved["moved"]["id"] == mastodon_id_for(c) and "moved" not in moved["moved"]
    world.deactivate(d)
    assert mc.get(f"{ACCOUNTS}/{mastodon_id_for(d)}").status_code == 404
    assert mastodon_id_for(d) not in {
        x["id"] for x in fetch_all(mc, f"{ACCOUNTS}/{owner_id(world)}/followers", limit=80)
    }


def test_relationships(mc: httpx.Client, world: World) -> None:
    world.add_token(TOKEN, "octocat")
    rec = recorded("relationships.json", "mastodon")["body"][0]
    mutual = next(i for i in world.follower_ids("octocat") if world.is_following("octocat", i))
    fan = next(i for i in world.follower_ids("octocat") if not world.is_following("octocat", i))
    ids = [mastodon_id_for(mutual), mastodon_id_for(fan), "999"]
    resp = mc.get(f"{ACCOUNTS}/relationships", params={"id[]": ids}, headers=bearer())
    rels = resp.json()
    assert [r["id"] for r in rels] == ids[:2]  # unknown ids dropped
    assert all(set(r) == set(rec) for r in rels)
    assert (rels[0]["following"], rels[0]["followed_by"]) == (True, True)
    assert (rels[1]["following"], rels[1]["followed_by"]) == (False, True)
    anon = mc.get(f"{ACCOUNTS}/relationships", params={"id[]": ids})
    assert anon.status_code == 401 and anon.json() == {"error": "The access token is invalid"}


def test_follow_and_unfollow(mc: httpx.Client, world: World) -> None:
    world.add_token(TOKEN, "octocat")
    rec = recorded("follow_post_relationship.json", "mastodon")["body"]
    candidates = [i for i in world.follower_ids("octocat") if not world.is_following("octocat", i)]
    accounts = {a["id"]: a for a in fetch_all(mc, f"{ACCOUNTS}/{owner_id(world)}/followers", limit=80)}
    open_one = next(i for i in candidates if not accounts[mastodon_id_for(i)]["locked"])
    locked = next(i for i in candidates if accounts[mastodon_id_for(i)]["locked"])
    rel = mc.post(f"{ACCOUNTS}/{mastodon_id_for(open_one)}/follow", headers=bearer()).json()
    assert set(rel) == set(rec) and rel["following"] is True and rel["followed_by"] is True
    assert world.is_following("octocat", open_one)
    asked = mc.post(f"{ACCOUNTS}/{mastodon_id_for(locked)}/follow", headers=bearer()).json()
    assert asked["requested"] is True and asked["following"] is False
    assert not world.is_following("octocat", locked)
    rel = mc.post(f"{ACCOUNTS}/{mastodon_id_for(open_one)}/unfollow", headers=bearer()).json()
    assert rel["following"] is False and not world.is_following("octocat", open_one)
    cancelled = mc.post(f"{ACCOUNTS}/{mastodon_id_for(locked)}/unfollow", headers=bearer()).json()
    assert cancelled["requested"] is False
    assert mc.post(f"{ACCOUNTS}/{owner_id(world)}/follow", headers=bearer()).status_code == 403


def test_verify_credentials_and_bad_tokens(mc: httpx.Client, world: World) -> None:
    world.add_token(TOKEN, "octocat")
    rec = recorded("verify_credentials_credential_account.json", "mastodon")
    me = mc.get(f"{ACCOUNTS}/verify_credentials", headers=bearer()).json()
    assert set(me) == set(rec["body"]) and set(me["source"]) == set(rec["body"]["source"])
    assert me["id"] == owner_id(world)
    bad_rec = recorded("error_401_invalid_token.json", "mastodon")
    for headers in ({}, bearer("nope")):
        bad = mc.get(f"{ACCOUNTS}/verify_credentials", headers=headers)
        assert bad.status_code == 401 and bad.json() == bad_rec["body"]


def test_rate_limit_headers_and_429(world: World) -> None:
    rec = recorded("relationships.json", "mastodon")["headers"]
    with (
        SimulatorServer(world, platform="mastodon", rate_limit=2, rate_window_s=60) as sim,
        httpx.Client(base_url=sim.url) as c,
    ):
        ok = c.get(f"{ACCOUNTS}/{owner_id(world)}")
        assert {k for k in rec if k.startswith("x-ratelimit")} <= set(ok.headers)
        assert ok.headers["x-ratelimit-limit"] == "2" and ok.headers["x-ratelimit-remaining"] == "1"
        reset = ok.headers["x-ratelimit-reset"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", reset)
        date = parsedate_to_datetime(ok.headers["date"])
        assert date == world.now()
        assert 0 < (datetime.fromisoformat(reset) - date).total_seconds() <= 60  # simulated clock
        c.get(f"{ACCOUNTS}/{owner_id(world)}")
        limited = c.get(f"{ACCOUNTS}/{owner_id(world)}")
    assert limited.status_code == 429 and limited.json() == {"error": "Too many requests"}
    assert limited.headers["x-ratelimit-remaining"] == "0" and "retry-after" not in limited.headers


@pytest.mark.parametrize("kind", ["500", "502", "503", "429", "ratelimit"])
def test_status_faults_speak_mastodon(world: World, kind: str) -> None:
    plan = FaultPlan(rate=1.0, seed=1, kinds=(kind,), retry_after_s=2)
    with SimulatorServer(world, platform="mastodon", faults=plan) as sim:
        resp = httpx.get(f"{sim.url}{ACCOUNTS}/{owner_id(world)}/followers")
    assert resp.status_code == (429 if kind == "ratelimit" else int(kind)) and resp.headers["date"]
    if kind == "502":
        assert resp.headers["content-type"].startswith("text/html")
    else:
        assert set(resp.json()) == {"error"}
    if kind in ("429", "ratelimit"):
        assert resp.json() == {"error": "Too many requests"} and "retry-after" not in resp.headers
        assert resp.headers["x-ratelimit-remaining"] == "0" and resp.headers["x-ratelimit-reset"].endswith("Z")
