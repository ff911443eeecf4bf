"""One small function per rule: a profile and that rule's settings in, a Finding (or None: nothing to say) out.

Missing data gives an `unknown` finding with no points: it never counts against the account. Texts are format
templates filled only when a reason is read (see verdict.Finding), so these functions allocate little.
"""

from __future__ import annotations

import functools
from datetime import datetime

from followtui.core.policy import settings as c
from followtui.core.policy.text import script_counts
from followtui.core.policy.verdict import Effect, Finding
from followtui.models import Profile

# Module constants: an enum member looked up on its class costs ~5× a global here (Python 3.11).
SKIP, REVIEW, MINUS, PLUS, OK, UNKNOWN = (
    Effect.SKIP,
    Effect.REVIEW,
    Effect.MINUS,
    Effect.PLUS,
    Effect.OK,
    Effect.UNKNOWN,
)
_FIRED = {c.Action.SKIP: SKIP, c.Action.REVIEW: REVIEW, c.Action.SCORE: MINUS}


def _sign(points: int) -> Effect:
    return PLUS if points > 0 else (MINUS if points < 0 else OK)


class _Times(float):
    """A following ÷ followers ratio that formats itself as `16.8×`, `1.09×`, `0.0002×`, `< 0.0001×` or `∞×`."""

    __slots__ = ()

    def __format__(self, spec: str) -> str:
        value = float(self)
        if value == float("inf"):
            return "∞×"
        if value >= 10:
            return f"{value:,.1f}×"
        if value >= 0.01 or value == 0:
            return f"{value:.2f}×"
        small = f"{value:.4f}".rstrip("0").rstrip(".")
        return "< 0.0001×" if small == "0" else f"{small}×"


class _Listed(tuple[str, ...]):
    """Words that format as `“f4f”, “dm for promo”` (quoted) or `rust, café`."""

    __slots__ = ()

    def __format__(self, spec: str) -> str:
        return ", ".join(f"“{w}”" for w in self) if spec == "q" else ", ".join(self)


_WHERE = {(True, False): "bio", (False, True): "display name", (True, True): "bio and display name"}

_NO_LAST_POST = ("inactive", UNKNOWN, 0, "unknown: no date of the last post", ())
_NO_POST_COUNT = ("posts", UNKNOWN, 0, "unknown: no post count", ())
_BIO_NOT_FETCHED = ("bio", UNKNOWN, 0, "unknown: only the list entry is known, not the full profile", ())
_AVATAR_UNSAID = ("avatar", UNKNOWN, 0, "unknown: the platform does not say if it is the default", ())
_NO_CREATION = ("age", UNKNOWN, 0, "unknown: no creation date", ())
_NO_BLOCKED = ("blocked", OK, 0, "no blocked phrase", ())
_INTERESTS_NOT_FETCHED = ("interests", UNKNOWN, 0, "unknown: no bio yet, and none in the display name", ())
_NO_BIO_SCRIPT = ("script", UNKNOWN, 0, "unknown: no bio", ())
_PUBLIC = ("private", OK, 0, "public account", ())
_PRIVATE_UNSAID = ("private", UNKNOWN, 0, "unknown: the platform does not say", ())
_NOT_BOT = ("bot", OK, 0, "not marked as a bot", ())
_BOT_UNSAID = ("bot", UNKNOWN, 0, "unknown: the platform does not say", ())
_NO_COUNTS = {
    (True, True): ("ratio", UNKNOWN, 0, "unknown: no follower or following count", ()),
    (True, False): ("ratio", UNKNOWN, 0, "unknown: no follower count", ()),
    (False, True): ("ratio", UNKNOWN, 0, "unknown: no following count", ()),
}
_LAST_POST = "last post {0:%Y-%m-%d}, {1:,} days ago (> {2:,})"


def inactive(p: Profile, rule: c.InactiveRule, now: datetime) -> Finding | None:
    last = p.last_active_at
    if last is None:
        return None if p.posts_count == 0 else _NO_LAST_POST  # never posted: that rule says it
    days = max((now - last).days, 0)
    if rule.skip_days and days > rule.skip_days:
        return ("inactive", SKIP, rule.points, _LAST_POST, (last, days, rule.skip_days))
    if days > rule.review_days:
        return ("inactive", REVIEW, rule.points, _LAST_POST, (last, days, rule.review_days))
    points = rule.active_points
    return (
        "inactive", _sign(points), points, "last post {0:%Y-%m-%d}, {1:,} days ago (≤ {2:,}): active",
        (last, days, rule.review_days),
    )  # fmt: skip


def never_posted(p: Profile, rule: c.NeverPostedRule) -> Finding | None:
    if p.posts_count != 0:
        return None  # unknown or some posts: the posts rule says which
    return ("never_posted", _FIRED[rule.action], rule.points, "0 posts", ())


def posts(p: Profile, rule: c.PostsRule, never_posted_on: bool) -> Finding | None:
    count = p.posts_count
    if count is None:
        return _NO_POST_COUNT
    if count == 0 and never_posted_on:
        return None
    if count < rule.min:
        return ("posts", _FIRED[rule.action], rule.points, "{0:,} posts (< {1:,})", (count, rule.min))
    return ("posts", OK, 0, "{0:,} posts (≥ {1:,})", (count, rule.min))


def bio(p: Profile, rule: c.BioRule) -> Finding | None:
    if p.bio:
        return ("bio", _sign(rule.present_points), rule.present_points, "has one ({0:,} characters)", (len(p.bio),))
    if p.hydrated_at is None:  # list entries of some platforms carry no bio: empty is not known to be empty
        return _BIO_NOT_FETCHED
    return ("bio", _FIRED[rule.action], rule.points, "empty", ())


def avatar(p: Profile, rule: c.AvatarRule) -> Finding | None:
    if p.default_avatar is None:
        return _AVATAR_UNSAID
    if p.default_avatar:
        return ("avatar", _FIRED[rule.action], rule.points, "the platform's default picture", ())
    return ("avatar", _sign(rule.present_points), rule.present_points, "a picture of its own", ())


def ratio(p: Profile, rule: c.RatioRule) -> Finding | None:
    following, followers = p.following_count, p.followers_count
    if following is None or followers is None:
        return _NO_COUNTS[(followers is None, following is None)]
    times = _Times(following / followers if followers else (float("inf") if following else 0.0))
    counts = (following, followers, times)
    farmer = following > rule.farmer_ratio * followers and followers < rule.farmer_max_followers
    if farmer and following >= rule.farmer_min_following:
        return (
            "ratio", _FIRED[rule.farmer_action], rule.farmer_points,
            "follows {0:,} for {1:,} followers ({2}) — follow-back farmer (> {3:g}× with < {4:,} followers)",
            (*counts, rule.farmer_ratio, rule.farmer_max_followers),
        )  # fmt: skip
    if following > rule.mass_following:
        return (
            "ratio", _FIRED[rule.mass_action], rule.mass_points,
            "follows {0:,} accounts (> {3:,}) — mass follower", (*counts, rule.mass_following),
        )  # fmt: skip
    if followers >= rule.elite_followers and times < rule.elite_ratio:
        return (
            "ratio", _FIRED[rule.elite_action], rule.elite_points,
            "follows {0:,} for {1:,} followers ({2}) — elite account (≥ {3:,} followers, < {4:g}×): "
            "rarely follows back", (*counts, rule.elite_followers, rule.elite_ratio),
        )  # fmt: skip
    if followers and rule.healthy_min <= times <= rule.healthy_max:
        return (
            "ratio", _sign(rule.healthy_points), rule.healthy_points,
            "follows {0:,} for {1:,} followers ({2}) — healthy ({3:g}–{4:g}×)",
            (*counts, rule.healthy_min, rule.healthy_max),
        )  # fmt: skip
    return ("ratio", OK, 0, "follows {0:,} for {1:,} followers ({2})", counts)


def age(p: Profile, rule: c.AgeRule, now: datetime) -> Finding | None:
    created = p.created_at
    if created is None:
        return _NO_CREATION
    days = max((now - created).days, 0)
    if days > rule.new_days:
        return ("age", OK, 0, "created {0:%Y-%m-%d}, {1:,} days ago", (created, days))
    following = p.following_count
    if following is not None and following > rule.mass_following:
        return (
            "age", _FIRED[rule.mass_action], rule.mass_points,
            "created {0:%Y-%m-%d}, {1:,} days ago (≤ {2:,}) and already follows {3:,} (> {4:,}) — "
            "brand-new mass follower", (created, days, rule.new_days, following, rule.mass_following),
        )  # fmt: skip
    return (
        "age", _FIRED[rule.action], rule.points, "created {0:%Y-%m-%d}, {1:,} days ago (≤ {2:,}) — brand-new account",
        (created, days, rule.new_days),
    )  # fmt: skip


def _named(found: list[tuple[str, int]], bio_length: int) -> tuple[_Listed, str]:
    """The phrases found, and where: in the bio, the display name or both (the name follows the bio's end)."""
    in_bio = in_name = False
    for _, at in found:
        if at < bio_length:
            in_bio = True
        else:
            in_name = True
    return _Listed([name for name, _ in found]), _WHERE[(in_bio, in_name)]


def interests(p: Profile, rule: c.InterestsRule, text: str, bio_length: int) -> Finding | None:
    """`text` is the folded bio, a NUL, and the folded display name."""
    if not rule.matcher:
        return None  # no keywords: nothing to look for
    found = rule.matcher.find(text)
    if found:
        return ("interests", _sign(rule.points), rule.points, "{0} in its {1}", _named(found, bio_length))
    if not p.bio and p.hydrated_at is None:
        return _INTERESTS_NOT_FETCHED
    return _none_of(len(rule.keywords))


@functools.cache
def _none_of(keywords: int) -> Finding:
    return ("interests", OK, 0, "none of your {0:,} keywords", (keywords,))


def blocked(p: Profile, rule: c.BlockedRule, text: str, bio_length: int) -> Finding | None:
    if not rule.matcher:
        return None
    found = rule.matcher.find(text)
    if not found:
        return _NO_BLOCKED
    return ("blocked", _FIRED[rule.action], rule.points, "{0:q} in its {1}", _named(found, bio_length))


def script(p: Profile, rule: c.ScriptRule, folded_bio: str) -> Finding | None:
    if not rule.scripts:
        return None  # an empty allow-list turns the rule off
    if not p.bio:
        return _NO_BIO_SCRIPT
    counts = script_counts(folded_bio)
    letters = sum(counts.values())
    if letters < rule.min_letters:
        return (
            "script", UNKNOWN, 0, "unknown: {0:,} letters in the bio, too few to tell (needs {1:,})",
            (letters, rule.min_letters),
        )  # fmt: skip
    allowed = rule.scripts
    readable = 0
    for name, n in counts.items():
        if name in allowed:
            readable += n
    share = readable / letters
    if share >= rule.min_share:
        return ("script", OK, 0, "{0:.0%} of its {1:,} letters in {2}", (share, letters, rule.named))
    found = _Listed(f"{name} {n:,}" for name, n in list(counts.items())[:4])
    return (
        "script", _FIRED[rule.action], rule.points,
        "bio letters {0} — {1:.0%} in {2} (needs {3:.0%})", (found, share, rule.named, rule.min_share),
    )  # fmt: skip


def private(p: Profile, rule: c.PrivateRule) -> Finding | None:
    if p.private is None:
        return _PRIVATE_UNSAID
    if not p.private:
        return _PUBLIC
    return ("private", _FIRED[rule.action], rule.points, "locked account: a follow needs its approval", ())


def bot(p: Profile, rule: c.BotRule) -> Finding | None:
    if p.bot is None:
        return _BOT_UNSAID
    if not p.bot:
        return _NOT_BOT
    return ("bot", _FIRED[rule.action], rule.points, "marks itself as a bot", ())


def labels(p: Profile, rule: c.LabelsRule) -> Finding | None:
    if not p.labels:
        return None
    hits = _Listed(label for label in p.labels if label.casefold() in rule.folded)
    if hits:
        return ("labels", _FIRED[rule.action], rule.points, "moderation label {0}", (hits,))
    return ("labels", OK, 0, "{0} (not on your list)", (_Listed(p.labels),))


def moved(p: Profile, rule: c.MovedRule) -> Finding | None:
    if not p.moved_to:
        return None
    return ("moved", _FIRED[rule.action], rule.points, "moved to {0}", (p.moved_to,))
