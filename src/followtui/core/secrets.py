"""Where tokens come from. They are read when needed and never written to the store, logs or output."""

from __future__ import annotations

import os

from followtui.models import TrackedAccount


def default_token_env(platform: str) -> str:
    return f"FOLLOWTUI_{platform.upper()}_TOKEN"


def token_for(account: TrackedAccount) -> str | None:
    """The token from the account's own env var, else FOLLOWTUI_<PLATFORM>_TOKEN; None reads anonymously."""
    for name in (account.token_env, default_token_env(account.platform)):
        if name:
            value = os.environ.get(name, "").strip()
            if value:
                return value
    return None
