"""followtui.providers.bluesky_stream against a real WebSocket server on loopback: hand-built firehose frames
(DAG-CBOR + CAR) and Jetstream JSON, reconnection with the cursor, gaps, hostile frames, backoff."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import parse_qs, urlsplit

import pytest

pytest.importorskip("websockets")
pytest.importorskip("libipld")

from followtui.providers.bluesky_stream import (
    JETSTREAM_REPLAY_S,
    Backoff,
    FollowCommit,
    FollowOp,
    FollowStream,
    StreamError,
    StreamGap,
    source_of,
    stream_url,
)

from .frames import (
    ALICE,
    BOB,
    FOLLOW,
    OWNER,
    T0,
    ScriptedServer,
    commit_frame,
    error_frame,
    identity_frame,
    info_frame,
    jet,
    jet_identity,
    sends,
)

FAST = Backoff(first_s=0.01, max_s=0.04)
JET = "/subscribe?wantedDids=did:plc:x&compress=false"
US = 1_740_830_400_000_000  # 2025-03-01T12:00:00Z in microseconds


def query(path: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(path).query)


async def take(stream: FollowStream, count: int, timeout: float = 5.0) -> list[FollowCommit | StreamGap]:
    """The stream's first `count` items, then stop it."""
    out: list[FollowCommit | StreamGap] = []
    async with asyncio.timeout(timeout):
        async for item in stream:
            out.append(item)
            if len(out) == count:
                break
    stream.stop.set()
    return out


async def until(condition, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.005)


def follow(rkey: str) -> str:
    return f"{FOLLOW}/{rkey}"


# -- URLs -------------------------------------------------------------------------------------------------------


def test_the_source_comes_from_the_path():
    assert source_of("wss://bsky.network/xrpc/com.atproto.sync.subscribeRepos") == "firehose"
    assert source_of("wss://jetstream2.us-east.bsky.network/subscribe") == "jetstream"
    for bad in ("https://bsky.network/xrpc/com.atproto.sync.subscribeRepos", "wss://x.test/other", "ws:///subscribe"):
        with pytest.raises(ValueError):
            source_of(bad)


def test_jetstream_urls_ask_for_follow_records_and_keep_other_parameters():
    url = stream_url("wss://js.test/subscribe?wantedDids=did:plc:x&cursor=5&compress=false", 42)
    params = query(url)
    assert params["wantedCollections"] == [FOLLOW] and params["wantedDids"] == ["did:plc:x"]
    assert params["compress"] == ["false"] and params["cursor"] == ["42"]
    assert "cursor" not in query(stream_url("wss://relay.test/xrpc/com.atproto.sync.subscribeRepos?cursor=9", None))


# -- the firehose -----------------------------------------------------------------------------------------------


async def test_firehose_commits_carry_only_their_follow_ops_with_subjects_from_the_car():
    frames = [
        identity_frame(1),
        commit_frame(2, BOB, [("create", "app.bsky.feed.post/3kpost", None)]),  # no follow op: skipped
        commit_frame(
            3,
            ALICE,
            [
                ("create", "app.bsky.feed.like/3klike", None),
                ("delete", follow("3kold"), None),
                ("create", follow("3knew"), OWNER),
            ],
            rev="3lbbbbbbbbbb2",
            time="2025-03-01T12:00:00.250Z",
        ),
    ]
    async with ScriptedServer(sends(*frames, then="stay")) as server:
        stream = FollowStream(server.url(), backoff=FAST)
        (item,) = await take(stream, 1)
    assert item == FollowCommit(
        repo=ALICE,
        rev="3lbbbbbbbbbb2",
        at=T0.replace(microsecond=250_000),
        cursor=3,
        ops=(FollowOp("delete", "3kold"), FollowOp("create", "3knew", OWNER)),
    )
    assert stream.stats.commits == 1 and stream.stats.follow_ops == 2 and stream.stats.messages == 3
    assert stream.cursor == 3 and stream.stats.last_cursor == 3


async def test_commits_without_follow_ops_never_reach_the_car_decoder(monkeypatch):
    import libipld

    def boom(data: bytes):
        raise AssertionError("decode_car called for a commit without follow creates")

    monkeypatch.setattr(libipld, "decode_car", boom)
    frames = [commit_frame(n, BOB, [("create", f"app.bsky.feed.like/3k{n}", None)]) for n in range(1, 200)]
    frames.append(commit_frame(200, ALICE, [("delete", follow("3kold"), None)]))  # a delete needs no record
    async with ScriptedServer(sends(*frames, then="stay")) as server:
        stream = FollowStream(server.url(), backoff=FAST)
        (item,) = await take(stream, 1)
    assert isinstance(item, FollowCommit) and item.cursor == 200 and stream.stats.malformed == 0


async def test_after_a_dropped_connection_the_firehose_resumes_from_the_last_seq_without_duplicates():
    first = [commit_frame(10, ALICE, [("create", follow("3ka"), OWNER)]), identity_frame(11)]
    second = [
        commit_frame(10, ALICE, [("create", follow("3ka"), OWNER)]),  # a replay at the cursor: dropped
        commit_frame(12, BOB, [("create", follow("3kb"), OWNER)]),
    ]
    async with ScriptedServer(sends(*first, then="drop"), sends(*second, then="stay")) as server:
        stream = FollowStream(server.url(), cursor=7, backoff=FAST)
        items = await take(stream, 2)
    assert [i.cursor for i in items if isinstance(i, FollowCommit)] == [10, 12]
    assert query(server.paths[0])["cursor"] == ["7"]
    assert query(server.paths[1])["cursor"] == ["11"]  # the identity frame moved the cursor too
    assert stream.stats.reconnects == 1 and stream.stats.duplicates == 1 and stream.stats.gaps == 0


async def test_outdated_cursor_is_a_gap_and_the_stream_goes_on():
    frames = [info_frame("OutdatedCursor", "cursor too old"), commit_frame(50, ALICE, [("delete", follow("3k"), None)])]
    async with ScriptedServer(sends(*frames, then="stay")) as server:
        stream = FollowStream(server.url(), cursor=3, backoff=FAST)
        gap, item = await take(stream, 2)
    assert isinstance(gap, StreamGap) and "OutdatedCursor" in gap.reason
    assert isinstance(item, FollowCommit) and item.cursor == 50 and stream.stats.gaps == 1


async def test_future_cursor_is_a_gap_and_the_stream_resumes_live():
    async with ScriptedServer(
        sends(error_frame("FutureCursor", "cursor in the future")),
        sends(commit_frame(5, ALICE, [("delete", follow("3k"), None)]), then="stay"),
    ) as server:
        stream = FollowStream(server.url(), cursor=999, backoff=FAST)
        gap, item = await take(stream, 2)
    assert isinstance(gap, StreamGap) and "FutureCursor" in gap.reason and gap.cursor is None
    assert isinstance(item, FollowCommit)
    assert query(server.paths[0])["cursor"] == ["999"] and "cursor" not in query(server.paths[1])
    assert stream.stats.errors == 1 and stream.stats.gaps == 1


async def test_consumer_too_slow_resumes_from_the_cursor_without_a_gap():
    async with ScriptedServer(
        sends(commit_frame(5, ALICE, [("delete", follow("3k"), None)]), error_frame("ConsumerTooSlow")),
        sends(commit_frame(6, BOB, [("delete", follow("3k"), None)]), then="stay"),
    ) as server:
        stream = FollowStream(server.url(), backoff=FAST)
        items = await take(stream, 2)
    assert all(isinstance(i, FollowCommit) for i in items) and stream.stats.gaps == 0
    assert query(server.paths[1])["cursor"] == ["5"]


async def test_another_error_frame_is_a_gap_but_keeps_the_cursor():
    async with ScriptedServer(
        sends(commit_frame(5, ALICE, [("delete", follow("3k"), None)]), error_frame("InternalError")),
        sends(commit_frame(6, BOB, [("delete", follow("3k"), None)]), then="stay"),
    ) as server:
        stream = FollowStream(server.url(), backoff=FAST)
        items = await take(stream, 3)
    assert [type(i).__name__ for i in items] == ["FollowCommit", "StreamGap", "FollowCommit"]
    assert "InternalError" in items[1].reason and query(server.paths[1])["cursor"] == ["5"]


async def test_reconnecting_without_any_cursor_is_a_gap():
    async with ScriptedServer(
        sends(then="close"), sends(commit_frame(5, ALICE, [("delete", follow("3k"), None)]), then="stay")
    ) as server:
        stream = FollowStream(server.url(), backoff=FAST)
        gap, item = await take(stream, 2)
    assert isinstance(gap, StreamGap) and "without a cursor" in gap.reason and isinstance(item, FollowCommit)


async def test_malformed_frames_are_counted_and_skipped():
    hostile = [
        b"\xff\x00 not cbor",
        "a text frame",
        b"",
        commit_frame(20, "not-a-did", [("create", follow("3ka"), OWNER)]),
        commit_frame(21, ALICE, [("create", follow("bad/rkey"), OWNER)]),
        commit_frame(22, ALICE, [("create", follow(".."), OWNER)]),
        commit_frame(23, ALICE, [("explode", follow("3kb"), OWNER)]),
        commit_frame(24, ALICE, [("create", follow("3kc"), OWNER)], time="yesterday"),
        commit_frame(25, ALICE, [("create", follow("3kd"), OWNER)], rev=7),
        commit_frame(26, ALICE, [("create", follow("3ke"), OWNER)], blocks=b"not a car"),
        commit_frame(27, "did:plc:" + "a" * 3000, [("create", follow("3kf"), OWNER)]),
        commit_frame(28, ALICE, [("delete", follow("3kg"), None)], ops="nope"),
    ]
    good = commit_frame(
        30,
        ALICE,
        [("create", follow("3kh"), "not a did"), ("create", follow("3ki"), OWNER), ("create", follow("3kj"), BOB)],
        leave_out=[follow("3kj")],  # (an identical record would share its CID, and so its block, with 3ki)
    )
    async with ScriptedServer(sends(*hostile, good, then="stay")) as server:
        stream = FollowStream(server.url(), backoff=FAST)
        (item,) = await take(stream, 1)
    assert stream.stats.malformed == len(hostile)
    # an invalid subject or a record missing from the CAR: handed out without subject, and counted
    assert item.ops == (FollowOp("create", "3kh"), FollowOp("create", "3ki", OWNER), FollowOp("create", "3kj"))
    assert stream.stats.unresolved == 2 and stream.cursor == 30


async def test_a_message_over_the_size_bound_is_skipped_after_the_second_try_and_reported():
    huge = commit_frame(40, ALICE, [("delete", follow("3k"), None)], padding=b"x" * 200_000)
    async with ScriptedServer(
        sends(commit_frame(39, BOB, [("delete", follow("3k"), None)]), huge),
        sends(huge),
        sends(commit_frame(41, ALICE, [("delete", follow("3k"), None)]), then="stay"),
    ) as server:
        stream = FollowStream(server.url(), backoff=FAST, max_size=100_000)
        items = await take(stream, 3)
    assert [type(i).__name__ for i in items] == ["FollowCommit", "StreamGap", "FollowCommit"]
    assert query(server.paths[1])["cursor"] == ["39"] and "cursor" not in query(server.paths[2])
    assert stream.stats.oversized == 2 and stream.stats.malformed == 2


async def test_a_refused_subscription_raises():
    from websockets.asyncio.server import serve
    from websockets.datastructures import Headers
    from websockets.http11 import Response

    def refuse(connection, request):
        return Response(404, "Not Found", Headers(), b"no such endpoint")

    async with serve(lambda ws: None, "127.0.0.1", 0, process_request=refuse) as server:
        port = server.sockets[0].getsockname()[1]
        stream = FollowStream(f"ws://127.0.0.1:{port}/xrpc/com.atproto.sync.subscribeRepos", backoff=FAST)
        with pytest.raises(StreamError, match="404"):
            async with asyncio.timeout(5):
                async for _ in stream:
                    pass


async def test_setting_stop_ends_the_stream_while_it_waits_for_messages():
    async with ScriptedServer(sends(then="stay")) as server:
        stop = asyncio.Event()
        stream = FollowStream(server.url(), stop=stop, backoff=FAST)
        items: list[object] = []

        async def consume() -> None:
            async for item in stream:
                items.append(item)

        task = asyncio.create_task(consume())
        await until(lambda: stream.stats.connects == 1)
        stop.set()
        async with asyncio.timeout(3):
            await task
    assert items == []


async def test_cancelling_the_consumer_closes_the_connection():
    closed = asyncio.Event()

    async def stay(ws):
        await ws.wait_closed()
        closed.set()

    async with ScriptedServer(stay) as server:
        stream = FollowStream(server.url(), backoff=FAST)

        async def consume() -> None:
            async for _ in stream:
                pass

        task = asyncio.create_task(consume())
        await until(lambda: stream.stats.connects == 1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        async with asyncio.timeout(3):
            await closed.wait()


# -- backoff ----------------------------------------------------------------------------------------------------


def test_backoff_doubles_from_half_a_second_to_thirty_with_jitter_in_the_upper_half():
    backoff = Backoff()
    assert [backoff.ceiling(n) for n in range(1, 9)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    for n in range(1, 200):
        low, high = backoff.delay(n, lambda: 0.0), backoff.delay(n, lambda: 1.0)
        assert low == backoff.ceiling(n) / 2 and high == backoff.ceiling(n) <= 30
        assert low <= backoff.delay(n) <= high


async def test_failed_connections_back_off_within_bounds_and_reset_after_a_message():
    pauses: list[float] = []
    stream: FollowStream

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 6:
            stream.stop.set()

    # nothing listens on this port: every attempt fails at once
    stream = FollowStream(
        "ws://127.0.0.1:9/xrpc/com.atproto.sync.subscribeRepos", backoff=Backoff(0.5, 30.0), sleep=sleep
    )
    async with asyncio.timeout(10):
        async for _ in stream:
            pass
    ceilings = [0.5, 1, 2, 4, 8, 16]
    assert len(pauses) == 6
    assert all(c / 2 <= p <= c for p, c in zip(pauses, ceilings, strict=True))

    pauses.clear()

    async def sleep_then_stop(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 4:
            stream.stop.set()

    async with ScriptedServer(
        sends(then="close"),
        sends(then="close"),
        sends(commit_frame(5, ALICE, [("delete", follow("3k"), None)]), then="close"),
        sends(then="close"),
        sends(then="stay"),
    ) as server:
        stream = FollowStream(server.url(), backoff=Backoff(0.5, 30.0), sleep=sleep_then_stop, rng=lambda: 1.0)
        async with asyncio.timeout(10):
            async for _ in stream:
                pass
    # two empty connections back off, the one that delivered resets the count
    assert pauses == [0.5, 1.0, 0.5, 1.0] and len(server.paths) == 4


async def test_the_default_pause_is_real_time_and_cut_short_by_stop():
    stop = asyncio.Event()
    stream = FollowStream(
        "ws://127.0.0.1:9/xrpc/com.atproto.sync.subscribeRepos", stop=stop, backoff=Backoff(20.0, 20.0)
    )
    started = time.monotonic()

    async def later() -> None:
        await asyncio.sleep(0.2)
        stop.set()

    helper = asyncio.create_task(later())
    async with asyncio.timeout(5):
        async for _ in stream:
            pass
    await helper
    assert 0.15 < time.monotonic() - started < 3


# -- Jetstream --------------------------------------------------------------------------------------------------


async def test_jetstream_ops_of_one_commit_come_together():
    messages = [
        jet_identity(BOB, US + 1),
        jet(ALICE, US + 10, "delete", "3kold", rev="3lcccccccccc2"),
        jet(ALICE, US + 11, "create", "3knew", OWNER, rev="3lcccccccccc2"),
        jet(BOB, US + 20, "create", "3kbob", OWNER, rev="3ldddddddddd2"),  # alone: flushed by the idle timeout
    ]
    async with ScriptedServer(sends(*messages, then="stay")) as server:
        stream = FollowStream(server.url(JET), backoff=FAST)
        first, second = await take(stream, 2)
    assert first == FollowCommit(
        repo=ALICE,
        rev="3lcccccccccc2",
        at=T0.replace(microsecond=10),
        cursor=US + 11,
        ops=(FollowOp("delete", "3kold"), FollowOp("create", "3knew", OWNER)),
    )
    assert second.repo == BOB and second.ops == (FollowOp("create", "3kbob", OWNER),) and second.cursor == US + 20
    params = query(server.paths[0])
    assert params["wantedCollections"] == [FOLLOW] and params["wantedDids"] == ["did:plc:x"]
    assert "cursor" not in params


async def test_jetstream_resumes_from_the_last_commit_and_replays_a_commit_cut_by_the_drop():
    messages = [
        jet(ALICE, US + 10, "create", "3ka", OWNER, rev="3laaaaaaaaaa2"),
        jet(BOB, US + 20, "delete", "3kb1", rev="3lbbbbbbbbbb2"),  # the drop cuts this commit in two
    ]
    replay = [
        jet(ALICE, US + 10, "create", "3ka", OWNER, rev="3laaaaaaaaaa2"),  # at the cursor: a duplicate
        jet(BOB, US + 20, "delete", "3kb1", rev="3lbbbbbbbbbb2"),
        jet(BOB, US + 21, "create", "3kb2", OWNER, rev="3lbbbbbbbbbb2"),
    ]
    async with ScriptedServer(sends(*messages, then="drop"), sends(*replay, then="stay")) as server:
        stream = FollowStream(server.url(JET), cursor=US, backoff=FAST, idle_flush_s=0.5, clock=lambda: US / 1e6)
        first, second = await take(stream, 2)
    assert first.repo == ALICE and first.cursor == US + 10
    assert second.repo == BOB and [op.action for op in second.ops] == ["delete", "create"]
    assert query(server.paths[0])["cursor"] == [str(US)]
    assert query(server.paths[1])["cursor"] == [str(US + 10)]
    assert stream.stats.duplicates == 1 and stream.stats.gaps == 0


async def test_late_ops_of_a_jetstream_commit_cut_by_the_idle_timeout_still_come():
    """A pause inside a commit splits it in two (its first part was handed out already): the rest is not taken
    for a replay, even with the same time_us."""

    async def slow(ws):
        await ws.send(jet(ALICE, US + 10, "delete", "3kold", rev="3lcccccccccc2"))
        await asyncio.sleep(0.1)
        await ws.send(jet(ALICE, US + 10, "create", "3knew", OWNER, rev="3lcccccccccc2"))
        await ws.send(jet(ALICE, US + 10, "delete", "3kold", rev="3lcccccccccc2"))  # a true replay
        await ws.wait_closed()

    async with ScriptedServer(slow) as server:
        stream = FollowStream(server.url(JET), backoff=FAST, idle_flush_s=0.02)
        first, second = await take(stream, 2)
    assert first.ops == (FollowOp("delete", "3kold"),) and second.ops == (FollowOp("create", "3knew", OWNER),)
    assert first.rev == second.rev and stream.stats.duplicates == 1


async def test_a_malformed_frame_does_not_move_the_cursor():
    async with ScriptedServer(
        sends(
            commit_frame(5, ALICE, [("delete", follow("3k"), None)]),
            commit_frame(2**62, ALICE, [], ops="nope"),
            then="drop",
        ),
        sends(then="stay"),
    ) as server:
        stream = FollowStream(server.url(), backoff=FAST)

        async def consume() -> None:
            async for _ in stream:
                pass

        task = asyncio.create_task(consume())
        await until(lambda: len(server.paths) == 2)
        stream.stop.set()
        await task
    assert query(server.paths[1])["cursor"] == ["5"] and stream.stats.malformed == 1


async def test_a_jetstream_cursor_older_than_its_replay_window_is_a_gap_and_dropped():
    async with ScriptedServer(sends(jet(ALICE, US + 5, "delete", "3k"), then="stay")) as server:
        old = US - 3 * 86_400 * 10**6
        stream = FollowStream(
            server.url(JET), cursor=old, backoff=FAST, jetstream_replay_s=JETSTREAM_REPLAY_S, clock=lambda: US / 1e6
        )
        gap, item = await take(stream, 2)
    assert isinstance(gap, StreamGap) and "older" in gap.reason and isinstance(item, FollowCommit)
    assert "cursor" not in query(server.paths[0])


async def test_without_a_replay_window_an_old_jetstream_cursor_is_used_as_it_is():
    async with ScriptedServer(sends(jet(ALICE, US + 5, "delete", "3k"), then="stay")) as server:
        stream = FollowStream(server.url(JET), cursor=US - 3 * 86_400 * 10**6, backoff=FAST)
        (item,) = await take(stream, 1)
    assert isinstance(item, FollowCommit) and query(server.paths[0])["cursor"] == [str(US - 3 * 86_400 * 10**6)]


async def test_malformed_jetstream_messages_are_counted_and_skipped():
    hostile = [
        "{not json",
        b"\x00binary",
        "[1, 2]",
        '{"did": "did:plc:a", "kind": "commit"}',
        '{"did": "did:plc:a", "time_us": true, "kind": "commit"}',
        jet("nope", US + 1, "create", "3ka", OWNER),
        jet(ALICE, US + 2, "create", "a/b", OWNER),
        jet(ALICE, US + 3, "explode", "3ka", OWNER),
        jet(ALICE, US + 4, "create", "3ka", OWNER, rev=""),
        '{"did": "did:plc:a", "time_us": 5, "kind": "commit", "commit": "x"}',
    ]
    good = jet(ALICE, US + 9, "create", "3kz", {"not": "a did"})
    async with ScriptedServer(sends(*hostile, good, then="stay")) as server:
        stream = FollowStream(server.url(JET), backoff=FAST, clock=lambda: US / 1e6)
        (item,) = await take(stream, 1)
    assert stream.stats.malformed == len(hostile)
    assert item.ops == (FollowOp("create", "3kz", None),) and stream.stats.unresolved == 1
