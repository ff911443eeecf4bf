"""The store at scale (issue 14's targets): for an account with N followers and N following, side by side
with a small one (1k), each command run as the real `followtui` in its own process:

- `show followers --format json` and `show fans --format csv`: wall time and peak resident size (VmHWM);
- a first sync (`--hydrate 0`, against the simulator in its own process, 0 ms per request): time and peak;
- a no-change resync: peak, and the bytes it wrote (the process's `wchar`) against the store's size.

Run: python bench/bench_scale.py [--size 100000] [--small 1000]. Prints ratios (the machine is shared and
noisy: compare within one run).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_memory import CLI_PROBE
from bench_sync import simulator


def run(args: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(seconds, peak MiB, bytes written) of `followtui ARGS`, its stdout thrown away."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CLI_PROBE, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, env=env)  # fmt: skip
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{args} failed: {done.stderr[-800:]}")
    peak, wrote = done.stderr.strip().splitlines()[-1].split()
    return elapsed, int(peak) / 1024, int(wrote)


def store_bytes(data: Path) -> int:
    return sum(p.stat().st_size for p in data.glob("history.sqlite3*") if not p.name.endswith(".bak"))


def measure(size: int, tmp: Path, env: dict[str, str]) -> dict[str, float]:
    data = tmp / f"data-{size}"
    out: dict[str, float] = {}
    with simulator("github", size, 0) as url:
        base = ["--data-dir", str(data)]
        subprocess.run([sys.executable, "-m", "followtui", *base, "account", "add", "github", "octocat", "--server",
                        url], check=True, capture_output=True, env=env)  # fmt: skip
        out["first_sync_s"], out["first_sync_mib"], _ = run([*base, "sync", "--hydrate", "0"], env)
        before = store_bytes(data)
        out["resync_s"], out["resync_mib"], out["resync_wrote"] = run([*base, "sync", "--hydrate", "0"], env)
        out["store_bytes"] = before
    out["show_json_s"], out["show_json_mib"], _ = run([*base, "show", "followers", "--format", "json"], env)
    out["show_fans_csv_s"], out["show_fans_csv_mib"], _ = run([*base, "show", "fans", "--format", "csv"], env)
    return out


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=1_000)
    args = parser.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWTUI_")}
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in (args.small, args.size):
            results[size] = measure(size, Path(tmp), env)
    small, big = results[args.small], results[args.size]
    n = f"{args.size:,}+{args.size:,}"
    print(
        f"scale: show followers --format json at {n}: {big['show_json_s']:.1f} s, {big['show_json_mib']:.0f} MiB; "
        f"at {args.small:,}: {small['show_json_s']:.2f} s; ratio {big['show_json_s'] / small['show_json_s']:.1f}x"
    )
    print(f"scale: show fans --format csv at {n}: {big['show_fans_csv_s']:.1f} s, {big['show_fans_csv_mib']:.0f} MiB")
    print(
        f"scale: first sync (0 ms server, no look-ups) at {n}: {big['first_sync_s']:.1f} s, "
        f"{big['first_sync_mib']:.0f} MiB"
    )
    print(f"scale: no-change resync at {n}: {big['resync_s']:.1f} s, peak {big['resync_mib']:.0f} MiB, wrote "
          f"{big['resync_wrote'] / 1e6:.1f} MB ({big['resync_wrote'] / big['store_bytes']:.1%} of the "
          f"{big['store_bytes'] / 1e6:.0f} MB store, WAL and checkpoint together)")  # fmt: skip
    return {str(k): v for k, v in results.items()}


if __name__ == "__main__":
    main()
