"""Followers and following are fetched at once: when one fails, the other stops there and then."""

from __future__ import annotations

import asyncio

import pytest

from followtui.core.store import Store
from followtui.core.sync import sync_account
from followtui.models import TrackedAccount
from followtui.providers.errors import IncompleteListError

from .fakes import FakeProvider

ACCOUNT = TrackedAccount(platform="github", handle="me", id="1")


class OneListFails(FakeProvider):
    """Followers fail at once; following would go on requesting (as a real provider retries and pages on)."""

    def __init__(self) -> None:
        super().__init__()
        self.following_state = "not started"
        self.closed = False

    async def fetch_followers(self, account, progress=None):  # type: ignore[no-untyped-def]
        raise IncompleteListError("GitHub's followers list changed during the fetch")

    async def fetch_following(self, account, progress=None):  # type: ignore[no-untyped-def]
        self.following_state = "running"
        try:
            for _ in range(50):
                await asyncio.sleep(0.01)
                if self.closed:  # what a real client does after aclose(): every request fails
                    raise RuntimeError("Cannot send a request, as the client has been closed.")
        except asyncio.CancelledError:
            self.following_state = "cancelled"
            raise
        self.following_state = "finished"
        return await super().fetch_following(account, progress)

    async def aclose(self) -> None:
        self.closed = True


async def test_a_failed_list_cancels_the_other_before_the_sync_returns(tmp_path):
    store = Store(tmp_path)
    store.ensure()
    store.add_account(ACCOUNT)
    provider = OneListFails()
    with pytest.raises(IncompleteListError):
        await sync_account(store, ACCOUNT, provider)
    assert provider.following_state == "cancelled"  # not still running when the caller closes the client
    await provider.aclose()
    await asyncio.sleep(0.05)
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
