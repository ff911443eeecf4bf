"""GitHub's public events of a user (`GET /users/{login}/events/public`) over the world's activity.

As on api.github.com: newest first, only the last 90 days and at most 300 events, `per_page` (default 30, at
most 100) and `page` with a Link header, 404 for a user that is gone. Each of the world's acts becomes one
event of a seeded type, with the small payload of that type.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

from .activity import mix
from .wire import Request, Response, json_response
from .world import DAY, Account, iso

if TYPE_CHECKING:
    from .github import GitHubApp

ROUTES = ((r"^/users/([^/]+)/events(?:/public)?$", "events"),)
#: GitHub keeps a user's public events this long, and this many at most.
RETENTION_S = 90 * DAY
MAX_EVENTS = 300
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100
_TYPES = (
    "PushEvent", "PushEvent", "PushEvent", "PushEvent", "PullRequestEvent", "IssueCommentEvent",
    "IssueCommentEvent", "IssuesEvent", "WatchEvent", "WatchEvent", "CreateEvent", "ForkEvent",
    "PullRequestReviewEvent", "ReleaseEvent", "DeleteEvent",
)  # fmt: skip
_OWN = frozenset({"PushEvent", "CreateEvent", "ReleaseEvent", "DeleteEvent"})  # on the actor's own repositories
_WORDS = ("dotfiles", "toolkit", "parser", "engine", "notes", "site", "cli", "server", "graph", "lab", "kit")
_UPSTREAMS = ("octo-org", "open-tools", "datakit", "rustaceans", "pyforge", "webcraft")


def _gh() -> ModuleType:
    from . import github  # imported late: github.py imports this module

    return github


def events_page(app: GitHubApp, login: str, req: Request) -> Response:
    """One page of the user's public events; a 404 like every GitHub route when the user is gone."""
    gh = _gh()
    acc = app.world.account(login, include_gone=False)
    if acc is None:
        return gh._error(404, "Not Found", route="events")
    per_page = gh._int_arg(req.arg("per_page"), DEFAULT_PER_PAGE)
    per_page = DEFAULT_PER_PAGE if per_page < 1 else min(per_page, MAX_PER_PAGE)
    page = max(1, gh._int_arg(req.arg("page"), 1))
    since = app.world.now_ts() - RETENTION_S
    times = app.world.activity_times(acc, MAX_EVENTS, since=since)  # all of them: the Link header names the last page
    chunk = times[(page - 1) * per_page : page * per_page]
    resp = json_response(200, [event(acc, ts, req.base_url) for ts in chunk], route="events")
    last = max(1, -(-len(times) // per_page))
    if last > 1:
        resp.headers.append(("Link", gh._links(req, page, last)))
    return resp


def event(acc: Account, ts: int, base: str) -> dict[str, Any]:
    """One event at `ts`, its type and repository drawn from (account, time)."""
    h = mix(acc.id, ts)
    kind = _TYPES[h % len(_TYPES)]
    word = _WORDS[(h >> 8) % len(_WORDS)]
    owner = acc.login if kind in _OWN else _UPSTREAMS[(h >> 16) % len(_UPSTREAMS)]
    name = f"{owner}/{word}"
    actor = {
        "id": acc.id,
        "login": acc.login,
        "display_login": acc.login,
        "gravatar_id": "",
        "url": f"{base}/users/{acc.login}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{acc.id}?",
    }
    out: dict[str, Any] = {
        "id": str(40_000_000_000 + ts % 10_000_000_000 * 10 + acc.id % 10),
        "type": kind,
        "actor": actor,
        "repo": {"id": (h >> 24) % 900_000_000 + 1_000, "name": name, "url": f"{base}/repos/{name}"},
        "payload": _payload(kind, h),
        "public": True,
        "created_at": iso(ts),
    }
    if acc.type == "Organization":
        out["org"] = dict(actor)
    return out


def _payload(kind: str, h: int) -> dict[str, Any]:
    sha = f"{h:016x}" * 2 + f"{h >> 32:08x}"
    number = h % 900 + 1
    if kind == "PushEvent":
        return {"repository_id": h % 900_000_000, "push_id": h % 10**11, "ref": "refs/heads/main", "head": sha,
                "before": sha[::-1]}  # fmt: skip
    if kind in ("IssueCommentEvent", "IssuesEvent", "PullRequestEvent", "PullRequestReviewEvent"):
        action = "created" if kind == "IssueCommentEvent" else ("opened" if h & 1 else "closed")
        return {"action": action, "number": number}
    if kind == "WatchEvent":
        return {"action": "started"}
    if kind == "CreateEvent":
        return {"ref": "main", "ref_type": "branch", "master_branch": "main", "description": None,
                "pusher_type": "user"}  # fmt: skip
    if kind == "DeleteEvent":
        return {"ref": f"feature-{number}", "ref_type": "branch", "pusher_type": "user"}
    if kind == "ReleaseEvent":
        return {"action": "published", "release": {"tag_name": f"v0.{number}.0"}}
    return {"forkee": {"id": h % 900_000_000, "full_name": f"fork-{number}/{_WORDS[h % len(_WORDS)]}"}}
