"""The scripted session, over several simulated days, equals the simulator's ground truth exactly, on every
platform the simulator speaks."""

from __future__ import annotations

import json

import pytest

from followtui.simulator import SimulatorServer, World

from .harness import PLATFORM_CASES, PlatformCase, TruthLog, assert_matches_truth, run_cli, show

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("case", PLATFORM_CASES, ids=lambda c: c.platform)]


def test_scripted_session_reproduces_truth(tmp_path, case: PlatformCase):
    world = World.generate(seed=11, owner="octocat", followers=120, following=80)
    with SimulatorServer(world, platform=case.platform) as sim:
        result = case.add(tmp_path, sim)
        assert result.returncode == 0, result.stderr
        truth = TruthLog(world, "octocat")
        assert run_cli(tmp_path, "sync").returncode == 0
        truth.observe()
        world.advance_days(1)
        assert run_cli(tmp_path, "sync").returncode == 0
        truth.observe()
        shown = run_cli(tmp_path, "show", "tricksters", "--format", "json")  # the installed command itself
        assert shown.returncode == 0, shown.stderr
        data = json.loads(shown.stdout)
        assert data == show(tmp_path, "tricksters")
        assert data["account"] == f"{case.platform}:{case.owner_handle('octocat')}" and data["count"] == len(
            truth.expected_tricksters()
        )
        for key in ("id", "handle", "display_name", "followers_count", "following_count", "tags", "note", "keep",
                    "followed_at", "followed_back_at", "unfollowed_at"):  # fmt: skip
            assert all(key in row for row in data["rows"])
        assert_matches_truth(tmp_path, truth, case, sim)


def test_many_days_gains_losses_gone_renames_and_history(tmp_path, case: PlatformCase):
    world = World.generate(seed=5, owner="octocat", followers=200, following=150)
    with SimulatorServer(world, platform=case.platform) as sim:
        assert case.add(tmp_path, sim).returncode == 0
        truth = TruthLog(world, "octocat")
        result = run_cli(tmp_path, "sync", "--json")
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["accounts"][0]["status"] == "baseline"
        before = truth.observe()
        kinds: dict[str, int] = {}
        renames = 0
        sleeper, mover, moved_to = (r["id"] for r in before["followers"][:3])
        for day in range(8):
            if day == 2 and case.platform != "github":  # deactivated (GitHub has no such thing): gone while
                world.deactivate(sleeper)  # away, a follower again when back; never a trickster
            if day == 5 and case.platform != "github":
                world.reactivate(sleeper)
            if day == 3:  # moved, then its old account stops following: gone (moved) on Mastodon
                world.move(mover, moved_to)
            if day == 4:
                world.unfollow(mover, "octocat")
            summary = world.advance_days(1)
            for kind, n in summary["by_kind"].items():
                kinds[kind] = kinds.get(kind, 0) + n
            result = run_cli(tmp_path, "sync", "--json")
            assert result.returncode == 0, result.stderr
            report = json.loads(result.stdout)["accounts"][0]
            now = truth.observe()
            old = {str(r["id"]) for r in before["followers"]}
            new = {str(r["id"]) for r in now["followers"]}
            gone_now = {i for i in old - new if case.is_gone(sim, i)}
            assert report["gained"] == len(new - old)
            assert report["gone"] == len(gone_now)
            assert report["lost"] == len(old - new - gone_now)
            named = _by_kind(report["changes"])  # the same day by name
            assert named.get("followed_you", set()) == {case.id_of(i) for i in new - old}
            assert named.get("unfollowed_you", set()) == {case.id_of(i) for i in old - new - gone_now}
            assert {case.id_of(i) for i in gone_now} <= named.get("gone", set())
            for change in report["changes"]:
                if change["kind"] == "renamed":
                    renames += 1
                    assert change["detail"].endswith(" → " + change["handle"])
                    assert change["handle"] == case.handle_of(sim, case.world_id(sim, change["id"]))
            before = now
            assert_matches_truth(tmp_path, truth, case, sim)
        assert kinds.get("delete", 0) + kinds.get("suspend", 0) > 0 and kinds.get("rename", 0) > 0
        assert renames > 0
        log = json.loads(run_cli(tmp_path, "changes", "--format", "json").stdout)["rows"]
        assert sum(r["kind"] == "renamed" for r in log) == renames  # the log holds what the syncs named
        assert all(r["source"] == "sync" for r in log)
        history = json.loads(run_cli(tmp_path, "history", "--format", "json").stdout)["days"]
        assert len(history) == 9
        assert [d["followers"] for d in history] == [len(o["followers"]) for o in truth.observations]


def _by_kind(changes: list[dict]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for change in changes:
        out.setdefault(change["kind"], set()).add(change["id"])
    return out


def test_add_list_and_remove_accounts(tmp_path, case: PlatformCase):
    world = World.generate(seed=3, owner="octocat", followers=30, following=20)
    label = f"{case.platform}:{case.owner_handle('octocat')}"
    with SimulatorServer(world, platform=case.platform) as sim:
        assert case.add(tmp_path, sim).returncode == 0
        again = case.add(tmp_path, sim)
        assert again.returncode != 0 and "already tracked" in again.stderr
        missing = run_cli(
            tmp_path, "account", "add", case.platform, case.owner_handle("nobody-here"), "--server", sim.url
        )
        assert missing.returncode == 8 and "Traceback" not in missing.stderr
        listing = json.loads(run_cli(tmp_path, "account", "list", "--json").stdout)
        assert [a["account"] for a in listing["accounts"]] == [label]
        assert [a["id"] for a in listing["accounts"]] == [case.id_of(world.account("octocat").id)]
        assert run_cli(tmp_path, "account", "remove", label).returncode == 0
        assert json.loads(run_cli(tmp_path, "account", "list", "--json").stdout)["accounts"] == []


def test_fans_come_with_verdicts_best_first(tmp_path, case: PlatformCase):
    world = World.generate(seed=12, owner="octocat", followers=150, following=60)
    with SimulatorServer(world, platform=case.platform) as sim:
        assert case.add(tmp_path, sim).returncode == 0
        assert run_cli(tmp_path, "sync", "--hydrate", "200").returncode == 0
        fans = show(tmp_path, "fans")["rows"]
        order = {"follow back": 0, "review": 1, "skip": 2}
        assert fans and all(row["verdict"] in order and isinstance(row["score"], int) for row in fans)
        assert [order[r["verdict"]] for r in fans] == sorted(order[r["verdict"]] for r in fans)
        assert len({r["verdict"] for r in fans}) > 1
        for row in fans:
            assert row["reasons"] and all(": " in reason for reason in row["reasons"])  # "rule: values"
        table = run_cli(tmp_path, "show", "fans")
        assert table.returncode == 0 and "VERDICT" in table.stdout.splitlines()[0]


def test_history_lines_your_posts_up_with_each_days_gains(tmp_path, case: PlatformCase):
    from datetime import datetime, timedelta

    world = World.generate(seed=11, owner="octocat", followers=80, following=40)  # posts on most days
    with SimulatorServer(world, platform=case.platform) as sim:
        assert case.add(tmp_path, sim).returncode == 0
        truth = TruthLog(world, "octocat")
        for day in range(5):
            if day:
                world.advance_days(1)
            assert run_cli(tmp_path, "sync").returncode == 0
            truth.observe()
        days = json.loads(run_cli(tmp_path, "history", "--format", "json").stdout)["days"]
    if case.platform == "github":  # GitHub gives no cheap list of your own posts
        assert all(d["posts"] is None for d in days)
        return
    posted = [datetime.fromtimestamp(ts).astimezone() for ts in world.post_times("octocat")]
    syncs = [datetime.fromisoformat(o["now"]) for o in truth.observations]
    starts = [syncs[0] - timedelta(days=1), *syncs[:-1]]
    expected = [sum(start < t <= end for t in posted) for start, end in zip(starts, syncs, strict=True)]
    assert [d["posts"] for d in days] == expected
    assert sum(expected) > 0  # the simulated owner did post in that time
