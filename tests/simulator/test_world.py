"""The platform-neutral world: generation, clock, knobs, daily evolution and its ground truth."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from followtui.simulator import World
from followtui.simulator.names import HOSTILE_SAMPLES


def _pairs(rows: list[dict]) -> set[tuple[int, str]]:
    return {(r["id"], r["login"]) for r in rows}


def test_generation_is_seeded_and_shaped() -> None:
    a = World.generate(seed=5, followers=200, following=150, mutual_share=0.4)
    b = World.generate(seed=5, followers=200, following=150, mutual_share=0.4)
    ta, tb = a.truth("octocat"), b.truth("octocat")
    assert ta == tb
    assert len(ta["followers"]) == 200 and len(ta["following"]) == 150
    mutual = {r["id"] for r in ta["followers"]} & {r["id"] for r in ta["following"]}
    assert len(mutual) == 60
    assert World.generate(seed=6).truth("octocat") != ta
    assert ta["now"] == "2026-01-05T09:00:00Z"
    ids = [r["id"] for r in ta["followers"] + ta["following"]]
    assert all(isinstance(i, int) for i in ids)
    assert a.profile("octocat")["followers_count"] == 200


def test_accounts_have_realistic_variety() -> None:
    world = World.generate(seed=3, followers=1000, following=600)
    accounts = [world.account(i) for i in world.random_account_ids()]
    kinds = {a.kind for a in accounts}
    assert {"normal", "inactive", "farmer", "newbie", "elite", "bot", "org", "owner"} <= kinds
    assert {"User", "Organization", "Bot"} <= {a.type for a in accounts}
    profiles = [world.profile(a) for a in accounts[:800]]
    bios = [p["bio"] for p in profiles]
    assert None in bios and "" in bios and max(len(b or "") for b in bios) > 120
    names = "".join(p["name"] or "" for p in profiles)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in names)  # CJK
    assert any("\u0590" <= ch <= "\u06ff" for ch in names)  # Hebrew/Arabic
    assert any(ord(ch) > 0x1F000 for ch in names)  # emoji
    elite = world.profile(next(a for a in accounts if a.kind == "elite"))
    assert elite["followers_count"] >= 5000 and elite["following_count"] <= 5
    farmer = world.profile(next(a for a in accounts if a.kind == "farmer"))
    assert farmer["following_count"] >= 5 * max(1, farmer["followers_count"])
    newbie = world.profile(next(a for a in accounts if a.kind == "newbie"))
    assert newbie["created_at"] > world.start_ts - 31 * 86400 and newbie["following_count"] >= 1000
    inactive = world.profile(next(a for a in accounts if a.kind == "inactive"))
    assert inactive["last_active_at"] < world.start_ts - 199 * 86400
    for p in profiles:
        assert p["created_at"] <= p["updated_at"] <= world.start_ts


def test_hostile_share_plants_markup_and_escapes() -> None:
    world = World.generate(seed=4, followers=60, following=20, hostile_share=1.0)
    texts = [f"{p['name']}|{p['bio']}" for p in (world.profile(r["id"]) for r in world.truth("octocat")["followers"])]
    assert all(any(s in t for s in HOSTILE_SAMPLES) for t in texts)
    assert any("\x1b" in t for t in texts) and any("[/" in t for t in texts)
    assert orjson.loads(orjson.dumps(texts)) == texts  # JSON carries control characters escaped
    tame = World.generate(seed=4, followers=60)
    names = [str(tame.profile(r["id"])["name"]) for r in tame.truth("octocat")["followers"]]
    assert not any(s in name for s in HOSTILE_SAMPLES for name in names)


def test_clock_and_manual_knobs() -> None:
    world = World.generate(seed=1, followers=20, following=10)
    start = world.now()
    assert start == datetime(2026, 1, 5, 9, tzinfo=UTC)
    stranger = next(
        i for i in world.random_account_ids() if not world.is_following(i, "octocat") and not world.account(i).owner
    )
    assert world.follow(stranger, "octocat") is True
    assert world.follow(stranger, "octocat") is False  # already following: no event
    assert world.now() > start
    assert world.truth("octocat")["followers"][0]["id"] == stranger
    assert world.unfollow(stranger, "octocat") is True
    follower = world.truth("octocat")["followers"][0]
    assert world.rename(follower["id"], "renamed-one") is True
    assert world.account(follower["login"]) is None and world.account("renamed-one").id == follower["id"]
    assert world.rename(follower["id"], "octocat") is False  # taken
    assert world.delete(follower["id"]) is True and world.delete(follower["id"]) is False
    assert follower["id"] not in {r["id"] for r in world.truth("octocat")["followers"]}
    kinds = [e["kind"] for e in world.events()]
    assert kinds == ["follow", "unfollow", "rename", "delete"]
    ats = [e["at"] for e in world.events()]
    assert ats == sorted(ats) and len(set(ats)) == 4
    assert world.events(since=ats[1]) == world.log[2:]
    world.advance_days(2)
    assert world.now() == start + timedelta(days=2, seconds=4)


def test_advance_produces_every_kind_of_change_and_truth_matches_the_log() -> None:
    world = World.generate(seed=11, followers=200, following=150)
    before = world.truth("octocat")
    summary = world.advance_days(8)
    assert summary["days"] == 8 and summary["events"] == len(world.log)
    assert {"follow", "unfollow", "delete", "suspend", "rename"} <= set(summary["by_kind"])
    assert {"trickster", "repeat", "same_day", "new_follower", "follow_back"} <= set(summary["by_via"])
    after = world.truth("octocat")
    assert after["now"] == "2026-01-13T09:00:00Z"

    # Replay the log over the first truth: it must land exactly on the second one.
    owner = before["owner"]["id"]
    followers = {r["id"]: r["login"] for r in before["followers"]}
    following = {r["id"]: r["login"] for r in before["following"]}
    logins: dict[int, str] = {}
    for e in world.log:
        actor, target = e["actor_id"], e["target_id"]
        if e["kind"] == "follow" and target == owner:
            followers[actor] = e["actor_login"]
        elif e["kind"] == "follow" and actor == owner:
            following[target] = e["target_login"]
        elif e["kind"] == "unfollow" and target == owner:
            del followers[actor]
        elif e["kind"] == "unfollow" and actor == owner:
            del following[target]
        elif e["kind"] in ("delete", "suspend"):
            assert actor in followers or actor in following
            followers.pop(actor, None)
            following.pop(actor, None)
        elif e["kind"] == "rename":
            logins[actor] = e["new_login"]
    fix = lambda d: {(i, logins.get(i, login)) for i, login in d.items()}  # noqa: E731
    assert fix(followers) == _pairs(after["followers"])
    assert fix(following) == _pairs(after["following"])
    assert world.profile("octocat")["followers_count"] == len(after["followers"])


def test_tricksters_follow_wait_for_the_follow_back_then_leave() -> None:
    world = World.generate(seed=12, followers=200, following=150)
    world.advance_days(9)
    owner = world.account("octocat").id
    history: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for e in world.log:
        if e["kind"] == "follow" and e["target_id"] == owner:
            history[e["actor_id"]].append((e["day"], "followed"))
        elif e["kind"] == "follow" and e["actor_id"] == owner:
            history[e["target_id"]].append((e["day"], "followed_back"))
        elif e["kind"] == "unfollow" and e["target_id"] == owner:
            history[e["actor_id"]].append((e["day"], "unfollowed"))
    tricksters = [
        acc
        for acc, steps in history.items()
        if [s for _, s in steps] == ["followed", "followed_back", "unfollowed"] and world.account(acc).active
    ]
    assert len(tricksters) >= 3
    for acc in tricksters:
        (d1, _), (d2, _), (d3, _) = history[acc]
        if any(e["via"] == "trickster" and e["actor_id"] == acc for e in world.log):
            assert d2 == d1 + 1 and d3 >= d1 + 2
            assert world.is_following("octocat", acc) and not world.is_following(acc, "octocat")
    repeaters = [
        acc
        for acc, steps in history.items()
        if [s for _, s in steps].count("followed") >= 2 and [s for _, s in steps].count("unfollowed") >= 2
    ]
    assert repeaters
    for acc in repeaters:
        days = [d for d, s in history[acc] if s != "followed_back"]
        assert days == sorted(days) and len(set(days)) == len(days)  # at most one of these steps a day
    same_day = [e for e in world.log if e["via"] == "same_day" and e["target_id"] == owner]
    for e in same_day:
        back = next(x for x in world.log if x["via"] == "same_day" and x["target_id"] == e["actor_id"])
        assert back["day"] == e["day"] and back["at"] < e["at"]


def test_deletions_and_suspensions_are_not_unfollows() -> None:
    world = World.generate(seed=13, followers=200, following=150)
    world.advance_days(6)
    gone = [e for e in world.log if e["kind"] in ("delete", "suspend")]
    assert {"delete", "suspend"} <= {e["kind"] for e in gone}
    for e in gone:
        acc = world.account(e["actor_id"])
        assert acc.state == ("deleted" if e["kind"] == "delete" else "suspended")
        later_unfollows = [
            x for x in world.log if x["kind"] == "unfollow" and x["actor_id"] == acc.id and x["at"] >= e["at"]
        ]
        assert later_unfollows == []
        assert world.account(e["login"]) is None or world.account(e["login"]).id == acc.id
    renames = [e for e in world.log if e["kind"] == "rename"]
    assert renames and all(
        world.account(e["old_login"]) is None or world.account(e["old_login"]).id != e["actor_id"] for e in renames
    )


def test_evolution_is_deterministic() -> None:
    a, b = World.generate(seed=21), World.generate(seed=21)
    assert a.advance_days(4) == b.advance_days(4)
    assert a.log == b.log


def test_several_owners_share_one_graph() -> None:
    world = World.generate(seed=8, followers=100, following=50)
    second = world.add_owner("hubot", followers=80, following=40)
    t1, t2 = world.truth("octocat"), world.truth(second.id)
    assert len(t2["followers"]) == 80 and t2["owner"]["login"] == "hubot"
    assert {r["id"] for r in t1["followers"]} & {r["id"] for r in t2["followers"]}
    world.advance_days(2)
    assert {e["target_id"] for e in world.log if e["via"] == "new_follower"} == {t1["owner"]["id"], second.id}


def test_reads_while_advancing_from_another_thread() -> None:
    world = World.generate(seed=9, followers=300, following=100)
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            for _ in range(200):
                truth = world.truth("octocat")
                assert len({r["id"] for r in truth["followers"]}) == len(truth["followers"])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    world.advance_days(5)
    for t in threads:
        t.join()
    assert errors == []


def test_unknown_account_raises() -> None:
    world = World.generate(seed=1, followers=5, following=5)
    with pytest.raises(KeyError):
        world.follow("nobody-at-all", "octocat")


def test_a_100k_world_generates_fast_and_pages_without_scanning() -> None:
    started = time.perf_counter()
    world = World.generate(seed=1, followers=100_000, following=100_000)
    assert time.perf_counter() - started < 8
    assert len(world.follower_ids("octocat")) == 100_000
    world.follower_ids("octocat")
    started = time.perf_counter()
    for _ in range(100):
        world.accounts_by_id(world.follower_ids("octocat")[5000:5100])
    assert time.perf_counter() - started < 0.1  # cached order: no O(n) work per page


def test_follow_record_ids_are_aligned_decreasing_and_new_per_follow() -> None:
    world = World.generate(seed=5, followers=40, following=30)
    ids, fids = world.follower_ids("octocat"), world.follow_record_ids("octocat", inbound=True)
    assert len(ids) == len(fids) and list(fids) == sorted(fids, reverse=True)
    assert world.follow_record(ids[0], "octocat")[0] == fids[0]
    assert world.edge_by_record(fids[0])[:2] == (ids[0], world.owners[0].id)
    world.advance_days(2)
    out, out_fids = world.following_ids("octocat"), world.follow_record_ids("octocat", inbound=False)
    assert [world.follow_record("octocat", i)[0] for i in out] == list(out_fids)
    old = world.follow_record(ids[5], "octocat")[0]
    world.unfollow(ids[5], "octocat")
    assert world.edge_by_record(old) is None and world.follow_record(ids[5], "octocat") is None
    world.follow(ids[5], "octocat")
    assert world.follow_record(ids[5], "octocat")[0] > max(fids)  # a fresh record, newest of all
    assert world.follower_ids("octocat")[0] == ids[5]


def test_deactivation_keeps_edges_but_hides_the_account() -> None:
    world = World.generate(seed=5, followers=40, following=30)
    acc_id = world.follower_ids("octocat")[0]
    assert world.deactivate(acc_id) and not world.deactivate(acc_id)
    assert world.account(acc_id).state == "deactivated"
    assert acc_id in world.follower_ids("octocat")  # the record stays
    assert acc_id not in {r["id"] for r in world.truth("octocat")["followers"]}
    assert not world.follow(acc_id, world.following_ids("octocat")[0])
    assert world.reactivate(acc_id)
    assert world.truth("octocat")["followers"][0]["id"] == acc_id
    assert [e["kind"] for e in world.log[-2:]] == ["deactivate", "reactivate"]


def test_moves_hidden_networks_and_app_passwords() -> None:
    world = World.generate(seed=5, followers=40, following=30)
    a, b = world.follower_ids("octocat")[:2]
    assert world.moved_to(a) is None
    assert world.move(a, b) and world.moved_to(a).id == b and not world.move(a, b)
    assert world.log[-1]["kind"] == "move" and world.log[-1]["target_id"] == b
    assert not world.hides_network("octocat")
    world.hide_network("octocat")
    assert world.hides_network("octocat")
    world.hide_network("octocat", hidden=False)
    assert not world.hides_network("octocat")
    world.add_app_password("octocat", "pw")
    assert world.check_app_password("octocat", "pw") and not world.check_app_password("octocat", "other")
    assert not world.check_app_password(a, "pw")
