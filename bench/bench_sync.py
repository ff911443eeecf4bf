"""Sync benchmark: a first sync (fetch + diff + commit) of an N-follower / N-following GitHub account on the
simulator with injected latency per request, next to the latency floor measured on the same server.

The floor is the longest chain of requests that must happen one after another (own profile, first page,
then the remaining pages in waves of `concurrency`) times one measured round trip.

Run: python bench/bench_sync.py [--size 20000] [--latency-ms 30] [--repeat 3]
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

PER_PAGE = 100


@contextlib.contextmanager
def simulator(size: int, latency_ms: float) -> Iterator[str]:
    """The simulator in its own process, as a real server would be: its CPU does not share our GIL."""
    command = [sys.executable, "-m", "followtui.simulator", "--port", "0", "--seed", "1", "--owner", "octocat",
               "--followers", str(size), "--following", str(size), "--latency-ms", str(latency_ms),
               "--rate-limit", "0"]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def round_trip(url: str, samples: int = 15) -> float:
    times = []
    with httpx.Client() as client:
        for _ in range(samples):
            start = time.perf_counter()
            client.get(f"{url}/users/octocat").raise_for_status()
            times.append(time.perf_counter() - start)
    return statistics.median(times)


async def one_sync(url: str, hydrate: int, concurrency: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp))
        account = await add_account(store, "github", "octocat", server=url)
        provider = provider_for(account, concurrency=concurrency)
        try:
            start = time.perf_counter()
            report = await sync_account(store, account, provider, SyncOptions(hydrate_budget=hydrate))
            return time.perf_counter() - start, report.requests
        finally:
            await provider.aclose()


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--latency-ms", type=float, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args(argv)
    with simulator(args.size, args.latency_ms) as url:
        rtt = round_trip(url)
        pages = math.ceil(args.size / PER_PAGE)
        chain = 1 + 1 + math.ceil((pages - 1) / args.concurrency)
        floor = chain * rtt
        lists = [asyncio.run(one_sync(url, 0, args.concurrency)) for _ in range(args.repeat)]
        hydrated = [asyncio.run(one_sync(url, 100, args.concurrency)) for _ in range(args.repeat)]
    lists_s = statistics.median(t for t, _ in lists)
    hyd_s = statistics.median(t for t, _ in hydrated)
    print(
        f"sync: {args.size:,}/{args.size:,} GitHub account, {args.latency_ms:.0f} ms latency, round trip "
        f"{rtt * 1000:.1f} ms, concurrency {args.concurrency}"
    )
    print(f"sync: lists only: {lists_s:.2f} s, {lists[0][1]} requests; latency floor {floor:.2f} s "
          f"({chain} sequential round trips); ratio {lists_s / floor:.2f}x")  # fmt: skip
    print(f"sync: with 100 profiles hydrated: {hyd_s:.2f} s, {hydrated[0][1]} requests")
    return {"rtt_ms": rtt * 1000, "lists_s": lists_s, "floor_s": floor, "hydrated_s": hyd_s,
            "requests": lists[0][1], "ratio": lists_s / floor}  # fmt: skip


if __name__ == "__main__":
    main()
