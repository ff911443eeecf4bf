"""follow / unfollow / undo through the real CLI against the simulator, with every safety rail."""

from __future__ import annotations

import json

import pytest

from followtui.simulator import SimulatorServer, World

from .harness import PLATFORM_CASES, PlatformCase, run_cli, show

pytestmark = pytest.mark.slow


def configure(data_dir, **actions):
    lines = ["[actions]", *(f"{k} = {v}" for k, v in actions.items())]
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "config.toml").write_text("\n".join(lines) + "\n")


class Session:
    """A synced account on one platform's simulator, with its secret granted and in the environment."""

    def __init__(self, case: PlatformCase, world: World, sim: SimulatorServer, data) -> None:
        self.case, self.world, self.sim, self.data = case, world, sim, data
        self.env = case.secret_env

    def act(self, *args):
        result = run_cli(self.data, *args, "--json", env=self.env)
        return result, (json.loads(result.stdout)["results"] if result.stdout.strip() else [])

    def follows(self, row) -> bool:
        """Whether the owner follows this shown row, by the simulator's truth."""
        return self.world.is_following("octocat", self.case.world_id(self.sim, row["id"]))


@pytest.fixture(params=PLATFORM_CASES, ids=lambda c: c.platform)
def synced(request, tmp_path):
    case = request.param
    world = World.generate(seed=41, owner="octocat", followers=60, following=30)
    case.grant(world)
    configure(tmp_path, pacing_s=0, daily_cap=50)
    with SimulatorServer(world, platform=case.platform) as sim:
        assert case.add(tmp_path, sim).returncode == 0
        assert run_cli(tmp_path, "sync", env=case.secret_env).returncode == 0
        yield Session(case, world, sim, tmp_path)


def test_follow_back_is_recorded_at_once_and_feeds_the_trickster_timeline(synced):
    world, data = synced.world, synced.data
    fans = [f for f in show(data, "fans")["rows"] if not f["private"]][:3]
    result, rows = synced.act("follow", *[f["handle"] for f in fans])
    assert result.returncode == 0, result.stderr
    assert [r["outcome"] for r in rows] == ["done"] * 3
    for fan in fans:
        assert synced.follows(fan)
    mutual_ids = {r["id"] for r in show(data, "mutuals")["rows"]}
    assert {f["id"] for f in fans} <= mutual_ids  # at once, before any sync
    followed_back_at = rows[0]["at"]

    world.unfollow(synced.case.world_id(synced.sim, fans[0]["id"]), "octocat")  # the trick
    world.advance_days(1)
    assert run_cli(data, "sync", env=synced.env).returncode == 0
    [trickster] = [t for t in show(data, "tricksters")["rows"] if t["id"] == fans[0]["id"]]
    assert trickster["followed_back_at"] == followed_back_at


def test_keep_list_protects_against_bulk_unfollow_and_undo_reverses(synced):
    data = synced.data
    nonfollowers = show(data, "nonfollowers")["rows"][:3]
    kept = nonfollowers[1]
    assert run_cli(data, "keep", f"{synced.case.platform}:{kept['id']}").returncode == 0
    result, rows = synced.act("unfollow", *[n["handle"] for n in nonfollowers])
    assert result.returncode == 0, result.stderr
    outcomes = {r["handle"]: r["outcome"] for r in rows}
    assert outcomes[kept["handle"]] == "skipped"
    assert synced.follows(kept)
    gone = [n for n in nonfollowers if n is not kept]
    assert not any(synced.follows(n) for n in gone)

    result, rows = synced.act("undo")
    assert result.returncode == 0, result.stderr
    assert sorted(r["handle"] for r in rows) == sorted(n["handle"] for n in gone)
    assert all(synced.follows(n) for n in gone)
    again = run_cli(data, "undo", env=synced.env)
    assert again.returncode == 2 and "nothing to undo" in again.stderr


def test_dry_run_and_daily_cap(synced):
    data = synced.data
    fans = [f for f in show(data, "fans")["rows"] if not f["private"]][:4]
    _, rows = synced.act("follow", "--dry-run", *[f["handle"] for f in fans])
    assert [r["outcome"] for r in rows] == ["dry-run"] * 4
    assert not any(synced.follows(f) for f in fans)
    configure(data, pacing_s=0, daily_cap=2)
    _, rows = synced.act("follow", *[f["handle"] for f in fans])
    assert [r["outcome"] for r in rows] == ["done", "done", "skipped", "skipped"]
    assert "daily cap of 2" in rows[2]["message"]


def test_without_a_token_one_clear_error_and_no_secret_anywhere(synced):
    data, secret = synced.data, synced.case.secret
    fan = next(f for f in show(data, "fans")["rows"] if not f["private"])
    result = run_cli(data, "follow", fan["handle"])  # no token in the environment
    kind = "app password" if synced.case.platform == "bluesky" else "token"
    assert result.returncode == 4 and kind in result.stderr and "Traceback" not in result.stderr
    result, _ = synced.act("follow", fan["handle"])
    assert result.returncode == 0
    for path in data.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
    assert secret not in result.stdout + result.stderr


def test_a_wrong_secret_is_one_clear_auth_error(synced):
    data = synced.data
    fan = show(data, "fans")["rows"][0]
    wrong = {k: "not-the-right-secret-0000" for k in synced.env}
    result = run_cli(data, "follow", fan["handle"], env=wrong)
    assert result.returncode == 4, result.stderr
    lines = result.stderr.strip().splitlines()  # the action that failed, then the error that stopped the batch
    assert "Traceback" not in result.stderr and len(lines) == 2 and lines[-1].startswith("error: ")
    assert all("reject" in line for line in lines), lines
    assert "not-the-right-secret" not in result.stderr
    assert not synced.follows(fan)


def test_following_a_locked_account_is_a_request_not_a_follow(tmp_path):
    case = PlatformCase("mastodon")
    world = World.generate(seed=41, owner="octocat", followers=200, following=30)
    case.grant(world)
    configure(tmp_path, pacing_s=0, daily_cap=50)
    with SimulatorServer(world, platform="mastodon") as sim:
        assert case.add(tmp_path, sim).returncode == 0
        session = Session(case, world, sim, tmp_path)
        assert run_cli(tmp_path, "sync", env=session.env).returncode == 0
        locked = next(f for f in show(tmp_path, "fans")["rows"] if f["private"])
        result, rows = session.act("follow", locked["handle"])
        assert result.returncode == 0, result.stderr
        assert [r["outcome"] for r in rows] == ["requested"] and "approval" in rows[0]["message"]
        assert not session.follows(locked)
        assert locked["id"] not in {r["id"] for r in show(tmp_path, "mutuals")["rows"]}  # not recorded as a follow
        result, rows = session.act("undo")  # withdraws the request
        assert result.returncode == 0 and [r["outcome"] for r in rows] == ["done"]
