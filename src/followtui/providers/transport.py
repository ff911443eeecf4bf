"""The HTTP transport under every provider: httpx's own, with a cheaper answer to one question.

Before each request httpcore's pool asks every idle keep-alive connection whether the server has closed it
("is the socket readable?"). Its asyncio backend (anyio) answers by rebuilding a table of socket attributes on
every call; with 16 pages in flight a 20k-follower sync asks about 26,000 times, and that bookkeeping was a
sixth of the client's CPU. Here each connection keeps its socket from the start and polls it directly; reading,
writing, TLS and timeouts stay anyio's.

httpx takes no backend argument, so the pool's private `_network_backend` is swapped, and httpcore's private
"is_readable" question answered: both only on the httpcore versions this was verified on (PATCHED_HTTPCORE).
On any other the transport is httpx's own, slower and still right.
"""

from __future__ import annotations

import select
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

#: httpcore releases (major, minor) whose pool keeps its backend in `_network_backend` and asks idle connections
#: `get_extra_info("is_readable")`: verified on 1.0.9 (tests/providers/test_transport.py).
PATCHED_HTTPCORE = frozenset({(1, 0)})


def patch_applies(version: str) -> bool:
    """Whether httpcore `version` ("1.0.9") is one the backend swap was verified on."""
    parts = version.split(".")[:2]
    if len(parts) < 2 or not all(part.isdigit() for part in parts):
        return False
    return (int(parts[0]), int(parts[1])) in PATCHED_HTTPCORE


def socket_readable(sock: socket.socket | None) -> bool:
    """Whether a read would return at once (data, or the b'' of a closed connection); a gone socket counts."""
    fd = -1 if sock is None else sock.fileno()
    if fd < 0:
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


class _Stream(httpcore.AsyncNetworkStream):
    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._socket = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return socket_readable(self._socket)
        if info == "socket":
            return self._socket
        return self._inner.get_extra_info(info)


class SocketKeepingBackend(httpcore.AsyncNetworkBackend):
    """anyio's backend, its streams wrapped in `_Stream`."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.connect_tcp(host, port, timeout, local_address, socket_options))

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def pooled_transport(*, verify: ssl.SSLContext, limits: httpx.Limits) -> httpx.AsyncHTTPTransport:
    """httpx's HTTP/1.1 transport, on `SocketKeepingBackend` where httpcore is a verified version and its pool
    still has the attribute; otherwise left as httpx made it (slower, still right)."""
    transport = httpx.AsyncHTTPTransport(verify=verify, limits=limits, http2=False)
    if not patch_applies(getattr(httpcore, "__version__", "")):
        return transport
    pool = getattr(transport, "_pool", None)
    if isinstance(getattr(pool, "_network_backend", None), httpcore.AsyncNetworkBackend):
        pool._network_backend = SocketKeepingBackend()  # type: ignore[union-attr]
    return transport
