"""The sync engine's decisions: baseline, events, suspect drops, gone vs unfollowed, failures record nothing."""

import pytest

from followtui.core.analysis import AccountData
from followtui.core.errors import SuspectSyncError
from followtui.core.store import Store
from followtui.core.sync import SyncOptions, sync_account
from followtui.models import EventKind, GoneReason, SyncStatus, TrackedAccount
from followtui.providers.errors import IncompleteListError, NetworkError

from .fakes import FakeProvider

ACCOUNT = TrackedAccount(platform="github", handle="me", id="1")


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path)
    s.ensure()
    s.add_account(ACCOUNT)
    return s


@pytest.fixture
def fake():
    f = FakeProvider()
    f.followers = [str(i) for i in range(100, 110)]
    f.following = [str(i) for i in range(105, 115)]
    return f


async def test_first_sync_is_a_baseline(store, fake):
    report = await sync_account(store, ACCOUNT, fake)
    assert report.status is SyncStatus.BASELINE
    assert store.events(ACCOUNT.key) == []
    data = AccountData.load(store, ACCOUNT)
    assert {p.id for p in data.pane("mutuals")} == {str(i) for i in range(105, 110)}
    assert {p.id for p in data.pane("fans")} == {str(i) for i in range(100, 105)}
    assert {p.id for p in data.pane("nonfollowers")} == {str(i) for i in range(110, 115)}


async def test_changes_become_events_and_gone_is_not_an_unfollow(store, fake):
    await sync_account(store, ACCOUNT, fake)
    fake.tick()
    fake.followers.remove("100")  # unfollows
    fake.followers.remove("101")  # deleted
    fake.gone["101"] = GoneReason.DELETED
    fake.followers.append("200")
    fake.following.append("100")
    report = await sync_account(store, ACCOUNT, fake)
    assert (report.gained, report.lost, report.gone, report.added) == (1, 1, 1, 1)
    kinds = {(e.kind, e.profile_id, e.gone) for e in store.events(ACCOUNT.key)}
    assert kinds == {
        (EventKind.FOLLOWER_LOST, "100", ""),
        (EventKind.FOLLOWER_LOST, "101", "deleted"),
        (EventKind.FOLLOWER_GAINED, "200", ""),
        (EventKind.FOLLOWING_ADDED, "100", ""),
    }
    assert all(e.at == fake.clock for e in store.events(ACCOUNT.key))
    tricksters = AccountData.load(store, ACCOUNT).tricksters()
    assert [t.profile.id for t in tricksters] == ["100"]


async def test_rename_is_not_unfollow_plus_follow(store, fake):
    await sync_account(store, ACCOUNT, fake)
    old = store.profiles("github")["100"].handle
    fake.handles["100"] = "new-name"
    fake.tick()
    report = await sync_account(store, ACCOUNT, fake)
    [renamed] = store.events(ACCOUNT.key)  # not an unfollow plus a follow
    assert (renamed.kind, renamed.profile_id, renamed.detail) == (EventKind.RENAMED, "100", f"{old} → new-name")
    assert [(c.kind.value, c.handle, c.detail) for c in report.changes] == [
        ("renamed", "new-name", f"{old} → new-name")
    ]
    assert report.gained == report.lost == 0
    assert store.profiles("github")["100"].handle == "new-name"


async def test_failed_fetch_records_only_its_failure(store, fake):
    await sync_account(store, ACCOUNT, fake)
    before = store.snapshot(ACCOUNT.key)
    fake.followers = fake.followers[:2]
    fake.fail_fetch = True
    with pytest.raises(NetworkError):
        await sync_account(store, ACCOUNT, fake)
    assert store.snapshot(ACCOUNT.key) == before
    assert store.events(ACCOUNT.key) == []
    assert store.syncs(ACCOUNT.key)[-1].status is SyncStatus.FAILED


async def test_failed_classification_records_no_unfollows(store, fake):
    await sync_account(store, ACCOUNT, fake)
    fake.followers.remove("100")
    fake.fail_lookup = True
    with pytest.raises(NetworkError):
        await sync_account(store, ACCOUNT, fake)
    assert store.events(ACCOUNT.key) == []


async def test_list_far_below_profile_count_is_incomplete(store, fake):
    fake.report_count = 1000
    with pytest.raises(IncompleteListError, match="cut short"):
        await sync_account(store, ACCOUNT, fake)
    assert store.snapshot(ACCOUNT.key) is None


async def test_sudden_large_drop_is_held_until_accepted(store, fake):
    fake.followers = [str(i) for i in range(1000, 1300)]
    await sync_account(store, ACCOUNT, fake)
    fake.followers = fake.followers[:200]  # 100 of 300 gone: > 20% and > 50
    with pytest.raises(SuspectSyncError, match="--accept-drop"):
        await sync_account(store, ACCOUNT, fake)
    assert len(store.snapshot(ACCOUNT.key).followers) == 300
    assert store.syncs(ACCOUNT.key)[-1].status is SyncStatus.SUSPECT
    report = await sync_account(store, ACCOUNT, fake, SyncOptions(accept_drop=True))
    assert report.lost == 100


async def test_hydration_respects_budget_new_accounts_first(store, fake):
    report = await sync_account(store, ACCOUNT, fake, SyncOptions(hydrate_budget=3))
    profiles = store.profiles("github")
    assert sum(1 for p in profiles.values() if p.hydrated_at) == 4  # own profile + 3
    assert report.requests <= 3 + 3
    fake.tick()
    await sync_account(store, ACCOUNT, fake, SyncOptions(hydrate_budget=100))
    assert all(p.hydrated_at for p in store.profiles("github").values())


async def test_own_handle_renamed_is_found_by_id(store, fake):
    await sync_account(store, ACCOUNT, fake)
    fake.owner = fake.owner.__class__(id="1", handle="me-renamed")
    fake.handles["1"] = "me-renamed"
    await sync_account(store, ACCOUNT, fake)
    assert store.accounts()[0].handle == "me-renamed"


async def test_trickster_who_later_deletes_the_account_is_no_longer_listed(store, fake):
    await sync_account(store, ACCOUNT, fake)
    fake.followers.remove("100")
    fake.tick()
    await sync_account(store, ACCOUNT, fake)
    assert [t.profile.id for t in AccountData.load(store, ACCOUNT).tricksters()] == ["100"]
    fake.handles["100"] = "renamed-trickster"
    fake.tick()
    await sync_account(store, ACCOUNT, fake)
    [t] = AccountData.load(store, ACCOUNT).tricksters()
    assert t.profile.handle == "renamed-trickster"
    fake.gone["100"] = GoneReason.SUSPENDED
    fake.tick()
    await sync_account(store, ACCOUNT, fake)
    assert AccountData.load(store, ACCOUNT).tricksters() == []


def test_profile_follower_history_records_changes_only():
    from datetime import UTC, datetime, timedelta

    from followtui.core.codec import merge_profile, profile_from_doc, profile_to_doc
    from followtui.models import Profile

    t = datetime(2026, 1, 5, tzinfo=UTC)
    p = None
    for day, count in enumerate([10, 10, 12, 12, 9]):
        p = merge_profile(p, Profile(id="7", handle="x", followers_count=count, hydrated_at=t + timedelta(days=day)))
    p = merge_profile(p, Profile(id="7", handle="x"))  # a bare list entry keeps the history
    assert [n for _, n in p.followers_history] == [10, 12, 9]
    assert profile_from_doc(profile_to_doc("github", p)) == p
