"""Bluesky's event streams from the simulator: Jetstream (JSON) and the repo firehose (DAG-CBOR), over real
loopback WebSockets, decoded by an independent decoder (libipld)."""

from __future__ import annotations

import asyncio
import calendar
import hashlib
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import libipld
import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from followtui.simulator import Account, SimulatorServer, StreamServer, World, dagcbor, did_for, rkey_for
from followtui.simulator.bluesky import BlueskyApp

FOLLOW = "app.bsky.graph.follow"
T = 3.0  # seconds to wait for a frame that must come


@pytest.fixture
def world() -> World:
    return World.generate(seed=11, followers=60, following=40)


@pytest.fixture
def stream(world: World) -> Iterator[StreamServer]:
    with StreamServer(world) as s:
        yield s


def owner(world: World) -> Account:
    return world.owners[0]


def strangers(world: World, n: int) -> list[int]:
    """Active non-owner accounts the owner does not follow."""
    me = owner(world)
    out = [i for i in world.random_account_ids() if i != me.id and not world.is_following(me, i)]
    return out[:n]


def cid_str(value: dict[str, Any]) -> str:
    """A record's CID computed independently: libipld's DAG-CBOR, sha2-256, CIDv1 dag-cbor."""
    digest = hashlib.sha256(libipld.encode_dag_cbor(value)).digest()
    return libipld.encode_cid(bytes((1, 0x71, 0x12, 0x20)) + digest)


async def jmsg(ws: ClientConnection, timeout: float = T) -> dict[str, Any]:
    return orjson.loads(await asyncio.wait_for(ws.recv(), timeout))


async def frame(ws: ClientConnection, timeout: float = T) -> tuple[dict[str, Any], dict[str, Any]]:
    raw = await asyncio.wait_for(ws.recv(), timeout)
    assert isinstance(raw, bytes)
    header, body = libipld.decode_dag_cbor_multi(raw)
    return header, body


async def silent(ws: ClientConnection, timeout: float = 0.15) -> None:
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(ws.recv(), timeout)


def fh_url(stream: StreamServer, cursor: int | None = None) -> str:
    return stream.firehose_url + ("" if cursor is None else f"?cursor={cursor}")


# ---------------------------------------------------------------------- both endpoints, one change


async def test_follow_and_unfollow_on_both_endpoints(world: World, stream: StreamServer) -> None:
    me, other = owner(world), strangers(world, 1)[0]
    my_did, their_did = did_for(me.id), did_for(other)
    async with connect(stream.jetstream_url) as js, connect(fh_url(stream)) as fh:
        assert world.follow(me, other)
        fid, ts = world.follow_record(me, other)
        rkey = rkey_for(fid, ts)
        assert BlueskyApp(world).follow_uri(me, world.account(other)) == f"at://{my_did}/{FOLLOW}/{rkey}"

        m = await jmsg(js)
        assert set(m) == {"did", "time_us", "kind", "commit"}
        assert (m["did"], m["kind"], m["time_us"]) == (my_did, "commit", world.now_ts() * 1_000_000)
        c = m["commit"]
        assert set(c) == {"rev", "operation", "collection", "rkey", "record", "cid"}
        assert (c["operation"], c["collection"], c["rkey"]) == ("create", FOLLOW, rkey)
        assert c["record"]["$type"] == FOLLOW and c["record"]["subject"] == their_did
        assert c["record"]["createdAt"].endswith("Z") and c["cid"] == cid_str(c["record"])

        header, body = await frame(fh)
        assert header == {"op": 1, "t": "#commit"}
        assert {"seq", "rebase", "tooBig", "repo", "commit", "rev", "since", "blocks", "ops", "blobs", "time"} <= set(
            body
        )
        assert (body["repo"], body["rev"], body["rebase"], body["tooBig"], body["blobs"]) == (
            my_did, c["rev"], False, False, [],
        )  # fmt: skip
        assert body["since"] is None and body["seq"] == stream.log.head_seq
        assert body["time"] == time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(world.now_ts()))
        [op] = body["ops"]
        assert (op["action"], op["path"]) == ("create", f"{FOLLOW}/{rkey}")
        assert libipld.encode_cid(op["cid"]) == c["cid"]
        car_header, blocks = libipld.decode_car(body["blocks"])
        assert car_header == {"roots": [body["commit"]], "version": 1}
        assert blocks[op["cid"]] == c["record"]
        commit_block = blocks[body["commit"]]
        assert (commit_block["did"], commit_block["rev"], commit_block["version"]) == (my_did, body["rev"], 3)
        for cid, block in blocks.items():  # every block is addressed by its real hash
            assert cid == bytes((1, 0x71, 0x12, 0x20)) + hashlib.sha256(libipld.encode_dag_cbor(block)).digest()

        first_rev, first_us = c["rev"], m["time_us"]
        assert world.unfollow(me, other)
        m = await jmsg(js)
        assert m["did"] == my_did and m["time_us"] > first_us
        assert m["commit"] == {"rev": m["commit"]["rev"], "operation": "delete", "collection": FOLLOW, "rkey": rkey}
        assert m["commit"]["rev"] > first_rev
        _, body = await frame(fh)
        assert body["since"] == first_rev and body["rev"] == m["commit"]["rev"]
        [op] = body["ops"]
        assert (op["action"], op["path"], op["cid"]) == ("delete", f"{FOLLOW}/{rkey}", None)
        assert libipld.encode_cid(op["prev"]) == c["cid"]  # sync 1.1: the deleted record's CID


async def test_refollow_is_one_commit_with_delete_and_create(world: World, stream: StreamServer) -> None:
    me = owner(world)
    other = world.following_ids(me)[-1]
    old = rkey_for(*world.follow_record(me, other))
    async with connect(stream.jetstream_url) as js, connect(fh_url(stream)) as fh:
        assert world.refollow(me, other)
        assert world.is_following(me, other)
        new = rkey_for(*world.follow_record(me, other))
        assert new != old
        a, b = await jmsg(js), await jmsg(js)
        assert (a["commit"]["operation"], a["commit"]["rkey"]) == ("delete", old)
        assert (b["commit"]["operation"], b["commit"]["rkey"]) == ("create", new)
        assert b["commit"]["record"]["subject"] == did_for(other)
        assert a["commit"]["rev"] == b["commit"]["rev"] and a["time_us"] == b["time_us"]
        _, body = await frame(fh)
        assert [(op["action"], op["path"]) for op in body["ops"]] == [
            ("delete", f"{FOLLOW}/{old}"),
            ("create", f"{FOLLOW}/{new}"),
        ]
        await silent(fh)
    assert not world.refollow(me, strangers(world, 1)[0])  # not following: nothing to re-follow
    assert world.log[-1]["kind"] == "refollow"


async def test_evolution_days_become_commits_in_order(world: World, stream: StreamServer) -> None:
    first = len(world.log)
    async with connect(stream.jetstream_url) as js:
        world.advance_days(3)
        changes = [e for e in world.log[first:] if e["kind"] in ("follow", "unfollow")]
        assert changes
        got = [await jmsg(js) for _ in changes]
    assert [m["commit"]["operation"] for m in got] == ["create" if e["kind"] == "follow" else "delete" for e in changes]
    assert [m["did"] for m in got] == [did_for(e["actor_id"]) for e in changes]
    times = [m["time_us"] for m in got]
    assert times == sorted(set(times))  # strictly increasing
    for m, e in zip(got, changes, strict=True):  # the world's clock, to the second
        assert m["time_us"] // 1_000_000 == calendar.timegm(time.strptime(e["at"], "%Y-%m-%dT%H:%M:%SZ"))


# ---------------------------------------------------------------------- cursors


def _make_commits(world: World, n: int) -> list[int]:
    me = owner(world)
    for other in strangers(world, n):
        assert world.follow(me, other)
    return [c.seq for c in StreamServer.for_world(world).log.commits()]


async def test_firehose_cursor_replays_exactly_after_it(world: World, stream: StreamServer) -> None:
    seqs = _make_commits(world, 5)
    assert seqs == [1, 2, 3, 4, 5]
    async with connect(fh_url(stream, 2)) as fh:
        got = [(await frame(fh))[1]["seq"] for _ in range(3)]
        assert got == [3, 4, 5]
        await silent(fh)
        world.follow(owner(world), strangers(world, 1)[0])
        assert (await frame(fh))[1]["seq"] == 6
    async with connect(fh_url(stream, 6)) as fh:  # the current seq: nothing to replay, then live
        await silent(fh)
        world.follow(owner(world), strangers(world, 1)[0])
        assert (await frame(fh))[1]["seq"] == 7
    async with connect(fh_url(stream, 0)) as fh:  # from the start
        assert [(await frame(fh))[1]["seq"] for _ in range(7)] == [1, 2, 3, 4, 5, 6, 7]


async def test_jetstream_cursor_replays_from_time_us(world: World, stream: StreamServer) -> None:
    _make_commits(world, 5)
    commits = stream.log.commits()
    cursor = commits[2].time_us
    async with connect(f"{stream.jetstream_url}?cursor={cursor}") as js:
        got = [(await jmsg(js))["time_us"] for _ in range(3)]
        assert got == [c.time_us for c in commits[2:]]
        await silent(js)
    async with connect(f"{stream.jetstream_url}?cursor={commits[-1].time_us + 10**9}") as js:  # future: live tail
        await silent(js)
        world.follow(owner(world), strangers(world, 1)[0])
        assert (await jmsg(js))["time_us"] == stream.log.last_time_us
    with pytest.raises(InvalidStatus):
        async with connect(f"{stream.jetstream_url}?cursor=yesterday"):
            pass


async def test_outdated_cursor_gets_info_then_oldest(world: World, stream: StreamServer) -> None:
    _make_commits(world, 6)
    stream.set_retention(3)
    assert (stream.log.oldest_seq, stream.log.head_seq) == (4, 6)
    async with connect(fh_url(stream, 1)) as fh:
        header, body = await frame(fh)
        assert header == {"op": 1, "t": "#info"}
        assert body["name"] == "OutdatedCursor" and body["message"]
        assert [(await frame(fh))[1]["seq"] for _ in range(3)] == [4, 5, 6]
    async with connect(fh_url(stream, 3)) as fh:  # just before the oldest kept: nothing missed, no info
        assert (await frame(fh))[1]["seq"] == 4
    async with connect(f"{stream.jetstream_url}?cursor=1") as js:  # Jetstream just starts at its oldest
        assert (await jmsg(js))["time_us"] == stream.log.commits()[0].time_us


async def test_future_cursor_gets_error_frame_and_close(world: World, stream: StreamServer) -> None:
    _make_commits(world, 2)
    async with connect(fh_url(stream, 99)) as fh:
        header, body = await frame(fh)
        assert header == {"op": -1}
        assert body == {"error": "FutureCursor", "message": "Cursor in the future."}
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(fh.recv(), T)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008


# ---------------------------------------------------------------------- filters, knobs


async def test_wanted_dids_and_collections_filter(world: World, stream: StreamServer) -> None:
    me = owner(world)
    a, b, c = strangers(world, 3)
    q = f"wantedCollections={FOLLOW}&wantedDids={did_for(a)}&wantedDids={did_for(me.id)}"
    async with (
        connect(f"{stream.jetstream_url}?{q}") as js,
        connect(f"{stream.jetstream_url}?wantedCollections=app.bsky.feed.post") as posts,
        connect(f"{stream.jetstream_url}?wantedCollections=app.bsky.graph.*") as graph,
    ):
        world.follow(b, c)  # not wanted
        world.follow(a, c)
        world.follow(me, b)
        assert [(await jmsg(js))["did"] for _ in range(2)] == [did_for(a), did_for(me.id)]
        await silent(js)
        await silent(posts)
        assert [(await jmsg(graph))["did"] for _ in range(3)] == [did_for(b), did_for(a), did_for(me.id)]


async def test_malformed_frames_then_the_stream_goes_on(world: World, stream: StreamServer) -> None:
    async with connect(stream.jetstream_url) as js, connect(fh_url(stream)) as fh:
        await asyncio.sleep(0.05)
        assert stream.inject("garbage") == 2
        raw = await asyncio.wait_for(fh.recv(), T)
        with pytest.raises(ValueError):
            libipld.decode_dag_cbor_multi(raw)
        assert isinstance(await asyncio.wait_for(js.recv(), T), bytes)

        stream.inject("truncated")
        with pytest.raises(orjson.JSONDecodeError):
            orjson.loads(await asyncio.wait_for(js.recv(), T))
        with pytest.raises(ValueError):
            libipld.decode_dag_cbor_multi(await asyncio.wait_for(fh.recv(), T))

        stream.inject("missing_fields")
        m = await jmsg(js)
        assert m["kind"] == "commit" and "commit" not in m
        header, body = await frame(fh)
        assert header == {"op": 1, "t": "#commit"} and not {"seq", "ops", "blocks", "commit"} & set(body)

        assert stream.inject("unknown_type", endpoint="firehose") == 1
        header, _ = await frame(fh)
        assert header["op"] == 1 and header["t"] not in ("#commit", "#info", "#identity", "#account")

        world.follow(owner(world), strangers(world, 1)[0])  # real commits still come, in order
        assert (await jmsg(js))["commit"]["operation"] == "create"
        assert (await frame(fh))[1]["seq"] == stream.log.head_seq
    with pytest.raises(ValueError):
        stream.inject("nonsense")


async def test_drop_connections_and_reconnect(world: World, stream: StreamServer) -> None:
    _make_commits(world, 2)
    async with connect(fh_url(stream, 0)) as fh, connect(stream.jetstream_url) as js:
        assert (await frame(fh))[1]["seq"] == 1
        assert (await frame(fh))[1]["seq"] == 2
        assert stream.drop() == 2  # abrupt: no close frame
        for ws in (fh, js):
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), T)
            assert closed.value.rcvd is None
    world.follow(owner(world), strangers(world, 1)[0])  # missed while away
    async with connect(fh_url(stream, 2)) as fh:  # resume from the last seq seen
        assert (await frame(fh))[1]["seq"] == 3
        await asyncio.sleep(0.05)
        assert stream.drop(1011, "restarting") == 1
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(fh.recv(), T)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1011


async def test_many_clients_and_one_leaving(world: World, stream: StreamServer) -> None:
    clients = [await connect(stream.jetstream_url) for _ in range(8)]
    try:
        me, people = owner(world), strangers(world, 4)
        world.follow(me, people[0])
        for ws in clients:
            assert (await jmsg(ws))["commit"]["operation"] == "create"
        clients[3].transport.abort()  # one vanishes without a goodbye
        await clients[4].close()
        world.follow(me, people[1])
        world.follow(me, people[2])
        for i, ws in enumerate(clients):
            if i not in (3, 4):
                assert [(await jmsg(ws))["commit"]["record"]["subject"] for _ in range(2)] == [
                    did_for(people[1]),
                    did_for(people[2]),
                ]
    finally:
        for ws in clients:
            await ws.close()


async def test_noise_rate_and_density(world: World, stream: StreamServer) -> None:
    owners = {did_for(a.id) for a in world.owners}
    before = stream.log.head_seq
    async with connect(stream.jetstream_url) as js:
        run = stream.noise(rate=2000, seconds=0.5, per_minute=1200, seed=3)
        assert run.wait(5)
        made = run.made
        assert 600 <= made <= 1100, run.status()
        got = 0
        while True:
            try:
                m = await jmsg(js, 0.3)
            except TimeoutError:
                break
            got += 1
            assert m["did"] not in owners
            if m["commit"]["operation"] == "create":
                assert m["commit"]["record"]["subject"] not in owners
    commits = stream.log.commits(before)
    assert len(commits) == made
    assert got == sum(len(c.ops) for c in commits)
    assert all(c.repo_id not in {a.id for a in world.owners} for c in commits)
    span = (commits[-1].time_us - commits[0].time_us) / 1e6  # 1200 a simulated minute: 50 ms apart
    assert span == pytest.approx((made - 1) * 0.05, rel=0.05)
    assert {e["via"] for e in world.log[-made:]} == {"noise"}

    started = time.perf_counter()
    assert stream.burst(3000, seed=4) == 3000  # a busy network: thousands a second
    assert 3000 / (time.perf_counter() - started) > 1000


# ---------------------------------------------------------------------- HTTP side: control routes, listRecords


@pytest.fixture
def bsky(world: World) -> Iterator[httpx.Client]:
    with SimulatorServer(world, platform="bluesky", rate_limit=0) as sim, httpx.Client(base_url=sim.url) as c:
        yield c


async def test_control_routes(world: World, stream: StreamServer, bsky: httpx.Client) -> None:
    status = bsky.get("/_sim/stream").json()
    assert status["jetstream"] == stream.jetstream_url and status["firehose"] == stream.firehose_url
    me = owner(world)
    other = world.following_ids(me)[0]
    async with connect(fh_url(stream)) as fh:
        await asyncio.sleep(0.05)
        resp = bsky.post("/_sim/change", json={"kind": "refollow", "actor": me.id, "target": other})
        assert resp.json() == {"changed": True}
        assert [op["action"] for op in (await frame(fh))[1]["ops"]] == ["delete", "create"]
        assert bsky.post("/_sim/stream/inject", json={"kind": "garbage"}).json() == {"clients": 1}
        await asyncio.wait_for(fh.recv(), T)
        run = bsky.post("/_sim/stream/noise", json={"count": 40, "rate": 0, "wait": True}).json()
        assert run["made"] == 40 and not run["running"]
        for _ in range(40):
            await frame(fh)
        assert bsky.post("/_sim/stream/drop", json={}).json() == {"dropped": 1}
    commits = bsky.get("/_sim/stream/commits", params={"cursor": 0, "limit": 5}).json()["commits"]
    assert [c["seq"] for c in commits] == [1, 2, 3, 4, 5]
    assert commits[0]["ops"][0]["subject"] == did_for(other)
    assert bsky.post("/_sim/stream/retention", json={"commits": 10}).json()["oldest_seq"] == stream.log.head_seq - 9
    assert bsky.get("/_sim/stream/noise").json()["runs"][0]["made"] == 40
    assert bsky.delete("/_sim/stream/noise").json() == {"stopped": 0}
    assert bsky.get("/_sim/stream/nope").status_code == 404


def test_control_routes_without_a_stream(bsky: httpx.Client) -> None:
    assert bsky.get("/_sim/stream").status_code == 404


async def test_list_records_match_the_streams(world: World, stream: StreamServer, bsky: httpx.Client) -> None:
    me = owner(world)
    did = did_for(me.id)
    other = strangers(world, 1)[0]
    async with connect(stream.jetstream_url) as js:
        world.follow(me, other)
        created = (await jmsg(js))["commit"]
    params = {"repo": did, "collection": FOLLOW, "limit": 7}
    list_records = "/xrpc/com.atproto.repo.listRecords"
    records, cursor = [], None
    while True:
        page = bsky.get(list_records, params={**params, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        body = page.json()
        records += body["records"]
        if not body["records"]:
            assert "cursor" not in body
            break
        cursor = body["cursor"]
    following = world.following_ids(me)
    assert len(records) == len(following)
    keys = [r["uri"].rsplit("/", 1)[1] for r in records]
    assert keys == sorted(keys, reverse=True)  # newest first
    app = BlueskyApp(world)
    assert {r["uri"] for r in records} == {app.follow_uri(me, a) for a in world.accounts_by_id(following)}
    for r in records:
        assert r["cid"] == cid_str(r["value"]) and r["value"]["$type"] == FOLLOW
    newest = records[0]
    assert newest["uri"] == f"at://{did}/{FOLLOW}/{created['rkey']}"
    assert (newest["cid"], newest["value"]) == (created["cid"], created["record"])
    oldest_first = bsky.get(list_records, params={**params, "reverse": "true"}).json()
    assert [r["uri"] for r in oldest_first["records"]] == [r["uri"] for r in records[::-1][:7]]
    other_collection = bsky.get(list_records, params={**params, "collection": "app.bsky.feed.post"})
    assert other_collection.json() == {"records": []}
    missing = bsky.get(list_records, params={**params, "repo": "did:plc:nobody"})
    assert missing.status_code == 400 and missing.json()["error"] == "InvalidRequest"


def test_standalone_simulator_serves_the_streams() -> None:
    cmd = [sys.executable, "-m", "followtui.simulator", "--platform", "bluesky", "--stream-port", "0",
           "--followers", "30", "--following", "20"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        base = proc.stdout.readline().strip()
        with httpx.Client(base_url=base, timeout=5) as c:
            jet = c.get("/_sim/stream").json()["jetstream"]
            who = c.get("/_sim/whois").json()

            async def watch() -> dict[str, Any]:
                async with connect(jet) as js:
                    c.post("/_sim/stream/noise", json={"count": 1, "rate": 0, "wait": True})
                    return await jmsg(js)

            m = asyncio.run(watch())
            assert m["kind"] == "commit" and m["did"] != who["did"]
    finally:
        proc.terminate()
        proc.wait(10)


def test_dagcbor_links_stay_links_and_bytes_stay_bytes() -> None:
    """libipld would write CID-like plain bytes as a link; ours never does, and matches it byte for byte
    elsewhere."""
    cid = dagcbor.cid_of(b"block")
    looks_like_a_cid = cid.cid + b"tail"  # plain bytes that begin with a CID
    value = {"link": cid, "bytes": looks_like_a_cid, "sig": b"\x01" + bytes(63), "n": [-1, 0, 23, 24, 2**40], "s": "é"}
    raw = dagcbor.encode(value)
    assert raw == dagcbor.encode_strict(value)
    back = libipld.decode_dag_cbor(raw)
    assert back["bytes"] == looks_like_a_cid and back["sig"] == b"\x01" + bytes(63)
    assert raw.count(b"\xd8\x2a") == 1  # one tag 42: the link
    plain = {"link": cid, "n": [1, 2], "m": {"bb": None, "a": True}}
    assert dagcbor.encode(plain) == dagcbor.encode_strict(plain)
    assert libipld.encode_cid(cid.cid) == str(cid)
    header, blocks = libipld.decode_car(dagcbor.car(cid, [(cid, b"\xa1aa\x01")]))
    assert header == {"roots": [cid.cid], "version": 1} and blocks == {cid.cid: {"a": 1}}
