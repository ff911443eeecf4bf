"""Drive the real `followtui` CLI in a subprocess against the simulator, and compute what it should say
from the simulator's ground truth (independently of followtui's own diff code)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
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


def cli_in_process(data_dir: Path, *args: str) -> Any:
    """The `followtui` command run in this process (a click `Result`: exit_code, stdout, stderr, exception):
    the same command code as `run_cli`, without a Python start-up per call."""
    from typer.testing import CliRunner

    from followtui.cli import app

    return CliRunner().invoke(app, ["--data-dir", str(data_dir), *args])


def show(data_dir: Path, pane: str, account: str | None = None) -> dict[str, Any]:
    """`followtui show PANE --format json`, run in this process (the same command code, without paying a
    Python start-up per pane; the syncs themselves run in their own processes)."""
    from typer.testing import CliRunner

    from followtui.cli import app

    args = ["--data-dir", str(data_dir), "show", pane, "--format", "json"] + (["--account", account] if account else [])
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
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

    def expected_tricksters(self, gone: Callable[[int], bool] | None = None) -> dict[str, dict[str, Any]]:
        """Followers seen at some sync, absent now, still active; a one-sync absence is a glitch.

        `gone(world_id)` says which accounts the platform shows as gone beyond inactive ones (Mastodon: moved).
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
            if pid in present[last] or account is None or not account.active or (gone and gone(int(pid))):
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


@dataclass(frozen=True)
class PlatformCase:
    """One platform as the scenario tests see it: how the simulator names an account in that wire format."""

    platform: str

    def owner_handle(self, login: str) -> str:
        from followtui.simulator import handle_for

        return handle_for(login) if self.platform == "bluesky" else login

    def id_of(self, world_id: int | str) -> str:
        from followtui.simulator import did_for, mastodon_id_for

        if self.platform == "bluesky":
            return did_for(int(world_id))
        if self.platform == "mastodon":
            return mastodon_id_for(int(world_id))
        return str(world_id)

    def handle_of(self, sim: Any, world_id: int | str) -> str:
        """The handle followtui should show for a world account now (renames included)."""
        from followtui.simulator import handle_for

        account = sim.world.account(int(world_id))
        if self.platform == "bluesky":
            return handle_for(account.login)
        if self.platform == "mastodon":
            return sim.app.acct(account)
        return account.login

    def world_id(self, sim: Any, platform_id: str) -> int:
        """The world account behind one of this platform's stable ids."""
        if self.platform == "bluesky":
            return sim.app.account_by_did(platform_id).id
        if self.platform == "mastodon":
            from followtui.simulator.mastodon import world_id_from

            found = world_id_from(platform_id)
            assert found is not None, platform_id
            return found
        return int(platform_id)

    @property
    def secret(self) -> str:
        """A token (GitHub, Mastodon) or app password (Bluesky) the simulator will accept once granted."""
        return {"github": "ghp_simulated_secret_token_123", "bluesky": "abcd-efgh-ijkl-mnop"}.get(
            self.platform, "mastodon-simulated-secret-token-456"
        )

    @property
    def secret_env(self) -> dict[str, str]:
        return {f"FOLLOWTUI_{self.platform.upper()}_TOKEN": self.secret}

    def grant(self, world: World, login: str = "octocat", secret: str | None = None) -> None:
        """Make the simulator accept the secret for `login`."""
        if self.platform == "bluesky":
            world.add_app_password(login, secret or self.secret)
        else:
            world.add_token(secret or self.secret, login)

    def is_gone(self, sim: Any, world_id: int | str) -> bool:
        """Whether the platform shows this account as gone (Mastodon also counts a moved account)."""
        account = sim.world.account(int(world_id))
        if account is None or not account.active:
            return True
        return self.platform == "mastodon" and sim.app.moved(account) is not None

    def add(self, data_dir: Path, sim: Any, login: str = "octocat"):
        return run_cli(data_dir, "account", "add", self.platform, self.owner_handle(login), "--server", sim.url)


PLATFORM_CASES = [PlatformCase("github"), PlatformCase("bluesky"), PlatformCase("mastodon")]


def ids(doc: dict[str, Any]) -> set[str]:
    return {row["id"] for row in doc["rows"]}


def assert_matches_truth(data_dir: Path, truth: TruthLog, case: PlatformCase, sim: Any) -> None:
    """Every pane equals the simulator's truth: sets by stable id, handles as they are now, tricksters' times."""
    now = truth.current()
    followers = show(data_dir, "followers")
    assert ids(followers) == {case.id_of(r["id"]) for r in now["followers"]}
    assert {r["id"]: r["handle"] for r in followers["rows"]} == {
        case.id_of(r["id"]): case.handle_of(sim, r["id"]) for r in now["followers"]
    }
    following = show(data_dir, "following")
    assert ids(following) == {case.id_of(r["id"]) for r in now["following"]}
    assert ids(show(data_dir, "mutuals")) == ids(followers) & ids(following)
    assert ids(show(data_dir, "fans")) == ids(followers) - ids(following)
    assert ids(show(data_dir, "nonfollowers")) == ids(following) - ids(followers)
    tricksters = show(data_dir, "tricksters")
    expected_by_world = truth.expected_tricksters(lambda pid: case.is_gone(sim, pid))
    expected = {case.id_of(pid): row for pid, row in expected_by_world.items()}
    got = {
        row["id"]: {k: row[k] for k in ("times", "followed_at", "followed_back_at", "unfollowed_at")}
        for row in tricksters["rows"]
    }
    assert got == expected
    by_id = {case.id_of(pid): pid for pid in expected_by_world}
    for row in tricksters["rows"]:  # renamed tricksters show the new name
        assert row["handle"] == case.handle_of(sim, by_id[row["id"]])
