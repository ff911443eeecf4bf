"""Platform providers: fetch and normalise follow lists and profiles; never write the store.

`make_provider` is the one way the rest of the app gets a provider. Platform modules are imported only when
asked for, so importing this package stays cheap (no httpx until a provider is made).
"""

from __future__ import annotations

import sys
from typing import Any

from followtui.providers.base import DEFAULT_CONCURRENCY, Progress, Provider
from followtui.providers.errors import (
    ApiError,
    AuthError,
    HiddenListError,
    IncompleteListError,
    NetworkError,
    NotFoundError,
    ProviderError,
    RateLimitError,
)

SUPPORTED_PLATFORMS: tuple[str, ...] = ("github", "bluesky", "mastodon")

__all__ = [
    "SUPPORTED_PLATFORMS",
    "ApiError",
    "AuthError",
    "HiddenListError",
    "IncompleteListError",
    "NetworkError",
    "NotFoundError",
    "Progress",
    "Provider",
    "ProviderError",
    "RateLimitError",
    "make_provider",
]


def make_provider(platform: str, server: str | None = None, token: str | None = None, **options: Any) -> Provider:
    """A provider for `platform` talking to `server` (None: the platform's public service).

    `options` go to the provider's constructor (per_page, concurrency, retry, max_wait_s, timeout_s,
    on_wait, client…; Bluesky also identifier and pds). `token` is GitHub's or Mastodon's access token, or a
    Bluesky app password. Mastodon has no default server: leaving it out is a ValueError, as is an unknown
    platform (naming the supported ones). Profile look-ups get the lists' share of the pool too: the app looks
    profiles up only when no list is being fetched (a sync classifies and hydrates after both lists are in).
    """
    options.setdefault("lookup_concurrency", 2 * options.get("concurrency", DEFAULT_CONCURRENCY))
    _skip_httpx_cli()
    name = platform.strip().lower()
    if name == "github":
        from followtui.providers.github import GitHubProvider, api_base_for

        return GitHubProvider(api_base_for(server), token, **options)
    if name == "bluesky":
        from followtui.providers.bluesky import BlueskyProvider

        return BlueskyProvider(server, token, **options)
    if name == "mastodon":
        from followtui.providers.mastodon import MastodonProvider

        return MastodonProvider(server, token, **options)
    raise ValueError(f"unknown platform {platform!r}; supported: {', '.join(SUPPORTED_PLATFORMS)}")


def _skip_httpx_cli() -> None:
    """httpx imports its own command-line client (click, Rich's console and progress, Pygments: 70 ms, a fifth of
    a sync's imports) whenever those are installed, as Typer installs them. A None entry makes that import fail
    and httpx keeps the stub `main` it has for that case; nothing here runs the httpx command."""
    if "httpx" not in sys.modules:
        sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
