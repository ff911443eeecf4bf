"""What the three platform providers share: their arguments and the checks on them, the HTTP client set-up
(one connection pool per provider, one HttpClient per server it talks to), the cleaners for what servers send,
and running requests side by side.

Written once here so a fix to any of them (a limit, a secret kept out of a message) reaches every platform.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar, TypedDict, TypeVar
from urllib.parse import quote

import httpx

from followtui.models import GoneAccount, Profile
from followtui.providers.base import DEFAULT_CONCURRENCY
from followtui.providers.errors import ApiError, AuthError, RateLimitError
from followtui.providers.http import (
    DEFAULT_MAX_WAIT_S,
    DEFAULT_TIMEOUT_S,
    HttpClient,
    OnWait,
    RateLimitHeaders,
    RetryPolicy,
    Sleep,
    make_client,
)
from followtui.sanitize import MAX_HANDLE, clean_id, clean_text

T = TypeVar("T")


class WireOptions(TypedDict, total=False):
    """How a provider talks to its platform, the same keywords on every provider (`make_provider` passes them on).

    concurrency: requests in flight per list or look-up (followers and following are fetched at once, each with
    this many); lookup_concurrency: profile look-ups in flight (default: `concurrency`; `make_provider` gives them
    the lists' share too, as the app looks profiles up only when no list is being fetched); retry: how failed
    requests are retried; max_wait_s: the longest rate-limit wait taken rather than
    raised; timeout_s: per request; on_wait: told of every wait; client: an httpx client to use instead of making
    one (the caller then closes it); sleep and clock: injected by tests.
    """

    concurrency: int
    lookup_concurrency: int | None
    retry: RetryPolicy | None
    max_wait_s: float
    timeout_s: float
    on_wait: OnWait | None
    client: httpx.AsyncClient | None
    sleep: Sleep | None
    clock: Callable[[], float] | None


class BaseProvider:
    """The plumbing under every platform provider: checked arguments, one connection pool, an HttpClient per
    server, request accounting across them, the platform's clock, and the token a write needs."""

    platform: str
    #: The platform as people write it, in messages: "GitHub".
    platform_name: ClassVar[str]
    rate_limit_headers: ClassVar[RateLimitHeaders]
    #: Whether a handle with a space in it (once cleaned) is refused: Bluesky's and Mastodon's are domain-like and
    #: name other accounts in links; GitHub's numeric id is what counts, its login is kept as cleaned.
    spaced_handles_refused: ClassVar[bool] = True
    #: Why a write failed without a token; `{what}` is the write ("follow").
    token_needed: ClassVar[str] = "a token is needed to {what}"

    def __init__(
        self,
        *,
        per_page: int,
        max_per_page: int,
        concurrency: int = DEFAULT_CONCURRENCY,
        lookup_concurrency: int | None = None,
        retry: RetryPolicy | None = None,
        max_wait_s: float = DEFAULT_MAX_WAIT_S,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        on_wait: OnWait | None = None,
        client: httpx.AsyncClient | None = None,
        sleep: Sleep | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        check_between("per_page", per_page, max_per_page)
        if concurrency < 1 or (lookup_concurrency is not None and lookup_concurrency < 1):
            raise ValueError("concurrency must be at least 1")
        self.per_page = per_page
        self.concurrency = concurrency
        self.lookup_concurrency = lookup_concurrency or concurrency
        self._has_token = False
        self._owns_client = client is None
        # followers and following are fetched at once, each with `concurrency` requests in flight.
        connections = max(2 * concurrency, self.lookup_concurrency) + 4
        self._client = client or make_client(timeout_s=timeout_s, max_connections=connections)
        self._wire: dict[str, Any] = {
            "retry": retry,
            "max_wait_s": max_wait_s,
            "on_wait": on_wait,
            "sleep": sleep,
            "clock": clock,
        }
        self._servers: list[HttpClient] = []

    def _server(
        self,
        base_url: str,
        headers: Mapping[str, str],
        *,
        token: str | None = None,
        secrets: Iterable[str] = (),
        token_hint: str = "",
    ) -> HttpClient:
        """An HttpClient for one server of the platform, on this provider's pool. A `token` is sent as a Bearer
        Authorization and, like `secrets`, blanked out of anything the server says; `token_hint` (how to get
        one) is added to rate-limit errors while there is none."""
        if token is not None:
            headers = {**headers, "Authorization": f"Bearer {token}"}
            self._has_token = True
        server = HttpClient(
            base_url,
            platform_name=self.platform_name,
            headers=headers,
            secrets=(*secrets, *([token] if token else [])),
            client=self._client,
            rate_limit_headers=self.rate_limit_headers,
            rate_limit_hint="" if token else token_hint,
            **self._wire,
        )
        self._servers.append(server)
        return server

    def __repr__(self) -> str:  # never the token itself
        first = str(self._servers[0].base_url) if self._servers else ""
        return f"{type(self).__name__}({first!r}, token={'set' if self._has_token else 'none'})"

    @property
    def requests_made(self) -> int:
        """HTTP requests sent to every server of this provider (for reports and benchmarks)."""
        return sum(server.requests_made for server in self._servers)

    def server_time(self) -> datetime | None:
        """The platform's clock from the latest Date header, from the first server (the one read from) that sent
        one."""
        return next((t for t in (server.server_time() for server in self._servers) if t is not None), None)

    def now(self) -> datetime:
        """The platform's clock when known, else ours."""
        return self.server_time() or datetime.now(UTC)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    def _need_token(self, what: str) -> None:
        if not self._has_token:
            raise AuthError(self.token_needed.format(what=what))

    def _identity(self, item: Any, where: str, keys: tuple[str, str], names: str) -> tuple[str, str]:
        """An account entry's stable id and handle, read from its `keys` (id, handle). A bad entry is an ApiError
        naming what is missing (`names`), never skipped: a skipped follower would be reported as an unfollow."""
        if not isinstance(item, dict):
            raise ApiError(f"{self.platform_name} sent an entry that is not an account in {where}")
        account_id = clean_id(item.get(keys[0]))
        handle = clean_text(item.get(keys[1]), MAX_HANDLE)
        if account_id is None or not handle or (self.spaced_handles_refused and " " in handle):
            raise ApiError(f"{self.platform_name} sent an account without a valid {names} in {where}")
        return account_id, handle

    async def _lookup_each(
        self, wanted: Sequence[str], one: Callable[[str], Awaitable[Profile | GoneAccount]]
    ) -> dict[str, Profile | GoneAccount]:
        """`one(id)` for each id, `lookup_concurrency` at a time. A rate limit stops the look-ups: what arrived is
        returned (the rest are absent, as with a spent budget), unless nothing did; then it is raised."""
        results: dict[str, Profile | GoneAccount] = {}
        queue = iter(wanted)
        stopped: list[RateLimitError] = []

        async def worker() -> None:
            for account_id in queue:
                if stopped:
                    return
                try:
                    results[account_id] = await one(account_id)
                except RateLimitError as exc:
                    stopped.append(exc)
                    return

        await run_all([worker() for _ in range(min(self.lookup_concurrency, len(wanted)))])
        if stopped and not results:
            raise stopped[0]
        return results


async def run_all(coroutines: Iterable[Coroutine[Any, Any, T]]) -> list[T]:
    """Run the coroutines side by side and return their results in order. The first failure cancels the rest
    and is raised as itself (not inside an ExceptionGroup): callers catch ProviderError subclasses."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(coroutine) for coroutine in coroutines]
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None
    return [task.result() for task in tasks]


def check_between(name: str, value: int, high: int) -> None:
    """A ValueError naming the argument unless 1 <= value <= high."""
    if not 1 <= value <= high:
        raise ValueError(f"{name} must be between 1 and {high}")


def server_url(server: str | None) -> str | None:
    """What a user typed as a server, as a base URL without a trailing slash (a bare host gets https); None when
    nothing was typed."""
    if not server or not server.strip():
        return None
    server = server.strip().rstrip("/")
    return server if "://" in server else "https://" + server


def bare_secret(secret: str | None) -> str | None:
    """A token or password as given, without surrounding white space; None when there is nothing left."""
    return (secret or "").strip() or None


def bare_handle(handle: str) -> str:
    """A handle as typed, without white space or a leading @."""
    return handle.strip().removeprefix("@")


def distinct_ids(ids: Iterable[str]) -> list[str]:
    """The non-empty ids, each once, in their first order."""
    return list(dict.fromkeys(i for i in ids if i))


def path_segment(segment: str) -> str:
    """`segment` quoted to stand as one segment of a URL path (a / in a handle cannot reach another route)."""
    return quote(segment, safe="")


def canonical(url: httpx.URL) -> str:
    """`url` with its query sorted, so that two links to the same page compare equal."""
    return str(url.copy_with(params=sorted(url.params.multi_items())))
