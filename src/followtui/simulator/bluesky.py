"""The Bluesky (AT Protocol XRPC) wire format over the shared world.

Reads follow the AppView (`app.bsky.graph.getFollowers`/`getFollows`, `app.bsky.actor.getProfile(s)`,
`com.atproto.identity.resolveHandle`), writes and sessions follow the PDS (`com.atproto.server.*`,
`com.atproto.repo.createRecord`/`deleteRecord` of `app.bsky.graph.follow`). Errors are always
`{"error", "message"}`.

Mapping from the world:

- DID: `did:plc:` + 24 base32 characters of a hash of the account id (stable across renames).
- handle: the login lowercased + `.bsky.test` (`name[bot]` becomes `name.bot.bsky.test`); renames change it.
- follow record key: a TID built from the edge's time and its follow-record id, so it decodes back to the
  edge; `at://<follower did>/app.bsky.graph.follow/<rkey>`.
- cursor: an opaque TID-shaped string holding the follow-record id of the last row consumed (plus a retry
  counter). Newest follow first; the key is absent on the last page.

Like the real AppView, pages may be short or empty while a cursor is present: deactivated accounts keep their
follow records but are filtered out of a fetched page, and a seeded share of pages is cut short (those rows
come on the next page, so nothing is lost that the world still shows).
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import hmac
import re
import threading
import time
from typing import Any

import orjson

from . import dagcbor, interactions_bluesky
from .faults import Fault, FaultPlan, Shape, cut, rebody, wrong_types
from .ratelimit import WindowLimiter, WindowState
from .wire import Request, Response, RowCache, http_date, json_response
from .world import Account, World

DAY = 86_400
HANDLE_SUFFIX = ".bsky.test"
FOLLOW = "app.bsky.graph.follow"
MOD_LABELER = "did:plc:ar7c4by46qjdydhdevvrndac"  # the Bluesky moderation service's DID
SERVICE_DID = "did:web:api.bsky.test"
MAX_PROFILES = 25
#: Share of a non-owner's activity that is reposts of someone else's post (the rest are its own posts).
REPOST_SHARE = 0.25
_S32 = "234567abcdefghijklmnopqrstuvwxyz"  # the sortable base32 alphabet of TIDs
_S32_INDEX = {c: i for i, c in enumerate(_S32)}
_CURSOR_BASE = 1_700_000_000_000_000 << 10  # makes cursors look like the TIDs production returns
_START = 1 << 40  # cursor position "before the newest row"
_HANDLE_RE = re.compile(r"[^a-z0-9.-]")


# ---------------------------------------------------------------------- identity and record keys


def did_for(acc_id: int) -> str:
    """The account's DID: stable for its whole life, whatever its login becomes."""
    digest = hashlib.sha256(f"followtui-sim-did:{acc_id}".encode()).digest()
    return "did:plc:" + base64.b32encode(digest[:15]).decode().lower()


def handle_for(login: str) -> str:
    label = login.lower()
    if label.endswith("[bot]"):
        label = label[:-5] + ".bot"
    label = ".".join(part.strip("-") or "x" for part in _HANDLE_RE.sub("-", label).split("."))
    return label + HANDLE_SUFFIX


def _handle_candidates(handle: str) -> list[str]:
    """Logins a handle can come from (the caller checks each against `handle_for`)."""
    label = handle.lower().removesuffix(HANDLE_SUFFIX)
    out = [label]
    if label.endswith(".bot"):
        out.append(label[:-4] + "[bot]")
    return out


def tid(value: int) -> str:
    """A 13-character TID (sortable base32 of a 64-bit number with the top bit clear)."""
    chars = []
    for _ in range(13):
        chars.append(_S32[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def untid(text: str) -> int | None:
    if len(text) != 13 or text[0] not in "234567abcdefghij":
        return None
    value = 0
    for c in text:
        digit = _S32_INDEX.get(c)
        if digit is None:
            return None
        value = value << 5 | digit
    return value


def rkey_for(fid: int, ts: int) -> str:
    """Record key of a follow: microseconds carry the time and the low digits of the id, the clock id the rest."""
    micros = ts * 1_000_000 + fid % 1_000_000
    return tid(micros << 10 | (fid // 1_000_000) % 1024)


def _rkey_record(rkey: str) -> tuple[int, int] | None:
    """`(follow-record id, time)` a record key was made from, or None."""
    value = untid(rkey)
    if value is None:
        return None
    micros, clock = value >> 10, value & 1023
    return clock * 1_000_000 + micros % 1_000_000, micros // 1_000_000


def follow_record_value(subject_id: int, ts: int) -> dict[str, Any]:
    """The `app.bsky.graph.follow` record of a follow edge (followed at `ts`) as its follower's repo stores it: the
    same value, so the same CID, in `com.atproto.repo.listRecords` and on the event streams."""
    return {"$type": FOLLOW, "subject": did_for(subject_id), "createdAt": _iso_ms(ts)}


def record_cid(value: dict[str, Any]) -> str:
    """A record's real CID: CIDv1, dag-cbor, sha2-256 of its DAG-CBOR bytes."""
    return str(dagcbor.cid_of(dagcbor.encode(value)))


def cid_for(*parts: object) -> str:
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return "bafyrei" + base64.b32encode(digest).decode().lower().rstrip("=")[:52]


def _encode_cursor(fid: int, retry: int = 0) -> str:
    return tid(_CURSOR_BASE + (fid << 4 | retry))


def _decode_cursor(cursor: str) -> tuple[int, int] | None:
    value = untid(cursor)
    if value is None or value < _CURSOR_BASE:
        return None
    rest = value - _CURSOR_BASE
    fid, retry = rest >> 4, rest & 15
    return None if fid > _START else (fid, retry)


def _iso_ms(ts: int, salt: int = 0) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{salt % 1000:03d}Z"


def _unit(*parts: object) -> float:
    """A seeded number in [0, 1) from its parts (stable across runs, unlike hash())."""
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class XrpcError(Exception):
    def __init__(self, status: int, error: str, message: str, headers: list[tuple[str, str]] | None = None):
        super().__init__(message)
        self.status, self.error, self.message, self.headers = status, error, message, headers or []


def _invalid(message: str) -> XrpcError:
    return XrpcError(400, "InvalidRequest", message)


def _error(status: int, error: str, message: str, *, route: str = "error", headers=None) -> Response:
    return json_response(status, {"error": error, "message": message}, route=route, headers=headers)


class _Token:
    __slots__ = ("acc_id", "kind", "revoked", "sim_iat", "ttl", "wall_iat")

    def __init__(self, kind: str, acc_id: int, sim_iat: int, ttl: float) -> None:
        self.kind, self.acc_id, self.sim_iat, self.ttl = kind, acc_id, sim_iat, ttl
        self.wall_iat = time.time()
        self.revoked = False


class BlueskyApp:
    """Answers XRPC requests from a `World`. Holds sessions and rate-limit buckets; the graph lives in the world."""

    platform = "bluesky"

    def __init__(
        self,
        world: World,
        *,
        rate_limit: int = 3000,
        rate_window_s: float = 300,
        access_ttl_s: float = 7200,
        refresh_ttl_s: float = 90 * DAY,
        short_page_share: float = 0.15,
        spam_label_share: float = 0.5,
        no_unauth_share: float = 0.04,
    ) -> None:
        self.world = world
        self._rows = RowCache()
        self.limiter = WindowLimiter(rate_limit, rate_window_s, clock=world.now_ts)
        self.access_ttl_s = access_ttl_s
        self.refresh_ttl_s = refresh_ttl_s
        self.short_page_share = short_page_share
        self.spam_label_share = spam_label_share
        self.no_unauth_share = no_unauth_share
        self._tokens: dict[str, _Token] = {}
        self._lock = threading.Lock()
        self._serial = 0
        self._did_index: dict[str, int] = {}
        self._indexed = 0
        self._key = f"followtui-sim:{world.seed}".encode()
        self._repos: dict[int, tuple[int, list[str], list[tuple[int, int, int]]]] = {}

    # ------------------------------------------------------------------ identity

    def account_by_did(self, did: str) -> Account | None:
        with self.world.lock:
            ids = self.world.random_account_ids()  # only ever grows
            while self._indexed < len(ids):
                acc_id = ids[self._indexed]
                self._did_index[did_for(acc_id)] = acc_id
                self._indexed += 1
            found = self._did_index.get(did)
            return None if found is None else self.world.account(found)

    def resolve(self, actor: str) -> Account | None:
        """A handle or DID to its account, gone ones included (callers decide what gone means)."""
        if actor.startswith("did:"):
            return self.account_by_did(actor)
        handle = actor.lower().lstrip("@")
        if not handle.endswith(HANDLE_SUFFIX):
            return None
        for login in _handle_candidates(handle):
            acc = self.world.account(login)
            if acc is not None and handle_for(acc.login) == handle:
                return acc
        return None

    def follow_uri(self, a: Account, b: Account) -> str | None:
        rec = self.world.follow_record(a, b)
        return None if rec is None else f"at://{did_for(a.id)}/{FOLLOW}/{rkey_for(*rec)}"

    # ------------------------------------------------------------------ objects

    def labels(self, acc: Account, did: str, created: int) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if acc.kind == "farmer" and _unit("spam", acc.id) < self.spam_label_share:
            out.append(
                {"cts": _iso_ms(created + 86_400, acc.id), "src": MOD_LABELER, "uri": did, "val": "spam", "ver": 1}
            )
        if not acc.owner and _unit("nounauth", acc.id) < self.no_unauth_share:
            out.append(
                {
                    "src": did,
                    "uri": f"at://{did}/app.bsky.actor.profile/self",
                    "cid": cid_for("profile", acc.id),
                    "val": "!no-unauthenticated",
                    "cts": _iso_ms(created, acc.id),
                }
            )
        return out

    def _list_row(self, acc: Account, me: Account | None) -> object:
        """A list's profileView; anonymous views of others are rendered once per profile version."""
        if me is not None or acc.owner:
            return self.profile_view(acc, me)
        key = (acc.id, acc.login, acc.state, self.world.version(acc))
        return self._rows.row(key, lambda: self.profile_view(acc, None))

    def profile_view(self, acc: Account, me: Account | None, *, detailed: bool = False) -> dict[str, Any]:
        """profileView (lists, `subject`) or profileViewDetailed (getProfile/getProfiles); absent, never null."""
        p = self.world.profile(acc)
        did = did_for(acc.id)
        out: dict[str, Any] = {"did": did, "handle": handle_for(acc.login)}
        if p["name"] is not None:
            out["displayName"] = p["name"]
        if p["has_avatar"]:
            out["avatar"] = f"https://cdn.bsky.app/img/avatar/plain/{did}/{cid_for('avatar', acc.id)}@jpeg"
        associated: dict[str, Any] = {}
        if detailed:
            associated.update(lists=0, feedgens=0, starterPacks=0, labeler=False)
        roll = _unit("chat", acc.id)
        if roll < 0.5:
            associated["chat"] = {"allowIncoming": "all" if roll < 0.25 else ("following" if roll < 0.42 else "none")}
        associated["activitySubscription"] = {"allowSubscriptions": "followers"}
        out["associated"] = associated
        viewer: dict[str, Any] = {"muted": False, "blockedBy": False}
        if me is not None and me.id != acc.id:
            following, followed_by = self.follow_uri(me, acc), self.follow_uri(acc, me)
            if following:
                viewer["following"] = following
            if followed_by:
                viewer["followedBy"] = followed_by
        out["viewer"] = viewer
        out["labels"] = self.labels(acc, did, p["created_at"])
        out["createdAt"] = _iso_ms(p["created_at"], acc.id)
        if p["bio"] is not None:
            out["description"] = p["bio"]
        out["indexedAt"] = _iso_ms(max(p["updated_at"], p["created_at"]), acc.id * 7)
        if detailed:
            if _unit("banner", acc.id) < 0.4:
                out["banner"] = f"https://cdn.bsky.app/img/banner/plain/{did}/{cid_for('banner', acc.id)}@jpeg"
            out["followersCount"] = p["followers_count"]
            out["followsCount"] = p["following_count"]
            out["postsCount"] = 0 if acc.kind == "newbie" else p["public_repos"] * 9 + int(_unit("posts", acc.id) * 40)
        return out

    # ------------------------------------------------------------------ sessions

    def _jwt(self, kind: str, acc: Account, ttl: float) -> str:
        now = self.world.now_ts()
        with self._lock:
            self._serial += 1
            serial = self._serial
        typ, scope = ("at+jwt", "com.atproto.appPass") if kind == "access" else ("refresh+jwt", "com.atproto.refresh")
        header = _b64(orjson.dumps({"typ": typ, "alg": "HS256"}))
        claims = {"scope": scope, "sub": did_for(acc.id), "aud": SERVICE_DID, "iat": now, "exp": int(now + ttl)}
        if kind == "refresh":
            claims["jti"] = _b64(hashlib.sha256(f"{self.world.seed}:{serial}".encode()).digest()[:24])
        else:
            claims["jti"] = f"sim{serial}"
        body = _b64(orjson.dumps(claims))
        sig = _b64(hmac.new(self._key, f"{header}.{body}".encode(), hashlib.sha256).digest())
        token = f"{header}.{body}.{sig}"
        with self._lock:
            self._tokens[token] = _Token(kind, acc.id, now, ttl)
        return token

    def _expired(self, tok: _Token) -> bool:
        """A token's age is the larger of simulated and wall-clock time since it was issued."""
        age = max(self.world.now_ts() - tok.sim_iat, time.time() - tok.wall_iat)
        return age >= tok.ttl

    def _session(self, acc: Account, base: str) -> dict[str, Any]:
        did, handle = did_for(acc.id), handle_for(acc.login)
        out: dict[str, Any] = {
            "did": did,
            "didDoc": {
                "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
                "id": did,
                "alsoKnownAs": [f"at://{handle}"],
                "verificationMethod": [
                    {
                        "id": f"{did}#atproto",
                        "type": "Multikey",
                        "controller": did,
                        "publicKeyMultibase": "zQ3sh" + cid_for("key", acc.id)[7:51],
                    }
                ],
                "service": [{"id": "#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": base}],
            },
            "handle": handle,
            "email": f"{handle.removesuffix(HANDLE_SUFFIX)}@mail.test",
            "emailConfirmed": True,
            "emailAuthFactor": False,
            "accessJwt": self._jwt("access", acc, self.access_ttl_s),
            "refreshJwt": self._jwt("refresh", acc, self.refresh_ttl_s),
            "active": acc.active,
        }
        if not acc.active:
            out["status"] = acc.state
        return out

    def _bearer(self, req: Request) -> str | None:
        header = req.headers.get("authorization", "").strip()
        scheme, _, token = header.partition(" ")
        return token.strip() if header and scheme.lower() == "bearer" else ("" if header else None)

    def _viewer(self, req: Request) -> Account | None:
        """The account behind an access token, None when anonymous; raises for a bad or expired token."""
        token = self._bearer(req)
        if token is None:
            return None
        tok = self._tokens.get(token)
        if tok is None or tok.revoked:
            raise XrpcError(401, "InvalidToken", "Token could not be verified")
        if tok.kind != "access":
            raise XrpcError(400, "InvalidToken", "Bad token scope")
        if self._expired(tok):
            raise XrpcError(400, "ExpiredToken", "Token has expired")
        acc = self.world.account(tok.acc_id)
        if acc is None or acc.state in ("deleted", "suspended"):
            raise XrpcError(401, "InvalidToken", "Token could not be verified")
        return acc

    # ------------------------------------------------------------------ dispatch

    def handle(self, req: Request) -> Response:
        resp = self._handle(req)
        resp.headers.insert(0, ("Date", http_date(self.world.now_ts())))
        return resp

    def _handle(self, req: Request) -> Response:
        if not req.path.startswith("/xrpc/"):
            return _error(404, "NotFound", "Not Found", route="not_found")
        nsid = req.path[len("/xrpc/") :].strip("/")
        me: Account | None = None
        if nsid not in _REFRESH_ROUTES:  # those carry a refresh token, checked by the route itself
            try:
                me = self._viewer(req)
            except XrpcError as exc:
                return _error(exc.status, exc.error, exc.message, route="unauthorized")
        key = f"did:{me.id}" if me is not None else f"ip:{req.client_ip}"
        headers: list[tuple[str, str]] = []
        if self.limiter.enabled:
            allowed, state = self.limiter.take(key)
            headers = _rate_headers(state)
            if not allowed:
                headers.append(("Retry-After", str(state.retry_after)))
                return _error(429, "RateLimitExceeded", "Rate Limit Exceeded", route="rate_limited", headers=headers)
        route = _ROUTES.get(nsid)
        if route is None:
            resp = _error(501, "MethodNotImplemented", "Method Not Implemented", route="not_found")
        else:
            method, fn = route
            if req.method != method:
                resp = _error(
                    400, "InvalidRequest", f"Incorrect HTTP method ({req.method}) expected {method}", route=nsid
                )
            else:
                try:
                    with self.world.lock:
                        resp = fn(self, req, me)
                    resp.route = nsid
                except XrpcError as exc:
                    resp = _error(exc.status, exc.error, exc.message, route=nsid, headers=exc.headers)
        if nsid.startswith("app.bsky."):
            resp.headers.append(("atproto-content-labelers", f"{MOD_LABELER};redact"))
        resp.headers.extend(headers)
        return resp

    # ------------------------------------------------------------------ routes

    def _resolve_handle(self, req: Request, me: Account | None) -> Response:
        handle = _param(req, "handle")
        acc = self.resolve(handle) if not handle.startswith("did:") else None
        if acc is None or acc.state == "deleted":
            raise _invalid("Unable to resolve handle")
        return json_response(200, {"did": did_for(acc.id)})

    def _get_profile(self, req: Request, me: Account | None) -> Response:
        acc = self.resolve(_param(req, "actor"))
        if acc is None or acc.state == "deleted":
            raise _invalid("Profile not found")
        if acc.state == "suspended":
            raise XrpcError(400, "AccountTakedown", "Account has been suspended")
        if acc.state == "deactivated":
            raise XrpcError(400, "AccountDeactivated", "Account is deactivated")
        return json_response(200, self.profile_view(acc, me, detailed=True))

    def _get_profiles(self, req: Request, me: Account | None) -> Response:
        actors = [v for k, v in req.query if k in ("actors", "actors[]")]
        if not actors:
            raise _invalid('Error: Params must have the property "actors"')
        if len(actors) > MAX_PROFILES:
            raise _invalid(f"Error: actors must not have more than {MAX_PROFILES} elements")
        profiles = []
        for actor in actors:
            acc = self.resolve(actor)
            if acc is not None and acc.active:  # unknown, gone and hidden actors are silently dropped
                profiles.append(self.profile_view(acc, me, detailed=True))
        return json_response(200, {"profiles": profiles})

    def _get_followers(self, req: Request, me: Account | None) -> Response:
        return self._graph_page(req, me, inbound=True)

    def _get_follows(self, req: Request, me: Account | None) -> Response:
        return self._graph_page(req, me, inbound=False)

    def _graph_page(self, req: Request, me: Account | None, *, inbound: bool) -> Response:
        actor = _param(req, "actor")
        limit = _limit(req.arg("limit"))
        cursor = req.arg("cursor")
        acc = self.resolve(actor)
        if acc is None or not acc.active:
            raise _invalid(f"Actor not found: {actor}")
        key = "followers" if inbound else "follows"
        body: dict[str, Any] = {"subject": self.profile_view(acc, me)}
        pos, retry = _START, 0
        if cursor:
            if "::" in cursor:  # a legacy v1 cursor: the AppView answers an empty last page
                body[key] = []
                return json_response(200, body)
            decoded = _decode_cursor(cursor)
            if decoded is None:
                raise _invalid("Malformed cursor")
            pos, retry = decoded
        ids = self.world.follower_ids(acc) if inbound else self.world.following_ids(acc)
        fids = self.world.follow_record_ids(acc, inbound=inbound)
        lo, hi = 0, len(fids)
        while lo < hi:  # first row older than the cursor (fids strictly decrease)
            mid = (lo + hi) // 2
            if fids[mid] >= pos:
                lo = mid + 1
            else:
                hi = mid
        raw = list(zip(ids[lo : lo + limit], fids[lo : lo + limit], strict=True))
        more = lo + limit < len(ids)
        visible = [
            (a, f)
            for a, f in zip(self.world.accounts_by_id(i for i, _ in raw), (f for _, f in raw), strict=True)
            if a.active
        ]
        next_cursor: str | None = None
        roll = _unit("short", self.world.seed, acc.id, inbound, pos, retry)
        if visible and retry < 2 and roll < self.short_page_share:
            keep = int(_unit("keep", acc.id, pos, retry) * len(visible))  # 0 .. len-1
            visible = visible[:keep]
            next_cursor = _encode_cursor(visible[-1][1]) if visible else _encode_cursor(pos, retry + 1)
        elif more:
            next_cursor = _encode_cursor(raw[-1][1])
        body[key] = [self._list_row(a, me) for a, _ in visible]
        if next_cursor is not None:
            body["cursor"] = next_cursor
        return json_response(200, body)

    def _get_author_feed(self, req: Request, me: Account | None) -> Response:
        """An actor's feed, newest first (see _feed_entries): posts, and reposts of someone else's post (a client
        counting your posts must skip items with a `reason`)."""
        actor = _param(req, "actor")
        limit = _limit(req.arg("limit"))
        acc = self.resolve(actor)
        if acc is None or not acc.active:
            raise _invalid("Profile not found")
        before = untid(req.arg("cursor") or "") if req.arg("cursor") else None
        items: list[dict[str, Any]] = []
        author = self.profile_view(acc, me)
        author.pop("description", None)
        entries = self._feed_entries(acc, limit, before)
        for n, (ts, repost) in enumerate(entries[:limit]):
            rkey = tid(ts * 1_000_000 + n)
            uri = f"at://{did_for(acc.id)}/app.bsky.feed.post/{rkey}"
            record = {"$type": "app.bsky.feed.post", "text": f"post {ts}", "createdAt": _iso_ms(ts), "langs": ["en"]}
            post = {
                "uri": uri, "cid": cid_for("post", acc.id, ts), "author": author, "record": record,
                "replyCount": 0, "repostCount": 0, "likeCount": 0, "quoteCount": 0,
                "indexedAt": _iso_ms(ts + 1), "labels": [],
            }  # fmt: skip
            if not repost:
                post.update(interactions_bluesky.post_counts(self, acc, ts))
            item: dict[str, Any] = {"post": post}
            if repost:  # the post is someone else's; the reason says who reposted it, and when
                other = self.world.accounts_by_id(self.world.follower_ids(acc)[:1]) or [acc]
                post["author"] = {"did": did_for(other[0].id), "handle": handle_for(other[0].login)}
                post["uri"] = f"at://{did_for(other[0].id)}/app.bsky.feed.post/{rkey}"
                item["reason"] = {"$type": "app.bsky.feed.defs#reasonRepost", "by": author, "indexedAt": _iso_ms(ts)}
            items.append(item)
        body: dict[str, Any] = {"feed": items}
        if len(entries) > limit:
            body["cursor"] = tid(entries[limit - 1][0])
        return json_response(200, body)

    def _feed_entries(self, acc: Account, limit: int, before: int | None) -> list[tuple[int, bool]]:
        """(time, is a repost) of the feed items older than `before`, newest first; more than `limit` when more
        follow. Owners: their own posts (World.post_times) and a repost 7 s after every third one; everyone
        else: the world's activity (World.activity_times), a seeded REPOST_SHARE of it reposts."""
        if acc.owner:
            posts = self.world.post_times(acc)
            now = self.world.now_ts()
            entries = sorted(
                [(ts, False) for ts in posts] + [(ts + 7, True) for ts in posts if ts % 3 == 0 and ts + 7 < now],
                reverse=True,
            )
            return [(ts, repost) for ts, repost in entries if before is None or ts < before]
        times = self.world.activity_times(acc, limit + 1, before=before)
        return [(ts, _unit("repost", acc.id, ts) < REPOST_SHARE) for ts in times]

    def _list_records(self, req: Request, me: Account | None) -> Response:
        """`com.atproto.repo.listRecords` of `app.bsky.graph.follow`: the repo's follow records (those to
        deactivated accounts too), by record key, newest first (`reverse=true`: oldest first). Like the PDS, the
        cursor is the last record key returned, present whenever the page is not empty."""
        repo = _param(req, "repo")
        collection = _param(req, "collection")
        limit = _limit(req.arg("limit"))
        cursor = req.arg("cursor")
        reverse = req.arg("reverse") in ("true", "1")
        acc = self.resolve(repo)
        if acc is None or acc.state == "deleted":
            raise _invalid(f"Could not find repo: {repo}")
        if acc.state == "suspended":
            raise XrpcError(400, "RepoTakendown", f"Repo has been takendown: {repo}")
        if acc.state == "deactivated":
            raise XrpcError(400, "RepoDeactivated", f"Repo has been deactivated: {repo}")
        keys, rows = self._follow_records(acc) if collection == FOLLOW else ([], [])
        if reverse:
            start = bisect.bisect_right(keys, cursor) if cursor else 0
            picked = list(range(start, min(start + limit, len(keys))))
        else:
            end = bisect.bisect_left(keys, cursor) if cursor else len(keys)
            picked = list(range(end - 1, max(end - limit, 0) - 1, -1))
        did = did_for(acc.id)
        records = []
        for i in picked:
            target, _, ts = rows[i]
            value = follow_record_value(target, ts)
            records.append({"uri": f"at://{did}/{FOLLOW}/{keys[i]}", "cid": record_cid(value), "value": value})
        body: dict[str, Any] = {"records": records}
        if picked:
            body["cursor"] = keys[picked[-1]]
        return json_response(200, body)

    def _follow_records(self, acc: Account) -> tuple[list[str], list[tuple[int, int, int]]]:
        """The account's follow records sorted by key: the keys, and (target id, record id, followed_at)."""
        ver = self.world.version(acc)
        hit = self._repos.get(acc.id)
        if hit is not None and hit[0] == ver:
            return hit[1], hit[2]
        edges = self.world.edges_of(acc.id, inbound=False)
        ids = self.world.following_ids(acc)
        fids = self.world.follow_record_ids(acc, inbound=False)
        rows = sorted((rkey_for(f, edges[t]), t, f, edges[t]) for t, f in zip(ids, fids, strict=True))
        keys = [r[0] for r in rows]
        table = [(t, f, ts) for _, t, f, ts in rows]
        if len(self._repos) > 10_000:
            self._repos.clear()
        self._repos[acc.id] = (ver, keys, table)
        return keys, table

    def _create_session(self, req: Request, me: Account | None) -> Response:
        data = _json_body(req)
        identifier, password = data.get("identifier"), data.get("password")
        if not isinstance(identifier, str) or not isinstance(password, str):
            raise _invalid('Input must have the property "identifier" and "password"')
        acc = self.resolve(identifier) or self.world.account(identifier.split("@")[0])
        if acc is None or acc.state == "deleted" or not self.world.check_app_password(acc, password):
            raise XrpcError(401, "AuthenticationRequired", "Invalid identifier or password")
        if acc.state == "suspended":
            raise XrpcError(401, "AccountTakedown", "Account has been taken down")
        return json_response(200, self._session(acc, req.base_url))

    def _refresh_session(self, req: Request, me: Account | None) -> Response:
        tok = self._refresh_token(req)
        acc = self.world.account(tok.acc_id)
        assert acc is not None
        if acc.state == "suspended":
            raise XrpcError(400, "AccountTakedown", "Account has been taken down")
        tok.revoked = True  # refresh tokens rotate
        session = self._session(acc, req.base_url)
        session.pop("email", None), session.pop("emailConfirmed", None), session.pop("emailAuthFactor", None)
        return json_response(200, session)

    def _refresh_token(self, req: Request) -> _Token:
        token = self._bearer(req)
        if not token:
            raise XrpcError(401, "AuthenticationRequired", "Authentication Required")
        tok = self._tokens.get(token)
        if tok is None:
            raise XrpcError(401, "InvalidToken", "Token could not be verified")
        if tok.kind != "refresh":
            raise XrpcError(400, "InvalidToken", "Invalid token type")
        if tok.revoked:
            raise XrpcError(400, "ExpiredToken", "Token has been revoked")
        if self._expired(tok):
            raise XrpcError(400, "ExpiredToken", "Token has expired")
        return tok

    def _delete_session(self, req: Request, me: Account | None) -> Response:
        self._refresh_token(req).revoked = True
        return Response(200)

    def _get_session(self, req: Request, me: Account | None) -> Response:
        me = _need(me)
        handle = handle_for(me.login)
        body: dict[str, Any] = {"handle": handle, "did": did_for(me.id)}
        body.update(email=f"{handle.removesuffix(HANDLE_SUFFIX)}@mail.test", emailConfirmed=True)
        body.update(emailAuthFactor=False, active=me.active)
        return json_response(200, body)

    def _repo_check(self, data: dict[str, Any], me: Account) -> None:
        repo = data.get("repo")
        if not isinstance(repo, str):
            raise _invalid('Input must have the property "repo"')
        if repo != did_for(me.id) and repo.lower() != handle_for(me.login):
            raise XrpcError(401, "AuthenticationRequired", "Authentication Required")
        if data.get("collection") != FOLLOW:
            raise _invalid(f"the simulator only stores {FOLLOW} records")

    def _create_record(self, req: Request, me: Account | None) -> Response:
        me = _need(me)
        data = _json_body(req)
        self._repo_check(data, me)
        record = data.get("record")
        if not isinstance(record, dict):
            raise _invalid('Input must have the property "record"')
        if record.get("$type", FOLLOW) != FOLLOW:
            raise _invalid(f"Invalid $type: expected {FOLLOW}, got {record.get('$type')}")
        subject = record.get("subject")
        if not isinstance(subject, str) or not re.fullmatch(r"did:[a-z]+:[A-Za-z0-9._:%-]+", subject):
            raise _invalid(f"Invalid {FOLLOW} record: Record/subject must be a valid did")
        if not isinstance(record.get("createdAt"), str):
            raise _invalid(f'Invalid {FOLLOW} record: Record must have the property "createdAt"')
        target = self.account_by_did(subject)
        rkey: str | None = None
        cid: str | None = None
        if target is not None and target.active and me.active and target.id != me.id:
            if self.world.follow_record(me, target) is None:
                self.world.follow(me, target, via="api")
            rec = self.world.follow_record(me, target)
            if rec is not None:  # a second follow of the same account returns the live record
                rkey = rkey_for(*rec)
                cid = record_cid(follow_record_value(target.id, rec[1]))  # as listRecords and the streams show it
        if rkey is None:  # a record the AppView ignores (gone or unknown subject): stored nowhere
            with self._lock:
                self._serial += 1
                rkey = tid((self.world.now_ts() * 1_000_000 + self._serial % 1_000_000) << 10 | 1023)
        uri = f"at://{did_for(me.id)}/{FOLLOW}/{rkey}"
        rev = tid(self.world.now_ts() * 1_000_000 << 10)
        body = {"uri": uri, "cid": cid or cid_for(uri), "commit": {"cid": cid_for("commit", uri), "rev": rev}}
        body["validationStatus"] = "valid"
        return json_response(200, body)

    def _delete_record(self, req: Request, me: Account | None) -> Response:
        me = _need(me)
        data = _json_body(req)
        self._repo_check(data, me)
        rkey = data.get("rkey")
        if not isinstance(rkey, str):
            raise _invalid('Input must have the property "rkey"')
        rec = _rkey_record(rkey)
        edge = self.world.edge_by_record(rec[0]) if rec is not None else None
        if rec is not None and edge is not None and edge[0] == me.id and edge[2] == rec[1]:
            self.world.unfollow(me, edge[1], via="api")
        return json_response(200, {})  # deleting an absent record succeeds too

    # ------------------------------------------------------------------ faults

    def fault_response(self, fault: Fault, plan: FaultPlan, req: Request) -> Response:
        """An XRPC-shaped error for a status-code fault."""
        headers: list[tuple[str, str]] = []
        if self.limiter.enabled:
            try:
                me = self._viewer(req)
            except XrpcError:
                me = None
            key = f"did:{me.id}" if me is not None else f"ip:{req.client_ip}"
            headers = _rate_headers(self.limiter.peek(key))
        retry = str(plan.retry_after_s)
        if fault.kind == "500":
            resp = _error(500, "InternalServerError", "Internal Server Error", route="fault", headers=headers)
        elif fault.kind == "502":
            resp = _error(502, "UpstreamFailure", "Upstream Failure", route="fault", headers=headers)
        elif fault.kind == "503":
            resp = _error(503, "NotEnoughResources", "Not Enough Resources", route="fault", headers=headers)
        elif fault.kind == "429":  # another limit tripped (e.g. a global one): this bucket looks fine
            resp = _error(
                429,
                "RateLimitExceeded",
                "Rate Limit Exceeded",
                route="fault",
                headers=[*headers, ("Retry-After", retry)],
            )
        else:  # "ratelimit": this bucket is spent until a reset a few seconds ahead
            limit = self.limiter.limit or 3000
            window = int(self.limiter.window_s)
            reset = self.world.now_ts() + plan.retry_after_s
            resp = _error(
                429,
                "RateLimitExceeded",
                "Rate Limit Exceeded",
                route="fault",
                headers=[
                    ("RateLimit-Limit", str(limit)),
                    ("RateLimit-Remaining", "0"),
                    ("RateLimit-Reset", str(reset)),
                    ("RateLimit-Policy", f"{limit};w={window}"),
                    ("Retry-After", retry),
                ],
            )
        resp.headers.insert(0, ("Date", http_date(self.world.now_ts())))
        return resp

    def content_fault(self, fault: Fault, req: Request, resp: Response) -> Response | None:
        """A real 200 bent by a content fault, or None where the kind has nothing to bend here.

        An empty page that still has a cursor is legal on the AppView (all its rows filtered out): it goes on
        from the same place, so a client that follows it loses nothing, and it may even stand where the last
        page was. A short page loses rows for good while its cursor goes on; a repeated cursor is this page's
        own (or, on the first page, one that starts the list again).
        """
        data = orjson.loads(resp.body)
        if fault.kind == "wrong_types":
            return rebody(resp, wrong_types(data, fault.variant, BLUESKY_SHAPE)[0])
        key = {"app.bsky.graph.getFollowers": "followers", "app.bsky.graph.getFollows": "follows"}.get(resp.route)
        cursor = req.arg("cursor")
        decoded = _decode_cursor(cursor) if cursor else (_START, 0)
        if key is None or decoded is None or not isinstance(data, dict) or not isinstance(data.get(key), list):
            return None
        if fault.kind == "empty_page":
            pos, retry = decoded
            if retry >= 15:  # the retry counter has four bits
                return None
            data[key], data["cursor"] = [], _encode_cursor(pos, retry + 1)
            return rebody(resp, data)
        if "cursor" not in data:
            return None
        if fault.kind == "repeated_cursor":
            data["cursor"] = cursor if cursor and fault.variant < 0.5 else _encode_cursor(_START)
            return rebody(resp, data)
        items = data[key]
        if len(items) < 2:
            return None
        start, length = cut(len(items), fault.variant)  # short_page: rows silently missing, the cursor goes on
        data[key] = items[:start] + items[start + length :]
        return rebody(resp, data)


BLUESKY_SHAPE = Shape(
    ids=("did",),
    counts=("followersCount", "followsCount", "postsCount"),
    handles=("handle",),
    details=("displayName", "description", "avatar", "createdAt", "indexedAt", "labels", "viewer"),
    lists=("followers", "follows", "profiles"),
)


def _rate_headers(state: WindowState) -> list[tuple[str, str]]:
    return [
        ("RateLimit-Limit", str(state.limit)),
        ("RateLimit-Remaining", str(state.remaining)),
        ("RateLimit-Reset", str(int(state.reset_ts))),
        ("RateLimit-Policy", f"{state.limit};w={int(state.window_s)}"),
    ]


def _param(req: Request, name: str) -> str:
    value = req.arg(name)
    if not value:
        raise _invalid(f'Error: Params must have the property "{name}"')
    return value


def _limit(value: str | None) -> int:
    if value is None:
        return 50
    try:
        limit = int(value)
    except ValueError:
        raise _invalid("Error: limit must be an integer") from None
    if limit < 1:
        raise _invalid("Error: limit can not be less than 1")
    if limit > 100:
        raise _invalid("Error: limit can not be greater than 100")
    return limit


def _json_body(req: Request) -> dict[str, Any]:
    try:
        data = orjson.loads(req.body or b"null")
    except orjson.JSONDecodeError:
        raise _invalid("Request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise _invalid("Request body must be a JSON object")
    return data


def _need(me: Account | None) -> Account:
    if me is None:
        raise XrpcError(401, "AuthenticationRequired", "Authentication Required")
    return me


_REFRESH_ROUTES = frozenset({"com.atproto.server.refreshSession", "com.atproto.server.deleteSession"})
_ROUTES = {
    "com.atproto.identity.resolveHandle": ("GET", BlueskyApp._resolve_handle),
    "app.bsky.actor.getProfile": ("GET", BlueskyApp._get_profile),
    "app.bsky.actor.getProfiles": ("GET", BlueskyApp._get_profiles),
    "app.bsky.graph.getFollowers": ("GET", BlueskyApp._get_followers),
    "app.bsky.graph.getFollows": ("GET", BlueskyApp._get_follows),
    "app.bsky.feed.getAuthorFeed": ("GET", BlueskyApp._get_author_feed),
    "app.bsky.feed.getLikes": ("GET", interactions_bluesky.get_likes),
    "app.bsky.feed.getRepostedBy": ("GET", interactions_bluesky.get_reposted_by),
    "app.bsky.feed.getPostThread": ("GET", interactions_bluesky.get_post_thread),
    "com.atproto.server.createSession": ("POST", BlueskyApp._create_session),
    "com.atproto.server.refreshSession": ("POST", BlueskyApp._refresh_session),
    "com.atproto.server.deleteSession": ("POST", BlueskyApp._delete_session),
    "com.atproto.server.getSession": ("GET", BlueskyApp._get_session),
    "com.atproto.repo.createRecord": ("POST", BlueskyApp._create_record),
    "com.atproto.repo.deleteRecord": ("POST", BlueskyApp._delete_record),
    "com.atproto.repo.listRecords": ("GET", BlueskyApp._list_records),
}
