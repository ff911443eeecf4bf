"""Opening the terminal UI from the CLI: the only place the CLI imports Textual."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from followtui.cli.context import STATE


def load_settings_for(data_dir: Path, explicit: bool):  # type: ignore[no-untyped-def]
    from followtui.core.config import load_settings, resolve_config_dir

    return load_settings(resolve_config_dir(data_dir, explicit))


def open_tui(
    data_dir: Path,
    *,
    explicit: bool,
    theme: str | None = None,
    before_sync: Callable[[], None] | None = None,
    title: str = "",
) -> str | None:
    from followtui.core.store import Store
    from followtui.tui.app import run_tui

    store = Store(data_dir)
    store.ensure()
    return run_tui(store, load_settings_for(data_dir, explicit), theme=theme, before_sync=before_sync, title=title)


def open_main_tui(theme: str | None) -> None:
    """`followtui` with no subcommand; the first-run screen may ask to open the demo instead."""
    from followtui.core.config import data_dir_is_explicit

    result = open_tui(STATE.data_dir, explicit=data_dir_is_explicit(STATE.data_dir_option), theme=theme)
    if result == "demo":
        from followtui.cli.demo import demo

        demo(followers=300, following=None, days=6, seed=7, headless=False, theme=theme)
