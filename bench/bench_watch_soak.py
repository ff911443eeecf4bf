"""Watch soak (issue 15): `followtui watch` over a simulated hour of a busy network, on Jetstream and on the repo
firehose, each in one run: does it keep up, with CPU under 10% of one core and flat memory?

For each source: the simulated Bluesky (`python -m followtui.simulator --stream-port 0`) in its own process, an
account added and `followtui watch --source URL --json` started as the real command in another (it does its full
sync first). Then the network gets busy: `--per-minute` follow changes per simulated minute among accounts that
are not the owner (3,000 by default, so 180,000 for the hour), delivered compressed at `--rate` changes per wall
second, with the owner's live activity (a follow, a follow-back, a quick unfollow, a leaver... every `--live-every`
wall seconds) alongside, so some events are about the user and get recorded.

Every `--sample-s` the watch process is read from /proc (utime+stime, VmRSS), and so is the simulator (to show
the machine was not the bottleneck) and the load average (other jobs run on the machine; its /proc/stat CPU
totals are not used: on this VM they lose ticks and read below what its processes use). The head of the
stream (`GET /_sim/stream`) and the cursor the watch saved with each heartbeat (`Store.watch_state`) give its lag:
at a heartbeat, how long ago the head was where the watch's cursor is. When the noise is done, the live activity
stops, the watch must reach the head (seq for the firehose, time_us for Jetstream); then it gets SIGTERM and its
last stderr line's cursor must be the head, and `followtui changes --format json` must hold the owner's live
changes (source "watch").

The figures per source: changes and commits delivered, wall time, the watch's CPU-seconds, its **share of one
core at the real-time rate** (CPU-seconds / the simulated seconds: the figure for "under 10% of one core" over a
real hour), the share during the compressed run, µs of CPU per event, idle CPU, RSS at start / middle / end and
max-min after warm-up, lag, the owner's changes recorded.

Run: python bench/bench_watch_soak.py [--minutes 60] [--per-minute 3000] [--rate 1000] [--source jetstream]
(`--minutes 2` is a quick sanity run). The machine is shared and noisy: CPU-seconds are the process's own
(utime+stime), which other jobs barely move; wall-clock figures (lag, achieved rate) they can.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import orjson

from followtui.core.store import Store
from followtui.simulator.bluesky import did_for

SOURCES = ("jetstream", "firehose")
OWNER, HANDLE = "ada", "ada.bsky.test"
#: A second owner nobody watches: its graph makes the network bigger than ada's circle (strangers for the live
#: activity to use, and noise between people who have nothing to do with her).
CROWD = "crowd"
PASSWORD = "abcd-efgh-ijkl-mnop"
TICK = os.sysconf("SC_CLK_TCK")
TARGET_SHARE = 0.10  # of one core
HEARTBEAT_S = 5.0  # followtui.core.store.HEARTBEAT_S: how often the watch saves its cursor
DEFAULT_PER_MINUTE, DEFAULT_RATE = 3_000.0, 1_000.0
CURSOR_RE = re.compile(r"cursor (\d+|none) saved")


# -- /proc ---------------------------------------------------------------------------------------------------------


def cpu_s(pid: int) -> float:
    """utime + stime of a process (its threads included), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def load_average() -> float:
    """The machine's 1-minute load average (runnable tasks: the soak's two processes and everyone else's)."""
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


# -- the processes -------------------------------------------------------------------------------------------------


class Child:
    """A subprocess whose stdout and stderr lines are read as they come (kept in lists)."""

    def __init__(self, command: list[str], env: dict[str, str], keep: int | None = None) -> None:
        self.command = command
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        self.out: collections.deque[str] = collections.deque(maxlen=keep)
        self.err: collections.deque[str] = collections.deque(maxlen=keep or 200)
        self.out_lines = 0
        self._readers = [
            threading.Thread(target=self._read, args=(self.proc.stdout, self.out, True), daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stderr, self.err, False), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _read(self, pipe: Any, lines: collections.deque[str], count: bool) -> None:
        for line in pipe:
            lines.append(line.rstrip("\n"))
            if count:
                self.out_lines += 1

    def until(self, condition: Callable[[], bool], what: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if self.proc.poll() is not None:
                time.sleep(0.2)
                raise SystemExit(f"{what}: the process ended ({self.proc.returncode}): {list(self.err)[-10:]}")
            if time.monotonic() > deadline:
                raise SystemExit(f"{what}: timed out after {timeout:.0f} s; stderr: {list(self.err)[-10:]}")
            time.sleep(0.05)

    def said(self, words: str) -> bool:
        return any(words in line for line in list(self.err))

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signum)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        for reader in self._readers:
            reader.join(timeout=2)
        return self.proc.returncode


@contextlib.contextmanager
def child(command: list[str], env: dict[str, str], keep: int | None = None) -> Iterator[Child]:
    """A Child that is ended (SIGTERM, then SIGKILL) however the block is left: an error, Ctrl-C."""
    proc = Child(command, env, keep)
    try:
        yield proc
    finally:
        proc.stop(timeout=10)


# -- sampling ------------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Sample:
    t: float  # time.time()
    watch_cpu: float
    watch_rss: float
    sim_cpu: float
    load: float
    seq: int
    time_us: int
    cursor: int | None
    heartbeat: float | None  # the heartbeat_at of the saved cursor, as time.time()


@dataclass
class Sampler:
    """Every `every` seconds, on a thread: the two processes, the load, the stream's head, the saved cursor."""

    watch: int
    sim: int
    url: str
    store: Store
    key: str
    every: float
    samples: list[Sample] = field(default_factory=list)
    failure: BaseException | None = None

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sampler", daemon=True)

    def start(self) -> Sampler:
        with httpx.Client(timeout=10) as http:
            self.take(http)  # the first one now
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        with httpx.Client(timeout=10) as http:
            next_at = time.monotonic() + self.every
            while not self._stop.wait(max(0.0, next_at - time.monotonic())):
                next_at += self.every
                try:
                    self.take(http)
                except BaseException as exc:
                    self.failure = exc
                    return

    def take(self, http: httpx.Client) -> Sample:
        t = time.time()
        watch_cpu, watch_rss, sim_cpu = cpu_s(self.watch), rss_mib(self.watch), cpu_s(self.sim)
        head = http.get(f"{self.url}/_sim/stream").json()
        state = self.store.watch_state(self.key)
        beat = state.heartbeat_at.timestamp() if state is not None and state.heartbeat_at is not None else None
        sample = Sample(t, watch_cpu, watch_rss, sim_cpu, load_average(), int(head["seq"]), int(head["time_us"]),
                        state.cursor if state is not None else None, beat)  # fmt: skip
        self.samples.append(sample)
        return sample


def head_reached(samples: list[Sample], position: int, attr: str) -> float | None:
    """When the stream's head first reached `position` (seq or time_us), interpolated between two samples."""
    before: Sample | None = None
    for s in samples:
        value = getattr(s, attr)
        if value >= position:
            if before is None:
                return s.t
            low = getattr(before, attr)
            share = (position - low) / (value - low) if value > low else 1.0
            return before.t + share * (s.t - before.t)
        before = s
    return None


def heartbeat_lags(samples: list[Sample], since: float, attr: str) -> list[tuple[float, float]]:
    """(heartbeat time, lag in seconds) of each heartbeat seen after `since`: how long before that heartbeat the
    head of the stream was where the watch's saved cursor is."""
    out: list[tuple[float, float]] = []
    seen: set[float] = set()
    for s in samples:
        if s.heartbeat is None or s.cursor is None or s.heartbeat < since or s.heartbeat in seen:
            continue
        seen.add(s.heartbeat)
        reached = head_reached(samples, s.cursor, attr)
        if reached is not None:
            out.append((s.heartbeat, max(0.0, s.heartbeat - reached)))
    return out


# -- one source ----------------------------------------------------------------------------------------------------


def env_without_followtui() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWTUI_")}


def live_made(http: httpx.Client, url: str) -> collections.Counter[tuple[str, str]]:
    """The owner's changes the live activity made, as (kind, other account's DID), from the world's log."""
    made: collections.Counter[tuple[str, str]] = collections.Counter()
    for event in http.get(f"{url}/_sim/events", timeout=120).json():
        if event.get("via") != "live" or event["kind"] not in ("follow", "unfollow"):
            continue
        follow = event["kind"] == "follow"
        if event["actor_login"] == OWNER:
            made["you_followed" if follow else "you_unfollowed", did_for(event["target_id"])] += 1
        elif event["target_login"] == OWNER:
            made["followed_you" if follow else "unfollowed_you", did_for(event["actor_id"])] += 1
    return made


def soak(source: str, args: argparse.Namespace, tmp: Path) -> dict[str, float]:
    env = env_without_followtui()
    signed_in = {**env, "FOLLOWTUI_BLUESKY_TOKEN": PASSWORD}
    data = tmp / f"data-{source}"
    sim_command = [sys.executable, "-m", "followtui.simulator", "--platform", "bluesky", "--port", "0",
                   "--stream-port", "0", "--owner", OWNER, "--owner", CROWD, "--followers", str(args.followers),
                   "--following", str(args.following), "--app-password", PASSWORD, "--seed", str(args.seed),
                   "--rate-limit", "0"]  # fmt: skip
    count = round(args.minutes * args.per_minute)
    with child(sim_command, env, keep=200) as sim, httpx.Client(timeout=30) as http:
        sim.until(lambda: len(sim.out) > 0, "the simulator", 120)
        url = sim.out[0].strip()
        stream = http.get(f"{url}/_sim/stream").json()
        base = [sys.executable, "-m", "followtui", "--data-dir", str(data)]
        added = subprocess.run([*base, "account", "add", "bluesky", HANDLE, "--server", url], capture_output=True,
                               text=True, env=signed_in, timeout=300)  # fmt: skip
        if added.returncode != 0:
            raise SystemExit(f"account add failed ({added.returncode}): {added.stderr[-800:]}")
        store = Store(data)
        key = store.accounts()[0].key
        watch_command = [*base, "watch", "--source", stream[source], "--json"]
        with child(watch_command, signed_in, keep=50) as watch:
            watch.until(lambda: watch.said("connected"), "watch: connected", 120)
            watch.until(lambda: watch.said(": baseline:") or watch.said(": synced:"), "watch: its full sync", 300)
            sampler = Sampler(watch.pid, sim.pid, url, store, key, args.sample_s).start()
            try:
                time.sleep(args.idle_s)  # the watch idle: its own wake-ups (heartbeat, polls, pings)
                idle_from, idle_to = sampler.samples[min(1, len(sampler.samples) - 1)], sampler.samples[-1]
                fed = sampler.samples[-1]
                clock = http.get(f"{url}/_sim/now").json()["now"]  # the world's clock when the feed starts
                http.post(f"{url}/_sim/stream/live", json={"owner": OWNER, "every_s": args.live_every})
                noise = {"rate": args.rate, "per_minute": args.per_minute, "count": count, "seed": args.seed}
                feed_start = time.time()
                http.post(f"{url}/_sim/stream/noise", json=noise).raise_for_status()
                status = wait_for_noise(http, url, watch, sampler, count)
                http.delete(f"{url}/_sim/stream/live")
                feed_end = time.time()
                final = http.get(f"{url}/_sim/stream").json()
                attr, head = ("seq", int(final["seq"])) if source == "firehose" else ("time_us", int(final["time_us"]))
                caught = catch_up(watch, sampler, head, feed_end, args.settle_s)
                time.sleep(args.sample_s)  # one more sample past the catch-up
            finally:
                sampler.stop()
            if sampler.failure is not None:
                raise SystemExit(f"sampling failed: {sampler.failure!r}")
            last = sampler.samples[-1]
            code = watch.stop(signal.SIGTERM)
            if code != 0:
                raise SystemExit(f"watch ended with {code} on SIGTERM: {list(watch.err)[-5:]}")
            match = next((m for line in reversed(watch.err) if (m := CURSOR_RE.search(line))), None)
            final_cursor = int(match.group(1)) if match and match.group(1) != "none" else None
        shown = subprocess.run([*base, "changes", "--format", "json"], capture_output=True, text=True, env=env,
                               timeout=300)  # fmt: skip
        if shown.returncode != 0:
            raise SystemExit(f"changes failed: {shown.stderr[-500:]}")
        recorded = collections.Counter(
            (row["kind"], row["id"]) for row in orjson.loads(shown.stdout)["rows"] if row.get("source") == "watch"
        )
        made = live_made(http, url)
    return figures(
        source, args, sampler.samples, idle_from, idle_to, fed, last, feed_start, feed_end, status, stream, final,
        attr, head, caught, final_cursor, made, recorded, watch.out_lines, clock,
    )  # fmt: skip


def wait_for_noise(http: httpx.Client, url: str, watch: Child, sampler: Sampler, count: int) -> dict[str, Any]:
    """Until the noise made its `count` changes; fails when the watch dies or the noise stalls."""
    made, moved = -1, time.monotonic()
    while True:
        time.sleep(1.0)
        if watch.proc.poll() is not None:
            raise SystemExit(f"watch ended during the soak ({watch.proc.returncode}): {list(watch.err)[-10:]}")
        if sampler.failure is not None:
            raise SystemExit(f"sampling failed: {sampler.failure!r}")
        runs = http.get(f"{url}/_sim/stream/noise").json()["runs"]
        status = runs[-1]
        if not status["running"]:
            if status["made"] < count:
                raise SystemExit(f"the noise stopped early: {status}")
            return dict(status)
        if status["made"] != made:
            made, moved = status["made"], time.monotonic()
        elif time.monotonic() - moved > 30:
            raise SystemExit(f"the noise stalled: {status}")


def catch_up(watch: Child, sampler: Sampler, head: int, since: float, settle_s: float) -> float | None:
    """Seconds after `since` of the first heartbeat whose saved cursor is the head (None: not within settle_s)."""
    deadline = time.monotonic() + settle_s
    while time.monotonic() < deadline:
        if watch.proc.poll() is not None:
            raise SystemExit(f"watch ended while catching up ({watch.proc.returncode}): {list(watch.err)[-10:]}")
        for s in list(sampler.samples):
            if s.heartbeat is not None and s.heartbeat >= since and s.cursor is not None and s.cursor >= head:
                return s.heartbeat - since
        time.sleep(0.2)
    return None


def rss_slope(samples: list[Sample]) -> float:
    """The least-squares trend of the watch's RSS against the stream's head, in MiB per 100,000 commits."""
    points = [(s.seq, s.watch_rss) for s in samples]
    if len({seq for seq, _ in points}) < 2:
        return float("nan")
    slope, _ = statistics.linear_regression([seq for seq, _ in points], [rss for _, rss in points])
    return slope * 100_000


def figures(source: str, args: argparse.Namespace, samples: list[Sample], idle_from: Sample, idle_to: Sample,
            fed: Sample, last: Sample, feed_start: float, feed_end: float, status: dict[str, Any],
            stream: dict[str, Any], final: dict[str, Any], attr: str, head: int, caught: float | None,
            final_cursor: int | None, made: collections.Counter[tuple[str, str]],
            recorded: collections.Counter[tuple[str, str]], printed: int, clock: str) -> dict[str, float]:  # fmt: skip
    wall = float(status["elapsed_s"])  # the noise's own start to end (feed_end: when the live activity stopped too)
    sim_seconds = args.minutes * 60
    sim_span = int(final["time_us"]) / 1e6 - datetime.fromisoformat(clock.replace("Z", "+00:00")).timestamp()
    commits = int(final["seq"]) - fed.seq
    frames = int(final["frames"][source]) - int(stream["frames"][source])
    idle_share = (idle_to.watch_cpu - idle_from.watch_cpu) / max(idle_to.t - idle_from.t, 1e-9)
    cpu = last.watch_cpu - fed.watch_cpu
    span = last.t - fed.t  # the feed and the catch-up
    sim_cpu = last.sim_cpu - fed.sim_cpu
    during = [s for s in samples if fed.t <= s.t <= last.t]
    warm = [s for s in during if s.t >= fed.t + max(min(args.warmup_s, 0.5 * wall), 0.1 * wall)]
    middle = min(during, key=lambda s: abs(s.t - (feed_start + wall / 2)))
    lags = heartbeat_lags(samples, feed_start, attr)
    running_lags = [lag for at, lag in lags if at <= feed_end]
    end_lag = (head - final_cursor) if final_cursor is not None else float("nan")
    real_share = cpu / sim_seconds
    # the same work spread over a real hour: the per-event CPU, plus an hour (not `span`) of idle wake-ups
    projected = (cpu - idle_share * span + idle_share * sim_seconds) / sim_seconds
    matched = sum((made & recorded).values())
    r = {
        "changes": float(status["made"]), "commits": float(commits), "frames": float(frames), "wall_s": wall,
        "achieved_rate": status["made"] / wall, "sim_span_s": sim_span, "cpu_s": cpu, "real_share": real_share,
        "projected_share": projected, "compressed_share": cpu / span, "us_per_event": cpu / max(commits, 1) * 1e6,
        "idle_share": idle_share, "rss_start": fed.watch_rss, "rss_middle": middle.watch_rss,
        "rss_end": last.watch_rss, "rss_slope": rss_slope(warm), "rss_max": max(s.watch_rss for s in during),
        "rss_spread": max(s.watch_rss for s in warm) - min(s.watch_rss for s in warm) if warm else float("nan"),
        "lag_median_s": statistics.median(running_lags) if running_lags else float("nan"),
        "lag_max_s": max(running_lags) if running_lags else float("nan"),
        "caught_up_s": caught if caught is not None else float("nan"), "end_lag": float(end_lag),
        "live_made": float(sum(made.values())), "live_recorded": float(sum(recorded.values())),
        "live_matched": float(matched), "printed": float(printed), "sim_share": sim_cpu / span,
        "load_mean": statistics.mean(s.load for s in during), "load_max": max(s.load for s in during),
    }  # fmt: skip
    unit = "commits" if attr == "seq" else "µs"
    ok = "met" if real_share < TARGET_SHARE else "MISSED"
    kept = "kept up" if caught is not None and end_lag == 0 else "DID NOT keep up"
    print(
        f"soak {source}: {r['changes']:,.0f} changes ({args.minutes:g} simulated min at {args.per_minute:,.0f}/min; "
        f"the world's clock moved {sim_span / 60:.1f} min with the live activity) in {wall:.1f} s of wall time: "
        f"{r['achieved_rate']:,.0f}/s (asked {args.rate:,.0f}/s); {commits:,} commits, {frames:,} frames"
    )
    print(
        f"soak {source}: watch CPU {cpu:.1f} s = **{real_share:.2%} of one core at the real-time rate** "
        f"(/ {sim_seconds:,.0f} simulated s; target < {TARGET_SHARE:.0%}: {ok}); with an hour of idle wake-ups "
        f"{projected:.2%}; {r['compressed_share']:.1%} during the compressed run; "
        f"{r['us_per_event']:.0f} µs per commit; idle {idle_share:.2%}"
    )
    print(
        f"soak {source}: watch RSS {r['rss_start']:.1f} MiB at start, {r['rss_middle']:.1f} in the middle, "
        f"{r['rss_end']:.1f} at the end (max {r['rss_max']:.1f}); after warm-up max-min {r['rss_spread']:.1f} MiB, "
        f"trend {r['rss_slope']:+.2f} MiB per 100k commits"
    )
    caught_text = f"{caught:.1f} s" if caught is not None else f"NOT within {args.settle_s:.0f} s"
    print(
        f"soak {source}: {kept}: lag at heartbeats during the feed median {r['lag_median_s']:.2f} s, max "
        f"{r['lag_max_s']:.2f} s ({len(running_lags)} heartbeats); saved cursor at the head {caught_text} after the "
        f"feed stopped (heartbeat every {HEARTBEAT_S:.0f} s); final cursor {final_cursor} vs head {head} "
        f"({end_lag} {unit} behind)"
    )
    print(
        f"soak {source}: the owner's live changes: {r['live_made']:.0f} made, {r['live_recorded']:.0f} recorded "
        f"by the watch (source watch), {matched} matching; {printed} lines on its stdout"
    )
    print(
        f"soak {source}: the simulator used {r['sim_share']:.0%} of a core, the watch {r['compressed_share']:.0%}; "
        f"the machine's load average ({os.cpu_count()} cores, shared with other jobs) {r['load_mean']:.1f} on average, "
        f"{r['load_max']:.1f} at most"
    )
    return r


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", action="append", choices=SOURCES, help="repeatable; default: both")
    parser.add_argument("--minutes", type=float, default=60, help="simulated minutes (2 for a quick sanity run)")
    parser.add_argument("--per-minute", type=float, default=DEFAULT_PER_MINUTE, help="changes a simulated minute")
    parser.add_argument("--rate", type=float, default=DEFAULT_RATE, help="changes per wall second (the compression)")
    parser.add_argument("--live-every", type=float, default=2.0, help="wall seconds between the owner's changes")
    parser.add_argument("--followers", type=int, default=1_000, help="the owner's (and the crowd's) followers")
    parser.add_argument("--following", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sample-s", type=float, default=1.0, help="seconds between samples")
    parser.add_argument("--idle-s", type=float, default=10.0, help="seconds the watch is measured idle first")
    parser.add_argument("--warmup-s", type=float, default=10.0, help="RSS figures after this (≤ half the feed)")
    parser.add_argument("--settle-s", type=float, default=60.0, help="how long the watch may take to catch up")
    args = parser.parse_args(argv)
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # cleanup runs on SIGTERM as on Ctrl-C
    try:
        results: dict[str, dict[str, float]] = {}
        with tempfile.TemporaryDirectory() as tmp:
            for source in args.source or SOURCES:
                results[source] = soak(source, args, Path(tmp))
    finally:
        signal.signal(signal.SIGTERM, previous)
    if len(results) == 2:
        j, f = results["jetstream"], results["firehose"]
        print(f"soak: firehose / Jetstream: CPU per commit {f['us_per_event'] / j['us_per_event']:.2f}x, "
              f"share at the real-time rate {f['real_share']:.2%} / {j['real_share']:.2%}, "
              f"RSS at the end {f['rss_end']:.0f} / {j['rss_end']:.0f} MiB")  # fmt: skip
    return results


if __name__ == "__main__":
    main()
