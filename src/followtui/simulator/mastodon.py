"""The Mastodon REST wire format over the shared world: Account entities, Link pagination by follow id.

Mapping from the world:

- account id: a snowflake-sized decimal string derived from the world id (`mastodon_id_for`), never the
  world id itself, so a client cannot get away with treating ids as GitHub's.
- username: the login with `-` and `[bot]` spelled `_` and `_bot`; a seeded share of accounts is remote
  (`acct` = `user@domain`), owners are always local.
- follower/following pages are ordered and paged by the world's follow-record id: `max_id`, `since_id` and
  `min_id` are follow ids, as are the ids in the `Link` header.

Accounts that hide their network (`world.hide_network` or a seeded share) answer `[]` to everyone but
themselves; suspended accounts come back in the suspended shape; deactivated or deleted ones are 404.
"""

from __future__ import annotations

import hashlib
import html
import re
import threading
import time
from typing import Any
from urllib.parse import urlencode

import orjson

from . import interactions_mastodon
from .faults import Fault, FaultPlan, Shape, cut, link_header, rebody, wrong_types
from .ratelimit import WindowLimiter, WindowState
from .wire import Request, Response, RowCache, http_date, json_response
from .world import Account, World

LOCAL_DOMAIN = "mastodon.test"
DEFAULT_LIMIT = 40
MAX_LIMIT = 80
_MID_BASE = 109_000_000_000_000_000
_REMOTE = ("mastodon.social", "fosstodon.org", "hachyderm.io", "mas.to", "infosec.exchange", "chaos.social")
_NOT_FOUND = {"error": "Record not found"}
_BAD_TOKEN = {"error": "The access token is invalid"}
_NOT_ALLOWED = {"error": "This action is not allowed"}
_NGINX_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1>"
    b"</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)

_ROUTES = [
    (re.compile(p), name)
    for p, name in (
        (r"^/api/v1/accounts/verify_credentials$", "verify_credentials"),
        (r"^/api/v1/accounts/relationships$", "relationships"),
        (r"^/api/v1/accounts/lookup$", "lookup"),
        (r"^/api/v1/accounts/(\d+)$", "account"),
        (r"^/api/v1/accounts/(\d+)/(followers|following)$", "list"),
        (r"^/api/v1/accounts/(\d+)/(follow|unfollow)$", "follow"),
        (r"^/api/v1/accounts/(\d+)/statuses$", "statuses"),
        *interactions_mastodon.ROUTES,
    )
]


def _unit(*parts: object) -> float:
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def mastodon_id_for(acc_id: int) -> str:
    return str(_MID_BASE + acc_id * 4096 + int(_unit("mid", acc_id) * 4096))


def world_id_from(mid: str) -> int | None:
    """The world id behind a Mastodon id, or None for one this world never issued."""
    try:
        value = int(mid)
    except ValueError:
        return None
    acc_id = (value - _MID_BASE) // 4096
    return acc_id if acc_id > 0 and mastodon_id_for(acc_id) == mid else None


def username_for(login: str) -> str:
    name = login[:-5] + "_bot" if login.lower().endswith("[bot]") else login
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def _login_candidates(username: str) -> list[str]:
    out = [username.replace("_", "-"), username]
    if username.lower().endswith("_bot"):
        out.append(username[:-4].replace("_", "-") + "[bot]")
    return out


def _iso_day(ts: int) -> str:
    return time.strftime("%Y-%m-%dT00:00:00.000Z", time.gmtime(ts))


def _iso_us(ts: float) -> str:
    whole = int(ts)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{int((ts - whole) * 1e6):06d}Z"


def _esc(text: str) -> str:
    return html.escape(text, quote=True).replace("&#x27;", "&#39;")


def _link(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return (
        f'<a href="{_esc(url)}" target="_blank" rel="nofollow noopener noreferrer" translate="no">'
        f'<span class="invisible">{scheme}://</span><span class="">{_esc(rest)}</span>'
        f'<span class="invisible"></span></a>'
    )


def _error(status: int, body: dict[str, Any], *, route: str = "error", headers=None) -> Response:
    return json_response(status, body, route=route, headers=headers)


class MastodonApp:
    """Answers Mastodon REST requests from a `World`; holds only pending follow requests and rate buckets."""

    platform = "mastodon"

    def __init__(
        self,
        world: World,
        *,
        rate_limit: int = 300,
        rate_window_s: float = 300,
        remote_share: float = 0.3,
        hide_share: float = 0.05,
        locked_share: float = 0.06,
        moved_share: float = 0.01,
        limited_share: float = 0.01,
        max_page: int = MAX_LIMIT,
        next_from_every_page: bool = False,
    ) -> None:
        """`max_page` caps a list page below what `limit` asks (Pleroma and Akkoma page by 40 at most, and their
        links carry the `limit` asked); `next_from_every_page` links on from every non-empty page, the short
        last one included, as Pleroma's controllers do (Mastodon links only from a full one)."""
        if max_page < 1:
            raise ValueError("max_page must be at least 1")
        self.world = world
        self.max_page = max_page
        self.next_from_every_page = next_from_every_page
        self._rows = RowCache()
        self.limiter = WindowLimiter(rate_limit, rate_window_s, clock=world.now_ts)
        self.remote_share = remote_share
        self.hide_share = hide_share
        self.locked_share = locked_share
        self.moved_share = moved_share
        self.limited_share = limited_share
        self._requested: set[tuple[int, int]] = set()  # follow requests to locked accounts, never approved
        self._lock = threading.Lock()
        self._request_ids = 0

    # ------------------------------------------------------------------ per-account traits

    def domain(self, acc: Account) -> str | None:
        """The remote instance an account lives on, None for local ones (owners are always local)."""
        if acc.owner or _unit("remote", acc.id) >= self.remote_share:
            return None
        return _REMOTE[int(_unit("domain", acc.id) * len(_REMOTE))]

    def acct(self, acc: Account) -> str:
        domain = self.domain(acc)
        user = username_for(acc.login)
        return user if domain is None else f"{user}@{domain}"

    def hides(self, acc: Account) -> bool:
        return self.world.hides_network(acc) or (not acc.owner and _unit("hide", acc.id) < self.hide_share)

    def locked(self, acc: Account) -> bool:
        return not acc.owner and _unit("locked", acc.id) < self.locked_share

    def moved(self, acc: Account) -> Account | None:
        target = self.world.moved_to(acc)
        if target is None and not acc.owner and _unit("moved", acc.id) < self.moved_share:
            ids = self.world.random_account_ids()
            candidate = self.world.account(ids[int(_unit("moved-to", acc.id) * len(ids))])
            if candidate is not None and candidate.id != acc.id:
                target = candidate
        return target if target is not None and target.active else None

    def find(self, acct: str, base: str) -> Account | None:
        """`user` (local) or `user@domain` to an account, gone ones included."""
        user, _, domain = acct.lstrip("@").partition("@")
        host = base.split("://", 1)[-1]
        if domain.lower() in (LOCAL_DOMAIN, host):
            domain = ""
        for login in _login_candidates(user):
            acc = self.world.account(login)
            same = acc is not None and username_for(acc.login).lower() == user.lower()
            if same and acc is not None and (self.domain(acc) or "") == domain.lower():
                return acc
        return None

    # ------------------------------------------------------------------ objects

    def note(self, acc: Account, bio: str | None, blog: str) -> str:
        if not bio:
            return ""
        text = _esc(bio)
        if ". " in text and _unit("br", acc.id) < 0.5:
            text = text.replace(". ", ".<br />", 1)
        if _unit("tag", acc.id) < 0.3:
            tag = ("fediverse", "opensource", "python", "rust", "art")[int(_unit("tagname", acc.id) * 5)]
            href = f"https://{LOCAL_DOMAIN}/tags/{tag}"
            text += f' <a href="{href}" class="mention hashtag" rel="tag">#<span>{tag}</span></a>'
        if blog and _unit("notelink", acc.id) < 0.5:
            text += f"<br />{_link(blog)}"
        return f"<p>{text}</p>"

    def account(self, acc: Account, base: str, *, nested: bool = False) -> dict[str, Any]:
        """The Account entity (the suspended shape for suspended accounts)."""
        mid, user, domain = mastodon_id_for(acc.id), username_for(acc.login), self.domain(acc)
        home = f"https://{domain}" if domain else base
        url = f"{home}/@{user}"
        p = self.world.profile(acc)
        if acc.state == "suspended":
            return {
                "id": mid,
                "username": user,
                "acct": self.acct(acc),
                "display_name": "",
                "locked": False,
                "bot": False,
                "discoverable": False,
                "group": False,
                "created_at": _iso_day(p["created_at"]),
                "note": "",
                "url": url,
                "avatar": f"{base}/avatars/original/missing.png",
                "avatar_static": f"{base}/avatars/original/missing.png",
                "header": f"{base}/headers/original/missing.png",
                "header_static": f"{base}/headers/original/missing.png",
                "followers_count": 0,
                "following_count": 0,
                "statuses_count": 0,
                "last_status_at": None,
                "suspended": True,
                "emojis": [],
                "fields": [],
            }
        media = f"{base}/system/accounts/{{}}/{mid[:3]}/{mid[3:6]}/{mid[6:9]}/original/{mid[-8:]}"
        avatar = media.format("avatars") + ".png" if p["has_avatar"] else f"{base}/avatars/original/missing.png"
        header = (
            media.format("headers") + ".jpg"
            if _unit("header", acc.id) < 0.5
            else f"{base}/headers/original/missing.png"
        )
        name, emojis = p["name"] or "", []
        if _unit("emoji", acc.id) < 0.05:
            name = f"{name} :blobcat:".strip()
            emoji_url = f"{base}/system/custom_emojis/images/000/000/001"
            emojis.append(
                {
                    "shortcode": "blobcat",
                    "url": f"{emoji_url}/original/blobcat.png",
                    "static_url": f"{emoji_url}/static/blobcat.png",
                    "visible_in_picker": True,
                }
            )
        fields = []
        blog = p["blog"] or ""
        if blog:
            verified = _unit("verified", acc.id) < 0.4
            fields.append(
                {
                    "name": "Website",
                    "value": _link(blog),
                    "verified_at": _iso_day(p["updated_at"]) if verified else None,
                }
            )
        if p["location"]:
            fields.append({"name": "Location", "value": _esc(p["location"]), "verified_at": None})
        statuses = 0 if acc.kind == "newbie" else p["public_repos"] * 13 + int(_unit("statuses", acc.id) * 90)
        hidden = self.hides(acc)
        out: dict[str, Any] = {
            "id": mid,
            "username": user,
            "acct": self.acct(acc),
            "display_name": name,
            "locked": self.locked(acc),
            "bot": acc.kind == "bot",
            "discoverable": True if _unit("disc", acc.id) < 0.6 else None,
            "indexable": _unit("index", acc.id) < 0.5,
            "group": False,
            "created_at": _iso_day(p["created_at"]),
            "note": self.note(acc, p["bio"], blog),
            "url": url,
            "uri": f"{home}/users/{user}",
            "avatar": avatar,
            "avatar_static": avatar,
            "avatar_description": "",
            "header": header,
            "header_static": header,
            "header_description": "",
            "followers_count": p["followers_count"],
            "following_count": p["following_count"],
            "statuses_count": statuses,
            "last_status_at": None if statuses == 0 else time.strftime("%Y-%m-%d", time.gmtime(p["last_active_at"])),
            "hide_collections": True if hidden else (False if _unit("hc", acc.id) < 0.3 else None),
            "show_media": True,
            "show_media_replies": True,
            "show_featured": True,
            "noindex": _unit("noindex", acc.id) < 0.1,
            "feature_approval": {"automatic": [], "manual": [], "current_user": "denied"},
        }
        moved = None if nested else self.moved(acc)
        if moved is not None:
            out["moved"] = self.account(moved, base, nested=True)
        if not acc.owner and _unit("limited", acc.id) < self.limited_share:
            out["limited"] = True
        out.update(emojis=emojis, roles=[], fields=fields)
        return out

    def relationship(self, me: Account, acc: Account) -> dict[str, Any]:
        following = self.world.is_following(me, acc)
        return {
            "id": mastodon_id_for(acc.id),
            "following": following,
            "showing_reblogs": following,
            "notifying": False,
            "languages": None,
            "followed_by": self.world.is_following(acc, me),
            "blocking": False,
            "blocked_by": False,
            "muting": False,
            "muting_notifications": False,
            "muting_expires_at": None,
            "requested": (me.id, acc.id) in self._requested,
            "requested_by": False,
            "domain_blocking": False,
            "endorsed": False,
            "note": "",
        }

    # ------------------------------------------------------------------ dispatch

    def _common(self) -> list[tuple[str, str]]:
        with self._lock:
            self._request_ids += 1
            rid = self._request_ids
        return [
            ("Date", http_date(self.world.now_ts())),
            ("Cache-Control", "private, no-store"),
            ("Vary", "Authorization, Origin"),
            ("X-Request-Id", f"00000000-0000-4000-8000-{rid:012x}"),
        ]

    def handle(self, req: Request) -> Response:
        resp = self._handle(req)
        resp.headers[:0] = self._common()
        return resp

    def _credential(self, req: Request) -> tuple[Account | None, bool]:
        """The token's account (None when anonymous) and whether the token was bad."""
        header = req.headers.get("authorization", "").strip()
        if not header:
            return None, False
        scheme, _, token = header.partition(" ")
        owner = self.world.token_owner(token.strip()) if scheme.lower() == "bearer" else None
        if owner is None or not owner.active:
            return None, True
        return owner, False

    def _handle(self, req: Request) -> Response:
        me, bad = self._credential(req)
        key = f"user:{me.id}" if me is not None else f"ip:{req.client_ip}"
        headers: list[tuple[str, str]] = []
        if self.limiter.enabled:
            allowed, state = self.limiter.take(key)
            headers = _rate_headers(state)
            if not allowed:
                return _error(429, {"error": "Too many requests"}, route="rate_limited", headers=headers)
        if bad:
            challenge = 'Bearer realm="Doorkeeper", error="invalid_token", error_description="{}"'.format(
                _BAD_TOKEN["error"]
            )
            resp = _error(401, _BAD_TOKEN, route="unauthorized", headers=[("WWW-Authenticate", challenge)])
        else:
            name, args = _match(req.path)
            with self.world.lock:
                resp = self._route(name, args, req, me)
        resp.headers.extend(headers)
        return resp

    def _route(self, name: str, args: tuple[str, ...], req: Request, me: Account | None) -> Response:
        world, base, method = self.world, req.base_url, req.method
        if name == "":
            return _error(404, _NOT_FOUND, route="not_found")
        wanted = "POST" if name == "follow" else "GET"
        if method != wanted:
            return _error(404, _NOT_FOUND, route="not_found")
        if name in ("verify_credentials", "relationships", "follow") and me is None:
            return _error(401, _BAD_TOKEN, route=name)
        if name == "verify_credentials":
            assert me is not None
            return json_response(200, self._credential_account(me, base), route=name)
        if name == "relationships":
            assert me is not None
            wanted_ids = [v for k, v in req.query if k in ("id[]", "id")]
            accounts = [world.account(i) for i in map(world_id_from, wanted_ids) if i is not None]
            with_suspended = req.arg("with_suspended", "false") == "true"
            rels = [
                self.relationship(me, a)
                for a in accounts
                if a is not None and (a.active or (with_suspended and a.state == "suspended"))
            ]
            return json_response(200, rels, route=name)
        if name == "lookup":
            acc = self.find(req.arg("acct") or "", base)
            if acc is None or acc.state not in ("active", "suspended"):
                return _error(404, _NOT_FOUND, route=name)
            return json_response(200, self.account(acc, base), route=name)
        if name in interactions_mastodon.NAMES:
            return interactions_mastodon.route(self, name, args, req)
        acc_id = world_id_from(args[0])
        acc = world.account(acc_id) if acc_id is not None else None
        if acc is None or acc.state not in ("active", "suspended"):
            route = args[1] if name in ("list", "follow") else name
            return _error(404, _NOT_FOUND, route=route)
        if name == "account":
            return json_response(200, self.account(acc, base), route=name)
        if name == "list":
            return self._page(acc, args[1], req, me)
        if name == "statuses":
            return self._statuses(acc, req)
        assert me is not None
        return self._follow(me, acc, args[1])

    def _credential_account(self, me: Account, base: str) -> dict[str, Any]:
        out = self.account(me, base)
        bio = self.world.profile(me)["bio"] or ""
        out["source"] = {
            "privacy": "public",
            "sensitive": False,
            "language": None,
            "note": bio,
            "fields": [dict(f, value=re.sub(r"<[^>]+>", "", f["value"])) for f in out["fields"]],
            "follow_requests_count": 0,
            "hide_collections": out["hide_collections"],
            "discoverable": out["discoverable"],
            "indexable": out["indexable"],
            "attribution_domains": [],
            "quote_policy": "public",
        }
        out["role"] = {
            "id": "-99",
            "name": "",
            "permissions": "65536",
            "color": "",
            "highlighted": False,
            "collection_limit": 10,
        }
        return out

    def _follow(self, me: Account, acc: Account, action: str) -> Response:
        if action == "follow":
            if acc.id == me.id or acc.state == "suspended":
                return _error(403, _NOT_ALLOWED, route=action)
            if not self.world.is_following(me, acc):
                if self.locked(acc):
                    self._requested.add((me.id, acc.id))
                else:
                    self.world.follow(me, acc, via="api")
        else:
            self._requested.discard((me.id, acc.id))
            self.world.unfollow(me, acc, via="api")
        return json_response(200, self.relationship(me, acc), route=action)

    def _page(self, acc: Account, which: str, req: Request, me: Account | None) -> Response:
        inbound = which == "followers"
        if acc.state == "suspended" or (self.hides(acc) and (me is None or me.id != acc.id)):
            return json_response(200, [], route=which)  # 200 and no Link, as for an empty list
        raw_limit = req.arg("limit")
        limit = DEFAULT_LIMIT if not raw_limit else min(abs(_int(raw_limit)), MAX_LIMIT) or 1
        limit = min(limit, self.max_page)
        max_id, since_id, min_id = (_int(req.arg(k) or "0") or None for k in ("max_id", "since_id", "min_id"))
        ids = self.world.follower_ids(acc) if inbound else self.world.following_ids(acc)
        fids = self.world.follow_record_ids(acc, inbound=inbound)
        accounts = self.world.accounts_by_id
        rows: list[tuple[Account, int]] = []
        if min_id is not None:  # the rows just above min_id, oldest first, returned newest first
            i = _first_below(fids, min_id + 1) - 1
            while i >= 0 and len(rows) < limit:
                (a,) = accounts((ids[i],))
                if a.active and (max_id is None or fids[i] < max_id):
                    rows.append((a, fids[i]))
                i -= 1
            rows.reverse()
        else:
            i = _first_below(fids, max_id) if max_id is not None else 0
            while i < len(ids) and len(rows) < limit:
                if since_id is not None and fids[i] <= since_id:
                    break
                (a,) = accounts((ids[i],))
                if a.active:  # filtered before the limit, as the SQL query does
                    rows.append((a, fids[i]))
                i += 1
        resp = json_response(200, [self._list_row(a, req.base_url) for a, _ in rows], route=which)
        if rows:
            carry = [("limit", raw_limit)] if raw_limit else []
            url = f"{req.base_url}{req.raw_path}?"
            links = []
            if len(rows) == limit or self.next_from_every_page:
                links.append(f'<{url}{urlencode([*carry, ("max_id", rows[-1][1])])}>; rel="next"')
            links.append(f'<{url}{urlencode([*carry, ("since_id", rows[0][1])])}>; rel="prev"')
            resp.headers.append(("Link", ", ".join(links)))
        return resp

    def _list_row(self, acc: Account, base: str) -> object:
        """A list's Account entity, rendered once per profile version (owners' live counts excepted)."""
        if acc.owner:
            return self.account(acc, base)
        moved = self.moved(acc)
        key = (acc.id, acc.login, acc.state, self.world.version(acc), base, moved.id if moved else None)
        return self._rows.row(key, lambda: self.account(acc, base))

    def _statuses(self, acc: Account, req: Request) -> Response:
        """An account's statuses, newest first, paged by max_id with a Link header (limit ≤ 40): the owners' own
        posts (World.post_times) and, after every third one, a boost of someone else's status (`reblog` set,
        left out with exclude_reblogs=true); other accounts have none."""
        raw_limit = req.arg("limit")
        limit = 20 if not raw_limit else min(abs(_int(raw_limit)), 40) or 1
        max_id = _int(req.arg("max_id") or "0") or None
        boosts = req.arg("exclude_reblogs", "false") not in ("true", "1")
        posts = self.world.post_times(acc)
        entries = sorted(
            [(_status_id(ts), ts, False) for ts in posts]
            + [
                (_status_id(ts + 7), ts + 7, True)
                for ts in posts
                if boosts and ts % 3 == 0 and ts + 7 < self.world.now_ts()
            ],
            reverse=True,
        )  # fmt: skip
        entries = [e for e in entries if max_id is None or e[0] < max_id][:limit]
        base = req.base_url
        other = self.world.accounts_by_id(self.world.follower_ids(acc)[:1]) or [acc]
        body = [self._status(acc, sid, ts, base, reblog_of=other[0] if boost else None) for sid, ts, boost in entries]
        resp = json_response(200, body, route="statuses")
        if len(entries) == limit:
            url = f"{base}{req.raw_path}?"
            carry = [("limit", raw_limit)] if raw_limit else []
            keep = [("exclude_reblogs", "true")] if not boosts else []
            resp.headers.append(
                ("Link", f'<{url}{urlencode([*carry, *keep, ("max_id", entries[-1][0])])}>; rel="next"')
            )
        return resp

    def _status(self, acc: Account, sid: int, ts: int, base: str, *, reblog_of: Account | None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": str(sid), "created_at": _iso_us(ts).replace("000Z", "Z"), "in_reply_to_id": None,
            "in_reply_to_account_id": None, "sensitive": False, "spoiler_text": "", "visibility": "public",
            "language": "en", "uri": f"{base}/users/{username_for(acc.login)}/statuses/{sid}",
            "url": f"{base}/@{username_for(acc.login)}/{sid}", "replies_count": 0, "reblogs_count": 0,
            "favourites_count": 0, "content": "" if reblog_of else f"<p>post {ts}</p>", "reblog": None,
            "account": self.account(acc, base, nested=True), "media_attachments": [], "mentions": [], "tags": [],
            "emojis": [], "card": None, "poll": None,
        }  # fmt: skip
        if reblog_of is None:
            out.update(interactions_mastodon.status_counts(self, acc, ts))
        if reblog_of is not None:
            out["reblog"] = self._status(reblog_of, sid - 1, ts - 3600, base, reblog_of=None)
        return out

    # ------------------------------------------------------------------ faults

    def fault_response(self, fault: Fault, plan: FaultPlan, req: Request) -> Response:
        """A Mastodon-shaped error for a status-code fault."""
        me, _ = self._credential(req)
        key = f"user:{me.id}" if me is not None else f"ip:{req.client_ip}"
        headers = _rate_headers(self.limiter.peek(key)) if self.limiter.enabled else []
        if fault.kind == "500":
            resp = _error(500, {"error": "Internal server error"}, route="fault", headers=headers)
        elif fault.kind == "502":
            resp = Response(502, [("Content-Type", "text/html"), *headers], _NGINX_502, "fault")
        elif fault.kind == "503":
            msg = "There was a temporary problem serving your request, please try again"
            resp = _error(503, {"error": msg}, route="fault", headers=headers)
        else:  # "429" and "ratelimit": Mastodon has one throttle response, with no Retry-After
            limit = self.limiter.limit or 300
            reset = self.world.now_ts() + plan.retry_after_s + (0.5 if fault.variant < 0.5 else 0.25)
            resp = _error(
                429,
                {"error": "Too many requests"},
                route="fault",
                headers=[
                    ("X-RateLimit-Limit", str(limit)),
                    ("X-RateLimit-Remaining", "0"),
                    ("X-RateLimit-Reset", _iso_us(reset)),
                ],
            )
        resp.headers[:0] = self._common()
        return resp

    def content_fault(self, fault: Fault, req: Request, resp: Response) -> Response | None:
        """A real 200 bent by a content fault, or None where the kind has nothing to bend here.

        List faults hit pages that link onwards. Mastodon itself links `next` only from a full page (and sends
        no Link at all with an empty one), so an empty or short page that still links onwards is a server
        that lost or hid rows after its limit, as a proxy or an older filter can: the rows are gone, the
        chain goes on, and a client must refuse the list. A repeated page links back to itself or the first.
        """
        data = orjson.loads(resp.body)
        if fault.kind == "wrong_types":
            return rebody(resp, wrong_types(data, fault.variant, MASTODON_SHAPE)[0])
        found = re.search(r'<([^>]*)>; rel="next"', link_header(resp))
        if resp.route not in ("followers", "following") or not isinstance(data, list) or found is None:
            return None
        if fault.kind == "repeated_cursor":
            query = req.query if fault.variant < 0.5 else [(k, v) for k, v in req.query if k == "limit"]
            url = f"{req.base_url}{req.raw_path}" + (f"?{urlencode(query)}" if query else "")
            return rebody(resp, data, link=f'<{url}>; rel="next"')
        if fault.kind == "empty_page":
            return rebody(resp, [], link=f'<{found.group(1)}>; rel="next"')
        if len(data) < 2:
            return None
        start, length = cut(len(data), fault.variant)  # short_page: rows silently missing, the chain goes on
        return rebody(resp, data[:start] + data[start + length :])


MASTODON_SHAPE = Shape(
    ids=("id",),
    counts=("followers_count", "following_count", "statuses_count"),
    handles=("acct", "username"),
    details=("display_name", "note", "avatar", "url", "created_at", "last_status_at", "locked", "bot", "fields"),
)


def _rate_headers(state: WindowState) -> list[tuple[str, str]]:
    return [
        ("X-RateLimit-Limit", str(state.limit)),
        ("X-RateLimit-Remaining", str(state.remaining)),
        ("X-RateLimit-Reset", _iso_us(state.reset_ts)),
    ]


def _status_id(ts: int) -> int:
    """A Mastodon snowflake id: milliseconds since the epoch, shifted left 16 bits, plus a sequence."""
    return (ts * 1000) << 16 | (ts % 997)


def _first_below(fids: tuple[int, ...], bound: int) -> int:
    """Index of the first follow id below `bound` in a strictly decreasing tuple."""
    lo, hi = 0, len(fids)
    while lo < hi:
        mid = (lo + hi) // 2
        if fids[mid] >= bound:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _int(value: str) -> int:
    m = re.match(r"\s*[-+]?\d+", value)  # Ruby's to_i: leading digits, else 0
    return int(m.group()) if m else 0


def _match(path: str) -> tuple[str, tuple[str, ...]]:
    for pattern, name in _ROUTES:
        m = pattern.match(path)
        if m is not None:
            return name, m.groups()
    return "", ()
