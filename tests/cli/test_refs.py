"""Account references as users write them: platform:handle, a bare handle, or a stable id with colons in it."""

from __future__ import annotations

import pytest

from followtui.cli.context import find_account
from followtui.core.errors import UsageError
from followtui.models import TrackedAccount

ADA = TrackedAccount(platform="bluesky", handle="ada.bsky.test", id="did:plc:abc123")
OCTO = TrackedAccount(platform="github", handle="octocat", id="583231")


@pytest.mark.parametrize(
    "ref", ["bluesky:ada.bsky.test", "ada.bsky.test", "ADA.bsky.test", "did:plc:abc123", "bluesky:did:plc:abc123"]
)
def test_a_bluesky_account_by_handle_or_did(ref):
    assert find_account([ADA, OCTO], ref) is ADA


def test_a_platform_prefix_narrows_and_unknown_refs_are_usage_errors():
    assert find_account([ADA, OCTO], "github:583231") is OCTO
    with pytest.raises(UsageError, match="no tracked account"):
        find_account([ADA, OCTO], "github:did:plc:abc123")
    with pytest.raises(UsageError, match="several accounts"):
        find_account([ADA, OCTO], None)


def test_an_action_finds_its_account_from_platform_prefixed_refs():
    from followtui.cli.context import account_for_refs

    assert account_for_refs([ADA, OCTO], None, ["github:sara-cohen", "github:1234"]) is OCTO
    assert account_for_refs([ADA, OCTO], "bluesky:ada.bsky.test", ["someone.bsky.social"]) is ADA
    with pytest.raises(UsageError, match="several accounts"):
        account_for_refs([ADA, OCTO], None, ["github:sara-cohen", "bluesky:bob.test"])
    with pytest.raises(UsageError, match="several accounts"):
        account_for_refs([ADA, OCTO], None, ["sara-cohen"])


def test_a_ref_on_another_platform_than_the_account_is_a_usage_error():
    from followtui.cli.actions_cmd import _name_on

    assert _name_on(OCTO, "github:@sara-cohen") == "sara-cohen"
    assert _name_on(ADA, "did:plc:xyz") == "did:plc:xyz"
    with pytest.raises(UsageError, match="is on bluesky"):
        _name_on(OCTO, "bluesky:bob.test")
