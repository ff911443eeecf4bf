"""Shared helpers for provider tests: a mock GitHub behind httpx.MockTransport, no real sleeping."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from followtui.providers.github import GitHubProvider
from followtui.providers.http import RetryPolicy

API = "https://api.github.com"
TOKEN = "ghp_TESTSECRET0123456789abcdefghijklmnopqrs"
DATE = "Wed, 01 Jan 2025 12:00:00 GMT"
DATE_EPOCH = 1735732800.0

RECORDED = Path(__file__).resolve().parents[3] / "shared" / "recorded"


def recorded(platform: str, name: str) -> Any:
    """A recorded response (read at run time; the recordings are not part of the project)."""
    path = RECORDED / platform / name
    if not path.exists():
        pytest.skip(f"recorded data not available: {platform}/{name}")
    return orjson.loads(path.read_bytes())


def envelope_response(envelope: dict[str, Any]) -> httpx.Response:
    """An httpx response from a recorded {status, headers, body} envelope (body re-serialised)."""
    body = envelope.get("body")
    content = b"" if body is None or body == "" else orjson.dumps(body)
    skip = {"content-length", "content-encoding", "transfer-encoding", "status"}
    headers = {k: v for k, v in envelope["headers"].items() if k.lower() not in skip}
    return httpx.Response(envelope["status"], headers=headers, content=content)


def user(i: int, **extra: Any) -> dict[str, Any]:
    return {
        "login": f"user{i}",
        "id": i,
        "node_id": f"MDQ6VXNlcj{i}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{i}?v=4",
        "html_url": f"https://github.com/user{i}",
        "type": "User",
        "user_view_type": "public",
        "site_admin": False,
        **extra,
    }


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, headers={"date": DATE, **(headers or {})}, content=orjson.dumps(body))


def page_links(url: httpx.URL, page: int, last: int, *, with_last: bool = True) -> str:
    def at(n: int) -> str:
        return str(url.copy_set_param("page", str(n)))

    parts = []
    if page < last:
        parts.append(f'<{at(page + 1)}>; rel="next"')
        if with_last:
            parts.append(f'<{at(last)}>; rel="last"')
    if page > 1:
        parts.append(f'<{at(1)}>; rel="first"')
        parts.append(f'<{at(page - 1)}>; rel="prev"')
    return ", ".join(parts)


def paged(request: httpx.Request, items: list[dict[str, Any]], *, with_last: bool = True) -> httpx.Response:
    """Serve `items` the way GitHub pages a list: page/per_page query, Link next/last/first/prev."""
    per_page = int(request.url.params.get("per_page", "30"))
    page = int(request.url.params.get("page", "1"))
    last = max(1, -(-len(items) // per_page))
    chunk = items[(page - 1) * per_page : page * per_page]
    headers = {}
    if last > 1:
        headers["link"] = page_links(request.url, page, last, with_last=with_last)
    return json_response(200, chunk, headers)


class Sleeps:
    """An injectable sleep that records waits instead of waiting."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def make_github(sleeps: Sleeps):
    """Build GitHubProviders over a MockTransport handler; closes their clients afterwards."""
    clients: list[httpx.AsyncClient] = []

    def make(handler: Callable[[httpx.Request], Any], base_url: str = API, token: str | None = None, **kw: Any):
        client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        clients.append(client)
        kw.setdefault("retry", RetryPolicy(attempts=4, base_delay_s=0.01, max_delay_s=0.05, rng=random.Random(7)))
        kw.setdefault("sleep", sleeps)
        return GitHubProvider(base_url, token, client=client, **kw)

    yield make
    for client in clients:
        await client.aclose()
