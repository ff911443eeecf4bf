"""One sync at default settings, on each platform of the simulator, is already useful: most fans have counts,
a last-activity date and a verdict that does not rest on unknowns, and the network's interactions with you
land on the right accounts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from followtui.simulator import SimulatorServer, World

from .harness import PLATFORM_CASES, PlatformCase, run_cli

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("case", PLATFORM_CASES, ids=lambda c: c.platform)]


def rows(data_dir, pane: str) -> list[dict]:
    result = run_cli(data_dir, "show", pane, "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["rows"]


def test_one_default_sync_looks_up_the_fans_and_reads_interactions(tmp_path, case: PlatformCase):
    world = World.generate(seed=7, owner="octocat", followers=300, following=150)
    world.advance_days(3)  # some history of engagement with the owner's posts and repositories
    case.grant(world)  # signed in, as a real user of each platform would be (GitHub: 5,000 requests an hour)
    with SimulatorServer(world, platform=case.platform) as sim:
        assert case.add(tmp_path, sim).returncode == 0
        synced = run_cli(tmp_path, "sync", env=case.secret_env)
        assert synced.returncode == 0, synced.stderr
        truth = world.interactions_with("octocat")
        now = world.now()
    fans = rows(tmp_path, "fans")
    assert len(fans) > 100
    counted = sum(r["followers_count"] is not None for r in fans)
    active = sum(r["last_active_at"] is not None for r in fans)
    unknown = sum(sum(reason.split(": ")[1].startswith("unknown") for reason in r["reasons"]) > 3 for r in fans)
    assert counted / len(fans) > 0.9, (counted, len(fans))
    assert active / len(fans) > 0.6, (active, len(fans))  # some simulated accounts never posted
    assert unknown / len(fans) < 0.1, (unknown, len(fans))
    assert all(r["verdict"] in ("follow back", "review", "skip") for r in fans)

    # interactions: only accounts the network says engaged in the window, and a good share of them (the newest
    # posts or repositories are read first, within the sync's interactions budget of 30 requests)
    floor = (now - timedelta(days=90)).timestamp()
    engaged = {case.id_of(t["actor_id"]) for t in truth if (t["post_at"] or t["at"]) >= floor}
    listed = {r["id"]: r for pane in ("followers", "following") for r in rows(tmp_path, pane)}
    expected = engaged & listed.keys()
    assert expected, "the simulated network should interact with the owner"
    got = {pid for pid, r in listed.items() if r["interactions"]}
    assert got <= expected, got - expected
    assert len(got) >= 0.3 * len(expected), (len(got), len(expected))
    for pid in got:
        last = datetime.fromisoformat(listed[pid]["last_interaction_at"])
        assert last <= now.astimezone(UTC) + timedelta(days=1)
