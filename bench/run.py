"""Run every benchmark in one process, side by side, and print their figures (`make bench`)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_store  # noqa: E402
import bench_sync  # noqa: E402
import bench_tui_app  # noqa: E402
import bench_tui_list  # noqa: E402


def main() -> None:
    bench_sync.main(["--size", "20000", "--latency-ms", "30", "--repeat", "3"])
    bench_store.main(["--size", "100000", "--repeat", "3"])
    bench_tui_list.main([])
    bench_tui_app.main([])


if __name__ == "__main__":
    main()
