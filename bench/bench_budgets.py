"""What a sync's request budgets cost: a first sync of an N/N account at a given latency, side by side on one
simulator per platform, with (a) 100 profile requests and no interactions (the extras a sync had before
activity and interactions), (b) the same plus the interactions budget (30 requests) and profiles read with
their activity, and (c) the default `auto` budget (what the platform allows).

Run: python bench/bench_budgets.py [--platform github] [--size 20000] [--latency-ms 30] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from bench_sync import HANDLE, PLATFORMS, simulator

from followtui.core.connect import add_account, provider_for
from followtui.core.store import Store
from followtui.core.sync import SyncOptions, sync_account

CASES = {
    "a: 100 profiles, no interactions": SyncOptions(hydrate_budget=100, interactions_budget=0),
    "b: 100 profiles + activity, 30 interactions": SyncOptions(hydrate_budget=100, interactions_budget=30),
    "c: auto profiles + activity, 30 interactions": SyncOptions(),
}


async def one_sync(platform: str, url: str, options: SyncOptions, activity: bool) -> tuple[float, int, int]:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp))
        account = await add_account(store, platform, HANDLE[platform], server=url)
        provider = provider_for(account, concurrency=8)
        if not activity:  # (a): profiles as before, without their activity
            provider.lookup_with_activity = provider.lookup  # type: ignore[method-assign]
        try:
            start = time.perf_counter()
            report = await sync_account(store, account, provider, options)
            return time.perf_counter() - start, report.requests, report.unhydrated
        finally:
            await provider.aclose()


def bench_platform(platform: str, size: int, latency_ms: float, repeat: int) -> dict[str, tuple[float, int, int]]:
    out: dict[str, tuple[float, int, int]] = {}
    with simulator(platform, size, latency_ms) as url:
        asyncio.run(one_sync(platform, url, SyncOptions(hydrate_budget=0, interactions_budget=0), False))  # warm-up
        for _ in range(repeat):  # interleaved, so the machine's noise falls on every case alike
            for name, options in CASES.items():
                t, requests, left = asyncio.run(one_sync(platform, url, options, not name.startswith("a")))
                runs = out.setdefault(name, (0.0, requests, left))
                out[name] = (runs[0] + t, requests, left)
    base = out[next(iter(CASES))][0] / repeat
    for name, (total, requests, left) in out.items():
        t = total / repeat
        print(f"budgets {platform} {size:,}/{size:,} @ {latency_ms:.0f} ms: {name}: {t:.2f} s ({t / base:.2f}x), "
              f"{requests:,} requests, {left:,} not looked up")  # fmt: skip
    return {name: (total / repeat, requests, left) for name, (total, requests, left) in out.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--platform", action="append", choices=PLATFORMS)
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--latency-ms", type=float, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    for platform in args.platform or PLATFORMS:
        bench_platform(platform, args.size, args.latency_ms, args.repeat)


if __name__ == "__main__":
    main()
