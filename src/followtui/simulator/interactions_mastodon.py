"""Engagement in the Mastodon wire format: `/api/v1/statuses/:id/favourited_by`, `/reblogged_by`, `/context`,
and the counts a status carries.

Statuses are the owners' posts, by the snowflake ids the statuses route gives them. Favourites and boosts
come newest first as Account entities, paged by the favourite's (boost's) own record id through `max_id`,
`since_id` and `min_id` with a Link header, as Mastodon pages them; they carry no time. A context lists the
replies as descendants (oldest first), some followed by the owner's own answer. An unknown status is 404.
"""

from __future__ import annotations

import re
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from .wire import Request, Response, json_response

if TYPE_CHECKING:
    from .interactions import Act
    from .mastodon import MastodonApp
    from .world import Account

#: Routes this module answers (registered in mastodon.py's route table).
ROUTES = (
    (r"^/api/v1/statuses/(\d+)/(favourited_by|reblogged_by)$", "status_accounts"),
    (r"^/api/v1/statuses/(\d+)/context$", "status_context"),
)
NAMES = frozenset(name for _, name in ROUTES)
DEFAULT_LIMIT = 40
MAX_LIMIT = 80
OWNER_ANSWER_SHARE = 0.3


def _masto() -> ModuleType:
    """The Mastodon wire module, imported late: it imports this one to register the routes."""
    from . import mastodon

    return mastodon


def owner_status(app: MastodonApp, sid: str) -> tuple[Account, int] | None:
    """The owner and post time behind a status id, or None for a status this world never showed."""
    status_id = _masto()._status_id
    try:
        value = int(sid)
    except ValueError:
        return None
    ts = (value >> 16) // 1000
    if status_id(ts) != value:
        return None
    for owner in app.world.owners:
        if owner.active and ts in set(app.world.post_times(owner)):
            return owner, ts
    return None


def status_counts(app: MastodonApp, owner: Account, ts: int) -> dict[str, int]:
    """A status's `replies_count`, `reblogs_count` and `favourites_count`."""
    acts = app.world.engagement.post_acts(owner, ts)
    return {
        "replies_count": sum(a.kind == "reply" for a in acts),
        "reblogs_count": sum(a.kind == "repost" for a in acts),
        "favourites_count": sum(a.kind == "like" for a in acts),
    }


def route(app: MastodonApp, name: str, args: tuple[str, ...], req: Request) -> Response:
    found = owner_status(app, args[0])
    if found is None:
        return json_response(404, {"error": "Record not found"}, route=name)
    if name == "status_context":
        return _context(app, found, args[0], req)
    return _accounts(app, found, args[1], req)


def _accounts(app: MastodonApp, found: tuple[Account, int], which: str, req: Request) -> Response:
    """Who favourited or boosted, newest first; `next` only from a full page, as Mastodon links."""
    owner, ts = found
    kind = "like" if which == "favourited_by" else "repost"
    raw_limit = req.arg("limit")
    limit = DEFAULT_LIMIT if not raw_limit else min(abs(_int(raw_limit)), MAX_LIMIT) or 1
    max_id, since_id, min_id = (_int(req.arg(k) or "0") or None for k in ("max_id", "since_id", "min_id"))
    rows = sorted(app.world.engagement.post_acts(owner, ts, kind), key=record_id, reverse=True)
    rows = [a for a in rows if max_id is None or record_id(a) < max_id]
    rows = [a for a in rows if since_id is None or record_id(a) > since_id]
    if min_id is not None:  # the rows just above min_id
        rows = [a for a in rows if record_id(a) > min_id][-limit:]
    rows = rows[:limit]
    accounts = app.world.accounts_by_id(a.actor for a in rows)
    resp = json_response(200, [app._list_row(acc, req.base_url) for acc in accounts], route=which)
    if rows:
        url = f"{req.base_url}{req.raw_path}?"
        carry = [("limit", raw_limit)] if raw_limit else []
        links = []
        if len(rows) == limit:
            links.append(f'<{url}{urlencode([*carry, ("max_id", record_id(rows[-1]))])}>; rel="next"')
        links.append(f'<{url}{urlencode([*carry, ("since_id", record_id(rows[0]))])}>; rel="prev"')
        resp.headers.append(("Link", ", ".join(links)))
    return resp


def record_id(act: Act) -> int:
    """The favourite's (boost's) own id: what Mastodon pages these lists by."""
    return act.ts << 32 | (act.actor & 0xFFFFFFFF)


def _context(app: MastodonApp, found: tuple[Account, int], sid: str, req: Request) -> Response:
    """`{ancestors: [], descendants: [Status]}`: each reply, then the owner's answer to it where there is one."""
    masto = _masto()
    owner, ts = found
    base = req.base_url
    descendants: list[dict[str, Any]] = []
    for act in app.world.engagement.post_acts(owner, ts, "reply"):
        (author,) = app.world.accounts_by_id((act.actor,))
        reply_id = masto._status_id(act.ts) + 1 + act.actor % 997
        descendants.append(_status(app, author, reply_id, act.ts, base, parent=(sid, owner)))
        answer_at = act.ts + 600 + act.actor % 3000
        if masto._unit("answer", act.actor, act.ts) < OWNER_ANSWER_SHARE and answer_at < app.world.now_ts():
            answer_id = masto._status_id(answer_at) + 2
            descendants.append(_status(app, owner, answer_id, answer_at, base, parent=(str(reply_id), author)))
    return json_response(200, {"ancestors": [], "descendants": descendants}, route="status_context")


def _status(
    app: MastodonApp, author: Account, sid: int, ts: int, base: str, *, parent: tuple[str, Account]
) -> dict[str, Any]:
    """A reply Status: in reply to `parent` (its status id and author), mentioning that author."""
    masto = _masto()
    to_id, to = parent
    user = masto.username_for(author.login)
    mention = {
        "id": masto.mastodon_id_for(to.id),
        "username": masto.username_for(to.login),
        "url": f"{base}/@{masto.username_for(to.login)}",
        "acct": app.acct(to),
    }
    content = (
        f'<p><span class="h-card" translate="no"><a href="{mention["url"]}" class="u-url mention">'
        f"@<span>{mention['username']}</span></a></span> reply {ts}</p>"
    )
    out: dict[str, Any] = {
        "id": str(sid), "created_at": masto._iso_us(ts).replace("000Z", "Z"), "in_reply_to_id": to_id,
        "in_reply_to_account_id": mention["id"], "sensitive": False, "spoiler_text": "", "visibility": "public",
        "language": "en", "uri": f"{base}/users/{user}/statuses/{sid}", "url": f"{base}/@{user}/{sid}",
        "replies_count": 0, "reblogs_count": 0, "favourites_count": 0, "edited_at": None, "content": content,
        "reblog": None, "account": app.account(author, base, nested=True), "media_attachments": [],
        "mentions": [mention], "tags": [], "emojis": [], "card": None, "poll": None,
    }  # fmt: skip
    return out


def _int(value: str) -> int:
    m = re.match(r"\s*[-+]?\d+", value)  # Ruby's to_i: leading digits, else 0
    return int(m.group()) if m else 0
