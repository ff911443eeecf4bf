"""Bluesky's event streams, reduced to what a follow watcher needs: the follow-record ops of each repo commit.

Two sources, told apart by the URL's path:

- the firehose (`…/xrpc/com.atproto.sync.subscribeRepos`, a relay or a PDS): binary frames, each a DAG-CBOR
  header (`{op: 1, t: "#commit"}`, or `{op: -1}` for an error) followed by a DAG-CBOR body. A `#commit` body
  names its ops (`{action, path: "collection/rkey", cid}`) and carries the new records as CAR bytes (`blocks`);
  the ops' paths are read first and the CAR is decoded only for a commit that creates a follow record. The cursor
  is the frame's `seq`.
- Jetstream (`…/subscribe`): JSON text messages, one per op (`{did, time_us, kind: "commit", commit: {rev,
  operation, collection, rkey, record?}}`), asked for `wantedCollections=app.bsky.graph.follow` only. The ops of
  one commit arrive back to back with the same `did` and `rev`; they are put together again (a message of another
  commit, or IDLE_FLUSH_S of silence, closes a commit). The cursor is `time_us`.

Either way the caller gets one `FollowCommit` per repo commit with follow ops, in stream order, stamped with the
event's own time, and a `StreamGap` whenever events may have been lost (the caller then runs a full sync before it
trusts the stream again). The connection is re-opened with backoff when it drops, resuming from the cursor of the
last message taken (a malformed message's cursor is not believed); ops of commits already handed out that the new
connection replays (Jetstream's cursor is inclusive) are dropped, by (repo, rev, action, rkey).

What counts as a gap:

- firehose: `#info OutdatedCursor` (the relay no longer holds events from the cursor on), `FutureCursor` (the
  cursor is ahead of the relay: it is dropped and the stream resumes live), any other error frame but
  `ConsumerTooSlow` (which only drops the connection: resuming from the cursor loses nothing, and if the relay can
  no longer replay that far it says OutdatedCursor).
- both: a reconnection without a cursor (no event was seen yet and none was given), and a message too big to
  take twice at the same cursor (it is skipped by resuming live).
- Jetstream has no OutdatedCursor: it replays from its oldest event without a word. With `jetstream_replay_s`
  set (JETSTREAM_REPLAY_S suits Bluesky's public instances), a resume cursor older than that by the local clock is
  reported as a gap and dropped (live tail). It is off by default: it trusts the server's clock to be the local
  one, which a simulated world's is not. A silent jump in `time_us` after a resume is never taken as a gap: on a
  quiet stream it is normal and nothing tells the two apart.
- `#sync`, `#identity` and `#account` frames (Jetstream's `identity` and `account` kinds) are skipped. A `#sync`
  means a repo changed without its ops being on the stream; it is not reported (rare, and it names one repo).

Frames come from an untrusted network: anything malformed (not CBOR or JSON, missing or wrong-typed fields, a DID
or record key that breaks its syntax, a subject that is not a DID) is skipped and counted, never raised. Messages
are bounded in size (`max_size`). Signatures and the CAR's hashes are not verified: the relay's word is taken.

This module needs `websockets` and `libipld`; only the watch command imports it.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TypeGuard
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import libipld
import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.frames import CloseCode

from followtui.sanitize import clean_text, clean_time

FOLLOW = "app.bsky.graph.follow"
FIREHOSE_PATH = "/xrpc/com.atproto.sync.subscribeRepos"
JETSTREAM_PATH = "/subscribe"
#: Largest message taken. A firehose commit carries at most 2 MB of blocks (Sync v1.1); a Jetstream follow message
#: is well under a kilobyte, but identity and account messages share the stream.
FIREHOSE_MAX_SIZE = 5 * 1024 * 1024
JETSTREAM_MAX_SIZE = 1024 * 1024
#: How long a Jetstream commit is held open for more of its ops once its last op arrived.
IDLE_FLUSH_S = 0.05
#: What to pass as `jetstream_replay_s` for Bluesky's public Jetstream instances (they keep about a day or more);
#: an older cursor would silently replay from their oldest event.
JETSTREAM_REPLAY_S = 24 * 3600.0
#: Commits remembered as handed out, to drop them when a resumed connection replays them.
DELIVERED_KEEP = 4096
#: Ops in one commit at most (Sync v1.1 allows 200); more is a malformed frame.
MAX_OPS = 1000
MAX_DID = 2048
MAX_RKEY = 512
MAX_REV = 64
_MAX_TIME_US = 253_402_300_799_000_000  # 9999-12-31T23:59:59Z
_MAX_SEQ = 2**63 - 1
_FOLLOW_PREFIX = FOLLOW + "/"
_DID_RE = re.compile(r"did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]")
_RKEY_RE = re.compile(r"[A-Za-z0-9._:~-]+")
_ACTIONS = frozenset({"create", "update", "delete"})
#: Error frames after which resuming from the cursor loses nothing.
_HARMLESS_ERRORS = frozenset({"ConsumerTooSlow"})

Action = Literal["create", "update", "delete"]
Source = Literal["firehose", "jetstream"]


# -- what the stream hands out ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FollowOp:
    """One op on an `app.bsky.graph.follow` record. `subject` is the followed DID for a create or update (None when
    the record was missing from the commit or is not a valid follow); a delete never carries one."""

    action: Action
    rkey: str
    subject: str | None = None


@dataclass(frozen=True, slots=True)
class FollowCommit:
    """The follow ops of one repo commit, in commit order. `at` is the event's own time (firehose `time`, Jetstream
    `time_us`), `cursor` what resumes the stream right after this commit (firehose seq, Jetstream time_us)."""

    repo: str
    rev: str
    at: datetime
    cursor: int
    ops: tuple[FollowOp, ...]


@dataclass(frozen=True, slots=True)
class StreamGap:
    """Events may have been lost before this point: trust the stream again only after a full sync. `cursor` is
    where the stream goes on from (None: live, from now)."""

    reason: str
    cursor: int | None = None


@dataclass(slots=True)
class StreamStats:
    connects: int = 0
    reconnects: int = 0
    #: Messages read, of any kind.
    messages: int = 0
    #: FollowCommits handed out, and the follow ops in them.
    commits: int = 0
    follow_ops: int = 0
    #: Messages skipped as malformed (oversized ones included) and, of those, the oversized.
    malformed: int = 0
    oversized: int = 0
    #: Creates whose record was missing from the commit or was not a valid follow (handed out without subject).
    unresolved: int = 0
    #: Messages of commits already handed out, dropped (a resumed connection replays the commit at its cursor).
    duplicates: int = 0
    #: Error frames received (firehose).
    errors: int = 0
    gaps: int = 0
    last_cursor: int | None = None


class StreamError(Exception):
    """The stream cannot work at all (the server refused the subscription outright); not raised for a dropped
    connection, which is retried."""


@dataclass(frozen=True, slots=True)
class Backoff:
    """Pauses between connection attempts: doubling from `first_s` up to `max_s`, each drawn at random from its
    upper half (so many clients dropped at once do not come back in step)."""

    first_s: float = 0.5
    max_s: float = 30.0
    factor: float = 2.0

    def ceiling(self, failures: int) -> float:
        return min(self.max_s, self.first_s * self.factor ** max(0, min(failures - 1, 64)))

    def delay(self, failures: int, rng: Callable[[], float] = random.random) -> float:
        """The pause after `failures` failed attempts in a row (1 for the first): within [ceiling/2, ceiling]."""
        top = self.ceiling(failures)
        return top / 2 + min(max(rng(), 0.0), 1.0) * top / 2


# -- decoding, one message at a time -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Skip:
    """A well-formed message with nothing for us; `cursor` when it carries one."""

    cursor: int | None = None


@dataclass(frozen=True, slots=True)
class Malformed:
    why: str
    cursor: int | None = None


@dataclass(frozen=True, slots=True)
class Info:
    """A firehose `#info` frame (`OutdatedCursor`: the relay replays from its oldest event instead)."""

    name: str
    message: str = ""


@dataclass(frozen=True, slots=True)
class ErrorFrame:
    """A firehose error frame (`op: -1`); the server closes the connection after it."""

    name: str
    message: str = ""


@dataclass(frozen=True, slots=True)
class JetstreamOp:
    """One Jetstream message about a follow record: one op of the commit (did, rev)."""

    did: str
    rev: str
    time_us: int
    op: FollowOp


Decoded = FollowCommit | Skip | Malformed | Info | ErrorFrame


def decode_firehose(data: bytes | str) -> Decoded:
    """One firehose frame. A commit without follow ops is a Skip, told from its ops' paths before any record or
    field beyond `seq` is looked at; its CAR is decoded only when a follow record is created or updated."""
    if not isinstance(data, bytes):
        return Malformed("a text frame on the firehose")
    try:
        parts = libipld.decode_dag_cbor_multi(data)
    except (ValueError, RecursionError, TypeError, OverflowError):
        return Malformed("not DAG-CBOR")
    if len(parts) != 2 or not isinstance(parts[0], dict) or not isinstance(parts[1], dict):
        return Malformed("not a header and a body")
    header, body = parts
    op = header.get("op")
    if op == -1 and _is_int(op):
        name = body.get("error")
        if not isinstance(name, str) or not name:
            return Malformed("an error frame without an error")
        return ErrorFrame(clean_text(name, 64), clean_text(body.get("message"), 300))
    if op != 1 or not _is_int(op):
        return Malformed("an unknown frame op")
    kind = header.get("t")
    if kind == "#commit":
        return _firehose_commit(body)
    if kind == "#info":
        name = body.get("name")
        if not isinstance(name, str) or not name:
            return Malformed("an info frame without a name")
        return Info(clean_text(name, 64), clean_text(body.get("message"), 300))
    if not isinstance(kind, str):
        return Malformed("a frame without a type")
    return Skip(_seq(body.get("seq")))  # #identity, #account, #sync and what comes next


def _firehose_commit(body: dict[str, Any]) -> Decoded:
    seq = _seq(body.get("seq"))
    if seq is None:
        return Malformed("a commit without a seq")
    ops = body.get("ops")
    if not isinstance(ops, list) or len(ops) > MAX_OPS:
        return Malformed("a commit without a list of ops", seq)
    if not all(isinstance(item, dict) for item in ops):
        return Malformed("an op that is not an object", seq)
    follow_ops = [item for item in ops if _is_follow_path(item.get("path"))]
    if not follow_ops:
        return Skip(seq)
    repo, rev, at = body.get("repo"), body.get("rev"), clean_time(body.get("time"))
    if not is_did(repo) or not _is_rev(rev) or at is None:
        return Malformed("a commit without a valid repo, rev or time", seq)
    parsed: list[tuple[Action, str, bytes | None]] = []
    for item in follow_ops:
        action, rkey = item.get("action"), item["path"][len(_FOLLOW_PREFIX) :]
        if action not in _ACTIONS or not is_rkey(rkey):
            return Malformed("a follow op with an unknown action or a bad record key", seq)
        cid = None
        if action != "delete":
            cid = _cid_key(item.get("cid"))
            if cid is None:
                return Malformed("a follow create without a CID", seq)
        parsed.append((action, rkey, cid))
    records: dict[bytes, Any] = {}
    if any(cid is not None for _, _, cid in parsed):
        blocks = body.get("blocks")
        if not isinstance(blocks, bytes):
            return Malformed("a commit without CAR blocks", seq)
        try:
            _, found = libipld.decode_car(blocks)
        except (ValueError, RecursionError, TypeError, OverflowError):
            return Malformed("a commit whose CAR does not decode", seq)
        for key, value in found.items():
            cid = _cid_key(key)
            if cid is not None:
                records[cid] = value
    out = tuple(
        FollowOp(action, rkey, _subject(records.get(cid)) if cid is not None else None) for action, rkey, cid in parsed
    )
    return FollowCommit(repo, rev, at, seq, out)


def decode_jetstream(data: bytes | str) -> JetstreamOp | Skip | Malformed:
    """One Jetstream message: a follow op, or a Skip (identity, account, other collections) with its time_us."""
    if not isinstance(data, str):
        return Malformed("a binary message on Jetstream")
    try:
        message = orjson.loads(data)
    except orjson.JSONDecodeError:
        return Malformed("not JSON")
    if not isinstance(message, dict):
        return Malformed("not an object")
    time_us = message.get("time_us")
    if not _is_int(time_us) or not 0 < time_us < _MAX_TIME_US:
        return Malformed("no valid time_us")
    if message.get("kind") != "commit":
        if not isinstance(message.get("kind"), str):
            return Malformed("no kind", time_us)
        return Skip(time_us)
    commit = message.get("commit")
    if not isinstance(commit, dict):
        return Malformed("a commit message without a commit", time_us)
    if commit.get("collection") != FOLLOW:
        return Skip(time_us)
    did, rev, action, rkey = message.get("did"), commit.get("rev"), commit.get("operation"), commit.get("rkey")
    if not is_did(did) or not _is_rev(rev) or action not in _ACTIONS or not is_rkey(rkey):
        return Malformed("a follow op without a valid did, rev, operation or record key", time_us)
    subject = _subject(commit.get("record")) if action != "delete" else None
    return JetstreamOp(did, rev, time_us, FollowOp(action, rkey, subject))


def is_did(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and len(value) <= MAX_DID and _DID_RE.fullmatch(value) is not None


def is_rkey(value: object) -> TypeGuard[str]:
    """The record-key syntax: 1-512 of A-Za-z0-9 . _ : ~ -, and neither "." nor ".."."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_RKEY
        and value not in (".", "..")
        and _RKEY_RE.fullmatch(value) is not None
    )


def _is_rev(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and len(value) <= MAX_REV and is_rkey(value)


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _seq(value: object) -> int | None:
    return value if _is_int(value) and 0 <= value <= _MAX_SEQ else None


def _is_follow_path(path: object) -> bool:
    return isinstance(path, str) and path.startswith(_FOLLOW_PREFIX)


def _subject(record: object) -> str | None:
    """The followed DID of a follow record, or None when it is not a valid follow record."""
    if not isinstance(record, dict):
        return None
    kind, subject = record.get("$type"), record.get("subject")
    if kind not in (None, FOLLOW) or not is_did(subject):
        return None
    return subject  # type: ignore[no-any-return]


def _cid_key(value: object) -> bytes | None:
    """A CID as its binary form: libipld 3 decodes links to bytes, libipld 4 to CID objects (bytes() of one is its
    binary form); a string is multibase. None for anything else."""
    if isinstance(value, bytes):
        return value or None
    if isinstance(value, str):
        try:
            return libipld.decode_multibase(value)[1] or None
        except ValueError:
            return None
    if hasattr(type(value), "__bytes__"):
        try:
            return bytes(value)  # type: ignore[call-overload,no-any-return]
        except (TypeError, ValueError):
            return None
    return None


# -- URLs ----------------------------------------------------------------------------------------------------------


def source_of(url: str) -> Source:
    """Which stream a URL names: the firehose by its XRPC path, Jetstream by `/subscribe`; ValueError otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "wss") or not parts.netloc:
        raise ValueError(f"a stream URL starts with ws:// or wss:// and names a host: {clean_text(url, 200)!r}")
    path = parts.path.rstrip("/")
    if path.endswith(FIREHOSE_PATH):
        return "firehose"
    if path.endswith(JETSTREAM_PATH):
        return "jetstream"
    raise ValueError(
        f"not a Bluesky event stream: {clean_text(url, 200)!r} (expected a path ending in {FIREHOSE_PATH} for the "
        f"firehose or {JETSTREAM_PATH} for Jetstream)"
    )


def stream_url(url: str, cursor: int | None) -> str:
    """`url` with the cursor set (or removed) and, for Jetstream, `wantedCollections` including follow records."""
    source = source_of(url)
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "cursor"]
    if source == "jetstream" and ("wantedCollections", FOLLOW) not in query:
        query.append(("wantedCollections", FOLLOW))
    if cursor is not None:
        query.append(("cursor", str(cursor)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def _cursor_in(url: str) -> int | None:
    for key, value in parse_qsl(urlsplit(url).query):
        if key == "cursor" and value.isdigit():
            return int(value)
    return None


# -- the stream ----------------------------------------------------------------------------------------------------


class FollowStream:
    """Follow commits from a firehose or Jetstream URL, across reconnections: `async for item in stream`.

    Items are `FollowCommit`s and `StreamGap`s. It ends when `stop` is set (or the task is cancelled); a server that
    refuses the subscription outright (an HTTP 4xx answer but 408 and 429) raises StreamError. `cursor` resumes
    after that event (a cursor in the URL is used when none is given).
    """

    def __init__(
        self,
        url: str,
        *,
        cursor: int | None = None,
        stop: asyncio.Event | None = None,
        max_size: int | None = None,
        backoff: Backoff | None = None,
        idle_flush_s: float = IDLE_FLUSH_S,
        jetstream_replay_s: float | None = None,
        open_timeout_s: float = 10.0,
        ping_interval_s: float | None = 20.0,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        rng: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.source: Source = source_of(url)
        self.url = url
        self.stats = StreamStats()
        self.stop = stop or asyncio.Event()
        self.backoff = backoff or Backoff()
        self.max_size = max_size or (FIREHOSE_MAX_SIZE if self.source == "firehose" else JETSTREAM_MAX_SIZE)
        self.idle_flush_s = idle_flush_s
        self.jetstream_replay_s = jetstream_replay_s
        self.open_timeout_s = open_timeout_s
        self.ping_interval_s = ping_interval_s
        self._sleep = sleep
        self._rng = rng
        self._clock = clock
        self._cursor = cursor if cursor is not None else _cursor_in(url)
        self.stats.last_cursor = self._cursor
        #: Why the next connection must be reported as a gap once it is open (None: it need not be).
        self._pending_gap: str | None = None
        #: The cursor at which the last oversized message was met (met twice there: skipped by resuming live).
        self._oversized_at: int | Literal[False] | None = False
        self._connected_once = False
        #: (repo, rev) of the last DELIVERED_KEEP commits handed out, with their ops' (action, rkey): a replay of
        #: one of those ops is dropped (ops of the same commit that were not handed out yet are not replays).
        self._delivered: OrderedDict[tuple[str, str], frozenset[tuple[str, str]]] = OrderedDict()

    @property
    def cursor(self) -> int | None:
        """Where a new connection resumes: after the last event handed out or skipped."""
        return self._cursor

    def url_for(self, cursor: int | None) -> str:
        return stream_url(self.url, cursor)

    def __aiter__(self) -> AsyncIterator[FollowCommit | StreamGap]:
        return self._run()

    async def _run(self) -> AsyncIterator[FollowCommit | StreamGap]:
        failures = 0
        while not self.stop.is_set():
            if self._connected_once:
                self.stats.reconnects += 1
                if self._cursor is None and self._pending_gap is None:
                    self._pending_gap = "the stream reconnected without a cursor: events meanwhile are lost"
            self._check_jetstream_cursor()
            try:
                async with connect(
                    self.url_for(self._cursor),
                    max_size=self.max_size,
                    open_timeout=self.open_timeout_s,
                    ping_interval=self.ping_interval_s,
                    ping_timeout=self.ping_interval_s,
                    close_timeout=2,
                    user_agent_header="followtui",
                ) as ws:
                    self._connected_once = True
                    self.stats.connects += 1
                    if self._pending_gap is not None:
                        yield self._gap(self._pending_gap)
                        self._pending_gap = None
                    got_any = False
                    async for item in self._read(ws):
                        got_any = True
                        if item is not None:
                            yield item
                    if got_any:
                        failures = 0
            except InvalidStatus as exc:
                status = exc.response.status_code
                if 400 <= status < 500 and status not in (408, 429):
                    raise StreamError(
                        f"the stream at {clean_text(self.url, 200)} refused the subscription ({status})"
                    ) from None
            except ConnectionClosed as exc:
                self._closed(exc)
            except (OSError, InvalidHandshake, TimeoutError, EOFError):
                pass  # could not connect, or the connection broke: tried again after a pause
            if self.stop.is_set():
                return
            failures += 1
            await self._pause(self.backoff.delay(failures, self._rng))

    def _closed(self, exc: ConnectionClosed) -> None:
        """A connection that ended abnormally; a message over max_size met twice at one cursor is skipped."""
        sent = exc.sent
        if sent is None or sent.code != CloseCode.MESSAGE_TOO_BIG:
            return
        self.stats.malformed += 1
        self.stats.oversized += 1
        if self._oversized_at == self._cursor:
            self._pending_gap = f"a message over {self.max_size:,} bytes was skipped"
            self._cursor = None
            self._oversized_at = False
        else:
            self._oversized_at = self._cursor

    def _check_jetstream_cursor(self) -> None:
        if self.source != "jetstream" or self._cursor is None or self.jetstream_replay_s is None:
            return
        if self._cursor / 1e6 < self._clock() - self.jetstream_replay_s:
            self._pending_gap = "the cursor is older than Jetstream replays"
            self._cursor = None

    def _gap(self, reason: str) -> StreamGap:
        self.stats.gaps += 1
        return StreamGap(reason, self._cursor)

    def _advance(self, cursor: int | None) -> None:
        """Resume after this message from now on (in the server's order, whatever its value: a cursor that only
        moved forward would stay stuck on one absurd value)."""
        if cursor is not None:
            self._cursor = cursor
            self.stats.last_cursor = cursor

    def _replayed(self, repo: str, rev: str, ops: tuple[FollowOp, ...]) -> bool:
        done = self._delivered.get((repo, rev))
        return done is not None and all((op.action, op.rkey) in done for op in ops)

    def _handed_out(self, commit: FollowCommit) -> FollowCommit:
        self._advance(commit.cursor)
        key = (commit.repo, commit.rev)
        self._delivered[key] = self._delivered.get(key, frozenset()) | {(op.action, op.rkey) for op in commit.ops}
        self._delivered.move_to_end(key)
        if len(self._delivered) > DELIVERED_KEEP:
            self._delivered.popitem(last=False)
        self.stats.commits += 1
        self.stats.follow_ops += len(commit.ops)
        self.stats.unresolved += sum(1 for op in commit.ops if op.action != "delete" and op.subject is None)
        return commit

    async def _pause(self, seconds: float) -> None:
        if self._sleep is not None:
            await self._sleep(seconds)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stop.wait(), seconds)

    async def _read(self, ws: ClientConnection) -> AsyncIterator[FollowCommit | StreamGap | None]:
        """This connection's items; a None after each message (so the caller knows messages arrive)."""
        closer = asyncio.ensure_future(self._close_on_stop(ws))
        try:
            reader = self._firehose(ws) if self.source == "firehose" else self._jetstream(ws)
            async for item in reader:
                yield item
        finally:
            closer.cancel()

    async def _close_on_stop(self, ws: ClientConnection) -> None:
        await self.stop.wait()
        await ws.close()

    async def _firehose(self, ws: ClientConnection) -> AsyncIterator[FollowCommit | StreamGap | None]:
        async for message in ws:
            self.stats.messages += 1
            decoded = decode_firehose(message)
            if isinstance(decoded, FollowCommit):
                if self._replayed(decoded.repo, decoded.rev, decoded.ops):
                    self.stats.duplicates += 1
                    self._advance(decoded.cursor)
                    yield None
                else:
                    yield self._handed_out(decoded)
            elif isinstance(decoded, Skip):
                self._advance(decoded.cursor)
                yield None
            elif isinstance(decoded, Malformed):
                self.stats.malformed += 1  # its seq is not believed: the cursor stays
                yield None
            elif isinstance(decoded, Info):
                if decoded.name == "OutdatedCursor":
                    yield self._gap("the relay no longer holds events from the cursor on (OutdatedCursor)")
                else:
                    yield None
            else:  # an error frame: the server closes the connection after it
                self.stats.errors += 1
                if decoded.name == "FutureCursor":
                    self._pending_gap = "the cursor is ahead of the relay (FutureCursor)"
                    self._cursor = None
                elif decoded.name not in _HARMLESS_ERRORS:
                    self._pending_gap = f"the relay sent an error ({decoded.name})"
                yield None
                return

    async def _jetstream(self, ws: ClientConnection) -> AsyncIterator[FollowCommit | StreamGap | None]:
        """Ops put back together into commits: consecutive ops of one (did, rev). A commit still open when the
        connection drops is dropped too: resuming from the cursor (before it) replays it whole."""
        pending: list[JetstreamOp] = []
        while True:
            try:
                async with asyncio.timeout(self.idle_flush_s if pending else None):
                    message = await ws.recv()
            except TimeoutError:
                yield self._flush(pending)
                pending = []
                continue
            self.stats.messages += 1
            decoded = decode_jetstream(message)
            if isinstance(decoded, JetstreamOp) and self._replayed(decoded.did, decoded.rev, (decoded.op,)):
                self.stats.duplicates += 1
                yield None
                continue
            if pending and not (
                isinstance(decoded, JetstreamOp) and (decoded.did, decoded.rev) == (pending[0].did, pending[0].rev)
            ):
                yield self._flush(pending)
                pending = []
            if isinstance(decoded, JetstreamOp):
                pending.append(decoded)
                yield None
                continue
            if isinstance(decoded, Malformed):
                self.stats.malformed += 1  # its time_us is not believed: the cursor stays
            else:
                self._advance(decoded.cursor)
            yield None

    def _flush(self, pending: list[JetstreamOp]) -> FollowCommit:
        first, last = pending[0], pending[-1]
        commit = FollowCommit(
            repo=first.did,
            rev=first.rev,
            at=datetime.fromtimestamp(first.time_us / 1e6, UTC),
            cursor=last.time_us,
            ops=tuple(item.op for item in pending),
        )
        return self._handed_out(commit)


def follow_stream(
    url: str, *, cursor: int | None = None, stop: asyncio.Event | None = None, **options: Any
) -> FollowStream:
    """A FollowStream for `url` (see FollowStream for the options)."""
    return FollowStream(url, cursor=cursor, stop=stop, **options)


__all__ = [
    "FOLLOW",
    "Backoff",
    "FollowCommit",
    "FollowOp",
    "FollowStream",
    "StreamError",
    "StreamGap",
    "StreamStats",
    "decode_firehose",
    "decode_jetstream",
    "follow_stream",
    "is_did",
    "is_rkey",
    "source_of",
    "stream_url",
]
