"""The terminal UI tagging (through Pilot) while `followtui sync` runs again and again in another process, the
simulated network a day older each round: no tag lost, no file corrupt, and the UI shows every new sync; and a
read of the history held open across the other process's commit neither blocks it nor sees half of it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from followtui.core.config import Settings
from followtui.core.connect import add_account, sync_tracked
from followtui.core.store import ANNOTATIONS, HISTORY, Store
from followtui.simulator import SimulatorServer, World
from followtui.tui.app import FILE_POLL_S, FollowApp
from followtui.tui.screens.main import MainScreen
from followtui.tui.screens.prompts import Prompt
from followtui.tui.widgets.account_table import AccountTable

from .counts import report, runs
from .days import next_day
from .killing import HistoryMoment, check_history, load_json

pytestmark = pytest.mark.slow
OWNER = "octocat"
SIZE = (120, 40)


def start_sync(data_dir: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWTUI_")}
    return subprocess.Popen([sys.executable, "-m", "followtui", "--data-dir", str(data_dir), "sync"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)  # fmt: skip


def followers_now(world: World) -> set[str]:
    return {str(r["id"]) for r in world.truth(OWNER)["followers"]}


def shows(screen: MainScreen, followers: set[str]) -> bool:
    """The UI displays this follower set: the pane's rows, the table's count and the tab's count."""
    data = screen.screen_data
    if data is None or {r.id for r in data.rows("followers")} != followers:
        return False
    label = str(screen.query_one("#followers").label)
    return f"{len(followers):,}" in label and screen.query_one(AccountTable).total_count == len(followers)


async def ready(pilot) -> MainScreen:  # type: ignore[no-untyped-def]
    for _ in range(600):
        await pilot.pause(0.05)
        screen = pilot.app.screen
        if isinstance(screen, MainScreen) and screen.screen_data is not None:
            return screen
    raise AssertionError("the main screen never loaded")


async def type_tag(pilot, tag: str, step: str) -> None:  # type: ignore[no-untyped-def]
    """Move, open the tag prompt and type a tag, as a user would (enter is the caller's)."""
    await pilot.press(step, "t")
    assert isinstance(pilot.app.screen, Prompt)
    await pilot.press(*tag)


class OtherProcess:
    """The `followtui sync` in another process, and whether it has reached its commit."""

    def __init__(self, data_dir: Path, store: Store) -> None:
        self.store = store
        self.version = store.history_version()
        self.moment = HistoryMoment.before(data_dir)
        self.proc = start_sync(data_dir)

    def committing(self) -> bool:
        """In its write transaction, or past it (the history changed)."""
        return self.store.history_version() != self.version or self.moment.holds_lock(self.proc.pid)

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Hold the other process still for a moment (SIGSTOP … SIGCONT)."""
        if self.proc.poll() is not None:
            yield
            return
        os.kill(self.proc.pid, signal.SIGSTOP)
        try:
            yield
        finally:
            os.kill(self.proc.pid, signal.SIGCONT)  # still stopped, so not reaped: the pid is still its own


@pytest.mark.soak
async def test_tui_tags_survive_syncs_running_in_another_process(tmp_path, request):
    rounds = runs(request.config, reduced=2, full=50, own_env="FOLLOWTUI_SOAK_ROUNDS")
    data_dir = tmp_path / "data"
    world = World.generate(seed=51, owner=OWNER, followers=400, following=150)
    tally: Counter[str] = Counter()
    set_by_tui: dict[str, set[str]] = {}
    waits: list[float] = []
    started = time.monotonic()
    with SimulatorServer(world, rate_limit=10**9) as sim:
        store = Store(data_dir)
        account = await add_account(store, "github", OWNER, server=sim.url)
        await sync_tracked(store, account)
        sim.latency_ms = 20  # a sync of a few seconds: several tags go in while it runs
        real_annotate_many = store.annotate_many

        def recording(keys, change):  # type: ignore[no-untyped-def]
            changed = real_annotate_many(keys, change)  # returned: the write is acknowledged
            for key, annotation in changed.items():
                set_by_tui.setdefault(key, set()).update(annotation.tags)
            return changed

        store.annotate_many = recording  # type: ignore[method-assign]
        settings = Settings(config_dir=tmp_path / "config", preset_tags=("friend",))
        settings.config_dir.mkdir()
        app = FollowApp(store, settings)
        async with app.run_test(size=SIZE) as pilot:
            screen = await ready(pilot)
            for round_no in range(rounds):
                before = followers_now(world)
                next_day(world, OWNER, followers=400, following=150)
                followers = followers_now(world)
                tally["rounds with new followers"] += followers != before
                await type_tag(pilot, f"{round_no}.0", "j")  # the first tag is entered just after the sync starts
                # a reader (as `show` or a pane is) holds one version of the history open through the sync
                held = Store(data_dir).read()
                held_followers = held.snapshot(account.key).followers  # type: ignore[union-attr]
                other = await asyncio.to_thread(OtherProcess, data_dir, store)
                n = 0
                while True:  # tag while the other process fetches
                    if n:
                        await type_tag(pilot, f"{round_no}.{n}", "jk"[n % 3 == 2])
                    n += 1
                    # The other process is held still while the tag goes in, so each tag lands either before
                    # its commit or after it (the case that once hid the sync until the next one).
                    with other.held():
                        racing = other.committing()
                        await pilot.press("enter")
                    tally["tags entered at or after the commit" if racing else "tags entered during a sync"] += 1
                    assert isinstance(pilot.app.screen, MainScreen)
                    if racing or other.proc.poll() is not None:
                        break
                _, err = await asyncio.to_thread(other.proc.communicate)
                assert other.proc.returncode == 0, err.decode()  # the open read did not block its commit
                tally["syncs"] += 1
                assert held.snapshot(account.key).followers == held_followers, "a read sees one version"  # type: ignore[union-attr]
                held.close()
                assert Store(data_dir).snapshot(account.key).followers == followers  # type: ignore[union-attr]
                tally["syncs committed under an open read"] += 1
                finished = time.monotonic()
                while not shows(screen, followers):  # the UI polls the files and shows the new sync
                    assert time.monotonic() - finished < FILE_POLL_S + 5, (round_no, "the UI never showed the sync")
                    await pilot.pause(0.1)
                waits.append(time.monotonic() - finished)
                for name in (HISTORY, f"{HISTORY}.bak"):  # every file whole
                    if (data_dir / name).exists():
                        check_history(data_dir / name)
                for name in (ANNOTATIONS, f"{ANNOTATIONS}.bak"):
                    if (data_dir / name).exists():
                        load_json(data_dir / name)
            await pilot.press("q")
    assert set_by_tui, "no tag went in while a sync ran"
    stored = {doc["key"]: set(doc["tags"]) for doc in load_json(data_dir / ANNOTATIONS)["annotations"].values()}
    lost = {key: tags - stored.get(key, set()) for key, tags in set_by_tui.items() if tags - stored.get(key, set())}
    assert not lost, lost
    tally["tags checked"] = sum(len(tags) for tags in set_by_tui.values())
    assert tally["tags checked"] >= rounds
    report(request.config, f"concurrency: {dict(tally)} in {time.monotonic() - started:.0f} s; the UI showed "
           f"each new sync {min(waits):.1f}-{max(waits):.1f} s after it finished")  # fmt: skip


async def test_a_tag_made_right_after_another_process_syncs_hides_that_sync(tmp_path):
    data_dir = tmp_path / "data"
    world = World.generate(seed=52, owner=OWNER, followers=120, following=60)
    with SimulatorServer(world) as sim:
        store = Store(data_dir)
        account = await add_account(store, "github", OWNER, server=sim.url)
        await sync_tracked(store, account)
        settings = Settings(config_dir=tmp_path / "config", preset_tags=("friend",))
        settings.config_dir.mkdir()
        async with FollowApp(store, settings).run_test(size=SIZE) as pilot:
            screen = await ready(pilot)
            world.advance_days(1)
            followers = followers_now(world)
            assert not shows(screen, followers)
            # Both in one turn of the event loop (the poll cannot run between them): a cron sync commits,
            # then the user presses a preset tag key before the UI's next look at the files.
            synced = subprocess.run([sys.executable, "-m", "followtui", "--data-dir", str(data_dir), "sync"],
                                    capture_output=True, env={k: v for k, v in os.environ.items()
                                                              if not k.startswith("FOLLOWTUI_")})  # fmt: skip
            assert synced.returncode == 0, synced.stderr
            screen.action_preset(1)
            for _ in range(int((FILE_POLL_S + 1.5) / 0.1)):  # a poll has run by then
                await pilot.pause(0.1)
                if shows(screen, followers):
                    break
            assert shows(screen, followers), "the sync never showed up"
