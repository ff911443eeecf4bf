"""followtui against Bluesky's own server software (PDS + AppView from @atproto/dev-env), through the real CLI.

Ground truth is what this test wrote to the PDS (its own records of who follows whom), checked against the
AppView's getFollowers/getFollows and the PDS's listRecords; followtui's panes must agree with it.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tests.integration.harness import run_cli
from tests.real.atproto import Actor, Network, wait_for

SAME_CREATED_AT = "2024-01-01T00:00:00.000Z"


class Alice:
    """The tracked account, its followtui data dir, and our own record of its graph."""

    def __init__(self, net: Network, data_dir: Path, handle: str) -> None:
        self.net = net
        self.data_dir = data_dir
        self.me = net.create_account(handle, app_password=True)
        self.followers: dict[str, Actor] = {}
        self.following: dict[str, Actor] = {}

    @property
    def env(self) -> dict[str, str]:
        assert self.me.app_password
        return {"FOLLOWTUI_BLUESKY_TOKEN": self.me.app_password}

    def cli(self, *args: str) -> Any:
        return run_cli(self.data_dir, *args, env=self.env)

    def add(self) -> None:
        result = self.cli(
            "account", "add", "bluesky", self.me.handle, "--server", self.net.appview, "--pds", self.net.pds
        )
        assert result.returncode == 0, result.stderr

    def followed_by(self, *actors: Actor, created_at: str | None = None) -> None:
        for actor in actors:
            self.net.follow(actor, self.me, created_at)
            self.followers[actor.did] = actor

    def unfollowed_by(self, *actors: Actor) -> None:
        for actor in actors:
            self.net.unfollow(actor, self.me)
            del self.followers[actor.did]

    def follow(self, *actors: Actor) -> None:
        for actor in actors:
            self.net.follow(self.me, actor)
            self.following[actor.did] = actor

    def settle(self) -> None:
        """Wait for the AppView to index our writes; then its lists must be exactly our records."""
        self.net.wait_indexed(self.me, set(self.followers), set(self.following))
        assert set(self.net.follow_records(self.me)) == set(self.following)

    def settle_following(self) -> None:
        self.net.wait_for_follows(self.me, set(self.following))
        assert set(self.net.follow_records(self.me)) == set(self.following)

    def sync(self) -> Any:
        return self.cli("sync", "--json")

    def show(self, pane: str) -> list[dict[str, Any]]:
        result = self.cli("show", pane, "--format", "json")
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)["rows"]

    def ids(self, pane: str) -> set[str]:
        return {row["id"] for row in self.show(pane)}

    def check_panes(self, tricksters: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        followers, following = set(self.followers), set(self.following)
        assert self.ids("followers") == followers
        assert self.ids("following") == following
        assert self.ids("mutuals") == followers & following
        assert self.ids("fans") == followers - following
        assert self.ids("nonfollowers") == following - followers
        assert self.ids("tricksters") == tricksters
        # and followtui agrees with the AppView itself
        assert set(self.net.graph(self.me, "followers")[0]) == followers
        assert set(self.net.graph(self.me, "follows")[0]) == following


def make_actors(net: Network, prefix: str, count: int) -> list[Actor]:
    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(lambda i: net.create_account(f"{prefix}{i:03d}.test"), range(count)))


def test_sync_panes_tricksters_and_actions(net: Network, tmp_path: Path) -> None:
    alice = Alice(net, tmp_path / "data", "alice.test")
    bob, carol, dave, erin, frank, grace, heidi, trick = (
        net.create_account(f"{name}.test")
        for name in ("bob", "carol", "dave", "erin", "frank", "grace", "heidi", "trick")
    )
    alice.followed_by(bob, carol, dave, erin, trick)
    alice.follow(bob, frank, grace)
    alice.settle()
    alice.add()

    first = alice.sync()
    assert first.returncode == 0, first.stderr
    alice.check_panes()

    # heidi arrives; alice follows the trickster back with followtui itself (record checked on the PDS)
    alice.followed_by(heidi)
    result = alice.cli("follow", trick.handle, "--json")
    assert result.returncode == 0, result.stderr
    records = net.follow_records(alice.me)
    assert trick.did in records
    alice.me.follows[trick.did] = records[trick.did]
    alice.following[trick.did] = trick
    alice.settle()
    second = alice.sync()
    assert second.returncode == 0, second.stderr
    alice.check_panes()

    # the trickster leaves after the follow-back; dave (there since the baseline) leaves too; erin deactivates
    # her account (her follow record stays, so the profile still counts her: a shortfall that is real); alice
    # unfollows grace with followtui
    alice.unfollowed_by(trick, dave)
    net.deactivate(erin)
    del alice.followers[erin.did]
    result = alice.cli("unfollow", grace.handle, "--json")
    assert result.returncode == 0, result.stderr
    assert grace.did not in net.follow_records(alice.me)
    del alice.following[grace.did]
    alice.me.follows.pop(grace.did)
    wait_for(lambda: set(net.graph(alice.me, "followers")[0]) == set(alice.followers), 60, "erin to vanish")
    assert net.profile(alice.me)["followersCount"] == len(alice.followers) + 1  # erin is still counted
    alice.settle_following()
    third = alice.sync()
    assert third.returncode == 0, third.stderr
    alice.check_panes(tricksters={trick.did, dave.did})
    rows = {row["id"]: row for row in alice.show("tricksters")}
    assert rows[trick.did]["followed_back_at"], rows[trick.did]
    assert not rows[dave.did]["followed_back_at"], rows[dave.did]
    (report,) = json.loads(third.stdout)["accounts"]
    assert (report["followers"], report["following"]) == (len(alice.followers), len(alice.following))
    assert (report["lost"], report["gone"]) == (2, 1), report  # trick and dave unfollowed; erin is gone


def test_identical_follow_records_do_not_become_phantom_unfollows(net: Network, tmp_path: Path) -> None:
    """Follow records with the same subject and createdAt are byte-identical, so they share one CID; the
    AppView's keyset cursor is (sortAt, cid), so a page boundary inside such a run skips the rest of it."""
    zoe = Alice(net, tmp_path / "data", "zoe.test")
    early = make_actors(net, "early", 5)
    block = make_actors(net, "same", 105)
    late = make_actors(net, "late", 8)
    zoe.followed_by(*early)
    zoe.followed_by(*block[:95], created_at=SAME_CREATED_AT)
    zoe.follow(*block[:3])  # a few followed back (a phantom loss would make any of the run a trickster)
    zoe.settle()  # 100 followers: one page, no cursor, the whole list
    zoe.add()
    baseline = zoe.sync()
    assert baseline.returncode == 0, baseline.stderr
    zoe.check_panes()
    before = zoe.ids("followers")

    # 8 newer followers push the boundary of the first page into the run of identical records
    zoe.followed_by(*late)
    net.wait_counts(zoe.me, len(zoe.followers), len(zoe.following))
    listed, pages = net.graph(zoe.me, "followers")
    small, _ = net.graph(zoe.me, "followers", limit=7)
    print(f"AppView: {len(listed)} of {len(zoe.followers)} followers in {pages} pages; limit 7: {len(small)}")
    assert set(listed) <= set(zoe.followers)

    result = zoe.sync()
    complete_or_nothing(zoe, result, before)

    # more than a page of identical records
    zoe.followed_by(*block[95:], created_at=SAME_CREATED_AT)
    net.wait_counts(zoe.me, len(zoe.followers), len(zoe.following))
    result = zoe.sync()
    complete_or_nothing(zoe, result, before)


def complete_or_nothing(zoe: Alice, result: Any, before: set[str]) -> None:
    """Either the complete list, or a failed sync that recorded nothing (no phantom unfollows)."""
    if result.returncode == 0:
        assert zoe.ids("followers") == set(zoe.followers), "followtui recorded a list the AppView cut short"
    else:
        assert result.returncode == 3, (result.returncode, result.stderr)
        assert zoe.ids("followers") == before
    assert zoe.ids("tricksters") == set()
    history = run_cli(zoe.data_dir, "history", "--format", "json")
    assert history.returncode == 0, history.stderr
    days = json.loads(history.stdout)["days"]
    assert days and all(day["lost"] == 0 for day in days), days
