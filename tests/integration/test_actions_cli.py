"""follow / unfollow / undo through the real CLI against the simulator, with every safety rail."""

from __future__ import annotations

import json

import pytest

from followtui.simulator import SimulatorServer, World

from .harness import run_cli, show

pytestmark = pytest.mark.slow
TOKEN = "ghp_simulated_secret_token_123"
ENV = {"FOLLOWTUI_GITHUB_TOKEN": TOKEN}


def configure(data_dir, **actions):
    lines = ["[actions]", *(f"{k} = {v}" for k, v in actions.items())]
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "config.toml").write_text("\n".join(lines) + "\n")


def act(data_dir, *args):
    result = run_cli(data_dir, *args, "--json", env=ENV)
    return result, (json.loads(result.stdout)["results"] if result.stdout.strip() else [])


@pytest.fixture
def synced(tmp_path):
    world = World.generate(seed=41, owner="octocat", followers=60, following=30)
    world.add_token(TOKEN, "octocat")
    configure(tmp_path, pacing_s=0, daily_cap=50)
    with SimulatorServer(world) as sim:
        assert run_cli(tmp_path, "account", "add", "github", "octocat", "--server", sim.url).returncode == 0
        assert run_cli(tmp_path, "sync", env=ENV).returncode == 0
        yield world, tmp_path


def test_follow_back_is_recorded_at_once_and_feeds_the_trickster_timeline(synced):
    world, data = synced
    fans = show(data, "fans")["rows"][:3]
    result, rows = act(data, "follow", *[f["handle"] for f in fans])
    assert result.returncode == 0, result.stderr
    assert [r["outcome"] for r in rows] == ["done"] * 3
    for fan in fans:
        assert world.is_following("octocat", int(fan["id"]))
    mutual_ids = {r["id"] for r in show(data, "mutuals")["rows"]}
    assert {f["id"] for f in fans} <= mutual_ids  # at once, before any sync
    followed_back_at = rows[0]["at"]

    world.unfollow(int(fans[0]["id"]), "octocat")  # the trick
    world.advance_days(1)
    assert run_cli(data, "sync", env=ENV).returncode == 0
    [trickster] = [t for t in show(data, "tricksters")["rows"] if t["id"] == fans[0]["id"]]
    assert trickster["followed_back_at"] == followed_back_at


def test_keep_list_protects_against_bulk_unfollow_and_undo_reverses(synced):
    world, data = synced
    nonfollowers = show(data, "nonfollowers")["rows"][:3]
    kept = nonfollowers[1]
    assert run_cli(data, "keep", f"github:{kept['id']}").returncode == 0
    result, rows = act(data, "unfollow", *[n["handle"] for n in nonfollowers])
    assert result.returncode == 0, result.stderr
    outcomes = {r["handle"]: r["outcome"] for r in rows}
    assert outcomes[kept["handle"]] == "skipped"
    assert world.is_following("octocat", int(kept["id"]))
    gone = [n for n in nonfollowers if n is not kept]
    assert not any(world.is_following("octocat", int(n["id"])) for n in gone)

    result, rows = act(data, "undo")
    assert result.returncode == 0, result.stderr
    assert sorted(r["handle"] for r in rows) == sorted(n["handle"] for n in gone)
    assert all(world.is_following("octocat", int(n["id"])) for n in gone)
    again = run_cli(data, "undo", env=ENV)
    assert again.returncode == 2 and "nothing to undo" in again.stderr


def test_dry_run_and_daily_cap(synced):
    world, data = synced
    fans = show(data, "fans")["rows"][:4]
    _, rows = act(data, "follow", "--dry-run", *[f["handle"] for f in fans])
    assert [r["outcome"] for r in rows] == ["dry-run"] * 4
    assert not any(world.is_following("octocat", int(f["id"])) for f in fans)
    configure(data, pacing_s=0, daily_cap=2)
    _, rows = act(data, "follow", *[f["handle"] for f in fans])
    assert [r["outcome"] for r in rows] == ["done", "done", "skipped", "skipped"]
    assert "daily cap of 2" in rows[2]["message"]


def test_without_a_token_one_clear_error_and_no_secret_anywhere(synced):
    _world, data = synced
    fan = show(data, "fans")["rows"][0]
    result = run_cli(data, "follow", fan["handle"])  # no token in the environment
    assert result.returncode == 4 and "token" in result.stderr and "Traceback" not in result.stderr
    result, _ = act(data, "follow", fan["handle"])
    assert result.returncode == 0
    for path in data.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path
    assert TOKEN not in result.stdout + result.stderr
