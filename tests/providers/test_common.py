"""The plumbing every provider shares (providers/_common.py): running requests side by side, the argument checks,
server addresses, and the clients a provider makes and closes."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from followtui.providers import make_provider
from followtui.providers._common import distinct_ids, run_all, server_url
from followtui.providers.errors import NotFoundError


async def test_run_all_returns_results_in_order() -> None:
    async def after(delay: float, value: int) -> int:
        await asyncio.sleep(delay)
        return value

    assert await run_all([after(0.03, 1), after(0.0, 2), after(0.01, 3)]) == [1, 2, 3]
    assert await run_all([]) == []


async def test_the_first_failure_cancels_the_rest_and_is_raised_as_itself() -> None:
    cancelled: list[str] = []

    async def fails() -> None:
        await asyncio.sleep(0.01)
        raise NotFoundError("gone")

    async def slow(name: str) -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.append(name)
            raise

    with pytest.raises(NotFoundError, match="gone"):  # not an ExceptionGroup: callers catch ProviderError
        await run_all([slow("a"), fails(), slow("b")])
    assert sorted(cancelled) == ["a", "b"]


@pytest.mark.parametrize("platform", ["github", "bluesky", "mastodon"])
@pytest.mark.parametrize(("option", "value"), [("per_page", 0), ("per_page", 1000), ("concurrency", 0)])
def test_every_provider_checks_its_arguments(platform: str, option: str, value: int) -> None:
    with pytest.raises(ValueError, match=option):
        make_provider(platform, "https://example.test", **{option: value})


def test_server_addresses_as_typed() -> None:
    assert server_url(None) is None and server_url("  ") is None
    assert server_url(" example.test/ ") == "https://example.test"
    assert server_url("http://localhost:8080/") == "http://localhost:8080"
    assert distinct_ids(["b", "", "a", "b"]) == ["b", "a"]


@pytest.mark.parametrize("platform", ["github", "bluesky", "mastodon"])
async def test_a_provider_closes_the_client_it_made_and_never_one_it_was_given(platform: str) -> None:
    made = make_provider(platform, "https://example.test")
    await made.aclose()
    assert made._client.is_closed  # type: ignore[attr-defined]
    async with httpx.AsyncClient() as given:
        provider = make_provider(platform, "https://example.test", client=given)
        await provider.aclose()
        assert not given.is_closed
