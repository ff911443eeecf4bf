"""`followtui watch` against the real PDS's own repo firehose (com.atproto.sync.subscribeRepos), through the real CLI.

One story, told in order by the tests below (each needs the ones before it; a failure skips the rest):

1. alice syncs (baseline) and starts `watch`; between two syncs bob follows her, she follows him back and he
   unfollows her: watch prints and records followed_you, you_followed and unfollowed_you for bob, each at the time
   the test made it happen; `changes` lists them and bob is a trickster.
2. dave (a follower since the baseline) and alice (of frank) re-follow: the old record deleted and a new one
   created in ONE commit (applyWrites): no unfollow, nothing recorded at all.
3. watch is stopped (SIGTERM: exit 0); meanwhile carol follows alice and dave unfollows her (deleting the record
   of his re-follow, which only the saved watch records can name); the restarted watch resumes from its cursor and
   catches both, with their times.
4. the next `followtui sync` finds nothing new: every change is in the log once, recorded by watch.

Ground truth is what the test wrote to the PDS and when (the wall clock around each request: the dev-env runs on
this machine).
"""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.real.atproto import FOLLOW, Actor, Network, find_commit, now_iso
from tests.real.test_bluesky_real import Alice

#: Waits for the watch (a Python start, a sign-in, a full sync, the AppView looked up) on a loaded 2-core machine.
START_TIMEOUT_S = 120.0
EVENT_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 60.0
#: How far a recorded time may be from the moments the test saw around the request that made it.
CLOCK_SLACK = timedelta(seconds=2)
YOU_FOLLOW_THEM = "you follow them"


def _at(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class Done:
    """When the test made a change: the wall clock just before and just after the request."""

    before: datetime
    after: datetime

    def holds(self, at: datetime) -> bool:
        return self.before - CLOCK_SLACK <= at <= self.after + CLOCK_SLACK


def _any_of(wanted: list[tuple[str, str]], ops: list[tuple[str, str]]) -> bool:
    return any(op in ops for op in wanted)


def timed(action: Callable[[], Any]) -> Done:
    before = datetime.now(UTC)
    action()
    return Done(before, datetime.now(UTC))


class WatchProcess:
    """`followtui watch --source URL --json` in its own process: stdout's JSON lines and stderr's status lines are
    read on threads as they come."""

    def __init__(self, alice: Alice, source: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWTUI_")}
        env.update(alice.env)
        env["PYTHONUNBUFFERED"] = "1"
        command = [sys.executable, "-m", "followtui", "--data-dir", str(alice.data_dir), "watch", "--source", source]
        self.proc = subprocess.Popen(
            [*command, "--json"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.events: list[dict[str, Any]] = []
        self.stdout_junk: list[str] = []
        self.status: list[str] = []
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._read_stdout, daemon=True),
            threading.Thread(target=self._read_stderr, daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _read_stdout(self) -> None:
        for line in self.proc.stdout:  # type: ignore[union-attr]
            with self._lock:
                try:
                    self.events.append(json.loads(line))
                except json.JSONDecodeError:
                    self.stdout_junk.append(line)

    def _read_stderr(self) -> None:
        for line in self.proc.stderr:  # type: ignore[union-attr]
            with self._lock:
                self.status.append(line.rstrip("\n"))

    def seen(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.events)

    def log(self) -> str:
        with self._lock:
            return "\n".join(self.status[-40:])

    def wait(self, predicate: Callable[[], bool], what: str, timeout: float = EVENT_TIMEOUT_S) -> None:
        """Until `predicate()` holds; fails at once if the watch exits, with its stderr."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if self.proc.poll() is not None:
                for thread in self._threads:
                    thread.join(5)
                pytest.fail(f"watch exited ({self.proc.returncode}) waiting for {what}:\n{self.log()}")
            if time.monotonic() > deadline:
                pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}; printed {self.seen()}\n{self.log()}")
            time.sleep(0.1)

    def wait_status(self, needle: str, what: str, timeout: float = START_TIMEOUT_S) -> None:
        def said() -> bool:
            with self._lock:
                return any(needle in line for line in self.status)

        self.wait(said, what, timeout)

    def wait_event(self, kind: str, who: Actor, timeout: float = EVENT_TIMEOUT_S) -> dict[str, Any]:
        def found() -> dict[str, Any] | None:
            return next((e for e in self.seen() if e["kind"] == kind and e["id"] == who.did), None)

        self.wait(lambda: found() is not None, f"watch to print {kind} {who.handle}", timeout)
        event = found()
        assert event is not None
        return event

    def stop(self) -> int:
        """SIGTERM, as systemd stops it; the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            pytest.fail(f"watch did not stop within {STOP_TIMEOUT_S:.0f}s of SIGTERM:\n{self.log()}")
        for thread in self._threads:
            thread.join(10)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@dataclass
class Story:
    net: Network
    firehose: str
    alice: Alice
    people: dict[str, Actor]
    watch: WatchProcess | None = None
    #: (kind, DID) -> when the test made that change happen
    expected: dict[tuple[str, str], Done] = field(default_factory=dict)
    steps: set[str] = field(default_factory=set)

    def needs(self, *steps: str) -> None:
        missing = [s for s in steps if s not in self.steps]
        if missing:
            pytest.skip(f"an earlier step failed: {', '.join(missing)}")

    def start_watch(self) -> WatchProcess:
        assert self.watch is None or self.watch.proc.poll() is not None
        self.watch = WatchProcess(self.alice, self.firehose)
        return self.watch

    def changes(self) -> list[dict[str, Any]]:
        result = self.alice.cli("changes", "--format", "json")
        assert result.returncode == 0, result.stderr
        doc = json.loads(result.stdout)
        rows = doc["rows"] if isinstance(doc, dict) else doc
        assert isinstance(rows, list), doc
        return rows

    def check_printed(self, event: dict[str, Any], kind: str, who: Actor) -> None:
        """A printed (or logged) change: its kind, the person, source watch, and the time the test made it."""
        done = self.expected[(kind, who.did)]
        assert (event["kind"], event["id"], event["source"]) == (kind, who.did, "watch"), event
        at = _at(event["at"])
        assert done.holds(at), f"{kind} {who.handle} at {at}, but it happened in [{done.before}, {done.after}]"


@pytest.fixture(scope="module")
def story(net: Network, firehose: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    alice = Alice(net, tmp_path_factory.mktemp("watch") / "data", "walice.test")
    people = {name: net.create_account(f"w{name}.test") for name in ("bob", "carol", "dave", "frank", "grace")}
    told = Story(net, firehose, alice, people)
    try:
        yield told
    finally:
        if told.watch is not None:
            told.watch.kill()


def test_follow_back_then_unfollow_between_syncs_is_caught_with_times(story: Story) -> None:
    alice, p = story.alice, story.people
    bob, dave, frank = p["bob"], p["dave"], p["frank"]
    alice.followed_by(dave)
    alice.follow(frank)
    alice.settle()
    alice.add()
    baseline = alice.sync()
    assert baseline.returncode == 0, baseline.stderr
    alice.check_panes()

    watch = story.start_watch()
    # no cursor yet: watch syncs once with the stream already open, then trusts the stream
    watch.wait_status(": synced:", "watch's first full sync")

    t0 = time.monotonic()
    story.expected[("followed_you", bob.did)] = timed(lambda: alice.followed_by(bob, created_at=now_iso()))
    story.expected[("you_followed", bob.did)] = timed(lambda: alice.follow(bob))
    story.expected[("unfollowed_you", bob.did)] = timed(lambda: alice.unfollowed_by(bob))

    unfollowed = watch.wait_event("unfollowed_you", bob)
    print(f"watch printed the three changes {time.monotonic() - t0:.1f}s after the first")
    printed = [e for e in watch.seen() if e["id"] == bob.did]
    assert [e["kind"] for e in printed] == ["followed_you", "you_followed", "unfollowed_you"], printed
    for event in printed:
        story.check_printed(event, event["kind"], bob)
    assert unfollowed["detail"] == YOU_FOLLOW_THEM, unfollowed  # he unfollowed after alice followed him back
    assert not watch.stdout_junk, watch.stdout_junk

    logged = [row for row in story.changes() if row["id"] == bob.did]
    assert sorted((r["kind"], r["at"], r["source"]) for r in logged) == sorted(
        (e["kind"], e["at"], e["source"]) for e in printed
    ), logged
    tricksters = {row["id"]: row for row in alice.show("tricksters")}
    assert bob.did in tricksters, tricksters
    assert set(tricksters) == {bob.did}, tricksters
    story.steps.add("caught")


def test_refollow_in_one_commit_is_not_an_unfollow(story: Story) -> None:
    story.needs("caught")
    net, alice, p = story.net, story.alice, story.people
    dave, frank, grace = p["dave"], p["frank"], p["grace"]
    watch = story.watch
    assert watch is not None
    for who, whom in ((dave, alice.me), (alice.me, frank)):  # a follower's re-follow, and alice's own
        old = who.follows[whom.did]
        new = net.refollow(who, whom)
        # what makes it a re-follow: the PDS put the delete and the create in one commit on its firehose
        paths = [("delete", f"{FOLLOW}/{old}"), ("create", f"{FOLLOW}/{new}")]
        commit = find_commit(story.firehose, who.did, functools.partial(_any_of, paths))
        assert sorted(commit["ops"]) == sorted(paths), commit
    # a change after both, on the same ordered stream: once watch prints it, it has read the re-follows
    story.expected[("followed_you", grace.did)] = timed(lambda: alice.followed_by(grace))
    story.check_printed(watch.wait_event("followed_you", grace), "followed_you", grace)

    about = {dave.did, frank.did}
    assert [e for e in watch.seen() if e["id"] in about] == []
    assert [row for row in story.changes() if row["id"] in about] == []
    assert alice.ids("followers") == set(alice.followers)
    assert alice.ids("following") == set(alice.following)
    story.steps.add("refollow")


def test_restart_resumes_from_the_cursor_and_catches_what_happened_meanwhile(story: Story) -> None:
    story.needs("caught", "refollow")
    alice, p = story.alice, story.people
    carol, dave = p["carol"], p["dave"]
    watch = story.watch
    assert watch is not None
    code = watch.stop()
    assert code == 0, f"watch exited {code} on SIGTERM:\n{watch.log()}"

    story.expected[("followed_you", carol.did)] = timed(lambda: alice.followed_by(carol, created_at=now_iso()))
    # deletes the record dave's re-follow made: only the follow records watch saved say whom it followed
    story.expected[("unfollowed_you", dave.did)] = timed(lambda: alice.unfollowed_by(dave))

    watch = story.start_watch()
    for kind, who in (("followed_you", carol), ("unfollowed_you", dave)):
        story.check_printed(watch.wait_event(kind, who, START_TIMEOUT_S), kind, who)
    restarted = watch.log()
    assert ": synced:" not in restarted, f"the restarted watch ran a full sync instead of resuming:\n{restarted}"
    logged = {(r["kind"], r["id"]): r for r in story.changes()}
    for kind, who in (("followed_you", carol), ("unfollowed_you", dave)):
        story.check_printed(logged[(kind, who.did)], kind, who)
    story.steps.add("resumed")


def test_next_sync_adds_no_duplicates(story: Story) -> None:
    story.needs("caught", "refollow", "resumed")
    alice = story.alice
    watch = story.watch
    assert watch is not None
    alice.settle()  # the AppView has indexed everything (else the sync would see an older graph)
    result = alice.sync()  # while watch runs, as a cron sync beside a watch service would
    assert result.returncode == 0, result.stderr
    (report,) = json.loads(result.stdout)["accounts"]
    assert [report[k] for k in ("gained", "lost", "gone", "added", "removed")] == [0, 0, 0, 0, 0], report
    alice.check_panes(tricksters={story.people["bob"].did, story.people["dave"].did})

    rows = story.changes()
    keys = [(r["kind"], r["id"]) for r in rows]
    assert sorted(keys) == sorted(story.expected), rows  # each change once, nothing else
    for row in rows:
        who = next(a for a in story.people.values() if a.did == row["id"])
        story.check_printed(row, row["kind"], who)

    code = watch.stop()
    assert code == 0, f"watch exited {code} on SIGTERM:\n{watch.log()}"
    # the restarted watch printed only what happened while it was down (nothing replayed twice, nothing from the
    # sync beside it)
    printed = sorted((e["kind"], e["id"]) for e in watch.seen())
    carol, dave = story.people["carol"], story.people["dave"]
    assert printed == sorted([("followed_you", carol.did), ("unfollowed_you", dave.did)]), printed
    story.steps.add("synced")
