"""Instagram export import: the real recorded followers_1.json/following.json, nested folders, zips, newer layouts."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from followtui.providers.archives import ArchiveError, read_instagram_export

RECORDED = Path(__file__).resolve().parents[3] / "shared" / "recorded"
FF = "connections/followers_and_following"


def real(name: str) -> bytes:
    path = RECORDED / "instagram" / name
    if not path.exists():
        pytest.skip(f"recorded data not available: instagram/{name}")
    return path.read_bytes()


def make_folder(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def make_zip(path: Path, files: dict[str, bytes], when: tuple[int, ...] = (2025, 8, 1, 10, 0, 0)) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=when), data)
    return path


def entry(value: str | None = None, *, title: str = "", href: str | None = None, ts: int | None = 1700000000) -> dict:
    point: dict = {}
    if href is not None:
        point["href"] = href
    if value is not None:
        point["value"] = value
    if ts is not None:
        point["timestamp"] = ts
    return {"title": title, "media_list_data": [], "string_list_data": [point]}


def dump(value: object) -> bytes:
    return json.dumps(value, indent=2).encode()


@pytest.fixture
def real_files() -> dict[str, bytes]:
    return {f"{FF}/followers_1.json": real("followers_1.json"), f"{FF}/following.json": real("following.json")}


def expected(files: dict[str, bytes]) -> tuple[list[str], list[str], dict[str, int]]:
    followers = json.loads(files[f"{FF}/followers_1.json"])
    following = json.loads(files[f"{FF}/following.json"])["relationships_following"]
    stamps = {e["string_list_data"][0]["value"]: e["string_list_data"][0]["timestamp"] for e in followers}
    return (
        [e["string_list_data"][0]["value"] for e in followers],
        [e["string_list_data"][0]["value"] for e in following],
        stamps,
    )


def check_real(snap, files) -> None:
    followers, following, stamps = expected(files)
    assert snap.platform == "instagram"
    assert [p.id for p in snap.followers] == [u.lower() for u in followers]
    assert [p.handle for p in snap.followers] == followers
    assert [p.id for p in snap.following] == [u.lower() for u in following]
    assert len(snap.followers) == 269 and len(snap.following) == 365
    first = snap.followers[0]
    assert first.url == f"https://www.instagram.com/{first.handle}" and first.display_name == ""
    assert snap.follower_since[first.id] == datetime.fromtimestamp(stamps[first.handle], UTC)
    assert len(snap.follower_since) == 269 and len(snap.following_since) == 365
    # the newest follow in either list (following.json's 1753773514)
    assert snap.taken_at == datetime(2025, 7, 29, 7, 18, 34, tzinfo=UTC)


def test_real_export_nested_folder(tmp_path, real_files):
    nested = {f"instagram-me-2025-07-30/{k}": v for k, v in real_files.items()}
    snap = read_instagram_export(make_folder(tmp_path / "download", nested))
    check_real(snap, real_files)
    assert snap.source == (
        f"download: instagram-me-2025-07-30/{FF}/followers_1.json (269), "
        f"instagram-me-2025-07-30/{FF}/following.json (365)"
    )


def test_real_export_zip(tmp_path, real_files):
    snap = read_instagram_export(make_zip(tmp_path / "instagram-me.zip", real_files))
    check_real(snap, real_files)
    assert snap.source.startswith(f"instagram-me.zip: {FF}/followers_1.json (269)")


def test_pointing_at_the_followers_folder_itself(tmp_path, real_files):
    make_folder(tmp_path / "exp", real_files)
    check_real(read_instagram_export(tmp_path / "exp" / FF), real_files)


def test_more_follower_files_in_numeric_order_deduplicated(tmp_path):
    files = {
        f"{FF}/followers_1.json": dump([entry("a"), entry("b", ts=1600000000)]),
        f"{FF}/followers_10.json": dump([entry("z")]),
        f"{FF}/followers_2.json": dump([entry("c"), entry("B", ts=1500000000)]),
        f"{FF}/following.json": dump({"relationships_following": []}),
    }
    snap = read_instagram_export(make_zip(tmp_path / "e.zip", files))
    assert [p.id for p in snap.followers] == ["a", "b", "c", "z"]
    assert snap.follower_since["b"] == datetime.fromtimestamp(1500000000, UTC)  # the earliest follow wins
    assert snap.following == () and snap.following_since == {}


def test_newer_layout_title_and_href_only(tmp_path):
    following = {
        "relationships_following": [
            entry(title="new.style", href="https://www.instagram.com/_u/new.style"),
            entry(href="https://www.instagram.com/_u/only_href/?hl=en"),
            entry(href="https://instagram.com/Trailing.Slash/"),
            {"title": "no_points"},
            {"title": "", "string_list_data": [{"value": "@at_sign"}]},
        ]
    }
    files = {f"{FF}/followers_1.json": dump([]), f"{FF}/following.json": dump(following)}
    snap = read_instagram_export(make_folder(tmp_path, files))
    assert [p.handle for p in snap.following] == ["new.style", "only_href", "Trailing.Slash", "no_points", "at_sign"]
    assert [p.id for p in snap.following][2] == "trailing.slash"
    assert set(snap.following_since) == {"new.style", "only_href", "trailing.slash"}


def test_tolerated_top_level_shapes(tmp_path):
    files = {
        f"{FF}/followers.json": dump({"relationships_followers": [entry("old_style")]}),
        f"{FF}/following.json": dump([entry("array_form")]),
    }
    snap = read_instagram_export(make_folder(tmp_path, files))
    assert [p.id for p in snap.followers] == ["old_style"]
    assert [p.id for p in snap.following] == ["array_form"]


def test_titles_become_display_names_mojibake_repaired_or_kept_as_text(tmp_path):
    hostile = "\u001b]0;pwned\u0007<b>[red]x[/red]</b>\u202e" + "é" * 5000
    items = [
        entry("a", title="José Çağla".encode().decode("latin-1")),  # Meta's mojibake: \u00c3\u0087 for Ç
        entry("b", title="Café"),  # real Latin-1 text: not mojibake, kept
        entry("c", title=hostile),
        entry("d", title="Ã"),  # looks like mojibake but does not decode: kept as it is
    ]
    files = {f"{FF}/followers_1.json": dump(items), f"{FF}/following.json": dump([])}
    names = {p.id: p.display_name for p in read_instagram_export(make_folder(tmp_path, files)).followers}
    assert names["a"] == "José Çağla"
    assert names["b"] == "Café"
    assert names["d"] == "Ã"
    assert "\u001b" not in names["c"] and "\u202e" not in names["c"] and "\u0007" not in names["c"]
    assert names["c"].startswith("<b>[red]x[/red]</b>") and len(names["c"]) <= 256


def test_taken_at_falls_back_to_the_file_date_without_timestamps(tmp_path):
    files = {f"{FF}/followers_1.json": dump([entry("a", ts=None)]), f"{FF}/following.json": dump([])}
    snap = read_instagram_export(make_zip(tmp_path / "e.zip", files, (2025, 8, 1, 10, 0, 0)))
    assert snap.taken_at == datetime(2025, 8, 1, 10, 0, tzinfo=UTC)
    assert snap.follower_since == {}


# -- errors -------------------------------------------------------------------------------------------------------


def error(tmp_path: Path, files: dict[str, bytes]) -> str:
    with pytest.raises(ArchiveError) as info:
        read_instagram_export(make_folder(tmp_path / "exp", files))
    return str(info.value)


@pytest.mark.parametrize(
    ("followers", "message"),
    [
        (
            [entry("a"), {"title": "", "string_list_data": "x"}],
            "followers_1.json: item 2 of 2: string_list_data is a string, not a list",
        ),
        ([entry("a"), 5], "followers_1.json: item 2 of 2: is a number, not an object"),
        ([{"string_list_data": [None]}], "item 1 of 1: string_list_data[0] is null, not an object"),
        ([{"title": 3}], "item 1 of 1: title is a number, not a string"),
        ([{"string_list_data": [{"value": ["a"]}]}], "item 1 of 1: string_list_data[0].value is a list, not a string"),
        ([{"string_list_data": [{"href": {}}]}], "item 1 of 1: string_list_data[0].href is an object, not a string"),
        ([entry("a", ts="1700000000")], "item 1 of 1: string_list_data[0]: timestamp is a string, not a number"),
        ([entry("a", ts=-5)], "item 1 of 1: string_list_data[0]: timestamp is not a plausible date"),
        ([entry("a", ts=10**30)], "timestamp is not a plausible date"),
        ([{"title": "", "string_list_data": []}], "item 1 of 1: no usable username"),
        ([entry(title="has space")], "item 1 of 1: no usable username"),
        ([entry("<script>", href="https://evil.example/user")], "item 1 of 1: no usable username"),
        ([entry(href="javascript:alert(1)//instagram.com/x")], "no usable username"),
        ({"something": []}, "followers_1.json: expected a list under 'relationships_followers', found null"),
        ("text", "followers_1.json: expected a list of entries, found a string"),
    ],
)
def test_bad_followers_file(tmp_path, followers, message):
    files = {f"{FF}/followers_1.json": dump(followers), f"{FF}/following.json": dump([])}
    assert message in error(tmp_path, files)


def test_malformed_json_names_file_line_and_column(tmp_path, real_files):
    broken = real_files[f"{FF}/following.json"].replace(b'"value": "', b'"value" "', 1)
    message = error(tmp_path, {**real_files, f"{FF}/following.json": broken})
    # line 11 is `          "value" "kidsboxer1v1",`: the string starts at column 19 where ':' was expected
    assert message.startswith(f"exp: {FF}/following.json: line 11, column 19: ")


def test_following_file_under_an_unknown_key(tmp_path):
    files = {f"{FF}/followers_1.json": dump([]), f"{FF}/following.json": dump({"relationships_following": {"a": 1}})}
    assert "following.json: expected a list under 'relationships_following', found an object" in error(tmp_path, files)


def test_position_names_the_list_key(tmp_path):
    files = {
        f"{FF}/followers_1.json": dump([]),
        f"{FF}/following.json": dump({"relationships_following": [entry("a"), 1]}),
    }
    assert "following.json: relationships_following item 2 of 2: is a number" in error(tmp_path, files)


def test_both_files_are_required(tmp_path):
    assert f"{FF}/following.json is missing" in error(tmp_path, {f"{FF}/followers_1.json": dump([])})
    assert f"{FF}/followers_1.json is missing" in error(tmp_path / "b", {f"{FF}/following.json": dump([])})


def test_html_export_is_explained(tmp_path):
    message = error(tmp_path, {f"{FF}/followers_1.html": b"<html>", f"{FF}/following.html": b"<html>"})
    assert "followers_1.html: this export is in HTML format" in message


def test_not_an_instagram_export(tmp_path):
    assert "no connections/followers_and_following/followers_1.json" in error(tmp_path, {"a.txt": b"hi"})
