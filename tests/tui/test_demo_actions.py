"""The demo's actions with Pilot: the demo's own simulated platform (a process, as `followtui demo` starts it)
accepts the demo's secret, so unfollow, undo and the daily cap all work on the demo's accounts."""

from __future__ import annotations

import asyncio

import pytest

from followtui.cli import demo
from followtui.core.config import Settings
from followtui.core.secrets import SECRETS_FILE
from followtui.core.store import Store
from followtui.tui.app import FollowApp
from followtui.tui.screens.main import MainScreen
from followtui.tui.screens.prompts import Confirm
from followtui.tui.widgets.account_table import AccountTable

from .test_app import SIZE, ready

pytestmark = pytest.mark.slow

GITHUB = [("github", "octocat", "octocat")]


@pytest.fixture
def demo_network(tmp_path, monkeypatch):
    """The demo's GitHub network, built by the demo's own code; yields its store and settings."""
    for name in ("FOLLOWTUI_GITHUB_TOKEN", demo.demo_secret_env("github")):
        monkeypatch.delenv(name, raising=False)  # restored afterwards, also what grant_secret sets
    monkeypatch.setenv("FOLLOWTUI_GITHUB_TOKEN", "a-real-token-the-demo-must-not-use")
    data_dir = tmp_path / "demo"
    secret = demo.grant_secret("github")
    with demo.simulator("github", "octocat", 7, 40, 30, secret=secret) as url:
        asyncio.run(demo._build(data_dir, GITHUB, [url], days=1))
        demo.write_demo_secrets(data_dir, GITHUB, {"github": secret})
        config = tmp_path / "config"
        config.mkdir()
        yield Store(data_dir), demo.demo_settings(Settings(config_dir=config)), secret


async def settle(pilot, screen: MainScreen, busy: bool = True) -> None:
    """Wait until the action worker has finished and the screen reloaded."""
    for _ in range(200):
        await pilot.pause(0.05)
        if not [w for w in screen.workers if w.group == "actions" and not w.is_finished]:
            break
    await pilot.pause(0.3)


async def act(pilot, screen: MainScreen, key: str) -> None:
    await pilot.press(key)
    assert isinstance(pilot.app.screen, Confirm), f"{key} should ask first"
    await pilot.press("y")
    await settle(pilot, screen)


def following_ids(screen: MainScreen) -> set[str]:
    assert screen.screen_data is not None
    return {r.id for r in screen.screen_data.rows("following")}


async def test_demo_unfollow_undo_and_the_daily_cap(demo_network):
    store, settings, _secret = demo_network
    assert settings.daily_cap == demo.DEMO_DAILY_CAP
    secrets_file = store.data_dir / SECRETS_FILE
    assert secrets_file.stat().st_mode & 0o777 == 0o600
    async with FollowApp(store, settings).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pilot.press("tab")
        table = screen.query_one(AccountTable)
        assert screen.pane == "following"
        gone = table.cursor_row.id
        await act(pilot, screen, "u")
        assert gone not in following_ids(screen), "the unfollowed account leaves Following"

        await act(pilot, screen, "U")
        assert gone in following_ids(screen), "undo brings it back"

        # two actions are used (unfollow, undo's follow); spend the rest of the cap, then one more is refused
        for _ in range(demo.DEMO_DAILY_CAP - 2):
            await act(pilot, screen, "u")
        before = following_ids(screen)
        await act(pilot, screen, "u")
        assert following_ids(screen) == before, "over the cap nothing changes"
        journal = store.journal()
        assert journal[-1]["outcome"] == "skipped" and "daily cap" in journal[-1]["message"]
