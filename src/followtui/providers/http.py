"""The HTTP layer every provider shares: one client, retries with jitter, rate-limit waits, bounded bodies.

Providers call `HttpClient.get_json` / `HttpClient.request` and get parsed JSON back, or one of the
`followtui.providers.errors` exceptions once retries are spent. Secrets never reach an error message: the
client redacts the tokens it was given from anything the server says, and never formats request headers.
"""

from __future__ import annotations

import asyncio
import functools
import math
import random
import ssl
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import orjson

from followtui import __version__
from followtui.providers.errors import (
    ApiError,
    AuthError,
    NetworkError,
    NotFoundError,
    RateLimitError,
)
from followtui.providers.transport import pooled_transport
from followtui.sanitize import clean_text

USER_AGENT = f"followtui/{__version__}"
DEFAULT_TIMEOUT_S = 20.0
DEFAULT_MAX_WAIT_S = 60.0
MAX_BODY_BYTES = 20 * 1024 * 1024
MAX_MESSAGE = 300

#: Called with (seconds, reason) before every wait: rate limits and retry back-offs.
OnWait = Callable[[float, str], None]
Sleep = Callable[[float], Awaitable[None]]

_RNG = random.Random()


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently to retry a failed request (exponential back-off with full jitter).

    `attempts` counts every try, the first included. Inject a seeded `rng` in tests for repeatable delays.
    """

    attempts: int = 4
    base_delay_s: float = 0.5
    max_delay_s: float = 10.0
    rng: random.Random | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("RetryPolicy.attempts must be at least 1")
        if self.base_delay_s < 0 or self.max_delay_s < 0:
            raise ValueError("RetryPolicy delays must not be negative")

    def ceiling(self, failures: int) -> float:
        """The largest delay after `failures` consecutive failures (1-based)."""
        exponent = min(max(failures - 1, 0), 60)
        return min(self.max_delay_s, self.base_delay_s * (2**exponent))

    def delay(self, failures: int) -> float:
        """A random delay in [0, ceiling]: full jitter spreads clients that failed together."""
        return (self.rng or _RNG).uniform(0.0, self.ceiling(failures))


@dataclass(frozen=True, slots=True)
class RateLimitHeaders:
    """Where a platform states its quota. The reset value may be epoch seconds, delta seconds or ISO-8601.

    GitHub: x-ratelimit-* (epoch). Bluesky: RateLimit-* (epoch). Mastodon: X-RateLimit-* (ISO-8601).
    """

    remaining: str = "x-ratelimit-remaining"
    reset: str = "x-ratelimit-reset"
    limit: str = "x-ratelimit-limit"


GITHUB_RATE_LIMIT = RateLimitHeaders()
BLUESKY_RATE_LIMIT = RateLimitHeaders("ratelimit-remaining", "ratelimit-reset", "ratelimit-limit")
MASTODON_RATE_LIMIT = RateLimitHeaders("x-ratelimit-remaining", "x-ratelimit-reset", "x-ratelimit-limit")


@dataclass(frozen=True, slots=True)
class JsonResponse:
    """A successful (or explicitly accepted) answer: parsed JSON plus what pagination needs."""

    status: int
    data: Any
    headers: httpx.Headers
    #: rel -> absolute URL, resolved against the request URL (not yet checked for origin).
    links: Mapping[str, str]
    url: str
    #: How many HTTP requests this answer cost (retries included).
    attempts: int


@functools.cache
def _tls_context() -> ssl.SSLContext:  # httpx's own default, made once
    """One verifying TLS context per process: loading the CA bundle costs ~0.1 s, once is enough."""
    return httpx.create_ssl_context()


def make_client(
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    connect_timeout_s: float | None = None,
    max_connections: int = 20,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """An HTTP/1.1 keep-alive client sized for a provider's concurrency.

    Redirects are not followed: a redirect could carry the Authorization header to another host.
    """
    limits = httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_connections, keepalive_expiry=30.0
    )
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout_s, connect=connect_timeout_s or timeout_s, pool=None),
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
        transport=transport or pooled_transport(verify=_tls_context(), limits=limits),
    )


def parse_http_date(value: str | None) -> datetime | None:
    """An RFC 9110 date (the Date and Retry-After headers) as an aware UTC datetime, or None."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or an HTTP date), or None."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        when = parse_http_date(value)
        return None if when is None else max(0.0, when.timestamp() - now)
    return max(0.0, seconds) if math.isfinite(seconds) else None


def parse_reset(value: str | None, now: float) -> float | None:
    """A rate-limit reset header as epoch seconds: epoch numbers, small delta numbers or ISO-8601."""
    if not value:
        return None
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return when.timestamp()
    if not math.isfinite(number) or number < 0:
        return None
    return number if number > 1_000_000_000 else now + number


def format_duration(seconds: float) -> str:
    """A wait as people say it: '45 s', '41 min', '2 h 5 min'."""
    seconds = max(0, math.ceil(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def describe_transport_error(exc: httpx.TransportError) -> str:
    """What failed on the wire, in a few words (never headers, never the URL's query)."""
    if isinstance(exc, httpx.ConnectTimeout):
        return "connection timed out"
    if isinstance(exc, httpx.ReadTimeout):
        return "no answer in time (read timeout)"
    if isinstance(exc, httpx.WriteTimeout):
        return "write timed out"
    if isinstance(exc, httpx.PoolTimeout):
        return "no free connection in time"
    if isinstance(exc, httpx.ConnectError):
        detail = str(exc).lower()
        if "refused" in detail:
            return "connection refused"
        if "name or service" in detail or "nodename" in detail or "getaddrinfo" in detail:
            return "host name not found"
        return "could not connect"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "connection closed mid-response"
    if isinstance(exc, (httpx.ReadError, httpx.WriteError)):
        return "connection reset"
    return "network error"


class _Retry(Exception):
    """Internal: this attempt failed in a way worth retrying."""

    def __init__(self, problem: str, *, kind: str, retry_after: float | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.kind = kind  # "network" | "server" | "body"
        self.retry_after = retry_after


class HttpClient:
    """One platform server: base URL, default headers, retry and rate-limit policy, request accounting."""

    def __init__(
        self,
        base_url: str,
        *,
        platform_name: str,
        headers: Mapping[str, str] | None = None,
        secrets: Iterable[str] = (),
        retry: RetryPolicy | None = None,
        max_wait_s: float = DEFAULT_MAX_WAIT_S,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        connect_timeout_s: float | None = None,
        max_connections: int = 20,
        on_wait: OnWait | None = None,
        client: httpx.AsyncClient | None = None,
        rate_limit_headers: RateLimitHeaders = GITHUB_RATE_LIMIT,
        rate_limit_hint: str = "",
        secondary_wait_s: float = 60.0,
        max_rate_limit_waits: int = 5,
        max_body_bytes: int = MAX_BODY_BYTES,
        sleep: Sleep | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        try:
            base = httpx.URL(base_url.strip().rstrip("/"))
        except httpx.InvalidURL:
            raise ValueError(f"not an http(s) server URL: {base_url!r}") from None
        if base.scheme not in ("http", "https") or not base.host:
            raise ValueError(f"not an http(s) server URL: {base_url!r}")
        self.base_url = base
        self.platform_name = platform_name
        self.host = base.netloc.decode("ascii", "replace")
        self._headers = {"User-Agent": USER_AGENT, **(headers or {})}
        self._secrets = tuple(s for s in secrets if s)
        self.retry = retry or RetryPolicy()
        self.max_wait_s = max_wait_s
        self.on_wait = on_wait
        self.rate_limit_headers = rate_limit_headers
        self.rate_limit_hint = rate_limit_hint
        self.secondary_wait_s = secondary_wait_s
        self.max_rate_limit_waits = max_rate_limit_waits
        self.max_body_bytes = max_body_bytes
        self._sleep = sleep or asyncio.sleep
        self._clock = clock or time.time
        self._owns_client = client is None
        self._client = client or make_client(
            timeout_s=timeout_s, connect_timeout_s=connect_timeout_s, max_connections=max_connections
        )
        self.requests_made = 0
        self._server_date: datetime | None = None
        self._server_date_noted_at = 0.0
        self.rate_limit_remaining: int | None = None
        self.rate_limit_limit: int | None = None
        self.rate_limit_reset: float | None = None

    def __repr__(self) -> str:
        return f"HttpClient({str(self.base_url)!r}, requests_made={self.requests_made})"

    # -- state -----------------------------------------------------------------------------------------

    def server_time(self) -> datetime | None:
        """The server's clock from the latest Date header, if any response carried one."""
        return self._server_date

    def quota_left(self) -> int | None:
        """Requests left in the current rate-limit window, when the server told us and it has not reset."""
        if self.rate_limit_remaining is None:
            return None
        if self.rate_limit_reset is not None and self.rate_limit_reset <= self._server_now_estimate():
            return None
        return self.rate_limit_remaining

    def _server_now_estimate(self) -> float:
        """The server's clock now: its last Date plus the local time elapsed since (skew-proof)."""
        if self._server_date is None:
            return self._now()
        return self._server_date.timestamp() + max(0.0, self._now() - self._server_date_noted_at)

    def _now(self) -> float:
        return self._clock()

    def _note(self, response: httpx.Response) -> None:
        date = parse_http_date(response.headers.get("date"))
        if date is not None:
            self._server_date = date
            self._server_date_noted_at = self._now()
        names = self.rate_limit_headers
        remaining = _int_header(response.headers.get(names.remaining))
        if remaining is not None:
            self.rate_limit_remaining = remaining
            self.rate_limit_limit = _int_header(response.headers.get(names.limit))
            self.rate_limit_reset = parse_reset(response.headers.get(names.reset), _server_now(response, self._now()))

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    # -- URLs ------------------------------------------------------------------------------------------

    def resolve(self, target: str) -> httpx.URL:
        """A path is appended to the base URL; an absolute URL must share the base's scheme, host and port.

        A hostile or confused server must not be able to send our token elsewhere through a Link header.
        """
        if "://" in target:
            try:
                url = httpx.URL(target)
            except httpx.InvalidURL:
                raise ApiError(f"{self.platform_name} sent a link that is not a valid URL") from None
            if not self.same_origin(url):
                raise ApiError(
                    f"{self.platform_name} sent a link to another server "
                    f"({clean_text(url.scheme)}://{clean_text(url.netloc.decode('ascii', 'replace'))}); "
                    "refusing to follow it"
                )
            return url
        path = target if target.startswith("/") else "/" + target
        return httpx.URL(str(self.base_url) + path)

    def same_origin(self, url: httpx.URL) -> bool:
        return (url.scheme, url.host, _port(url)) == (
            self.base_url.scheme,
            self.base_url.host,
            _port(self.base_url),
        )

    # -- requests --------------------------------------------------------------------------------------

    async def get_json(
        self,
        target: str,
        params: Mapping[str, str | int] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> JsonResponse:
        """GET and parse a JSON body (retrying truncated or malformed ones)."""
        return await self.request("GET", target, params=params, headers=headers)

    async def request(
        self,
        method: str,
        target: str,
        *,
        params: Mapping[str, str | int] | None = None,
        content: bytes | None = None,
        expect_json: bool = True,
        accept: Iterable[int] = (),
        headers: Mapping[str, str] | None = None,
    ) -> JsonResponse:
        """Send one logical request, retrying what is worth retrying; raise an errors.py exception otherwise.

        Statuses in `accept` (e.g. 404 for "is following?") come back as a response instead of raising; their
        JSON body, if any parses, is in `data` (an error body such as XRPC's {"error", "message"}), else None.
        A 204 (or any body when `expect_json` is False) gives `data=None`. `headers` are added to the client's
        own for this request only (a session token that changes, a Content-Type).
        """
        url = self.resolve(target)
        if params:
            url = url.copy_merge_params({k: str(v) for k, v in params.items()})
        accepted = frozenset(accept)
        what = f"{method} {clean_text(url.path, 200)}"
        failures = 0
        rate_waits = 0
        attempts = 0
        while True:
            attempts += 1
            try:
                return await self._attempt(method, url, content, expect_json, accepted, what, attempts, headers)
            except _RateLimited as limited:
                rate_waits += 1
                await self._rate_limit_wait(limited.response, limited.message, rate_waits)
            except _Retry as failure:
                failures += 1
                if failures >= self.retry.attempts:
                    raise self._exhausted(failure, failures, what) from None
                delay = self.retry.delay(failures)
                if failure.retry_after is not None and failure.retry_after <= self.max_wait_s:
                    delay = max(delay, failure.retry_after)
                await self._pause(delay, f"{failure.problem} from {self.host}; retrying")

    async def _attempt(
        self,
        method: str,
        url: httpx.URL,
        content: bytes | None,
        expect_json: bool,
        accepted: frozenset[int],
        what: str,
        attempts: int,
        extra_headers: Mapping[str, str] | None = None,
    ) -> JsonResponse:
        headers = {**self._headers, **extra_headers} if extra_headers else self._headers
        request = self._client.build_request(method, url, headers=headers, content=content)
        self.requests_made += 1
        try:
            response = await self._client.send(request, stream=True)
            try:
                body = await self._read_bounded(response, what)
            finally:
                await response.aclose()
        except httpx.UnsupportedProtocol as exc:
            raise NetworkError(f"cannot talk to {self.host}: {clean_text(str(exc), 120)}") from None
        except httpx.TransportError as exc:
            raise _Retry(describe_transport_error(exc), kind="network") from None
        except httpx.DecodingError:
            raise _Retry("a body that could not be decompressed", kind="body") from None
        except httpx.HTTPError:
            raise _Retry("network error", kind="network") from None
        self._note(response)
        status = response.status_code
        if 200 <= status < 300 or status in accepted:
            data = None
            if expect_json and status != 204 and 200 <= status < 300:
                try:
                    data = orjson.loads(body)
                except orjson.JSONDecodeError:
                    raise _Retry("a truncated or malformed JSON body", kind="body") from None
            elif expect_json and body and not 200 <= status < 300:
                try:
                    data = self._redacted(orjson.loads(body))  # an error body: providers quote it
                except orjson.JSONDecodeError:
                    data = None
            links = {  # most Link targets are absolute already: parsing each of them again cost a tenth of a sync
                rel: target if target.startswith(("https://", "http://")) else str(url.join(target))
                for rel, link in response.links.items()
                if isinstance(rel, str) and (target := link.get("url"))
            }
            return JsonResponse(status, data, response.headers, links, str(url), attempts)
        message = self._server_message(body)
        if self._is_rate_limited(status, response.headers, message):
            raise _RateLimited(response, message)
        if _is_transient(status):
            retry_after = parse_retry_after(response.headers.get("retry-after"), self._server_now(response))
            raise _Retry(f"server error {status}", kind="server", retry_after=retry_after)
        has_auth = any(k.lower() == "authorization" for k in headers)
        raise self._status_error(status, message, what, response, has_auth)

    async def _read_bounded(self, response: httpx.Response, what: str) -> bytes:
        declared = _int_header(response.headers.get("content-length"))
        if declared is not None and declared > self.max_body_bytes:
            raise ApiError(self._too_large(what))
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self.max_body_bytes:
                raise ApiError(self._too_large(what))
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self, what: str) -> str:
        limit_mb = self.max_body_bytes / (1024 * 1024)
        return f"{self.platform_name} answer to {what} is larger than {limit_mb:g} MB; refusing it"

    # -- classification --------------------------------------------------------------------------------

    def _is_rate_limited(self, status: int, headers: httpx.Headers, message: str) -> bool:
        if status == 429:
            return True
        if status != 403:
            return False
        if headers.get(self.rate_limit_headers.remaining, "").strip() == "0":
            return True
        if "retry-after" in headers:
            return True
        lowered = message.lower()
        return "rate limit" in lowered or "abuse detection" in lowered

    def _status_error(
        self, status: int, message: str, what: str, response: httpx.Response, has_auth: bool
    ) -> Exception:
        said = f": {message}" if message else ""
        if status == 401 or (status == 403 and "bad credentials" in message.lower()):
            if has_auth:
                return AuthError(f"{self.platform_name} rejected the token ({status}{said})")
            return AuthError(f"{self.platform_name} needs a token for this ({status}{said})")
        if status == 404:
            return NotFoundError(f"{self.platform_name} has nothing at {what} (404{said})")
        if status == 501:
            return ApiError(
                f"{self.platform_name} at {self.host} does not implement {what} (501 Not Implemented{said})"
            )
        if 300 <= status < 400:
            location = self.scrub(response.headers.get("location", ""), 200)
            where = f" to {location}" if location else ""
            return ApiError(
                f"{self.platform_name} redirected {what}{where} ({status}); use that address as the server URL"
            )
        return ApiError(f"{self.platform_name} answered {status} to {what}{said}")

    def _server_message(self, body: bytes) -> str:
        """The server's own words about an error, cleaned, bounded and with our secrets blanked out."""
        text = ""
        try:
            parsed = orjson.loads(body) if body else None
        except orjson.JSONDecodeError:
            parsed = None
            raw = body[:1000].decode("utf-8", "replace").strip()
            if raw and not raw.startswith("<"):
                text = raw
        if isinstance(parsed, dict):
            for key in ("message", "error_description", "error"):
                value = parsed.get(key)
                if isinstance(value, str) and value.strip():
                    text = value
                    break
        return self.scrub(text, MAX_MESSAGE)

    def add_secret(self, secret: str) -> None:
        """Blank out `secret` too from now on (a session token received after the client was made)."""
        if secret and secret not in self._secrets:
            self._secrets = (*self._secrets, secret)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def scrub(self, text: str, limit: int) -> str:
        """Server text made safe to show: secrets blanked out before the cut (which would leave the start of a
        secret behind) and again after cleaning (which could join one that control characters split)."""
        return self.redact(clean_text(self.redact(text), limit))

    def _redacted(self, data: Any) -> Any:
        """Every string in a parsed error body with our secrets blanked out."""
        if not self._secrets:
            return data
        if isinstance(data, str):
            return self.redact(data)
        if isinstance(data, list):
            return [self._redacted(item) for item in data]
        if isinstance(data, dict):
            return {key: self._redacted(value) for key, value in data.items()}
        return data

    def _exhausted(self, failure: _Retry, failures: int, what: str) -> Exception:
        if failure.kind == "network":
            return NetworkError(f"could not reach {self.host} after {failures} attempts: {failure.problem}")
        if failure.kind == "server":
            return NetworkError(
                f"{self.platform_name} at {self.host} kept failing after {failures} attempts: {failure.problem}"
            )
        return ApiError(
            f"{self.platform_name} at {self.host} sent {failure.problem} for {what}, {failures} times in a row"
        )

    # -- waiting ---------------------------------------------------------------------------------------

    def _server_now(self, response: httpx.Response) -> float:
        return _server_now(response, self._now())

    async def _rate_limit_wait(self, response: httpx.Response, message: str, waits: int) -> None:
        """Wait as the server asks, or raise RateLimitError when that is longer than we may wait."""
        headers = response.headers
        now = self._server_now(response)
        names = self.rate_limit_headers
        lowered = message.lower()
        secondary = "secondary" in lowered or "abuse" in lowered
        kind = "secondary rate limit" if secondary else "rate limit"
        retry_after = parse_retry_after(headers.get("retry-after"), now)
        reset = parse_reset(headers.get(names.reset), now)
        if retry_after is not None:
            seconds = retry_after
            phrase = "it asks us to wait {dur} (until {at} UTC)"
        elif headers.get(names.remaining, "").strip() == "0" and reset is not None:
            seconds = max(0.0, reset - now) + 1.0  # the Date header is only precise to the second
            phrase = "it resets in {dur} (at {at} UTC)"
        else:
            seconds = self.secondary_wait_s * (2 ** min(waits - 1, 20))
            phrase = "waiting {dur} (until {at} UTC) before trying again"
        at = datetime.fromtimestamp(self._now() + seconds, UTC).strftime("%H:%M")
        detail = phrase.format(dur=format_duration(seconds), at=at)
        if seconds > self.max_wait_s:
            hint = f" {self.rate_limit_hint}" if self.rate_limit_hint and not secondary else ""
            raise RateLimitError(f"{self.platform_name} {kind} reached; {detail}.{hint}", retry_in_s=seconds)
        if waits > self.max_rate_limit_waits:
            raise RateLimitError(
                f"{self.platform_name} {kind} still reached after {waits - 1} waits; {detail}.",
                retry_in_s=seconds,
            )
        await self._pause(seconds, f"{self.platform_name} {kind}; {detail}")

    async def _pause(self, seconds: float, reason: str) -> None:
        if self.on_wait is not None:
            self.on_wait(seconds, reason)
        await self._sleep(seconds)


class _RateLimited(Exception):
    def __init__(self, response: httpx.Response, message: str) -> None:
        super().__init__("rate limited")
        self.response = response
        self.message = message


def _server_now(response: httpx.Response, local_now: float) -> float:
    date = parse_http_date(response.headers.get("date"))
    return date.timestamp() if date is not None else local_now


def _is_transient(status: int) -> bool:
    """Server errors and 408 are worth retrying, except 501: the server lacks the endpoint for good (RFC 9110
    §15.6.2), so asking again only delays the error."""
    return (status >= 500 and status != 501) or status == 408


def _int_header(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        number = int(value.strip())
    except ValueError:
        return None
    return number if number >= 0 else None


def _port(url: httpx.URL) -> int | None:
    if url.port is not None:
        return url.port
    return {"http": 80, "https": 443}.get(url.scheme)


def abandon(future: asyncio.Future[Any]) -> None:
    """Cancel a request nobody will wait for any more (a list that failed while its next page was on the way),
    and retrieve its outcome, so that no 'exception never retrieved' warning follows."""
    if not future.done():
        future.cancel()
    future.add_done_callback(lambda done: done.cancelled() or done.exception())
