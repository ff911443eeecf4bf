"""Building a provider for a tracked account: its server, its token, and how waits are reported."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from followtui.core.secrets import token_for
from followtui.models import TrackedAccount
from followtui.providers.base import Provider


def provider_for(
    account: TrackedAccount, *, on_wait: Callable[[float, str], None] | None = None, **options: Any
) -> Provider:
    from followtui.providers import make_provider

    return make_provider(account.platform, account.server or None, token_for(account), on_wait=on_wait, **options)
