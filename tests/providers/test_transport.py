"""The providers' transport: httpx's own with a cheaper staleness check; it must still notice a server that
closed an idle keep-alive connection (else the next request on it fails)."""

from __future__ import annotations

import asyncio
import socket
from asyncio import StreamReader, StreamWriter
from collections.abc import Awaitable, Callable

import httpcore
import pytest

from followtui.providers.http import make_client
from followtui.providers.transport import SocketKeepingBackend, patch_applies, socket_readable

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n{}"


def test_clients_use_the_socket_keeping_backend() -> None:
    client = make_client()
    pool = client._transport._pool  # type: ignore[attr-defined]
    assert isinstance(pool._network_backend, SocketKeepingBackend)


def test_the_patch_applies_only_to_verified_httpcore_versions() -> None:
    assert patch_applies("1.0.9") and patch_applies("1.0.0")
    assert not patch_applies("1.1.0") and not patch_applies("2.0") and not patch_applies("") and not patch_applies("x")


async def test_an_unverified_httpcore_gets_httpx_own_transport_and_it_works(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(httpcore, "__version__", "1.1.0")
    server = await asyncio.start_server(_keep_alive_server(), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server, make_client() as client:
        pool = client._transport._pool  # type: ignore[attr-defined]
        assert not isinstance(pool._network_backend, SocketKeepingBackend)
        for _ in range(3):
            response = await client.get(f"http://127.0.0.1:{port}/x")
            assert response.status_code == 200 and response.json() == {}


def test_socket_readable_tells_idle_from_closed() -> None:
    left, right = socket.socketpair()
    try:
        assert not socket_readable(left)  # idle: nothing to read
        right.close()
        assert socket_readable(left)  # the peer closed: a read returns b"" at once
    finally:
        left.close()
    assert socket_readable(left) and socket_readable(None)  # gone sockets count as readable, i.e. discarded


async def test_a_connection_the_server_closed_while_idle_is_not_reused() -> None:
    connections = 0

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await reader.readuntil(b"\r\n\r\n")
        writer.write(RESPONSE)
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.close()  # keep-alive promised, then closed while the client holds it idle

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server, make_client() as client:
        for _ in range(3):
            response = await client.get(f"http://127.0.0.1:{port}/x")
            assert response.status_code == 200 and response.json() == {}
            await asyncio.sleep(0.2)
    assert connections == 3


async def test_keep_alive_is_reused_when_the_server_keeps_it() -> None:
    connections: list[int] = []
    server = await asyncio.start_server(_keep_alive_server(connections), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server, make_client() as client:
        for _ in range(5):
            assert (await client.get(f"http://127.0.0.1:{port}/x")).status_code == 200
    assert len(connections) == 1


def _keep_alive_server(connections: list[int] | None = None) -> Callable[[StreamReader, StreamWriter], Awaitable[None]]:
    """A server answering every request on a connection until the client closes it; notes each connection."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if connections is not None:
            connections.append(1)
        while True:
            try:
                await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            writer.write(RESPONSE)
            await writer.drain()

    return serve
