"""The GitHub REST wire format over the shared world: routes, user objects, Link pagination, rate limits.

Shapes follow api.github.com (and the recordings of it): simple-user objects in lists, full user objects on
profile routes, page-number pagination with an absolute `Link` header, `x-ratelimit-*` headers, and the
`{"message", "documentation_url"}` error body. A share of accounts keeps the older object shape (no
`node_id`/`user_view_type`, a few without `type`) because real lists mix both.
"""

from __future__ import annotations

import base64
import math
import re
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any
from urllib.parse import urlencode

import orjson

from . import github_events, interactions_github
from .faults import Fault, FaultPlan, Shape, cut, link_header, rebody, wrong_types
from .wire import Request, Response, RowCache, http_date, json_response
from .world import Account, World, iso

DOCS = "https://docs.github.com/rest"
RATE_DOCS = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"
SECONDARY = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach "
    "out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000."
)
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100
_NODE_PREFIX = {"User": "04:User", "Organization": "012:Organization", "Bot": "03:Bot"}

_ROUTES = [
    (re.compile(p), name)
    for p, name in (
        (r"^/users/([^/]+)$", "user"),
        (r"^/user/(\d+)$", "user_by_id"),
        (r"^/user$", "auth_user"),
        (r"^/users/([^/]+)/(followers|following)$", "list"),
        (r"^/user/(\d+)/(followers|following)$", "list_by_id"),
        (r"^/user/(followers|following)$", "auth_list"),
        (r"^/user/following/([^/]+)$", "auth_follow"),
        (r"^/users/([^/]+)/following/([^/]+)$", "follow_check"),
        (r"^/rate_limit$", "rate_limit"),
        *interactions_github.ROUTES,
        *github_events.ROUTES,
    )
]


class RateLimiter:
    """GitHub's primary limit: `limit` requests per credential per window of wall-clock seconds.

    Windows run on the wall clock, but `reset` is reported on `clock` (the simulated one that also stamps
    the Date header), so `reset - Date` is the true wait, as on GitHub where both come from one clock.
    """

    def __init__(self, limit: int = 5000, window_s: float = 3600, clock: Callable[[], int] | None = None) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock or (lambda: int(time.time()))
        self._buckets: dict[str, list[float]] = {}  # key -> [window start, used]
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.limit > 0

    def _bucket(self, key: str) -> list[float]:
        now = time.time()
        bucket = self._buckets.get(key)
        if bucket is None or now >= bucket[0] + self.window_s:
            bucket = self._buckets[key] = [now, 0]
        return bucket

    def take(self, key: str) -> tuple[bool, list[tuple[str, str]]]:
        """Count one request; returns whether it is allowed and the headers describing the bucket."""
        with self._lock:
            bucket = self._bucket(key)
            allowed = bucket[1] < self.limit
            if allowed:
                bucket[1] += 1
            return allowed, self._headers(bucket)

    def peek(self, key: str) -> dict[str, int]:
        with self._lock:
            bucket = self._bucket(key)
            used = int(bucket[1])
            return {
                "limit": self.limit,
                "used": used,
                "remaining": max(0, self.limit - used),
                "reset": self.reset_at(bucket),
            }

    def reset_at(self, bucket: list[float]) -> int:
        return self.clock() + math.ceil(max(0.0, bucket[0] + self.window_s - time.time()))

    def headers(self, key: str) -> list[tuple[str, str]]:
        with self._lock:
            return self._headers(self._bucket(key))

    def _headers(self, bucket: list[float]) -> list[tuple[str, str]]:
        used = int(bucket[1])
        return [
            ("x-ratelimit-limit", str(self.limit)),
            ("x-ratelimit-remaining", str(max(0, self.limit - used))),
            ("x-ratelimit-used", str(used)),
            ("x-ratelimit-reset", str(self.reset_at(bucket))),
            ("x-ratelimit-resource", "core"),
        ]


def _error(status: int, message: str, *, docs: str = DOCS, route: str = "error", headers=None) -> Response:
    body = {"message": message, "documentation_url": docs, "status": str(status)}
    return json_response(status, body, route=route, headers=headers)


class GitHubApp:
    """Answers GitHub REST requests from a `World`. Stateless apart from the rate-limit buckets."""

    platform = "github"

    def __init__(
        self,
        world: World,
        *,
        rate_limit: int = 5000,
        rate_window_s: float = 3600,
        old_shape_share: float = 0.12,
        oldest_shape_share: float = 0.03,
    ) -> None:
        self.world = world
        self._rows = RowCache()
        self.limiter = RateLimiter(rate_limit, rate_window_s, clock=world.now_ts)
        self.old_shape_share = old_shape_share
        self.oldest_shape_share = oldest_shape_share
        self._request_ids = 0

    # ------------------------------------------------------------------ objects

    def _shape(self, acc: Account) -> int:
        """0 modern, 1 old (no node_id/user_view_type), 2 oldest (also no type); fixed per account id."""
        if acc.owner:
            return 0
        h = ((acc.id * 2654435761) & 0xFFFFFFFF) / 0x100000000
        if h < self.oldest_shape_share:
            return 2
        return 1 if h < self.oldest_shape_share + self.old_shape_share else 0

    def simple_user(self, acc: Account, base: str) -> dict[str, Any]:
        login, shape = acc.login, self._shape(acc)
        api = f"{base}/users/{login}"
        out: dict[str, Any] = {"login": login, "id": acc.id}
        if shape == 0:
            node = f"{_NODE_PREFIX[acc.type]}{acc.id}".encode()
            out["node_id"] = base64.b64encode(node).decode()
        out.update(
            avatar_url=f"https://avatars.githubusercontent.com/u/{acc.id}?v=4",
            gravatar_id="",
            url=api,
            html_url=f"https://github.com/{login}",
            followers_url=f"{api}/followers",
            following_url=f"{api}/following{{/other_user}}",
            gists_url=f"{api}/gists{{/gist_id}}",
            starred_url=f"{api}/starred{{/owner}}{{/repo}}",
            subscriptions_url=f"{api}/subscriptions",
            organizations_url=f"{api}/orgs",
            repos_url=f"{api}/repos",
            events_url=f"{api}/events{{/privacy}}",
            received_events_url=f"{api}/received_events",
        )
        if shape < 2:
            out["type"] = acc.type
        if shape == 0:
            out["user_view_type"] = "public"
        out["site_admin"] = False
        return out

    def full_user(self, acc: Account, base: str, *, private: bool = False) -> dict[str, Any]:
        p = self.world.profile(acc)
        out = self.simple_user(acc, base)
        out.update(
            name=p["name"],
            company=p["company"],
            blog=p["blog"],
            location=p["location"],
            email=p["email"],
            hireable=p["hireable"],
            bio=p["bio"],
            twitter_username=p["twitter_username"],
            public_repos=p["public_repos"],
            public_gists=p["public_gists"],
            followers=p["followers_count"],
            following=p["following_count"],
            created_at=iso(p["created_at"]),
            updated_at=iso(p["updated_at"]),
        )
        if private:
            out.update(
                private_gists=0,
                total_private_repos=2,
                owned_private_repos=2,
                disk_usage=10_240,
                collaborators=0,
                two_factor_authentication=True,
                plan={"name": "free", "space": 976_562_499, "collaborators": 0, "private_repos": 10000},
            )
        return out

    # ------------------------------------------------------------------ dispatch

    def common_headers(self) -> list[tuple[str, str]]:
        self._request_ids += 1
        return [
            ("Date", http_date(self.world.now_ts())),
            ("X-GitHub-Api-Version-Selected", "2022-11-28"),
            ("X-GitHub-Media-Type", "github.v3; format=json"),
            ("X-GitHub-Request-Id", f"{self._request_ids:08X}"),
        ]

    def handle(self, req: Request) -> Response:
        resp = self._handle(req)
        resp.headers[:0] = self.common_headers()
        return resp

    def _credential(self, req: Request) -> tuple[Account | None, Response | None]:
        """The authenticated owner (or None), or a 401 for a token the world does not know."""
        header = req.headers.get("authorization", "").strip()
        if not header:
            return None, None
        scheme, _, token = header.partition(" ")
        owner = self.world.token_owner(token.strip()) if scheme.lower() in ("bearer", "token") else None
        if owner is None or not owner.active:
            return None, _error(401, "Bad credentials", route="unauthorized")
        return owner, None

    def _handle(self, req: Request) -> Response:
        me, denied = self._credential(req)
        if denied is not None:
            return denied
        key = _bucket_key(req, me)
        name, match = _match(req.path)
        if name == "rate_limit" and req.method == "GET":
            return self._rate_limit(key)
        headers: list[tuple[str, str]] = []
        if self.limiter.enabled:
            allowed, headers = self.limiter.take(key)
            if not allowed:
                who = f"user ID {me.id}" if me is not None else req.client_ip
                return _error(
                    403,
                    f"API rate limit exceeded for {who}.",
                    docs=RATE_DOCS,
                    route="rate_limited",
                    headers=headers,
                )
        if match is None:
            resp = _error(404, "Not Found", route="not_found")
        else:
            resp = self._route(name, match.groups(), req, me)
        resp.headers.extend(headers)
        return resp

    def _route(self, name: str, args: tuple[str, ...], req: Request, me: Account | None) -> Response:
        world, base, method = self.world, req.base_url, req.method
        needs_auth = name in ("auth_user", "auth_list", "auth_follow")
        if needs_auth and me is None:
            return _error(401, "Requires authentication", route="unauthorized")
        if method != "GET" and name != "auth_follow":
            return _error(404, "Not Found", route="not_found")
        with world.lock:
            if name in ("user", "user_by_id"):
                acc = world.account(args[0] if name == "user" else int(args[0]), include_gone=False)
                if acc is None:
                    return _error(404, "Not Found", route=name)
                return json_response(200, self.full_user(acc, base), route=name)
            if name == "auth_user":
                assert me is not None
                return json_response(200, self.full_user(me, base, private=True), route=name)
            if name in ("list", "list_by_id", "auth_list"):
                if name == "auth_list":
                    acc, which = me, args[0]
                else:
                    ref: str | int = args[0] if name == "list" else int(args[0])
                    acc, which = world.account(ref, include_gone=False), args[1]
                if acc is None:
                    return _error(404, "Not Found", route=which)
                return self._page(acc, which, req)
            if name == "auth_follow":
                assert me is not None
                return self._follow(me, args[0], method)
            if name == "events":
                return github_events.events_page(self, args[0], req)
            if name in interactions_github.NAMES:
                return interactions_github.route(self, name, args, req)
            if name == "follow_check":
                who, target = (
                    world.account(args[0], include_gone=False),
                    world.account(args[1], include_gone=False),
                )
                ok = who is not None and target is not None and world.is_following(who, target)
                return Response(204, route="follow_check") if ok else _error(404, "Not Found", route="follow_check")
        return _error(404, "Not Found", route="not_found")

    def _follow(self, me: Account, login: str, method: str) -> Response:
        target = self.world.account(login, include_gone=False)
        route = {"GET": "follow_check", "PUT": "follow", "DELETE": "unfollow"}.get(method)
        if route is None:
            return _error(404, "Not Found", route="not_found")
        if target is None:
            return _error(404, "Not Found", route=route)
        if method == "GET":
            ok = self.world.is_following(me, target)
            return Response(204, route=route) if ok else _error(404, "Not Found", route=route)
        if method == "PUT":
            self.world.follow(me, target, via="api")
        else:
            self.world.unfollow(me, target, via="api")
        return Response(204, route=route)

    def _page(self, acc: Account, which: str, req: Request) -> Response:
        ids = self.world.follower_ids(acc) if which == "followers" else self.world.following_ids(acc)
        per_page = _int_arg(req.arg("per_page"), DEFAULT_PER_PAGE)
        per_page = DEFAULT_PER_PAGE if per_page < 1 else min(per_page, MAX_PER_PAGE)
        page = max(1, _int_arg(req.arg("page"), 1))
        start = (page - 1) * per_page
        accounts = self.world.accounts_by_id(ids[start : start + per_page])
        # Deactivated accounts keep their edges but no view shows them (pages come back short).
        base = req.base_url
        body = [self._rows.row((a.id, a.login, base), partial(self.simple_user, a, base)) for a in accounts if a.active]
        resp = json_response(200, body, route=which)
        last = max(1, -(-len(ids) // per_page))
        if last > 1:
            resp.headers.append(("Link", _links(req, page, last)))
        return resp

    def _rate_limit(self, key: str) -> Response:
        if not self.limiter.enabled:
            return _error(404, "Rate limiting is not enabled.", route="rate_limit")
        core = self.limiter.peek(key)
        resources = {"core": core}
        for name, limit in (
            ("search", 30),
            ("graphql", self.limiter.limit),
            ("integration_manifest", 5000),
            ("code_search", 10),
        ):
            resources[name] = {"limit": limit, "used": 0, "remaining": limit, "reset": core["reset"]}
        body = {"resources": resources, "rate": dict(core, resource="core")}
        return json_response(200, body, route="rate_limit", headers=self.limiter.headers(key))

    # ------------------------------------------------------------------ faults

    def fault_response(self, fault: Fault, plan: FaultPlan, req: Request) -> Response:
        """A GitHub-shaped error for a status-code fault."""
        retry = str(plan.retry_after_s)
        limit = self.limiter.limit or 5000
        if fault.kind == "500":
            resp = _error(500, "Server Error", route="fault")
        elif fault.kind == "502":
            html = b"<html><body><h1>502 Bad Gateway</h1>Unicorn! This page is taking too long.</body></html>"
            resp = Response(502, [("Content-Type", "text/html; charset=utf-8")], html, "fault")
        elif fault.kind == "503":
            resp = _error(503, "Service Unavailable", route="fault")
        elif fault.kind == "429":
            resp = _error(429, SECONDARY, docs=RATE_DOCS, route="fault", headers=[("retry-after", retry)])
        elif fault.variant < 0.5:  # primary limit: remaining 0 until a reset a few seconds ahead
            reset = self.world.now_ts() + plan.retry_after_s + 1
            who = "user ID" if req.headers.get("authorization") else req.client_ip
            resp = _error(
                403,
                f"API rate limit exceeded for {who}.",
                docs=RATE_DOCS,
                route="fault",
                headers=[
                    ("x-ratelimit-limit", str(limit)),
                    ("x-ratelimit-remaining", "0"),
                    ("x-ratelimit-used", str(limit)),
                    ("x-ratelimit-reset", str(reset)),
                    ("x-ratelimit-resource", "core"),
                ],
            )
        else:  # secondary limit: retry-after, remaining still positive
            resp = _error(403, SECONDARY, docs=RATE_DOCS, route="fault", headers=[("retry-after", retry)])
        if self.limiter.enabled and not (fault.kind == "ratelimit" and fault.variant < 0.5):
            me, _ = self._credential(req)
            resp.headers.extend(self.limiter.headers(_bucket_key(req, me)))
        resp.headers[:0] = self.common_headers()
        return resp

    def content_fault(self, fault: Fault, req: Request, resp: Response) -> Response | None:
        """A real 200 bent by a content fault, or None where the kind has nothing to bend here.

        List faults hit pages that link onwards and keep the Link header: GitHub never sends an empty or short
        page before the last one (short of the list changing mid-read), so a client must take either as a list
        it cannot trust, not as its end; a repeated page links `next` back to itself or an earlier page.
        """
        data = orjson.loads(resp.body)
        if fault.kind == "wrong_types":
            return rebody(resp, wrong_types(data, fault.variant, GITHUB_SHAPE)[0])
        link = link_header(resp)
        if resp.route not in ("followers", "following") or not isinstance(data, list) or 'rel="next"' not in link:
            return None
        if fault.kind == "repeated_cursor":
            page = max(1, _int_arg(req.arg("page"), 1))
            back = 1 + int(fault.variant * page)  # this page or one before it
            params = [(k, v) for k, v in req.query if k != "page"]
            url = f"{req.base_url}{req.raw_path}?{urlencode([*params, ('page', str(back))])}"
            return rebody(resp, data, link=re.sub(r'<[^>]*>; rel="next"', f'<{url}>; rel="next"', link))
        if fault.kind == "empty_page":
            return rebody(resp, [])
        if len(data) < 2:
            return None
        start, length = cut(len(data), fault.variant)  # short_page: rows silently missing, the chain goes on
        return rebody(resp, data[:start] + data[start + length :])


GITHUB_SHAPE = Shape(
    ids=("id",),
    counts=("followers", "following", "public_repos", "public_gists"),
    handles=("login",),
    details=("name", "bio", "avatar_url", "html_url", "type", "site_admin", "created_at", "blog"),
)


def _match(path: str) -> tuple[str, re.Match[str] | None]:
    for pattern, name in _ROUTES:
        match = pattern.match(path)
        if match is not None:
            return name, match
    return "", None


def _bucket_key(req: Request, me: Account | None) -> str:
    """Rate limits count per user when authenticated, per client address otherwise."""
    return f"user:{me.id}" if me is not None else f"ip:{req.client_ip}"


def _int_arg(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _links(req: Request, page: int, last: int) -> str:
    """GitHub's Link header: absolute URLs back to the same path, other query parameters carried along."""
    params = [(k, v) for k, v in req.query if k != "page"]

    def url(n: int) -> str:
        return f"{req.base_url}{req.raw_path}?{urlencode([*params, ('page', str(n))])}"

    rels: list[tuple[int, str]] = []
    if page > 1:
        rels.append((min(page - 1, last), "prev"))
    if page < last:
        rels.append((page + 1, "next"))
    if page != last:
        rels.append((last, "last"))
    if page > 1:
        rels.append((1, "first"))
    return ", ".join(f'<{url(n)}>; rel="{rel}"' for n, rel in rels)
