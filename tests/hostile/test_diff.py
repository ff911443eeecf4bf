"""Properties of the diff (core.sync): for any previous and current sets of ids (hostile ids included), gained is
new − old, lost is old − new, and so on; no event names an unchanged member; a baseline has no events; and a
commit followed by a reload gives back exactly the new sets and exactly the events the diff promised."""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from followtui.core.store import Snapshot, Store
from followtui.core.sync import SetChanges, commit_snapshot
from followtui.models import EventKind, GoneReason, Profile, SyncStatus, TrackedAccount
from followtui.sanitize import clean_id

from .corpus import IDS, MISSING

ACCOUNT = TrackedAccount(platform="mastodon", handle="me", id="1")
OWN = Profile(id="1", handle="me")
T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
#: Ids as providers let them through: printable tokens without spaces, markup and wide characters included.
hostile_ids = [i for v in IDS.values() if v is not MISSING and (i := clean_id(v)) is not None]
printable = st.characters(exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"))
ids = st.sampled_from(hostile_ids) | st.text(alphabet=printable, min_size=1, max_size=6)
id_sets = st.frozensets(ids, max_size=20)
snapshots = st.none() | st.tuples(id_sets, id_sets)


def snapshot(sets: tuple[frozenset[str], frozenset[str]] | None) -> Snapshot | None:
    return None if sets is None else Snapshot(sets[0], sets[1], None, None)


@given(snapshots, id_sets, id_sets)
def test_the_set_differences(previous, followers, following):
    changes = SetChanges.between(snapshot(previous), followers, following)
    assert (changes.followers, changes.following) == (followers, following)
    if previous is None:
        assert changes.baseline
        assert not (changes.gained or changes.lost or changes.added or changes.removed)
        return
    old_followers, old_following = previous
    assert not changes.baseline
    assert changes.gained == followers - old_followers
    assert changes.lost == old_followers - followers
    assert changes.added == following - old_following
    assert changes.removed == old_following - following
    assert not (followers & old_followers) & (changes.gained | changes.lost)  # stayed: no change
    assert not (following & old_following) & (changes.added | changes.removed)


def commit(store: Store, changes: SetChanges, at: datetime, gone: dict[str, str]):  # type: ignore[no-untyped-def]
    return commit_snapshot(
        store, ACCOUNT, OWN, changes, {"1": OWN}, {}, gone, started=at, observed_at=at, clock=time.perf_counter(),
        requests=0,
    )  # fmt: skip


@given(snapshots, id_sets, id_sets, st.data())
def test_commit_and_reload_give_back_the_sets_and_exactly_the_promised_events(previous, followers, following, data):
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp))
        store.add_account(ACCOUNT)
        if previous is not None:
            baseline = commit(store, SetChanges.between(None, *previous), T0, {})
            assert baseline.status is SyncStatus.BASELINE
            assert store.events(ACCOUNT.key) == []  # a baseline has no events
        before = store.snapshot(ACCOUNT.key)
        changes = SetChanges.between(before, followers, following)
        leaving = sorted(changes.lost | changes.removed)
        gone_ids = data.draw(st.lists(st.sampled_from(leaving), unique=True) if leaving else st.just([]))
        gone = {pid: data.draw(st.sampled_from(list(GoneReason))).value for pid in gone_ids}
        at = T0 + timedelta(days=1)
        report = commit(store, changes, at, gone)

        after = store.snapshot(ACCOUNT.key)
        assert after is not None and (after.followers, after.following) == (followers, following)
        events = store.events(ACCOUNT.key)
        if previous is None:
            assert events == [] and report.status is SyncStatus.BASELINE
            return
        got = {(e.kind, e.profile_id): e.gone for e in events}
        assert len(got) == len(events) and all(e.at == at for e in events)
        expected = {(EventKind.FOLLOWER_GAINED, pid): "" for pid in changes.gained}
        expected |= {(EventKind.FOLLOWER_LOST, pid): gone.get(pid, "") for pid in changes.lost}
        expected |= {(EventKind.FOLLOWING_ADDED, pid): "" for pid in changes.added}
        expected |= {(EventKind.FOLLOWING_REMOVED, pid): gone.get(pid, "") for pid in changes.removed}
        assert got == expected
        old_followers, old_following = previous
        for kind, pid in got:  # never an event for a member that stayed
            stayed = old_followers & followers if kind.value.startswith("follower") else old_following & following
            assert pid not in stayed
        assert (report.gained, report.added, report.removed) == (len(changes.gained), len(changes.added),
                                                                 len(changes.removed))  # fmt: skip
        assert report.gone == len(changes.lost & gone.keys())
        assert report.lost == len(changes.lost - gone.keys())
        assert (report.followers, report.following) == (len(followers), len(following))
