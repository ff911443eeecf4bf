"""The hostile corpus (tests/hostile/corpus.py) through every provider, in each platform's real wire shape:
GitHub user / simple-user, Bluesky profileViewDetailed / profileView and list pages, Mastodon Account entities and
list pages, served by httpx.MockTransport.

What comes out is cleaned (no controls, escapes or bidi overrides; bounded), counts are None or sane ints,
times None or real UTC datetimes; the only failures are the documented ProviderErrors, and only for entries or
pages that are structurally broken (no usable id or handle, a body no strict JSON parser reads)."""

from __future__ import annotations

import html
import json
import math
import random
from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest

from followtui.models import Profile
from followtui.providers.bluesky import BlueskyProvider
from followtui.providers.errors import ApiError
from followtui.providers.github import GitHubProvider
from followtui.providers.http import RetryPolicy
from followtui.providers.mastodon import MastodonProvider
from followtui.sanitize import MAX_BIO, MAX_HANDLE, MAX_NAME, clean_text, clean_time
from tests.hostile.checks import assert_clean_profile, assert_count, assert_time
from tests.hostile.corpus import COUNTS, DATES, IDS, JSON_TOKENS, LITERAL, MISSING, TEXTS, WIRE_TEXTS, set_field
from tests.hostile.test_sanitize import expected_count

from .conftest import DATE, Sleeps, paged, user

GITHUB = "https://api.github.com"
APPVIEW = "https://appview.test"
INSTANCE = "https://social.test"
Handler = Callable[[httpx.Request], httpx.Response]


def ok(body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    """A 200 JSON answer, serialised by the standard library: it writes ints of any size and NaN/Infinity."""
    content = json.dumps(body, ensure_ascii=False, allow_nan=True).encode()
    return httpx.Response(200, headers={"date": DATE, **(headers or {})}, content=content)


def unreadable(value: object) -> bool:
    """NaN and the infinities: JSON has no such numbers, so a strict parser refuses the whole body."""
    return isinstance(value, float) and not math.isfinite(value)


def raw(content: str) -> httpx.Response:
    return httpx.Response(200, headers={"date": DATE, "content-type": "application/json"}, content=content.encode())


class Make:
    """Providers of each platform over a MockTransport handler; fast retries, no real sleeping."""

    def __init__(self) -> None:
        self.clients: list[httpx.AsyncClient] = []

    def _client(self, handler: Handler) -> dict[str, Any]:
        client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        self.clients.append(client)
        retry = RetryPolicy(attempts=2, base_delay_s=0.001, max_delay_s=0.001, rng=random.Random(7))
        return {"client": client, "retry": retry, "sleep": Sleeps()}

    def github(self, handler: Handler) -> GitHubProvider:
        return GitHubProvider(GITHUB, **self._client(handler))

    def bluesky(self, handler: Handler) -> BlueskyProvider:
        return BlueskyProvider(APPVIEW, **self._client(handler))

    def mastodon(self, handler: Handler) -> MastodonProvider:
        return MastodonProvider(INSTANCE, **self._client(handler))


@pytest.fixture
async def make():
    made = Make()
    yield made
    for client in made.clients:
        await client.aclose()


# -- each platform's entities -----------------------------------------------------------------------------------


def github_user(i: int, **fields: Any) -> dict[str, Any]:
    body = user(i, name=f"User {i}", bio="hello", followers=10, following=20, public_repos=3)
    body.update(created_at="2015-03-04T05:06:07Z", updated_at="2024-01-01T00:00:00Z", location="Berlin")
    for key, value in fields.items():
        body = set_field(body, key, value)
    return body


def bluesky_profile(i: int, *, detailed: bool = True, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "did": f"did:plc:user{i:04d}",
        "handle": f"user{i}.bsky.social",
        "displayName": f"User {i}",
        "description": "hello",
        "avatar": f"https://cdn.bsky.app/img/avatar/plain/did:plc:user{i:04d}/x@jpeg",
        "createdAt": "2023-04-26T19:05:34.249Z",
        "indexedAt": "2024-05-22T21:19:48.088Z",
        "labels": [],
        "viewer": {"muted": False, "blockedBy": False},
    }
    if detailed:
        body.update(followersCount=10, followsCount=20, postsCount=3, banner="https://cdn.bsky.app/b.jpg")
    for key, value in fields.items():
        body = set_field(body, key, value)
    return body


def mastodon_account(i: int, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(1000 + i),
        "username": f"user{i}",
        "acct": f"user{i}",
        "display_name": f"User {i}",
        "locked": False,
        "bot": False,
        "created_at": "2022-11-01T00:00:00.000Z",
        "note": f"<p>hello from {i}</p>",
        "url": f"{INSTANCE}/@user{i}",
        "avatar": f"{INSTANCE}/system/accounts/avatars/{i}/original/a.png",
        "followers_count": 10,
        "following_count": 20,
        "statuses_count": 30,
        "last_status_at": "2025-01-01",
        "hide_collections": None,
        "emojis": [],
        "fields": [{"name": "site", "value": "<a href='https://x.test'>x</a>", "verified_at": None}],
    }
    for key, value in fields.items():
        body = set_field(body, key, value)
    return body


def mastodon_note(text: str) -> str:
    """How Mastodon serves a plain-text bio: HTML-escaped, one paragraph per line."""
    return "".join(f"<p>{html.escape(line)}</p>" for line in text.split("\n")) or ""


def entity_encoded(text: str) -> str:
    """Every character as a numeric character reference: what a hostile server hides controls in."""
    return "<p>" + "".join(f"&#x{ord(c):x};" for c in text[:2000]) + "</p>"


def check_texts(profile: Profile, name: str, text: str) -> None:
    assert_clean_profile(profile, name)
    if name in LITERAL:
        assert profile.display_name == text[:MAX_NAME] or len(text) > MAX_NAME, name
        assert profile.bio == text or len(text) > MAX_BIO, name


# -- GitHub ----------------------------------------------------------------------------------------------------------


async def test_github_every_text_in_name_bio_and_location(make):
    users = {str(i): github_user(i, name=t, bio=t, location=t) for i, t in enumerate(WIRE_TEXTS.values(), 1)}
    provider = make.github(lambda r: ok(users[r.url.path.rsplit("/", 1)[1]]))
    found = await provider.lookup(list(users), budget=len(users))
    for (i, text), name in zip(enumerate(WIRE_TEXTS.values(), 1), WIRE_TEXTS, strict=True):
        check_texts(found[str(i)], name, text)  # type: ignore[arg-type]


async def test_github_every_text_as_a_login(make):
    for name, text in WIRE_TEXTS.items():
        provider = make.github(lambda r, t=text: ok(github_user(7, login=t)))
        try:
            profile = await provider.lookup_self("mallory")
        except ApiError:
            assert not clean_text(text, MAX_HANDLE), name  # nothing left once cleaned: not a login
            continue
        assert_clean_profile(profile, name)


async def test_github_every_text_in_a_list(make):
    entries = [
        user(i, login=f"user{i}", avatar_url=t, html_url=t, type=t) for i, t in enumerate(WIRE_TEXTS.values(), 1)
    ]
    provider = make.github(lambda r: paged(r, entries))
    result = await provider.fetch_followers(Profile(id="1", handle="octocat"))
    assert len(result.accounts) == len(entries)
    for profile in result.accounts:
        assert_clean_profile(profile)
        assert profile.url == f"https://github.com/{profile.handle}" or profile.url.startswith("http")


@pytest.mark.parametrize("field", ["followers", "following", "public_repos"])
async def test_github_hostile_counts(make, field):
    key = {"followers": "followers_count", "following": "following_count", "public_repos": "posts_count"}[field]
    for name, value in COUNTS.items():
        provider = make.github(lambda r, v=value: ok(github_user(7, **{field: v})))
        if unreadable(value):
            with pytest.raises(ApiError, match="malformed JSON"):
                await provider.lookup_self("mallory")
            continue
        profile = await provider.lookup_self("mallory")
        assert_count(getattr(profile, key), name)
        assert getattr(profile, key) == expected_count(None if value is MISSING else value), name


async def test_github_hostile_dates(make):
    for name, value in DATES.items():
        provider = make.github(lambda r, v=value: ok(github_user(7, created_at=v)))
        profile = await provider.lookup_self("mallory")
        assert_time(profile.created_at, name)
        assert profile.created_at == clean_time(None if value is MISSING else value), name


async def test_github_hostile_ids(make):
    for name, value in IDS.items():
        provider = make.github(lambda r, v=value: ok(github_user(7, id=v)))
        try:
            profile = await provider.lookup_self("mallory")
        except ApiError:
            continue  # GitHub ids are numbers: anything else is a broken entry, never a guess
        assert profile.id.isdigit(), name


@pytest.mark.parametrize("token", list(JSON_TOKENS))
async def test_github_bodies_no_strict_parser_reads_are_api_errors(make, token):
    body = orjson.dumps(github_user(7, name="@@")).decode().replace('"@@"', JSON_TOKENS[token])
    with pytest.raises(ApiError, match="malformed JSON"):
        await make.github(lambda r: raw(body)).lookup_self("mallory")


@pytest.mark.parametrize(
    "page", [{"login": "x"}, "users", None, 12, [None], ["user"], [[1]], [{"login": "x"}], [{"id": 1}]]
)
async def test_github_structurally_broken_pages_are_api_errors(make, page):
    with pytest.raises(ApiError):
        await make.github(lambda r: ok(page)).fetch_followers(Profile(id="1", handle="octocat"))


# -- Bluesky ---------------------------------------------------------------------------------------------------------


async def test_bluesky_every_text_in_display_name_and_description(make):
    profiles = [bluesky_profile(i, displayName=t, description=t) for i, t in enumerate(WIRE_TEXTS.values(), 1)]

    def handler(request: httpx.Request) -> httpx.Response:
        wanted = request.url.params.get_list("actors")
        return ok({"profiles": [p for p in profiles if p["did"] in wanted]})

    ids = [p["did"] for p in profiles]
    found = await make.bluesky(handler).lookup(ids, budget=len(ids))
    for did, (name, text) in zip(ids, WIRE_TEXTS.items(), strict=True):
        check_texts(found[did], name, text)  # type: ignore[arg-type]


async def test_bluesky_every_text_in_list_pages(make):
    entries = [
        bluesky_profile(i, detailed=False, displayName=t, description=t, avatar=t, labels=[{"val": t}])
        for i, t in enumerate(WIRE_TEXTS.values(), 1)
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        start = int(request.url.params.get("cursor") or 0)
        limit = int(request.url.params["limit"])
        page: dict[str, Any] = {"subject": {"did": "did:plc:me", "handle": "me.test"}}
        page["followers"] = entries[start : start + limit]
        if start + limit < len(entries):
            page["cursor"] = str(start + limit)
        return ok(page)

    result = await make.bluesky(handler).fetch_followers(Profile(id="did:plc:me", handle="me.test"))
    assert len(result.accounts) == len(entries)
    for profile, name in zip(result.accounts, WIRE_TEXTS, strict=True):
        check_texts(profile, name, WIRE_TEXTS[name])
        assert profile.followers_count is None  # list pages carry no counts


async def test_bluesky_every_text_as_a_handle(make):
    for name, text in WIRE_TEXTS.items():
        provider = make.bluesky(lambda r, t=text: ok(bluesky_profile(7, handle=t)))
        try:
            profile = await provider.lookup_self("did:plc:user0007")
        except ApiError:
            continue  # empty or with spaces once cleaned: not a handle
        assert_clean_profile(profile, name)
        assert " " not in profile.handle and profile.url.startswith("https://bsky.app/profile/")


@pytest.mark.parametrize("field", ["followersCount", "followsCount", "postsCount"])
async def test_bluesky_hostile_counts(make, field):
    key = {"followersCount": "followers_count", "followsCount": "following_count", "postsCount": "posts_count"}
    for name, value in COUNTS.items():
        provider = make.bluesky(lambda r, v=value: ok(bluesky_profile(7, **{field: v})))
        if unreadable(value):
            with pytest.raises(ApiError, match="malformed JSON"):
                await provider.lookup_self("did:plc:user0007")
            continue
        profile = await provider.lookup_self("did:plc:user0007")
        assert getattr(profile, key[field]) == expected_count(None if value is MISSING else value), name


async def test_bluesky_hostile_dates_and_label_expiries(make):
    for name, value in DATES.items():
        label = set_field(set_field({"src": "did:plc:mod", "uri": "at://x", "val": "spam"}, "cts", value), "exp", value)
        labels = [label]
        provider = make.bluesky(lambda r, v=value, ls=labels: ok(bluesky_profile(7, createdAt=v, labels=ls)))
        profile = await provider.lookup_self("did:plc:user0007")
        assert_time(profile.created_at, name)
        assert profile.created_at == clean_time(None if value is MISSING else value), name
        assert profile.labels in ((), ("spam",)), name


@pytest.mark.parametrize(
    "labels",
    [
        None,
        "spam",
        12,
        {"val": "spam"},
        [None, 1, "spam", [], {}],
        [set_field({}, "val", v) for v in COUNTS.values() if not unreadable(v)],
    ],
)
async def test_bluesky_hostile_label_lists(make, labels):
    profile = await make.bluesky(lambda r: ok(bluesky_profile(7, labels=labels))).lookup_self("did:plc:user0007")
    assert_clean_profile(profile)


async def test_bluesky_hostile_dids(make):
    for name, value in IDS.items():
        provider = make.bluesky(lambda r, v=value: ok(bluesky_profile(7, did=v)))
        try:
            profile = await provider.lookup_self("user7.bsky.social")
        except ApiError:
            continue
        assert_clean_profile(profile, name)


@pytest.mark.parametrize("token", list(JSON_TOKENS))
async def test_bluesky_bodies_no_strict_parser_reads_are_api_errors(make, token):
    body = orjson.dumps(bluesky_profile(7, displayName="@@")).decode().replace('"@@"', JSON_TOKENS[token])
    with pytest.raises(ApiError, match="malformed JSON"):
        await make.bluesky(lambda r: raw(body)).lookup_self("did:plc:user0007")


@pytest.mark.parametrize(
    "page",
    [
        [],
        "followers",
        {"followers": {"did": "did:plc:x"}},
        {"followers": None},
        {"followers": [None]},
        {"followers": [{"did": "did:plc:x"}]},
        {"followers": [{"handle": "x.test"}]},
        {"followers": [{"did": "did:plc:x", "handle": "a b"}]},
        {"followers": [], "cursor": 12},
        {"followers": [], "cursor": ["c"]},
        {"followers": [], "cursor": "\x1b[2J"},
        {"followers": [], "cursor": "c" * 5000},
        {"followers": [], "subject": {"did": "did:plc:someone-else"}},
    ],
)
async def test_bluesky_structurally_broken_pages_are_api_errors(make, page):
    with pytest.raises(ApiError):
        await make.bluesky(lambda r: ok(page)).fetch_followers(Profile(id="did:plc:me", handle="me.test"))


# -- Mastodon --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encode", ["escaped", "raw", "entities"])
async def test_mastodon_every_text_in_display_name_and_note(make, encode):
    note = {"escaped": mastodon_note, "raw": lambda t: t, "entities": entity_encoded}[encode]
    accounts = {
        str(1000 + i): mastodon_account(i, display_name=t, note=note(t)) for i, t in enumerate(WIRE_TEXTS.values(), 1)
    }
    provider = make.mastodon(lambda r: ok(accounts[r.url.path.rsplit("/", 1)[1]]))
    found = await provider.lookup(list(accounts), budget=len(accounts))
    for (account_id, _), (name, text) in zip(accounts.items(), WIRE_TEXTS.items(), strict=True):
        profile = found[account_id]
        assert_clean_profile(profile, name)  # type: ignore[arg-type]
        if name in LITERAL and encode == "escaped":
            assert profile.display_name == text[:MAX_NAME] or len(text) > MAX_NAME, name  # type: ignore[union-attr]


async def test_mastodon_every_text_in_list_pages(make):
    entries = [
        mastodon_account(i, display_name=t, note=mastodon_note(t), url=t, avatar=t, moved={"acct": t})
        for i, t in enumerate(WIRE_TEXTS.values(), 1)
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        start = int(request.url.params.get("max_id") or 0)
        limit = int(request.url.params.get("limit") or 40)
        chunk = entries[start : start + limit]
        headers = {}
        if len(chunk) == limit:
            headers["link"] = (
                f'<{INSTANCE}/api/v1/accounts/1/followers?limit={limit}&max_id={start + limit}>; rel="next"'
            )
        return ok(chunk, headers)

    result = await make.mastodon(handler).fetch_followers(Profile(id="1", handle="me"))
    assert len(result.accounts) == len(entries)
    for profile, name in zip(result.accounts, WIRE_TEXTS, strict=True):
        assert_clean_profile(profile, name)
        if name in LITERAL:
            assert profile.display_name == WIRE_TEXTS[name][:MAX_NAME] or len(WIRE_TEXTS[name]) > MAX_NAME, name


async def test_mastodon_every_text_as_an_acct(make):
    for name, text in WIRE_TEXTS.items():
        provider = make.mastodon(lambda r, t=text: ok(mastodon_account(7, acct=t, username=t)))
        try:
            profile = await provider.lookup_self("user7")
        except ApiError:
            continue
        assert_clean_profile(profile, name)
        assert " " not in profile.handle


@pytest.mark.parametrize("field", ["followers_count", "following_count", "statuses_count"])
async def test_mastodon_hostile_counts(make, field):
    key = {"followers_count": "followers_count", "following_count": "following_count", "statuses_count": "posts_count"}
    for name, value in COUNTS.items():
        provider = make.mastodon(lambda r, v=value: ok(mastodon_account(7, **{field: v})))
        if unreadable(value):
            with pytest.raises(ApiError, match="malformed JSON"):
                await provider.lookup_self("user7")
            continue
        profile = await provider.lookup_self("user7")
        assert getattr(profile, key[field]) == expected_count(None if value is MISSING else value), name


@pytest.mark.parametrize("field", ["created_at", "last_status_at"])
async def test_mastodon_hostile_dates(make, field):
    key = {"created_at": "created_at", "last_status_at": "last_active_at"}[field]
    for name, value in DATES.items():
        provider = make.mastodon(lambda r, v=value: ok(mastodon_account(7, **{field: v})))
        profile = await provider.lookup_self("user7")
        assert getattr(profile, key) == clean_time(None if value is MISSING else value), name


async def test_mastodon_hostile_ids_and_flags(make):
    for name, value in IDS.items():
        provider = make.mastodon(lambda r, v=value: ok(mastodon_account(7, id=v)))
        try:
            profile = await provider.lookup_self("user7")
        except ApiError:
            continue
        assert_clean_profile(profile, name)
    for value in [*(v for v in COUNTS.values() if not unreadable(v)), "true", "yes"]:
        fields = {"locked": value, "bot": value, "hide_collections": value, "moved": value, "fields": value}
        profile = await make.mastodon(lambda r, f=fields: ok(mastodon_account(7, **f))).lookup_self("user7")
        assert_clean_profile(profile, repr(value))
        assert profile.private in (None, False, True) and profile.moved_to == ""


@pytest.mark.parametrize("token", list(JSON_TOKENS))
async def test_mastodon_bodies_no_strict_parser_reads_are_api_errors(make, token):
    body = orjson.dumps(mastodon_account(7, display_name="@@")).decode().replace('"@@"', JSON_TOKENS[token])
    with pytest.raises(ApiError, match="malformed JSON"):
        await make.mastodon(lambda r: raw(body)).lookup_self("user7")


@pytest.mark.parametrize(
    "page",
    [
        {"id": "1"},
        "accounts",
        None,
        7,
        [None],
        [[]],
        ["1001"],
        [{"id": "1"}],
        [{"acct": "x"}],
        [{"id": "", "acct": "x"}],
    ],
)
async def test_mastodon_structurally_broken_pages_are_api_errors(make, page):
    with pytest.raises(ApiError):
        await make.mastodon(lambda r: ok(page)).fetch_followers(Profile(id="1", handle="me"))


def test_the_corpus_reaches_every_platform_whole() -> None:
    """Every corpus text that a JSON body can carry is sent; the others are the lone surrogates."""
    assert set(TEXTS) - set(WIRE_TEXTS) == {n for n in TEXTS if n.startswith("surrogate.")}
