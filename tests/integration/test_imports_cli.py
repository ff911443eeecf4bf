"""`followtui import` through the real CLI on a real store: the recorded exports as baselines, then exports
written over time in the real formats (folders and zips), checked against the sets that were put in."""

from __future__ import annotations

import json
import os
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.storefiles import history_rows

from .harness import run_cli

RECORDED = Path(__file__).resolve().parents[3] / "shared" / "recorded"
FF = "connections/followers_and_following"


def recorded(platform: str, name: str) -> bytes:
    path = RECORDED / platform / name
    if not path.exists():
        pytest.skip(f"recorded data not available: {platform}/{name}")
    return path.read_bytes()


def day(month: int, dom: int = 1, year: int = 2024) -> datetime:
    return datetime(year, month, dom, tzinfo=UTC)


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# -- exports in the real formats ----------------------------------------------------------------------------


def x_js(kind: str, ids: list[str]) -> bytes:
    """`window.YTD.follower.part0 = [ … ]`, laid out as X writes it."""
    items = [{kind: {"accountId": i, "userLink": f"https://twitter.com/intent/user?user_id={i}"}} for i in ids]
    return f"window.YTD.{kind}.part0 = {json.dumps(items, indent=2, separators=(',', ' : '))}".encode()


def x_files(followers: set[str], following: set[str]) -> dict[str, bytes]:
    return {
        "data/follower.js": x_js("follower", sorted(followers)),
        "data/following.js": x_js("following", sorted(following)),
    }


def x_manifest(account_id: str, user_name: str, generated: datetime) -> bytes:
    doc = {
        "userInfo": {"accountId": account_id, "userName": user_name, "displayName": user_name.title()},
        "archiveInfo": {"sizeBytes": "1234", "generationDate": generated.strftime("%Y-%m-%dT%H:%M:%S.000Z")},
    }
    return f"window.__THAR_CONFIG = {json.dumps(doc, indent=2, separators=(',', ' : '))}".encode()


def ig_entry(name: str, when: datetime) -> dict[str, Any]:
    point = {"href": f"https://www.instagram.com/{name}", "value": name, "timestamp": int(when.timestamp())}
    return {"title": "", "media_list_data": [], "string_list_data": [point]}


def ig_files(followers: list[dict[str, Any]], following: list[dict[str, Any]]) -> dict[str, bytes]:
    return {
        f"{FF}/followers_1.json": json.dumps(followers, indent=2).encode(),
        f"{FF}/following.json": json.dumps({"relationships_following": following}, indent=2).encode(),
    }


def write_export(path: Path, files: dict[str, bytes], when: datetime, *, as_zip: bool) -> Path:
    """A folder whose files carry `when` as their mtime, or a .zip whose members carry it as their date."""
    if as_zip:
        path = path.with_suffix(".zip")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in files.items():
                zf.writestr(zipfile.ZipInfo(name, date_time=when.timetuple()[:6]), data)
        return path
    for name, data in files.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        os.utime(target, (when.timestamp(), when.timestamp()))
    return path


# -- driving the CLI ----------------------------------------------------------------------------------------


def import_json(data: Path, kind: str, path: Path, account: str, *extra: str) -> dict[str, Any]:
    result = run_cli(data, "import", kind, str(path), "--account", account, "--json", *extra)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["ok"] is True and len(doc["accounts"]) == 1
    return doc["accounts"][0]


def show_json(data: Path, what: str, account: str) -> dict[str, Any]:
    args = ["history"] if what == "history" else ["show", what]
    result = run_cli(data, *args, "--account", account, "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def store_bytes(data: Path) -> list[str]:
    return history_rows(data)


def expected_history(times: list[datetime], followers: list[set[str]], following: list[set[str]], tricksters):
    rows = []
    for k, at in enumerate(times):
        before_f = followers[k - 1] if k else followers[0]
        before_g = following[k - 1] if k else following[0]
        rows.append(
            {
                "day": at.date().isoformat(),
                "gained": len(followers[k] - before_f),
                "lost": len(before_f - followers[k]),
                "gone": 0,
                "added": len(following[k] - before_g),
                "removed": len(before_g - following[k]),
                "followers": len(followers[k]),
                "following": len(following[k]),
                "tricksters": sum(1 for t in tricksters.values() if t["unfollowed_at"] == iso(at)),
                "posts": None,  # an export lists no posts
            }
        )
    return rows


def tricksters_of(data: Path, account: str) -> dict[str, dict[str, Any]]:
    rows = show_json(data, "tricksters", account)["rows"]
    keys = ("times", "followed_at", "followed_back_at", "unfollowed_at")
    return {row["id"]: {k: row[k] for k in keys} for row in rows}


# -- tests --------------------------------------------------------------------------------------------------


def test_x_archives_over_time_give_the_history_and_tricksters_put_in(tmp_path):
    data = tmp_path / "data"
    real_followers = re.findall(rb'"accountId" : "(\d+)"', recorded("x", "follower.js"))
    real_following = re.findall(rb'"accountId" : "(\d+)"', recorded("x", "following.js"))
    r_f = {i.decode() for i in real_followers}
    r_g = {i.decode() for i in real_following}
    a, b = sorted(r_f - r_g)[:2]  # baseline followers who leave
    dropped = sorted(r_g)[0]  # someone I stop following
    n1, n2, n3, r = "9000000001", "9000000002", "9000000003", "9000000004"

    times = [day(1), day(2), day(3), day(4), day(5), day(6)]
    followers = [r_f]
    followers.append(r_f - {a, b} | {n1, n2, n3, r})  # t1: four arrive, a and b leave
    followers.append(followers[1] - {n2, n3, r})  # t2: n3 leaves for good, n2 and r for now
    followers.append(followers[2] - {n1} | {n2, b})  # t3: n1 leaves after my follow-back; n2 (a glitch) and b back
    followers.append(followers[3] - {n2} | {r})  # t4: n2 leaves for real; r is back, two imports later
    followers.append(followers[4] - {r})  # t5: r leaves a second time
    following = [r_g, r_g, r_g | {n1}, r_g | {n1}, (r_g | {n1}) - {dropped}, (r_g | {n1}) - {dropped}]

    # t0: the recorded archive itself, as a folder
    real = {"data/follower.js": recorded("x", "follower.js"), "data/following.js": recorded("x", "following.js")}
    base = import_json(data, "x-archive", write_export(tmp_path / "x0", real, times[0], as_zip=False), "x:me")
    assert (base["status"], base["followers"], base["following"]) == ("baseline", len(r_f), len(r_g))
    assert base["created"] is True and base["observed_at"] == iso(times[0]) and base["date_source"] == "files"

    for k in range(1, 6):
        files = x_files(followers[k], following[k])
        if k == 2:  # a manifest: its generationDate is the snapshot's date, not the (later) file dates
            files["data/manifest.js"] = x_manifest("555", "me", times[k])
        stamp = day(3, 20) if k == 2 else times[k]
        doc = import_json(data, "x-archive", write_export(tmp_path / f"x{k}", files, stamp, as_zip=k % 2 == 1), "x:me")
        assert doc["status"] == "ok" and doc["observed_at"] == iso(times[k]) and doc["created"] is False
        assert doc["date_source"] == ("archive" if k == 2 else "files")
        assert (doc["gained"], doc["lost"], doc["gone"]) == (
            len(followers[k] - followers[k - 1]),
            len(followers[k - 1] - followers[k]),
            0,
        )
        assert (doc["added"], doc["removed"]) == (
            len(following[k] - following[k - 1]),
            len(following[k - 1] - following[k]),
        )

    expected = {
        a: {"times": 1, "followed_at": None, "followed_back_at": None, "unfollowed_at": iso(times[1])},
        n3: {"times": 1, "followed_at": iso(times[1]), "followed_back_at": None, "unfollowed_at": iso(times[2])},
        n1: {
            "times": 1,
            "followed_at": iso(times[1]),
            "followed_back_at": iso(times[2]),
            "unfollowed_at": iso(times[3]),
        },
        n2: {"times": 1, "followed_at": iso(times[1]), "followed_back_at": None, "unfollowed_at": iso(times[4])},
        r: {"times": 2, "followed_at": iso(times[4]), "followed_back_at": None, "unfollowed_at": iso(times[5])},
    }
    assert tricksters_of(data, "x:me") == expected
    history = show_json(data, "history", "x:me")
    assert history["account"] == "x:me"
    assert history["days"] == expected_history(times, followers, following, expected)

    panes = {p: {row["id"] for row in show_json(data, p, "x:me")["rows"]} for p in ("followers", "following", "fans")}
    assert panes == {"followers": followers[5], "following": following[5], "fans": followers[5] - following[5]}
    listing = json.loads(run_cli(data, "account", "list", "--json").stdout)["accounts"]
    assert [(x["account"], x["id"], x["last_status"], x["followers"]) for x in listing] == [
        ("x:me", "me", "ok", len(followers[5]))
    ]
    tagged = run_cli(data, "tag", f"x:{n1}", "trickster")
    assert tagged.returncode == 0, tagged.stderr
    rows = show_json(data, "tricksters", "x:me")["rows"]
    assert [row["tags"] for row in rows if row["id"] == n1] == [["trickster"]]

    # the event log by name: every import's changes, with their snapshot's date and source "import"
    log = json.loads(run_cli(data, "changes", "--account", "x:me", "--format", "json").stdout)["rows"]
    assert {r["source"] for r in log} == {"import"}
    for k in range(1, 6):
        at = iso(times[k])
        assert {r["id"] for r in log if r["at"] == at and r["kind"] == "followed_you"} == followers[k] - followers[
            k - 1
        ]
        assert {r["id"] for r in log if r["at"] == at and r["kind"] == "unfollowed_you"} == followers[
            k - 1
        ] - followers[k]
        assert {r["id"] for r in log if r["at"] == at and r["kind"] == "you_unfollowed"} == following[
            k - 1
        ] - following[k]
    jsonl = run_cli(data, "changes", "--format", "jsonl", "--kind", "unfollowed_you").stdout.splitlines()
    assert len(jsonl) == sum(len(followers[k - 1] - followers[k]) for k in range(1, 6))


def small_x(tmp_path: Path, data: Path) -> tuple[set[str], set[str]]:
    """x:me with two imports of synthetic archives (100 followers, 10 following)."""
    followers = {str(1000 + i) for i in range(100)}
    following = {str(1000 + i) for i in range(10)}
    import_json(
        data, "x-archive", write_export(tmp_path / "s0", x_files(followers, following), day(1), as_zip=True), "x:me"
    )
    followers2 = followers - {"1000"} | {"2000"}
    path = write_export(tmp_path / "s1", x_files(followers2, following), day(2), as_zip=False)
    import_json(data, "x-archive", path, "x:me")
    return followers2, following


def test_out_of_order_repeated_and_malformed_imports_change_nothing(tmp_path):
    data = tmp_path / "data"
    followers, following = small_x(tmp_path, data)
    before = store_bytes(data)

    repeat = run_cli(data, "import", "x-archive", str(tmp_path / "s1"), "--account", "x:me")
    older = run_cli(data, "import", "x-archive", str(tmp_path / "s0.zip"), "--account", "x:me", "--json")
    for result in (repeat, older):
        assert result.returncode == 2, result.stderr
        assert "not newer than the latest snapshot" in result.stderr and "nothing was imported" in result.stderr
    assert json.loads(older.stdout)["accounts"][0]["exit_code"] == 2
    assert store_bytes(data) == before

    broken = x_files(followers, following)
    broken["data/follower.js"] = b'window.YTD.follower.part0 = [\n  {\n    "follower" : {\n      "accountId" : 7\n'
    bad_folder = write_export(tmp_path / "bad", broken, day(3), as_zip=False)
    hostile = write_export(
        tmp_path / "evil", {"../../data/follower.js": b"[]", "/abs/following.js": b"[]"}, day(3), as_zip=True
    )
    not_zip = tmp_path / "not-an-archive.zip"
    not_zip.write_bytes(b"PK but not really")
    for path, needle in (
        (bad_folder, r"data/follower\.js: line \d+, column \d+"),
        (hostile, r"no data/follower\.js or data/following\.js"),
        (not_zip, r"not a folder or a \.zip file"),
    ):
        result = run_cli(data, "import", "x-archive", str(path), "--account", "x:me")
        assert result.returncode == 10, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and re.search(needle, result.stderr), result.stderr
    assert store_bytes(data) == before

    wrong = run_cli(data, "import", "instagram", str(tmp_path / "s1"), "--account", "x:me")
    assert wrong.returncode == 2 and "--account must be instagram:HANDLE" in wrong.stderr
    assert store_bytes(data) == before


def test_a_suspect_drop_is_held_until_accepted(tmp_path):
    data = tmp_path / "data"
    followers, following = small_x(tmp_path, data)
    history = show_json(data, "history", "x:me")["days"]
    kept = set(sorted(followers)[:40])  # 61 of 101 leave: more than 20% and more than 50
    path = write_export(tmp_path / "drop", x_files(kept, following), day(3), as_zip=True)

    held = run_cli(data, "import", "x-archive", str(path), "--account", "x:me", "--json")
    assert held.returncode == 6, held.stderr
    assert "held back as suspect" in held.stderr and "--accept-drop" in held.stderr
    assert json.loads(held.stdout)["accounts"][0]["exit_code"] == 6
    assert {row["id"] for row in show_json(data, "followers", "x:me")["rows"]} == followers
    assert show_json(data, "history", "x:me")["days"] == history
    listing = json.loads(run_cli(data, "account", "list", "--json").stdout)["accounts"]
    assert listing[0]["last_status"] == "suspect"

    doc = import_json(data, "x-archive", path, "x:me", "--accept-drop")
    assert (doc["status"], doc["lost"]) == ("ok", len(followers - kept))
    assert show_json(data, "history", "x:me")["days"][-1]["lost"] == len(followers - kept)


def test_an_archive_of_someone_else_is_refused(tmp_path):
    data = tmp_path / "data"
    files = x_files({"1", "2"}, {"2"}) | {"data/manifest.js": x_manifest("42", "alice", day(1))}
    first = import_json(data, "x-archive", write_export(tmp_path / "a0", files, day(1), as_zip=True), "x:alice")
    assert first["date_source"] == "archive"
    listing = json.loads(run_cli(data, "account", "list", "--json").stdout)["accounts"]
    assert [(x["account"], x["id"]) for x in listing] == [("x:alice", "42")]  # the manifest's stable id
    before = store_bytes(data)
    other = x_files({"1"}, set()) | {"data/manifest.js": x_manifest("7", "alice", day(2))}
    path = write_export(tmp_path / "b", other, day(2), as_zip=True)
    result = run_cli(data, "import", "x-archive", str(path), "--account", "x:alice")
    assert result.returncode == 2 and "someone else's archive" in result.stderr
    assert store_bytes(data) == before


def test_instagram_exports_over_time(tmp_path):
    data = tmp_path / "data"
    real_followers = json.loads(recorded("instagram", "followers_1.json"))
    real_following = json.loads(recorded("instagram", "following.json"))["relationships_following"]

    def names(entries):
        return {e["string_list_data"][0]["value"].lower() for e in entries}

    newest = max(e["string_list_data"][0]["timestamp"] for e in real_followers + real_following)
    t0 = datetime.fromtimestamp(newest, UTC)
    t1, t2, t3, t4 = day(8, 10, 2025), day(8, 20, 2025), day(9, 1, 2025), day(9, 15, 2025)

    base_path = write_export(tmp_path / "ig0", ig_files(real_followers, real_following), day(8, 1, 2025), as_zip=False)
    base = import_json(data, "instagram", base_path, "instagram:me")
    assert (base["status"], base["observed_at"], base["date_source"]) == ("baseline", iso(t0), "archive")
    assert (base["followers"], base["following"]) == (len(names(real_followers)), len(names(real_following)))

    lost1, lost4 = sorted(names(real_followers))[:2]
    fol = [e for e in real_followers if names([e]) != {lost1}]
    fol1 = [*fol, ig_entry("new_fan", t1)]  # t1: new_fan follows me, lost1 unfollows
    ing2 = [*real_following, ig_entry("new_fan", t2)]  # t2: I follow new_fan back
    fol3 = [*fol, ig_entry("late_fan", t3)]  # t3: new_fan leaves, late_fan arrives
    fol4 = [e for e in fol3 if names([e]) != {lost4}]  # t4: one leaves, nobody new: the export's date stays t3
    steps = [(fol1, real_following, t1, True), (fol1, ing2, t2, False), (fol3, ing2, t3, True)]
    for k, (followers, following, at, as_zip) in enumerate(steps, 1):
        path = write_export(tmp_path / f"ig{k}", ig_files(followers, following), day(10, k, 2025), as_zip=as_zip)
        doc = import_json(data, "instagram", path, "instagram:me")
        assert (doc["status"], doc["observed_at"], doc["date_source"]) == ("ok", iso(at), "archive")

    path = write_export(tmp_path / "ig4", ig_files(fol4, ing2), day(10, 4, 2025), as_zip=True)
    before = store_bytes(data)
    refused = run_cli(data, "import", "instagram", str(path), "--account", "instagram:me")
    assert refused.returncode == 2 and "--date" in refused.stderr and store_bytes(data) == before
    doc = import_json(data, "instagram", path, "instagram:me", "--date", "2025-09-15")
    assert (doc["observed_at"], doc["date_source"], doc["lost"]) == (iso(t4), "option", 1)

    assert tricksters_of(data, "instagram:me") == {
        lost1: {"times": 1, "followed_at": None, "followed_back_at": None, "unfollowed_at": iso(t1)},
        "new_fan": {"times": 1, "followed_at": iso(t1), "followed_back_at": iso(t2), "unfollowed_at": iso(t3)},
        lost4: {"times": 1, "followed_at": None, "followed_back_at": None, "unfollowed_at": iso(t4)},
    }
    days = [(d["day"], d["gained"], d["lost"], d["added"]) for d in show_json(data, "history", "instagram:me")["days"]]
    assert days == [
        (t0.date().isoformat(), 0, 0, 0),
        ("2025-08-10", 1, 1, 0),
        ("2025-08-20", 0, 0, 1),
        ("2025-09-01", 1, 1, 0),
        ("2025-09-15", 0, 1, 0),
    ]
    fans = {row["handle"] for row in show_json(data, "fans", "instagram:me")["rows"]}
    assert "late_fan" in fans and "new_fan" not in fans


def test_import_only_accounts_are_never_synced_or_added_live(tmp_path):
    from followtui.simulator import SimulatorServer, World

    data = tmp_path / "data"
    small_x(tmp_path, data)
    refused_add = run_cli(data, "account", "add", "x", "me")
    assert refused_add.returncode == 2 and "followtui import x-archive PATH --account x:me" in refused_add.stderr
    refused_add = run_cli(data, "account", "add", "instagram", "me")
    assert (
        refused_add.returncode == 2 and "followtui import instagram PATH --account instagram:me" in refused_add.stderr
    )

    only = run_cli(data, "sync", "--json")
    assert only.returncode == 0, only.stderr
    assert json.loads(only.stdout)["accounts"] == [] and json.loads(only.stdout)["skipped"] == ["x:me"]
    assert only.stderr.count("\n") == 1 and "skipping import-only x:me" in only.stderr
    named = run_cli(data, "sync", "x:me")
    assert named.returncode == 2 and "import-only" in named.stderr and "followtui import x-archive" in named.stderr

    world = World.generate(seed=3, owner="octocat", followers=30, following=20)
    with SimulatorServer(world) as sim:
        assert run_cli(data, "account", "add", "github", "octocat", "--server", sim.url).returncode == 0
        mixed = run_cli(data, "sync", "--json")
        assert mixed.returncode == 0, mixed.stderr
        doc = json.loads(mixed.stdout)
        assert [(a["account"], a["status"]) for a in doc["accounts"]] == [("github:octocat", "baseline")]
        assert doc["skipped"] == ["x:me"] and "skipping import-only x:me" in mixed.stderr


async def test_the_tui_opens_on_an_imported_account_and_r_skips_it(tmp_path):
    from followtui.core.config import Settings
    from followtui.core.store import Store
    from followtui.tui.app import FollowApp
    from followtui.tui.screens.main import MainScreen

    data = tmp_path / "data"
    followers, _ = small_x(tmp_path, data)
    store = Store(data)
    syncs = len(store.syncs("x:me"))
    (tmp_path / "config").mkdir()
    app = FollowApp(store, Settings(config_dir=tmp_path / "config"))
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(100):
            await pilot.pause(0.05)
            if isinstance(app.screen, MainScreen) and app.screen.screen_data is not None:
                break
        screen = app.screen
        assert isinstance(screen, MainScreen) and screen.screen_data is not None
        assert screen.screen_data.account.label == "x:me"
        assert {row.id for row in screen.screen_data.rows("followers")} == followers
        await pilot.press("r")
        for _ in range(100):
            await pilot.pause(0.05)
            if not screen.syncing:
                break
        assert not screen.syncing and app.screen is screen
        assert any("import-only" in n.message for n in app._notifications)
    assert len(store.syncs("x:me")) == syncs
