"""`account login` keeps the token or app password (every platform) out of the store and output; a secrets file
others could read or write is refused."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from followtui.simulator import SimulatorServer, World

from .harness import PLATFORM_CASES, PlatformCase, run_cli, show

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


#: A different unsafe mode for each platform: group-readable, world-readable, both.
UNSAFE = {"github": 0o644, "bluesky": 0o640, "mastodon": 0o604}


@pytest.mark.parametrize("case", PLATFORM_CASES, ids=lambda c: c.platform)
def test_login_then_follow_uses_the_saved_token_and_never_leaks_it(tmp_path, case: PlatformCase):
    secret = {"github": TOKEN, "bluesky": "lgn7-q2zw-v9pr-t4mn"}.get(case.platform, "mastodon_login_secret_789")
    world = World.generate(seed=61, owner="octocat", followers=30, following=10)
    case.grant(world, secret=secret)
    (tmp_path / "config.toml").parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / "config.toml").write_text("[actions]\npacing_s = 0\n")
    with SimulatorServer(world, platform=case.platform) as sim:
        assert case.add(tmp_path, sim).returncode == 0
        account = f"{case.platform}:{case.owner_handle('octocat')}"
        result = login(tmp_path, account, secret)
        assert result.returncode == 0, result.stdout
        assert secret not in result.stdout  # not echoed
        assert ("app password" if case.platform == "bluesky" else "token") in result.stdout
        secrets = tmp_path / "secrets.json"
        assert secrets.stat().st_mode & 0o777 == 0o600
        assert run_cli(tmp_path, "sync").returncode == 0
        fan = next(r for r in show(tmp_path, "fans")["rows"] if not r["private"])
        followed = run_cli(tmp_path, "follow", fan["handle"], "--json")
        assert followed.returncode == 0, followed.stderr
        assert world.is_following("octocat", case.world_id(sim, fan["id"]))
        assert secret not in followed.stdout + followed.stderr
        for path in tmp_path.rglob("*"):
            if path.is_file() and path != secrets:
                assert secret.encode() not in path.read_bytes(), path

        secrets.chmod(UNSAFE[case.platform])
        refused = run_cli(tmp_path, "unfollow", fan["handle"])
        assert refused.returncode == 4 and "chmod 600" in refused.stderr and secret not in refused.stderr
        assert world.is_following("octocat", case.world_id(sim, fan["id"]))


@pytest.mark.parametrize("bits", [0o040, 0o020, 0o010, 0o004, 0o002, 0o001], ids=oct)
def test_a_secrets_file_any_other_user_can_touch_is_refused(tmp_path, bits):
    from followtui.core.errors import SecretsFileError
    from followtui.core.secrets import save_secret, token_for
    from followtui.models import TrackedAccount

    account = TrackedAccount(platform="github", handle="octocat", id="1")
    save_secret(account, TOKEN, tmp_path)
    assert (tmp_path / "secrets.json").stat().st_mode & 0o777 == 0o600
    assert token_for(account, tmp_path) == TOKEN
    (tmp_path / "secrets.json").chmod(0o600 | bits)
    with pytest.raises(SecretsFileError, match="chmod 600") as info:
        token_for(account, tmp_path)
    assert TOKEN not in str(info.value)
