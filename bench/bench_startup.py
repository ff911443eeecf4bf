"""Start-up: `followtui --help` against the `--help` of a minimal two-command Typer app, run side by side,
and proof that neither the help nor a sync's start imports Textual (or the help httpx).

Run: python bench/bench_startup.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

MINIMAL_APP = textwrap.dedent(
    """
    import typer

    app = typer.Typer()

    @app.command()
    def first(name: str = "") -> None:
        "The first command."

    @app.command()
    def second(count: int = 0) -> None:
        "The second command."

    app()
    """
)
#: Runs the real entry point with `--help`, then says which heavy modules it pulled in.
IMPORTS_PROBE = textwrap.dedent(
    """
    import sys
    from followtui.cli import main
    sys.argv = ["followtui", *sys.argv[1:]]
    try:
        main()
    except SystemExit:
        pass
    print("IMPORTED", *sorted(m for m in ("textual", "httpx", "rich.console") if m in sys.modules), file=sys.stderr)
    """
)


def run_once(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def imported(*args: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", IMPORTS_PROBE, *args], capture_output=True, text=True, check=False)
    line = next((ln for ln in done.stderr.splitlines() if ln.startswith("IMPORTED")), "IMPORTED")
    return line.split()[1:]


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        minimal = Path(tmp) / "minimal.py"
        minimal.write_text(MINIMAL_APP)
        ours_cmd = [sys.executable, "-m", "followtui", "--help"]
        theirs_cmd = [sys.executable, str(minimal), "--help"]
        run_once(ours_cmd), run_once(theirs_cmd)  # warm the file cache for both
        ours, theirs = [], []
        for _ in range(args.repeat):  # interleaved, so a noisy moment hits both
            ours.append(run_once(ours_cmd))
            theirs.append(run_once(theirs_cmd))
    o, t = statistics.median(ours), statistics.median(theirs)
    help_modules = imported("--help")
    sync_modules = imported("sync", "--help")
    print(f"startup: followtui --help {o * 1000:.0f} ms, minimal Typer app --help {t * 1000:.0f} ms; "
          f"ratio {o / t:.2f}x (target <= 1.3x)")  # fmt: skip
    print(f"startup: heavy modules imported by --help: {', '.join(help_modules) or 'none'}; "
          f"by sync --help: {', '.join(sync_modules) or 'none'}")  # fmt: skip
    return {"ours_ms": o * 1000, "typer_ms": t * 1000, "ratio": o / t, "help_imports": help_modules,
            "sync_imports": sync_modules}  # fmt: skip


if __name__ == "__main__":
    main()
