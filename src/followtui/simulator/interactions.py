"""Who engages with the owners, platform-neutral: likes, reposts and replies on their posts, stars, forks and
issues on their repositories.

Each act is drawn once, on the simulated day it happens (history at `add_owner`, then one step per
`World.advance_days` day), from its own seeded generator: the follow graph's generator is never touched, so
worlds keep the graphs they had. Actors are picked from the owner's followers and followed accounts as they
are that day, and from strangers; an act stays where it was drawn (later unfollows do not undo a like). Wire
formats show an act once its time has passed and while its actor is active, and `truth` says the same.
Work is per owner and per day (a few posts and repositories), never per account in the world.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .world import Account, World

DAY = 86_400
YEAR = 365 * DAY
POST_KINDS = ("like", "repost", "reply")
REPO_KINDS = ("star", "fork", "issue")
#: A post draws engagement for this many days after it was made (less each day).
POST_LIFE_DAYS = 7
#: Mean acts on a post on the day it is made, per kind; day k after, divided by (k + 1) ** 1.5.
POST_RATES = {"like": 3.0, "repost": 0.6, "reply": 0.8}
#: Mean new acts a day on a repository of popularity 1, per kind.
REPO_RATES = {"star": 0.5, "fork": 0.08, "issue": 0.12}
#: Who acts: followers, then followed accounts, then strangers (shares of the draws).
FOLLOWER_SHARE = 0.55
FOLLOWING_SHARE = 0.25
_REPO_WORDS = (
    "dotfiles", "notes", "toolkit", "parser", "cli", "engine", "server", "plugin", "site", "bot", "sync",
    "lab", "kit", "core", "utils", "scripts", "demo", "api", "worker", "graph",
)  # fmt: skip


class Act:
    """One act of `actor` towards an owner, at `ts`, on a post (its time) or a repository (its index)."""

    __slots__ = ("actor", "closed", "kind", "pr", "target", "ts")

    def __init__(self, ts: int, kind: str, actor: int, target: int, *, pr: bool = False, closed: int | None = None):
        self.ts = ts
        self.kind = kind
        self.actor = actor
        self.target = target
        self.pr = pr  # an issue that is a pull request
        self.closed = closed  # when an issue was closed (shown once that time has passed)

    def __repr__(self) -> str:
        return f"Act({self.ts}, {self.kind}, {self.actor}, {self.target})"


@dataclass(slots=True)
class Repo:
    """An owner's repository: what the GitHub wire lists, and the acts on it (oldest first)."""

    index: int
    name: str
    created: int
    has_issues: bool
    popularity: float
    pushes: list[int] = field(default_factory=list)
    acts: list[Act] = field(default_factory=list)


@dataclass(slots=True)
class _OwnerState:
    posts: dict[int, list[Act]] = field(default_factory=dict)  # post time -> acts on it, oldest first
    repos: list[Repo] = field(default_factory=list)


class Engagement:
    """Every owner's engagement; the world holds one and calls `add_owner` and `step`."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._owners: dict[int, _OwnerState] = {}

    # ------------------------------------------------------------------ building

    def add_owner(self, owner: Account) -> None:
        """Repositories with their past acts, and the engagement the owner's past posts drew, day by day."""
        state = self._owners.setdefault(owner.id, _OwnerState())
        rng = random.Random(f"repos:{self.world.seed}:{owner.id}")
        for index in range(rng.randint(4, 7)):
            state.repos.append(self._new_repo(rng, owner, index, {r.name for r in state.repos}))
        for repo in state.repos:
            self._repo_history(rng, owner, repo)
        start = self.world.start_ts
        for day in range(-_history_days(), self.world.day):
            self._post_day(owner, state, day, start + day * DAY)

    def step(self, day: int, t0: int) -> None:
        """One simulated day of engagement for every active owner, drawn against the graph at the day's start."""
        for owner in self.world.owners:
            state = self._owners.get(owner.id)
            if state is None or not owner.active:
                continue
            self._post_day(owner, state, day, t0)
            self._repo_day(owner, state, day, t0)

    def _new_repo(self, rng: random.Random, owner: Account, index: int, taken: set[str]) -> Repo:
        start = self.world.start_ts
        name = f"{rng.choice(_REPO_WORDS)}-{rng.choice(_REPO_WORDS)}" if index else f"{owner.login.lower()}-core"
        while name in taken:
            name += "-2"
        popularity = 6.0 if index == 0 else rng.choice((0.0, 0.2, 0.5, 1.0, 2.0))
        created = start - rng.randint(60 * DAY, 3 * YEAR)
        pushes = sorted(rng.randint(created, start - 60) for _ in range(rng.randint(1, 6)))
        return Repo(index, name, created, has_issues=rng.random() < 0.85, popularity=popularity, pushes=pushes)

    def _repo_history(self, rng: random.Random, owner: Account, repo: Repo) -> None:
        """Stars, forks and issues from the repository's creation to the world's start (the first repository
        draws more than a page of stars); the owner stars its own first repository and opens some issues."""
        start = self.world.start_ts
        pool = _Pool(self.world, owner, rng)
        counts = {"star": int(repo.popularity * 40 + rng.randint(0, 12)), "fork": int(repo.popularity * 5)}
        counts["issue"] = int(repo.popularity * 7) if repo.has_issues else 0
        for kind, n in counts.items():
            for _ in range(n):
                actor = owner.id if kind == "issue" and rng.random() < 0.1 else pool.pick()
                if actor is not None:
                    self._add_repo_act(rng, repo, rng.randint(repo.created + 60, start - 60), kind, actor)
        if repo.index == 0:
            self._add_repo_act(rng, repo, repo.created + 3600, "star", owner.id)
        repo.acts.sort(key=lambda a: (a.ts, a.actor))

    # ------------------------------------------------------------------ one day

    def _post_day(self, owner: Account, state: _OwnerState, day: int, t0: int) -> None:
        """Engagement on the owner's posts of the last POST_LIFE_DAYS days, at times within this day."""
        rng = random.Random(f"engage:{self.world.seed}:{owner.id}:{day}")
        pool = _Pool(self.world, owner, rng)
        end = t0 + DAY
        for post_day in range(max(day - POST_LIFE_DAYS + 1, -_history_days()), day + 1):
            age = day - post_day
            for post in self.world.posts_on(owner, post_day):
                lo = max(t0, post + 60)
                if lo >= end - 1:
                    continue
                acts = state.posts.setdefault(post, [])
                done = {(a.kind, a.actor) for a in acts}
                fresh: list[Act] = []
                for kind in POST_KINDS:
                    for _ in range(_poisson(rng, POST_RATES[kind] / (age + 1) ** 1.5)):
                        actor = pool.pick()
                        if actor is None or (kind, actor) in done:
                            continue
                        done.add((kind, actor))
                        fresh.append(Act(rng.randint(lo, end - 1), kind, actor, post))
                acts.extend(sorted(fresh, key=lambda a: (a.ts, a.actor)))

    def _repo_day(self, owner: Account, state: _OwnerState, day: int, t0: int) -> None:
        """A push now and then, and new stars, forks and issues on each repository."""
        rng = random.Random(f"repo-day:{self.world.seed}:{owner.id}:{day}")
        pool = _Pool(self.world, owner, rng)
        if state.repos and rng.random() < 0.35:
            state.repos[rng.randrange(len(state.repos))].pushes.append(t0 + rng.randint(60, DAY - 60))
        for repo in state.repos:
            fresh_from = len(repo.acts)
            for kind in REPO_KINDS:
                if kind == "issue" and not repo.has_issues:
                    continue
                for _ in range(_poisson(rng, REPO_RATES[kind] * repo.popularity)):
                    actor = pool.pick()
                    if actor is not None:
                        self._add_repo_act(rng, repo, t0 + rng.randint(60, DAY - 60), kind, actor)
            repo.acts[fresh_from:] = sorted(repo.acts[fresh_from:], key=lambda a: (a.ts, a.actor))

    @staticmethod
    def _add_repo_act(rng: random.Random, repo: Repo, ts: int, kind: str, actor: int) -> None:
        """Stars and forks once per account and repository; issues as many as drawn."""
        if kind != "issue" and any(a.kind == kind and a.actor == actor for a in repo.acts):
            return
        act = Act(ts, kind, actor, repo.index)
        if kind == "issue":
            act.pr = rng.random() < 0.3
            act.closed = ts + rng.randint(3600, 20 * DAY) if rng.random() < 0.5 else None
        repo.acts.append(act)

    # ------------------------------------------------------------------ reading (callers hold world.lock)

    def visible(self, act: Act) -> bool:
        """Shown on the wire: its time has passed and its actor is active."""
        if act.ts >= self.world.now_ts():
            return False
        acc = self.world.account(act.actor)
        return acc is not None and acc.active

    def post_acts(self, owner: Account, post: int, kind: str | None = None) -> list[Act]:
        """Visible acts on one post (of one kind, or all), oldest first."""
        state = self._owners.get(owner.id)
        acts = state.posts.get(post, []) if state is not None else []
        return [a for a in acts if (kind is None or a.kind == kind) and self.visible(a)]

    def repos(self, owner: Account) -> list[Repo]:
        state = self._owners.get(owner.id)
        return list(state.repos) if state is not None else []

    def repo(self, owner: Account, name: str) -> Repo | None:
        for repo in self.repos(owner):
            if repo.name.lower() == name.lower():
                return repo
        return None

    def repo_acts(self, repo: Repo, kind: str) -> list[Act]:
        """Visible acts of one kind on a repository, oldest first."""
        return [a for a in repo.acts if a.kind == kind and self.visible(a)]

    def pushed_at(self, repo: Repo) -> int:
        now = self.world.now_ts()
        return max([repo.created, *(p for p in repo.pushes if p < now)])

    def truth(self, owner: Account) -> list[dict[str, Any]]:
        """Every visible act of someone else towards `owner`, oldest first: `kind`, `actor_id`, `login`, `at`
        (epoch seconds), and `post_at` (the post's time) or `repo` (the repository's name)."""
        state = self._owners.get(owner.id)
        if state is None:
            return []
        rows: list[dict[str, Any]] = []
        for post, acts in state.posts.items():
            if post < self.world.now_ts():
                rows.extend(self._row(a, post_at=post, repo=None) for a in acts if self._counts(a, owner))
        for repo in state.repos:
            rows.extend(self._row(a, post_at=None, repo=repo.name) for a in repo.acts if self._counts(a, owner))
        rows.sort(key=lambda r: (r["at"], r["kind"], r["actor_id"]))
        return rows

    def _counts(self, act: Act, owner: Account) -> bool:
        return act.actor != owner.id and self.visible(act)

    def _row(self, act: Act, *, post_at: int | None, repo: str | None) -> dict[str, Any]:
        acc = self.world.account(act.actor)
        assert acc is not None
        return {
            "kind": act.kind,
            "actor_id": act.actor,
            "login": acc.login,
            "at": act.ts,
            "post_at": post_at,
            "repo": repo,
        }


class _Pool:
    """Picks an active non-owner account: mostly the owner's followers and followed accounts, else anyone."""

    def __init__(self, world: World, owner: Account, rng: random.Random) -> None:
        self.world = world
        self.rng = rng
        self.followers = world.follower_ids(owner)
        self.following = world.following_ids(owner)
        self.everyone = world.random_account_ids()
        self.network = (world.edges_of(owner.id, inbound=True), world.edges_of(owner.id, inbound=False))

    def pick(self) -> int | None:
        roll = self.rng.random()
        ids = self.followers if roll < FOLLOWER_SHARE else self.following
        stranger = roll >= FOLLOWER_SHARE + FOLLOWING_SHARE or not ids
        pool = self.everyone if stranger else ids
        for tries in range(20):
            acc = self.world.account(pool[self.rng.randrange(len(pool))])
            if acc is None or not acc.active or acc.owner:
                continue
            if stranger and tries < 10 and any(acc.id in edges for edges in self.network):
                continue  # a stranger is someone outside the owner's network, when one turns up
            return acc.id
        return None


def _history_days() -> int:
    """How far back the owners' posts go (the world's setting, read late: the world imports this module)."""
    from .world import POSTING_HISTORY_DAYS

    return POSTING_HISTORY_DAYS


def _poisson(rng: random.Random, mean: float) -> int:
    """A small Poisson draw (Knuth): the means here stay below ten."""
    if mean <= 0:
        return 0
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k
