"""`followtui import x-archive|instagram PATH --account ACCOUNT`: an offline export as one dated snapshot."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from followtui.cli.context import STATE, handle_errors
from followtui.cli.output import message, write_json

if TYPE_CHECKING:
    from followtui.core.imports import ImportResult

app = typer.Typer(
    help="Import an offline export (X archive, Instagram export) as one dated snapshot of both lists.",
    no_args_is_help=True,
)

_PATH_HELP = "the export: its folder or the .zip"
_DATE_HELP = "the export's date when it carries none or a wrong one (ISO-8601, e.g. 2026-01-31T12:00Z; UTC by default)"
_DROP_HELP = "record a large sudden drop held as suspect"


@app.command("x-archive")
@handle_errors
def x_archive(
    path: str = typer.Argument(..., metavar="PATH", help=_PATH_HELP),
    account: str = typer.Option(..., "--account", "-a", metavar="ACCOUNT", help="x:HANDLE, your X account"),
    json_output: bool = typer.Option(False, "--json", help="one JSON document on stdout"),
    accept_drop: bool = typer.Option(False, "--accept-drop", help=_DROP_HELP),
    date: str = typer.Option(None, "--date", metavar="WHEN", help=_DATE_HELP),
) -> None:
    """An X archive as one dated snapshot (data/follower.js and data/following.js, folder or .zip)."""
    _import("x", path, account, json_output, accept_drop, date)


@app.command("instagram")
@handle_errors
def instagram(
    path: str = typer.Argument(..., metavar="PATH", help=_PATH_HELP),
    account: str = typer.Option(
        ..., "--account", "-a", metavar="ACCOUNT", help="instagram:HANDLE, your Instagram account"
    ),
    json_output: bool = typer.Option(False, "--json", help="one JSON document on stdout"),
    accept_drop: bool = typer.Option(False, "--accept-drop", help=_DROP_HELP),
    date: str = typer.Option(None, "--date", metavar="WHEN", help=_DATE_HELP),
) -> None:
    """An Instagram export (JSON format) as one dated snapshot (followers_1.json and following.json)."""
    _import("instagram", path, account, json_output, accept_drop, date)


def _import(platform: str, path: str, ref: str, json_output: bool, accept_drop: bool, date: str | None) -> None:
    from datetime import UTC, datetime
    from pathlib import Path

    from followtui.cli.exit_codes import exit_code_for
    from followtui.core.codec import iso, report_to_doc
    from followtui.core.imports import import_export, parse_account, parse_date
    from followtui.core.sync import SyncOptions

    handle = parse_account(ref, platform)
    when = parse_date(date) if date else None
    now = datetime.now(UTC)
    try:
        result = import_export(
            STATE.store(), platform, handle, Path(path), options=SyncOptions(accept_drop=accept_drop), date=when
        )
    except Exception as exc:
        if json_output:
            code = int(exit_code_for(exc))
            failed = {"account": f"{platform}:{handle}", "status": "failed", "error": str(exc), "exit_code": code}
            write_json({"ok": False, "imported_at": iso(now), "accounts": [failed]})
        raise
    report = result.report
    if result.created:
        message(f"tracking {result.account.label} (id {result.account.id}), created by this first import")
    message(_summary(result))
    if json_output:
        doc: dict[str, Any] = report_to_doc(report)
        doc.update(
            account=result.account.label,
            created=result.created,
            source=result.source,
            date_source=result.date_source.value,
        )
        write_json({"ok": True, "imported_at": iso(now), "accounts": [doc]})


def _summary(result: ImportResult) -> str:
    report = result.report
    when = (report.observed_at or report.started_at).strftime("%Y-%m-%d %H:%M UTC")
    dated = f"dated {when} by {result.dated_by()}"
    if report.status.value == "baseline":
        return (
            f"{result.account.label}: baseline snapshot from {result.source}: {report.followers:,} followers, "
            f"{report.following:,} following; {dated}"
        )
    lost = " (offline, a lost follower cannot be looked up: counted as an unfollow)" if report.lost else ""
    return (
        f"{result.account.label}: {report.followers:,} followers (+{report.gained} -{report.lost}{lost}), "
        f"{report.following:,} following (+{report.added} -{report.removed}) from {result.source}; {dated}"
    )
