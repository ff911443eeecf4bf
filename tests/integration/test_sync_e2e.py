"""The scripted session, over several simulated days, equals the simulator's ground truth exactly."""

from __future__ import annotations

import json

import pytest

from followtui.simulator import SimulatorServer, World

from .harness import TruthLog, run_cli, show

pytestmark = pytest.mark.slow


def ids(doc):
    return {row["id"] for row in doc["rows"]}


def assert_matches_truth(data_dir, truth: TruthLog):
    now = truth.current()
    followers = show(data_dir, "followers")
    assert ids(followers) == {str(r["id"]) for r in now["followers"]}
    assert {r["id"]: r["handle"] for r in followers["rows"]} == {str(r["id"]): r["login"] for r in now["followers"]}
    following = show(data_dir, "following")
    assert ids(following) == {str(r["id"]) for r in now["following"]}
    assert ids(show(data_dir, "mutuals")) == ids(followers) & ids(following)
    assert ids(show(data_dir, "fans")) == ids(followers) - ids(following)
    assert ids(show(data_dir, "nonfollowers")) == ids(following) - ids(followers)
    tricksters = show(data_dir, "tricksters")
    expected = truth.expected_tricksters()
    got = {
        row["id"]: {k: row[k] for k in ("times", "followed_at", "followed_back_at", "unfollowed_at")}
        for row in tricksters["rows"]
    }
    assert got == expected
    for row in tricksters["rows"]:
        assert row["handle"] == truth.world.account(int(row["id"])).login  # renamed tricksters show the new name


def test_scripted_session_reproduces_truth(tmp_path):
    world = World.generate(seed=11, owner="octocat", followers=120, following=80)
    with SimulatorServer(world) as sim:
        result = run_cli(tmp_path, "account", "add", "github", "octocat", "--server", sim.url)
        assert result.returncode == 0, result.stderr
        truth = TruthLog(world, "octocat")
        assert run_cli(tmp_path, "sync").returncode == 0
        truth.observe()
        world.advance_days(1)
        assert run_cli(tmp_path, "sync").returncode == 0
        truth.observe()
        data = show(tmp_path, "tricksters")
        assert data["account"] == "github:octocat" and data["count"] == len(truth.expected_tricksters())
        for key in ("id", "handle", "display_name", "followers_count", "following_count", "tags", "note", "keep",
                    "followed_at", "followed_back_at", "unfollowed_at"):  # fmt: skip
            assert all(key in row for row in data["rows"])
        assert_matches_truth(tmp_path, truth)


def test_many_days_gains_losses_gone_renames_and_history(tmp_path):
    world = World.generate(seed=5, owner="octocat", followers=200, following=150)
    with SimulatorServer(world) as sim:
        assert run_cli(tmp_path, "account", "add", "github", "octocat", "--server", sim.url).returncode == 0
        truth = TruthLog(world, "octocat")
        result = run_cli(tmp_path, "sync", "--json")
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["accounts"][0]["status"] == "baseline"
        before = truth.observe()
        kinds: dict[str, int] = {}
        for _ in range(8):
            summary = world.advance_days(1)
            for kind, n in summary["by_kind"].items():
                kinds[kind] = kinds.get(kind, 0) + n
            result = run_cli(tmp_path, "sync", "--json")
            assert result.returncode == 0, result.stderr
            report = json.loads(result.stdout)["accounts"][0]
            now = truth.observe()
            old = {str(r["id"]) for r in before["followers"]}
            new = {str(r["id"]) for r in now["followers"]}
            gone_now = {i for i in old - new if not world.account(int(i)).active}
            assert report["gained"] == len(new - old)
            assert report["gone"] == len(gone_now)
            assert report["lost"] == len(old - new - gone_now)
            before = now
            assert_matches_truth(tmp_path, truth)
        assert kinds.get("delete", 0) + kinds.get("suspend", 0) > 0 and kinds.get("rename", 0) > 0
        history = json.loads(run_cli(tmp_path, "history", "--format", "json").stdout)["days"]
        assert len(history) == 9
        assert [d["followers"] for d in history] == [len(o["followers"]) for o in truth.observations]


def test_no_subcommand_and_account_list(tmp_path):
    world = World.generate(seed=3, owner="octocat", followers=30, following=20)
    with SimulatorServer(world) as sim:
        assert run_cli(tmp_path, "account", "add", "github", "octocat", "--server", sim.url).returncode == 0
        again = run_cli(tmp_path, "account", "add", "github", "octocat", "--server", sim.url)
        assert again.returncode != 0 and "already tracked" in again.stderr
        missing = run_cli(tmp_path, "account", "add", "github", "nobody-here", "--server", sim.url)
        assert missing.returncode == 8 and "Traceback" not in missing.stderr
        listing = json.loads(run_cli(tmp_path, "account", "list", "--json").stdout)
        assert [a["account"] for a in listing["accounts"]] == ["github:octocat"]
        assert run_cli(tmp_path, "account", "remove", "github:octocat").returncode == 0
        assert json.loads(run_cli(tmp_path, "account", "list", "--json").stdout)["accounts"] == []
