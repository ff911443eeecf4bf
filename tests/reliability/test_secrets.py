"""Tokens and app passwords never reach a file followtui writes, its output, an error, a traceback
(FOLLOWTUI_DEBUG=1) or the process title, on every platform, through the real CLI, failures included."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from followtui.simulator import SimulatorServer, World

from ..integration.harness import PLATFORM_CASES, PlatformCase, run_cli
from .counts import soaking
from .killing import open_files

pytestmark = pytest.mark.slow
by_platform = pytest.mark.parametrize("case", PLATFORM_CASES, ids=lambda c: c.platform)
SECRETS = {
    "github": "ghp_LeakSentinel0123456789abcdefABCDEFgh",
    "bluesky": "lk7q-zs2w-vp9r-tm4n",
    "mastodon": "mstdn-LeakSentinel-0123456789abcdefABCD",
}
WRONG = "wrong-LeakSentinel-9876-5432-zyxw"


class Traced:
    """Every command of one test, with its environment: a home, XDG dirs and a config dir of its own, so every
    file the app writes anywhere lands under tmp_path; all output is kept to be searched."""

    def __init__(self, tmp_path: Path, case: PlatformCase) -> None:
        self.root, self.case = tmp_path, case
        self.data = tmp_path / "data"
        home = tmp_path / "home"
        self.env = {
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_STATE_HOME": str(home / ".local" / "state"),
            "FOLLOWTUI_CONFIG_DIR": str(tmp_path / "config"),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        }
        (tmp_path / "config").mkdir()
        (tmp_path / "config" / "config.toml").write_text("[actions]\npacing_s = 0\n")
        self.output: list[str] = []

    def secret_env(self, secret: str) -> dict[str, str]:
        return {f"FOLLOWTUI_{self.case.platform.upper()}_TOKEN": secret}

    def cli(self, *args: str, secret: str, debug: bool = False) -> subprocess.CompletedProcess[str]:
        """The real CLI in a subprocess."""
        env = {**self.env, **self.secret_env(secret), **({"FOLLOWTUI_DEBUG": "1"} if debug else {})}
        result = run_cli(self.data, *args, env=env)
        self.output += [result.stdout, result.stderr]
        return result

    def here(self, *args: str, secret: str, debug: bool = False) -> Any:
        """The same command code in this process (no start-up to pay), for the many read-only commands."""
        from followtui.cli import app

        env = {**self.env, **self.secret_env(secret), "FOLLOWTUI_DEBUG": "1" if debug else ""}
        result = CliRunner().invoke(app, ["--data-dir", str(self.data), *args], env=env)
        self.output += [result.stdout, result.stderr]
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            self.output.append("".join(traceback.format_exception(result.exception)))
        return result

    def assert_nowhere(self, *secrets: str) -> None:
        files = [p for p in self.root.rglob("*") if p.is_file()]
        assert any(p.name == "history.sqlite3" for p in files)
        for secret in secrets:
            for path in files:
                assert secret.encode() not in path.read_bytes(), path
            for text in self.output:
                assert secret not in text, text[-2000:]


def process_title_while_syncing(traced: Traced, sim: SimulatorServer, secret: str) -> list[str]:
    """/proc/PID/cmdline and /proc/PID/comm of a `followtui sync --json` (FOLLOWTUI_DEBUG=1) caught in the middle
    of its requests; its output is kept to be searched too."""
    sim.latency_ms = 15
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWTUI_")}
    env.update(traced.env)
    env.update(traced.secret_env(secret))
    env["FOLLOWTUI_DEBUG"] = "1"
    proc = subprocess.Popen([sys.executable, "-m", "followtui", "--data-dir", str(traced.data), "sync", "--json"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    titles: list[str] = []
    try:
        deadline = time.monotonic() + 60
        while not any(f.startswith("socket:") for f in open_files(proc.pid)):
            assert time.monotonic() < deadline and proc.poll() is None, "the sync ended before its first request"
            time.sleep(0.01)
        for name in ("cmdline", "comm"):
            titles.append(Path(f"/proc/{proc.pid}/{name}").read_bytes().replace(b"\0", b" ").decode())
    finally:
        out, err = proc.communicate(timeout=120)
        sim.latency_ms = 0
    traced.output += [out, err]
    assert proc.returncode == 0, err
    return titles


@pytest.mark.soak
@by_platform
def test_a_secret_never_leaves_its_place(tmp_path, case: PlatformCase, request):
    """`make test` runs the read-only commands in this process; `make soak` runs every one as a subprocess."""
    secret = SECRETS[case.platform]
    world = World.generate(seed=71, owner="octocat", followers=60, following=30)
    case.grant(world, secret=secret)
    traced = Traced(tmp_path, case)
    run = traced.cli if soaking(request.config) else traced.here

    def ok(*args: str, secret: str = secret, debug: bool = False) -> None:
        result = run(*args, secret=secret, debug=debug)
        assert getattr(result, "returncode", getattr(result, "exit_code", None)) == 0, (args, traced.output[-3:])

    with SimulatorServer(world, platform=case.platform) as sim:
        ok("account", "add", case.platform, case.owner_handle("octocat"), "--server", sim.url)
        titles = process_title_while_syncing(traced, sim, secret)
        assert len(titles) == 2 and "followtui" in titles[0]
        traced.output += titles
        for pane in ("followers", "following", "mutuals", "fans", "nonfollowers", "tricksters"):
            ok("show", pane, "--format", "json")
        ok("show", "fans", "--format", "csv")
        ok("show", "followers")
        for args in (["history", "--format", "json"], ["account", "list", "--json"], ["policy", "show"]):
            ok(*args)
        fan, other = [r for r in _rows(traced, "fans", secret) if not r["private"]][:2]
        followed = traced.cli("follow", fan["handle"], "--json", secret=secret, debug=True)
        assert followed.returncode == 0, followed.stderr
        ok("undo", "--dry-run", "--json")
        ok("tag", fan["handle"], "checked")

        # failures: a wrong secret, plainly (sync reports each account's failure itself) and as a traceback
        plain = ["follow", other["handle"]] if case.platform == "bluesky" else ["sync"]  # Bluesky reads are public
        wrong = traced.cli(*plain, "--json", secret=WRONG)
        assert wrong.returncode == 4 and "Traceback" not in wrong.stderr, wrong.stderr
        run("follow", other["handle"], secret=WRONG, debug=True)
        assert "Traceback" in "".join(traced.output[-3:]), traced.output[-3:]
        if soaking(request.config):  # a failure with the right secret: the server is gone (retries take seconds)
            url = sim.url
            sim.stop()
            run("account", "add", case.platform, case.owner_handle("octocat"), "--server", url, secret=secret,
                debug=True)  # fmt: skip
            assert "Traceback" in "".join(traced.output[-3:]), traced.output[-3:]
        tokens = list(getattr(sim.app, "_tokens", {}))  # Bluesky's session tokens, once signed in
    assert len(tokens) >= (case.platform == "bluesky")
    traced.assert_nowhere(secret, WRONG, *tokens)
    assert not list(tmp_path.rglob("secrets.json")), "an environment variable is never copied to a file"


def _rows(traced: Traced, pane: str, secret: str) -> list[dict[str, Any]]:
    import json

    result = traced.here("show", pane, "--format", "json", secret=secret)
    assert result.exit_code == 0
    return json.loads(result.stdout)["rows"]
