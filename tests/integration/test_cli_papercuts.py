"""CLI papercuts: a closed pipe ends quietly with 0, an empty --data-dir is a usage error, and follow/unfollow of
an account already in that state says so and does nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from followtui.simulator import SimulatorServer, World

from .harness import PlatformCase, run_cli, show

pytestmark = pytest.mark.slow

FOLLOWTUI = Path(sys.executable).parent / "followtui"


@pytest.fixture(scope="module")
def synced(tmp_path_factory):
    """A GitHub account with enough followers that a CSV of them outgrows a pipe's buffer, its token granted."""
    data = tmp_path_factory.mktemp("papercuts")
    case = PlatformCase("github")
    world = World.generate(seed=5, owner="octocat", followers=1500, following=40)
    case.grant(world)
    (data / "config.toml").write_text("[actions]\npacing_s = 0\n")
    with SimulatorServer(world, platform="github") as sim:
        assert case.add(data, sim).returncode == 0
        assert run_cli(data, "sync", env=case.secret_env).returncode == 0
        yield data, case, world, sim


def test_a_reader_that_stops_early_ends_the_command_quietly_with_0(synced):
    data = synced[0]
    line = f"{FOLLOWTUI} --data-dir '{data}' show followers --format csv | head -1; echo \"status=${{PIPESTATUS[0]}}\""
    result = subprocess.run(["bash", "-c", line], capture_output=True, text=True, timeout=60)
    assert result.stdout.splitlines()[0].startswith("id,"), result.stdout
    assert result.stdout.splitlines()[-1] == "status=0", result.stdout + result.stderr
    assert result.stderr == ""


def test_a_pipe_closed_before_any_output(synced):
    proc = subprocess.Popen([str(FOLLOWTUI), "--data-dir", str(synced[0]), "show", "followers", "--format", "json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    assert proc.wait(timeout=60) == 0
    assert proc.stderr.read() == b""


@pytest.mark.parametrize("args", [["--data-dir", ""], ["--data-dir="], ["--data-dir", "  "]])
def test_an_empty_data_dir_is_a_usage_error(args):
    from typer.testing import CliRunner

    from followtui.cli import app

    result = CliRunner().invoke(app, [*args, "account", "list"])
    assert result.exit_code == 2 and "--data-dir needs a path" in result.stderr


def test_follow_and_unfollow_say_when_there_is_nothing_to_do(synced):
    data, case, world, _ = synced
    followed = show(data, "following")["rows"][0]
    fan = next(f for f in show(data, "fans")["rows"] if not f["private"])
    for args, words in [(["follow", f"github:{followed['handle']}"], "already following"),
                        (["unfollow", fan["handle"]], "not following"),
                        (["follow", "--dry-run", followed["handle"]], "already following")]:  # fmt: skip
        result = run_cli(data, *args, "--json", env=case.secret_env)
        assert result.returncode == 0, result.stderr
        [row] = json.loads(result.stdout)["results"]
        assert row["outcome"] == "skipped" and row["message"] == words, row
        assert words in result.stderr
    assert world.is_following("octocat", case.world_id(None, followed["id"]))
    assert not world.is_following("octocat", case.world_id(None, fan["id"]))
    undo = run_cli(data, "undo", env=case.secret_env)
    assert undo.returncode == 2 and "nothing to undo" in undo.stderr
