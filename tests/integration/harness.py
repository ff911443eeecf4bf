"""Drive the real `followtui` CLI in a subprocess against the simulator, and compute what it should say
from the simulator's ground truth (independently of followtui's own diff code)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from followtui.simulator import World


def run_cli(data_dir: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 120):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWTUI_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "followtui", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
    )


def show(data_dir: Path, pane: str, account: str | None = None) -> dict[str, Any]:
    args = ["show", pane, "--format", "json"] + (["--account", account] if account else [])
    result = run_cli(data_dir, *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@dataclass
class TruthLog:
    """The simulator's truth at every sync that followtui recorded."""

    world: World
    owner: str
    observations: list[dict[str, Any]] = field(default_factory=list)

    def observe(self) -> dict[str, Any]:
        truth = self.world.truth(self.owner)
        self.observations.append(truth)
        return truth

    def current(self) -> dict[str, Any]:
        return self.observations[-1]

    def expected_tricksters(self) -> dict[str, dict[str, Any]]:
        """Followers seen at some sync, absent now, still active; a one-sync absence is a glitch.

        Returns id -> {"times", "followed_at", "followed_back_at", "unfollowed_at"} by sync times.
        """
        times = [obs["now"] for obs in self.observations]
        present = [{str(r["id"]) for r in obs["followers"]} for obs in self.observations]
        following = [{str(r["id"]) for r in obs["following"]} for obs in self.observations]
        everyone = set().union(*present)
        out: dict[str, dict[str, Any]] = {}
        last = len(times) - 1
        for pid in everyone:
            account = self.world.account(int(pid))
            if pid in present[last] or account is None or not account.active:
                continue
            runs: list[list[int]] = []  # [start index, end index exclusive]
            i = 0
            while i <= last:
                if pid in present[i]:
                    start = i
                    while i <= last and pid in present[i]:
                        i += 1
                    if runs and start - runs[-1][1] == 1:  # away for exactly one sync: a glitch
                        runs[-1][1] = i
                    else:
                        runs.append([start, i])
                else:
                    i += 1
            start, end = runs[-1]
            followed_at = None if start == 0 else times[start]
            backs = [
                k for k in range(max(start, 1), end + 1)
                if pid in following[k] and pid not in following[k - 1]
            ]  # fmt: skip
            out[pid] = {
                "times": len(runs),
                "followed_at": followed_at,
                "followed_back_at": times[backs[-1]] if backs and times[backs[-1]] < times[end] else None,
                "unfollowed_at": times[end],
            }
        return out
