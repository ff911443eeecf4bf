"""SIGKILL a real `followtui sync` during its fetch and during its commit (inside its SQLite transaction, down
to the moment its pages are being appended to the WAL), and a tagging loop during its writes: after every kill
the store opens and passes SQLite's integrity check, holds the last completed state (a killed sync records
nothing; a sync whose commit frame had reached the WAL is all there) and exactly the events between completed
states (no phantom unfollow), has every acknowledged tag, valid backups and no pile of temp files."""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from followtui.core.connect import add_account, sync_tracked
from followtui.core.store import ANNOTATIONS, HISTORY, Store
from followtui.models import EventKind
from followtui.simulator import SimulatorServer, World

from ..integration.harness import run_cli
from ..storefiles import history_rows
from .counts import report, runs, soaking
from .days import next_day
from .killing import (
    HISTORY_COMMITTED,
    HistoryMoment,
    Kill,
    Moment,
    Wal,
    check_history,
    history_sets,
    kill_now,
    load_json,
    stray_files,
    temp_files,
    wait_until,
)

pytestmark = pytest.mark.slow
OWNER = "octocat"
FOLLOWERS, FOLLOWING = 1500, 600  # the sync campaign's network: a history of about 1 MB
Sets = tuple[frozenset[str], frozenset[str]]


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWTUI_")}


def start(*argv: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env()
    )  # fmt: skip


def start_sync(data_dir: Path) -> subprocess.Popen[bytes]:
    return start("-m", "followtui", "--data-dir", str(data_dir), "sync")


def truth_sets(world: World) -> Sets:
    truth = world.truth(OWNER)
    return frozenset(str(r["id"]) for r in truth["followers"]), frozenset(str(r["id"]) for r in truth["following"])


def track(data_dir: Path, sim: SimulatorServer) -> None:
    """Add the account and take its baseline (in this process: the same code, without two start-ups)."""
    store = Store(data_dir)

    async def go() -> None:
        await sync_tracked(store, await add_account(store, "github", OWNER, server=sim.url))

    asyncio.run(go())


def sync_count(data_dir: Path, key: str) -> int:
    """Sync records in the store (it opens, through the store's own reader); a killed sync leaves none, and
    none of these syncs may fail."""
    records = Store(data_dir).syncs(key)
    failed = [r for r in records if r.status not in ("ok", "baseline")]
    assert not failed, failed[-1]
    return len(records)


class SyncCampaign:
    """One store, one simulated network, and the list of states that syncs completed."""

    def __init__(self, data_dir: Path, world: World, sim: SimulatorServer) -> None:
        self.data_dir, self.world, self.sim = data_dir, world, sim
        track(data_dir, sim)
        self.key = Store(data_dir).accounts()[0].key
        self.completed: list[Sets] = [truth_sets(world)]
        store = Store(data_dir)  # a few tags: a sync must never touch them
        store.annotate_many([f"github:{i}" for i in sorted(self.completed[-1][0])[:20]],
                            lambda a: replace(a, tags=("before-the-kills",)))  # fmt: skip
        self.annotations = (data_dir / ANNOTATIONS).read_bytes()

    def next_day(self) -> None:
        next_day(self.world, OWNER, followers=FOLLOWERS, following=FOLLOWING)

    def clean_sync(self) -> None:
        result = run_cli(self.data_dir, "sync")
        assert result.returncode == 0, result.stderr
        self.completed.append(truth_sets(self.world))
        assert self.stored() == self.completed[-1]

    def stored(self) -> Sets:
        snapshot = Store(self.data_dir).snapshot(self.key)
        assert snapshot is not None
        return snapshot.followers, snapshot.following

    def calibrate(self) -> tuple[float, float, float]:
        """Seconds from start to the transaction's write lock, the lock held, and the part of it spent
        appending pages to the WAL, for one sync."""
        self.next_day()
        moment = HistoryMoment.before(self.data_dir)
        t0 = time.monotonic()
        proc = start_sync(self.data_dir)
        assert wait_until(proc, moment.holds_lock, 120)
        locked = time.monotonic()
        # the pages go to the WAL in the last few milliseconds of the transaction: watched without pause
        appending = wait_until(proc, moment.writing_or_done, 30, every=0)
        writing = time.monotonic()
        wait_until(proc, lambda pid: not moment.holds_lock(pid), 30, every=0)
        unlocked = time.monotonic()
        assert proc.wait() == 0
        self.completed.append(truth_sets(self.world))
        self.check_store()
        return locked - t0, unlocked - locked, max(unlocked - writing, 0.001) if appending else 0.001

    def check_after(self, kill: Kill, syncs_before: int, truth: Sets) -> bool:
        """Everything a kill must leave intact; returns whether the killed sync's commit had landed."""
        d = self.data_dir
        syncs = sync_count(d, self.key)  # the store opens (recovering the WAL the kill left)
        assert syncs in (syncs_before, syncs_before + 1), (syncs_before, syncs, kill)
        committed = syncs == syncs_before + 1
        if not kill.landed:
            assert kill.returncode == 0 and committed, kill
        elif committed:  # the commit frame had reached the WAL before the kill: its whole new state, nothing less
            assert kill.phase in HISTORY_COMMITTED, kill
        else:  # killed before its commit frame: nothing of it, not even a failed sync's record
            assert kill.phase not in HISTORY_COMMITTED, kill
        if committed:
            self.completed.append(truth)
        assert self.stored() == self.completed[-1], kill
        assert self.events() == self.expected_events(), "every event is one between two completed states"
        self.check_store()
        return committed

    def events(self) -> Counter[tuple[str, str]]:
        return Counter((e.kind.value, e.profile_id) for e in Store(self.data_dir).events(self.key)
                       if e.kind != EventKind.RENAMED)  # fmt: skip

    def expected_events(self) -> Counter[tuple[str, str]]:
        """The follows and unfollows between consecutive completed states: none from a killed sync (no phantom
        unfollow), none twice."""
        out: Counter[tuple[str, str]] = Counter()
        for (old_fr, old_fg), (new_fr, new_fg) in zip(self.completed, self.completed[1:], strict=False):
            for kind, ids in ((EventKind.FOLLOWER_GAINED, new_fr - old_fr), (EventKind.FOLLOWER_LOST, old_fr - new_fr),
                              (EventKind.FOLLOWING_ADDED, new_fg - old_fg),
                              (EventKind.FOLLOWING_REMOVED, old_fg - new_fg)):  # fmt: skip
                out.update((kind.value, i) for i in ids)
        return out

    def check_store(self) -> None:
        """The history passes SQLite's integrity check, the backup is a completed state, the annotations are
        untouched, and the WAL a kill left was folded into the file by the store's next reader."""
        d = self.data_dir
        check_history(d / HISTORY)
        backup = d / f"{HISTORY}.bak"
        if backup.exists():
            check_history(backup)
            assert history_sets(backup, self.key) in (None, *self.completed), "the backup is a completed state"
        assert (d / ANNOTATIONS).read_bytes() == self.annotations, "a sync never rewrites the annotations"
        wal = d / f"{HISTORY}-wal"
        assert not wal.exists() or wal.stat().st_size == 0, "the next reader checkpoints a killed writer's WAL"
        assert not stray_files(d), stray_files(d)


MODES = ("write", "commit", "fetch")  # kill: as the WAL grows, inside the write transaction, at random


@pytest.mark.soak
def test_sigkill_during_fetch_and_commit_keeps_the_last_completed_state(tmp_path, request):
    kills_wanted = runs(request.config, reduced=4, full=120, own_env="FOLLOWTUI_SOAK_KILLS")
    soak = soaking(request.config)
    rng = random.Random(20260131)
    world = World.generate(seed=31, owner=OWNER, followers=FOLLOWERS, following=FOLLOWING)
    phases: Counter[str] = Counter()
    tally = Counter[str]()
    started = time.monotonic()
    with SimulatorServer(world, rate_limit=10**9) as sim:  # thousands of syncs: no hourly quota
        campaign = SyncCampaign(tmp_path / "data", world, sim)
        fetch_s, lock_s, write_s = campaign.calibrate()
        fetches = [fetch_s]
        while tally["kills"] < kills_wanted:
            campaign.next_day()
            truth = truth_sets(world)
            moment = HistoryMoment.before(campaign.data_dir)
            syncs_before = sync_count(campaign.data_dir, campaign.key)
            mode = rng.choice(MODES) if soak else MODES[tally["rounds"] % len(MODES)]
            t0 = time.monotonic()
            proc = start_sync(campaign.data_dir)
            # A day's sync takes from 2 s to 20 s (some days ask about many more accounts), so the commit is
            # watched for from the start (a look at /proc/locks and the WAL's header: it barely slows the sync),
            # and a kill during the fetch lands within the shortest fetch seen so far.
            if mode == "fetch":
                time.sleep(rng.uniform(0.3, min(fetches)))
            elif mode == "commit":  # anywhere in the transaction (a day's is shorter or longer than calibrated)
                if wait_until(proc, moment.holds_lock, 120):
                    fetches.append(time.monotonic() - t0)
                time.sleep(rng.uniform(0, lock_s / 2))
            else:  # the transaction's last millisecond or less: its pages go to the WAL, then its commit frame
                wait_until(proc, moment.holds_lock, 120)
                wait_until(proc, moment.writing_or_done, 30, every=0)  # then at once: the look is the delay
            kill = kill_now(proc, moment)
            tally["rounds"] += 1
            tally["kills"] += kill.landed
            tally["inside commit"] += kill.in_commit
            phases[f"{mode:6}  {kill.phase}"] += 1
            if campaign.check_after(kill, syncs_before, truth):
                tally["commits complete at the kill"] += kill.landed
            if tally["rounds"] % 5 == 0:  # the store stays usable: a fresh show, then a sync that completes
                shown = run_cli(campaign.data_dir, "show", "followers", "--format", "json")
                assert shown.returncode == 0, shown.stderr
                assert shown.stdout.count('"id"') >= len(campaign.completed[-1][0])
                campaign.clean_sync()
                tally["clean syncs after kills"] += 1
        campaign.clean_sync()
    assert tally["inside commit"] >= kills_wanted // 4, (tally, phases)
    assert not stray_files(campaign.data_dir), "the next completed commit leaves no temp file behind"
    lines = [
        f"sync kills: {dict(tally)} in {time.monotonic() - started:.0f} s (fetch {min(fetches):.2f}-"
        f"{max(fetches):.2f} s, write transaction {lock_s * 1000:.0f} ms, appending to the WAL {write_s * 1000:.0f} ms)"
    ]
    lines += [f"  {count:4d}  {phase}" for phase, count in phases.most_common()]  # fmt: skip
    report(request.config, "\n".join(lines))


TAG_LOOP = """
import sys
from dataclasses import replace
from pathlib import Path
from followtui.core.store import Store
store, i, keys = Store(Path(sys.argv[1])), int(sys.argv[2]), int(sys.argv[3])
while True:
    tag = f"k{i}"
    store.annotate(f"github:{i % keys}", lambda a: replace(a, tags=(*a.tags, tag)))
    print(i, flush=True)
    i += 1
"""
SEEDED = 2_000


def tags_in(data_dir: Path) -> dict[str, set[str]]:
    docs = (load_json(data_dir / ANNOTATIONS).get("annotations") or {}).values()
    return {doc["key"]: set(doc["tags"]) for doc in docs}


@pytest.mark.soak
def test_sigkill_during_tagging_loses_no_acknowledged_tag(tmp_path, request):
    kills_wanted = runs(request.config, reduced=8, full=120, own_env="FOLLOWTUI_SOAK_KILLS")
    cli_every = 6  # every sixth kill hits a `followtui tag` command instead of the loop
    rng = random.Random(7)
    d = tmp_path / "data"
    world = World.generate(seed=32, owner=OWNER, followers=150, following=60)
    acked: dict[str, str] = {}  # tag -> key, for every tag whose write returned (or whose command exited 0)
    phases: Counter[str] = Counter()
    tally = Counter[str]()
    started = time.monotonic()
    with SimulatorServer(world, rate_limit=10**9) as sim:  # thousands of syncs: no hourly quota
        track(d, sim)
        handles = {p.handle: f"github:{p.id}" for p in Store(d).profiles("github").values() if p.handle != OWNER}
        Store(d).annotate_many([f"github:{i}" for i in range(SEEDED)], lambda a: replace(a, tags=("seed",)))
        history = history_rows(d)
        while tally["kills"] < kills_wanted:
            round_no = tally["rounds"]
            tally["rounds"] += 1
            moment = Moment.before(d, ANNOTATIONS)
            if round_no % cli_every == cli_every - 1:
                handle = rng.choice(sorted(handles))
                tag = f"cli{round_no}"
                proc = start("-m", "followtui", "--data-dir", str(d), "tag", handle, tag)
                if rng.random() < 0.5:
                    wait_until(proc, moment.writing, 30)
                else:
                    time.sleep(rng.uniform(0.2, 0.8))
                kill = kill_now(proc, moment)
                tally["cli kills"] += kill.landed
                if kill.returncode == 0:
                    acked[tag] = handles[handle]
            else:
                first = round_no * 100_000
                proc = start("-c", TAG_LOOP, str(d), str(first), str(SEEDED))
                if rng.random() < 0.6:
                    wait_until(proc, moment.writing, 30)  # a few tags in: a write is under way
                    time.sleep(rng.uniform(0, 0.004))
                else:
                    time.sleep(rng.uniform(0.25, 0.9))
                kill = kill_now(proc, moment)
                out = proc.stdout.read().decode() if proc.stdout else ""
                done = [int(line) for line in out.split()]
                assert done == list(range(first, first + len(done)))
                acked.update((f"k{i}", f"github:{i % SEEDED}") for i in done)
                tally["loop tags acknowledged"] += len(done)
            tally["kills"] += kill.landed
            tally["inside a write"] += kill.in_commit
            phases[kill.phase if kill.in_commit or not kill.landed else "between writes"] += 1
            present = tags_in(d)  # the file opens, and holds every acknowledged tag
            lost = [tag for tag, key in acked.items() if tag not in present.get(key, ())]
            assert not lost, (lost[:5], kill)
            assert sum("seed" in tags for tags in present.values()) == SEEDED
            backup = d / f"{ANNOTATIONS}.bak"
            if backup.exists():
                load_json(backup)
            assert len(temp_files(d, ANNOTATIONS)) <= 1, stray_files(d)
            assert history_rows(d) == history, "tagging never changes the history"
    shown = run_cli(d, "show", "followers", "--format", "json")
    assert shown.returncode == 0, shown.stderr
    assert tally["inside a write"] >= kills_wanted // 4, (tally, phases)
    tally["tags checked"] = len(acked)
    lines = [f"tag kills: {dict(tally)} in {time.monotonic() - started:.0f} s"]
    lines += [f"  {count:4d}  {phase}" for phase, count in phases.most_common()]
    report(request.config, "\n".join(lines))


def test_the_wal_reader_agrees_with_sqlite_on_what_is_committed(tmp_path):
    """The campaign's `commit frame in the WAL` is SQLite's own verdict: a WAL cut inside its last frame, or with
    a byte of that frame changed, ends at the previous commit for both the reader and SQLite's recovery."""
    path = tmp_path / "live.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES (randomblob(3000))")
    first = Wal.read(tmp_path / "live.sqlite3-wal")
    conn.execute("INSERT INTO t VALUES (randomblob(9000))")
    whole = Wal.read(tmp_path / "live.sqlite3-wal")
    assert first and whole and 0 < first.committed < whole.committed == whole.frames
    db, wal = path.read_bytes(), (tmp_path / "live.sqlite3-wal").read_bytes()
    conn.close()
    frame = (len(wal) - 32) // whole.frames
    changed = bytearray(wal)
    changed[-100] ^= 0xFF
    for name, wal_bytes, committed, rows in (
        ("whole", wal, whole.committed, 2),
        ("cut", wal[: len(wal) - frame // 2], first.committed, 1),
        ("changed", bytes(changed), first.committed, 1),
    ):
        copy = tmp_path / f"{name}.sqlite3"
        copy.write_bytes(db)
        copy.with_name(f"{name}.sqlite3-wal").write_bytes(wal_bytes)
        read = Wal.read(copy.with_name(f"{name}.sqlite3-wal"))
        assert read is not None and read.committed == committed, (name, read)
        check = sqlite3.connect(copy)
        try:
            found = check.execute("SELECT count(*) FROM t").fetchone()[0]
        finally:
            check.close()
        assert found == rows, name
