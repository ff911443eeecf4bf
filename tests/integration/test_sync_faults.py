"""With faults injected, every sync ends exactly right or aborts cleanly with nothing recorded."""

from __future__ import annotations

import pytest

from followtui.simulator import FaultPlan, SimulatorServer, World

from .harness import PLATFORM_CASES, PlatformCase, TruthLog, assert_matches_truth, run_cli, show

pytestmark = pytest.mark.slow
by_platform = pytest.mark.parametrize("case", PLATFORM_CASES, ids=lambda c: c.platform)


def snapshot_of(data_dir):
    return {pane: {r["id"] for r in show(data_dir, pane)["rows"]} for pane in ("followers", "following")}


@by_platform
@pytest.mark.parametrize("seed", [1])  # more seeds: tests/reliability/test_fault_campaign.py (make soak: 200 runs)
def test_random_faults_exact_or_nothing(tmp_path, seed, case: PlatformCase):
    world = World.generate(seed=seed, owner="octocat", followers=250, following=180)
    # 100 a page (Mastodon 80) → 3+2 list pages and up to 100 profile requests per sync: plenty of faults
    with SimulatorServer(world, platform=case.platform) as sim:
        assert case.add(tmp_path, sim).returncode == 0
        sim.faults = FaultPlan(rate=0.08, seed=seed, retry_after_s=1, hang_s=1.0)
        truth = TruthLog(world, "octocat")
        outcomes = {"exact": 0, "aborted": 0}
        for day in range(7):
            if day:
                world.advance_days(1)
            before = snapshot_of(tmp_path) if truth.observations else None
            result = run_cli(tmp_path, "sync")
            if result.returncode == 0:
                truth.observe()
                sim.faults, saved = None, sim.faults  # read back without faults (show is local anyway)
                assert_matches_truth(tmp_path, truth, case, sim)
                sim.faults = saved
                outcomes["exact"] += 1
            else:
                assert result.returncode in (3, 6), result.stderr
                assert "Traceback" not in result.stderr and "failed:" in result.stderr
                if before is not None:
                    assert snapshot_of(tmp_path) == before
                outcomes["aborted"] += 1
        assert sum(sim.faults.injected.values()) > 0
        assert outcomes["exact"] >= 1, outcomes


@by_platform
def test_server_that_always_fails_records_nothing(tmp_path, case: PlatformCase):
    world = World.generate(seed=4, owner="octocat", followers=60, following=40)
    with SimulatorServer(world, platform=case.platform) as sim:
        assert case.add(tmp_path, sim).returncode == 0
        assert run_cli(tmp_path, "sync").returncode == 0
        before = snapshot_of(tmp_path)
        for victim in list(world.truth("octocat")["followers"])[:10]:
            world.unfollow(victim["id"], "octocat")
        sim.faults = FaultPlan(rate=1.0, seed=9, kinds=("500", "502", "503", "reset", "malformed", "truncated"))
        result = run_cli(tmp_path, "sync")
        assert result.returncode == 3
        assert "failed:" in result.stderr and "Traceback" not in result.stderr
        assert snapshot_of(tmp_path) == before
        assert show(tmp_path, "tricksters")["count"] == 0  # no phantom unfollows
        sim.faults = None
        assert run_cli(tmp_path, "sync").returncode == 0
        assert show(tmp_path, "tricksters")["count"] == 10


@by_platform
def test_unreachable_server_is_one_clear_line(tmp_path, case: PlatformCase):
    result = run_cli(tmp_path, "account", "add", case.platform, case.owner_handle("octocat"), "--server",
                     "http://127.0.0.1:9")  # fmt: skip
    assert result.returncode == 3
    assert "Traceback" not in result.stderr and result.stderr.startswith("error:")
    assert len(result.stderr.strip().splitlines()) == 1
