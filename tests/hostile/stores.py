"""A store full of hostile profiles, committed the way a sync commits them (core.sync.commit_snapshot), for the
CLI and TUI hostile tests.

Every corpus text becomes one account: its handle, display name and bio hold the text, cleaned as the providers
clean it; counts and times cycle through the hostile values, cleaned the same way. Tags and notes hold the corpus
too, cleaned as `followtui tag`/`note` and the TUI prompts clean them. A second commit makes followers leave and
come, so every pane (tricksters included) and the history have rows.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from followtui.core.store import HISTORY, Store
from followtui.core.sync import SetChanges, commit_snapshot
from followtui.models import Annotation, Profile, TrackedAccount
from followtui.sanitize import MAX_BIO, MAX_HANDLE, MAX_NAME, clean_int, clean_text, clean_time

from .corpus import COUNTS, DATES, MISSING, TEXTS

MAX_TAG, MAX_NOTE = 64, 4000
ACCOUNT = TrackedAccount(platform="github", handle="octocat", id="1", added_at=datetime(2026, 1, 1, tzinfo=UTC))
T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


def _values(table: dict[str, object]) -> list[object]:
    return [None if v is MISSING else v for v in table.values()]


def hostile_profiles(texts: dict[str, str] = TEXTS) -> dict[str, Profile]:
    """One profile per corpus text, keyed by id ("100", "101", …), as a provider would have cleaned it."""
    counts, dates = _values(COUNTS), _values(DATES)
    out: dict[str, Profile] = {}
    for i, text in enumerate(texts.values()):
        pid = str(100 + i)
        handle = clean_text(text, MAX_HANDLE) or f"user{pid}"
        out[pid] = Profile(
            id=pid,
            handle=handle,
            display_name=clean_text(text, MAX_NAME),
            bio=clean_text(text, MAX_BIO, multiline=True),
            url=f"https://github.com/user{pid}",
            followers_count=clean_int(counts[i % len(counts)]),
            following_count=clean_int(counts[(i + 3) % len(counts)]),
            posts_count=clean_int(counts[(i + 7) % len(counts)]),
            created_at=clean_time(dates[i % len(dates)]),
            last_active_at=clean_time(dates[(i + 5) % len(dates)]),
            bot=(None, True, False)[i % 3],
            private=(None, False, True)[i % 3],
            hydrated_at=T0,
        )
    return out


def hostile_annotations(profiles: dict[str, Profile]) -> dict[str, Annotation]:
    """Tags and notes with the corpus in them, cleaned as the CLI and the TUI clean what the user types."""
    texts = list(TEXTS.values())
    out: dict[str, Annotation] = {}
    for i, pid in enumerate(profiles):
        tag = clean_text(texts[(i + 11) % len(texts)], MAX_TAG)
        note = clean_text(texts[(i + 29) % len(texts)], MAX_NOTE, multiline=True)
        out[f"github:{pid}"] = Annotation(
            key=f"github:{pid}", tags=tuple(t for t in (tag, "ok") if t), note=note, keep=i % 4 == 0
        )
    return out


def build_hostile_store(data_dir: Path, texts: dict[str, str] = TEXTS, account: TrackedAccount = ACCOUNT) -> Store:
    """Tracked `account` (github:octocat) with a hostile profile per text: a baseline, then a day of changes."""
    store = Store(data_dir)
    store.ensure()
    store.add_account(account)
    profiles = hostile_profiles(texts)
    ids = sorted(profiles, key=int)
    own = Profile(
        id=account.id, handle=account.handle, followers_count=len(ids), following_count=len(ids) // 2, hydrated_at=T0
    )
    followers = frozenset(ids)
    following = frozenset(ids[::2])
    first = SetChanges.between(None, followers, following)
    seen = {**profiles, own.id: own}
    _commit(store, account, own, first, seen, {}, T0)
    # A day later: every third follower left (tricksters: still there), a few came back, you followed some more.
    later = T0 + timedelta(days=1)
    left = frozenset(ids[::3])
    new_followers = followers - left
    new_following = following | frozenset(ids[1::4])
    previous = store.snapshot(account.key)
    changes = SetChanges.between(previous, new_followers, new_following)
    known = store.profiles("github")
    seen = {pid: replace(p, hydrated_at=later) for pid, p in profiles.items()}
    _commit(store, account, own, changes, {**seen, own.id: own}, known, later)
    wanted = hostile_annotations(profiles)
    store.annotate_many(wanted, lambda a: wanted[a.key])
    return store


def _commit(
    store: Store,
    account: TrackedAccount,
    own: Profile,
    changes: SetChanges,
    seen: dict[str, Profile],
    known: dict[str, Profile],
    at: datetime,
) -> None:
    commit_snapshot(
        store, account, own, changes, seen, known, {}, started=at, observed_at=at, clock=time.perf_counter(), requests=0
    )


def synced_hostile_store(data_dir: Path, platform: str, *, followers: int = 60, days: int = 2) -> Store:
    """A store synced from the simulator in `platform`'s wire format, every account hostile
    (World.generate(hostile_share=1.0)), profiles hydrated, with `days` more syncs after the baseline."""
    import asyncio

    from followtui.core.connect import add_account, sync_tracked
    from followtui.core.sync import SyncOptions
    from followtui.simulator import SimulatorServer, World, handle_for

    world = World.generate(seed=41, owner="octocat", followers=followers, following=followers // 2, hostile_share=1.0)
    store = Store(data_dir)
    options = SyncOptions(hydrate_budget=10 * followers, accept_drop=True)
    with SimulatorServer(world, platform=platform) as sim:

        async def go() -> None:
            handle = handle_for("octocat") if platform == "bluesky" else "octocat"
            account = await add_account(store, platform, handle, server=sim.url)
            await sync_tracked(store, account, options)
            for _ in range(days):
                world.advance_days(1)
                await sync_tracked(store, account, options)

        asyncio.run(go())
    return store


#: SQLite's own side files of an open history: `-shm` is its shared-memory index (scratch, rebuilt by whoever opens
#: the file next, and left behind while a connection is still open, e.g. one held by an error's traceback in an
#: in-process CLI run); `-wal` holds written pages until they are checkpointed into the file.
SHM, WAL = f"{HISTORY}-shm", f"{HISTORY}-wal"


def files(data_dir: Path) -> dict[str, bytes]:
    """Every file of the data dir by relative path, for "a refused command changed nothing": compared byte for byte,
    the `.bak` copies and lock files included. The `-shm` index is left out (it holds no data); a `-wal` is kept
    byte for byte too, except an empty one: SQLite creates it empty on open and writes it only to commit, so a
    refused command may leave an empty one behind but never a written one."""
    out = {str(p.relative_to(data_dir)): p.read_bytes() for p in sorted(data_dir.rglob("*")) if p.is_file()}
    out.pop(SHM, None)
    if out.get(WAL) == b"":  # opened, not written: SQLite creates the WAL empty and writes it only to commit
        del out[WAL]
    return out


def damage_page(path: Path, page: int) -> None:
    """Overwrite one page of a SQLite file with junk that no b-tree page could start with, every other byte kept."""
    raw = bytearray(path.read_bytes())
    size = page_size(path)
    raw[(page - 1) * size : page * size] = bytes((i * 7 + 13) % 256 for i in range(size))
    path.write_bytes(bytes(raw))


def page_size(path: Path) -> int:
    size = int.from_bytes(path.read_bytes()[16:18], "big")
    return 65536 if size == 1 else size


def root_page(path: Path, table: str) -> int:
    """The first page of `table`'s b-tree (every read of the table starts there)."""
    conn = sqlite3.connect(path)
    try:
        (page,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()
    finally:
        conn.close()
    return int(page)
