"""`followtui policy show|check` through the real CLI, against a store synced from the simulated Mastodon."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from followtui.simulator import SimulatorServer, World

from .harness import PlatformCase, run_cli, show

pytestmark = pytest.mark.slow

MASTODON = PlatformCase("mastodon")


@pytest.fixture(scope="module")
def synced(tmp_path_factory) -> dict[str, Any]:
    """One synced store; the simulator's facts about a few followers, in the handles followtui shows."""
    data_dir = tmp_path_factory.mktemp("policy")
    world = World.generate(seed=11, owner="octocat", followers=120, following=80)
    followers = [row["id"] for row in world.truth("octocat")["followers"]]
    mover, moved_to = followers[0], followers[1]
    world.move(mover, moved_to)
    with SimulatorServer(world, platform="mastodon") as sim:
        assert MASTODON.add(data_dir, sim).returncode == 0
        result = run_cli(data_dir, "sync")
        assert result.returncode == 0, result.stderr
        acct = {i: sim.app.acct(world.account(i)) for i in followers}
        locked = [acct[i] for i in followers if sim.app.locked(world.account(i)) and i != mover]
        farmers = [acct[i] for i in followers if world.account(i).kind == "farmer" and i != mover]
    return {
        "dir": data_dir,
        "mover": acct[mover],
        "moved_to": acct[moved_to],
        "locked": locked,
        "farmers": farmers,
        "followers": list(acct.values()),
        "synced_at": show(data_dir, "followers")["synced_at"],
    }


def check(data_dir: Path, *args: str) -> dict[str, Any]:
    result = run_cli(data_dir, "policy", "check", *args, "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_check_gives_every_account_a_verdict_with_its_reasons(synced):
    refs = [f"mastodon:{handle}" for handle in synced["followers"][:25]]
    doc = check(synced["dir"], *refs)
    assert doc["policy"] == str(synced["dir"] / "policy.toml") and doc["count"] == len(refs)
    assert [row["ref"] for row in doc["accounts"]] == refs
    following = {r["handle"] for r in show(synced["dir"], "following")["rows"]}
    for row in doc["accounts"]:
        you_follow = row["handle"] in following
        assert row["verdict"] in (("keep", "review", "unfollow") if you_follow else ("follow back", "review", "skip"))
        assert row["yours"] == "mastodon:octocat"
        assert row["score"] == sum(r["points"] for r in row["reasons"])
        assert row["as_of"] == synced["synced_at"]  # the simulated clock of the sync, not today
        assert row["summary"].startswith(row["verdict"])
        assert row["reasons"] and all(r["text"].startswith(f"{r['rule']}: ") for r in row["reasons"])
        assert {r["effect"] for r in row["reasons"]} <= {"skip", "review", "minus", "plus", "ok", "unknown", "keep"}
    assert {row["verdict"] for row in doc["accounts"]} >= {"follow back", "skip"}
    assert {row["policy"] for row in doc["accounts"]} == {str(synced["dir"] / "policy.toml")}


def test_moved_locked_and_farming_accounts(synced):
    moved = check(synced["dir"], synced["mover"])["accounts"][0]
    assert moved["verdict"] == "skip"
    reason = {"rule": "moved", "effect": "skip", "points": -3, "text": f"moved: moved to {synced['moved_to']}"}
    assert reason in moved["reasons"]
    assert synced["locked"] and synced["farmers"]
    for row in check(synced["dir"], *synced["locked"][:3])["accounts"]:
        assert row["verdict"] in ("review", "skip")
        assert any(r["rule"] == "private" and r["effect"] == "review" and "locked" in r["text"] for r in row["reasons"])
    for row in check(synced["dir"], *synced["farmers"][:5])["accounts"]:
        assert row["verdict"] != "follow back"
        ratio = next(r for r in row["reasons"] if r["rule"] == "ratio")
        assert ratio["effect"] in ("skip", "review") and ("farmer" in ratio["text"] or "mass follower" in ratio["text"])


def test_check_as_a_table(synced):
    handle = synced["mover"]
    result = run_cli(synced["dir"], "policy", "check", handle, "--account", "mastodon:octocat")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"mastodon:{handle} — skip: ") and "moved" in lines[0]
    assert lines[0].endswith(f"said skip (as of {synced['synced_at']})")
    assert any(line.split() == ["skip", "-3", "moved:", "moved", "to", synced["moved_to"]] for line in lines[1:])
    assert all(line.startswith("  ") for line in lines[1:])


def test_check_errors_are_usage_errors(synced):
    unknown = run_cli(synced["dir"], "policy", "check", "nobody-at-all")
    assert unknown.returncode == 2 and "no known account 'nobody-at-all'" in unknown.stderr and not unknown.stdout
    fmt = run_cli(synced["dir"], "policy", "check", synced["mover"], "--format", "csv")
    assert fmt.returncode == 2 and "unknown format 'csv'" in fmt.stderr
    account = run_cli(synced["dir"], "policy", "check", synced["mover"], "--account", "github:nobody")
    assert account.returncode == 2 and "no tracked account" in account.stderr


def test_show_prints_the_policy_and_where_it_came_from(tmp_path):
    result = run_cli(tmp_path, "policy", "show")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "policy.toml").read_text().startswith("# followtui follow-back policy")
    assert f"# Read from {tmp_path / 'policy.toml'}" in result.stdout
    shown = tomllib.loads(result.stdout)
    assert shown["verdict"] == {"follow_back_at": 1, "skip_at": -4}
    assert shown["inactive"]["review_days"] == 90 and shown["ratio"]["mass_following"] == 3500
    assert not result.stderr


def test_a_policy_file_with_mistakes_warns_and_still_decides(synced, tmp_path):
    data_dir = synced["dir"]
    policy = data_dir / "policy.toml"
    original = policy.read_text()
    policy.write_text('[private]\naction = "skip"\n[ratio]\nfarmer_ratio = "lots"\n[bogus]\nx = 1\n')
    try:
        shown = run_cli(data_dir, "policy", "show")
        assert shown.returncode == 0
        assert 'action = "skip"  # set in the file' in shown.stdout and "farmer_ratio = 5.0\n" in shown.stdout
        warnings = shown.stderr.splitlines()
        assert len(warnings) == 2
        assert warnings[0].startswith(f"warning: policy file {policy}: [ratio] farmer_ratio: should be a number")
        assert warnings[1].startswith(f"warning: policy file {policy}: 'bogus': unknown table")
        locked = check(data_dir, synced["locked"][0])["accounts"][0]
        assert locked["verdict"] == "skip" and any(r["rule"] == "private" and r["effect"] == "skip"
                                                   for r in locked["reasons"])  # fmt: skip
    finally:
        policy.write_text(original)


def test_policy_commands_import_neither_textual_nor_httpx(synced):
    code = (
        "import sys\n"
        f"sys.argv = ['followtui', '--data-dir', {str(synced['dir'])!r}, 'policy', 'check', {synced['mover']!r}]\n"
        "from followtui.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = {m.split(".")[0] for m in out.split()}
    assert "textual" not in loaded and "httpx" not in loaded
