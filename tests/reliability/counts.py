"""How many runs a campaign makes (a reduced count under `make test`, the full count under `make soak`), and
its tallies on the terminal.

The same test does both. A campaign's own variable (e.g. `FOLLOWTUI_SOAK_KILLS`) sets its count outright,
then `FOLLOWTUI_SOAK_RUNS` does (for every campaign, as in test_fault_campaign.py); else the full count is used
when the run selects soak tests (`make soak` runs `-m soak`) and the reduced one otherwise.
"""

from __future__ import annotations

import os

import pytest

SOAK_ENV = "FOLLOWTUI_SOAK_RUNS"


def soaking(config: pytest.Config) -> bool:
    expression = str(config.getoption("markexpr", "") or "")
    return "soak" in expression and "not soak" not in expression


def runs(config: pytest.Config, *, reduced: int, full: int, own_env: str = "") -> int:
    for name in (own_env, SOAK_ENV):
        told = os.environ.get(name, "").strip() if name else ""
        if told:
            return int(told)
    return full if soaking(config) else reduced


def report(config: pytest.Config, text: str) -> None:
    """Print a campaign's tallies on the terminal even while output is captured (they go in docs/reliability.md)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None:
        print(text)
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line("")
        reporter.write_line(text)
