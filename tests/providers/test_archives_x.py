"""X archive import: the real recorded follower.js/following.js in folder and zip form, both layouts, parts."""

from __future__ import annotations

import json
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from followtui.providers.archives import ArchiveError, ArchiveSnapshot, is_id_handle, read_x_archive

RECORDED = Path(__file__).resolve().parents[3] / "shared" / "recorded"


def real(name: str) -> bytes:
    path = RECORDED / "x" / name
    if not path.exists():
        pytest.skip(f"recorded data not available: x/{name}")
    return path.read_bytes()


def real_ids(raw: bytes) -> list[str]:
    """The accountIds in file order, read independently of the parser."""
    return [i.decode() for i in re.findall(rb'"accountId" : "(\d+)"', raw)]


def compact(raw: bytes, kind: str) -> bytes:
    """The older compact layout (`= [ {` … `}, {` … `} ]`) built from the real file's entries."""
    text = raw.decode()
    items = json.loads(text[text.index("=") + 1 :])
    body = ", ".join(json.dumps(item, indent=2, separators=(",", " : ")) for item in items)
    return f"window.YTD.{kind}.part0 = [ {body} ]".encode()


def js(kind: str, ids: list[str], part: int = 0, link: str = "https://twitter.com/intent/user?user_id={}") -> bytes:
    items = [{kind: {"accountId": i, "userLink": link.format(i)}} for i in ids]
    return f"window.YTD.{kind}.part{part} = {json.dumps(items, indent=2)}".encode()


def make_folder(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def make_zip(path: Path, files: dict[str, bytes], when: tuple[int, ...] = (2024, 1, 2, 3, 4, 6)) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=when), data)
    return path


@pytest.fixture
def real_files() -> dict[str, bytes]:
    return {"data/follower.js": real("follower.js"), "data/following.js": real("following.js")}


def check_real(snap: ArchiveSnapshot, files: dict[str, bytes]) -> None:
    followers = real_ids(files["data/follower.js"])
    following = real_ids(files["data/following.js"])
    assert snap.platform == "x"
    assert [p.id for p in snap.followers] == list(dict.fromkeys(followers))
    assert [p.id for p in snap.following] == list(dict.fromkeys(following))
    first = snap.followers[0]
    assert first.handle == f"id:{first.id}" and is_id_handle(first.handle)
    assert first.url == f"https://twitter.com/intent/user?user_id={first.id}"
    assert first.display_name == "" and first.followers_count is None
    assert f"data/follower.js ({len(followers):,})" in snap.source
    assert f"data/following.js ({len(following):,})" in snap.source


def test_real_archive_folder(tmp_path, real_files):
    snap = read_x_archive(make_folder(tmp_path / "twitter-2023", real_files))
    check_real(snap, real_files)
    assert len(snap.followers) == 764 and len(snap.following) == 79
    assert snap.source.startswith("twitter-2023: ")
    assert snap.owner is None and snap.follower_since == {}
    assert snap.taken_at is not None and snap.taken_at.tzinfo is not None  # the files' mtime


def test_real_data_folder_directly(tmp_path, real_files):
    make_folder(tmp_path / "arch", real_files)
    snap = read_x_archive(tmp_path / "arch" / "data")
    assert [p.id for p in snap.followers] == real_ids(real_files["data/follower.js"])
    assert "follower.js (764)" in snap.source


def test_real_zip_taken_at_is_member_date(tmp_path, real_files):
    snap = read_x_archive(make_zip(tmp_path / "twitter-2024-01-02.zip", real_files, (2024, 1, 2, 3, 4, 6)))
    check_real(snap, real_files)
    assert snap.source.startswith("twitter-2024-01-02.zip: data/follower.js (764), data/following.js (79)")
    assert snap.taken_at == datetime(2024, 1, 2, 3, 4, 6, tzinfo=UTC)


def test_zip_nested_under_a_top_folder(tmp_path, real_files):
    nested = {f"twitter-2024/{k}": v for k, v in real_files.items()}
    snap = read_x_archive(make_zip(tmp_path / "a.zip", nested))
    check_real(snap, real_files)


def test_compact_layout_reads_the_same(tmp_path, real_files):
    pretty = read_x_archive(make_folder(tmp_path / "p", real_files))
    files = {
        "data/follower.js": compact(real_files["data/follower.js"], "follower"),
        "data/following.js": compact(real_files["data/following.js"], "following"),
    }
    assert files["data/follower.js"].startswith(b"window.YTD.follower.part0 = [ {\n")
    snap = read_x_archive(make_folder(tmp_path / "c", files))
    assert snap.followers == pretty.followers and snap.following == pretty.following


def test_bom_crlf_trailing_semicolon_and_empty_list(tmp_path, real_files):
    crlf = b"\xef\xbb\xbf" + real_files["data/follower.js"].replace(b"\n", b"\r\n") + b";\r\n"
    snap = read_x_archive(
        make_folder(tmp_path, {"data/follower.js": crlf, "data/following.js": b"window.YTD.following.part0 = [ ]"})
    )
    assert [p.id for p in snap.followers] == real_ids(real_files["data/follower.js"])
    assert snap.following == ()
    snap = read_x_archive(
        make_folder(tmp_path / "b", {"data/follower.js": b"window.YTD.follower.part0 = []", "data/following.js": b"[]"})
    )
    assert snap.followers == snap.following == ()


def test_part_files_in_numeric_order_and_deduplicated(tmp_path):
    files = {
        "data/follower.js": js("follower", ["1", "2"]),
        "data/follower-part2.js": js("follower", ["5", "2"], part=2),
        "data/follower-part10.js": js("follower", ["9"], part=10),
        "data/follower-part1.js": js("follower", ["3", "1", "4"], part=1),
        "data/following.js": js("following", ["7"]),
        "data/following-part1.js": js("following", ["8"], part=1),
    }
    snap = read_x_archive(make_zip(tmp_path / "parts.zip", files))
    assert [p.id for p in snap.followers] == ["1", "2", "3", "4", "5", "9"]
    assert [p.id for p in snap.following] == ["7", "8"]
    assert (
        "data/follower.js (2), data/follower-part1.js (3), data/follower-part2.js (2), data/follower-part10.js (1)"
        in (snap.source)
    )


def test_manifest_gives_taken_at_and_owner(tmp_path):
    manifest = (
        b'window.__THAR_CONFIG = {\n  "userInfo" : {\n    "accountId" : "3128746474",\n'
        b'    "userName" : "larsbrinkhoff",\n    "displayName" : "Lars \\u001b[31mBrinkhoff"\n  },\n'
        b'  "archiveInfo" : {\n    "sizeBytes" : "48992999",\n    "generationDate" : "2021-03-22T15:32:53.698Z"\n  }\n}'
    )
    files = {
        "data/follower.js": js("follower", ["1"]),
        "data/following.js": js("following", []),
        "data/manifest.js": manifest,
    }
    snap = read_x_archive(make_zip(tmp_path / "m.zip", files))
    assert snap.taken_at == datetime(2021, 3, 22, 15, 32, 53, 698000, tzinfo=UTC)
    assert snap.owner is not None
    assert (snap.owner.id, snap.owner.handle, snap.owner.display_name) == (
        "3128746474",
        "larsbrinkhoff",
        "Lars Brinkhoff",
    )


@pytest.mark.parametrize(
    "manifest",
    [
        b"window.__THAR_CONFIG = {",
        b"[1]",
        b'x = {"archiveInfo": {"generationDate": "yesterday"}, "userInfo": 3}',
        b"\xff",
    ],
)
def test_a_broken_manifest_is_ignored(tmp_path, manifest):
    files = {
        "data/follower.js": js("follower", ["1"]),
        "data/following.js": js("following", []),
        "data/manifest.js": manifest,
    }
    snap = read_x_archive(make_zip(tmp_path / "m.zip", files, (2024, 5, 6, 7, 8, 10)))
    assert snap.owner is None
    assert snap.taken_at == datetime(2024, 5, 6, 7, 8, 10, tzinfo=UTC)


def test_user_links_kept_only_when_plain_twitter_or_x(tmp_path):
    items = [
        {"follower": {"accountId": "1", "userLink": "https://x.com/intent/user?user_id=1"}},
        {"follower": {"accountId": "2", "userLink": "javascript:alert(1)"}},
        {"follower": {"accountId": "3", "userLink": "https://evil.example/x.com"}},
        {"follower": {"accountId": "4", "userLink": "http://twitter.com/intent/user?user_id=4"}},
        {"follower": {"accountId": "5"}},
        {"follower": {"accountId": "6", "userLink": "https://twitter.com\u001b]8;;https://evil/\u0007"}},
        {"follower": {"accountId": 7, "userLink": None}},
        {"follower": {"accountId": "0008"}},
    ]
    files = {
        "data/follower.js": b"window.YTD.follower.part0 = " + json.dumps(items).encode(),
        "data/following.js": b"[]",
    }
    snap = read_x_archive(make_folder(tmp_path, files))
    urls = {p.id: p.url for p in snap.followers}
    assert urls["1"] == "https://x.com/intent/user?user_id=1"
    for i in ("2", "3", "4", "5", "6", "7", "8"):
        assert urls[i] == f"https://twitter.com/intent/user?user_id={i}"


def test_plain_json_list_without_assignment(tmp_path):
    files = {
        "follower.js": json.dumps([{"follower": {"accountId": "1", "userLink": "a=b"}}]).encode(),
        "following.js": b"[]",
    }
    assert [p.id for p in read_x_archive(make_folder(tmp_path, files)).followers] == ["1"]


def test_follow_lists_for_the_sync_engine(tmp_path, real_files):
    followers, following = read_x_archive(make_folder(tmp_path, real_files)).follow_lists()
    assert len(followers.accounts) == 764 and len(following.accounts) == 79
    assert followers.pages == 1 and followers.requests == 0


# -- errors: the file and the position are named, nothing is returned ---------------------------------------------


def error(tmp_path: Path, files: dict[str, bytes]) -> str:
    with pytest.raises(ArchiveError) as info:
        read_x_archive(make_folder(tmp_path / "arch", files))
    return str(info.value)


def test_malformed_json_names_file_line_and_column(tmp_path, real_files):
    broken = real_files["data/follower.js"].replace(b'"userLink" : "', b'"userLink"  "', 1)
    message = error(tmp_path, {**real_files, "data/follower.js": broken})
    # line 5 is `      "userLink"  "https://…`: the string starts at column 19 where a ':' was expected
    assert message.startswith("arch: data/follower.js: line 5, column 19: ")


def test_malformed_json_position_with_crlf_and_bom(tmp_path):
    doc = b'\xef\xbb\xbfwindow.YTD.follower.part0 = [\r\n  {\r\n    "follower" : {\r\n      "accountId" : 12x\r\n'
    message = error(tmp_path, {"data/follower.js": doc, "data/following.js": b"[]"})
    assert "data/follower.js: line 4, column 23:" in message


def test_position_in_compact_layout(tmp_path):
    doc = (
        b'window.YTD.following.part0 = [ {\n  "following" : {\n    "accountId" : "1"\n  }\n}, {\n'
        b'  "following" : { ] } ]'
    )
    message = error(tmp_path, {"data/follower.js": b"[]", "data/following.js": doc})
    assert "data/following.js: line 6, column 19:" in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "data/follower.js: line 1, column 1: no `window.YTD.follower.part0 = [` assignment"),
        (b"window.YTD.follower.part0 = ", "data/follower.js: line 1, column 28: "),
        (b'window.YTD.follower.part0 = {"a": 1}', "data/follower.js: expected a list of entries, found an object"),
        (b"window.YTD.follower.part0 = [1]", "data/follower.js: item 1 of 1: is a number, not an object"),
        (
            b'[{"follower": {"accountId": "1"}}, {"following": {"accountId": "2"}}]',
            "item 2 of 2: is a 'following' entry",
        ),
        (b'[{"follower": "1"}]', "item 1 of 1: 'follower' is a string, not an object"),
        (b'[{"follower": {"userLink": "https://x.com/a"}}]', "item 1 of 1: accountId is missing or not a numeric id"),
        (b'[{"follower": {"accountId": "12a"}}]', "item 1 of 1: accountId is missing or not a numeric id"),
        (b'[{"follower": {"accountId": "-1"}}]', "item 1 of 1: accountId is missing"),
        (b'[{"follower": {"accountId": true}}]', "item 1 of 1: accountId is missing"),
        (b'[{"follower": {"accountId": "\xd9\xa3"}}]', "item 1 of 1: accountId is missing"),  # Arabic-Indic digit
        (b'[{"follower": {"accountId": "1", "userLink": 5}}]', "item 1 of 1: userLink is a number, not a string"),
        (b'[\n{"follower":\n {"accountId": "1\xff"}}]', "data/follower.js: line 3, column 18: not UTF-8 text"),
        (b"[" * 5000, "data/follower.js: line 1, column "),
    ],
)
def test_bad_follower_file(tmp_path, content, expected):
    assert expected in error(tmp_path, {"data/follower.js": content, "data/following.js": b"[]"})


def test_both_files_are_required(tmp_path):
    message = error(tmp_path, {"data/follower.js": js("follower", ["1"])})
    assert "data/following.js is missing" in message
    message = error(tmp_path / "2", {"data/following-part1.js": js("following", ["1"])})
    assert "data/follower.js is missing" in message


def test_nothing_recognisable(tmp_path):
    assert "no data/follower.js or data/following.js" in error(tmp_path, {"data/tweets.js": b"[]"})


def test_two_archives_in_one_folder_is_ambiguous(tmp_path):
    files = {"a/data/follower.js": b"[]", "a/data/following.js": b"[]", "b/data/follower.js": b"[]"}
    assert "found in several folders (a/data, b/data)" in error(tmp_path, files)


def test_a_data_folder_wins_over_a_stray_copy(tmp_path):
    files = {"data/follower.js": js("follower", ["1"]), "data/following.js": b"[]", "backup/follower.js": b"garbage"}
    assert [p.id for p in read_x_archive(make_folder(tmp_path, files)).followers] == ["1"]
