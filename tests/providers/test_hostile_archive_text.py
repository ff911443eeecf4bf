"""The hostile corpus through the offline importers' text fields (test_archives_hostile.py covers broken files
and their properties): Instagram titles (display names), as they are and in Meta's mojibake encoding, and the X
manifest's display name and user name. Every profile comes out clean; the rest is an ArchiveError."""

from __future__ import annotations

import json
from pathlib import Path

from followtui.providers.archives import read_instagram_export, read_x_archive
from followtui.sanitize import MAX_NAME
from tests.hostile.checks import assert_clean_profile
from tests.hostile.corpus import LITERAL, WIRE_TEXTS

FF = "connections/followers_and_following"


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def mojibake(text: str) -> str:
    """Meta's export bug: the UTF-8 bytes of `text` written as \\u00XX escapes."""
    return text.encode("utf-8").decode("latin-1")


def test_instagram_titles_from_the_corpus_come_out_clean(tmp_path: Path) -> None:
    texts = list(WIRE_TEXTS.items())
    entries = []
    for i, (_, text) in enumerate(texts):
        for j, title in enumerate((text, mojibake(text))):
            point = {"href": f"https://www.instagram.com/user{i}_{j}", "value": f"user{i}_{j}", "timestamp": 1700000000}
            entries.append({"title": title, "media_list_data": [], "string_list_data": [point]})
    root = write(tmp_path / "ig", {
        f"{FF}/followers_1.json": json.dumps(entries),
        f"{FF}/following.json": json.dumps({"relationships_following": entries[:50]}),
    })  # fmt: skip
    snapshot = read_instagram_export(root)
    assert len(snapshot.followers) == len(entries)
    for k, profile in enumerate(snapshot.followers):
        name, text = texts[k // 2]
        assert_clean_profile(profile, name)
        if name in LITERAL and len(text) <= MAX_NAME and not text.startswith(("@",)):
            assert profile.display_name == text, (name, k % 2)  # the mojibake undone, nothing else changed


def test_x_manifest_names_from_the_corpus_come_out_clean(tmp_path: Path) -> None:
    for i, (name, text) in enumerate(WIRE_TEXTS.items()):
        manifest = {"userInfo": {"accountId": "12", "userName": text, "displayName": text}, "archiveInfo": {}}
        root = write(tmp_path / f"x{i}", {
            "data/manifest.js": "window.__THAR_CONFIG = " + json.dumps(manifest),
            "data/follower.js": 'window.YTD.follower.part0 = [{"follower": {"accountId": "7"}}]',
            "data/following.js": "window.YTD.following.part0 = []",
        })  # fmt: skip
        snapshot = read_x_archive(root)
        assert [p.id for p in snapshot.followers] == ["7"]
        if snapshot.owner is not None:
            assert_clean_profile(snapshot.owner, name)
