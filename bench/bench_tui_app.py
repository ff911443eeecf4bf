"""The whole app, not just the list: from start to the first paint (the screen, tabs and keys live), to the
first painted rows (store read, the first pane's rows built, render), and the latency of filter keystrokes
typed through Pilot, for an account with 1k vs 100k followers.

Run: python bench/bench_tui_app.py [--sizes 1000 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_store import ACCOUNT, commit, make_profiles

from followtui.core.config import Settings
from followtui.core.store import Store
from followtui.tui.app import FollowApp
from followtui.tui.screens.main import MainScreen
from followtui.tui.widgets.account_table import AccountTable


def make_store(root: Path, size: int) -> Store:
    store = Store(root / f"data-{size}")
    store.ensure()
    store.add_account(ACCOUNT)
    profiles, followers, following = make_profiles(size, size * 2 // 3)
    commit(store, profiles, followers, following)
    return store


async def measure(store: Store, config: Path) -> tuple[float, float, list[float]]:
    """(start to first paint, start to first painted rows, filter keystroke times)."""
    app = FollowApp(store, Settings(config_dir=config), theme="followtui-dark")
    painted: list[float] = []
    render_row = AccountTable._render_row

    def first_row_drawn(table, *args, **kwargs):  # type: ignore[no-untyped-def]
        """The first account row drawn: the frame being composed holds rows (timed here, not after a pause,
        which would also wait for the other panes being built in the background)."""
        if not painted:
            painted.append(time.perf_counter())
        return render_row(table, *args, **kwargs)

    AccountTable._render_row = first_row_drawn  # type: ignore[method-assign]
    start = time.perf_counter()
    first_paint = 0.0
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            while True:
                await asyncio.sleep(0.002)
                screen = app.screen
                if not first_paint and isinstance(screen, MainScreen) and screen.is_mounted:
                    await pilot.pause()  # the screen, tabs and status line are on the terminal; rows may still load
                    first_paint = time.perf_counter() - start
                if painted:
                    break
            first_rows = painted[0] - start
            keystrokes = await filter_keys(app, pilot)
    finally:
        AccountTable._render_row = render_row  # type: ignore[method-assign]
    return first_paint, first_rows, keystrokes


async def filter_keys(app: FollowApp, pilot) -> list[float]:  # type: ignore[no-untyped-def]
    """Seconds each key of a filter takes, once every pane is built."""
    # Pilot waits for the whole process to be idle after each key, so keys pressed while the other panes are
    # still being built in the background would time that build, not the keystroke: wait for it first.
    screen = app.screen
    assert isinstance(screen, MainScreen) and screen.screen_data is not None
    data = screen.screen_data
    table = screen.query_one(AccountTable)
    while len(data._rows) < len(data.panes) or table.holds_window:
        await asyncio.sleep(0.05)
    await pilot.press("slash")
    keystrokes = []
    for ch in "user12":
        t0 = time.perf_counter()
        await pilot.press(ch)
        keystrokes.append(time.perf_counter() - t0)
    assert table.row_count > 0
    return keystrokes


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs=2, default=[1_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        config = root / "config"
        config.mkdir()
        results = {}
        for size in args.sizes:
            store = make_store(root, size)
            runs = [asyncio.run(measure(store, config)) for _ in range(args.repeat)]
            paint = statistics.median(r[0] for r in runs)
            rows = statistics.median(r[1] for r in runs)
            keys = statistics.median(k for r in runs for k in r[2])
            results[size] = (paint, rows, keys)
        (small, large) = args.sizes
        names = ("start to first paint", "start to first painted rows", "filter keystroke (median)")
        for i, label in enumerate(names):
            a, b = results[small][i] * 1000, results[large][i] * 1000
            print(
                f"tui app: {label}: {small:,} followers {a:.0f} ms, {large:,} followers {b:.0f} ms; ratio {b / a:.2f}x"
            )
            out[f"{label}_small_ms"], out[f"{label}_large_ms"] = a, b
    return out


if __name__ == "__main__":
    main()
