"""What a data dir holds, for tests that check that a command changed nothing (or something)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from followtui.core.store import ANNOTATIONS, HISTORY


def history_rows(data: Path, *, without_syncs: bool = False) -> list[str]:
    """Every row of the history file as SQL text (its content, whatever SQLite's pages look like); [] if none."""
    path = data / HISTORY
    if not path.exists():
        return []
    conn = sqlite3.connect(path)
    try:
        rows = list(conn.iterdump())
    finally:
        conn.close()
    return [r for r in rows if not (without_syncs and r.startswith('INSERT INTO "syncs"'))]


def store_content(data: Path, *, without_syncs: bool = False) -> tuple[list[str], bytes]:
    """The history's rows and the annotations file's bytes."""
    annotations = data / ANNOTATIONS
    return history_rows(data, without_syncs=without_syncs), annotations.read_bytes() if annotations.exists() else b""
