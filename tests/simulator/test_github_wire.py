"""The GitHub wire format: shapes compared with real recordings, pagination, auth, errors, follow routes."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime

import httpx

from followtui.simulator import SimulatorServer, World

from .conftest import auth, fetch_all, recorded


def test_list_items_carry_every_recorded_simple_user_field(client: httpx.Client) -> None:
    rec = recorded("users_jacquev6_followers_single_page.json")
    page = client.get("/users/octocat/followers", params={"per_page": 100}).json()
    recorded_keys = set(rec["body"][0])
    modern = [u for u in page if "node_id" in u]
    assert modern and all(recorded_keys <= set(u) for u in page)
    assert set(modern[0]) == {
        "login",
        "id",
        "node_id",
        "avatar_url",
        "gravatar_id",
        "url",
        "html_url",
        "followers_url",
        "following_url",
        "gists_url",
        "starred_url",
        "subscriptions_url",
        "organizations_url",
        "repos_url",
        "events_url",
        "received_events_url",
        "type",
        "user_view_type",
        "site_admin",
    }
    assert modern[0]["following_url"].endswith("/following{/other_user}")


def test_some_accounts_use_the_older_shapes(client: httpx.Client) -> None:
    users = fetch_all(client, "/users/octocat/followers", per_page=100)
    assert any("node_id" not in u and "user_view_type" not in u for u in users)
    assert any("type" not in u for u in users)
    assert all(isinstance(u["id"], int) and u["login"] for u in users)


def test_full_user_has_recorded_fields_and_real_counts(client: httpx.Client, world: World) -> None:
    nvie = next(
        e for e in recorded("user_following_put_delete_check_sequence.json") if e["request"]["url"].endswith("/nvie")
    )
    user = client.get("/users/OCTOCAT").json()  # logins are case-insensitive
    assert set(nvie["body"]) <= set(user)
    assert user["followers"] == len(world.truth("octocat")["followers"]) == 250
    assert user["following"] == 120
    assert user["created_at"].endswith("Z") and "T" in user["created_at"]
    me = client.get("/user", headers=auth())
    assert set(recorded("get_user_authenticated.json")["body"]) <= set(me.json())
    assert me.json()["id"] == user["id"]


def test_headers_match_github(client: httpx.Client, world: World) -> None:
    rec = recorded("users_jacquev6_followers_single_page.json")["headers"]
    resp = client.get("/users/octocat")
    assert resp.headers["content-type"] == rec["content-type"]
    assert parsedate_to_datetime(resp.headers["date"]) == world.now()  # the simulated clock
    for name in ("limit", "remaining", "used", "reset"):
        assert resp.headers[f"x-ratelimit-{name}"].isdigit()
    assert resp.headers["x-ratelimit-resource"] == "core"


def _rels(link: str) -> list[str]:
    return [part.split('rel="')[1].rstrip('"') for part in link.split(", ")]


def test_link_header_follows_github_form(client: httpx.Client, server: SimulatorServer) -> None:
    for n in (1, 2, 3):  # the recorded rel sets for first, middle and last pages
        rec = recorded(f"stargazers_page{n}_link_header.json")
        resp = client.get("/users/octocat/followers", params={"per_page": 100, "page": n})
        assert set(_rels(resp.headers["link"])) == set(_rels(rec["headers"]["link"]))
    middle = client.get("/users/octocat/followers", params={"per_page": 100, "page": 2})
    assert _rels(middle.headers["link"]) == ["prev", "next", "last", "first"]
    assert middle.links["next"]["url"] == f"{server.url}/users/octocat/followers?per_page=100&page=3"
    assert middle.links["first"]["url"].endswith("per_page=100&page=1")
    last = client.get("/users/octocat/followers", params={"per_page": 100, "page": 3})
    assert len(last.json()) == 50 and "next" not in last.links


def test_default_page_size_clamp_and_past_the_end(client: httpx.Client) -> None:
    assert len(client.get("/users/octocat/followers").json()) == 30
    assert client.get("/users/octocat/followers").links["last"]["url"].endswith("?page=9")
    big = client.get("/users/octocat/followers", params={"per_page": 500})
    assert len(big.json()) == 100 and big.links["last"]["url"].endswith("page=3")
    past = client.get("/users/octocat/followers", params={"per_page": 100, "page": 9})
    assert past.status_code == 200 and past.json() == [] and "next" not in past.links


def test_single_page_has_no_link_header(client: httpx.Client) -> None:
    resp = client.get("/users/octocat/following", params={"per_page": 100, "page": 1})
    assert "link" in resp.headers
    small = World.generate(seed=1, followers=12, following=5)
    with SimulatorServer(small) as sim:
        resp = httpx.get(f"{sim.url}/users/octocat/followers")
        assert resp.status_code == 200 and len(resp.json()) == 12 and "link" not in resp.headers


def test_pages_reach_exactly_the_truth(client: httpx.Client, world: World) -> None:
    world.advance_days(3)
    truth = world.truth("octocat")
    for which in ("followers", "following"):
        got = fetch_all(client, f"/users/octocat/{which}", per_page=100)
        assert [(u["id"], u["login"]) for u in got] == [(r["id"], r["login"]) for r in truth[which]]
    authed = httpx.Client(base_url=str(client.base_url), headers=auth())
    assert [u["id"] for u in fetch_all(authed, "/user/followers", per_page=37)] == [r["id"] for r in truth["followers"]]
    by_id = fetch_all(client, f"/user/{truth['owner']['id']}/following", per_page=100)
    assert [u["id"] for u in by_id] == [r["id"] for r in truth["following"]]


def test_auth_errors(client: httpx.Client) -> None:
    rec = recorded("error_401_bad_credentials.json")
    bad = client.get("/user", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.json()["message"] == rec["body"]["message"]
    assert client.get("/users/octocat", headers={"Authorization": "token nope"}).status_code == 401
    missing = client.get("/user/followers")
    assert missing.status_code == 401 and missing.json()["documentation_url"]
    assert client.get("/user", headers={"Authorization": "token ghp_simulatortoken"}).status_code == 200
    assert client.put("/user/following/octocat").status_code == 401


def test_not_found_deleted_suspended_and_renamed(client: httpx.Client, world: World) -> None:
    rec = recorded("error_404_not_found.json")
    followers = world.truth("octocat")["followers"]
    gone, banned, renamed = followers[0], followers[1], followers[2]
    assert client.get("/users/no-such-person-here").json()["message"] == rec["body"]["message"]
    world.delete(gone["id"])
    world.suspend(banned["id"])
    world.rename(renamed["id"], "brand-new-name")
    for login in (gone["login"], banned["login"], renamed["login"]):
        resp = client.get(f"/users/{login}")
        assert resp.status_code == 404
        assert resp.json()["documentation_url"] == "https://docs.github.com/rest"
    assert client.get(f"/user/{gone['id']}").status_code == 404
    after = client.get(f"/user/{renamed['id']}")
    assert after.status_code == 200 and after.json()["login"] == "brand-new-name"
    assert client.get("/users/brand-new-name").json()["id"] == renamed["id"]
    ids = {u["id"] for u in fetch_all(client, "/users/octocat/followers", per_page=100)}
    assert gone["id"] not in ids and banned["id"] not in ids and renamed["id"] in ids


def test_follow_sequence_like_the_recording(client: httpx.Client, world: World) -> None:
    seq = recorded("user_following_put_delete_check_sequence.json")
    expected = [e["status"] for e in seq if "/user/following/" in e["request"]["url"]]
    assert expected == [204, 204, 404, 204, 204]
    target = world.truth("octocat")["following"][0]["login"]
    h = auth()
    got = [
        client.get(f"/user/following/{target}", headers=h).status_code,
        client.delete(f"/user/following/{target}", headers=h).status_code,
        client.get(f"/user/following/{target}", headers=h).status_code,
        client.put(f"/user/following/{target}", headers={**h, "Content-Length": "0"}).status_code,
        client.get(f"/user/following/{target}", headers=h).status_code,
    ]
    assert got == expected
    assert client.get(f"/users/octocat/following/{target}").status_code == 204
    assert client.get(f"/users/{target}/following/octocat").status_code in (204, 404)
    kinds = [(e["kind"], e["via"]) for e in world.events()]
    assert kinds == [("unfollow", "api"), ("follow", "api")]
    assert world.truth("octocat")["following"][0]["login"] == target  # most recent first
    assert client.put("/user/following/no-such-person-here", headers=h).status_code == 404


def test_primary_rate_limit_exhaustion() -> None:
    world = World.generate(seed=2, followers=40, following=10)
    with SimulatorServer(world, rate_limit=3) as sim, httpx.Client(base_url=sim.url) as c:
        remaining = [c.get("/users/octocat").headers["x-ratelimit-remaining"] for _ in range(3)]
        assert remaining == ["2", "1", "0"]
        blocked = c.get("/users/octocat/followers")
        assert blocked.status_code == 403
        assert blocked.headers["x-ratelimit-remaining"] == "0"
        assert blocked.json()["message"].startswith("API rate limit exceeded for ")
        date = int(parsedate_to_datetime(blocked.headers["date"]).timestamp())
        assert 3500 < int(blocked.headers["x-ratelimit-reset"]) - date <= 3600  # reset on the Date clock
        rate = c.get("/rate_limit").json()  # /rate_limit itself never counts
        assert rate["rate"]["remaining"] == 0 and rate["resources"]["core"]["limit"] == 3
    with SimulatorServer(world, rate_limit=0) as sim:
        resp = httpx.get(f"{sim.url}/users/octocat")
        assert resp.status_code == 200 and "x-ratelimit-limit" not in resp.headers
        assert httpx.get(f"{sim.url}/rate_limit").status_code == 404


def test_rate_limit_window_resets(world: World) -> None:
    with SimulatorServer(world, rate_limit=2, rate_window_s=0.4) as sim, httpx.Client(base_url=sim.url) as c:
        assert [c.get("/users/octocat").status_code for _ in range(3)] == [200, 200, 403]
        world.advance_days(1)  # the simulated clock jumps; the reset moves with it
        blocked = c.get("/users/octocat")
        date = int(parsedate_to_datetime(blocked.headers["date"]).timestamp())
        assert blocked.status_code == 403 and 0 <= int(blocked.headers["x-ratelimit-reset"]) - date <= 1
        time.sleep(0.45)
        assert c.get("/users/octocat").headers["x-ratelimit-remaining"] == "1"


def test_unknown_route_is_github_404(client: httpx.Client) -> None:
    resp = client.get("/repos/octocat/hello")
    assert resp.status_code == 404 and resp.json()["message"] == "Not Found"


def test_bot_logins_with_brackets_resolve(client: httpx.Client, world: World) -> None:
    bots = [a for a in map(world.account, world.random_account_ids()) if a and "[bot]" in a.login and a.active]
    assert bots
    resp = client.get(f"/user/{bots[0].id}")
    assert resp.json()["login"] == bots[0].login
    assert client.get("/users/" + bots[0].login.replace("[", "%5B").replace("]", "%5D")).status_code == 200
