"""`followtui backup PATH`: a consistent copy of your data, safe to take while the UI or a sync runs."""

from __future__ import annotations

from pathlib import Path

import typer

from followtui.cli.context import STATE, handle_errors
from followtui.cli.output import write_json


@handle_errors
def backup(
    path: Path = typer.Argument(..., help="a new (or empty) folder to write the copy into"),
    json_out: bool = typer.Option(False, "--json", help="one JSON document on stdout"),
) -> None:
    """Copy the history (history.sqlite3) and your tags, notes and keep list (annotations.json) into PATH.

    The copy is one consistent version even while the UI or a sync runs. Secrets are not copied. To restore,
    run followtui with --data-dir PATH, or copy the two files back into your data dir while followtui is closed.
    """
    store = STATE.store()
    written = store.backup(path.expanduser())
    if json_out:
        write_json({"ok": True, "path": str(path), "files": [p.name for p in written]})
        return
    sizes = ", ".join(f"{p.name} ({p.stat().st_size:,} bytes)" for p in written)
    typer.echo(f"backed up {sizes} to {path}")
