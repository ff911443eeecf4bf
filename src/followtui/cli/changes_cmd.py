"""`followtui changes`: the event log by name, newest first — who followed, unfollowed, was gone or renamed."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime

import typer

from followtui.cli.context import STATE, find_account, handle_errors
from followtui.cli.output import emit, write_json_lines
from followtui.core.errors import UsageError

FORMATS = ("table", "json", "csv", "jsonl")
TABLE_COLUMNS = ["at", "kind", "handle", "display_name", "detail", "source"]


def parse_since(text: str) -> datetime:
    """A day (midnight UTC) or a moment, as the user wrote it."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"--since wants a date like 2026-01-31 (or a time like 2026-01-31T08:00Z), not {text!r}"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@handle_errors
def changes(
    account: str = typer.Option(None, "--account", "-a", help="platform:handle (default: every tracked account)"),
    since: str = typer.Option(None, "--since", help="only changes from this day (YYYY-MM-DD) or time on"),
    kind: list[str] = typer.Option(
        None,
        "--kind",
        "-k",
        help="followed_you, unfollowed_you, gone, renamed, you_followed, you_unfollowed, requested (repeatable)",
    ),
    fmt: str = typer.Option("table", "--format", "-f", help="table | json | csv | jsonl"),
) -> None:
    """The event log, one row per change, newest first: who followed or unfollowed you, who was gone or renamed,
    whom you followed or unfollowed, and follow requests you sent."""
    from followtui.core.changes import FIELDS, change_log, change_row, parse_kinds, select
    from followtui.core.codec import iso

    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    try:
        kinds = parse_kinds(kind or ())
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    start = parse_since(since) if since else None
    store = STATE.store()
    tracked = store.accounts()
    if account is None and not tracked:
        raise UsageError("no account is tracked yet; add one with: followtui account add PLATFORM HANDLE")
    chosen = [find_account(tracked, account)] if account is not None else tracked
    rows = [change_row(c) for c in select(change_log(store, chosen), since=start, kinds=kinds)]
    if fmt == "jsonl":
        write_json_lines(rows)
        return
    columns = (
        FIELDS if fmt != "table" else (TABLE_COLUMNS if len(chosen) == 1 else ["at", "account", *TABLE_COLUMNS[1:]])
    )
    document = {
        "account": chosen[0].label if account is not None else None,
        "accounts": [a.label for a in chosen],
        "since": iso(start),
        "kinds": [k.value for k in kinds],
        "count": len(rows),
        "rows": rows,
    }
    if fmt == "table" and not rows:
        sys.stderr.write("no changes recorded" + (" since then" if start else "") + "\n")
        return
    emit(rows, columns, fmt, document)
