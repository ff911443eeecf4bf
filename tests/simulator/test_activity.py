"""Accounts' public activity: seeded per account, shaped by archetype, and served as GitHub public events and
Bluesky author feeds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from followtui.simulator import SimulatorServer, World, did_for, handle_for
from followtui.simulator.activity import RATES

DAY = 86_400


def people(world: World, kind: str | None = None) -> list[int]:
    ids = [i for i in world.random_account_ids() if not world.account(i).owner]  # type: ignore[union-attr]
    return [i for i in ids if kind is None or world.account(i).kind == kind]  # type: ignore[union-attr]


def test_activity_is_seeded_newest_first_and_inside_the_accounts_life(world: World) -> None:
    again = World.generate(seed=7, followers=250, following=120)
    other = World.generate(seed=8, followers=250, following=120)
    now = world.now_ts()
    for acc_id in people(world)[:80]:
        acts = world.activity_times(acc_id, 50)
        assert acts == again.activity_times(acc_id, 50)
        assert acts == sorted(set(acts), reverse=True)  # newest first, one act a second at most
        assert all(world.profile(acc_id)["created_at"] <= ts < now for ts in acts)
    assert [world.activity_times(i, 5) for i in people(world)[:20]] != [
        other.activity_times(i, 5) for i in people(other)[:20]
    ]


def test_before_since_and_limit_cut_the_same_history(world: World) -> None:
    for acc_id in people(world, "normal")[:10] + people(world, "bot")[:3]:
        full = world.activity_times(acc_id, 400)
        if len(full) < 4:
            continue
        half = len(full) // 2
        cut = full[half]
        assert world.activity_times(acc_id, len(full) - half - 1, before=cut) == full[half + 1 :]
        assert world.activity_times(acc_id, 400, since=cut) == [t for t in full if t >= cut]
        assert world.activity_times(acc_id, 3) == full[:3]
        assert world.last_active(acc_id) == full[0]


def test_archetypes_act_as_their_kind(world: World) -> None:
    now = world.now_ts()
    for acc_id in people(world, "bot"):
        acts = world.activity_times(acc_id, 100)
        assert len(acts) == 100 and now - acts[-1] < 100 / RATES["bot"][0] * 2 * DAY  # dozens a day
    for acc_id in people(world, "inactive"):
        newest = world.last_active(acc_id)
        assert newest == world.profile(acc_id)["last_active_at"] and now - newest > 59 * DAY  # months ago
    assert world.activity_times("octocat", 1000) == world.post_times("octocat")  # owners act when they post


def test_time_moves_activity_on_but_never_the_graph(world: World) -> None:
    twin = World.generate(seed=7, followers=250, following=120)
    busy = people(world, "bot")[0]
    quiet = people(world, "inactive")[0]
    before = (world.last_active(busy), world.last_active(quiet))
    for acc_id in people(world):  # reading activity draws nothing from the world's generators
        world.activity_times(acc_id, 30)
    world.advance_days(3)
    twin.advance_days(3)
    assert world.truth("octocat") == twin.truth("octocat") and world.log == twin.log
    assert world.last_active(busy) > before[0]  # type: ignore[operator]
    assert world.last_active(quiet) == before[1]


# -- GitHub: /users/{login}/events/public ------------------------------------------------------------------------


def test_github_events_shape_paging_and_limits(client: httpx.Client, world: World) -> None:
    bot = world.account(people(world, "bot")[0])
    assert bot is not None
    resp = client.get(f"/users/{bot.login}/events/public", params={"per_page": 100})
    assert resp.status_code == 200
    events = resp.json()
    assert len(events) == 100 and 'rel="next"' in resp.headers["link"] and "page=3" in resp.headers["link"]
    first = events[0]
    assert set(first) >= {"id", "type", "actor", "repo", "payload", "public", "created_at"}
    assert isinstance(first["id"], str) and first["public"] is True and first["type"].endswith("Event")
    assert first["actor"]["id"] == bot.id and first["actor"]["login"] == bot.login
    assert "/" in first["repo"]["name"] and isinstance(first["payload"], dict)
    times = [datetime.fromisoformat(e["created_at"].replace("Z", "+00:00")) for e in events]
    truth = [datetime.fromtimestamp(ts, UTC) for ts in world.activity_times(bot.id, 100)]
    assert times == truth
    last = client.get(f"/users/{bot.login}/events/public", params={"per_page": 100, "page": 3})
    assert len(last.json()) == 100 and 'rel="next"' not in last.headers.get("link", "")  # 300 at most
    assert client.get(f"/users/{bot.login}/events").json()[:30] == events[:30]  # default per_page 30


def test_github_events_keep_ninety_days_and_gone_users_are_404(client: httpx.Client, world: World) -> None:
    quiet = world.account(people(world, "inactive")[0])
    assert quiet is not None
    assert client.get(f"/users/{quiet.login}/events/public").json() == []
    normal = people(world, "normal")
    cutoff = world.now_ts() - 90 * DAY
    for acc_id in normal[:15]:
        login = world.account(acc_id).login  # type: ignore[union-attr]
        shown = client.get(f"/users/{login}/events/public", params={"per_page": 100}).json()
        assert len(shown) == len(world.activity_times(acc_id, 100, since=cutoff))
    world.delete(normal[0])
    gone = world.account(normal[0])
    assert gone is not None
    assert client.get(f"/users/{gone.login}/events/public").status_code == 404
    assert client.get("/users/no-such-user-anywhere/events/public").status_code == 404


# -- Bluesky: app.bsky.feed.getAuthorFeed for anyone ---------------------------------------------------------------


@pytest.fixture
def feeds(world: World) -> Iterator[httpx.Client]:
    with SimulatorServer(world, platform="bluesky") as sim, httpx.Client(base_url=f"{sim.url}/xrpc/") as c:
        yield c


def test_bluesky_author_feeds_show_everyones_activity(feeds: httpx.Client, world: World) -> None:
    for acc_id in people(world, "normal")[:5] + people(world, "bot")[:2]:
        did = did_for(acc_id)
        seen: list[tuple[str, bool]] = []
        cursor = None
        for _ in range(3):
            params = {"actor": did, "limit": 40, **({"cursor": cursor} if cursor else {})}
            page = feeds.get("app.bsky.feed.getAuthorFeed", params=params).json()
            for item in page["feed"]:
                reason = item.get("reason")
                if reason is None:
                    assert item["post"]["uri"].startswith(f"at://{did}/") and item["post"]["author"]["did"] == did
                    seen.append((item["post"]["record"]["createdAt"], False))
                else:
                    assert reason["$type"] == "app.bsky.feed.defs#reasonRepost" and reason["by"]["did"] == did
                    assert reason["by"]["handle"] == handle_for(world.account(acc_id).login)  # type: ignore[union-attr]
                    seen.append((reason["indexedAt"], True))
            cursor = page.get("cursor")
            if cursor is None:
                break
        truth = world.activity_times(acc_id, len(seen))
        assert [datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp() for t, _ in seen] == truth
        if len(seen) >= 20:
            assert any(repost for _, repost in seen) and not all(repost for _, repost in seen)
