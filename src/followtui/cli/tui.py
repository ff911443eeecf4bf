"""Opening the terminal UI from the CLI: the only place the CLI imports Textual."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from followtui.cli.context import STATE


def load_settings_for(data_dir: Path, explicit: bool):  # type: ignore[no-untyped-def]
    """Settings from config.toml; on first use a commented default file is written so users find the options."""
    from followtui.core.config import load_settings, resolve_config_dir, write_default_config
    from followtui.core.errors import StoreError

    config_dir = resolve_config_dir(data_dir, explicit)
    with contextlib.suppress(OSError, StoreError):  # a read-only config dir must not stop the app
        write_default_config(config_dir)
    return load_settings(config_dir)


def open_tui(
    data_dir: Path,
    *,
    explicit: bool,
    theme: str | None = None,
    before_sync: Callable[[], None] | None = None,
    title: str = "",
    adjust: Callable[[Any], Any] | None = None,
) -> str | None:
    """`adjust` changes the settings read from config.toml (the demo sets its own action limits)."""
    from followtui.core.store import Store
    from followtui.tui.app import run_tui

    store = Store(data_dir)
    store.ensure()
    settings = load_settings_for(data_dir, explicit)
    if adjust is not None:
        settings = adjust(settings)
    return run_tui(store, settings, theme=theme, before_sync=before_sync, title=title)


def open_main_tui(theme: str | None) -> None:
    """`followtui` with no subcommand; the first-run screen may ask to open the demo instead."""
    from followtui.core.config import data_dir_is_explicit

    result = open_tui(STATE.data_dir, explicit=data_dir_is_explicit(STATE.data_dir_option), theme=theme)
    if result == "demo":
        from followtui.cli.demo import demo

        demo(followers=300, following=None, days=6, seed=7, platforms=None, headless=False, theme=theme)
