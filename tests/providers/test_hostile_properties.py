"""Property tests of every provider's parsing on generated JSON-like values (the archive importers have theirs in
test_archives_hostile.py): a profile or page either parses into clean profiles or is an ApiError, and hostile
optional fields never cost an entry that has a usable id and handle (a refused entry fails the whole sync)."""

from __future__ import annotations

import asyncio
import functools
import math
from typing import Any

import httpx
import orjson
from hypothesis import given
from hypothesis import strategies as st

from followtui.models import Profile
from followtui.providers.bluesky import BlueskyProvider
from followtui.providers.errors import ApiError
from followtui.providers.github import GitHubProvider
from followtui.providers.http import JsonResponse, RetryPolicy
from followtui.providers.mastodon import MastodonProvider
from tests.hostile.checks import assert_clean_profile
from tests.hostile.corpus import COUNTS, DATES, IDS, MISSING, WIRE_TEXTS

from .conftest import DATE

#: Corpus texts short enough to keep examples fast (the 100 KB ones have their own tests).
SHORT_TEXTS = [t for t in WIRE_TEXTS.values() if len(t) <= 400]
HOSTILE_VALUES = [
    v for table in (COUNTS, DATES, IDS) for v in table.values() if v is not MISSING and len(repr(v)) <= 400
]

leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=30)
    | st.sampled_from(SHORT_TEXTS)
    | st.sampled_from(HOSTILE_VALUES)
)


def json_like(keys: list[str]) -> st.SearchStrategy[Any]:
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(keys) | st.text(max_size=4), inner),
        max_leaves=4,
    )


GITHUB_KEYS = ["login", "id", "name", "bio", "followers", "following", "public_repos", "created_at", "avatar_url",
               "html_url", "type", "location", "company"]  # fmt: skip
BLUESKY_KEYS = ["did", "handle", "displayName", "description", "avatar", "followersCount", "followsCount",
                "postsCount", "createdAt", "indexedAt", "labels", "val", "neg", "exp", "viewer"]  # fmt: skip
MASTODON_KEYS = ["id", "acct", "username", "display_name", "note", "avatar", "url", "followers_count",
                 "following_count", "statuses_count", "created_at", "last_status_at", "locked", "bot", "moved",
                 "hide_collections", "fields"]  # fmt: skip


def entity(keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.sampled_from(keys), leaves | json_like(keys), max_size=8)


@functools.cache
def github() -> GitHubProvider:
    return GitHubProvider("https://api.github.com")


@functools.cache
def bluesky() -> BlueskyProvider:
    return BlueskyProvider("https://appview.test")


@functools.cache
def mastodon() -> MastodonProvider:
    return MastodonProvider("https://social.test")


def parsed_or_refused(parse: Any, item: Any) -> Profile | None:
    try:
        profile = parse(item)
    except ApiError:
        return None
    assert_clean_profile(profile, repr(item)[:200])
    return profile


# -- a profile -----------------------------------------------------------------------------------------------------


@given(entity(GITHUB_KEYS) | json_like(GITHUB_KEYS))
def test_github_profiles_parse_clean_or_are_refused(item):
    parsed_or_refused(lambda i: github()._full_profile(i, "a user"), item)
    parsed_or_refused(lambda i: github()._list_profile(i, "a list"), item)


@given(
    entity(GITHUB_KEYS), st.integers(min_value=0, max_value=2**53), st.from_regex(r"[A-Za-z0-9-]{1,39}", fullmatch=True)
)
def test_github_hostile_fields_never_cost_a_user_with_an_id_and_login(item, account_id, login):
    profile = github()._full_profile({**item, "id": account_id, "login": login}, "a user")
    assert_clean_profile(profile)
    assert (profile.id, profile.handle) == (str(account_id), login)


@given(entity(BLUESKY_KEYS) | json_like(BLUESKY_KEYS), st.booleans())
def test_bluesky_profiles_parse_clean_or_are_refused(item, detailed):
    parsed_or_refused(lambda i: bluesky()._profile(i, "a profile", detailed=detailed), item)


@given(entity(BLUESKY_KEYS), st.booleans(), st.from_regex(r"[a-z0-9]{1,20}(\.[a-z0-9]{1,10}){1,3}", fullmatch=True))
def test_bluesky_hostile_fields_never_cost_a_profile_with_a_did_and_handle(item, detailed, handle):
    did = f"did:plc:{abs(hash(handle)) % 10**12:012d}"
    profile = bluesky()._profile({**item, "did": did, "handle": handle}, "a profile", detailed=detailed)
    assert_clean_profile(profile)
    assert (profile.id, profile.handle) == (did, handle)


@given(entity(MASTODON_KEYS) | json_like(MASTODON_KEYS))
def test_mastodon_accounts_parse_clean_or_are_refused(item):
    parsed_or_refused(lambda i: mastodon()._profile(i, "an account"), item)


@given(
    entity(MASTODON_KEYS),
    st.integers(min_value=0, max_value=2**62),
    st.from_regex(r"\w{1,30}(@[a-z]{1,10}\.[a-z]{2,5})?", fullmatch=True),
)
def test_mastodon_hostile_fields_never_cost_an_account_with_an_id_and_acct(item, account_id, acct):
    profile = mastodon()._profile({**item, "id": str(account_id), "acct": acct}, "an account")
    assert_clean_profile(profile)
    assert profile.id == str(account_id)


# -- a page --------------------------------------------------------------------------------------------------------


def answer(data: Any) -> JsonResponse:
    return JsonResponse(200, data, httpx.Headers(), {}, "https://example.test/page", 1)


def page_or_refused(parse: Any, data: Any) -> None:
    try:
        profiles = parse(answer(data))
    except ApiError:
        return
    assert isinstance(data, list) and len(profiles) == len(data)  # never a silently shortened page
    for profile in profiles:
        assert_clean_profile(profile)


pages = st.lists(entity(GITHUB_KEYS + MASTODON_KEYS) | json_like(GITHUB_KEYS), max_size=5) | json_like(GITHUB_KEYS)


@given(pages)
def test_github_pages_parse_clean_or_are_refused(data):
    page_or_refused(lambda a: github()._page_items(a, "followers", 1), data)


@given(pages)
def test_mastodon_pages_parse_clean_or_are_refused(data):
    page_or_refused(lambda a: mastodon()._page_items(a, "followers page 1"), data)


def json_safe(value: Any) -> bool:
    """Whether orjson writes `value` as it is (no NaN, no ints beyond 64 bits)."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, int):
        return -(2**63) <= value < 2**64
    if isinstance(value, list):
        return all(json_safe(v) for v in value)
    if isinstance(value, dict):
        return all(json_safe(v) for v in value.values())
    return True


bluesky_pages = st.fixed_dictionaries(
    {"followers": st.lists(entity(BLUESKY_KEYS) | json_like(BLUESKY_KEYS), max_size=4) | json_like(BLUESKY_KEYS)},
    optional={"cursor": json_like(BLUESKY_KEYS), "subject": entity(BLUESKY_KEYS)},
).filter(json_safe)


@given(bluesky_pages | json_like(BLUESKY_KEYS).filter(json_safe))
def test_bluesky_list_pages_parse_clean_or_are_refused(page):
    """A whole getFollowers answer through the provider (its page parsing lives in the cursor walk)."""
    body = orjson.dumps(page)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("cursor"):  # a cursor that parsed: the list ends on the next page
            return httpx.Response(200, headers={"date": DATE}, content=b'{"followers": []}')
        return httpx.Response(200, headers={"date": DATE}, content=body)

    async def run() -> None:
        client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        provider = BlueskyProvider("https://appview.test", client=client, retry=RetryPolicy(attempts=1))
        try:
            result = await provider.fetch_followers(Profile(id="did:plc:me", handle="me.test"))
        except ApiError:
            return
        finally:
            await client.aclose()
        for profile in result.accounts:
            assert_clean_profile(profile)

    asyncio.run(run())
