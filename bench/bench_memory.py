"""Memory: the peak resident size of a `followtui sync` of a 100k-follower / 100k-following account (the real
command in its own process, against the simulator in another), and of the terminal UI holding that account
with every pane built.

Run: python bench/bench_memory.py [--size 100000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from bench_sync import simulator

#: Linux keeps a process's ru_maxrss across fork and exec, so a child of this (large) process would report our
#: peak; VmHWM belongs to the child's own address space. Each probe prints it as its last line.
HWM = """
def peak_kib():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
"""

#: `followtui ARGS...` in this process, then "peak_kib bytes_written" (VmHWM, and /proc's wchar) on stderr.
CLI_PROBE = HWM + textwrap.dedent(
    """
    import runpy, sys
    def wchar():
        for line in open("/proc/self/io"):
            if line.startswith("wchar:"):
                return int(line.split()[1])
    sys.argv = ["followtui", *sys.argv[1:]]
    try:
        runpy.run_module("followtui", run_name="__main__", alter_sys=True)
    except SystemExit as done:
        if done.code:
            raise
    finally:
        sys.stdout.flush()
        print(peak_kib(), wchar(), file=sys.stderr)
    """
)

#: Opens the UI headless on a data dir, waits until every pane is built, prints its peak RSS in KiB.
TUI_PROBE = HWM + textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from followtui.core.config import Settings
    from followtui.core.store import Store
    from followtui.tui.app import FollowApp
    from followtui.tui.screens.main import MainScreen

    async def main():
        app = FollowApp(Store(Path(sys.argv[1])), Settings(config_dir=Path(sys.argv[2])))
        async with app.run_test(size=(120, 40)) as pilot:
            while not (isinstance(app.screen, MainScreen) and app.screen.screen_data is not None):
                await asyncio.sleep(0.05)
            data = app.screen.screen_data
            while len(data._rows) < len(data.panes):
                await asyncio.sleep(0.05)
            await pilot.pause()
        print(peak_kib())

    asyncio.run(main())
    """
)


def peak_kib(args: list[str], env: dict[str, str] | None = None) -> int:
    """Run `followtui ARGS` to its end and return its own peak resident size (VmHWM)."""
    done = subprocess.run([sys.executable, "-c", CLI_PROBE, *args], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{args[2:4]} failed: {done.stderr[-500:]}")
    return int(done.stderr.strip().splitlines()[-1].split()[0])


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=100_000)
    args = parser.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWTUI_")}
    cli = [sys.executable, "-m", "followtui"]
    with tempfile.TemporaryDirectory() as tmp, simulator("github", args.size, 0) as url:
        data, config = Path(tmp) / "data", Path(tmp) / "config"
        config.mkdir()
        subprocess.run([*cli, "--data-dir", str(data), "account", "add", "github", "octocat", "--server", url],
                       check=True, capture_output=True, env=env)  # fmt: skip
        sync_kib = peak_kib(["--data-dir", str(data), "sync", "--hydrate", "0"], env)
        resync_kib = peak_kib(["--data-dir", str(data), "sync", "--hydrate", "0"], env)
        done = subprocess.run([sys.executable, "-c", TUI_PROBE, str(data), str(config)], capture_output=True,
                              text=True, check=True, env=env)  # fmt: skip
        tui_kib = int(done.stdout.strip().splitlines()[-1])
    n = f"{args.size:,}+{args.size:,}"
    print(
        f"memory: peak RSS of a first sync of {n} accounts {sync_kib / 1024:.0f} MiB, of a resync "
        f"{resync_kib / 1024:.0f} MiB; the UI with every pane of that account built {tui_kib / 1024:.0f} MiB"
    )
    return {"sync_mib": sync_kib / 1024, "resync_mib": resync_kib / 1024, "tui_mib": tui_kib / 1024}


if __name__ == "__main__":
    main()
