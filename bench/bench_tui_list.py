"""TUI list benchmark: the account list at a small and a large size, side by side in one run.

For each size it measures, in a headless `App.run_test(size=(120, 40))`:
- first paint: from `run_test` start to the table having drawn its visible rows (rows are built beforehand);
- filter keystroke: `set_filter` plus the repaint of the visible lines, typing a real handle one character
  at a time and then deleting it (deleting widens the filter: a full scan each time); median and worst;
- filter compute alone (no repaint), and sort by a number column and by name (sort + repaint).

Run: python bench/bench_tui_list.py [--sizes 1000 100000] [--repeat 3] [--gc-freeze]. Targets: first paint
and keystroke ratio large/small <= 2x, keystroke under 50 ms at 100k.

The worst keystroke at 100k is a full (generation 2) garbage collection over the ~1.5M objects the rows hold,
not the list: ~150-200 ms whenever it happens to fall there. `--gc-freeze` calls `gc.freeze()` once the rows
are built, as an app can after loading a big list, to show the figure without it.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from textual.app import App, ComposeResult
from textual.strip import Strip

from followtui.models import Annotation, Profile
from followtui.tui.rows import AccountRow
from followtui.tui.widgets.account_table import AccountTable

NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)
SIZE = (120, 40)
SYLLABLES = ["ka", "ri", "mo", "lin", "dev", "ux", "tor", "an", "el", "zy", "be", "sol", "mar", "quin", "dra", "io"]
FIRST = ["Anna", "Ben", "Chloé", "Dmitri", "Eve", "Farah", "Gus", "Hana", "Ivo", "Jules", "Kofi", "Lena", "Mateo"]
LAST = ["Smith", "García", "Nguyen", "Okafor", "Kowalski", "Svensson", "Haddad", "Rossi", "Tanaka", "Müller"]
EXOTIC = ["山田太郎", "김민준", "محمد علي", "שרה כהן", "Zoë 🌿", "🚀 builds things", "Ψ Kostas", "Ἀθηνᾶ"]
TAGS = ["friend", "work", "rust", "python", "photo", "climbing", "spam?", "bot", "local", "conf-2025"]


def make_rows(n: int, seed: int = 7) -> list[AccountRow]:
    """Accounts with realistic lengths: handles 4-24 chars, names with some CJK/RTL/emoji, 0-3 tags, gaps."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        handle = "".join(rnd.choice(SYLLABLES) for _ in range(rnd.randint(2, 6)))
        handle = f"{handle}{rnd.randint(0, 9999)}" if rnd.random() < 0.5 else handle
        handle = handle[:24]
        roll = rnd.random()
        if roll < 0.1:
            name = rnd.choice(EXOTIC)
        elif roll < 0.15:
            name = ""
        else:
            name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
        known = rnd.random() > 0.1
        profile = Profile(
            id=str(10_000_000 + i), handle=handle, display_name=name,
            followers_count=int(rnd.lognormvariate(5, 2)) if known else None,
            following_count=int(rnd.lognormvariate(5, 1.2)) if known else None,
            posts_count=rnd.randint(0, 20_000) if known else None,
            last_active_at=NOW - timedelta(days=rnd.randint(0, 900)) if known else None,
        )  # fmt: skip
        tags = tuple(rnd.sample(TAGS, rnd.choice([0, 0, 0, 1, 1, 2, 3])))
        out.append(AccountRow.build(profile, Annotation(key=f"github:{profile.id}", tags=tags, keep=i % 50 == 0)))
    return out


class TimedTable(AccountTable):
    """Records when body lines are drawn, so that a measure can end at the paint and not at an idle poll."""

    def __init__(self) -> None:
        super().__init__(id="accounts")
        self.first_paint: float | None = None
        self.last_paint = 0.0

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        if y > 0:
            now = time.perf_counter()
            self.last_paint = now
            if self.first_paint is None and self.row_count:
                self.first_paint = now
        return strip


class ListApp(App[None]):
    def __init__(self, rows: Sequence[AccountRow]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        table = TimedTable()
        table.set_rows(self.rows)
        yield table


async def _repainted(pilot, table: TimedTable, since: float) -> float:  # type: ignore[no-untyped-def]
    """Seconds from `since` to the end of the repaint that followed it."""
    while table.last_paint < since:
        await pilot.pause()
    return table.last_paint - since


async def measure(rows: Sequence[AccountRow], repeat: int) -> dict[str, float]:
    paints: list[float] = []
    keys: list[float] = []
    compute: list[float] = []
    sort_number: list[float] = []
    sort_name: list[float] = []
    needle = rows[len(rows) // 3].handle
    for _ in range(repeat):
        start = time.perf_counter()
        app = ListApp(rows)
        async with app.run_test(size=SIZE) as pilot:
            table = app.query_one(TimedTable)
            while table.first_paint is None:
                await pilot.pause()
            paints.append(table.first_paint - start)
            typed = [needle[:i] for i in range(1, len(needle) + 1)]
            for text in typed + typed[-2::-1] + [""]:
                since = time.perf_counter()
                table.set_filter(text)
                compute.append(time.perf_counter() - since)
                keys.append(await _repainted(pilot, table, since))
            for key, out in (("followers", sort_number), ("name", sort_name)):
                since = time.perf_counter()
                table.sort_by(key)
                out.append(await _repainted(pilot, table, since))
    ms = 1000.0
    return {
        "first_paint_ms": statistics.median(paints) * ms,
        "keystroke_ms": statistics.median(keys) * ms,
        "keystroke_max_ms": max(keys) * ms,
        "filter_compute_ms": statistics.median(compute) * ms,
        "sort_followers_ms": statistics.median(sort_number) * ms,
        "sort_name_ms": statistics.median(sort_name) * ms,
    }


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs=2, default=[1_000, 100_000], metavar=("SMALL", "LARGE"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--gc-freeze", action="store_true", help="gc.freeze() after building the rows")
    args = parser.parse_args(argv)
    small_n, large_n = args.sizes

    def run(n: int, repeat: int) -> dict[str, float]:
        rows = make_rows(n)
        if args.gc_freeze:
            gc.collect()
            gc.freeze()
        try:
            return asyncio.run(measure(rows, repeat))
        finally:
            gc.unfreeze()

    run(200, 1)  # warm-up: imports, CSS parsing, first-use caches
    small = run(small_n, args.repeat)
    large = run(large_n, args.repeat)
    labels = {
        "first_paint_ms": "first paint",
        "keystroke_ms": "filter keystroke (median)",
        "keystroke_max_ms": "filter keystroke (worst)",
        "filter_compute_ms": "filter compute only",
        "sort_followers_ms": "sort by followers",
        "sort_name_ms": "sort by name",
    }
    result: dict[str, float] = {}
    for key, label in labels.items():
        ratio = large[key] / small[key] if small[key] else float("inf")
        print(f"tui list: {label}: {small_n:,} rows {small[key]:.1f} ms; {large_n:,} rows {large[key]:.1f} ms; "
              f"ratio {ratio:.2f}x")  # fmt: skip
        result[f"{key}_small"], result[f"{key}_large"], result[f"{key}_ratio"] = small[key], large[key], ratio
    ok = result["first_paint_ms_ratio"] <= 2 and result["keystroke_ms_ratio"] <= 2 and result["keystroke_ms_large"] < 50
    print(f"tui list: targets (first paint and keystroke ratio <= 2x, keystroke < 50 ms): {'met' if ok else 'MISSED'}")
    return result


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
