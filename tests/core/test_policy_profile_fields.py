"""The two Profile fields the policy needs: Bluesky moderation labels and Mastodon's moved-to account.

Filled by the providers from the wire (cleaned and bounded like every network string), kept by the store,
and old store files without them still read.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import pytest

from followtui.core.codec import BadDocument, merge_profile, profile_from_doc, profile_to_doc
from followtui.models import Profile
from followtui.providers import make_provider
from followtui.providers.http import make_client

DATE = "Wed, 01 Jan 2025 12:00:00 GMT"
DID = "did:plc:abcdefghijklmnopqrstuvwx"
LABELER = "did:plc:ar7c4by46qjdydhdevvrndac"


def test_codec_round_trip_and_old_documents():
    profile = Profile(id="7", handle="x", labels=("spam", "!hide"), moved_to="new@elsewhere.example")
    doc = profile_to_doc("bluesky", profile)
    assert doc["labels"] == ["spam", "!hide"] and doc["moved_to"] == "new@elsewhere.example"
    assert profile_from_doc(doc) == profile
    plain = profile_to_doc("github", Profile(id="8", handle="y"))
    assert "labels" not in plain and "moved_to" not in plain  # nothing written for the common case
    old = {"key": "github:8", "id": "8", "handle": "y"}  # a store file from before these fields
    assert profile_from_doc(old) == Profile(id="8", handle="y")
    for odd in ({**old, "labels": ["spam", 3, "", None]}, {**old, "moved_to": 42}):  # no writer of ours made these
        with pytest.raises(BadDocument):
            profile_from_doc(odd)


def test_a_bare_list_entry_keeps_labels_and_moved_to_a_full_profile_replaces_them():
    known = Profile(id="7", handle="x", labels=("spam",), moved_to="a@b.example", hydrated_at=datetime.now(UTC))
    assert merge_profile(known, Profile(id="7", handle="x")).labels == ("spam",)
    assert merge_profile(known, Profile(id="7", handle="x")).moved_to == "a@b.example"
    fresh = Profile(id="7", handle="x", hydrated_at=datetime.now(UTC))
    assert merge_profile(known, fresh).labels == () and merge_profile(known, fresh).moved_to == ""


def _client(handler: Any) -> httpx.AsyncClient:
    return make_client(transport=httpx.MockTransport(handler))


def _reply(body: Any) -> httpx.Response:
    return httpx.Response(200, headers={"date": DATE}, content=orjson.dumps(body))


def _label(val: Any, **extra: Any) -> dict[str, Any]:
    return {"src": LABELER, "uri": DID, "val": val, "cts": "2024-01-01T00:00:00.000Z", **extra}


async def test_bluesky_labels_are_the_label_values_negations_and_expiries_applied():
    labels = [
        _label("spam"),
        _label("impersonation"),
        _label("impersonation", neg=True),  # withdrawn
        _label("porn", exp="2024-06-01T00:00:00.000Z"),  # expired before the server's Date
        _label("scam", exp="2030-01-01T00:00:00.000Z"),
        _label("spam"),  # the same label from a second source: once
        _label("bot"),  # a self-label: Profile.bot, not a moderation label
        _label("\x1b[31m!hide\x07"),  # cleaned like every network string
        _label("two words"),
        _label(5),
        "not a label",
        *(_label(f"l{i}") for i in range(100)),
    ]
    profile = {"did": DID, "handle": "who.bsky.social", "labels": labels, "followersCount": 1}
    bluesky = make_provider("bluesky", "https://appview.test", client=_client(lambda request: _reply(profile)))
    try:
        got = await bluesky.lookup_self("who.bsky.social")
    finally:
        await bluesky.aclose()
    assert got.labels[:3] == ("spam", "scam", "!hide") and got.bot is True
    assert len(got.labels) == 31  # at most 32 values, the bot self-label not among the labels
    assert all(label.isprintable() and " " not in label for label in got.labels)


async def test_bluesky_without_labels():
    profile = {"did": DID, "handle": "who.bsky.social"}
    bluesky = make_provider("bluesky", "https://appview.test", client=_client(lambda request: _reply(profile)))
    try:
        got = await bluesky.lookup_self("who.bsky.social")
    finally:
        await bluesky.aclose()
    assert got.labels == () and got.bot is None and got.default_avatar is True  # no avatar: the default one


def _mastodon_account(**extra: Any) -> dict[str, Any]:
    return {
        "id": "1001",
        "username": "old",
        "acct": "old",
        "display_name": "Old",
        "locked": False,
        "bot": False,
        "note": "",
        "avatar": "https://social.test/avatars/original/missing.png",
        "followers_count": 1,
        "following_count": 1,
        "statuses_count": 1,
        **extra,
    }


async def _mastodon_lookup(account: dict[str, Any]) -> Profile:
    mastodon = make_provider("mastodon", "https://social.test", client=_client(lambda request: _reply(account)))
    try:
        return await mastodon.lookup_self("old")
    finally:
        await mastodon.aclose()


async def test_mastodon_moved_is_the_new_accounts_acct_cleaned():
    moved = await _mastodon_lookup(_mastodon_account(moved=_mastodon_account(id="2002", acct="new@elsewhere.example")))
    assert moved.moved_to == "new@elsewhere.example" and moved.default_avatar is True
    assert (await _mastodon_lookup(_mastodon_account())).moved_to == ""
    assert (await _mastodon_lookup(_mastodon_account(moved=None))).moved_to == ""
    assert (await _mastodon_lookup(_mastodon_account(moved="new@x"))).moved_to == ""  # not an Account entity
    hostile = _mastodon_account(moved=_mastodon_account(acct="\x1b]0;owned\x07new@x.example"))
    assert (await _mastodon_lookup(hostile)).moved_to == "new@x.example"
    spaced = _mastodon_account(moved=_mastodon_account(acct="new @x.example"))
    assert (await _mastodon_lookup(spaced)).moved_to == ""
