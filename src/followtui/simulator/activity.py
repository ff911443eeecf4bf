"""Seeded public activity of simulated accounts: when each one posted, reposted or pushed.

Every account acts at its own rate, drawn from its archetype's range (bots dozens of times a day, most people a
few times a week). Each day's acts are drawn from (seed, account, day) alone, so reading an account's newest
acts never generates its whole history, and a world acts at the same times whatever asks first. Times are
simulated epoch seconds; at most one act per second per account (a cursor made of a time never skips one).
"""

from __future__ import annotations

import random

DAY = 86_400
_MASK = (1 << 64) - 1
#: Acts a day per archetype: each account draws its rate log-uniformly from its kind's (low, high).
RATES: dict[str, tuple[float, float]] = {
    "normal": (0.05, 6.0),
    "inactive": (0.05, 3.0),  # until its last activity, months or years ago
    "farmer": (2.0, 30.0),
    "newbie": (0.02, 0.5),
    "elite": (0.3, 10.0),
    "bot": (12.0, 90.0),  # the noisy ones: dozens a day
    "org": (0.3, 15.0),
}
#: A walk back through an account's days stops here (a rate of 0.05 a day covers 50 acts in 1000 days).
MAX_DAYS_WALKED = 12 * 366


def mix(*parts: int) -> int:
    """A 64-bit hash of integers (splitmix64 steps): stable across runs and platforms, unlike hash()."""
    h = 0x9E3779B97F4A7C15
    for part in parts:
        h = (h ^ (part & _MASK)) * 0xBF58476D1CE4E5B9 & _MASK
        h = (h ^ (h >> 27)) * 0x94D049BB133111EB & _MASK
        h ^= h >> 31
    return h


def rate_for(seed: int, acc_id: int, kind: str) -> float:
    """Acts a day for this account (0 for a kind without a range, such as owners, who post on their own)."""
    low, high = RATES.get(kind, (0.0, 0.0))
    if not high:
        return 0.0
    unit = mix(seed, acc_id, 0x5EED) / 2**64
    return low * (high / low) ** unit


def day_times(seed: int, acc_id: int, rate: float, day: int) -> list[int]:
    """The account's acts on day `day` (days since the epoch), oldest first: `rate` of them on average."""
    h = mix(seed, acc_id, day)
    base = rate * (0.5 + (h & 0xFFFFFFFF) / 2**32)
    count = int(base) + ((h >> 32) / 2**32 < base - int(base))
    if not count:
        return []
    t0 = day * DAY
    return [t0 + s for s in sorted(random.Random(h).sample(range(DAY), min(count, DAY)))]


def recent_times(
    seed: int, acc_id: int, rate: float, *, start: int, end: int, limit: int, since: int | None = None
) -> list[int]:
    """Up to `limit` acts in [max(start, since), end), newest first, walking back one day at a time."""
    low = start if since is None else max(start, since)
    out: list[int] = []
    if rate <= 0 or limit <= 0 or end <= low:
        return out
    day = (end - 1) // DAY
    last = max(low // DAY, day - MAX_DAYS_WALKED)
    while day >= last and len(out) < limit:
        for ts in reversed(day_times(seed, acc_id, rate, day)):
            if low <= ts < end:
                out.append(ts)
                if len(out) == limit:
                    break
        day -= 1
    return out
