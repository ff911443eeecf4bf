"""followtui's sync against the libraries a user would script with, on the same simulator and account.

followtui does a whole sync (fetch both lists, diff, commit to the store); each peer script only fetches both
lists, the way its documentation shows: PyGithub iterates get_followers() and get_following(), Mastodon.py
calls fetch_remaining() on account_followers() and account_following(), the atproto SDK loops get_followers()
and get_follows() over their cursors. Peers get their best case: no pacing of their own (PyGithub's
seconds_between_requests=0), no rate limit on the server. Figures are medians; ratios compare runs made side by
side on one server.

Run: python bench/bench_peers.py [--sizes 1000,20000] [--latency-ms 0,30] [--repeat 3]
(needs the bench extra: pip install -e '.[bench]')
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable

from bench_sync import HANDLE, PLATFORMS, one_sync, own_profile_requests, round_trip, sequential_chain, simulator

PEER = {"github": "PyGithub", "mastodon": "Mastodon.py", "bluesky": "atproto"}
TARGET = {"github": 3.0, "mastodon": 1.8, "bluesky": 1.8}  # peer time / followtui time, at 30 ms


def pygithub(url: str) -> int:
    from github import Github

    user = Github(base_url=url, per_page=100, seconds_between_requests=0, retry=None).get_user(HANDLE["github"])
    return len(list(user.get_followers())) + len(list(user.get_following()))


def mastodon_py(url: str) -> int:
    from mastodon import Mastodon

    api = Mastodon(api_base_url=url, version_check_mode="none", ratelimit_method="throw")
    me = api.account_lookup(HANDLE["mastodon"])
    followers = api.fetch_remaining(api.account_followers(me["id"], limit=80))
    following = api.fetch_remaining(api.account_following(me["id"], limit=80))
    return len(followers) + len(following)


def atproto_sdk(url: str) -> int:
    from atproto import Client

    graph = Client(base_url=f"{url}/xrpc").app.bsky.graph
    actor = HANDLE["bluesky"]

    def every(call: Callable, field: str) -> int:  # type: ignore[type-arg]
        count, cursor = 0, None
        while True:
            page = call(params={"actor": actor, "limit": 100, **({"cursor": cursor} if cursor else {})})
            count += len(getattr(page, field))
            cursor = page.cursor
            if not cursor:
                return count

    return every(graph.get_followers, "followers") + every(graph.get_follows, "follows")


SCRIPTS: dict[str, Callable[[str], int]] = {"github": pygithub, "mastodon": mastodon_py, "bluesky": atproto_sdk}


def timed(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def checked(platform: str, url: str, expected: int) -> None:
    """One peer run; a peer that fetched less than both whole lists would not be a fair race."""
    fetched = SCRIPTS[platform](url)
    if fetched != expected:
        raise SystemExit(f"{PEER[platform]} fetched {fetched} accounts, not {expected}")


def compare(platform: str, size: int, latency_ms: float, repeat: int, concurrency: int = 8) -> dict[str, float]:
    with simulator(platform, size, latency_ms) as url:
        rtt = round_trip(url, platform)
        floor = sequential_chain(platform, size, asyncio.run(own_profile_requests(url, platform)), concurrency) * rtt
        asyncio.run(one_sync(platform, url, 0, concurrency))  # warm-up: the server renders each row once
        ours = timed(lambda: asyncio.run(one_sync(platform, url, 0, concurrency)), repeat)
        peer = timed(lambda: checked(platform, url, 2 * size), repeat)
    row = {"ours_s": ours, "peer_s": peer, "speedup": peer / ours, "floor_s": floor, "vs_floor": ours / floor}
    target = f" (target ≥ {TARGET[platform]}×)" if latency_ms >= 30 else ""
    print(f"peers {platform:8} {size:>7,} {latency_ms:>3.0f} ms: followtui {ours:7.2f} s, {PEER[platform]} "
          f"{peer:7.2f} s → {peer / ours:5.2f}× faster{target}; floor {floor:6.2f} s, followtui at "
          f"{ours / floor:.2f}× the floor")  # fmt: skip
    return row


def main(argv: list[str] | None = None) -> dict[tuple[str, int, float], dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--platform", action="append", choices=PLATFORMS, help="repeatable; default: all three")
    parser.add_argument("--sizes", default="1000,20000", help="followers (and as many following), comma-separated")
    parser.add_argument("--latency-ms", default="0,30", help="comma-separated")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    results = {}
    for size in (int(s) for s in args.sizes.split(",")):
        for latency in (float(v) for v in args.latency_ms.split(",")):
            for platform in args.platform or PLATFORMS:
                results[(platform, size, latency)] = compare(platform, size, latency, args.repeat)
    return results


if __name__ == "__main__":
    main()
