"""Hand-built Bluesky stream messages: firehose frames (DAG-CBOR header + body, records in a CAR) and Jetstream
JSON, and a scripted WebSocket server on loopback that sends them.

libipld 3.x has no encode_car: the CAR (v1) is written here, as varint-prefixed sections after a DAG-CBOR header.
Links: libipld 3.x decodes a CID link (tag 42) to the CID's bytes and encodes bytes that parse as a CID as a link;
libipld 4 has a CID class for both, used when present.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import libipld
import orjson
from websockets.asyncio.server import ServerConnection, serve

FOLLOW = "app.bsky.graph.follow"
OWNER = "did:plc:owner000000000000000000"
ALICE = "did:plc:alice000000000000000000"
BOB = "did:plc:bob00000000000000000000"
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def cid_of(data: bytes) -> bytes:
    """A CIDv1, dag-cbor, sha2-256, in binary."""
    return bytes([0x01, 0x71, 0x12, 0x20]) + hashlib.sha256(data).digest()


def link(cid: bytes) -> Any:
    cid_class = getattr(libipld, "CID", None)
    return cid_class(cid) if cid_class is not None else cid


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | 0x80 if n else byte)
        if not n:
            return bytes(out)


def car(root: bytes, blocks: Sequence[tuple[bytes, bytes]]) -> bytes:
    header = libipld.encode_dag_cbor({"version": 1, "roots": [link(root)]})
    body = b"".join(varint(len(cid) + len(data)) + cid + data for cid, data in blocks)
    return varint(len(header)) + header + body


def follow_record(subject: Any) -> bytes:
    return libipld.encode_dag_cbor({"$type": FOLLOW, "subject": subject, "createdAt": "2025-03-01T12:00:00.000Z"})


def frame(header: dict[str, Any], body: dict[str, Any]) -> bytes:
    return libipld.encode_dag_cbor(header) + libipld.encode_dag_cbor(body)


def commit_frame(
    seq: int,
    repo: str,
    changes: Sequence[tuple[str, str, Any]],
    *,
    rev: str = "3laaaaaaaaaa2",
    time: str = "2025-03-01T12:00:00.000Z",
    extra_blocks: Sequence[tuple[bytes, bytes]] = (),
    leave_out: Sequence[str] = (),
    **fields: Any,
) -> bytes:
    """A #commit frame: `changes` as (action, path, subject DID or None); a create's record goes into the CAR, keyed
    by its CID (left out of the CAR when its path is in `leave_out`)."""
    blocks: list[tuple[bytes, bytes]] = []
    wire_ops = []
    for action, path, subject in changes:
        op: dict[str, Any] = {"action": action, "path": path, "cid": None}
        if action != "delete":
            data = follow_record(subject) if path.startswith(FOLLOW) else libipld.encode_dag_cbor({"text": "hi"})
            cid = cid_of(data)
            if path not in leave_out:
                blocks.append((cid, data))
            op["cid"] = link(cid)
        wire_ops.append(op)
    commit_block = libipld.encode_dag_cbor({"did": repo, "version": 3, "rev": rev})
    commit_cid = cid_of(commit_block)
    body = {
        "seq": seq,
        "rebase": False,
        "tooBig": False,
        "repo": repo,
        "commit": link(commit_cid),
        "rev": rev,
        "since": None,
        "blocks": car(commit_cid, [(commit_cid, commit_block), *blocks, *extra_blocks]),
        "ops": wire_ops,
        "blobs": [],
        "time": time,
        **fields,
    }
    return frame({"op": 1, "t": "#commit"}, body)


def info_frame(name: str, message: str = "") -> bytes:
    return frame({"op": 1, "t": "#info"}, {"name": name, "message": message})


def error_frame(name: str, message: str = "") -> bytes:
    return frame({"op": -1}, {"error": name, "message": message})


def identity_frame(seq: int, did: str = ALICE) -> bytes:
    return frame({"op": 1, "t": "#identity"}, {"seq": seq, "did": did, "time": "2025-03-01T12:00:00.000Z"})


def jet(did: str, time_us: int, operation: str, rkey: str, subject: Any = None, *, rev: str = "3laaaaaaaaaa2") -> str:
    commit: dict[str, Any] = {"rev": rev, "operation": operation, "collection": FOLLOW, "rkey": rkey}
    if operation != "delete":
        commit["record"] = {"$type": FOLLOW, "subject": subject, "createdAt": "2025-03-01T12:00:00.000Z"}
        commit["cid"] = "bafyreidwaivazkwu67xztlmuobx35hs2lnfh3kolmgfmucldvhd3sgzcqi"
    return orjson.dumps({"did": did, "time_us": time_us, "kind": "commit", "commit": commit}).decode()


def jet_identity(did: str, time_us: int) -> str:
    return orjson.dumps(
        {"did": did, "time_us": time_us, "kind": "identity", "identity": {"did": did, "handle": "a.test", "seq": 1}}
    ).decode()


Script = Callable[[ServerConnection], Awaitable[None]]


def sends(*messages: bytes | str, then: str = "close") -> Script:
    """A connection that sends `messages`, then closes ("close"), drops the TCP connection ("drop") or stays
    open ("stay")."""

    async def script(ws: ServerConnection) -> None:
        for message in messages:
            await ws.send(message)
        if then == "close":
            await ws.close()
        elif then == "drop":
            await asyncio.sleep(0.05)
            ws.transport.abort()
        else:
            await ws.wait_closed()

    return script


class ScriptedServer:
    """A WebSocket server on loopback: connection n runs scripts[n] (the last one again for any later one) and
    records the path (with its query) each connection asked for."""

    def __init__(self, *scripts: Script, max_size: int | None = 2**24) -> None:
        self.scripts = scripts
        self.paths: list[str] = []
        self.max_size = max_size
        self._stack = contextlib.AsyncExitStack()

    async def _handler(self, ws: ServerConnection) -> None:
        assert ws.request is not None
        self.paths.append(ws.request.path)
        script = self.scripts[min(len(self.paths), len(self.scripts)) - 1]
        with contextlib.suppress(Exception):
            await script(ws)

    async def __aenter__(self) -> ScriptedServer:
        server = await self._stack.enter_async_context(serve(self._handler, "127.0.0.1", 0, max_size=self.max_size))
        self.port = server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()

    def url(self, path: str = "/xrpc/com.atproto.sync.subscribeRepos") -> str:
        return f"ws://127.0.0.1:{self.port}{path}"
