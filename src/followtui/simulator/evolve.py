"""One simulated day of change for one owner: the behaviours a follower manager exists to catch.

Rates are per day at 200 followers and scale with the owner's size. Multi-day scenarios (tricksters, repeat
offenders) queue their later steps on the world, and the accounts they use are marked busy until their last
step so no random change (an unfollow, a deletion) spoils the schedule. Every change carries a `via` tag
saying which behaviour produced it; tests still derive what a client should conclude from the log itself.
"""

from __future__ import annotations

import math
import random
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .world import Account, World

DAY = 86_400

# Mean changes per day at 200 followers.
RATES = {
    "new_follower": 4.0,
    "unfollow": 2.0,
    "follow_back": 1.5,
    "owner_follow": 1.0,
    "owner_unfollow": 1.0,
    "trickster": 1.5,
    "repeat": 1.0,
    "delete": 0.8,
    "suspend": 0.5,
    "rename": 1.0,
    "same_day": 0.5,
}
_NEW_KINDS = ("normal", "normal", "normal", "newbie", "farmer", "normal", "inactive", "bot")


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (normal approximation for big means, where Knuth's method gets slow)."""
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


class _Day:
    """Planning state for one owner's day: its rng, who is already used today, and the action list."""

    def __init__(self, world: World, owner: Account, t0: int, actions: list[Any]) -> None:
        self.world = world
        self.owner = owner
        self.t0 = t0
        self.day = world.day
        self.actions = actions
        self.rng = random.Random(f"day:{world.seed}:{world.day}:{owner.id}")
        self.used: set[int] = {owner.id}
        self.followers = world.follower_ids(owner)
        self.following = world.following_ids(owner)
        self.in_edges = world.edges_of(owner.id, inbound=True)
        self.out_edges = world.edges_of(owner.id, inbound=False)
        self.scale = max(len(self.followers), 40) / 200

    def count(self, kind: str) -> int:
        return poisson(self.rng, RATES[kind] * self.scale)

    def when(self, lo: int = 120, hi: int = DAY - 120) -> int:
        return self.rng.randint(lo, hi)

    def add(self, offset: int, op: tuple[Any, ...], via: str) -> None:
        self.actions.append((self.t0 + offset, len(self.actions), op, via))

    def later(self, days: int, op: tuple[Any, ...], via: str) -> None:
        self.world.schedule(self.day + days, self.when(), op, via)

    def free(self, acc_id: int) -> bool:
        acc = self.world.account(acc_id)
        return (
            acc is not None
            and acc.active
            and not acc.owner
            and acc_id not in self.used
            and self.world.busy_until(acc_id) < self.day
        )

    def pick(self, ids: tuple[int, ...], k: int) -> list[int]:
        """Up to `k` distinct free accounts from `ids`, by rejection sampling (never a full scan)."""
        out: list[int] = []
        if not ids:
            return out
        for _ in range(4 * k + 20):
            if len(out) >= k:
                break
            acc_id = ids[self.rng.randrange(len(ids))]
            if self.free(acc_id):
                self.used.add(acc_id)
                out.append(acc_id)
        return out

    def stranger(self, *, fresh_share: float = 0.5) -> int:
        """An active account with no edge to the owner: an existing one, or a brand-new account."""
        ids = self.world.random_account_ids()
        if self.rng.random() >= fresh_share:
            for _ in range(60):
                acc_id = ids[self.rng.randrange(len(ids))]
                if self.free(acc_id) and acc_id not in self.in_edges and acc_id not in self.out_edges:
                    self.used.add(acc_id)
                    return acc_id
        kind = self.rng.choice(_NEW_KINDS)
        born = self.t0 - self.rng.randint(0, 2 * DAY) if kind == "newbie" else None
        acc = self.world.new_account(self.rng, kind, born=born)
        self.used.add(acc.id)
        return acc.id


#: New followers on a day the owner posts, against a quiet day: posting draws people in.
POSTING_BOOST = 2.0


def plan_day(world: World, owner: Account, t0: int, actions: list[Any]) -> None:
    """Append this owner's changes for the day starting at `t0`; queue later steps of multi-day scenarios."""
    d = _Day(world, owner, t0, actions)
    me = owner.id
    boost = POSTING_BOOST if world.posts_on(owner, d.day) else 1.0
    for _ in range(poisson(d.rng, RATES["new_follower"] * d.scale * boost)):
        d.add(d.when(), ("follow", d.stranger(), me), "new_follower")
    for acc_id in d.pick(d.followers, d.count("unfollow")):
        d.add(d.when(), ("unfollow", acc_id, me), "unfollow")
    recent = tuple(i for i in d.followers[: int(60 * d.scale)] if i not in d.out_edges)
    for acc_id in d.pick(recent, d.count("follow_back")):
        d.add(d.when(), ("follow", me, acc_id), "follow_back")
    for _ in range(d.count("owner_follow")):
        d.add(d.when(), ("follow", me, d.stranger(fresh_share=0.3)), "owner_follow")
    for acc_id in d.pick(d.following, d.count("owner_unfollow")):
        d.add(d.when(), ("unfollow", me, acc_id), "owner_unfollow")
    _tricksters(d, me)
    _repeat_offenders(d, me)
    for kind in ("delete", "suspend"):
        n = d.count(kind)
        from_followers = sum(d.rng.random() < 0.8 for _ in range(n))
        for acc_id in d.pick(d.followers, from_followers) + d.pick(d.following, n - from_followers):
            d.add(d.when(), (kind, acc_id), kind)
    n = d.count("rename")
    from_followers = sum(d.rng.random() < 0.7 for _ in range(n))
    for acc_id in d.pick(d.followers, from_followers) + d.pick(d.following, n - from_followers):
        d.add(d.when(), ("rename", acc_id, world.new_login(d.rng)), "rename")
    for _ in range(d.count("same_day")):
        acc_id = d.stranger(fresh_share=0.3)
        at = d.when(hi=DAY // 2)
        d.add(at, ("follow", me, acc_id), "same_day")
        d.add(at + d.rng.randint(600, 4 * 3600), ("follow", acc_id, me), "same_day")


def _tricksters(d: _Day, me: int) -> None:
    """Day d the trickster follows, day d+1 the owner follows back, day d+2..d+4 it unfollows (and stays)."""
    for _ in range(d.count("trickster")):
        acc_id = d.stranger(fresh_share=0.6)
        leave = 1 + d.rng.randint(1, 3)
        d.add(d.when(), ("follow", acc_id, me), "trickster")
        d.later(1, ("follow", me, acc_id), "trickster")
        d.later(leave, ("unfollow", acc_id, me), "trickster")
        d.world.mark_busy(acc_id, d.day + leave)


def _repeat_offenders(d: _Day, me: int) -> None:
    """Follow (day d), maybe a follow-back (d+1), unfollow (d+2), follow again (d+3/4), unfollow again."""
    for _ in range(d.count("repeat")):
        acc_id = d.stranger(fresh_share=0.5)
        d.add(d.when(), ("follow", acc_id, me), "repeat")
        if d.rng.random() < 0.5:
            d.later(1, ("follow", me, acc_id), "repeat")
        refollow = 2 + d.rng.randint(1, 2)
        last = refollow + d.rng.randint(1, 2)
        d.later(2, ("unfollow", acc_id, me), "repeat")
        d.later(refollow, ("follow", acc_id, me), "repeat")
        d.later(last, ("unfollow", acc_id, me), "repeat")
        d.world.mark_busy(acc_id, d.day + last)
