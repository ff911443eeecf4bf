"""Sync benchmark: a first sync (fetch + diff + commit) of an N-follower / N-following account on each
platform's simulator with injected latency per request, next to the latency floor measured on the same server.

The floor is the longest chain of requests that must happen one after another (finding the account, then
the page chain of a list) times one measured round trip.

Run: python bench/bench_sync.py [--platform github] [--size 20000] [--latency-ms 30] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from followtui.core.connect import add_account, provider_for
from followtui.core.store import Store
from followtui.core.sync import SyncOptions, sync_account

PLATFORMS = ("github", "bluesky", "mastodon")
#: Per platform: the owner's handle there, a page of a list, and a cheap request for measuring a round trip.
HANDLE = {"github": "octocat", "bluesky": "octocat.bsky.test", "mastodon": "octocat"}
PER_PAGE = {"github": 100, "bluesky": 100, "mastodon": 80}
PING = {
    "github": "/users/octocat",
    "bluesky": "/xrpc/app.bsky.actor.getProfile?actor=octocat.bsky.test",
    "mastodon": "/api/v1/accounts/lookup?acct=octocat",
}


@contextlib.contextmanager
def simulator(platform: str, size: int, latency_ms: float) -> Iterator[str]:
    """The simulator in its own process, as a real server would be: its CPU does not share our GIL."""
    command = [sys.executable, "-m", "followtui.simulator", "--platform", platform, "--port", "0", "--seed", "1",
               "--owner", "octocat", "--followers", str(size), "--following", str(size),
               "--latency-ms", str(latency_ms), "--rate-limit", "0"]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def round_trip(url: str, platform: str, samples: int = 15) -> float:
    times = []
    with httpx.Client() as client:
        for _ in range(samples):
            start = time.perf_counter()
            client.get(f"{url}{PING[platform]}").raise_for_status()
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def sequential_chain(platform: str, size: int, own_requests: int, concurrency: int) -> int:
    """Round trips that must follow one another: finding the account, then the longer list's page chain.

    GitHub pages are numbered, so after the first page the rest go in waves of `concurrency`; Bluesky
    cursors and Mastodon Link headers are known only from the page before, so every page waits for the last.
    """
    pages = max(1, math.ceil(size / PER_PAGE[platform]))
    if platform == "github":
        return own_requests + 1 + math.ceil((pages - 1) / concurrency)
    return own_requests + pages


async def own_profile_requests(url: str, platform: str) -> int:
    from followtui.providers import make_provider

    provider = make_provider(platform, url)
    try:
        await provider.lookup_self(HANDLE[platform])
        return provider.requests_made
    finally:
        await provider.aclose()


async def one_sync(platform: str, url: str, hydrate: int, concurrency: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp))
        account = await add_account(store, platform, HANDLE[platform], server=url)
        provider = provider_for(account, concurrency=concurrency)
        try:
            start = time.perf_counter()
            report = await sync_account(store, account, provider, SyncOptions(hydrate_budget=hydrate))
            return time.perf_counter() - start, report.requests
        finally:
            await provider.aclose()


def bench_platform(platform: str, size: int, latency_ms: float, repeat: int, concurrency: int) -> dict[str, float]:
    with simulator(platform, size, latency_ms) as url:
        rtt = round_trip(url, platform)
        chain = sequential_chain(platform, size, asyncio.run(own_profile_requests(url, platform)), concurrency)
        floor = chain * rtt
        asyncio.run(one_sync(platform, url, 0, concurrency))  # warm-up: the server renders each row once
        lists = [asyncio.run(one_sync(platform, url, 0, concurrency)) for _ in range(repeat)]
        hydrated = [asyncio.run(one_sync(platform, url, 100, concurrency)) for _ in range(repeat)]
    lists_s = statistics.median(t for t, _ in lists)
    hyd_s = statistics.median(t for t, _ in hydrated)
    print(f"sync {platform}: {size:,}/{size:,} account, {latency_ms:.0f} ms latency, round trip {rtt * 1000:.1f} ms")
    print(f"sync {platform}: lists only: {lists_s:.2f} s, {lists[0][1]} requests; latency floor {floor:.2f} s "
          f"({chain} sequential round trips); ratio {lists_s / floor:.2f}x")  # fmt: skip
    print(f"sync {platform}: with a hydration budget of 100 requests: {hyd_s:.2f} s, {hydrated[0][1]} requests")
    return {"rtt_ms": rtt * 1000, "lists_s": lists_s, "floor_s": floor, "chain": chain, "hydrated_s": hyd_s,
            "requests": lists[0][1], "hydrated_requests": hydrated[0][1], "ratio": lists_s / floor}  # fmt: skip


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--platform", action="append", choices=PLATFORMS, help="repeatable; default: all three")
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--latency-ms", type=float, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args(argv)
    return {
        platform: bench_platform(platform, args.size, args.latency_ms, args.repeat, args.concurrency)
        for platform in args.platform or PLATFORMS
    }


if __name__ == "__main__":
    main()
