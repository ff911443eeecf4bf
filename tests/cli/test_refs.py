"""Account references as users write them: platform:handle, a bare handle, or a stable id with colons in it."""

from __future__ import annotations

import pytest

from followtui.cli.context import find_account
from followtui.core.exit_codes import UsageError
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
