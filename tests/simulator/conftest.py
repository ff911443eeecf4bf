"""Shared fixtures: a small seeded world served over real loopback HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from followtui.simulator import SimulatorServer, World

TOKEN = "ghp_simulatortoken"
RECORDED = Path(__file__).resolve().parents[3] / "shared" / "recorded"


def recorded(name: str, platform: str = "github"):
    """A recorded file (envelope or raw body), or skip when the shared recordings are not next to the repository."""
    path = RECORDED / platform / name
    if not path.exists():
        pytest.skip("shared recordings not available")
    return orjson.loads(path.read_bytes())


def no_nulls(value, where: str = "$") -> None:
    """Assert no null anywhere: Bluesky leaves optional fields out instead."""
    assert value is not None, where
    if isinstance(value, dict):
        for k, v in value.items():
            no_nulls(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            no_nulls(v, f"{where}[{i}]")


@pytest.fixture
def world() -> World:
    w = World.generate(seed=7, followers=250, following=120)
    w.add_token(TOKEN, "octocat")
    return w


@pytest.fixture
def server(world: World) -> Iterator[SimulatorServer]:
    with SimulatorServer(world) as sim:
        yield sim


@pytest.fixture
def client(server: SimulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=5) as c:
        yield c


def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN}"}


def fetch_all(client: httpx.Client, path: str, **params) -> list[dict]:
    """Follow rel="next" to the natural end, as a client must."""
    out: list[dict] = []
    resp = client.get(path, params=params)
    while True:
        assert resp.status_code == 200, resp.text
        out.extend(resp.json())
        url = resp.links.get("next", {}).get("url")
        if url is None:
            return out
        resp = client.get(url)  # never pass params here: httpx would replace the link's query
