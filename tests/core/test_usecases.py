"""The application's verbs against the simulator over loopback: what the CLI, the TUI and the demo all call."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from followtui.core.actions import Action, Outcome, run_actions
from followtui.core.analysis import AccountData
from followtui.core.config import Settings
from followtui.core.connect import add_account
from followtui.core.errors import UsageError
from followtui.core.store import Store
from followtui.core.usecases import (
    AccountSync,
    export_view,
    follow_or_unfollow,
    plan_undo,
    sync_accounts,
)
from followtui.models import Annotation, Profile, SyncStatus, TrackedAccount, Trickster
from followtui.providers.errors import AuthError, ProviderError, RateLimitError
from followtui.simulator import SimulatorServer, World

from .fakes import FakeProvider

TOKEN_ENV = "FOLLOWTUI_TEST_USECASES_TOKEN"


@pytest.fixture
def network():
    """Two owners on one simulated GitHub, octocat's token granted."""
    world = World.generate(seed=61, owner="octocat", followers=40, following=25)
    world.add_owner("hubot", followers=20, following=10)
    world.add_token("usecases-token", "octocat")
    with SimulatorServer(world) as sim:
        yield world, sim


async def track(store: Store, url: str, *logins: str) -> list[TrackedAccount]:
    return [await add_account(store, "github", login, server=url, token_env=TOKEN_ENV) for login in logins]


def import_only(store: Store) -> TrackedAccount:
    account = TrackedAccount(platform="x", handle="me", id="me", added_at=datetime.now(UTC))
    store.add_account(account)
    return account


# sync ---------------------------------------------------------------------------------------------


async def test_sync_every_account_skips_the_import_only_ones_and_reports_each(tmp_path, network):
    world, sim = network
    store = Store(tmp_path)
    octocat, hubot = await track(store, sim.url, "octocat", "hubot")
    offline = import_only(store)
    heard: list[AccountSync] = []
    steps: set[tuple[str, str]] = set()

    run = await sync_accounts(store, on_synced=heard.append,
                              progress=lambda account, phase, done, total: steps.add((account.key, phase)))  # fmt: skip

    assert [one.account for one in run.accounts] == [octocat, hubot] and heard == list(run.accounts)
    assert run.skipped == (offline,) and "skipping import-only x:me" in run.skipped_notice
    assert not run.failures and [r.status for r in run.reports()] == [SyncStatus.BASELINE] * 2
    assert {key for key, _ in steps} == {octocat.key, hubot.key}  # progress says whose it is
    truth = {str(r["id"]) for r in world.truth("hubot")["followers"]}
    assert {p.id for p in AccountData.load(store, hubot).pane("followers")} == truth
    assert store.syncs(offline.key) == []


async def test_one_account_failing_leaves_the_others_synced(tmp_path, network):
    _, sim = network
    store = Store(tmp_path)
    [octocat] = await track(store, sim.url, "octocat")
    ghost = TrackedAccount(platform="github", handle="nobody-here", id="987654321", server=sim.url)
    store.add_account(ghost)

    run = await sync_accounts(store, [ghost, octocat])

    assert [one.account for one in run.failures] == [ghost]
    assert isinstance(run.failures[0].error, ProviderError)
    assert run.accounts[1].report is not None and run.accounts[1].report.status is SyncStatus.BASELINE
    with pytest.raises(ProviderError):
        run.reports()  # for a caller that cannot go on without every report


async def test_accounts_sync_together_on_their_own_servers(tmp_path):
    worlds = [World.generate(seed=62 + i, owner="octocat", followers=30, following=20) for i in range(2)]
    with SimulatorServer(worlds[0]) as one, SimulatorServer(worlds[1], platform="mastodon") as two:
        store = Store(tmp_path)
        github = await add_account(store, "github", "octocat", server=one.url)
        mastodon = await add_account(store, "mastodon", "octocat", server=two.url)
        for world in worlds:
            world.advance_days(1)
        run = await sync_accounts(store, [github, mastodon], together=True)
    assert [one.account for one in run.accounts] == [github, mastodon]  # in the order asked, not of finishing
    assert [r.followers for r in run.reports()] == [len(w.truth("octocat")["followers"]) for w in worlds]


async def test_naming_an_import_only_account_is_a_usage_error_before_any_sync(tmp_path, network):
    _, sim = network
    store = Store(tmp_path)
    [octocat] = await track(store, sim.url, "octocat")
    offline = import_only(store)
    with pytest.raises(UsageError, match=r"x:me cannot be synced.*followtui import"):
        await sync_accounts(store, [octocat, offline])
    assert store.syncs(octocat.key) == []


# follow, unfollow, undo ---------------------------------------------------------------------------


async def test_follow_by_handle_summarise_then_undo(tmp_path, network, monkeypatch):
    world, sim = network
    monkeypatch.setenv(TOKEN_ENV, "usecases-token")
    store = Store(tmp_path)
    [octocat] = await track(store, sim.url, "octocat")
    await sync_accounts(store)
    fans = AccountData.load(store, octocat).pane("fans")
    known, followed = fans[0], next(p for p in AccountData.load(store, octocat).pane("mutuals"))
    stranger = world.account("hubot")  # not in the store: looked up on the platform by handle
    assert stranger is not None

    seen = []
    summary = await follow_or_unfollow(store, octocat, "follow", [known.handle, stranger.login, followed],
                                       on_result=seen.append)  # fmt: skip

    assert (
        [r.outcome for r in summary.results]
        == [Outcome.DONE, Outcome.DONE, Outcome.SKIPPED]
        == [r.outcome for r in seen]
    )
    assert summary.counts == {Outcome.DONE: 2, Outcome.SKIPPED: 1} and not summary.all_done and not summary.failed
    assert summary.message == f"follow: 2 done, 1 skipped — {followed.handle}: already following"
    assert world.is_following("octocat", int(known.id)) and world.is_following("octocat", "hubot")

    undo = plan_undo(store)
    assert (undo.account, undo.action, undo.who) == (octocat, Action.UNFOLLOW, "2 accounts")
    reversed_ = await follow_or_unfollow(store, undo.account, undo.action, undo.targets, batch=undo.batch)
    assert reversed_.all_done and reversed_.message == "unfollow: 2 done"
    assert not world.is_following("octocat", int(known.id)) and not world.is_following("octocat", "hubot")
    with pytest.raises(UsageError, match="nothing to undo"):
        plan_undo(store, octocat)  # the last batch was itself an undo


async def test_a_dry_run_changes_nothing_and_a_refused_secret_stops_the_batch(tmp_path, network, monkeypatch):
    world, sim = network
    store = Store(tmp_path)
    [octocat] = await track(store, sim.url, "octocat")
    await sync_accounts(store)
    fans = AccountData.load(store, octocat).pane("fans")[:3]

    monkeypatch.setenv(TOKEN_ENV, "usecases-token")
    dry = await follow_or_unfollow(store, octocat, Action.FOLLOW, fans, dry_run=True)
    assert dry.message == "follow: 3 dry-run — " + "; ".join(f"{p.handle}: would follow" for p in fans)
    assert not any(world.is_following("octocat", int(p.id)) for p in fans)

    monkeypatch.setenv(TOKEN_ENV, "not-the-right-token")
    with pytest.raises(AuthError):
        await follow_or_unfollow(store, octocat, Action.FOLLOW, fans)
    outcomes = [(e["outcome"], e["message"].startswith("not attempted")) for e in store.journal()[-3:]]
    assert outcomes == [("failed", False), ("skipped", True), ("skipped", True)]


class _Refusing(FakeProvider):
    """The state read works or fails as told; follows are counted."""

    def __init__(self, error: Exception | None = None, act_error: Exception | None = None) -> None:
        super().__init__()
        self.error, self.act_error, self.follows = error, act_error, 0

    async def is_following(self, profile: Profile) -> bool:
        if self.error is not None:
            raise self.error
        return False

    async def follow(self, profile: Profile) -> None:
        if self.act_error is not None:
            raise self.act_error
        self.follows += 1


@pytest.mark.parametrize("where", ["read", "act"])
@pytest.mark.parametrize(
    ("error", "stops"), [(RateLimitError("slow down"), True), (ProviderError("teapot"), False)], ids=["rate", "other"]
)
async def test_read_and_action_failures_stop_the_batch_alike(tmp_path, where, error, stops):
    store = Store(tmp_path)
    store.ensure()
    account = TrackedAccount(platform="github", handle="me", id="1")
    store.add_account(account)
    provider = _Refusing(**({"error": error} if where == "read" else {"act_error": error}))
    targets = [Profile(id=str(i), handle=f"user{i}") for i in (2, 3)]
    results = await run_actions(store, account, provider, Action.FOLLOW, targets)  # type: ignore[arg-type]
    assert results[0].outcome is Outcome.FAILED and results[0].message == str(error)
    if stops:
        assert results[1].outcome is Outcome.SKIPPED and results[1].message == "not attempted: slow down"
    else:
        assert results[1].outcome is Outcome.FAILED


# export -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    profile: Profile
    annotation: Annotation
    trickster: Trickster | None = None
    verdict: None = None


ROWS = [
    Row(Profile(id="1", handle="ada", bio="=HYPERLINK(1)"), Annotation(key="github:1", tags=("friend",))),
    Row(Profile(id="2", handle="bob"), Annotation(key="github:2", keep=True)),
]
ACCOUNT = TrackedAccount(platform="github", handle="me", id="9")


def test_an_export_lands_in_the_exports_folder_in_the_suffixs_format(tmp_path):
    settings = Settings(config_dir=tmp_path / "config")
    started_in = os.getcwd()
    path = export_view(settings, tmp_path / "data", ACCOUNT, "followers", ROWS, "view.csv")
    assert path == (tmp_path / "data" / "exports" / "view.csv").resolve() and os.getcwd() == started_in
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    assert [r["handle"] for r in rows] == ["ada", "bob"] and rows[0]["bio"] == "'=HYPERLINK(1)"
    assert "verdict" in rows[0] and "followed_at" not in rows[0]

    doc = json.loads(export_view(settings, tmp_path / "data", ACCOUNT, "tricksters", ROWS, "sub/v.JSON").read_text())
    assert doc["account"] == "github:me" and doc["pane"] == "tricksters" and doc["rows"][1]["keep"] is True

    forced = export_view(settings, tmp_path / "data", ACCOUNT, "tricksters", ROWS, "plain.txt", fmt="json")
    assert json.loads(forced.read_text())["rows"][0]["tags"] == ["friend"]
    with pytest.raises(UsageError, match="csv, json"):
        export_view(settings, tmp_path / "data", ACCOUNT, "fans", ROWS, "x.xml", fmt="xml")


def test_a_configured_exports_folder_and_a_failure_naming_the_file(tmp_path):
    folder = tmp_path / "mine"
    settings = Settings(config_dir=tmp_path / "config", exports_dir=folder)
    assert export_view(settings, tmp_path / "data", ACCOUNT, "fans", ROWS, "a.csv") == (folder / "a.csv").resolve()
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(OSError) as caught:
        export_view(Settings(config_dir=tmp_path / "c", exports_dir=blocker), tmp_path, ACCOUNT, "fans", ROWS, "x.csv")
    assert caught.value.filename == str((blocker / "x.csv").resolve())


def test_the_verbs_load_no_textual():
    code = "import followtui.core.usecases, sys; print(' '.join(sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert not {m for m in loaded if m.split(".")[0] in ("textual", "typer")}
