"""The shared HTTP layer: retry policy, waits, error mapping, security bounds."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import httpx
import pytest

from followtui.providers.errors import ApiError, AuthError, NetworkError, NotFoundError, RateLimitError
from followtui.providers.http import (
    MASTODON_RATE_LIMIT,
    USER_AGENT,
    HttpClient,
    RetryPolicy,
    format_duration,
    make_client,
    parse_reset,
    parse_retry_after,
)

from .conftest import DATE, DATE_EPOCH, TOKEN, Sleeps, json_response, user

# -- RetryPolicy -----------------------------------------------------------------------------------------


def test_retry_policy_full_jitter_stays_under_an_exponential_capped_ceiling():
    policy = RetryPolicy(attempts=5, base_delay_s=0.5, max_delay_s=3.0, rng=random.Random(1))
    assert [policy.ceiling(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    for failures in range(1, 50):
        assert 0.0 <= policy.delay(failures) <= policy.ceiling(failures)
    assert policy.ceiling(10_000) == 3.0


def test_retry_policy_with_a_seeded_rng_is_repeatable():
    a = RetryPolicy(rng=random.Random(42))
    b = RetryPolicy(rng=random.Random(42))
    assert [a.delay(n) for n in range(1, 6)] == [b.delay(n) for n in range(1, 6)]


@pytest.mark.parametrize("kwargs", [{"attempts": 0}, {"base_delay_s": -1}, {"max_delay_s": -0.1}])
def test_retry_policy_rejects_nonsense(kwargs):
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)


# -- header parsing --------------------------------------------------------------------------------------


def test_parse_retry_after_seconds_and_http_date():
    assert parse_retry_after("120", now=0) == 120
    assert parse_retry_after("Wed, 01 Jan 2025 12:00:30 GMT", now=DATE_EPOCH) == 30
    assert parse_retry_after("Wed, 01 Jan 2025 11:00:00 GMT", now=DATE_EPOCH) == 0
    assert parse_retry_after("soon", now=0) is None
    assert parse_retry_after(None, now=0) is None


def test_parse_reset_epoch_delta_and_iso8601():
    assert parse_reset("1735733400", now=DATE_EPOCH) == 1735733400
    assert parse_reset("30", now=DATE_EPOCH) == DATE_EPOCH + 30  # Bluesky/IETF-draft style delta
    mastodon = parse_reset("2025-01-01T12:05:00.621469Z", now=DATE_EPOCH)
    assert mastodon == pytest.approx(DATE_EPOCH + 300.621469)
    assert parse_reset("never", now=0) is None
    assert parse_reset("-5", now=0) is None


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0 s"), (45, "45 s"), (60, "1 min"), (2431, "41 min"), (7500, "2 h 5 min")]
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


# -- client factory and headers ------------------------------------------------------------------------


async def test_make_client_is_http11_keepalive_with_our_user_agent_and_no_redirects():
    client = make_client(timeout_s=5, connect_timeout_s=2, max_connections=12)
    try:
        assert client.headers["user-agent"] == USER_AGENT
        assert USER_AGENT.startswith("followtui/")
        assert client.timeout.connect == 2 and client.timeout.read == 5
        assert client.follow_redirects is False
    finally:
        await client.aclose()


async def test_github_headers_and_token_only_when_given(make_github):
    seen: list[httpx.Request] = []

    def handler(request):
        seen.append(request)
        return json_response(200, [])

    anonymous = make_github(handler)
    await anonymous.fetch_followers(_me())
    authed = make_github(handler, token=TOKEN)
    await authed.fetch_followers(_me())
    first, second = seen
    for request in seen:
        assert request.headers["accept"] == "application/vnd.github+json"
        assert request.headers["x-github-api-version"] == "2022-11-28"
        assert request.headers["user-agent"] == USER_AGENT
    assert "authorization" not in first.headers
    assert second.headers["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in repr(authed)


# -- retries ---------------------------------------------------------------------------------------------


def _flaky(failures, then=None):
    """A handler whose first calls fail as listed (a status, an exception or raw bytes), then succeed."""
    calls = {"n": 0}

    def handler(request):
        calls["n"] += 1
        if calls["n"] <= len(failures):
            failure = failures[calls["n"] - 1]
            if isinstance(failure, Exception):
                raise failure
            if isinstance(failure, bytes):
                return httpx.Response(200, content=failure, headers={"date": DATE})
            return json_response(failure, {"message": "Server Error"})
        return then(request) if then else json_response(200, [user(1)])

    return handler, calls


@pytest.mark.parametrize(
    "failure",
    [
        500,
        502,
        503,
        504,
        httpx.ReadError("connection reset by peer"),
        httpx.ConnectError("[Errno 111] Connection refused"),
        httpx.ReadTimeout("timed out"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        b'[{"login": "user1", "id": 1',  # truncated
        b"<html>502 Bad Gateway</html>",  # malformed
        b"",  # empty 200
    ],
    ids=str,
)
async def test_transient_failures_are_retried_then_succeed(make_github, sleeps: Sleeps, failure):
    handler, calls = _flaky([failure, failure])
    github = make_github(handler)
    result = await github.fetch_followers(_me())
    assert [p.handle for p in result.accounts] == ["user1"]
    assert calls["n"] == 3
    assert github.requests_made == 3 and result.requests == 3
    assert len(sleeps.calls) == 2 and all(0 <= s <= 0.05 for s in sleeps.calls)


async def test_exhausted_network_retries_name_the_host_and_the_failure(make_github):
    handler, calls = _flaky([httpx.ReadError("reset")] * 10)
    github = make_github(handler, "http://127.0.0.1:8000")
    with pytest.raises(NetworkError) as info:
        await github.fetch_followers(_me())
    assert str(info.value) == "could not reach 127.0.0.1:8000 after 4 attempts: connection reset"
    assert calls["n"] == 4


async def test_exhausted_server_errors_are_a_network_error(make_github):
    handler, _calls = _flaky([503] * 10)
    with pytest.raises(NetworkError, match=r"api\.github\.com kept failing after 4 attempts: server error 503"):
        await make_github(handler).fetch_followers(_me())


async def test_a_body_that_stays_malformed_is_an_api_error(make_github):
    handler, calls = _flaky([b"{not json"] * 10)
    with pytest.raises(ApiError, match="truncated or malformed JSON"):
        await make_github(handler).fetch_followers(_me())
    assert calls["n"] == 4


async def test_a_503_retry_after_is_honoured(make_github, sleeps: Sleeps):
    calls = {"n": 0}

    def handler(request):
        calls["n"] += 1
        if calls["n"] == 1:
            return json_response(503, {"message": "busy"}, {"retry-after": "3"})
        return json_response(200, [])

    await make_github(handler).fetch_followers(_me())
    assert sleeps.calls == [3.0]


# -- rate limits ---------------------------------------------------------------------------------------


async def test_429_with_retry_after_is_waited_out_and_reported(make_github, sleeps: Sleeps):
    waits: list[tuple[float, str]] = []
    calls = {"n": 0}

    def handler(request):
        calls["n"] += 1
        if calls["n"] == 1:
            return json_response(429, {"message": "Too Many Requests"}, {"retry-after": "2"})
        return json_response(200, [user(1)])

    github = make_github(handler, on_wait=lambda s, why: waits.append((s, why)))
    result = await github.fetch_followers(_me())
    assert len(result.accounts) == 1
    assert sleeps.calls == [2.0]
    assert waits[0][0] == 2.0 and "GitHub rate limit" in waits[0][1]


async def test_primary_limit_with_far_reset_raises_a_clear_rate_limit_error(make_github, sleeps: Sleeps):
    reset = int(DATE_EPOCH) + 41 * 60 - 30

    def handler(request):
        return json_response(
            403,
            {"message": "API rate limit exceeded for 192.0.2.1."},
            {"x-ratelimit-remaining": "0", "x-ratelimit-limit": "60", "x-ratelimit-reset": str(reset)},
        )

    github = make_github(handler, clock=lambda: DATE_EPOCH)
    with pytest.raises(RateLimitError) as info:
        await github.lookup_self("alice")
    message = str(info.value)
    assert message.startswith("GitHub rate limit reached; it resets in 41 min (at 12:40 UTC).")
    assert "A token raises the limit" in message
    assert info.value.retry_in_s == pytest.approx(41 * 60 - 29)
    assert sleeps.calls == []
    assert github.requests_made == 1


async def test_reset_wait_is_measured_on_the_server_clock_not_the_local_one(make_github, sleeps: Sleeps):
    calls = {"n": 0}

    def handler(request):
        calls["n"] += 1
        if calls["n"] == 1:
            return json_response(
                403,
                {"message": "API rate limit exceeded"},
                {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(DATE_EPOCH) + 5)},
            )
        return json_response(200, user(1, followers=1, following=2, public_repos=3))

    # The local clock runs an hour ahead of the server: the wait must still be ~5 s, not 0.
    github = make_github(handler, clock=lambda: DATE_EPOCH + 3600)
    await github.lookup_self("user1")
    assert sleeps.calls == [6.0]  # 5 s to the reset + 1 s for the Date header's precision


async def test_token_hint_is_left_out_when_a_token_was_used(make_github):
    def handler(request):
        return json_response(
            403,
            {"message": "API rate limit exceeded"},
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(DATE_EPOCH) + 3000)},
        )

    with pytest.raises(RateLimitError) as info:
        await make_github(handler, token=TOKEN).lookup_self("alice")
    assert "token raises" not in str(info.value)


async def test_secondary_limit_403_with_retry_after_waits_then_succeeds(make_github, sleeps: Sleeps):
    calls = {"n": 0}

    def handler(request):
        calls["n"] += 1
        if calls["n"] == 1:
            return json_response(403, {"message": "You have exceeded a secondary rate limit."}, {"retry-after": "1"})
        return json_response(200, [])

    await make_github(handler).fetch_followers(_me())
    assert sleeps.calls == [1.0]


async def test_secondary_limit_without_retry_after_backs_off_from_a_minute(make_github, sleeps: Sleeps):
    def handler(request):
        return json_response(403, {"message": "You have exceeded a secondary rate limit. Please wait."})

    with pytest.raises(RateLimitError, match="GitHub secondary rate limit reached; waiting 2 min") as info:
        await make_github(handler).fetch_followers(_me())
    assert sleeps.calls == [60.0]  # the second wait (120 s) is longer than max_wait_s
    assert "token raises" not in str(info.value)


async def test_endless_short_rate_limits_give_up_after_a_few_waits(make_github, sleeps: Sleeps):
    def handler(request):
        return json_response(429, {"message": "slow down"}, {"retry-after": "1"})

    with pytest.raises(RateLimitError, match="still reached after 5 waits"):
        await make_github(handler).fetch_followers(_me())
    assert sleeps.calls == [1.0] * 5


async def test_mastodon_style_iso_reset_headers_are_understood():
    def handler(request):
        if handler.n == 0:
            handler.n += 1
            return httpx.Response(
                429,
                headers={
                    "date": DATE,
                    "x-ratelimit-remaining": "0",
                    "x-ratelimit-reset": "2025-01-01T12:00:09.500000Z",
                },
                json={"error": "Too many requests"},
            )
        return httpx.Response(200, json={"ok": True})

    handler.n = 0
    sleeps = Sleeps()
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        http = HttpClient(
            "https://mastodon.example/",
            platform_name="Mastodon",
            client=client,
            rate_limit_headers=MASTODON_RATE_LIMIT,
            sleep=sleeps,
        )
        answer = await http.get_json("/api/v1/instance")
    assert answer.data == {"ok": True}
    assert sleeps.calls == [pytest.approx(10.5)]


# -- error mapping -------------------------------------------------------------------------------------


async def test_401_is_an_auth_error_that_never_shows_the_token(make_github):
    def handler(request):
        # A hostile server echoing what we sent must not get the token into our messages.
        return json_response(401, {"message": f"Bad credentials: Bearer {TOKEN}"})

    github = make_github(handler, token=TOKEN)
    with pytest.raises(AuthError) as info:
        await github.lookup_self("alice")
    assert TOKEN not in str(info.value) and TOKEN not in repr(info.value)
    assert "rejected the token" in str(info.value)
    assert TOKEN not in repr(github) and TOKEN not in repr(github.http)


async def test_403_bad_credentials_is_an_auth_error(make_github):
    def handler(request):
        return json_response(403, {"message": "Bad credentials"})

    with pytest.raises(AuthError):
        await make_github(handler, token=TOKEN).lookup_self("alice")


async def test_other_4xx_is_an_api_error_with_the_servers_cleaned_bounded_message(make_github):
    hostile = "\x1b[31mValidation\x1b[0m Failed\x07 " + "x" * 10_000

    def handler(request):
        return json_response(422, {"message": hostile, "documentation_url": "https://docs.github.com"})

    with pytest.raises(ApiError) as info:
        await make_github(handler).lookup_self("alice")
    message = str(info.value)
    assert message.startswith("GitHub answered 422 to GET /users/alice: Validation Failed x")
    assert "\x1b" not in message and "\x07" not in message
    assert len(message) < 400


async def test_404_is_not_found(make_github):
    def handler(request):
        return json_response(404, {"message": "Not Found"})

    with pytest.raises(NotFoundError, match="no GitHub user named 'ghost'"):
        await make_github(handler).lookup_self("ghost")


async def test_redirects_are_not_followed(make_github):
    seen = []

    def handler(request):
        seen.append(request.url.host)
        return httpx.Response(301, headers={"location": "https://evil.example/users/alice"})

    with pytest.raises(ApiError, match="redirected"):
        await make_github(handler, token=TOKEN).lookup_self("alice")
    assert seen == ["api.github.com"]


# -- bounds and bookkeeping ------------------------------------------------------------------------------


async def test_oversized_bodies_are_refused():
    def handler(request):
        return httpx.Response(200, content=b"[" + b"1," * 5000 + b"1]")

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        http = HttpClient("https://api.github.com", platform_name="GitHub", client=client, max_body_bytes=1000)
        with pytest.raises(ApiError, match="larger than"):
            await http.get_json("/users/alice/followers")
        assert http.requests_made == 1


async def test_declared_oversized_bodies_are_refused_before_reading():
    def handler(request):
        return httpx.Response(200, headers={"content-length": str(50 * 1024 * 1024)}, content=b"[]")

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        http = HttpClient("https://api.github.com", platform_name="GitHub", client=client)
        with pytest.raises(ApiError, match="larger than 20 MB"):
            await http.get_json("/x")


@pytest.mark.parametrize(
    "link",
    [
        "https://evil.example/users/alice/followers?page=2",
        "http://api.github.com/x?page=2",
        "https://api.github.com:8443/x?page=2",
    ],
)
def test_links_to_another_origin_are_refused(link):
    http = HttpClient("https://api.github.com", platform_name="GitHub", client=httpx.AsyncClient())
    with pytest.raises(ApiError, match="another server"):
        http.resolve(link)
    assert str(http.resolve("https://api.github.com:443/x?page=2")).endswith("/x?page=2")


def test_paths_are_appended_to_an_enterprise_base_url():
    http = HttpClient("https://ghe.example/api/v3/", platform_name="GitHub", client=httpx.AsyncClient())
    assert str(http.resolve("/users/alice")) == "https://ghe.example/api/v3/users/alice"


async def test_server_time_follows_the_date_header(make_github):
    def handler(request):
        return json_response(200, [])

    github = make_github(handler)
    assert github.server_time() is None
    await github.fetch_followers(_me())
    assert github.server_time() == datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


async def test_quota_is_tracked_from_rate_limit_headers(make_github):
    def handler(request):
        return json_response(
            200,
            [],
            {
                "x-ratelimit-remaining": "57",
                "x-ratelimit-limit": "60",
                "x-ratelimit-reset": str(int(DATE_EPOCH) + 600),
            },
        )

    github = make_github(handler, clock=lambda: DATE_EPOCH)
    await github.fetch_followers(_me())
    assert github.http.quota_left() == 57
    assert github.http.rate_limit_limit == 60


def _me():
    from followtui.models import Profile

    return Profile(id="1", handle="alice", followers_count=None, following_count=None)


async def test_quota_expiry_is_judged_on_the_server_clock(make_github):
    now = {"t": 0.0}  # the local clock is wildly off; only elapsed local time matters

    def handler(request):
        reset = str(int(DATE_EPOCH) + 600)
        return json_response(200, [], {"x-ratelimit-remaining": "5", "x-ratelimit-reset": reset})

    github = make_github(handler, clock=lambda: now["t"])
    await github.fetch_followers(_me())
    assert github.http.quota_left() == 5
    now["t"] += 601
    assert github.http.quota_left() is None
