"""The simulated social graph, platform-neutral: accounts, follow edges, a simulated clock and a truth log.

Wire formats (GitHub, Bluesky, Mastodon) are thin views over this one graph, so every platform sees the
same people and the same history. Each follow edge carries a follow-record id (a global, increasing
number) that Mastodon pages by and Bluesky turns into record keys. All times are simulated epoch seconds; the clock only
moves when the world changes, so tests can predict it. One re-entrant lock guards everything: server threads
read while a test advances days.
"""

from __future__ import annotations

import bisect
import itertools
import random
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from . import activity, names
from .interactions import Engagement

DAY = 86_400
YEAR = 365 * DAY
DEFAULT_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
#: Owners have posted for this many days before the world starts (so a first sync has posts to line up).
POSTING_HISTORY_DAYS = 30
#: Share of days an owner posts on, and the most posts on one such day.
POSTING_DAY_SHARE = 0.4
MAX_POSTS_A_DAY = 3

#: A follow record an applied change created or deleted: (action "create"/"delete", follower id, target id,
#: follow-record id, followed_at epoch seconds). What a repo stream needs that the log leaves out.
RecordOp = tuple[str, int, int, int, int]
#: Called under the world's lock after every applied change: (the logged event, its follow-record ops, its time
#: in epoch microseconds). Must be quick and must not call back into the world from another thread.
Listener = Callable[[dict[str, Any], tuple[RecordOp, ...], int], None]

# Archetype weights per side of the owner's graph (kind, weight).
_FOLLOWER_KINDS = (("normal", 62), ("inactive", 10), ("farmer", 9), ("newbie", 7), ("bot", 2), ("elite", 1))
_MUTUAL_KINDS = (("normal", 76), ("inactive", 12), ("farmer", 6), ("elite", 3), ("bot", 1))
_FOLLOWING_KINDS = (("normal", 52), ("elite", 16), ("inactive", 14), ("org", 10), ("bot", 3), ("farmer", 3))
_TYPES = {"bot": "Bot", "org": "Organization"}


def iso(ts: int) -> str:
    """Simulated epoch seconds as ISO-8601 UTC with a Z, the form every platform here uses."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def _to_ts(value: datetime | str | int | float) -> int:
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


class _KindPicker:
    """Weighted choice with one random() call: the generator draws hundreds of thousands of these."""

    def __init__(self, weights: Iterable[tuple[str, int]]) -> None:
        pairs = list(weights)
        self.kinds = [k for k, _ in pairs]
        self.cum = list(itertools.accumulate(w for _, w in pairs))

    def __call__(self, rng: random.Random) -> str:
        return self.kinds[bisect.bisect_right(self.cum, rng.random() * self.cum[-1])]


_PICK_FOLLOWER = _KindPicker(_FOLLOWER_KINDS)
_PICK_MUTUAL = _KindPicker(_MUTUAL_KINDS)
_PICK_FOLLOWING = _KindPicker(_FOLLOWING_KINDS)


class Account:
    """One account. Profile details are generated on first use, which keeps 100k-account worlds cheap."""

    __slots__ = ("_details", "born", "hostile", "id", "kind", "login", "owner", "state", "type")

    def __init__(self, id: int, login: str, kind: str, *, hostile: bool = False, born: int | None = None):
        self.id = id
        self.login = login
        self.kind = kind  # normal | inactive | farmer | newbie | elite | bot | org | owner
        self.type = _TYPES.get(kind, "User")
        self.state = "active"  # active | deactivated | deleted | suspended
        self.hostile = hostile
        self.born = born
        self.owner = False
        self._details: dict[str, Any] | None = None

    @property
    def active(self) -> bool:
        return self.state == "active"

    def __repr__(self) -> str:
        return f"Account({self.id}, {self.login!r}, {self.kind}, {self.state})"


class World:
    """A seeded follow graph with owners (the tracked accounts) that evolves one simulated day at a time."""

    def __init__(self, seed: int = 1, start: datetime = DEFAULT_START, hostile_share: float = 0.0) -> None:
        self.seed = seed
        self.start_ts = _to_ts(start)
        self.hostile_share = hostile_share
        self.lock = threading.RLock()
        self.day = 0
        self._now = self.start_ts
        self._rng = random.Random(f"world:{seed}")
        self._accounts: dict[int, Account] = {}
        self._ids: list[int] = []
        self._by_login: dict[str, int] = {}
        self._taken: set[str] = set()
        self._next_id = 1_000_000 + self._rng.randrange(50_000)
        self._out: dict[int, dict[int, int]] = {}  # follower -> {target: followed_at}
        self._in: dict[int, dict[int, int]] = {}  # target -> {follower: followed_at}
        self._ver: dict[int, int] = {}
        self._cache: dict[tuple[int, bool], tuple[int, tuple[int, ...]]] = {}
        self._owners: list[int] = []
        self._tokens: dict[str, int] = {}
        self._log: list[dict[str, Any]] = []
        self._pending: dict[int, list[tuple[int, tuple[Any, ...], str]]] = {}
        self._busy: dict[int, int] = {}  # account id -> last day a multi-day schedule still needs it
        self._next_fid = 100_000  # follow-record ids; never drawn from the rng, so graphs stay as they were
        self._fid: dict[tuple[int, int], int] = {}  # (follower, target) -> follow-record id
        self._edge_by_fid: dict[int, tuple[int, int]] = {}
        self._fcache: dict[tuple[int, bool], tuple[int, tuple[int, ...]]] = {}
        self._app_passwords: dict[int, set[str]] = {}
        self._hidden_network: set[int] = set()
        self._moved: dict[int, int] = {}
        self._listeners: list[Listener] = []
        #: Likes, reposts, replies on owners' posts; stars, forks, issues on their repositories.
        self.engagement = Engagement(self)

    # ------------------------------------------------------------------ building

    @classmethod
    def generate(
        cls,
        seed: int,
        owner: str = "octocat",
        followers: int = 200,
        following: int = 150,
        mutual_share: float = 0.4,
        start: datetime = DEFAULT_START,
        hostile_share: float = 0.0,
    ) -> World:
        """A world with one owner whose followers and following overlap by `mutual_share` of the smaller."""
        world = cls(seed=seed, start=start, hostile_share=hostile_share)
        world.add_owner(owner, followers=followers, following=following, mutual_share=mutual_share)
        return world

    def add_owner(
        self,
        login: str,
        followers: int = 200,
        following: int = 150,
        mutual_share: float = 0.4,
        overlap: float = 0.1,
    ) -> Account:
        """Add a tracked account; with earlier owners, `overlap` of its graph reuses existing accounts."""
        with self.lock:
            rng = random.Random(f"owner:{self.seed}:{login}")
            owner = self._new_account(rng, "owner", login=login, id=500_000 + 7919 * (len(self._owners) + 1))
            owner.owner = True
            self._owners.append(owner.id)
            mutual = round(mutual_share * min(followers, following))
            total = followers + following - mutual
            reusable = [i for i in self._ids if not self._accounts[i].owner and self._accounts[i].active]
            reused = rng.sample(reusable, min(len(reusable), int(total * overlap))) if self._owners[1:] else []
            people: list[int] = []
            for i in range(total):
                if i < len(reused):
                    people.append(reused[i])
                    continue
                picker = (
                    _PICK_FOLLOWER if i < followers - mutual else (_PICK_MUTUAL if i < followers else _PICK_FOLLOWING)
                )
                people.append(self._new_account(rng, picker(rng)).id)
            if reused:
                rng.shuffle(people)
            for _ in range(max(20, total // 10)):  # never-connected pool that new followers come from
                self._new_account(rng, _PICK_FOLLOWER(rng))
            self._seed_edges(rng, people[:followers], owner.id, inbound=True)
            self._seed_edges(rng, people[followers - mutual : total], owner.id, inbound=False)
            self.engagement.add_owner(owner)
            return owner

    def _seed_edges(self, rng: random.Random, ids: list[int], owner: int, *, inbound: bool) -> None:
        """Initial edges with past times, inserted oldest first so dict order is chronological."""
        ids = list(ids)
        rng.shuffle(ids)
        lo, hi = self.start_ts - 3 * YEAR, self.start_ts - 60
        times = sorted(rng.randint(lo, hi) for _ in ids)
        for other, ts in zip(ids, times, strict=True):
            if inbound:
                self._add_edge(other, owner, ts)
            else:
                self._add_edge(owner, other, ts)

    def _new_account(
        self,
        rng: random.Random,
        kind: str,
        *,
        login: str | None = None,
        id: int | None = None,
        born: int | None = None,
    ) -> Account:
        if id is None:
            self._next_id += rng.randint(1, 900)
            id = self._next_id
        if login is None:
            login = names.make_login(rng, self._taken)
            if kind == "bot":
                login = f"{login[:30]}[bot]" if rng.random() < 0.3 else f"{login[:34]}-bot"
                self._taken.add(login.lower())
        else:
            self._taken.add(login.lower())
        hostile = self.hostile_share > 0 and kind != "owner" and rng.random() < self.hostile_share
        acc = Account(id, login, kind, hostile=hostile, born=born)
        self._accounts[id] = acc
        self._ids.append(id)
        self._by_login[login.lower()] = id
        return acc

    def add_token(self, token: str, owner: str | int) -> None:
        """Register a bearer token that authenticates as `owner`."""
        with self.lock:
            self._tokens[token] = self._require(owner).id

    def token_owner(self, token: str) -> Account | None:
        with self.lock:
            acc_id = self._tokens.get(token)
            return self._accounts[acc_id] if acc_id is not None else None

    def add_app_password(self, owner: str | int, password: str) -> None:
        """Register an app password (Bluesky `createSession`) for `owner`; an owner may have several."""
        with self.lock:
            self._app_passwords.setdefault(self._require(owner).id, set()).add(password)

    def check_app_password(self, account: str | int | Account, password: str) -> bool:
        with self.lock:
            return password in self._app_passwords.get(self._require(account).id, ())

    # ------------------------------------------------------------------ reading

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._now, UTC)

    def now_ts(self) -> int:
        return self._now

    def version(self, acc: Account) -> int:
        """Bumped whenever the account's profile changes (rename, deactivation…): what caches key on."""
        return self._ver.get(acc.id, 0)

    def posts_on(self, ref: str | int | Account, day: int) -> tuple[int, ...]:
        """An owner's own posts on simulated day `day` (0 is the first day; negative ones are history), as epoch
        seconds, oldest first. A seeded schedule: the same world always posts at the same times."""
        acc = self._require(ref)
        if not acc.owner:
            return ()
        rng = random.Random(f"posts:{self.seed}:{acc.id}:{day}")
        if rng.random() >= POSTING_DAY_SHARE:
            return ()
        t0 = self.start_ts + day * DAY
        return tuple(sorted(t0 + rng.randint(60, DAY - 60) for _ in range(rng.randint(1, MAX_POSTS_A_DAY))))

    def post_times(self, ref: str | int | Account) -> list[int]:
        """Every post an owner has made up to now, newest first (none for other accounts)."""
        with self.lock:
            acc = self._require(ref)
            out = [
                ts
                for day in range(-POSTING_HISTORY_DAYS, self.day + 1)
                for ts in self.posts_on(acc, day)
                if ts < self._now
            ]
            return sorted(out, reverse=True)

    def activity_times(
        self, ref: str | int | Account, limit: int, *, before: int | None = None, since: int | None = None
    ) -> list[int]:
        """The account's public acts (posts, reposts, pushes…), newest first: at most `limit`, strictly before
        `before` (default: now), none before `since`. Owners act when they post; an inactive account stopped at
        its profile's last activity (its newest act, months or years ago); the rest act to this day at their
        archetype's rate (see activity.py)."""
        with self.lock:
            acc = self._require(ref)
            end = self._now if before is None else min(before, self._now)
            if acc.owner:
                return [ts for ts in self.post_times(acc) if ts < end and (since is None or ts >= since)][:limit]
            p = self.profile(acc)
            rate = activity.rate_for(self.seed, acc.id, acc.kind)
            if acc.kind != "inactive":
                return activity.recent_times(
                    self.seed, acc.id, rate, start=p["created_at"], end=end, limit=limit, since=since
                )
            last = p["last_active_at"]
            pinned = [last] if last < end and (since is None or last >= since) and limit > 0 else []
            room = limit - len(pinned)
            start, end = p["created_at"], min(end, last)
            return pinned + activity.recent_times(
                self.seed, acc.id, rate, start=start, end=end, limit=room, since=since
            )

    def last_active(self, ref: str | int | Account) -> int | None:
        """When the account last acted in public (epoch seconds), or None if it never has."""
        newest = self.activity_times(ref, 1)
        return newest[0] if newest else None

    @property
    def owners(self) -> list[Account]:
        return [self._accounts[i] for i in self._owners]

    def account(self, ref: str | int, *, include_gone: bool = True) -> Account | None:
        """Look up by numeric id (int) or current login (str, case-insensitive); old logins stop resolving."""
        with self.lock:
            if isinstance(ref, int):
                acc = self._accounts.get(ref)
            else:
                acc_id = self._by_login.get(ref.lower())
                acc = self._accounts.get(acc_id) if acc_id is not None else None
            if acc is not None and not include_gone and not acc.active:
                return None
            return acc

    def _require(self, ref: str | int | Account) -> Account:
        acc = ref if isinstance(ref, Account) else self.account(ref)
        if acc is None:
            raise KeyError(f"no such account: {ref!r}")
        return acc

    def follower_ids(self, ref: str | int | Account) -> tuple[int, ...]:
        """Followers, most recent first (cached until the account's edges change)."""
        return self._ordered(self._require(ref).id, inbound=True)

    def following_ids(self, ref: str | int | Account) -> tuple[int, ...]:
        return self._ordered(self._require(ref).id, inbound=False)

    def _ordered(self, acc_id: int, *, inbound: bool) -> tuple[int, ...]:
        with self.lock:
            key = (acc_id, inbound)
            ver = self._ver.get(acc_id, 0)
            hit = self._cache.get(key)
            if hit is not None and hit[0] == ver:
                return hit[1]
            edges = (self._in if inbound else self._out).get(acc_id, {})
            ids = tuple(reversed(edges))
            self._cache[key] = (ver, ids)
            return ids

    def follow_record_ids(self, ref: str | int | Account, *, inbound: bool) -> tuple[int, ...]:
        """Follow-record ids aligned with `follower_ids` (inbound) or `following_ids`: strictly decreasing."""
        acc_id = self._require(ref).id
        with self.lock:
            key = (acc_id, inbound)
            ver = self._ver.get(acc_id, 0)
            hit = self._fcache.get(key)
            if hit is not None and hit[0] == ver:
                return hit[1]
            fid = self._fid
            if inbound:
                fids = tuple(fid[(other, acc_id)] for other in self._ordered(acc_id, inbound=True))
            else:
                fids = tuple(fid[(acc_id, other)] for other in self._ordered(acc_id, inbound=False))
            self._fcache[key] = (ver, fids)
            return fids

    def follow_record(self, a: str | int | Account, b: str | int | Account) -> tuple[int, int] | None:
        """`(follow-record id, followed_at epoch seconds)` of the edge a -> b, or None."""
        with self.lock:
            a_id, b_id = self._require(a).id, self._require(b).id
            ts = self._out.get(a_id, {}).get(b_id)
            return None if ts is None else (self._fid[(a_id, b_id)], ts)

    def edge_by_record(self, fid: int) -> tuple[int, int, int] | None:
        """`(follower id, target id, followed_at)` of a live follow record, or None once it is gone."""
        with self.lock:
            edge = self._edge_by_fid.get(fid)
            if edge is None:
                return None
            return edge[0], edge[1], self._out[edge[0]][edge[1]]

    def hides_network(self, ref: str | int | Account) -> bool:
        """The account hides its followers/following from others (Mastodon `hide_collections`)."""
        with self.lock:
            return self._require(ref).id in self._hidden_network

    def moved_to(self, ref: str | int | Account) -> Account | None:
        """The account this one moved to (Mastodon `moved`), or None."""
        with self.lock:
            target = self._moved.get(self._require(ref).id)
            return None if target is None else self._accounts[target]

    def accounts_by_id(self, ids: Iterable[int]) -> list[Account]:
        with self.lock:
            get = self._accounts.__getitem__
            return [get(i) for i in ids]

    def is_following(self, a: str | int | Account, b: str | int | Account) -> bool:
        with self.lock:
            return self._require(b).id in self._out.get(self._require(a).id, {})

    def followed_at(self, a: str | int | Account, b: str | int | Account) -> datetime | None:
        with self.lock:
            ts = self._out.get(self._require(a).id, {}).get(self._require(b).id)
            return None if ts is None else datetime.fromtimestamp(ts, UTC)

    def profile(self, ref: str | int | Account) -> dict[str, Any]:
        """Platform-neutral profile (times as epoch seconds); owners' counts are their real edge counts."""
        with self.lock:
            acc = self._require(ref)
            if acc._details is None:
                acc._details = self._make_details(acc)
            out = dict(acc._details)
            if acc.owner:
                out["followers_count"] = len(self._in.get(acc.id, ()))
                out["following_count"] = len(self._out.get(acc.id, ()))
            return out

    def _make_details(self, acc: Account) -> dict[str, Any]:
        """Seeded by the account id, so details never depend on the order requests arrive in."""
        rng = random.Random(self.seed * 1_000_003 + acc.id)
        return names.make_profile(rng, acc.kind, hostile=acc.hostile, ref=self.start_ts, born=acc.born)

    def interactions_with(self, owner: str | int) -> list[dict[str, Any]]:
        """Everyone's engagement with `owner` that a perfect client could see now (its own acts left out),
        oldest first: `kind` (like, repost, reply, star, fork, issue), `actor_id`, `login`, `at` (epoch
        seconds), and `post_at` (the post's time) or `repo` (the repository's name)."""
        with self.lock:
            return self.engagement.truth(self._require(owner))

    def truth(self, owner: str | int) -> dict[str, Any]:
        """What a perfect client would see right now: active followers and following, most recent first."""
        with self.lock:
            acc = self._require(owner)
            get = self._accounts.__getitem__

            def rows(ids: tuple[int, ...]) -> list[dict[str, Any]]:
                return [{"id": i, "login": get(i).login} for i in ids if get(i).active]

            return {
                "now": iso(self._now),
                "owner": {"id": acc.id, "login": acc.login},
                "followers": rows(self.follower_ids(acc)),
                "following": rows(self.following_ids(acc)),
            }

    @property
    def log(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(e) for e in self._log]

    def events(self, since: datetime | str | int | None = None) -> list[dict[str, Any]]:
        """Logged changes strictly after `since` (all of them when None), oldest first."""
        with self.lock:
            if since is None:
                return self.log
            cut = iso(_to_ts(since))
            return [dict(e) for e in self._log if e["at"] > cut]

    # ------------------------------------------------------------------ changing (knobs for tests)

    def _manual(self, op: tuple[Any, ...], via: str) -> bool:
        """Apply a forced change one simulated second on; the clock moves only when the change applied."""
        if self._apply(op, self._now + 1, via):
            self._now += 1
            return True
        return False

    def follow(self, a: str | int | Account, b: str | int | Account, *, via: str = "manual") -> bool:
        """`a` follows `b` now; False when already following or either side is not active."""
        with self.lock:
            return self._manual(("follow", self._require(a).id, self._require(b).id), via)

    def unfollow(self, a: str | int | Account, b: str | int | Account, *, via: str = "manual") -> bool:
        with self.lock:
            return self._manual(("unfollow", self._require(a).id, self._require(b).id), via)

    def refollow(self, a: str | int | Account, b: str | int | Account, *, via: str = "manual") -> bool:
        """`a`, already following `b`, follows it again, as a PDS does it: one commit deletes the old follow record
        and creates a new one (new record id and key, new followed_at; logged as `refollow`). False when `a` does
        not follow `b` or either side is not active."""
        with self.lock:
            return self._manual(("refollow", self._require(a).id, self._require(b).id), via)

    def change_at(self, op: tuple[Any, ...], at: float, *, via: str = "noise") -> bool:
        """Apply one change (e.g. `("follow", a_id, b_id)`) at simulated epoch seconds `at`, sub-second
        precision kept for listeners; an `at` before now means now. The clock moves to `at` when it applied.
        For callers that pace many changes to a simulated second (the stream's noise)."""
        with self.lock:
            at = max(at, float(self._now))
            ts = int(at)
            if self._apply(op, ts, via, at_us=max(int(at * 1_000_000), ts * 1_000_000)):
                self._now = ts
                return True
            return False

    def add_listener(self, fn: Listener) -> None:
        """Call `fn(event, record_ops, at_us)` after every applied change (see `Listener`), from now on."""
        with self.lock:
            self._listeners.append(fn)

    def remove_listener(self, fn: Listener) -> None:
        with self.lock:
            if fn in self._listeners:
                self._listeners.remove(fn)

    def delete(self, a: str | int | Account) -> bool:
        """The account is deleted: its edges vanish (logged as `delete`, never as unfollows)."""
        with self.lock:
            return self._manual(("delete", self._require(a).id), "manual")

    def suspend(self, a: str | int | Account) -> bool:
        with self.lock:
            return self._manual(("suspend", self._require(a).id), "manual")

    def rename(self, a: str | int | Account, new_login: str) -> bool:
        """Same id, new login; the old login stops resolving. False when the login is taken."""
        with self.lock:
            return self._manual(("rename", self._require(a).id, new_login), "manual")

    def deactivate(self, a: str | int | Account) -> bool:
        """The account deactivates itself (Bluesky): its follow records stay but every view hides it."""
        with self.lock:
            return self._manual(("deactivate", self._require(a).id), "manual")

    def reactivate(self, a: str | int | Account) -> bool:
        """A deactivated account comes back, and with it every follow it had."""
        with self.lock:
            return self._manual(("reactivate", self._require(a).id), "manual")

    def move(self, a: str | int | Account, b: str | int | Account) -> bool:
        """`a` announces it moved to `b` (Mastodon `moved`); edges stay where they are."""
        with self.lock:
            return self._manual(("move", self._require(a).id, self._require(b).id), "manual")

    def hide_network(self, a: str | int | Account, hidden: bool = True) -> None:
        """Hide (or show) the account's followers/following from everyone but itself. Not a logged event."""
        with self.lock:
            acc_id = self._require(a).id
            if hidden:
                self._hidden_network.add(acc_id)
            else:
                self._hidden_network.discard(acc_id)
            self._ver[acc_id] = self._ver.get(acc_id, 0) + 1  # its profile shows hide_collections

    def _add_edge(self, a: int, b: int, ts: int) -> None:
        self._out.setdefault(a, {})[b] = ts
        self._in.setdefault(b, {})[a] = ts
        self._next_fid += 1
        self._fid[(a, b)] = self._next_fid
        self._edge_by_fid[self._next_fid] = (a, b)
        self._ver[a] = self._ver.get(a, 0) + 1
        self._ver[b] = self._ver.get(b, 0) + 1

    def _drop_edge(self, a: int, b: int) -> None:
        del self._out[a][b]
        del self._in[b][a]
        del self._edge_by_fid[self._fid.pop((a, b))]
        self._ver[a] = self._ver.get(a, 0) + 1
        self._ver[b] = self._ver.get(b, 0) + 1

    def _apply(self, op: tuple[Any, ...], ts: int, via: str, *, at_us: int | None = None) -> bool:
        """Carry out one change if it still makes sense, log it and tell the listeners. Callers hold the lock."""
        kind, actor_id = op[0], op[1]
        actor = self._accounts[actor_id]
        extra: dict[str, Any] = {}
        target: Account | None = None
        records: tuple[RecordOp, ...] = ()
        if kind in ("follow", "unfollow", "refollow"):
            target = self._accounts[op[2]]
            b_id = target.id
            following = b_id in self._out.get(actor_id, {})
            if kind == "follow":
                if following or actor_id == b_id or not (actor.active and target.active):
                    return False
                self._add_edge(actor_id, b_id, ts)
                records = (("create", actor_id, b_id, self._next_fid, ts),)
            elif kind == "unfollow":
                if not following:
                    return False
                records = (("delete", actor_id, b_id, self._fid[(actor_id, b_id)], self._out[actor_id][b_id]),)
                self._drop_edge(actor_id, b_id)
            else:  # refollow: the old record goes, a new one comes, in one change
                if not following or not (actor.active and target.active):
                    return False
                gone = ("delete", actor_id, b_id, self._fid[(actor_id, b_id)], self._out[actor_id][b_id])
                self._drop_edge(actor_id, b_id)
                self._add_edge(actor_id, b_id, ts)
                records = (gone, ("create", actor_id, b_id, self._next_fid, ts))
        elif kind in ("delete", "suspend"):
            if actor.state not in ("active", "deactivated"):
                return False
            gone_out = list(self._out.get(actor_id, ()))
            gone_in = list(self._in.get(actor_id, ()))
            for other in gone_out:
                self._drop_edge(actor_id, other)
            for other in gone_in:
                self._drop_edge(other, actor_id)
            actor.state = "deleted" if kind == "delete" else "suspended"
            extra = {"login": actor.login, "followed": gone_out, "followed_by": gone_in}
        elif kind == "rename":
            new_login = op[2]
            if not actor.active or new_login.lower() in self._by_login:
                return False
            old = actor.login
            self._by_login.pop(old.lower(), None)
            self._by_login[new_login.lower()] = actor_id
            self._taken.add(new_login.lower())
            actor.login = new_login
            details = self.profile(actor)  # materialise, then record the profile change time
            assert actor._details is not None
            actor._details["updated_at"] = max(details["updated_at"], ts)
            self._ver[actor_id] = self._ver.get(actor_id, 0) + 1
            extra = {"old_login": old, "new_login": new_login}
        elif kind in ("deactivate", "reactivate"):
            if actor.state != ("active" if kind == "deactivate" else "deactivated"):
                return False
            actor.state = "deactivated" if kind == "deactivate" else "active"
            self._ver[actor_id] = self._ver.get(actor_id, 0) + 1
            extra = {"login": actor.login}
        elif kind == "move":
            target = self._accounts[op[2]]
            if not actor.active or target.id == actor_id or self._moved.get(actor_id) == target.id:
                return False
            self._moved[actor_id] = target.id
        else:
            raise ValueError(f"unknown change {kind!r}")
        event: dict[str, Any] = {
            "at": iso(ts),
            "kind": kind,
            "actor_id": actor_id,
            "target_id": target.id if target is not None else None,
            "actor_login": actor.login,
            "target_login": target.login if target is not None else None,
            "day": self.day,
            "via": via,
        }
        event.update(extra)
        self._log.append(event)
        if self._listeners:
            us = ts * 1_000_000 if at_us is None else at_us
            for fn in list(self._listeners):
                fn(event, records, us)
        return True

    # ------------------------------------------------------------------ evolution

    def advance_days(self, n: int = 1) -> dict[str, Any]:
        """Evolve every owner's graph by `n` simulated days; returns counts of what changed."""
        from .evolve import plan_day  # evolution rules live apart from the graph mechanics

        with self.lock:
            first = len(self._log)
            for _ in range(n):
                t0 = self._now
                actions: list[tuple[int, int, tuple[Any, ...], str]] = [
                    (t0 + offset, seq, op, via) for seq, (offset, op, via) in enumerate(self._pending.pop(self.day, []))
                ]
                for owner_id in self._owners:
                    if self._accounts[owner_id].active:
                        plan_day(self, self._accounts[owner_id], t0, actions)
                self.engagement.step(self.day, t0)  # drawn against the graph as the day starts
                actions.sort(key=lambda a: (a[0], a[1]))
                for ts, _, op, via in actions:
                    self._apply(op, ts, via)
                self.day += 1
                self._now = t0 + DAY
            new = self._log[first:]
            by_kind: dict[str, int] = {}
            by_via: dict[str, int] = {}
            for e in new:
                by_kind[e["kind"]] = by_kind.get(e["kind"], 0) + 1
                by_via[e["via"]] = by_via.get(e["via"], 0) + 1
            return {
                "days": n,
                "day": self.day,
                "now": iso(self._now),
                "events": len(new),
                "by_kind": by_kind,
                "by_via": by_via,
            }

    def schedule(self, day: int, offset: int, op: tuple[Any, ...], via: str) -> None:
        """Queue a change for a later day (`offset` seconds into that day); used by multi-day scenarios."""
        self._pending.setdefault(day, []).append((offset, op, via))

    def new_account(self, rng: random.Random, kind: str, born: int | None = None) -> Account:
        """A fresh account appearing during evolution."""
        return self._new_account(rng, kind, born=born)

    def new_login(self, rng: random.Random) -> str:
        return names.make_login(rng, self._taken)

    def random_account_ids(self) -> list[int]:
        return self._ids

    def edges_of(self, acc_id: int, *, inbound: bool) -> dict[int, int]:
        return (self._in if inbound else self._out).get(acc_id, {})

    def busy_until(self, acc_id: int) -> int:
        """Last day a queued multi-day scenario still needs this account (-1 when none)."""
        return self._busy.get(acc_id, -1)

    def mark_busy(self, acc_id: int, until_day: int) -> None:
        self._busy[acc_id] = max(until_day, self._busy.get(acc_id, -1))
