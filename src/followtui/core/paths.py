"""Where followtui keeps things: one data dir, chosen by --data-dir, FOLLOWTUI_DATA_DIR or the platform."""

from __future__ import annotations

import os
from pathlib import Path

ENV_DATA_DIR = "FOLLOWTUI_DATA_DIR"


def default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("followtui", appauthor=False))


def resolve_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The explicit option wins, then the environment, then the platform's user data dir."""
    if explicit:
        return Path(explicit).expanduser()
    from_env = os.environ.get(ENV_DATA_DIR)
    if from_env:
        return Path(from_env).expanduser()
    return default_data_dir()
