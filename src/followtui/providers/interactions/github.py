"""GitHub: who starred, forked or opened issues (pull requests included) on your repositories since `since`.

Your repositories come from one request, `/users/{login}/repos?type=owner&sort=pushed` (the most recently
pushed first, one page). Each then costs up to three requests, each skipped when the repository says there
is nothing (no stars, no forks, issues turned off):

- stars: `/repos/{owner}/{repo}/stargazers` with `Accept: application/vnd.github.star+json` (`{starred_at,
  user}`). GitHub lists stars oldest first, so reading starts at the last page (worked out from
  `stargazers_count`, corrected by the Link header) and walks back through `prev` until a page begins before
  `since`. A star without `starred_at` (a server that ignored the media type) cannot be placed: skipped.
- forks: `/repos/{owner}/{repo}/forks?sort=newest`, each fork's owner at its created_at, until one is older.
- issues: `/repos/{owner}/{repo}/issues?state=all&since=…&sort=created` (newest first), each opened at its
  created_at, until one was opened before `since`. Pull requests are issues here as on GitHub: opening one
  is engagement too.

A repository that vanished (404), has issues turned off (410) or is blocked (451) is skipped.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from followtui.models import Interaction, InteractionKind, Profile
from followtui.providers.errors import ApiError
from followtui.providers.http import JsonResponse
from followtui.providers.interactions._common import (
    MAX_PAGES_PER_LIST,
    Reader,
    Step,
    run_steps,
)
from followtui.sanitize import clean_id, clean_int, clean_time

if TYPE_CHECKING:
    import httpx

    from followtui.providers.github import GitHubProvider

STAR_MEDIA = "application/vnd.github.star+json"
#: `owner/repo` as GitHub allows them (safe to put in a path as they are).
_FULL_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")
_GONE = (404, 410, 451)
Params = dict[str, str | int]


@dataclass(frozen=True, slots=True)
class _Repo:
    full_name: str
    stars: int | None
    forks: int | None
    has_issues: bool


class _Reader(Reader["GitHubProvider"]):
    """One interactions call: the provider, whose repositories, the window, the budget and what was found."""

    @property
    def per_page(self) -> int:
        return self.provider.per_page

    async def read(self) -> list[Interaction]:
        steps: list[Step] = []
        for repo in await self._repos():
            base = f"/repos/{repo.full_name}"
            if repo.stars != 0:
                target, first_page = self._first_star_page(repo)
                steps.append(partial(self._stars, repo, target, {first_page}, 1))
            if repo.forks != 0:
                forks: Params = {"sort": "newest", "per_page": self.per_page}
                steps.append(partial(self._newest, repo, InteractionKind.FORK, f"{base}/forks", forks, 1))
            if repo.has_issues:
                issues: Params = {"state": "all", "since": _iso(self.since), "sort": "created", "direction": "desc"}
                issues["per_page"] = self.per_page
                steps.append(partial(self._newest, repo, InteractionKind.ISSUE, f"{base}/issues", issues, 1))
        await run_steps(steps, self.budget, self.provider.concurrency, self.found)
        return self.found.result()

    # -- your repositories -----------------------------------------------------------------------------

    async def _repos(self) -> list[_Repo]:
        if not self.budget.take():
            return []
        params: Params = {"type": "owner", "sort": "pushed", "direction": "desc", "per_page": self.per_page}
        answer = await self._get(f"/users/{quote(self.account.handle, safe='')}/repos", params, gone=())
        if answer is None or not isinstance(answer.data, list) or len(answer.data) > self.per_page:
            raise ApiError("GitHub sent something other than a page of repositories")
        repos = [_repo(item) for item in answer.data]
        return [repo for repo in repos if repo is not None]

    # -- stars -----------------------------------------------------------------------------------------

    def _first_star_page(self, repo: _Repo) -> tuple[str, int]:
        """The page the newest stars should be on, by the repository's count (page 1 when it is unknown)."""
        page = max(1, math.ceil((repo.stars or 0) / self.per_page))
        return f"/repos/{repo.full_name}/stargazers?per_page={self.per_page}&page={page}", page

    async def _stars(self, repo: _Repo, target: str, seen: set[int], page: int) -> list[Step]:
        """One page of stars; then the last page if this one was not it (the count was behind), and the page
        before this one while all its stars fall in the window. `seen` holds the page numbers asked for."""
        answer = await self._get(target, None, headers={"Accept": STAR_MEDIA})
        if answer is None:
            return []
        times = [at for at in (self._star(repo, item) for item in self._items(answer, "stargazers")) if at]
        newer = answer.links.get("last") if "next" in answer.links else None
        older = answer.links.get("prev") if not times or min(times) >= self.since else None
        steps: list[Step] = []
        for link in (newer, older):
            if link is None or page >= MAX_PAGES_PER_LIST:
                continue
            following = self.provider.http.resolve(link)  # refuses a link to another server
            if _page_of(following) not in seen:
                seen.add(_page_of(following))
                steps.append(partial(self._stars, repo, str(following), seen, page + 1))
        return steps

    def _star(self, repo: _Repo, item: Any) -> datetime | None:
        """Record one `{starred_at, user}` item in the window; its time, or None for an item that has none."""
        at = clean_time(item.get("starred_at")) if isinstance(item, dict) else None
        if at is None:
            return None
        profile = self._profile(item.get("user"))
        if profile is not None and at >= self.since:
            self.found.add((InteractionKind.STAR, repo.full_name, profile.id), profile, InteractionKind.STAR, at)
        return at

    # -- forks and issues ------------------------------------------------------------------------------

    async def _newest(
        self, repo: _Repo, kind: InteractionKind, target: str, params: dict[str, str | int] | None, page: int
    ) -> list[Step]:
        """One page of a newest-first list (forks, issues); the next page only while every item was in the
        window."""
        answer = await self._get(target, params)
        if answer is None:
            return []
        passed = False
        for item in self._items(answer, kind.value):
            at = clean_time(item.get("created_at")) if isinstance(item, dict) else None
            if at is None or not isinstance(item, dict):
                continue
            if at < self.since:
                passed = True
                continue  # older, or an issue only updated since: not an act of the window
            who = item.get("owner") if kind is InteractionKind.FORK else item.get("user")
            key = clean_id(item.get("id"))
            profile = self._profile(who)
            if profile is not None and key is not None:
                self.found.add((kind, repo.full_name, key), profile, kind, at)
        next_url = answer.links.get("next")
        if passed or next_url is None or page >= MAX_PAGES_PER_LIST:
            return []
        following = str(self.provider.http.resolve(next_url))
        return [] if following == answer.url else [partial(self._newest, repo, kind, following, None, page + 1)]

    # -- plumbing --------------------------------------------------------------------------------------

    async def _get(
        self,
        target: str,
        params: dict[str, str | int] | None,
        *,
        headers: dict[str, str] | None = None,
        gone: tuple[int, ...] = _GONE,
    ) -> JsonResponse | None:
        """One read; a repository that is gone or closed to this (404, 410, 451) gives None."""
        answer = await self.provider.http.request("GET", target, params=params, accept=gone, headers=headers)
        self.budget.retried(answer.attempts)
        return None if answer.status in gone else answer

    def _items(self, answer: JsonResponse, name: str) -> list[Any]:
        if not isinstance(answer.data, list) or len(answer.data) > self.per_page:
            raise ApiError(f"GitHub sent a malformed page of {name} for one of your repositories")
        return answer.data

    def _profile(self, item: Any) -> Profile | None:
        """The account as the follower lists key it (by its numeric id); a malformed one is skipped."""
        try:
            return self.provider._list_profile(item, "an interaction")
        except ApiError:
            return None


async def read_interactions(
    provider: GitHubProvider, account: Profile, since: datetime, budget: int
) -> list[Interaction]:
    """See the module's docstring; `account.handle` is the login whose repositories are read."""
    return await _Reader(provider, account, since, budget).read()


def _repo(item: Any) -> _Repo | None:
    """A repository from the list, or None when it has no usable `owner/name`."""
    if not isinstance(item, dict):
        return None
    full_name = item.get("full_name")
    if not isinstance(full_name, str) or not _FULL_NAME.fullmatch(full_name):
        return None
    has_issues = item.get("has_issues")
    return _Repo(
        full_name, clean_int(item.get("stargazers_count")), clean_int(item.get("forks_count")), has_issues is not False
    )


def _page_of(url: httpx.URL) -> int:
    value = url.params.get("page", "1")
    return int(value) if value.isdigit() and len(value) < 9 else 0


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")
