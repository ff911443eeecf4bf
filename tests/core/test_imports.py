"""Offline imports as dated snapshots: baseline, events at the export's date, date order, owners, suspect drops."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from followtui.cli.exit_codes import ExitCode, exit_code_for
from followtui.core.analysis import AccountData
from followtui.core.connect import add_account
from followtui.core.errors import SuspectSyncError, UsageError
from followtui.core.imports import (
    DateSource,
    import_only_message,
    import_snapshot,
    parse_account,
    parse_date,
    snapshot_date,
)
from followtui.core.store import Store
from followtui.core.sync import SyncOptions
from followtui.models import EventKind, Profile, SyncStatus
from followtui.providers.archives import ArchiveSnapshot
from tests.storefiles import history_rows

T0 = datetime(2024, 1, 1, 12, tzinfo=UTC)
NOW = datetime(2025, 1, 1, tzinfo=UTC)


def x_snap(followers, following, taken_at=T0, owner: Profile | None = None) -> ArchiveSnapshot:
    def profiles(ids):
        return tuple(Profile(id=i, handle=f"id:{i}") for i in ids)

    return ArchiveSnapshot("x", profiles(followers), profiles(following), taken_at, "test.zip", owner=owner)


def ig_snap(followers, following, taken_at, since: dict[str, datetime] | None = None) -> ArchiveSnapshot:
    def profiles(names):
        return tuple(Profile(id=n.lower(), handle=n) for n in names)

    return ArchiveSnapshot(
        "instagram", profiles(followers), profiles(following), taken_at, "export.zip", follower_since=since or {}
    )


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(tmp_path / "data")


def snapshot_bytes(store: Store) -> list[str]:
    return history_rows(store.data_dir)


def test_first_import_creates_the_account_as_a_baseline(store):
    result = import_snapshot(store, "x", "me", x_snap(["1", "2", "3"], ["2", "9"]), now=NOW)
    assert result.created and result.report.status is SyncStatus.BASELINE
    assert result.account.label == "x:me" and result.account.id == "me"  # no manifest: the handle is the id
    assert result.date_source is DateSource.FILES and result.report.observed_at == T0
    assert [a.label for a in store.accounts()] == ["x:me"]
    assert store.events(result.account.key) == []
    data = AccountData.load(store, result.account)
    assert {p.id for p in data.pane("mutuals")} == {"2"}
    assert {p.id for p in data.pane("fans")} == {"1", "3"}


def test_later_imports_are_events_at_the_export_date_and_a_loss_is_an_unfollow(store):
    import_snapshot(store, "x", "me", x_snap(["1", "2", "3"], ["2"]), now=NOW)
    t1 = T0 + timedelta(days=30)
    result = import_snapshot(store, "x", "me", x_snap(["2", "3", "4"], ["2", "4"], t1), now=NOW)
    assert not result.created and result.report.status is SyncStatus.OK
    assert (result.report.gained, result.report.lost, result.report.gone, result.report.added) == (1, 1, 0, 1)
    events = {(e.kind, e.profile_id, e.at, e.gone) for e in store.events(result.account.key)}
    assert events == {
        (EventKind.FOLLOWER_GAINED, "4", t1, ""),
        (EventKind.FOLLOWER_LOST, "1", t1, ""),
        (EventKind.FOLLOWING_ADDED, "4", t1, ""),
    }
    tricksters = AccountData.load(store, result.account).tricksters()
    assert [(t.profile.id, t.followed_at, t.unfollowed_at) for t in tricksters] == [("1", None, t1)]


@pytest.mark.parametrize("days", [0, -1])
def test_an_export_not_newer_than_the_latest_is_refused_and_changes_nothing(store, days):
    import_snapshot(store, "x", "me", x_snap(["1", "2"], ["2"]), now=NOW)
    before = snapshot_bytes(store)
    with pytest.raises(UsageError, match="not newer than the latest snapshot") as info:
        import_snapshot(store, "x", "me", x_snap(["2"], [], T0 + timedelta(days=days)), now=NOW)
    assert exit_code_for(info.value) is ExitCode.USAGE
    assert snapshot_bytes(store) == before


def test_an_export_dated_in_the_future_is_refused(store):
    with pytest.raises(UsageError, match="in the future"):
        import_snapshot(store, "x", "me", x_snap(["1"], [], NOW + timedelta(days=2)), now=NOW)
    assert store.accounts() == []


def test_a_given_date_wins_and_must_still_be_newer(store):
    import_snapshot(store, "instagram", "me", ig_snap(["a"], [], T0, {"a": T0}), now=NOW)
    same = ig_snap(["b"], [], T0, {"b": T0})  # no new follow since: the export's date looks unchanged
    with pytest.raises(UsageError, match="--date"):
        import_snapshot(store, "instagram", "me", same, now=NOW)
    later = T0 + timedelta(days=3)
    result = import_snapshot(store, "instagram", "me", same, date=later, now=NOW)
    assert result.date_source is DateSource.OPTION and result.report.observed_at == later


def test_the_suspect_drop_guard_uses_the_sync_thresholds(store):
    followers = [str(i) for i in range(100)]
    import_snapshot(store, "x", "me", x_snap(followers, []), now=NOW)
    before = store.snapshot("x:me")
    later = T0 + timedelta(days=1)
    with pytest.raises(SuspectSyncError, match="run the import again with --accept-drop"):
        import_snapshot(store, "x", "me", x_snap(followers[:10], [], later), options=SyncOptions(drop_min=50), now=NOW)
    assert store.snapshot("x:me") == before and store.events("x:me") == []
    assert store.syncs("x:me")[-1].status is SyncStatus.SUSPECT
    # the same loss under a larger minimum is believed
    result = import_snapshot(store, "x", "me", x_snap(followers[:10], [], later), options=SyncOptions(drop_min=95))
    assert result.report.lost == 90


def test_the_manifest_owner_gives_the_stable_id_and_guards_against_someone_elses_archive(store):
    alice = Profile(id="42", handle="alice", display_name="Alice")
    result = import_snapshot(store, "x", "alice", x_snap(["1"], [], owner=alice), now=NOW)
    assert result.account.id == "42" and result.date_source is DateSource.ARCHIVE
    later = T0 + timedelta(days=1)
    with pytest.raises(UsageError, match="someone else's archive"):
        import_snapshot(store, "x", "alice", x_snap(["1"], [], later, owner=Profile(id="7", handle="alice")))
    with pytest.raises(UsageError, match="belongs to @bob"):
        import_snapshot(store, "x", "carol", x_snap(["1"], [], later, owner=Profile(id="7", handle="bob")))
    # a rename: the archive of id 42 now says @alice2; the tracked account follows it
    renamed = import_snapshot(store, "x", "alice2", x_snap(["1", "2"], [], later, owner=replace_handle(alice)))
    assert renamed.account.label == "x:alice2" and [a.label for a in store.accounts()] == ["x:alice2"]
    assert store.snapshot("x:42") is not None
    assert sorted((e.kind.value, e.detail) for e in store.events("x:42")) == [
        ("follower_gained", ""),
        ("renamed", "alice → alice2"),  # the account's own new handle
    ]


def replace_handle(profile: Profile) -> Profile:
    return Profile(id=profile.id, handle="alice2", display_name=profile.display_name)


def test_an_account_first_known_by_handle_keeps_its_id_when_a_manifest_appears(store):
    import_snapshot(store, "x", "me", x_snap(["1"], []), now=NOW)
    later = T0 + timedelta(days=1)
    result = import_snapshot(store, "x", "me", x_snap(["1", "2"], [], later, owner=Profile(id="99", handle="me")))
    assert result.account.key == "x:me" and result.report.gained == 1


def test_a_failed_first_commit_leaves_no_account_behind(store, monkeypatch):
    def broken(commit):
        raise OSError("disk full")

    monkeypatch.setattr(store, "commit_sync", broken)
    with pytest.raises(OSError):
        import_snapshot(store, "x", "me", x_snap(["1"], []), now=NOW)
    assert store.accounts() == []


def test_snapshot_dates_say_where_they_came_from():
    when = T0 + timedelta(hours=5)
    assert snapshot_date(ig_snap([], [], T0, {"a": T0}), None, NOW) == (T0, DateSource.ARCHIVE)
    assert snapshot_date(ig_snap([], [], T0), None, NOW) == (T0, DateSource.FILES)
    assert snapshot_date(x_snap([], [], owner=Profile(id="1", handle="me")), None, NOW) == (T0, DateSource.ARCHIVE)
    assert snapshot_date(x_snap([], []), None, NOW) == (T0, DateSource.FILES)
    assert snapshot_date(x_snap([], [], taken_at=None), None, NOW) == (NOW, DateSource.NOW)
    assert snapshot_date(x_snap([], []), when, NOW) == (when, DateSource.OPTION)


def test_account_refs_and_dates_are_checked():
    assert parse_account("x:@Me_1", "x") == "Me_1"
    assert parse_account("me.too", "instagram") == "me.too"
    with pytest.raises(UsageError, match="must be x:HANDLE"):
        parse_account("instagram:me", "x")
    with pytest.raises(UsageError, match="not a valid X handle"):
        parse_account("x:no spaces", "x")
    assert parse_date("2024-02-03") == datetime(2024, 2, 3, tzinfo=UTC)
    assert parse_date("2024-02-03T10:00+02:00") == datetime(2024, 2, 3, 8, tzinfo=UTC)
    with pytest.raises(UsageError):
        parse_date("yesterday")


async def test_adding_an_import_only_platform_names_the_import_command(store):
    with pytest.raises(UsageError, match="followtui import x-archive PATH --account x:me"):
        await add_account(store, "x", "@me")
    with pytest.raises(UsageError, match="followtui import instagram PATH --account instagram:me"):
        await add_account(store, "Instagram", "me")
    assert "import-only" in import_only_message("x")
