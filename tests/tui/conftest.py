"""A small simulated account with history, synced for real, for the TUI tests."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from followtui.core.config import Settings
from followtui.core.connect import add_account, sync_tracked
from followtui.core.store import Store
from followtui.simulator import SimulatorServer, World


def build(data_dir: Path, world: World, url: str, days: int) -> Store:
    store = Store(data_dir)

    async def go() -> None:
        account = await add_account(store, "github", world.owners[0].login, server=url)
        await sync_tracked(store, account)
        for _ in range(days):
            world.advance_days(1)
            await sync_tracked(store, account)

    asyncio.run(go())
    return store


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("demo-data")
    world = World.generate(seed=7, owner="octocat", followers=120, following=80)
    with SimulatorServer(world) as sim:
        build(data_dir, world, sim.url, days=4)
    return data_dir


@pytest.fixture
def store(demo_dir, tmp_path) -> Store:
    """A private copy of the demo data for one test (tests write tags)."""
    target = tmp_path / "data"
    shutil.copytree(demo_dir, target)
    return Store(target)


@pytest.fixture
def settings(tmp_path) -> Settings:
    config = tmp_path / "config"
    config.mkdir()
    return Settings(config_dir=config, preset_tags=("friend", "work", "spam"))


@pytest.fixture
def live(tmp_path):
    """A running simulator and a store synced against it (for refresh tests)."""
    world = World.generate(seed=8, owner="octocat", followers=80, following=50)
    with SimulatorServer(world) as sim:
        store = build(tmp_path / "live", world, sim.url, days=2)
        yield world, sim, store
