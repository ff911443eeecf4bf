"""`followtui watch` as a user (or systemd) runs it: the real CLI in a subprocess, the simulator's Bluesky and its
streams on loopback, the store on disk. A line per change on stdout as it happens, status on stderr, SIGTERM and
SIGINT end it with 0 and the cursor saved, a restart resumes, a second watch is refused, a live trick is one
notification, and the errors are the documented exit codes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytest.importorskip("websockets")
pytest.importorskip("libipld")

from followtui import simulator
from followtui.core.store import Store
from followtui.models import TrackedAccount
from tests.core.test_notify import Inbox
from tests.integration.harness import cli_in_process, run_cli

OWNER = "octocat"
HANDLE = simulator.handle_for(OWNER)
PASSWORD = "abcd-efgh-ijkl-mnop"
USAGE, NETWORK, AUTH, BUSY = 2, 3, 4, 5
#: Signed in with the app password, as `sync` is: the follow records then come with the lists themselves.
SIGNED_IN = {"FOLLOWTUI_BLUESKY_TOKEN": PASSWORD}


class Running:
    """`followtui watch` in its own process, its stdout and stderr read line by line as they come."""

    def __init__(self, data: Path, *args: str, env: dict[str, str] | None = None) -> None:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWTUI_")}
        full_env.update(SIGNED_IN if env is None else env)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "followtui", "--data-dir", str(data), "watch", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=full_env,
        )
        self.out: list[str] = []
        self.err: list[str] = []
        for pipe, lines in ((self.proc.stdout, self.out), (self.proc.stderr, self.err)):
            threading.Thread(target=self._read, args=(pipe, lines), daemon=True).start()

    @staticmethod
    def _read(pipe, lines: list[str]) -> None:  # type: ignore[no-untyped-def]
        for line in pipe:
            lines.append(line.rstrip("\n"))

    def until(self, condition: Callable[[], bool], timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if self.proc.poll() is not None:
                time.sleep(0.2)  # the rest of its output
                raise AssertionError(f"watch ended ({self.proc.returncode}): {self.err}")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; stderr so far: {self.err}")
            time.sleep(0.02)

    def said(self, words: str) -> bool:
        return any(words in line for line in self.err)

    def ready(self) -> None:
        self.until(lambda: self.said("connected"))
        if self.said("a full sync first"):
            self.until(lambda: self.said(": baseline:") or self.said(": synced:"))

    def end(self, signum: int = signal.SIGTERM) -> int:
        self.proc.send_signal(signum)
        code = self.proc.wait(timeout=20)
        time.sleep(0.1)
        return code


@pytest.fixture
def world() -> simulator.World:
    world = simulator.World.generate(seed=23, owner=OWNER, followers=30, following=20)
    world.add_app_password(OWNER, PASSWORD)
    return world


@pytest.fixture
def servers(world: simulator.World) -> Iterator[tuple[simulator.SimulatorServer, simulator.StreamServer]]:
    with simulator.SimulatorServer(world, platform="bluesky") as sim, simulator.StreamServer(world) as streams:
        yield sim, streams


def strangers(world: simulator.World, count: int) -> list[int]:
    owner = world.account(OWNER)
    assert owner is not None
    truth = world.truth(OWNER)
    related = {r["id"] for r in truth["followers"]} | {r["id"] for r in truth["following"]} | {owner.id}
    active = (i for i in world.random_account_ids() if getattr(world.account(i), "active", False))
    return [i for i in active if i not in related][:count]


def handle(world: simulator.World, world_id: int) -> str:
    account = world.account(world_id)
    assert account is not None
    return simulator.handle_for(account.login)


def tracked(data: Path, sim: simulator.SimulatorServer) -> TrackedAccount:
    added = run_cli(data, "account", "add", "bluesky", HANDLE, "--server", sim.url)
    assert added.returncode == 0, added.stderr
    return Store(data).accounts()[0]


@pytest.mark.parametrize("endpoint, json_output", [("jetstream_url", False), ("firehose_url", True)])
def test_a_line_per_change_a_clean_stop_and_a_resume(tmp_path, world, servers, endpoint, json_output):
    sim, streams = servers
    data = tmp_path / "data"
    account = tracked(data, sim)
    url = getattr(streams, endpoint)
    tricky, later = strangers(world, 2)
    with Inbox() as inbox:
        # the source from config.toml for one, from --source for the other; with --data-dir, config lives there
        config = f'[notify]\nurls = ["{inbox.url}"]\non = ["trickster"]\n'
        (data / "config.toml").write_text(config + (f'[watch]\nsource = "{url}"\n' if not json_output else ""))
        args = ["--source", url, "--json"] if json_output else []
        watch = Running(data, *args)
        watch.ready()
        assert world.follow(tricky, OWNER) and world.unfollow(tricky, OWNER)
        streams.burst(30, seed=5)  # others' follows: nothing to print, but a cursor to save
        watch.until(lambda: len(watch.out) == 2)
        watch.until(lambda: len(inbox.bodies) == 1)
        assert watch.end(signal.SIGTERM) == 0
        (notice,) = inbox.bodies
    assert notice["title"] == f"followtui: trickster {handle(world, tricky)}"

    did = simulator.did_for(tricky)
    if json_output:
        rows = [json.loads(line) for line in watch.out]
        assert [(r["at"], r["kind"], r["id"], r["handle"], r["source"]) for r in rows] == [
            ("2026-01-05T09:00:01Z", "followed_you", did, handle(world, tricky), "watch"),
            ("2026-01-05T09:00:02Z", "unfollowed_you", did, handle(world, tricky), "watch"),
        ]
        assert set(rows[0]) == {"at", "account", "kind", "id", "handle", "display_name", "detail", "source"}
    else:
        assert watch.out == [
            f"2026-01-05T09:00:01Z bluesky:{HANDLE} followed_you {handle(world, tricky)} ({did})",
            f"2026-01-05T09:00:02Z bluesky:{HANDLE} unfollowed_you {handle(world, tricky)} ({did})",
        ]
    assert "Traceback" not in "\n".join(watch.err) and PASSWORD not in "\n".join(watch.err)
    assert watch.err[-1].startswith(f"stopped watching bluesky:{HANDLE}") and "cursor" in watch.err[-1]
    state = Store(data).watch_state(account.key)
    assert state is not None and state.cursor is not None and state.pid is None and state.source == url
    assert str(state.cursor) in watch.err[-1]

    # while it is down, someone follows; the restart resumes from the cursor and says so, with the change's time
    assert world.follow(later, OWNER)
    when = world.events()[-1]["at"]
    again = Running(data, *args)
    again.until(lambda: len(again.out) == 1)
    assert again.said(f"from cursor {state.cursor}") and not again.said("a full sync first")
    assert when in again.out[0] and simulator.did_for(later) in again.out[0]
    second = run_cli(data, "watch", *args, env=SIGNED_IN, timeout=60)  # the same account, while it runs
    assert second.returncode == BUSY, second.stderr
    assert "already watched by another followtui process" in second.stderr
    assert again.end(signal.SIGINT) == 0


def test_a_stream_that_refuses_is_exit_3_and_a_wrong_app_password_exit_4(tmp_path, servers):
    sim, streams = servers
    data = tmp_path / "data"
    tracked(data, sim)
    not_a_stream = sim.url.replace("http://", "ws://") + "/subscribe"  # the HTTP API: no WebSocket there
    refused = run_cli(data, "watch", "--source", not_a_stream, env=SIGNED_IN, timeout=60)
    assert refused.returncode == NETWORK, refused.stderr
    assert "refused the subscription" in refused.stderr
    bad = {"FOLLOWTUI_BLUESKY_TOKEN": "wrong-pass-word-xx"}
    wrong = run_cli(data, "watch", "--source", streams.jetstream_url, env=bad, timeout=60)
    assert wrong.returncode == AUTH, wrong.stderr
    assert "wrong-pass-word-xx" not in wrong.stderr + wrong.stdout


def test_what_cannot_be_watched_is_a_usage_error(tmp_path):
    data = tmp_path / "data"

    def usage(*args: str) -> str:
        result = cli_in_process(data, "watch", *args)
        assert result.exit_code == USAGE, (result.exit_code, result.stderr)
        assert result.stdout == ""
        return result.stderr

    assert "none is tracked" in usage()
    store = Store(data)
    store.ensure()
    store.add_account(TrackedAccount("github", "octo", "1"))
    assert "Bluesky accounts only" in usage("--account", "github:octo")
    store.add_account(TrackedAccount("bluesky", "a.test", "did:plc:a"))
    assert "is not a Bluesky event stream" in usage("--source", "wss://example.test/xrpc/app.bsky.feed.getTimeline")
    assert "should start with wss://" in usage("--source", "https://example.test/subscribe")
    (data / "config.toml").write_text('[watch]\nsource = "ftp://example.test/subscribe"\n')
    assert "config.toml: [watch] source" in usage()
    store.add_account(TrackedAccount("bluesky", "b.test", "did:plc:b"))
    assert "--account (bluesky:a.test, bluesky:b.test)" in usage("--source", "wss://example.test/subscribe")


def test_only_watch_loads_the_stream_libraries():
    def loaded(*argv: str) -> set[str]:
        code = (
            f"import sys\nsys.argv = ['followtui', *{list(argv)!r}]\nfrom followtui.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\nprint(' '.join(sys.modules))"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        return {name.split(".")[0] for name in out.split()}

    for argv in (["--help"], ["sync", "--help"], ["watch", "--help"], ["changes", "--help"]):
        assert not loaded(*argv) & {"websockets", "libipld"}, argv
