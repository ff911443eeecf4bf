"""`account login` keeps the token out of the store and output; an unsafe secrets file is refused."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from followtui.simulator import SimulatorServer, World

from .harness import run_cli, show

pytestmark = pytest.mark.slow
TOKEN = "ghp_login_secret_456"


def login(data_dir, account: str, secret: str) -> subprocess.CompletedProcess[str]:
    """getpass reads from the controlling terminal; a pseudo-terminal stands in for the user."""
    import pty

    pid, fd = pty.fork()
    if pid == 0:  # child
        env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWTUI_")}
        env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
        os.execve(sys.executable, [sys.executable, "-m", "followtui", "--data-dir", str(data_dir), "account",
                                   "login", account], env)  # fmt: skip
    output = b""
    sent = False
    while True:
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
        if not sent and b"not shown" in output:
            os.write(fd, secret.encode() + b"\n")
            sent = True
    _, status = os.waitpid(pid, 0)
    return subprocess.CompletedProcess([], os.waitstatus_to_exitcode(status), output.decode(errors="replace"), "")


def test_login_then_follow_uses_the_saved_token_and_never_leaks_it(tmp_path):
    world = World.generate(seed=61, owner="octocat", followers=30, following=10)
    world.add_token(TOKEN, "octocat")
    (tmp_path / "config.toml").parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / "config.toml").write_text("[actions]\npacing_s = 0\n")
    with SimulatorServer(world) as sim:
        assert run_cli(tmp_path, "account", "add", "github", "octocat", "--server", sim.url).returncode == 0
        result = login(tmp_path, "github:octocat", TOKEN)
        assert result.returncode == 0, result.stdout
        assert TOKEN not in result.stdout  # not echoed
        secrets = tmp_path / "secrets.json"
        assert secrets.stat().st_mode & 0o777 == 0o600
        assert run_cli(tmp_path, "sync").returncode == 0
        fan = show(tmp_path, "fans")["rows"][0]
        followed = run_cli(tmp_path, "follow", fan["handle"], "--json")
        assert followed.returncode == 0, followed.stderr
        assert world.is_following("octocat", int(fan["id"]))
        for path in tmp_path.rglob("*"):
            if path.is_file() and path != secrets:
                assert TOKEN.encode() not in path.read_bytes(), path

        secrets.chmod(0o644)
        refused = run_cli(tmp_path, "follow", fan["handle"])
        assert refused.returncode == 4 and "chmod 600" in refused.stderr and TOKEN not in refused.stderr
