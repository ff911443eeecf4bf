"""501 Not Implemented is permanent (RFC 9110 §15.6.2: the server lacks the functionality, for any resource):
it is raised at once, naming the endpoint; 500, 502, 503 and 504 are still retried."""

from __future__ import annotations

import random

import httpx
import pytest

from followtui.models import Profile
from followtui.providers.errors import ApiError, NetworkError
from followtui.providers.http import HttpClient, RetryPolicy
from followtui.providers.mastodon import MastodonProvider

from .conftest import Sleeps, json_response

INSTANCE = "https://social.test"


def counting(statuses: list[int]) -> tuple[list[httpx.Request], httpx.MockTransport]:
    """Answers each status in turn (then 200 with []), recording every request."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        status = statuses[len(seen) - 1] if len(seen) <= len(statuses) else 200
        return json_response(status, {"error": "Not implemented"} if status >= 400 else [])

    return seen, httpx.MockTransport(handler)


def client(transport: httpx.MockTransport, sleeps: Sleeps) -> HttpClient:
    return HttpClient(
        INSTANCE,
        platform_name="Mastodon",
        retry=RetryPolicy(attempts=4, base_delay_s=0.01, max_delay_s=0.05, rng=random.Random(7)),
        client=httpx.AsyncClient(transport=transport),
        sleep=sleeps,
    )


async def test_a_501_is_asked_once_and_is_an_api_error_naming_the_endpoint(sleeps: Sleeps):
    seen, transport = counting([501] * 10)
    http = client(transport, sleeps)
    try:
        with pytest.raises(ApiError, match=r"does not implement GET /api/v1/accounts/1/followers \(501") as caught:
            await http.get_json("/api/v1/accounts/1/followers", params={"limit": 80})
    finally:
        await http._client.aclose()
    assert not isinstance(caught.value, NetworkError)
    assert len(seen) == 1 and sleeps.calls == []


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_other_server_errors_are_still_retried(sleeps: Sleeps, status: int):
    seen, transport = counting([status, status])
    http = client(transport, sleeps)
    try:
        answer = await http.get_json("/api/v1/accounts/1/followers")
    finally:
        await http._client.aclose()
    assert (answer.status, answer.attempts, len(seen), len(sleeps.calls)) == (200, 3, 3, 2)


async def test_a_503_that_never_ends_is_still_a_network_error_after_every_attempt(sleeps: Sleeps):
    seen, transport = counting([503] * 10)
    http = client(transport, sleeps)
    try:
        with pytest.raises(NetworkError, match=r"kept failing after 4 attempts: server error 503"):
            await http.get_json("/api/v1/accounts/1/followers")
    finally:
        await http._client.aclose()
    assert len(seen) == 4


async def test_a_provider_list_on_a_server_without_the_endpoint_fails_at_once(sleeps: Sleeps):
    seen, transport = counting([501] * 10)
    async with httpx.AsyncClient(transport=transport) as http:
        mastodon = MastodonProvider(INSTANCE, None, client=http, sleep=sleeps)
        with pytest.raises(ApiError, match=r"social\.test does not implement GET /api/v1/accounts/7/following"):
            await mastodon.fetch_following(Profile(id="7", handle="bob"))
    assert len(seen) == 1
