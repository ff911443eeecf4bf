"""The rules that weigh how an account relates to you and how it behaves: the trick, churn, not following back,
how long you have been mutual, its interactions with you, and whether it floods the stream.

Same shape as `rules`: settings in, a Finding (or None: nothing to say) out; missing data is `unknown`.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from followtui.core.policy import settings as c
from followtui.core.policy.relation import Relation
from followtui.core.policy.rules import _FIRED, OK, UNKNOWN, _sign
from followtui.core.policy.verdict import Effect, Finding
from followtui.models import Profile

KEPT: Finding = ("keep", Effect.KEEP, 0, "on your keep list", ())
_NOT_READ = ("interactions", UNKNOWN, 0, "unknown: interactions with you not read yet", ())
_NO_ACTIVITY = ("noisy", UNKNOWN, 0, "unknown: no recent posts and no post count", ())


def _times(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n:,} times"


def _when(moment: datetime | None, baseline: datetime | None) -> str:
    if moment is not None:
        return f"{moment:%Y-%m-%d}"
    return f"before the first sync ({baseline:%Y-%m-%d})" if baseline else "before the first sync"


def trickster(r: Relation, rule: c.TricksterRule) -> Finding | None:
    if not r.trickster:
        return None
    again = "" if r.left_times == 1 else f", {r.left_times:,} times"
    return (
        "trickster", _FIRED[rule.action], rule.points, "followed you {0}, unfollowed {1:%Y-%m-%d}{2}",
        (_when(r.followed_at, r.baseline_at), r.left_at, again),
    )  # fmt: skip


def returned(r: Relation, rule: c.ReturnedRule) -> Finding | None:
    if not r.returned:
        return None
    return (
        "returned", _FIRED[rule.action], rule.points,
        "follows you again since {0} after unfollowing {1}, last {2:%Y-%m-%d}",
        (_when(r.follows_since, r.baseline_at), _times(r.left_times), r.left_at),
    )  # fmt: skip


def not_following_back(r: Relation, rule: c.NotFollowingBackRule, now: datetime) -> Finding | None:
    if not r.you_follow or r.follows_you or r.trickster:
        return None  # the trickster rule says more
    since = r.you_follow_since
    if since is not None and now - since < timedelta(days=rule.grace_days):
        return (
            "not_following_back", OK, 0, "you followed {0:%Y-%m-%d}, {1:,} days ago: within the {2:,}-day grace",
            (since, max((now - since).days, 0), rule.grace_days),
        )  # fmt: skip
    return (
        "not_following_back", _FIRED[rule.action], rule.points, "doesn't follow you back (you follow since {0})",
        (_when(since, r.baseline_at),),
    )  # fmt: skip


def mutual(r: Relation, rule: c.MutualRule, now: datetime) -> Finding | None:
    if not (r.you_follow and r.follows_you):
        return None
    starts = (r.follows_since, r.you_follow_since)
    if None in starts:  # one side predates the first sync: mutual at least since the later known start
        known = [t for t in (*starts, r.baseline_at) if t is not None]
        since, least = (max(known), "at least ") if known else (None, "")
    else:
        since, least = max(t for t in starts if t is not None), ""
    if since is None:
        return ("mutual", _sign(rule.points), rule.points, "you follow each other", ())
    days = max((now - since).days, 0)
    points = rule.long_points if days >= rule.long_days else rule.points
    return ("mutual", _sign(points), points, "mutual for {0}{1:,} days", (least, days))


_PHRASES = {
    "like": ("liked {} of your posts", "liked one of your posts"),
    "repost": ("reposted you {}", "reposted you once"),
    "reply": ("replied {}", "replied once"),
    "mention": ("mentioned you {}", "mentioned you once"),
    "star": ("starred {} of your repositories", "starred one of your repositories"),
    "fork": ("forked {} of your repositories", "forked one of your repositories"),
    "issue": ("opened {} issues", "opened an issue"),
}


def describe(kinds: Counter[str]) -> str:
    """`liked 4 of your posts, replied twice`: most frequent first."""
    parts = []
    for kind, n in kinds.most_common():
        many, one = _PHRASES.get(kind, (kind + " {}", kind + " once"))
        if n == 1:
            parts.append(one)
        elif kind in ("reply", "repost", "mention"):
            parts.append(many.format(_times(n)))
        else:
            parts.append(many.format(f"{n:,}"))
    return ", ".join(parts)


def in_window(r: Relation, window_days: int, now: datetime) -> Counter[str]:
    """The interactions of the last `window_days`, by kind (those without a time count: they were read now)."""
    floor = now - timedelta(days=window_days)
    return Counter(kind for kind, at in r.interactions or () if at is None or at >= floor)


def interactions(r: Relation, rule: c.InteractionsRule, now: datetime) -> Finding | None:
    if r.interactions is None:
        return _NOT_READ
    kinds = in_window(r, rule.window_days, now)
    if kinds:
        last = max((at for _, at in r.interactions if at is not None), default=None)
        tail = f", last {last:%Y-%m-%d}" if last else ""
        return ("interactions", _sign(rule.points), rule.points, "{0}{1}", (describe(kinds), tail))
    if r.you_follow:
        return (
            "interactions", _FIRED[rule.none_action], rule.none_points,
            "never interacted with you in {0:,} days", (rule.window_days,),
        )  # fmt: skip
    return ("interactions", OK, 0, "no interaction with you in {0:,} days", (rule.window_days,))


def noisy(p: Profile, rule: c.NoisyRule, now: datetime) -> Finding | None:
    rate, basis = p.posts_per_day, "recent posts"
    if rate is None and p.posts_count is not None and p.created_at is not None:
        rate, basis = p.posts_count / max((now - p.created_at).days, 1), "over its life"
    if rate is None:
        return _NO_ACTIVITY
    if rate > rule.max_per_day:
        return (
            "noisy",
            _FIRED[rule.action],
            rule.points,
            "{0:,.1f} posts a day ({1}; > {2:g})",
            (rate, basis, rule.max_per_day),
        )
    return ("noisy", OK, 0, "{0:,.1f} posts a day ({1})", (rate, basis))
