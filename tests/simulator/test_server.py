"""Server behaviour: seeded faults of every kind, latency, concurrency, counters and control routes."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from email.utils import parsedate_to_datetime

import httpx
import orjson
import pytest

from followtui.simulator import FAULT_KINDS, FaultPlan, SimulatorServer, World

from .conftest import TOKEN, auth, fetch_all


def _date(resp: httpx.Response) -> int:
    return int(parsedate_to_datetime(resp.headers["date"]).timestamp())


STATUS = {"500": 500, "502": 502, "503": 503, "429": 429, "ratelimit": 403}


def _outcome(client: httpx.Client, path: str = "/users/octocat/followers?per_page=5") -> str:
    """What a client experiences: a status, an unparseable body, or a transport error."""
    try:
        resp = client.get(path)
    except httpx.ReadTimeout:
        return "timeout"
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.ConnectError) as exc:
        return "truncated" if "body" in str(exc) else "dropped"
    try:
        orjson.loads(resp.content)
    except orjson.JSONDecodeError:
        return f"{resp.status_code}:badjson"
    return str(resp.status_code)


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_each_fault_kind(world: World, kind: str) -> None:
    plan = FaultPlan(rate=1.0, seed=1, kinds=(kind,), retry_after_s=2, hang_s=0.2)
    with SimulatorServer(world, faults=plan) as sim, httpx.Client(base_url=sim.url, timeout=3) as c:
        started = time.perf_counter()
        try:
            resp = c.get("/users/octocat/followers", params={"per_page": 5})
        except httpx.HTTPError as exc:
            resp, error = None, exc
        elapsed = time.perf_counter() - started
        if kind in STATUS:
            assert resp is not None and resp.status_code == STATUS[kind]
            assert resp.headers["date"]
        if kind in ("500", "503"):
            assert resp.json()["message"]
        elif kind == "502":
            assert resp.headers["content-type"].startswith("text/html")
        elif kind == "429":
            assert resp.headers["retry-after"] == "2" and "secondary rate limit" in resp.json()["message"]
        elif kind == "reset":
            assert resp is None and isinstance(error, (httpx.ReadError, httpx.RemoteProtocolError))
        elif kind == "timeout":
            assert resp is None and isinstance(error, httpx.RemoteProtocolError) and elapsed >= 0.2
        elif kind == "truncated":
            assert (resp is None and "incomplete" in str(error)) or "complete message body" in str(error)
        elif kind == "malformed":
            assert resp is not None and resp.status_code == 200
            with pytest.raises(orjson.JSONDecodeError):
                orjson.loads(resp.content)
        assert plan.injected == {kind: 1}
        assert sim.stats()["faults"] == {kind: 1}
        assert c.get("/_sim/stats").status_code == 200  # control routes are never faulted


def test_ratelimit_fault_has_both_primary_and_secondary_forms(world: World) -> None:
    plan = FaultPlan(rate=1.0, seed=2, kinds=("ratelimit",), retry_after_s=3)
    with SimulatorServer(world, faults=plan) as sim, httpx.Client(base_url=sim.url) as c:
        seen = {"primary": 0, "secondary": 0}
        for _ in range(20):
            resp = c.get("/users/octocat")
            assert resp.status_code == 403
            if resp.headers.get("x-ratelimit-remaining") == "0":
                wait = int(resp.headers["x-ratelimit-reset"]) - _date(resp)  # one clock, as on GitHub
                assert 0 < wait <= 6
                assert resp.json()["message"].startswith("API rate limit exceeded")
                seen["primary"] += 1
            else:
                assert resp.headers["retry-after"] == "3"
                assert resp.json()["message"].startswith("You have exceeded a secondary rate limit")
                seen["secondary"] += 1
        assert seen["primary"] and seen["secondary"]


def test_hung_request_times_out_on_the_client(world: World) -> None:
    plan = FaultPlan(rate=1.0, seed=1, kinds=("timeout",), hang_s=30)
    with SimulatorServer(world, faults=plan) as sim, httpx.Client(base_url=sim.url, timeout=0.3) as c:
        with pytest.raises(httpx.ReadTimeout):
            c.get("/users/octocat")
        started = time.perf_counter()
    assert time.perf_counter() - started < 2  # stop() wakes the hung handler


def test_fault_rate_is_honoured_and_reproducible(world: World) -> None:
    def run(seed: int) -> list[str]:
        plan = FaultPlan(rate=0.25, seed=seed, kinds=("500", "503", "429", "malformed"))
        with SimulatorServer(world, faults=plan) as sim, httpx.Client(base_url=sim.url) as c:
            return [_outcome(c, "/users/octocat") for _ in range(400)]

    first, again, other = run(5), run(5), run(6)
    assert first == again and first != other
    faulted = [o for o in first if o != "200"]
    assert 70 <= len(faulted) <= 130
    assert set(faulted) == {"500", "503", "429", "200:badjson"}


def test_mixed_faults_all_happen_and_max_faults_caps_them(world: World) -> None:
    plan = FaultPlan(rate=0.3, seed=9, hang_s=0.05, max_faults=60)
    with SimulatorServer(world, faults=plan) as sim, httpx.Client(base_url=sim.url, timeout=2) as c:
        outcomes = [_outcome(c) for _ in range(300)]
    assert set(plan.injected) == set(FAULT_KINDS)
    assert sum(plan.injected.values()) == 60
    assert outcomes[-50:].count("200") == 50  # the cap reached, the rest are clean
    assert {"dropped", "truncated", "200:badjson", "502:badjson", "403", "429"} <= set(outcomes)


def test_faults_change_at_runtime_and_through_the_control_route(world: World) -> None:
    with SimulatorServer(world) as sim, httpx.Client(base_url=sim.url) as c:
        assert c.get("/users/octocat").status_code == 200
        sim.faults = FaultPlan(rate=1.0, seed=1, kinds=("503",))
        assert c.get("/users/octocat").status_code == 503
        body = c.post("/_sim/faults", json={"rate": 1.0, "seed": 3, "kinds": ["500"]}).json()
        assert body["rate"] == 1.0 and body["kinds"] == ["500"]
        assert c.get("/users/octocat").status_code == 500
        assert c.post("/_sim/faults", json={"rate": 0}).json() == {"rate": 0}
        assert sim.faults is None and c.get("/users/octocat").status_code == 200
        assert c.post("/_sim/faults", json={"rate": 0.5, "kinds": ["bogus"]}).status_code == 400


def test_latency_applies_to_api_routes_only(world: World) -> None:
    with SimulatorServer(world, latency_ms=60, jitter_ms=5) as sim, httpx.Client(base_url=sim.url) as c:
        c.get("/_sim/stats")  # warm the connection
        started = time.perf_counter()
        c.get("/users/octocat")
        assert time.perf_counter() - started >= 0.05
        started = time.perf_counter()
        c.get("/_sim/stats")
        assert time.perf_counter() - started < 0.05


def test_concurrent_clients_see_consistent_pages(world: World) -> None:
    big = World.generate(seed=3, followers=3000, following=1000)
    with (
        SimulatorServer(big, latency_ms=5) as sim,
        httpx.Client(base_url=sim.url, limits=httpx.Limits(max_connections=32)) as c,
    ):
        pages = list(range(1, 31))
        with ThreadPoolExecutor(max_workers=24) as pool:
            results = list(
                pool.map(lambda p: c.get("/users/octocat/followers", params={"per_page": 100, "page": p}), pages)
            )
        ids = [u["id"] for r in results for u in r.json()]
        assert ids == [row["id"] for row in big.truth("octocat")["followers"]]
        assert sim.stats()["by_route"]["followers"] == 30


def test_control_routes(world: World) -> None:
    with SimulatorServer(world) as sim, httpx.Client(base_url=sim.url) as c:
        truth = c.get("/_sim/truth", params={"owner": "octocat"}).json()
        assert truth == world.truth("octocat")
        summary = c.post("/_sim/advance", json={"days": 2}).json()
        assert summary["days"] == 2 and summary["now"] == "2026-01-07T09:00:00Z" and summary["events"] > 0
        events = c.get("/_sim/events").json()
        assert len(events) == summary["events"]
        since = events[len(events) // 2]["at"]
        assert c.get("/_sim/events", params={"since": since}).json() == world.events(since)
        assert c.get("/users/octocat").headers["date"] == "Wed, 07 Jan 2026 09:00:00 GMT"
        follower = world.truth("octocat")["followers"][0]
        assert c.post("/_sim/change", json={"kind": "delete", "actor": follower["id"]}).json() == {"changed": True}
        assert c.get(f"/users/{follower['login']}").status_code == 404
        c.post("/_sim/token", json={"token": "second", "owner": "octocat"})
        assert c.get("/user", headers={"Authorization": "token second"}).status_code == 200
        stats = c.get("/_sim/stats").json()
        assert stats["api_requests"] == 3 and stats["control_requests"] >= 6
        assert stats["by_route"]["user"] == 2 and stats["by_route"]["auth_user"] == 1
        assert stats["by_status"]["404"] == 1
        assert c.get("/_sim/nope").status_code == 404
        assert c.post("/_sim/advance", content=b"{not json").status_code == 400


def test_sync_sized_run_is_quick(world: World) -> None:
    big = World.generate(seed=4, followers=20_000, following=5_000)
    big.add_token(TOKEN, "octocat")
    with SimulatorServer(big) as sim, httpx.Client(base_url=sim.url, headers=auth()) as c:
        started = time.perf_counter()
        got = fetch_all(c, "/user/followers", per_page=100)
        elapsed = time.perf_counter() - started
    assert len(got) == 20_000
    assert elapsed < 5, f"200 pages took {elapsed:.2f}s"
