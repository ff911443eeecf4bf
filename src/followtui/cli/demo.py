"""`followtui demo`: the whole product on the built-in simulated network, offline.

The simulator runs as its own process on loopback (as a real server would, so it does not compete with the
app for the interpreter), and days pass through its control endpoint. The demo never touches real data: a
throwaway data dir unless --data-dir is given on the command line itself (FOLLOWTUI_DATA_DIR is ignored on
purpose), and an explicit one must not already track accounts.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import typer

from followtui.cli.context import STATE, handle_errors
from followtui.cli.output import message
from followtui.core.exit_codes import UsageError


@handle_errors
def demo(
    followers: int = typer.Option(300, "--followers", min=10, max=200_000, help="size of the demo account"),
    following: int = typer.Option(None, "--following", min=10, max=200_000, help="default: 2/3 of followers"),
    days: int = typer.Option(6, "--days", min=1, max=60, help="simulated days of history to build"),
    seed: int = typer.Option(7, "--seed", help="the simulated network's seed"),
    headless: bool = typer.Option(False, "--headless", help="print a summary instead of opening the UI"),
    theme: str = typer.Option(None, "--theme", help="colour theme for the terminal UI"),
) -> None:
    """The terminal UI on a simulated network with days of history, synced for real over loopback; offline.

    Sync (r) in the UI lets one more simulated day pass first.
    """
    explicit = STATE.data_dir_option
    following = following or followers * 2 // 3
    with tempfile.TemporaryDirectory(prefix="followtui-demo-") as scratch:
        data_dir = Path(explicit).expanduser() if explicit else Path(scratch)
        _require_empty(data_dir)
        message(f"building a simulated network: octocat with {followers:,} followers, {following:,} following")
        with simulator(seed, followers, following) as url:
            asyncio.run(_build(data_dir, url, days))
            if headless:
                _show(data_dir)
            else:
                from followtui.cli.tui import open_tui

                open_tui(data_dir, explicit=bool(explicit), theme=theme or STATE.theme,
                         before_sync=lambda: advance_day(url), title="demo: simulated network")  # fmt: skip
        if explicit:
            message(f"The demo data stays in {data_dir}; look around with: followtui --data-dir {data_dir}")


@contextlib.contextmanager
def simulator(seed: int, followers: int, following: int) -> Iterator[str]:
    """`python -m followtui.simulator` in its own process; yields its URL and stops it afterwards."""
    command = [sys.executable, "-m", "followtui.simulator", "--port", "0", "--seed", str(seed),
               "--owner", "octocat", "--followers", str(followers), "--following", str(following),
               "--rate-limit", "0"]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith("http"):
            raise UsageError("the simulated network did not start")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def advance_day(url: str) -> None:
    import httpx

    httpx.post(f"{url}/_sim/advance", json={"days": 1}, timeout=120).raise_for_status()


def _require_empty(data_dir: Path) -> None:
    from followtui.core.store import Store

    if Store(data_dir).accounts():
        raise UsageError(f"{data_dir} already tracks accounts; the demo needs an empty data dir")


async def _build(data_dir: Path, url: str, days: int) -> None:
    from followtui.core.connect import add_account, sync_tracked
    from followtui.core.store import Store
    from followtui.core.sync import SyncOptions

    store = Store(data_dir)
    account = await add_account(store, "github", "octocat", server=url)
    options = SyncOptions(hydrate_budget=300)
    await sync_tracked(store, account, options)
    for day in range(1, days + 1):
        await asyncio.to_thread(advance_day, url)
        report = await sync_tracked(store, account, options)
        message(
            f"day {day}: +{report.gained} -{report.lost} followers ({report.gone} gone), "
            f"+{report.added} -{report.removed} following"
        )


def _show(data_dir: Path) -> None:
    from followtui.cli.output import to_table
    from followtui.core.analysis import PANE_TITLES, AccountData
    from followtui.core.codec import iso
    from followtui.core.store import Store

    store = Store(data_dir)
    data = AccountData.load(store, store.accounts()[0])
    counts = {title: len(data.pane(pane)) for pane, title in PANE_TITLES.items() if pane != "tricksters"}
    tricksters = data.tricksters()
    counts["Tricksters"] = len(tricksters)
    print(f"\n{data.account.label}: " + ", ".join(f"{title} {n:,}" for title, n in counts.items()))
    rows = [
        {
            "handle": t.profile.handle,
            "times": t.times,
            "followed": iso(t.followed_at) or "before first sync",
            "followed back": iso(t.followed_back_at) or "-",
            "unfollowed": iso(t.unfollowed_at),
        }
        for t in tricksters[:10]
    ]
    if rows:
        print("\nTricksters (followed, then unfollowed):")
        print(to_table(rows, list(rows[0])), end="")
    days = [{k: getattr(d, k) for k in ("day", "gained", "lost", "gone", "followers")} for d in data.history()]
    print("\nHistory:")
    print(to_table(days, ["day", "gained", "lost", "gone", "followers"]), end="")
