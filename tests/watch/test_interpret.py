"""followtui.core.watch: what follow-record commits mean for one account (pure logic, no stream)."""

from __future__ import annotations

import tracemalloc
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from followtui.core.watch import FollowRecords, LiveChange, interpret, interpret_events
from followtui.models import EventKind, FollowEvent

OWNER = "did:plc:owner000000000000000000"
ALICE = "did:plc:alice000000000000000000"
BOB = "did:plc:bob00000000000000000000"
CAROL = "did:plc:carol000000000000000000"
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Op:
    action: str
    rkey: str
    subject: str | None = None


@dataclass(frozen=True, slots=True)
class Commit:
    repo: str
    at: datetime
    ops: tuple[Op, ...]


def commit(repo: str, *ops: Op, at: datetime = T0) -> Commit:
    return Commit(repo, at, ops)


def create(rkey: str, subject: str | None) -> Op:
    return Op("create", rkey, subject)


def delete(rkey: str) -> Op:
    return Op("delete", rkey)


@pytest.fixture
def records() -> FollowRecords:
    return FollowRecords(OWNER, {(ALICE, "3kalice1"): OWNER, (OWNER, "3kown01"): BOB})


def test_someone_following_the_owner_is_followed_you_and_is_remembered(records):
    changes = interpret(commit(CAROL, create("3kcarol1", OWNER)), records)
    assert changes == [LiveChange(EventKind.FOLLOWER_GAINED, CAROL, T0)]
    assert records.get(CAROL, "3kcarol1") == OWNER and records.holds(CAROL, OWNER)


def test_deleting_a_known_follow_of_the_owner_is_unfollowed_you(records):
    later = T0 + timedelta(minutes=5)
    changes = interpret(commit(ALICE, delete("3kalice1"), at=later), records)
    assert changes == [LiveChange(EventKind.FOLLOWER_LOST, ALICE, later)]
    assert records.get(ALICE, "3kalice1") is None and ALICE not in records.followers()


def test_the_owners_own_creates_and_deletes_are_you_followed_and_you_unfollowed(records):
    assert interpret(commit(OWNER, create("3kown02", CAROL)), records) == [
        LiveChange(EventKind.FOLLOWING_ADDED, CAROL, T0)
    ]
    assert interpret(commit(OWNER, delete("3kown01")), records) == [LiveChange(EventKind.FOLLOWING_REMOVED, BOB, T0)]
    assert records.following() == {CAROL}


def test_a_delete_and_create_of_the_same_pair_in_one_commit_is_a_refollow_not_an_unfollow(records):
    changes = interpret(commit(ALICE, delete("3kalice1"), create("3kalice2", OWNER)), records)
    assert changes == []
    assert records.get(ALICE, "3kalice1") is None and records.get(ALICE, "3kalice2") == OWNER
    assert records.stats.refollows == 1
    # in either order, and in the owner's own repo too
    assert interpret(commit(ALICE, create("3kalice3", OWNER), delete("3kalice2")), records) == []
    assert interpret(commit(OWNER, delete("3kown01"), create("3kown09", BOB)), records) == []
    assert records.get(OWNER, "3kown09") == BOB and records.following() == {BOB}
    # the moved record is what a later delete is judged by
    assert interpret(commit(ALICE, delete("3kalice3")), records) == [LiveChange(EventKind.FOLLOWER_LOST, ALICE, T0)]


def test_the_same_ops_in_two_commits_are_an_unfollow_and_a_follow(records):
    assert interpret(commit(ALICE, delete("3kalice1")), records)[0].kind is EventKind.FOLLOWER_LOST
    assert interpret(commit(ALICE, create("3kalice2", OWNER)), records)[0].kind is EventKind.FOLLOWER_GAINED


def test_others_unfollowing_others_are_ignored_and_not_stored(records):
    before = len(records)
    assert interpret(commit(BOB, create("3kbob1", CAROL)), records) == []
    assert interpret(commit(BOB, delete("3kbob1")), records) == []
    assert interpret(commit(CAROL, delete("3kzzz")), records) == []
    assert len(records) == before
    assert records.stats.unknown_deletes == 2 and records.stats.unknown_own_deletes == 0


def test_a_delete_of_an_unknown_record_is_ignored_and_counted_even_in_the_owners_repo(records):
    assert interpret(commit(OWNER, delete("3kneverseen")), records) == []
    assert records.stats.unknown_own_deletes == 1
    # an unknown delete by someone who does follow the owner (by another record) changes nothing either
    assert interpret(commit(ALICE, delete("3kother")), records) == []
    assert records.holds(ALICE, OWNER)


def test_duplicate_follow_records_unfollow_only_when_the_last_one_goes(records):
    assert interpret(commit(ALICE, create("3kalice9", OWNER)), records) == []  # a second record: still one follow
    assert interpret(commit(ALICE, delete("3kalice1")), records) == []
    assert interpret(commit(ALICE, delete("3kalice9")), records) == [LiveChange(EventKind.FOLLOWER_LOST, ALICE, T0)]


def test_a_replayed_create_is_not_a_second_follow(records):
    interpret(commit(CAROL, create("3kcarol1", OWNER)), records)
    assert interpret(commit(CAROL, create("3kcarol1", OWNER)), records) == []
    assert records.stats.duplicates == 1


def test_creates_without_a_subject_are_counted_not_guessed(records):
    assert interpret(commit(CAROL, create("3kcarol1", None)), records) == []
    assert interpret(commit(OWNER, create("3kown03", None)), records) == []
    assert records.stats.unresolved == 2 and len(records) == 2


def test_an_update_that_changes_the_subject_moves_the_follow(records):
    changes = interpret(commit(OWNER, Op("update", "3kown01", CAROL)), records)
    assert changes == [
        LiveChange(EventKind.FOLLOWING_REMOVED, BOB, T0),
        LiveChange(EventKind.FOLLOWING_ADDED, CAROL, T0),
    ]
    # a record of Alice's that stops naming the owner is an unfollow
    assert interpret(commit(ALICE, Op("update", "3kalice1", CAROL)), records) == [
        LiveChange(EventKind.FOLLOWER_LOST, ALICE, T0)
    ]
    assert records.get(ALICE, "3kalice1") is None  # it no longer concerns the owner


def test_self_follows_are_left_out():
    records = FollowRecords(OWNER, {(OWNER, "3kself"): OWNER})
    assert len(records) == 0
    assert interpret(commit(OWNER, create("3kself2", OWNER)), records) == []
    assert len(records) == 0


def test_the_seed_keeps_only_records_about_the_owner():
    records = FollowRecords(OWNER, {(ALICE, "a"): OWNER, (BOB, "b"): CAROL, (OWNER, "c"): ALICE})
    assert dict(records.items()) == {(ALICE, "a"): OWNER, (OWNER, "c"): ALICE}
    assert records.followers() == {ALICE} and records.following() == {ALICE}
    records.reseed({(BOB, "x"): OWNER})
    assert dict(records.items()) == {(BOB, "x"): OWNER}


def test_several_changes_in_one_commit_come_in_op_order(records):
    changes = interpret(commit(OWNER, delete("3kown01"), create("3kown05", ALICE), create("3kown06", CAROL)), records)
    assert [(c.kind, c.profile_id) for c in changes] == [
        (EventKind.FOLLOWING_REMOVED, BOB),
        (EventKind.FOLLOWING_ADDED, ALICE),
        (EventKind.FOLLOWING_ADDED, CAROL),
    ]


def test_changes_become_follow_events_of_the_tracked_account(records):
    account = f"bluesky:{OWNER}"
    events = interpret_events(commit(CAROL, create("3kcarol1", OWNER)), records, account)
    assert events == [FollowEvent(account, EventKind.FOLLOWER_GAINED, CAROL, T0, source="watch")]


def test_an_unknown_action_is_ignored(records):
    assert interpret(commit(ALICE, Op("rename", "3kalice1", None)), records) == []
    assert records.stats.ignored == 1 and records.holds(ALICE, OWNER)


def test_the_providers_own_commit_type_fits():
    bluesky_stream = pytest.importorskip("followtui.providers.bluesky_stream")
    records = FollowRecords(OWNER)
    live = bluesky_stream.FollowCommit(
        repo=ALICE, rev="3kaaaaaaaaaa2", at=T0, cursor=7, ops=(bluesky_stream.FollowOp("create", "3kx", OWNER),)
    )
    assert interpret(live, records) == [LiveChange(EventKind.FOLLOWER_GAINED, ALICE, T0)]


def test_memory_stays_flat_over_a_busy_network():
    """100,000 commits about other people leave the map at the records about the owner, and allocate nothing
    that stays."""
    records = FollowRecords(OWNER, {(ALICE, "3kalice1"): OWNER, (OWNER, "3kown01"): BOB})
    others = [f"did:plc:other{i:019d}" for i in range(500)]

    def traffic(start: int, count: int) -> None:
        for i in range(start, start + count):
            repo, subject = others[i % 500], others[(i * 7 + 1) % 500]
            ops = (create(f"3k{i:011d}", subject),) if i % 3 else (delete(f"3k{i - 1:011d}"),)
            interpret(commit(repo, *ops), records)

    traffic(0, 1_000)  # warm up
    tracemalloc.start()
    try:
        first, _ = tracemalloc.get_traced_memory()
        traffic(1_000, 100_000)
        last, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(records) == 2
    assert records.stats.commits == 101_000
    assert last - first < 64 * 1024
