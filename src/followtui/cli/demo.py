"""`followtui demo`: the whole product on the built-in simulated network, offline.

It never touches real data: a throwaway data dir unless --data-dir is given on the command line itself
(FOLLOWTUI_DATA_DIR is ignored on purpose), and an explicit one must not already track accounts.
"""

from __future__ import annotations

import asyncio
import tempfile
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
) -> None:
    """Build a simulated account with days of history, sync it for real over loopback, and show it."""
    explicit = STATE.data_dir_option
    with tempfile.TemporaryDirectory(prefix="followtui-demo-") as scratch:
        data_dir = Path(explicit).expanduser() if explicit else Path(scratch)
        asyncio.run(_build(data_dir, followers, following or followers * 2 // 3, days, seed))
        _show(data_dir)
        if explicit:
            message(f"\nThe demo data stays in {data_dir}; look around with: followtui --data-dir {data_dir} show fans")


async def _build(data_dir: Path, followers: int, following: int, days: int, seed: int) -> None:
    from followtui.core.connect import add_account, sync_tracked
    from followtui.core.store import Store
    from followtui.simulator import SimulatorServer, World

    store = Store(data_dir)
    if store.accounts():
        raise UsageError(f"{data_dir} already tracks accounts; the demo needs an empty data dir")
    message(f"building a simulated network: octocat with {followers:,} followers, {following:,} following")
    world = World.generate(seed=seed, owner="octocat", followers=followers, following=following)
    with SimulatorServer(world, platform="github") as sim:
        account = await add_account(store, "github", "octocat", server=sim.url)
        await sync_tracked(store, account)
        for day in range(1, days + 1):
            world.advance_days(1)
            report = await sync_tracked(store, account)
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
