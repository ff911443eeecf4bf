"""Mastodon parsers against real responses recorded by Mastodon.py against a real server, and the docs'
examples (read from the shared recorded dir, never copied into the project)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from followtui.models import GoneAccount, GoneReason, Profile
from followtui.providers.errors import AuthError, HiddenListError, NotFoundError

from .conftest import Sleeps, envelope_response, recorded
from .test_mastodon import TOKEN, Providers, reply

LOCAL = "http://localhost:3000"


@pytest.fixture
async def make_mastodon(sleeps: Sleeps):
    providers = Providers(sleeps)
    yield providers
    await providers.aclose()


async def test_a_real_lookup_with_an_html_note_and_hidden_collections(make_mastodon):
    envelope = recorded("mastodon", "accounts_lookup_note_html_hide_collections.json")
    seen = []

    def handler(request):
        seen.append(request)
        return envelope_response(envelope)

    mastodon = make_mastodon(handler, server=LOCAL)
    profile = await mastodon.lookup_self("@mastodonpy_test@localhost")
    assert seen[0].url.params["acct"] == "mastodonpy_test"
    assert (profile.id, profile.handle, profile.display_name) == (
        "117020565966271181",
        "mastodonpy_test",
        "John Lennon",
    )
    assert profile.bio == "I walk funny"
    assert (profile.private, profile.bot, profile.default_avatar) == (True, False, False)
    assert profile.last_active_at == datetime(2026, 8, 1, tzinfo=UTC)
    assert profile.created_at == datetime(2026, 8, 1, tzinfo=UTC)
    assert (profile.followers_count, profile.following_count, profile.posts_count) == (0, 0, 0)
    with pytest.raises(HiddenListError, match="mastodon:mastodonpy_test hides its following"):
        await mastodon.fetch_following(profile)  # hide_collections: true, and nobody signed in


async def test_a_real_404_lookup(make_mastodon):
    envelope = recorded("mastodon", "accounts_lookup_404_record_not_found.json")
    mastodon = make_mastodon(lambda r: envelope_response(envelope), server=LOCAL)
    with pytest.raises(NotFoundError, match="no Mastodon account named 'kljadklajsdkljlkjlkjlkjasdasd' on localhost"):
        await mastodon.lookup_self("kljadklajsdkljlkjlkjlkjasdasd")
    assert await mastodon.lookup(["117020565966271181"], budget=1) == {
        "117020565966271181": GoneAccount("117020565966271181", GoneReason.DELETED)
    }


async def test_a_real_empty_followers_page_without_a_link_as_the_owner(make_mastodon):
    credentials = recorded("mastodon", "verify_credentials_credential_account.json")
    empty = recorded("mastodon", "followers_empty_page_no_link.json")

    def handler(request):
        if request.url.path.endswith("verify_credentials"):
            return envelope_response(credentials)
        return envelope_response(empty)

    mastodon = make_mastodon(handler, server=LOCAL, token=TOKEN)
    me = Profile(id="117020457910412882", handle="mastodonpy_test", followers_count=0)
    result = await mastodon.fetch_followers(me)
    assert result.accounts == () and result.pages == 1
    # The same empty page for someone who counts 3 followers: hidden, not "nobody". As the owner it is believed.
    someone = Profile(id="42", handle="someone", followers_count=3)
    with pytest.raises(HiddenListError, match="mastodon:someone hides its followers"):
        await mastodon.fetch_followers(someone)
    owner_with_stale_count = Profile(id="117020457910412882", handle="mastodonpy_test", followers_count=3)
    assert (await mastodon.fetch_followers(owner_with_stale_count)).accounts == ()


async def test_a_real_credential_account_is_an_account_too(make_mastodon):
    envelope = recorded("mastodon", "verify_credentials_credential_account.json")
    body = envelope["body"]
    mastodon = make_mastodon(lambda r: envelope_response(envelope), server=LOCAL)
    profile = (await mastodon.lookup([body["id"]], budget=1))[body["id"]]
    assert isinstance(profile, Profile)
    assert profile.default_avatar is True  # .../avatars/original/missing.png
    assert profile.bio == "" and profile.private is True


async def test_a_real_page_with_a_prev_link_only_is_the_last_page(make_mastodon):
    envelope = recorded("mastodon", "follow_requests_page_with_link_header.json")
    result = await make_mastodon(lambda r: envelope_response(envelope), server=LOCAL).fetch_followers(
        Profile(id="1", handle="owner")
    )
    assert [(p.id, p.handle) for p in result.accounts] == [("117020565693913441", "admin")]
    assert result.pages == 1


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("docs_get_account_local_user_Gargron.json", ("1", "Gargron", 318699, 453, 61013)),
        ("docs_get_account_remote_user.json", ("23634", "noiob@awoo.space", 553, 405, 28982)),
        ("docs_Account_entity_example.json", ("23634", "noiob@awoo.space", 547, 404, 28468)),
    ],
)
async def test_the_docs_account_examples(make_mastodon, name, expected):
    body = recorded("mastodon", name)
    profile = (await make_mastodon(lambda r: reply(200, body)).lookup([body["id"]], budget=1))[body["id"]]
    assert isinstance(profile, Profile)
    counts = (profile.id, profile.handle, profile.followers_count, profile.following_count, profile.posts_count)
    assert counts == expected
    assert profile.last_active_at is not None and profile.last_active_at.tzinfo is not None
    assert "<" not in profile.bio and profile.bio
    assert profile.default_avatar is False


async def test_the_docs_gargron_note_and_time(make_mastodon):
    body = recorded("mastodon", "docs_get_account_local_user_Gargron.json")
    profile = await make_mastodon(lambda r: reply(200, body)).lookup_self("Gargron")
    assert profile.bio.startswith("Developer of Mastodon and administrator of mastodon.social.")
    assert profile.last_active_at == datetime(2019, 11, 30, 20, 2, 8, 277000, tzinfo=UTC)
    assert profile.url == "https://mastodon.social/@Gargron"


async def test_the_docs_suspended_account(make_mastodon):
    body = recorded("mastodon", "docs_get_account_suspended_user.json")
    result = await make_mastodon(lambda r: reply(200, body)).lookup(["14"], budget=1)
    assert result == {"14": GoneAccount("14", GoneReason.SUSPENDED)}


async def test_real_relationships_and_follow_answers(make_mastodon):
    relationships = recorded("mastodon", "relationships.json")
    follow = recorded("mastodon", "follow_post_relationship.json")
    unfollow = recorded("mastodon", "unfollow_post_relationship.json")

    def handler(request):
        if request.url.path.endswith("/relationships"):
            return envelope_response(relationships)
        return envelope_response(follow if request.url.path.endswith("/follow") else unfollow)

    mastodon = make_mastodon(handler, server=LOCAL, token=TOKEN)
    assert await mastodon.is_following(Profile(id="117020457910412882", handle="mastodonpy_test")) is False
    target = Profile(id="117020457624302809", handle="someone")
    await mastodon.follow(target)
    await mastodon.unfollow(target)


async def test_the_docs_relationships_example(make_mastodon):
    body = recorded("mastodon", "docs_relationships_example.json")
    mastodon = make_mastodon(lambda r: reply(200, body), token=TOKEN)
    assert await mastodon.is_following(Profile(id="1", handle="one")) is True
    assert await mastodon.is_following(Profile(id="2", handle="two")) is False
    with pytest.raises(NotFoundError, match="no account with id 3"):
        await mastodon.is_following(Profile(id="3", handle="three"))


async def test_a_real_401(make_mastodon):
    envelope = recorded("mastodon", "error_401_invalid_token.json")
    mastodon = make_mastodon(lambda r: envelope_response(envelope), server=LOCAL, token=TOKEN)
    with pytest.raises(AuthError, match=r"Mastodon rejected the token \(401: The access token is invalid\)") as info:
        await mastodon.lookup_self("anyone")
    assert TOKEN not in str(info.value)
    anonymous = make_mastodon(lambda r: envelope_response(envelope), server=LOCAL)
    with pytest.raises(AuthError, match="Mastodon needs a token for this"):
        await anonymous.lookup_self("anyone")
