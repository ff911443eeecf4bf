"""Whole-process first sync against PyGithub (issue 14, item 5): `followtui sync` of a 5k-follower /
5k-following GitHub account run as the real command in a fresh process (interpreter start-up, imports, profile
look-ups and the commit included) next to PyGithub listing the same two lists in this process, the way
bench_peers.py runs it. Same simulator process (30 ms a request), runs interleaved, medians, one ratio.

Each followtui run gets a fresh copy of a data dir where the account was added beforehand, so every run is a
first sync. The sync's own JSON line says how long the sync itself took and how many requests it sent; the
rest of the wall time is the process around it (start-up, commit, exit).

Run: python bench/bench_first_sync.py [--size 5000] [--latency-ms 30] [--hydrate 100] [--repeat 5]
(needs PyGithub: pip install -e '.[bench]')
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_peers import checked
from bench_sync import HANDLE, simulator

TARGET = 3.0  # PyGithub's time / followtui's


def followtui_sync(template: Path, work: Path, hydrate: str, env: dict[str, str]) -> tuple[float, float, int]:
    """(wall seconds of the whole process, seconds the sync itself reported, requests) of one first sync."""
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(template, work)
    command = [sys.executable, "-m", "followtui", "--data-dir", str(work), "sync", "--json", "--hydrate", hydrate]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"followtui sync failed ({done.returncode}): {done.stderr[-800:]}")
    report = orjson.loads(done.stdout)["accounts"][0]
    return wall, report["duration_s"], report["requests"]


def pygithub_lists(url: str, size: int) -> float:
    start = time.perf_counter()
    checked("github", url, 2 * size)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=5_000, help="followers (and as many following)")
    parser.add_argument("--latency-ms", type=float, default=30)
    parser.add_argument("--hydrate", default="100", help="followtui's --hydrate (requests for profile look-ups)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWTUI_")}
    with tempfile.TemporaryDirectory() as tmp, simulator("github", args.size, args.latency_ms) as url:
        template, work = Path(tmp) / "template", Path(tmp) / "work"
        subprocess.run([sys.executable, "-m", "followtui", "--data-dir", str(template), "account", "add", "github",
                        HANDLE["github"], "--server", url], check=True, capture_output=True, env=env)  # fmt: skip
        followtui_sync(template, work, args.hydrate, env)  # warm-up: the server renders each row once
        pygithub_lists(url, args.size)  # and PyGithub is imported once, as in bench_peers.py
        ours, peer = [], []
        for _ in range(args.repeat):  # interleaved, so a noisy moment hits both
            ours.append(followtui_sync(template, work, args.hydrate, env))
            peer.append(pygithub_lists(url, args.size))
    wall = statistics.median(w for w, _, _ in ours)
    inside = statistics.median(s for _, s, _ in ours)
    theirs = statistics.median(peer)
    ratio = theirs / wall
    verdict = "met" if ratio >= TARGET else "missed"
    print(f"first sync {args.size:,}/{args.size:,} at {args.latency_ms:.0f} ms, --hydrate {args.hydrate}: "
          f"followtui {wall:.2f} s in a fresh process (the sync itself {inside:.2f} s, {ours[0][2]} requests; "
          f"around it {wall - inside:.2f} s), PyGithub listing both lists {theirs:.2f} s → {ratio:.2f}× faster "
          f"(target ≥ {TARGET:.0f}×: {verdict})")  # fmt: skip
    return {"followtui_s": wall, "sync_s": inside, "pygithub_s": theirs, "ratio": ratio}


if __name__ == "__main__":
    main()
