"""Engagement in the Bluesky (AppView) wire format: `app.bsky.feed.getLikes`, `getRepostedBy`, `getPostThread`,
and the counts a post view carries.

Posts are the owners' (`World.post_times`), addressed as the author feed names them:
`at://<owner did>/app.bsky.feed.post/<rkey>`, whose TID holds the post's time in microseconds (plus a small
number the feed adds). Likes and reposts come newest first with an opaque cursor; a thread lists the direct
replies, and under some of them the owner's own answer (a reply a client must not count as someone else's).
A post that does not exist: `getLikes`/`getRepostedBy` answer an empty list, `getPostThread` a 400 NotFound,
as the AppView does.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

from .wire import Request, Response, json_response

if TYPE_CHECKING:
    from .bluesky import BlueskyApp
    from .interactions import Act
    from .world import Account

POST = "app.bsky.feed.post"
THREAD_VIEW = "app.bsky.feed.defs#threadViewPost"
#: Share of replies the owner answers in the thread.
OWNER_ANSWER_SHARE = 0.3


def _bsky() -> ModuleType:
    """The Bluesky wire module, imported late: it imports this one to register the routes."""
    from . import bluesky

    return bluesky


def owner_post(app: BlueskyApp, uri: str) -> tuple[Account, int] | None:
    """The owner and post time an at-uri names, or None when no owner made such a post."""
    bsky = _bsky()
    if not uri.startswith("at://"):
        raise bsky._invalid("Error: uri must be a valid at-uri")
    parts = uri.removeprefix("at://").split("/")
    if len(parts) != 3 or parts[1] != POST:
        return None
    acc = app.resolve(parts[0])
    value = bsky.untid(parts[2])
    if acc is None or not acc.active or not acc.owner or value is None:
        return None
    ts = value // 1_000_000
    return (acc, ts) if ts in set(app.world.post_times(acc)) else None


def post_counts(app: BlueskyApp, owner: Account, ts: int) -> dict[str, int]:
    """A post view's engagement counts (for the author feed and the thread's root)."""
    acts = app.world.engagement.post_acts(owner, ts)
    return {
        "replyCount": sum(a.kind == "reply" for a in acts),
        "repostCount": sum(a.kind == "repost" for a in acts),
        "likeCount": sum(a.kind == "like" for a in acts),
        "quoteCount": 0,
    }


def _page(app: BlueskyApp, req: Request, kind: str) -> tuple[str, tuple[Account, int] | None, list[Act], str | None]:
    """The uri asked about, its post, one page of acts newest first, and the next cursor."""
    bsky = _bsky()
    uri = bsky._param(req, "uri")
    limit = bsky._limit(req.arg("limit"))
    found = owner_post(app, uri)
    acts = app.world.engagement.post_acts(found[0], found[1], kind) if found else []
    rows = sorted(acts, key=_key, reverse=True)
    cursor = req.arg("cursor")
    if cursor:
        bound = bsky.untid(cursor)
        if bound is None:
            raise bsky._invalid("Malformed cursor")
        rows = [a for a in rows if _key(a) < bound]
    more = len(rows) > limit
    rows = rows[:limit]
    return uri, found, rows, bsky.tid(_key(rows[-1])) if more and rows else None


def _key(act: Act) -> int:
    """Where an act stands in a newest-first list (time, then account), as one number a cursor can hold."""
    return act.ts << 32 | (act.actor & 0xFFFFFFFF)


def _envelope(uri: str, found: tuple[Account, int] | None, cursor: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"uri": uri}
    if found is not None:
        body["cid"] = _bsky().cid_for("post", found[0].id, found[1])
    if cursor is not None:
        body["cursor"] = cursor
    return body


def get_likes(app: BlueskyApp, req: Request, me: Account | None) -> Response:
    """`{uri, cid?, cursor?, likes: [{actor: profileView, createdAt, indexedAt}]}`."""
    iso = _bsky()._iso_ms
    uri, found, rows, cursor = _page(app, req, "like")
    body = _envelope(uri, found, cursor)
    actors = app.world.accounts_by_id(a.actor for a in rows)
    body["likes"] = [
        {"actor": app._list_row(acc, me), "createdAt": iso(a.ts), "indexedAt": iso(a.ts + 1)}
        for a, acc in zip(rows, actors, strict=True)
    ]
    return json_response(200, body)


def get_reposted_by(app: BlueskyApp, req: Request, me: Account | None) -> Response:
    """`{uri, cid?, cursor?, repostedBy: [profileView]}` (no times: the lexicon has none)."""
    uri, found, rows, cursor = _page(app, req, "repost")
    body = _envelope(uri, found, cursor)
    body["repostedBy"] = [app._list_row(acc, me) for acc in app.world.accounts_by_id(a.actor for a in rows)]
    return json_response(200, body)


def get_post_thread(app: BlueskyApp, req: Request, me: Account | None) -> Response:
    """`{thread: threadViewPost}`: the post, and with depth ≥ 1 its direct replies (oldest first), each with
    the owner's answer under it where there is one (depth ≥ 2). No parents: the owners' posts start threads."""
    bsky = _bsky()
    uri = bsky._param(req, "uri")
    depth = _int_param(req, "depth", 6, 1000)
    _int_param(req, "parentHeight", 80, 1000)
    found = owner_post(app, uri)
    if found is None:
        raise bsky.XrpcError(400, "NotFound", f"Post not found: {uri}")
    owner, ts = found
    root = _post_view(app, me, owner, uri, ts, counts=post_counts(app, owner, ts))
    thread: dict[str, Any] = {"$type": THREAD_VIEW, "post": root}
    if depth >= 1:
        replies = app.world.engagement.post_acts(owner, ts, "reply")
        thread["replies"] = [_reply_node(app, me, owner, root, act, depth) for act in replies]
    return json_response(200, {"thread": thread})


def _reply_node(
    app: BlueskyApp, me: Account | None, owner: Account, root: dict[str, Any], act: Act, depth: int
) -> dict[str, Any]:
    bsky = _bsky()
    (author,) = app.world.accounts_by_id((act.actor,))
    uri = f"at://{bsky.did_for(author.id)}/{POST}/{bsky.tid(act.ts * 1_000_000 + act.actor % 1000)}"
    answer_at = act.ts + 600 + act.actor % 3000
    answered = bsky._unit("answer", act.actor, act.ts) < OWNER_ANSWER_SHARE and answer_at < app.world.now_ts()
    counts = {"replyCount": int(answered), "repostCount": 0, "likeCount": 0, "quoteCount": 0}
    post = _post_view(app, me, author, uri, act.ts, counts=counts, parent=root, root=root)
    node: dict[str, Any] = {"$type": THREAD_VIEW, "post": post, "replies": []}
    if answered and depth >= 2:
        answer_uri = f"at://{bsky.did_for(owner.id)}/{POST}/{bsky.tid(answer_at * 1_000_000 + 999)}"
        zero = {"replyCount": 0, "repostCount": 0, "likeCount": 0, "quoteCount": 0}
        answer = _post_view(app, me, owner, answer_uri, answer_at, counts=zero, parent=post, root=root)
        node["replies"] = [{"$type": THREAD_VIEW, "post": answer, "replies": []}]
    return node


def _post_view(
    app: BlueskyApp,
    me: Account | None,
    author: Account,
    uri: str,
    ts: int,
    *,
    counts: dict[str, int],
    parent: dict[str, Any] | None = None,
    root: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A postView: the author as a profileViewBasic, the record (with its reply refs), counts, labels."""
    bsky = _bsky()
    basic = app.profile_view(author, me)
    basic.pop("description", None)
    basic.pop("indexedAt", None)
    record: dict[str, Any] = {"$type": POST, "createdAt": bsky._iso_ms(ts), "langs": ["en"], "text": f"post {ts}"}
    if parent is not None and root is not None:
        record["reply"] = {
            "parent": {"cid": parent["cid"], "uri": parent["uri"]},
            "root": {"cid": root["cid"], "uri": root["uri"]},
        }
    view = {"uri": uri, "cid": bsky.cid_for("post", author.id, ts), "author": basic, "record": record}
    view.update(counts)
    view.update(indexedAt=bsky._iso_ms(ts + 1), labels=[])
    return view


def _int_param(req: Request, name: str, default: int, maximum: int) -> int:
    value = req.arg(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise _bsky()._invalid(f"Error: {name} must be an integer") from None
    if not 0 <= number <= maximum:
        raise _bsky()._invalid(f"Error: {name} must be between 0 and {maximum}")
    return number
