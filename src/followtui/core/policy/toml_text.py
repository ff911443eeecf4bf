"""The policy as TOML text: the commented file written on first use, and the effective policy `policy show` prints."""

from __future__ import annotations

import json
from typing import Any

DEFAULT_POLICY_TEXT = """\
# followtui follow-back policy: how the verdict on each account is decided. For someone you don't follow it
# is `follow back`, `review` or `skip`; for someone you follow, `keep`, `review` or `unfollow` (the same
# decision asked the other way). Accounts on your keep list are always `keep`.
# Every setting is optional: remove the leading "# " to change one. Problems in this file are reported (with
# the key) and that key keeps its default; nothing here can stop followtui. `followtui policy show` prints the
# policy in effect, `followtui policy check HANDLE` the verdict and reasons for one account.
#
# How a verdict is reached:
#   Each rule below looks at one thing and gives a reason with points: a plus for a good sign, a minus for a
#   bad one. A rule whose data is missing (a count the platform did not send, a profile not fetched yet)
#   says "unknown", scores 0 and never counts against the account.
#   score   = the sum of every reason's points.
#   verdict = "skip"        if any rule whose action is "skip" fired;
#             else "review" if any rule whose action is "review" fired;
#             else "follow back" if score >= follow_back_at, "skip" if score <= skip_at, otherwise "review".
#   action  = "skip", "review", or "score" (the rule then counts only through its points).
#   enabled = false turns a rule off.
#
# Per-account policy: tables under [accounts."PLATFORM:HANDLE"] override the ones below for that one of your
# accounts (a personal and a professional account judge differently); `policy check` says which applied, e.g.
#   [accounts."github:you".interests]
#   keywords = ["rust", "compilers"]

[verdict]
# follow_back_at = 1        # (keep, for someone you follow) e.g. a bio (+1) and nothing against it
# skip_at = -4              # (unfollow, for someone you follow) e.g. no bio (-2) and the default avatar (-2)

[trickster]                 # followed you, then unfollowed, and is not back
# enabled = true
# action = "skip"           # skip, or unfollow when you still follow them
# points = -5

[returned]                  # follows you again after unfollowing you
# enabled = true
# action = "review"
# points = -1

[not_following_back]        # you follow them, they don't follow you
# enabled = true
# grace_days = 7            # after your follow, give them this long to follow back
# action = "score"
# points = -2

[mutual]                    # you follow each other
# enabled = true
# points = 1
# long_days = 180           # mutual this long or longer: long_points instead
# long_points = 2

[interactions]              # replies, mentions, likes, reposts of your posts (GitHub: stars, forks, issues)
# enabled = true
# window_days = 90          # only interactions this recent count
# points = 3                # interacted with you in the window
# none_action = "score"     # someone you follow who never interacted in the window
# none_points = -2

[inactive]                  # days since the last post
# enabled = true
# review_days = 90          # no post for longer: review
# skip_days = 365           # no post for longer: skip (0: never skip for this)
# points = -2               # when either of them fires
# active_points = 1         # posted within review_days

[never_posted]              # not a single post
# enabled = true
# action = "review"
# points = -2

[posts]                     # a few posts, but fewer than min
# enabled = true
# min = 3
# action = "score"
# points = -1

[bio]                       # an empty bio (known empty: a fetched profile, not a bare list entry)
# enabled = true
# action = "score"
# points = -2
# present_points = 1

[avatar]                    # the platform's default picture
# enabled = true
# action = "score"
# points = -2
# present_points = 1

[ratio]                     # accounts it follows ÷ its followers
# enabled = true
# healthy_min = 0.75        # between these: healthy_points
# healthy_max = 1.25
# healthy_points = 2
# farmer_ratio = 5.0        # follows more than 5x its followers ...
# farmer_max_followers = 200  # ... with fewer than 200 followers ...
# farmer_min_following = 100  # ... and follows at least 100: a follow-back farmer
# farmer_action = "skip"
# farmer_points = -3
# mass_following = 3500     # follows more than this: a mass follower
# mass_action = "review"
# mass_points = -1
# elite_followers = 10000   # this many followers or more ...
# elite_ratio = 0.01        # ... following fewer than 1 per 100 of them: an elite account (rarely follows back)
# elite_action = "review"
# elite_points = 0

[age]                       # how long ago the account was created
# enabled = true
# new_days = 30             # created within: a brand-new account
# action = "review"
# points = -1
# mass_following = 1000     # brand-new and already following more than this
# mass_action = "skip"
# mass_points = -3

[interests]                 # your keywords in its bio or display name (any case, accents or not, whole words;
# enabled = true            # Chinese, Japanese, Korean and Thai keywords also inside longer words)
# keywords = []             # e.g. ["python", "rust", "open source", "café", "東京"]
# points = 3

[blocked]                   # phrases in its bio or display name that mean skip (matched like keywords)
# enabled = true
# phrases = ["follow for follow", "follow4follow", "f4f", "l4l", "like4like", "dm for promo", "promo dm",
#            "click link", "link in bio", "free followers", "follow back", "100% follow back", "followback"]
# action = "skip"
# points = -5

[script]                    # the scripts you read; a bio mostly in others is flagged
# enabled = true
# allow = []                # e.g. ["Latin", "Cyrillic"]; also CJK, Hangul, Hiragana, Katakana, Japanese,
#                           # Korean, Chinese, Arabic, Hebrew, Greek, Devanagari, Thai, ...; empty: off
# min_letters = 10          # fewer letters in the bio: unknown
# min_share = 0.5           # share of its letters that must be in your scripts
# action = "review"
# points = -1

[private]                   # a locked account: follows need its approval
# enabled = true
# action = "review"
# points = -1

[bot]                       # marks itself as a bot
# enabled = true
# action = "skip"
# points = -3

[labels]                    # moderation labels (Bluesky); labels not listed here are only shown
# enabled = true
# labels = ["!hide", "!takedown", "spam", "impersonation", "scam", "engagement-farming", "misleading",
#           "intolerant", "threat", "porn", "sexual", "nudity", "graphic-media", "gore"]
# action = "skip"
# points = -5

[moved]                     # the account moved elsewhere (Mastodon)
# enabled = true
# action = "skip"
# points = -3

[noisy]                     # floods the stream: posts a day over its recent posts (else over its life)
# enabled = true
# max_per_day = 20.0
# action = "review"
# points = -1
"""


def toml_value(value: Any) -> str:
    """One value as TOML (JSON's string escapes are TOML's basic-string escapes)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(str(value), ensure_ascii=False)
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def render_policy(policy: Any) -> str:
    """The effective policy as a TOML document that reads back as the same policy; file-set keys marked."""
    from followtui.core.policy.settings import SECTIONS, settable

    lines = ["# The follow-back policy in effect."]
    if policy.source is None:
        lines.append("# No policy file was read: every value below is a default.")
    else:
        lines.append(f"# Read from {policy.source}; values set there are marked, the others are defaults.")
    if policy.problems:
        lines.append(f"# {len(policy.problems)} problem(s) in the file were reported; those keys keep their defaults.")
    for name in SECTIONS:
        lines.append("")
        lines.append(f"[{name}]")
        settings = getattr(policy, name)
        for spec in settable(type(settings)):
            text = f"{spec.name} = {toml_value(getattr(settings, spec.name))}"
            if f"{name}.{spec.name}" in policy.from_file:
                text += "  # set in the file"
            lines.append(text)
    return "\n".join(lines) + "\n"
