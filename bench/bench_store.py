"""Store benchmarks: a first-sync commit of N+N accounts vs one plain orjson dump-and-write of the same
data; a no-change resync commit; and one tag write at 100 vs N accounts.

Run: python bench/bench_store.py [--size 100000] [--repeat 3]. Prints medians and ratios (side by side in one
run, because the machine is shared and noisy).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import orjson

from followtui.core import codec
from followtui.core.store import Store, SyncCommit
from followtui.models import Profile, SyncReport, SyncStatus, TrackedAccount

NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)
ACCOUNT = TrackedAccount(platform="github", handle="bench", id="1")


def make_profiles(n_followers: int, n_following: int) -> tuple[dict[str, Profile], frozenset, frozenset]:
    profiles = {}
    for i in range(n_followers + n_following):
        pid = str(10_000_000 + i)
        profiles[pid] = Profile(
            id=pid,
            handle=f"user{i}",
            display_name=f"User Number {i}",
            bio="Writes code, climbs rocks and takes photos of cats. " * (i % 3),
            avatar_url=f"https://avatars.example/u/{pid}?v=4",
            url=f"https://github.example/user{i}",
            followers_count=i % 5000,
            following_count=i % 700,
            posts_count=i % 90,
            created_at=NOW,
            hydrated_at=NOW if i % 4 == 0 else None,
        )
    ids = list(profiles)
    return profiles, frozenset(ids[:n_followers]), frozenset(ids[n_followers:])


def commit(store: Store, profiles, followers, following, status=SyncStatus.BASELINE) -> None:
    report = SyncReport(ACCOUNT.key, status, NOW, NOW, 0.0, observed_at=NOW,
                        followers=len(followers), following=len(following))  # fmt: skip
    store.commit_sync(SyncCommit(ACCOUNT, Profile(id="1", handle="bench"), followers, following, profiles, [], report))


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_commit(size: int, repeat: int) -> dict[str, float]:
    profiles, followers, following = make_profiles(size, size)
    plain, first, resync = [], [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "plain.json"

            def plain_dump(path: Path = path) -> None:
                docs = [codec.profile_to_doc("github", p) for p in profiles.values()]
                payload = orjson.dumps({"profiles": docs, "followers": sorted(followers),
                                        "following": sorted(following)})  # fmt: skip
                with open(path, "wb") as fh:
                    fh.write(payload)
                    fh.flush()
                    os.fsync(fh.fileno())

            plain.append(timed(plain_dump))
            store = Store(Path(tmp) / "store")
            store.ensure()
            store.add_account(ACCOUNT)
            first.append(timed(lambda store=store: commit(store, profiles, followers, following)))
            resync.append(timed(lambda store=store: commit(store, {}, followers, following, SyncStatus.OK)))
    p, f, r = (statistics.median(x) for x in (plain, first, resync))
    return {"plain_s": p, "first_commit_s": f, "resync_commit_s": r, "ratio": f / p}


def bench_tag(sizes: tuple[int, ...], writes: int, repeat: int) -> dict[int, float]:
    out = {}
    for size in sizes:
        runs = []
        for _ in range(repeat):
            with tempfile.TemporaryDirectory() as tmp:
                store = Store(Path(tmp))
                store.ensure()
                store.add_account(ACCOUNT)
                profiles, followers, following = make_profiles(size // 2, size - size // 2)
                commit(store, profiles, followers, following)
                keys = [f"github:{pid}" for pid in list(profiles)[:writes]]
                start = time.perf_counter()
                for i, key in enumerate(keys):
                    store.annotate(key, lambda a, i=i: replace(a, tags=(*a.tags, f"t{i % 5}")))
                runs.append((time.perf_counter() - start) / len(keys))
        out[size] = statistics.median(runs)
    return out


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=100_000, help="followers and following each")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    result = bench_commit(args.size, args.repeat)
    print(f"store: first-sync commit of {args.size:,}+{args.size:,} accounts: {result['first_commit_s']:.2f} s; "
          f"plain orjson dump+write: {result['plain_s']:.2f} s; ratio {result['ratio']:.2f}x")  # fmt: skip
    print(f"store: no-change resync commit: {result['resync_commit_s']:.2f} s")
    tags = bench_tag((100, 2 * args.size), writes=50, repeat=args.repeat)
    small, big = tags[100], tags[2 * args.size]
    print(f"store: one tag write at 100 accounts: {small * 1000:.2f} ms; at {2 * args.size:,}: "
          f"{big * 1000:.2f} ms; ratio {big / small:.2f}x")  # fmt: skip
    return {**result, "tag_small_ms": small * 1000, "tag_big_ms": big * 1000, "tag_ratio": big / small}


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
