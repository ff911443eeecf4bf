"""Bluesky's live event streams over the simulated world: Jetstream and the repo firehose, over WebSocket.

Every follow-graph change of the world becomes a repo commit in the follower's repo (a `CommitLog`, one per
world, started when first asked for): a follow creates `app.bsky.graph.follow/<rkey>`, an unfollow deletes that
same record, a re-follow (`World.refollow`) deletes the old record and creates a new one in one commit. Record
keys, record values and CIDs are the ones `com.atproto.repo.listRecords` and `viewer.following` show. Account
deletions, suspensions and deactivations produce no commits (a real PDS sends `#account` events for those,
which this simulator does not emit).

`StreamServer` serves the log on a loopback WebSocket port (an asyncio loop in a background thread):

- Jetstream, `ws://HOST:PORT/subscribe?wantedCollections=…&wantedDids=…&cursor=<unix µs>`: one JSON text frame
  per record op, `{"did","time_us","kind":"commit","commit":{"rev","operation","collection","rkey","record",
  "cid"}}` (a delete has no `record` nor `cid`); the ops of one commit share `rev` and `time_us`. A cursor replays
  the commits with `time_us >= cursor` then goes live; one older than the log starts at its oldest commit, one
  in the future (or none) is a live tail. `compress` and client option messages are ignored.
- Firehose, `ws://HOST:PORT/xrpc/com.atproto.sync.subscribeRepos?cursor=<seq>`: binary frames, a DAG-CBOR header
  `{"op":1,"t":"#commit"}` then the DAG-CBOR `#commit` body (see `Commit.firehose`). A cursor replays the
  commits with `seq > cursor`; one older than the retention window first gets `#info` `OutdatedCursor` and
  starts at the oldest kept commit; one past the newest gets the error frame `{"op":-1}` +
  `{"error":"FutureCursor","message":"Cursor in the future."}` and a close (1008), as the PDS does.

Times are the world's simulated clock: `time_us` strictly increases from commit to commit (changes in the same
simulated second are a microsecond apart), `rev` is a TID of it and so increases in every repo.

Test knobs (Python, and `/_sim/stream/...` control routes on a `SimulatorServer` of the same world):
`inject` a malformed frame to every client, `drop` every connection, `set_retention` to make old cursors
outdated, and `noise`/`burst`: follow churn among non-owner accounts at a given simulated density and wall rate.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import random
import threading
import time
import weakref
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import libipld
import orjson
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request as WsRequest
from websockets.http11 import Response as WsResponse

from . import dagcbor
from .bluesky import FOLLOW, did_for, follow_record_value, rkey_for, tid
from .dagcbor import Link
from .live import OwnerActivity
from .noise import Noise
from .world import RecordOp, World

JETSTREAM_PATH = "/subscribe"
FIREHOSE_PATH = "/xrpc/com.atproto.sync.subscribeRepos"
DEFAULT_RETENTION = 100_000
#: What `inject` can send: random bytes, a real-looking frame cut short, a well-formed frame lacking the
#: fields of its type, a well-formed frame of a type no client knows (which clients must skip).
MALFORMED_KINDS = ("garbage", "truncated", "missing_fields", "unknown_type")
_COMMIT_HEADER = dagcbor.encode({"op": 1, "t": "#commit"})
_INFO_HEADER = dagcbor.encode({"op": 1, "t": "#info"})
_ERROR_HEADER = dagcbor.encode({"op": -1})
_BATCH = 256  # commits read from the log at a time by one client
_CACHE = 8192  # encoded commits kept for the fan-out


@functools.lru_cache(maxsize=200_000)
def _did(acc_id: int) -> str:
    return did_for(acc_id)


def iso_us(time_us: int) -> str:
    """Epoch microseconds as ISO-8601 UTC with microseconds and a Z."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time_us // 1_000_000)) + f".{time_us % 1_000_000:06d}Z"


def _error_frame(error: str, message: str) -> bytes:
    return _ERROR_HEADER + dagcbor.encode({"error": error, "message": message})


def _info_frame(name: str, message: str) -> bytes:
    return _INFO_HEADER + dagcbor.encode({"name": name, "message": message})


def _data_cid(did: str, rev: str) -> Link:
    """The `data` (MST root) CID of a repo at a rev. The simulator keeps no MST: a stable stand-in whose block
    is not in the CAR, so `prevData` of the next commit can name it."""
    return dagcbor.cid_of(libipld.encode_dag_cbor({"e": [], "l": None, "sim": f"{did}@{rev}"}))


class Commit:
    """One repo commit: `ops` are (action, rkey, subject account id, follow-record id, followed_at)."""

    __slots__ = ("did", "ops", "repo_id", "rev", "seq", "since", "time_us")

    def __init__(
        self,
        seq: int,
        repo_id: int,
        rev: str,
        since: str | None,
        time_us: int,
        ops: tuple[tuple[str, str, int, int, int], ...],
    ) -> None:
        self.seq, self.repo_id, self.rev, self.since, self.time_us, self.ops = seq, repo_id, rev, since, time_us, ops
        self.did = _did(repo_id)

    @property
    def time(self) -> str:
        return iso_us(self.time_us)

    def jetstream(self) -> list[bytes]:
        """One Jetstream JSON message per op."""
        out = []
        for action, rkey, subject, _fid, ts in self.ops:
            commit: dict[str, Any] = {"rev": self.rev, "operation": action, "collection": FOLLOW, "rkey": rkey}
            if action == "create":
                value = follow_record_value(subject, ts)
                commit["record"] = {"$type": FOLLOW, "createdAt": value["createdAt"], "subject": value["subject"]}
                commit["cid"] = str(dagcbor.cid_of(libipld.encode_dag_cbor(value)))  # strings only: safe
            out.append(orjson.dumps({"did": self.did, "time_us": self.time_us, "kind": "commit", "commit": commit}))
        return out

    def firehose_body(self) -> dict[str, Any]:
        """The `#commit` message: the lexicon's required fields, plus sync 1.1's `prevData` (when there is a
        previous commit) and each delete's `prev` (the deleted record's CID). `blocks` is a CAR v1 rooted at the
        commit, holding the commit block and the created records' blocks (no MST nodes)."""
        records: list[tuple[Link, bytes]] = []
        ops: list[dict[str, Any]] = []
        for action, rkey, subject, _fid, ts in self.ops:
            block = libipld.encode_dag_cbor(follow_record_value(subject, ts))  # strings only: safe
            cid = dagcbor.cid_of(block)
            path = f"{FOLLOW}/{rkey}"
            if action == "create":
                records.append((cid, block))
                ops.append({"action": "create", "path": path, "cid": cid})
            else:
                ops.append({"action": "delete", "path": path, "cid": None, "prev": cid})
        sig = hashlib.sha512(f"sim-sig:{self.did}:{self.rev}".encode()).digest()
        if sig[0] in (0x01, 0x12):  # would start like a CID: libipld would write it as a link
            sig = bytes((sig[0] ^ 0x80,)) + sig[1:]
        commit_block = libipld.encode_dag_cbor(
            {"did": self.did, "version": 3, "data": _data_cid(self.did, self.rev).cid, "rev": self.rev,
             "prev": None, "sig": sig}
        )  # fmt: skip
        commit_cid = dagcbor.cid_of(commit_block)
        body: dict[str, Any] = {
            "seq": self.seq,
            "rebase": False,
            "tooBig": False,
            "repo": self.did,
            "commit": commit_cid,
            "rev": self.rev,
            "since": self.since,
            "blocks": dagcbor.car(commit_cid, [(commit_cid, commit_block), *records]),
            "ops": ops,
            "blobs": [],
            "time": self.time,
        }
        if self.since is not None:
            body["prevData"] = _data_cid(self.did, self.since)
        return body

    def firehose(self) -> bytes:
        """The binary frame: DAG-CBOR header then DAG-CBOR body."""
        body = self.firehose_body()
        # libipld writes CID bytes as links; the only plain bytes, the CAR, start with its header's length (0x3a).
        body["commit"] = body["commit"].cid
        body["ops"] = [{k: v.cid if isinstance(v, Link) else v for k, v in op.items()} for op in body["ops"]]
        if "prevData" in body:
            body["prevData"] = body["prevData"].cid
        return _COMMIT_HEADER + libipld.encode_dag_cbor(body)

    def summary(self) -> dict[str, Any]:
        """A JSON view for tests and the control route."""
        ops = []
        for action, rkey, subject, _fid, ts in self.ops:
            ops.append({"action": action, "path": f"{FOLLOW}/{rkey}", "rkey": rkey, "subject": _did(subject),
                        "subject_id": subject, "followed_at": ts})  # fmt: skip
        return {"seq": self.seq, "repo": self.did, "repo_id": self.repo_id, "rev": self.rev, "since": self.since,
                "time_us": self.time_us, "time": self.time, "ops": ops}  # fmt: skip


class CommitLog:
    """The world's follow-record commits in order, `seq` from 1, the newest `retention` of them kept."""

    def __init__(self, world: World, retention: int = DEFAULT_RETENTION) -> None:
        self.retention = max(1, retention)
        self._lock = threading.Lock()
        self._items: list[Commit] = []
        self._head = 0  # index of the oldest kept commit in _items
        self._seq = 0
        self._last_us = 0
        self._revs: dict[int, str] = {}
        self._wakers: list[Any] = []
        world.add_listener(self._on_change)

    @classmethod
    def of(cls, world: World) -> CommitLog:
        """The world's log, created (and from then on recording) on first use."""
        with world.lock:
            log = _LOGS.get(world)
            if log is None:
                log = _LOGS[world] = cls(world)
            return log

    # ------------------------------------------------------------------ writing (from the world's listener)

    def _on_change(self, event: dict[str, Any], records: tuple[RecordOp, ...], at_us: int) -> None:
        if not records:
            return
        repo_id = records[0][1]
        ops = tuple((action, rkey_for(fid, ts), target, fid, ts) for action, _, target, fid, ts in records)
        with self._lock:
            time_us = max(at_us, self._last_us + 1)
            self._last_us = time_us
            self._seq += 1
            rev = tid(time_us << 10 | self._seq % 1024)
            commit = Commit(self._seq, repo_id, rev, self._revs.get(repo_id), time_us, ops)
            self._revs[repo_id] = rev
            self._items.append(commit)
            self._trim()
            wakers = list(self._wakers)
        for wake in wakers:
            wake()

    def _trim(self) -> None:
        live = len(self._items) - self._head
        if live > self.retention:
            self._head += live - self.retention
        if self._head > 1024 and self._head * 2 > len(self._items):
            del self._items[: self._head]
            self._head = 0

    # ------------------------------------------------------------------ reading

    @property
    def head_seq(self) -> int:
        """The newest commit's seq (0 before the first)."""
        return self._seq

    @property
    def oldest_seq(self) -> int:
        """The oldest kept commit's seq (head_seq + 1 when none is kept)."""
        with self._lock:
            return self._items[self._head].seq if self._head < len(self._items) else self._seq + 1

    @property
    def last_time_us(self) -> int:
        return self._last_us

    def __len__(self) -> int:
        with self._lock:
            return len(self._items) - self._head

    def read(self, seq: int, limit: int = _BATCH) -> list[Commit]:
        """Kept commits from `seq` on (oldest first), at most `limit`; starts at the oldest kept when `seq` is older."""
        with self._lock:
            if self._head >= len(self._items):
                return []
            first = self._items[self._head].seq
            start = self._head + max(0, seq - first)
            return self._items[start : start + limit]

    def seq_at_time(self, time_us: int) -> int:
        """Seq of the first kept commit with `time_us >= time_us` (head_seq + 1 when none)."""
        with self._lock:
            lo, hi = self._head, len(self._items)
            while lo < hi:
                mid = (lo + hi) // 2
                if self._items[mid].time_us < time_us:
                    lo = mid + 1
                else:
                    hi = mid
            return self._items[lo].seq if lo < len(self._items) else self._seq + 1

    def commits(self, after: int = 0, limit: int | None = None) -> list[Commit]:
        """Kept commits with seq > `after`, oldest first."""
        return self.read(after + 1, limit if limit is not None else self.retention)

    def set_retention(self, commits: int) -> None:
        """Keep only the newest `commits` commits (now and from now on)."""
        with self._lock:
            self.retention = max(1, int(commits))
            self._trim()

    def add_waker(self, fn: Any) -> None:
        with self._lock:
            self._wakers.append(fn)

    def remove_waker(self, fn: Any) -> None:
        with self._lock:
            if fn in self._wakers:
                self._wakers.remove(fn)


_LOGS: weakref.WeakKeyDictionary[World, CommitLog] = weakref.WeakKeyDictionary()
_SERVERS: weakref.WeakKeyDictionary[World, list[StreamServer]] = weakref.WeakKeyDictionary()


class _Client:
    """One subscriber. Where it starts is fixed during the handshake, so a change made once `connect` returned
    is always seen."""

    __slots__ = ("close", "collections", "dids", "endpoint", "opening", "pending", "sent", "start", "ws")

    def __init__(self, ws: ServerConnection, endpoint: str) -> None:
        self.ws, self.endpoint = ws, endpoint
        self.dids: set[str] | None = None
        self.collections: list[str] | None = None
        self.start = 0  # the first seq to send
        self.opening: bytes | None = None  # a frame before any commit (#info, an error frame)
        self.close: tuple[int, str] | None = None  # close right after the opening frame
        self.pending: list[tuple[bytes, bool]] = []  # injected frames: (payload, is text)
        self.sent = 0

    def wants_collection(self, collection: str) -> bool:
        if self.collections is None:
            return True
        return any(c == collection or (c.endswith(".*") and collection.startswith(c[:-1])) for c in self.collections)


class StreamServer:
    """Jetstream and the repo firehose for `world` on a loopback WebSocket port; also a context manager.

    `retention` (commits) sets the world's log's window when given (default: leave it, 100,000 at first).
    """

    def __init__(self, world: World, *, host: str = "127.0.0.1", port: int = 0, retention: int | None = None):
        self.world = world
        self.host = host
        self.port = port
        self.log = CommitLog.of(world)
        if retention is not None:
            self.log.set_retention(retention)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._clients: set[_Client] = set()
        self._joining: weakref.WeakKeyDictionary[ServerConnection, _Client] = weakref.WeakKeyDictionary()
        self._closing: set[asyncio.Future[None]] = set()
        self._wakeup: asyncio.Event | None = None
        self._wake_pending = False
        self._cache: dict[tuple[str, int], Any] = {}
        self._noises: list[Noise] = []
        self._live: OwnerActivity | None = None
        self._stats: dict[str, Any] = {
            "connections": 0,
            "frames": {"jetstream": 0, "firehose": 0},
            "injected": 0,
            "dropped": 0,
        }

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("stream server not started")
        return f"ws://{self.host}:{self.port}"

    @property
    def jetstream_url(self) -> str:
        return self.url + JETSTREAM_PATH

    @property
    def firehose_url(self) -> str:
        return self.url + FIREHOSE_PATH

    def start(self) -> StreamServer:
        if self._server is not None:
            return self
        ready = threading.Event()
        failure: list[BaseException] = []
        loop = asyncio.new_event_loop()

        async def boot() -> None:
            self._wakeup = asyncio.Event()
            self._server = await serve(
                self._handle,
                self.host,
                self.port,
                process_request=self._check_request,
                compression=None,
                close_timeout=2,
                server_header="followtui-simulator",
            )
            self.port = self._server.sockets[0].getsockname()[1]

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(boot())
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()

        self._loop = loop
        self._thread = threading.Thread(target=run, name="simulator-stream", daemon=True)
        self._thread.start()
        ready.wait(10)
        if failure:
            self._thread.join(5)
            loop.close()
            self._loop = None
            raise failure[0]
        self.log.add_waker(self._wake)
        with self.world.lock:
            _SERVERS.setdefault(self.world, []).append(self)
        return self

    def stop(self) -> None:
        """Stop the noise, close every connection (1001 going away) and the port."""
        server, loop = self._server, self._loop
        if server is None or loop is None:
            return
        for noise in list(self._noises):
            noise.stop()
        self.stop_live()
        self.log.remove_waker(self._wake)
        with self.world.lock:
            servers = _SERVERS.get(self.world, [])
            if self in servers:
                servers.remove(self)

        async def shutdown() -> None:
            server.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.wait_closed(), 5)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=5)
        loop.close()
        self._server = self._loop = None

    def __enter__(self) -> StreamServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @staticmethod
    def for_world(world: World) -> StreamServer | None:
        """The running stream server of `world` (the newest, if several), or None."""
        with world.lock:
            servers = _SERVERS.get(world)
            return servers[-1] if servers else None

    # ------------------------------------------------------------------ knobs

    def _call(self, fn: Any, timeout: float = 10) -> Any:
        """Run `fn()` (a coroutine function) on the server's loop and wait for its result."""
        if self._loop is None:
            raise RuntimeError("stream server not started")
        return asyncio.run_coroutine_threadsafe(fn(), self._loop).result(timeout)

    def _targets(self, endpoint: str) -> list[_Client]:
        if endpoint not in ("all", "jetstream", "firehose"):
            raise ValueError(f"unknown endpoint {endpoint!r}; choose all, jetstream or firehose")
        return [c for c in self._clients if endpoint in ("all", c.endpoint)]

    def inject(self, kind: str = "garbage", endpoint: str = "all") -> int:
        """Send one malformed frame (a kind of MALFORMED_KINDS) to every current client of `endpoint` (all,
        jetstream or firehose), after whatever it was sent before; returns how many clients get it.

        garbage: 64 random bytes starting 0xff, a binary frame on both endpoints; truncated: the next commit's
        shape cut in half (JSON text / CBOR bytes); missing_fields: a well-formed message of a known type
        without its required fields (no `commit` on Jetstream; no seq, commit, blocks, ops on the firehose);
        unknown_type: a well-formed message of an unknown kind/type, which clients must skip."""
        if kind not in MALFORMED_KINDS:
            raise ValueError(f"unknown malformed kind {kind!r}; choose from {MALFORMED_KINDS}")

        async def go() -> int:
            clients = self._targets(endpoint)
            for client in clients:
                client.pending.append(self._malformed(kind, client.endpoint))
            self._stats["injected"] += len(clients)
            self._notify()
            return len(clients)

        return self._call(go)

    def _malformed(self, kind: str, endpoint: str) -> tuple[bytes, bool]:
        did = "did:plc:simmalformedframe00000"
        time_us = max(self.log.last_time_us, 1)
        if kind == "garbage":
            rng = random.Random(f"garbage:{self._stats['injected']}")
            return b"\xff" + bytes(rng.randrange(256) for _ in range(63)), False
        if endpoint == "jetstream":
            if kind == "truncated":
                body = {"did": did, "time_us": time_us, "kind": "commit", "commit": {"rev": tid(time_us << 10),
                        "operation": "create", "collection": FOLLOW, "rkey": tid(time_us << 10)}}  # fmt: skip
                raw = orjson.dumps(body)
                return raw[: len(raw) // 2], True
            if kind == "missing_fields":
                return orjson.dumps({"did": did, "time_us": time_us, "kind": "commit"}), True
            return orjson.dumps({"did": did, "time_us": time_us, "kind": "sim-unknown", "sim-unknown": {}}), True
        if kind == "truncated":
            body = {"seq": self.log.head_seq, "repo": did, "rev": tid(time_us << 10), "ops": [], "blobs": [],
                    "blocks": b"\x00" * 32, "time": iso_us(time_us)}  # fmt: skip
            raw = _COMMIT_HEADER + dagcbor.encode(body)
            return raw[: len(_COMMIT_HEADER) + (len(raw) - len(_COMMIT_HEADER)) // 2], False
        if kind == "missing_fields":
            body = {"repo": did, "rev": tid(time_us << 10), "time": iso_us(time_us)}
            return _COMMIT_HEADER + dagcbor.encode(body), False
        header = dagcbor.encode({"op": 1, "t": "#simUnknown"})
        return header + dagcbor.encode({"seq": self.log.head_seq, "did": did, "time": iso_us(time_us)}), False

    def drop(self, code: int | None = None, reason: str = "") -> int:
        """Drop every connection: with no `code`, abort the TCP connection (no close frame, as when a network
        path dies); with a code, start a close handshake with it (e.g. 1001 going away, 1011 internal error),
        without waiting for the clients' answer. Returns how many."""

        async def go() -> int:
            clients = list(self._clients)
            for client in clients:
                if code is None:
                    client.ws.transport.abort()
                else:
                    task = asyncio.ensure_future(client.ws.close(code, reason))
                    self._closing.add(task)
                    task.add_done_callback(self._closing.discard)
            self._stats["dropped"] += len(clients)
            return len(clients)

        return self._call(go)

    def set_retention(self, commits: int) -> None:
        """Keep only the newest `commits` commits: older cursors become outdated (firehose `#info`)."""
        self.log.set_retention(commits)

    def noise(self, **options: Any) -> Noise:
        """Start follow churn among non-owner accounts on a background thread and return its handle
        (`.wait()`, `.stop()`, `.made`, `.status()`). Each change is a world change (logged `via="noise"`), so
        it is also a commit on both streams. `options` are Noise's (simulator.noise):

        rate: changes per wall-clock second (default 100; None or 0: as fast as the world takes them, tens of
        thousands a second); per_minute: changes per simulated minute (default 600), i.e. the world's clock moves
        60/per_minute seconds per change; count / seconds: stop after that many changes / wall seconds (neither:
        until `stop()` or the server stops). Follows are between random active non-owners; unfollows
        (`unfollow_share`, 0.4) and re-follows (`refollow_share`, 0.01) only touch edges this noise made."""
        run = Noise(self.world, **options)
        self._noises = [n for n in self._noises if n.running]
        self._noises.append(run)
        return run.start()

    def burst(self, count: int, *, per_minute: float = 600.0, seed: int = 0) -> int:
        """Make `count` noise changes now, as fast as possible; returns how many applied."""
        run = self.noise(rate=None, count=count, per_minute=per_minute, seed=seed)
        run.wait()
        return run.made

    def live(self, owner: str | int, *, every_s: float = 5.0, seed: int = 0) -> OwnerActivity:
        """Start live activity around `owner` (see simulator.live) and return its handle; one at a time."""
        self.stop_live()
        self._live = OwnerActivity(self.world, owner, every_s=every_s, seed=seed).start()
        return self._live

    def stop_live(self) -> bool:
        """Stop the live activity; False when none ran."""
        run, self._live = self._live, None
        if run is None:
            return False
        run.stop()
        return True

    def noise_status(self) -> list[dict[str, Any]]:
        return [n.status() for n in self._noises]

    def stop_noise(self) -> int:
        """Stop every running noise; returns how many were running."""
        running = [n for n in self._noises if n.running]
        for n in running:
            n.stop()
        return len(running)

    def clients(self) -> dict[str, int]:
        """Connected clients per endpoint."""
        out = {"jetstream": 0, "firehose": 0}
        for client in list(self._clients):
            out[client.endpoint] += 1
        return out

    def status(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "jetstream": self.jetstream_url,
            "firehose": self.firehose_url,
            "seq": self.log.head_seq,
            "oldest_seq": self.log.oldest_seq,
            "time_us": self.log.last_time_us,
            "retention": self.log.retention,
            "clients": self.clients(),
            "connections": self._stats["connections"],
            "frames": dict(self._stats["frames"]),
            "injected": self._stats["injected"],
            "dropped": self._stats["dropped"],
            "noise": self.noise_status(),
        }

    # ------------------------------------------------------------------ fan-out

    def _wake(self) -> None:
        """From the world's thread after a commit: wake the clients (coalesced)."""
        if self._wake_pending or self._loop is None:
            return
        self._wake_pending = True
        with contextlib.suppress(RuntimeError):  # the loop is closing
            self._loop.call_soon_threadsafe(self._notify)

    def _notify(self) -> None:
        self._wake_pending = False
        ev, self._wakeup = self._wakeup, asyncio.Event()
        if ev is not None:
            ev.set()

    def _encoded(self, commit: Commit, endpoint: str) -> Any:
        key = (endpoint, commit.seq)
        found = self._cache.get(key)
        if found is None:
            found = commit.firehose() if endpoint == "firehose" else commit.jetstream()
            if len(self._cache) >= _CACHE:
                del self._cache[next(iter(self._cache))]
            self._cache[key] = found
        return found

    def _check_request(self, connection: ServerConnection, request: WsRequest) -> WsResponse | None:
        """During the handshake: route, check the parameters, and fix where the client starts."""
        parts = urlsplit(request.path)
        query = parse_qsl(parts.query)
        if parts.path == JETSTREAM_PATH:
            for key, value in query:
                if key == "cursor" and not value.lstrip("-").isdigit():
                    return connection.respond(HTTPStatus.BAD_REQUEST, "invalid cursor\n")
            client = _Client(connection, "jetstream")
            self._jetstream_plan(client, query)
        elif parts.path == FIREHOSE_PATH:
            client = _Client(connection, "firehose")
            self._firehose_plan(client, query)
        else:
            return connection.respond(HTTPStatus.NOT_FOUND, "Not Found\n")
        self._joining[connection] = client
        return None

    async def _handle(self, ws: ServerConnection) -> None:
        client = self._joining.pop(ws)
        self._clients.add(client)
        self._stats["connections"] += 1
        reader = asyncio.ensure_future(self._drain(ws))
        try:
            if client.opening is not None:
                await ws.send(client.opening)
            if client.close is not None:
                await ws.close(*client.close)
                return
            await self._pump(client, client.start, reader)
        except ConnectionClosed:
            pass
        finally:
            self._clients.discard(client)
            reader.cancel()

    @staticmethod
    async def _drain(ws: ServerConnection) -> None:
        """Read and ignore what the client sends (Jetstream option updates), until it goes."""
        with contextlib.suppress(ConnectionClosed):
            async for _ in ws:
                pass

    def _jetstream_plan(self, client: _Client, query: list[tuple[str, str]]) -> None:
        dids = [v for k, v in query if k == "wantedDids"]
        collections = [v for k, v in query if k == "wantedCollections"]
        client.dids = set(dids) if dids else None
        client.collections = collections or None
        cursor = next((int(v) for k, v in query if k == "cursor"), None)
        if cursor is None or cursor <= 0 or cursor > self.log.last_time_us:
            client.start = self.log.head_seq + 1  # live tail
        else:
            client.start = self.log.seq_at_time(cursor)

    def _firehose_plan(self, client: _Client, query: list[tuple[str, str]]) -> None:
        raw = next((v for k, v in query if k == "cursor"), None)
        client.start = self.log.head_seq + 1
        if raw is None:
            return
        try:
            cursor = int(raw)
        except ValueError:
            client.opening = _error_frame("InvalidRequest", "Error: cursor must be an integer")
            client.close = (1008, "InvalidRequest")
            return
        if cursor > self.log.head_seq:
            client.opening = _error_frame("FutureCursor", "Cursor in the future.")
            client.close = (1008, "FutureCursor")
            return
        oldest = self.log.oldest_seq
        if cursor < oldest - 1:
            client.opening = _info_frame("OutdatedCursor", "Requested cursor exceeded limit. Possibly missing events")
            client.start = oldest
        else:
            client.start = cursor + 1

    async def _pump(self, client: _Client, pos: int, reader: asyncio.Future[None]) -> None:
        """Send from seq `pos` on, then live; a client the retention window overtakes is dropped."""
        ws, firehose = client.ws, client.endpoint == "firehose"
        frames = self._stats["frames"]
        while not reader.done():
            if client.pending:
                injected, client.pending = client.pending, []
                for payload, text in injected:
                    await ws.send(payload, text=text)
            wakeup = self._wakeup
            assert wakeup is not None
            batch = self.log.read(pos)
            if batch and batch[0].seq > pos:  # fell out of the retention window while streaming
                if firehose:
                    await ws.send(_error_frame("ConsumerTooSlow", "Stream consumer too slow"))
                await ws.close(1008, "ConsumerTooSlow")
                return
            if not batch:
                waiter = asyncio.ensure_future(wakeup.wait())
                await asyncio.wait((waiter, reader), return_when=asyncio.FIRST_COMPLETED)
                waiter.cancel()
                continue
            for commit in batch:
                if firehose:
                    await ws.send(self._encoded(commit, "firehose"))
                    frames["firehose"] += 1
                elif (client.dids is None or commit.did in client.dids) and client.wants_collection(FOLLOW):
                    for message in self._encoded(commit, "jetstream"):
                        await ws.send(message, text=True)
                        frames["jetstream"] += 1
                client.sent += 1
            pos = batch[-1].seq + 1
            await asyncio.sleep(0)  # let the other clients have their turn


def stream_for(world: World) -> StreamServer | None:
    """The running stream server of `world`, or None (what the control routes use)."""
    return StreamServer.for_world(world)


def record_ops(commits: Iterable[Commit]) -> list[dict[str, Any]]:
    """Flatten commits to one row per op (seq, repo, action, rkey, subject, time_us): handy in tests."""
    rows = []
    for c in commits:
        for action, rkey, subject, _, _ in c.ops:
            rows.append({"seq": c.seq, "repo": c.did, "action": action, "rkey": rkey, "subject": _did(subject),
                         "time_us": c.time_us})  # fmt: skip
    return rows
