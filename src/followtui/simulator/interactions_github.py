"""Engagement in the GitHub REST wire format: an owner's repositories and their stargazers, forks and issues.

- `GET /users/{login}/repos` (`type`, `sort` = created|updated|pushed|full_name, `direction`, paged): repository
  objects with `stargazers_count`, `forks_count`, `open_issues_count`, `has_issues`, `pushed_at`.
- `GET /repos/{owner}/{repo}/stargazers`: oldest star first; simple users, or `{starred_at, user}` items when
  the request accepts `application/vnd.github.star+json`.
- `GET /repos/{owner}/{repo}/forks` (`sort` = newest|oldest|stargazers|watchers): the forks, owned by whoever
  forked, `created_at` when they did.
- `GET /repos/{owner}/{repo}/issues` (`state` = open|closed|all, `since` on updated_at, `sort`, `direction`):
  issues and pull requests (those carry `pull_request`); 410 when the repository has issues turned off.

Every list pages by `page`/`per_page` with the same Link header as the follower lists.
"""

from __future__ import annotations

from datetime import UTC, datetime
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .wire import Request, Response, json_response
from .world import iso

if TYPE_CHECKING:
    from .github import GitHubApp
    from .interactions import Act, Repo
    from .world import Account

#: Routes this module answers (registered in github.py's route table).
ROUTES = (
    (r"^/users/([^/]+)/repos$", "repos"),
    (r"^/repos/([^/]+)/([^/]+)$", "repo"),
    (r"^/repos/([^/]+)/([^/]+)/(stargazers|forks|issues)$", "repo_list"),
)
NAMES = frozenset(name for _, name in ROUTES)
STAR_MEDIA = "application/vnd.github.star+json"


def _gh() -> ModuleType:
    """The GitHub wire module, imported late: it imports this one to register the routes."""
    from . import github

    return github


def route(app: GitHubApp, name: str, args: tuple[str, ...], req: Request) -> Response:
    """Answer one of ROUTES (the caller holds the world's lock)."""
    gh = _gh()
    owner = app.world.account(args[0], include_gone=False)
    if owner is None:
        return gh._error(404, "Not Found", route=name)
    if name == "repos":
        repos = _sorted_repos(app, app.world.engagement.repos(owner), req) if owner.owner else []
        return _paged(req, [repo_object(app, owner, r, req.base_url) for r in repos], "repos")
    repo = app.world.engagement.repo(owner, args[1])
    if repo is None:
        return gh._error(404, "Not Found", route=name)
    if name == "repo":
        return json_response(200, repo_object(app, owner, repo, req.base_url), route="repo")
    if args[2] == "stargazers":
        return _stargazers(app, repo, req)
    if args[2] == "forks":
        return _forks(app, owner, repo, req)
    if not repo.has_issues:
        return gh._error(410, "Issues are disabled for this repo", route="issues")
    return _issues(app, owner, repo, req)


def _paged(req: Request, items: list[Any], route: str) -> Response:
    """One page of `items` with GitHub's Link header (per_page default 30, at most 100)."""
    gh = _gh()
    per_page = gh._int_arg(req.arg("per_page"), gh.DEFAULT_PER_PAGE)
    per_page = gh.DEFAULT_PER_PAGE if per_page < 1 else min(per_page, gh.MAX_PER_PAGE)
    page = max(1, gh._int_arg(req.arg("page"), 1))
    resp = json_response(200, items[(page - 1) * per_page : page * per_page], route=route)
    last = max(1, -(-len(items) // per_page))
    if last > 1:
        resp.headers.append(("Link", gh._links(req, page, last)))
    return resp


def _sorted_repos(app: GitHubApp, repos: list[Repo], req: Request) -> list[Repo]:
    sort = req.arg("sort") or "full_name"
    key = {
        "created": lambda r: r.created,
        "updated": lambda r: _updated_at(app, r),
        "pushed": lambda r: app.world.engagement.pushed_at(r),
    }.get(sort, lambda r: r.name.lower())
    ascending = sort not in ("created", "updated", "pushed")
    direction = req.arg("direction")
    if direction in ("asc", "desc"):
        ascending = direction == "asc"
    return sorted(repos, key=key, reverse=not ascending)


def _updated_at(app: GitHubApp, repo: Repo) -> int:
    """The repository's last change: a push, or a star, fork or issue (each one updates the record)."""
    engagement = app.world.engagement
    acts = [a.ts for a in repo.acts if engagement.visible(a)]
    return max([engagement.pushed_at(repo), *acts])


def repo_id(owner: Account, repo: Repo) -> int:
    return 300_000_000 + (owner.id % 1_000_000) * 16 + repo.index


def repo_object(app: GitHubApp, owner: Account, repo: Repo, base: str, *, fork_of: Act | None = None) -> dict[str, Any]:
    """A repository object as lists show it; `fork_of` turns it into the fork a star-less act made."""
    engagement = app.world.engagement
    if fork_of is not None:
        (holder,) = app.world.accounts_by_id((fork_of.actor,))
        rid = 500_000_000 + (fork_of.actor * 31 + repo.index) % 400_000_000
        created = pushed = updated = fork_of.ts
        stars = forks = issues = 0
    else:
        holder, rid = owner, repo_id(owner, repo)
        created, pushed, updated = repo.created, engagement.pushed_at(repo), _updated_at(app, repo)
        stars = len(engagement.repo_acts(repo, "star"))
        forks = len(engagement.repo_acts(repo, "fork"))
        issues = sum(1 for a in engagement.repo_acts(repo, "issue") if not _closed(app, a))
    full = f"{holder.login}/{repo.name}"
    api = f"{base}/repos/{full}"
    return {
        "id": rid, "node_id": f"R_kgDO{rid:08d}", "name": repo.name, "full_name": full, "private": False,
        "owner": app.simple_user(holder, base), "html_url": f"https://github.com/{full}",
        "description": f"{repo.name} by {owner.login}", "fork": fork_of is not None, "url": api,
        "forks_url": f"{api}/forks", "stargazers_url": f"{api}/stargazers",
        "issues_url": f"{api}/issues{{/number}}", "pulls_url": f"{api}/pulls{{/number}}",
        "created_at": iso(created), "updated_at": iso(updated), "pushed_at": iso(pushed),
        "homepage": None, "size": 100 + repo.index * 37, "stargazers_count": stars, "watchers_count": stars,
        "language": "Python", "has_issues": repo.has_issues, "has_projects": True, "has_downloads": True,
        "has_wiki": False, "has_pages": False, "has_discussions": False, "forks_count": forks, "mirror_url": None,
        "archived": False, "disabled": False, "open_issues_count": issues, "license": None, "allow_forking": True,
        "is_template": False, "web_commit_signoff_required": False, "topics": [], "visibility": "public",
        "forks": forks, "open_issues": issues, "watchers": stars, "default_branch": "main",
    }  # fmt: skip


def _stargazers(app: GitHubApp, repo: Repo, req: Request) -> Response:
    """Oldest star first; the star media type wraps each user with the time of the star."""
    stars = app.world.engagement.repo_acts(repo, "star")
    users = app.world.accounts_by_id(a.actor for a in stars)
    base = req.base_url
    if STAR_MEDIA in req.headers.get("accept", ""):
        items: list[Any] = [
            {"starred_at": iso(a.ts), "user": app.simple_user(u, base)} for a, u in zip(stars, users, strict=True)
        ]
    else:
        items = [app.simple_user(u, base) for u in users]
    return _paged(req, items, "stargazers")


def _forks(app: GitHubApp, owner: Account, repo: Repo, req: Request) -> Response:
    forks = app.world.engagement.repo_acts(repo, "fork")
    if (req.arg("sort") or "newest") != "oldest":
        forks = forks[::-1]
    return _paged(req, [repo_object(app, owner, repo, req.base_url, fork_of=a) for a in forks], "forks")


def _issues(app: GitHubApp, owner: Account, repo: Repo, req: Request) -> Response:
    engagement = app.world.engagement
    numbered = [(n, a) for n, a in enumerate((a for a in repo.acts if a.kind == "issue"), 1) if engagement.visible(a)]
    state = req.arg("state") or "open"
    if state != "all":
        numbered = [(n, a) for n, a in numbered if _closed(app, a) == (state == "closed")]
    since = _since(req.arg("since"))
    if since is not None:
        numbered = [(n, a) for n, a in numbered if _updated(app, a) >= since]
    sort = req.arg("sort") or "created"
    numbered.sort(key=lambda item: _updated(app, item[1]) if sort == "updated" else item[1].ts)
    if (req.arg("direction") or "desc") != "asc":
        numbered.reverse()
    return _paged(req, [_issue(app, owner, repo, n, a, req.base_url) for n, a in numbered], "issues")


def _closed(app: GitHubApp, act: Act) -> bool:
    return act.closed is not None and act.closed < app.world.now_ts()


def _updated(app: GitHubApp, act: Act) -> int:
    return act.closed if _closed(app, act) and act.closed is not None else act.ts


def _since(value: str | None) -> int | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return int((when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp())


def _issue(app: GitHubApp, owner: Account, repo: Repo, number: int, act: Act, base: str) -> dict[str, Any]:
    (author,) = app.world.accounts_by_id((act.actor,))
    api = f"{base}/repos/{owner.login}/{repo.name}"
    html = f"https://github.com/{owner.login}/{repo.name}"
    closed = _closed(app, act)
    out: dict[str, Any] = {
        "url": f"{api}/issues/{number}", "repository_url": api, "html_url": f"{html}/issues/{number}",
        "id": 2_000_000_000 + repo_id(owner, repo) % 1_000_000 * 1000 + number, "node_id": f"I_kwDO{number:08d}",
        "number": number, "title": f"{'Add' if act.pr else 'Problem with'} {repo.name} #{number}",
        "user": app.simple_user(author, base), "labels": [], "state": "closed" if closed else "open",
        "locked": False, "assignee": None, "assignees": [], "milestone": None, "comments": act.actor % 4,
        "created_at": iso(act.ts), "updated_at": iso(_updated(app, act)),
        "closed_at": iso(act.closed) if closed and act.closed is not None else None,
        "author_association": "OWNER" if author.id == owner.id else "NONE", "body": None,
        "state_reason": "completed" if closed else None,
    }  # fmt: skip
    if act.pr:
        out["html_url"] = f"{html}/pull/{number}"
        out["pull_request"] = {
            "url": f"{api}/pulls/{number}",
            "html_url": f"{html}/pull/{number}",
            "diff_url": f"{html}/pull/{number}.diff",
            "patch_url": f"{html}/pull/{number}.patch",
            "merged_at": None,
        }
    return out
