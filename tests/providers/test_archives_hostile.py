"""Hostile exports: missing paths, broken and lying zips, bombs, traversal names, limits, and property tests that
the import parsers never raise anything but ArchiveError and round-trip ids."""

from __future__ import annotations

import json
import os
import struct
import tempfile
import warnings
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from followtui.providers.archives import ArchiveError, ArchiveLimits, read_instagram_export, read_x_archive

FF = "connections/followers_and_following"
X_OK = {
    "data/follower.js": b'window.YTD.follower.part0 = [{"follower": {"accountId": "1"}}]',
    "data/following.js": b"[]",
}
IG_OK = {f"{FF}/followers_1.json": b"[]", f"{FF}/following.json": b'{"relationships_following": []}'}


def make_folder(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def make_zip(path: Path, files: dict[str, bytes] | list[tuple[str, bytes]]) -> Path:
    items = files.items() if isinstance(files, dict) else files
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are written on purpose
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in items:
                zf.writestr(name, data)
    return path


def raises(func, path: Path, **kw) -> str:
    with pytest.raises(ArchiveError) as info:
        func(path, **kw)
    return str(info.value)


# -- paths ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("func", [read_x_archive, read_instagram_export])
def test_path_that_does_not_exist(tmp_path, func):
    assert raises(func, tmp_path / "nope.zip").endswith("nope.zip: no such file or folder")


@pytest.mark.parametrize("func", [read_x_archive, read_instagram_export])
def test_a_file_that_is_not_a_zip(tmp_path, func):
    path = tmp_path / "follower.js"
    path.write_bytes(X_OK["data/follower.js"])
    assert raises(func, path).endswith("follower.js: not a folder or a .zip file")


@pytest.mark.parametrize("func", [read_x_archive, read_instagram_export])
def test_a_zip_with_neither_file(tmp_path, func):
    message = raises(func, make_zip(tmp_path / "photos.zip", {"media/a.jpg": b"\xff\xd8"}))
    assert message.startswith("photos.zip: no ")


def test_truncated_zip(tmp_path):
    data = make_zip(tmp_path / "a.zip", X_OK).read_bytes()
    (tmp_path / "cut.zip").write_bytes(data[: len(data) - 30])
    assert "cut.zip" in raises(read_x_archive, tmp_path / "cut.zip")


def test_corrupt_member_data(tmp_path):
    path = tmp_path / "bad.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("data/follower.js", X_OK["data/follower.js"] * 50)
        zf.writestr("data/following.js", b"[]")
    data = bytearray(path.read_bytes())
    data[60:70] = b"\x00" * 10  # inside the first member's deflate stream
    path.write_bytes(bytes(data))
    assert "bad.zip: data/follower.js: cannot be decompressed" in raises(read_x_archive, path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_never_opened(tmp_path):
    make_folder(tmp_path, {"data/following.js": b"[]"})
    os.mkfifo(tmp_path / "data" / "follower.js")
    assert "data/follower.js: not a regular file" in raises(read_x_archive, tmp_path)


# -- bombs and limits ----------------------------------------------------------------------------------------------


def test_zip_bomb_refused_on_declared_size_before_decompressing(tmp_path):
    path = make_zip(
        tmp_path / "bomb.zip", {"data/follower.js": b"[" + b" " * 2_000_000 + b"]", "data/following.js": b"[]"}
    )
    assert path.stat().st_size < 20_000
    message = raises(read_x_archive, path, limits=ArchiveLimits(max_total_bytes=1_000_000))
    assert "bomb.zip: the files to read hold 2,000,004 bytes uncompressed, more than the 1,000,000 allowed" in message
    message = raises(read_x_archive, path, limits=ArchiveLimits(max_file_bytes=1_000_000))
    assert "bomb.zip: data/follower.js: 2,000,002 bytes uncompressed, more than the 1,000,000 allowed" in message


def test_a_member_that_lies_about_its_size_is_not_read_past_it(tmp_path):
    path = make_zip(
        tmp_path / "liar.zip", {"data/follower.js": b"[" + b" " * 100_000 + b"]", "data/following.js": b"[]"}
    )
    data = bytearray(path.read_bytes())
    central = data.index(b"PK\x01\x02")  # first central directory entry: data/follower.js
    data[central + 24 : central + 28] = struct.pack("<I", 10)  # declare 10 bytes uncompressed
    path.write_bytes(bytes(data))
    message = raises(read_x_archive, path, limits=ArchiveLimits(max_file_bytes=1000))
    assert "liar.zip: data/follower.js: cannot be decompressed" in message


def test_member_count_is_bounded(tmp_path):
    path = make_zip(tmp_path / "many.zip", {**X_OK, **{f"media/{i}.jpg": b"" for i in range(10)}})
    assert "many.zip: 12 members, more than the 5 allowed" in raises(
        read_x_archive, path, limits=ArchiveLimits(max_members=5)
    )


def test_folder_walk_is_bounded(tmp_path):
    make_folder(tmp_path / "home", {**X_OK, **{f"stuff/{i}.txt": b"" for i in range(10)}})
    message = raises(read_x_archive, tmp_path / "home", limits=ArchiveLimits(max_members=5))
    assert "home: more than 5 files in this folder" in message


def test_folder_walk_depth_is_bounded(tmp_path):
    make_folder(tmp_path, {f"a/b/c/d/{k}": v for k, v in X_OK.items()})
    assert "no data/follower.js" in raises(read_x_archive, tmp_path, limits=ArchiveLimits(max_depth=3))
    assert len(read_x_archive(tmp_path, limits=ArchiveLimits(max_depth=5)).followers) == 1


def test_entry_count_is_bounded(tmp_path):
    ids = json.dumps([{"follower": {"accountId": str(i)}} for i in range(5)]).encode()
    make_folder(tmp_path, {"data/follower.js": ids, "data/following.js": b"[]"})
    message = raises(read_x_archive, tmp_path, limits=ArchiveLimits(max_entries=3))
    assert "data/follower.js: 5 entries, more than the 3 allowed" in message


# -- names inside the zip ------------------------------------------------------------------------------------------


def test_traversal_and_absolute_names_are_ignored_and_never_extracted(tmp_path):
    zip_dir = tmp_path / "in"
    zip_dir.mkdir()
    evil = [
        ("../data/follower.js", X_OK["data/follower.js"]),
        ("/data/following.js", b"[]"),
        ("C:/data/follower.js", b"[]"),
        ("data/../../data/following.js", b"[]"),
        ("..\\..\\data\\follower.js", b"[]"),
        ("data/\x1b[31mx/follower.js", b"[]"),
    ]
    path = make_zip(zip_dir / "evil.zip", evil)
    before = sorted(p for p in tmp_path.rglob("*"))
    assert "evil.zip: no data/follower.js" in raises(read_x_archive, path)
    assert sorted(p for p in tmp_path.rglob("*")) == before
    # with the real files alongside, those are read and the evil ones still ignored
    path = make_zip(zip_dir / "mixed.zip", [*evil, *X_OK.items()])
    assert [p.id for p in read_x_archive(path).followers] == ["1"]


def test_duplicate_member_names_are_refused(tmp_path):
    path = make_zip(tmp_path / "dup.zip", [*X_OK.items(), ("data/follower.js", b"[]")])
    assert "dup.zip: data/follower.js: appears twice in the zip" in raises(read_x_archive, path)


def test_an_encrypted_member_is_refused(tmp_path):
    path = make_zip(tmp_path / "enc.zip", X_OK)
    data = bytearray(path.read_bytes())
    central = data.index(b"PK\x01\x02")  # data/follower.js: set the 'encrypted' flag bit
    data[central + 8] |= 0x1
    path.write_bytes(bytes(data))
    assert "enc.zip: data/follower.js: encrypted" in raises(read_x_archive, path)


# -- properties ----------------------------------------------------------------------------------------------------

FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "follower",
                    "following",
                    "accountId",
                    "userLink",
                    "title",
                    "string_list_data",
                    "value",
                    "href",
                    "timestamp",
                ]
            )
            | st.text(max_size=5),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)


def read_files(func, files: dict[str, bytes], *, as_zip: bool = False):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = make_zip(root / "e.zip", files) if as_zip else make_folder(root / "e", files)
        try:
            return func(path)
        except ArchiveError:
            return None


@FAST
@given(st.binary(max_size=300), st.booleans())
def test_arbitrary_bytes_never_raise_anything_else(data, as_zip):
    read_files(read_x_archive, {**X_OK, "data/follower.js": data, "data/manifest.js": data}, as_zip=as_zip)
    read_files(read_x_archive, {**X_OK, "data/follower.js": b"window.YTD.follower.part0 = " + data})
    read_files(read_instagram_export, {**IG_OK, f"{FF}/following.json": data}, as_zip=as_zip)


@FAST
@given(st.binary(max_size=400))
def test_arbitrary_zip_bytes_never_raise_anything_else(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "e.zip"
        path.write_bytes(b"PK\x03\x04" + data)
        for func in (read_x_archive, read_instagram_export):
            with pytest.raises(ArchiveError):
                func(path)


@FAST
@given(json_values)
def test_arbitrary_json_never_raises_anything_else(value):
    for doc in (value, [value], [{"follower": value}], [{"follower": {"accountId": "1", "userLink": value}}]):
        read_files(read_x_archive, {**X_OK, "data/follower.js": json.dumps(doc).encode()})
    manifest = {"userInfo": value, "archiveInfo": {"generationDate": value}}
    read_files(read_x_archive, {**X_OK, "data/manifest.js": b"x = " + json.dumps(manifest).encode()})
    for doc in (
        value,
        [value],
        {"relationships_following": [value]},
        [{"string_list_data": value}],
        [{"title": value, "string_list_data": [value]}],
        [{"string_list_data": [{"value": value, "href": value, "timestamp": value}]}],
    ):
        read_files(read_instagram_export, {**IG_OK, f"{FF}/following.json": json.dumps(doc).encode()})


@FAST
@given(
    st.lists(st.integers(min_value=0, max_value=2**63), max_size=30),
    st.sampled_from(["pretty", "compact", "crlf-bom"]),
    st.booleans(),
)
def test_x_ids_round_trip(ids, layout, as_zip):
    items = [
        {"follower": {"accountId": str(i), "userLink": f"https://twitter.com/intent/user?user_id={i}"}} for i in ids
    ]
    if layout == "compact":
        body = ", ".join(json.dumps(item, indent=2, separators=(",", " : ")) for item in items)
        doc = f"window.YTD.follower.part0 = [ {body} ]".encode()
    else:
        doc = ("window.YTD.follower.part0 = " + json.dumps(items, indent=2, separators=(",", " : "))).encode()
        if layout == "crlf-bom":
            doc = b"\xef\xbb\xbf" + doc.replace(b"\n", b"\r\n") + b";\r\n"
    snap = read_files(read_x_archive, {**X_OK, "data/follower.js": doc}, as_zip=as_zip)
    assert snap is not None
    assert [p.id for p in snap.followers] == list(dict.fromkeys(str(i) for i in ids))


usernames = st.from_regex(r"[A-Za-z0-9._]{0,29}[A-Za-z0-9_]", fullmatch=True)


@FAST
@given(st.lists(st.tuples(usernames, st.sampled_from(["value", "title", "href", "href_u"])), max_size=30))
def test_instagram_ids_round_trip(entries):
    def serialise(name: str, form: str) -> dict:
        point = {"href": f"https://www.instagram.com/{name}", "timestamp": 1700000000}
        if form == "value":
            return {"title": "", "media_list_data": [], "string_list_data": [{**point, "value": name}]}
        if form == "title":
            return {"title": name, "string_list_data": [{"href": f"https://www.instagram.com/_u/{name}"}]}
        if form == "href":
            return {"title": "", "string_list_data": [point]}
        return {"title": "", "string_list_data": [{"href": f"https://www.instagram.com/_u/{name}/?hl=en"}]}

    following = {"relationships_following": [serialise(n, f) for n, f in entries]}
    snap = read_files(read_instagram_export, {**IG_OK, f"{FF}/following.json": json.dumps(following).encode()})
    assert snap is not None
    assert [p.id for p in snap.following] == list(dict.fromkeys(n.lower() for n, _ in entries))
