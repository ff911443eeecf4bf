"""Bad input at the command line, through the real CLI: exactly one clear line on stderr (no traceback), nothing
on stdout, the documented exit code (README "Exit codes"), and nothing created or changed."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest

from followtui.cli.exit_codes import ExitCode
from followtui.core.store import HISTORY
from followtui.simulator import SimulatorServer, World
from tests.storefiles import history_rows

from ..integration.harness import run_cli
from .counts import soaking

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Setup:
    data: Path  # tracks github:octocat, synced once
    url: str  # the simulator
    dead: str  # a loopback port nobody listens on
    file: Path  # a plain file
    missing: Path  # a path whose parents do not exist
    tmp: Path


@pytest.fixture(scope="module")
def setup(tmp_path_factory) -> Iterator[Setup]:
    tmp = tmp_path_factory.mktemp("bad-input")
    world = World.generate(seed=81, owner="octocat", followers=40, following=20)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    with SimulatorServer(world) as sim:
        data = tmp / "data"
        assert run_cli(data, "account", "add", "github", "octocat", "--server", sim.url).returncode == 0
        assert run_cli(data, "sync").returncode == 0
        (tmp / "a-file").write_text("not a directory\n")
        yield Setup(data, sim.url, dead, tmp / "a-file", tmp / "no" / "such" / "parent" / "data", tmp)


# id: (data dir, arguments, environment, exit code, words the line must hold). `{url}`, `{dead}`, `{tmp}` are filled in.
CASES: dict[str, tuple[str, list[str], dict[str, str], ExitCode, tuple[str, ...]]] = {
    "unknown platform": ("data", ["account", "add", "myspace", "me"], {}, ExitCode.USAGE, ("unknown platform",)),
    "import-only platform": ("data", ["account", "add", "x", "me"], {}, ExitCode.USAGE, ("import",)),
    "unknown handle": ("data", ["account", "add", "github", "no-such-user", "--server", "{url}"], {},
                       ExitCode.NOT_FOUND, ("no-such-user",)),
    "unknown handle to follow": ("data", ["follow", "no-such-user", "--dry-run"], {}, ExitCode.NOT_FOUND,
                                 ("no-such-user",)),
    "unknown account ref: sync": ("data", ["sync", "github:nobody"], {}, ExitCode.USAGE, ("github:nobody",)),
    "unknown account ref: show": ("data", ["show", "fans", "--account", "mastodon:nobody"], {}, ExitCode.USAGE,
                                  ("mastodon:nobody",)),
    "unknown account ref: history": ("data", ["history", "--account", "nobody"], {}, ExitCode.USAGE, ("nobody",)),
    "unknown account ref: remove": ("data", ["account", "remove", "github:nobody"], {}, ExitCode.USAGE,
                                    ("github:nobody",)),
    "unknown account ref: tag": ("data", ["tag", "nobody-at-all", "friend"], {}, ExitCode.USAGE,
                                 ("nobody-at-all",)),
    "unknown account ref: policy check": ("data", ["policy", "check", "nobody-at-all"], {}, ExitCode.USAGE,
                                          ("nobody-at-all",)),
    "unknown pane": ("data", ["show", "enemies"], {}, ExitCode.USAGE, ("enemies",)),
    "unreachable server: add": ("fresh", ["account", "add", "github", "octocat", "--server", "{dead}"], {},
                                ExitCode.NETWORK, ("could not reach",)),
    "not a server URL": ("fresh", ["account", "add", "mastodon", "me", "--server", "ftp://example.test"], {},
                         ExitCode.USAGE, ("ftp://example.test",)),
    "malformed server URL": ("fresh", ["account", "add", "bluesky", "me", "--server", "http://[::1"], {},
                             ExitCode.USAGE, ("http://[::1",)),
    "Mastodon without a server": ("fresh", ["account", "add", "mastodon", "me"], {}, ExitCode.USAGE, ("--server",)),
    "wrong token": ("data", ["sync"], {"FOLLOWTUI_GITHUB_TOKEN": "ghp_wrong_0000"}, ExitCode.AUTH, ("rejected",)),
    "bad --format: show": ("data", ["show", "followers", "--format", "xml"], {}, ExitCode.USAGE, ("xml",)),
    "bad --format: history": ("data", ["history", "--format", "yaml"], {}, ExitCode.USAGE, ("yaml",)),
    "bad --format: policy check": ("data", ["policy", "check", "x", "--format", "csv"], {}, ExitCode.USAGE,
                                   ("csv",)),
    "bad --since: words": ("data", ["history", "--since", "yesterday"], {}, ExitCode.USAGE, ("yesterday",)),
    "bad --since: no such day": ("data", ["history", "--since", "2026-02-30"], {}, ExitCode.USAGE, ("2026-02-30",)),
    "missing PATH: X archive": ("data", ["import", "x-archive", "{tmp}/missing.zip", "--account", "x:me"], {},
                                ExitCode.ARCHIVE, ("missing.zip",)),
    "missing PATH: Instagram": ("data", ["import", "instagram", "{tmp}/missing", "--account", "instagram:me"], {},
                                ExitCode.ARCHIVE, ("missing",)),
    "nonexistent data dir parent: show": ("missing", ["show", "followers"], {}, ExitCode.USAGE, ("no account",)),
    "nonexistent data dir parent: sync": ("missing", ["sync"], {}, ExitCode.USAGE, ("no account",)),
    "nonexistent data dir parent: tag": ("missing", ["tag", "someone", "x"], {}, ExitCode.USAGE, ("someone",)),
    "data dir is a file: show": ("file", ["show", "followers"], {}, ExitCode.USAGE, ("not a directory",)),
    "data dir is a file: sync": ("file", ["sync"], {}, ExitCode.USAGE, ("not a directory",)),
    "data dir is a file: add": ("file", ["account", "add", "github", "octocat", "--server", "{url}"], {},
                                ExitCode.USAGE, ("not a directory",)),
    "data dir is a file: tag": ("file", ["tag", "someone", "x"], {}, ExitCode.USAGE, ("not a directory",)),
    "data dir under a file": ("under-file", ["account", "list"], {}, ExitCode.USAGE, ("not a directory",)),
    "data dir is a file: the UI": ("file", [], {}, ExitCode.USAGE, ("not a directory",)),
}  # fmt: skip


def stored(root: Path) -> dict[str, object]:
    """Every store file under root; of the history all but the sync records (a failed sync records itself)."""
    out: dict[str, object] = {}
    for path in sorted(root.rglob("*.json")):
        out[str(path.relative_to(root))] = orjson.loads(path.read_bytes())
    for path in sorted(root.rglob(HISTORY)):
        out[str(path.relative_to(root))] = history_rows(path.parent, without_syncs=True)
    return out


#: One case of each kind, for `make test`; `make soak` runs the whole table.
CORE = {
    "unknown platform", "unknown handle", "unknown account ref: sync", "unreachable server: add", "wrong token",
    "bad --format: show", "bad --since: words", "missing PATH: X archive", "nonexistent data dir parent: sync",
    "data dir is a file: show", "data dir is a file: the UI", "malformed server URL",
}  # fmt: skip


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "name" in metafunc.fixturenames:
        names = [n for n in CASES if n in CORE or soaking(metafunc.config)]
        metafunc.parametrize("name", names, ids=names)


@pytest.mark.soak
def test_bad_input_is_one_clear_line_and_the_documented_code(setup: Setup, name: str):
    where, args, env, code, words = CASES[name]
    fill = {"url": setup.url, "dead": setup.dead, "tmp": str(setup.tmp)}
    args = [a.format(**fill) for a in args]
    data_dir = {
        "data": setup.data,
        "fresh": setup.tmp / f"fresh-{abs(hash(name))}",
        "missing": setup.missing,
        "file": setup.file,
        "under-file": setup.file / "data",
    }[where]
    before = stored(setup.tmp)
    result = run_cli(data_dir, *args, env=env, timeout=60)
    lines = result.stderr.strip().splitlines()
    assert (result.returncode, len(lines)) == (int(code), 1), (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert all(w in lines[0] for w in words), lines[0]
    assert stored(setup.tmp) == before  # nothing recorded, nothing reset
    if where in ("fresh", "missing"):
        assert not data_dir.exists() and not setup.missing.parent.exists(), "nothing is created for a bad command"
    assert setup.file.read_text() == "not a directory\n"
