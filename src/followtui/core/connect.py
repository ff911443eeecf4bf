"""Talking to a platform on behalf of a tracked account: build its provider, add it, sync it.

The CLI, the demo and the TUI all go through here, so each does these things the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from followtui.core.errors import UsageError
from followtui.core.secrets import token_for
from followtui.core.store import Store
from followtui.core.sync import SyncOptions, SyncProgress, sync_account
from followtui.models import Platform, SyncReport, TrackedAccount
from followtui.providers.base import Provider

WaitCallback = Callable[[float, str], None]


def provider_for(
    account: TrackedAccount,
    *,
    data_dir: Path | None = None,
    on_wait: WaitCallback | None = None,
    **options: Any,
) -> Provider:
    """A provider for the account's platform and server, signed in with its secret when it has one."""
    from followtui.providers import make_provider

    token = token_for(account, data_dir)
    if account.platform == Platform.BLUESKY:
        # an app password signs in as the account itself, at its PDS when that is not the read server
        options.setdefault("identifier", account.handle)
        options.setdefault("pds", account.pds or None)
    try:
        return make_provider(account.platform, account.server or None, token, on_wait=on_wait, **options)
    except ValueError as exc:  # no instance for Mastodon, an unknown platform: the user's input
        raise UsageError(str(exc)) from None


async def add_account(
    store: Store, platform: str, handle: str, *, server: str = "", token_env: str = "", pds: str = ""
) -> TrackedAccount:
    """Look the handle up once to learn its stable id, then track it."""
    platform = platform.strip().lower()
    if platform in [p.value for p in Platform if p.import_only]:
        from followtui.core.imports import import_only_message

        raise UsageError(import_only_message(platform, handle))
    known = [p.value for p in Platform if not p.import_only]
    if platform not in known:
        raise UsageError(f"unknown platform {platform!r}; choose from {', '.join(known)}")
    if pds and platform != Platform.BLUESKY:
        raise UsageError("--pds is for Bluesky accounts only")
    draft = TrackedAccount(platform=platform, handle=handle.strip().lstrip("@"), id="", server=server,
                           token_env=token_env, pds=pds)  # fmt: skip
    store.accounts()  # a damaged store is the clear error before any request, not after one
    provider = provider_for(draft, data_dir=store.data_dir)
    try:
        profile = await provider.lookup_self(draft.handle)
    finally:
        await provider.aclose()
    account = TrackedAccount(
        platform=platform,
        handle=profile.handle,
        id=profile.id,
        server=server,
        token_env=token_env,
        added_at=datetime.now(UTC),
        pds=pds,
    )
    store.ensure()
    store.add_account(account)
    return account


async def sync_tracked(
    store: Store,
    account: TrackedAccount,
    options: SyncOptions | None = None,
    progress: SyncProgress | None = None,
    on_wait: WaitCallback | None = None,
) -> SyncReport:
    provider = provider_for(account, data_dir=store.data_dir, on_wait=on_wait)
    try:
        return await sync_account(store, account, provider, options or SyncOptions(), progress)
    finally:
        await provider.aclose()
