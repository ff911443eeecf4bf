"""What a user sees when a platform says no, and what hostile profile text becomes, on every platform:
one clear line on stderr, the documented exit code, nothing recorded, nothing interpreted."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from followtui.simulator import SimulatorServer, World

from .harness import PLATFORM_CASES, PlatformCase, run_cli, show

pytestmark = pytest.mark.slow
by_platform = pytest.mark.parametrize("case", PLATFORM_CASES, ids=lambda c: c.platform)
#: C0 and C1 controls (tab and newline excepted: CSV and tables may quote them), bidi overrides, escapes.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def one_clear_line(result, code: int) -> str:
    assert result.returncode == code, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr and len(lines) == 1, lines
    return lines[0]


@by_platform
def test_a_wrong_token_on_sync_is_an_auth_error_and_records_nothing(tmp_path, case: PlatformCase):
    world = World.generate(seed=21, owner="octocat", followers=40, following=20)
    case.grant(world)
    with SimulatorServer(world, platform=case.platform) as sim:
        assert case.add(tmp_path, sim).returncode == 0
        assert run_cli(tmp_path, "sync", env=case.secret_env).returncode == 0
        before = show(tmp_path, "followers")
        wrong = {k: "wrong-secret-0000-0000" for k in case.secret_env}
        if case.platform == "bluesky":  # reads are public: a wrong app password shows at the first write
            result = run_cli(tmp_path, "follow", before["rows"][0]["handle"], env=wrong)
            assert result.returncode == 4 and "Traceback" not in result.stderr
            assert "rejected the app password" in result.stderr.strip().splitlines()[-1]
        else:
            result = run_cli(tmp_path, "sync", env=wrong)
            assert result.returncode == 4 and "Traceback" not in result.stderr
            assert "rejected" in result.stderr or "token" in result.stderr
        assert "wrong-secret" not in result_text(tmp_path)
        assert show(tmp_path, "followers") == before


def result_text(data_dir) -> str:
    return "".join(p.read_text(errors="replace") for p in data_dir.rglob("*") if p.is_file())


@by_platform
def test_an_unknown_handle_is_exit_8(tmp_path, case: PlatformCase):
    world = World.generate(seed=22, owner="octocat", followers=10, following=10)
    with SimulatorServer(world, platform=case.platform) as sim:
        result = run_cli(tmp_path, "account", "add", case.platform, case.owner_handle("no-such-user"), "--server",
                         sim.url)  # fmt: skip
        line = one_clear_line(result, 8)
        assert "no-such-user" in line.replace("_", "-")


def test_a_hidden_mastodon_network_is_exit_9_not_mass_unfollows(tmp_path):
    case = PlatformCase("mastodon")
    world = World.generate(seed=23, owner="octocat", followers=60, following=30)
    with SimulatorServer(world, platform="mastodon") as sim:
        assert case.add(tmp_path, sim).returncode == 0
        assert run_cli(tmp_path, "sync").returncode == 0
        before = show(tmp_path, "followers")
        world.hide_network("octocat")
        world.advance_days(1)
        line = one_clear_line(run_cli(tmp_path, "sync"), 9)
        assert "hides" in line or "hidden" in line
        assert show(tmp_path, "followers") == before
        assert show(tmp_path, "tricksters")["count"] == 0
        history = json.loads(run_cli(tmp_path, "history", "--format", "json").stdout)["days"]
        assert sum(d["lost"] for d in history) == 0


def test_mastodon_without_a_server_is_a_usage_error(tmp_path):
    line = one_clear_line(run_cli(tmp_path, "account", "add", "mastodon", "grace"), 2)
    assert "--server" in line


@by_platform
def test_hostile_profile_text_is_inert_in_every_output(tmp_path, case: PlatformCase):
    world = World.generate(seed=24, owner="octocat", followers=150, following=60, hostile_share=0.5)
    with SimulatorServer(world, platform=case.platform) as sim:
        assert case.add(tmp_path, sim).returncode == 0
        assert run_cli(tmp_path, "sync", "--hydrate", "200").returncode == 0
        doc = show(tmp_path, "followers")
        assert doc["count"] == 150
        texts = [row[k] for row in doc["rows"] for k in ("display_name", "bio") if row[k]]
        assert any("[/bold]" in t or "[@click" in t for t in texts)  # markup kept as plain text
        assert not any(CONTROL.search(t) for t in texts)
        table = run_cli(tmp_path, "show", "followers")
        assert table.returncode == 0 and not CONTROL.search(table.stdout)
        widths = {len(line.rstrip()) <= 400 for line in table.stdout.splitlines()}
        assert widths == {True}
        exported = run_cli(tmp_path, "show", "followers", "--format", "csv")
        assert exported.returncode == 0 and not CONTROL.search(exported.stdout)
        for row in csv.DictReader(io.StringIO(exported.stdout)):
            for value in row.values():  # a formula is neutralised; a plain number (a negative score) stays one
                assert not value or value[0] not in "=+-@" or is_number(value), value
