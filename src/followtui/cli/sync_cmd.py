"""`followtui sync`: the headless sync for cron.

stdout says, per account, who came, left, was gone or renamed, by name (cron mails it); `--json` makes that one
compact line per run instead, so `>> sync.log` is JSON Lines. Progress goes to stderr, on a terminal only.
"""

from __future__ import annotations

import asyncio
import sys
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import typer

from followtui.cli.context import STATE, find_account, handle_errors
from followtui.cli.exit_codes import ExitCode, exit_code_for
from followtui.cli.output import message, write_json
from followtui.core.errors import UsageError


@handle_errors
def sync(
    accounts: list[str] = typer.Argument(None, help="platform:handle (default: every tracked account)"),
    json_output: bool = typer.Option(False, "--json", help="one JSON line on stdout: results and changes"),
    accept_drop: bool = typer.Option(False, "--accept-drop", help="record a large sudden drop held as suspect"),
    hydrate: str = typer.Option(
        None, "--hydrate", metavar="N|all|auto", help="requests for profile look-ups (default: [sync] in config, auto)"
    ),
    no_notify: bool = typer.Option(False, "--no-notify", help="send no notification ([notify] in config.toml)"),
) -> None:
    """Take a complete snapshot of each account and record what changed since the last one, naming who."""
    from followtui.core.changes import change_row
    from followtui.core.codec import iso, report_to_doc
    from followtui.core.sync import SyncOptions
    from followtui.models import Platform

    store = STATE.store()
    tracked = store.accounts()
    chosen = [find_account(tracked, ref) for ref in accounts] if accounts else tracked
    if not chosen:  # before creating anything: a mistyped --data-dir must not leave an empty store behind
        message("no account is tracked yet; add one with: followtui account add PLATFORM HANDLE")
        raise typer.Exit(int(ExitCode.USAGE))
    store.ensure()
    offline = {p.value for p in Platform if p.import_only}
    skipped = [a.label for a in chosen if a.platform in offline]
    if skipped and accounts:
        from followtui.core.imports import import_only_message

        first = next(a for a in chosen if a.platform in offline)
        raise UsageError(f"{first.label} cannot be synced: {import_only_message(first.platform, first.handle)}")
    if skipped:
        message(f"skipping import-only {', '.join(skipped)} (update with `followtui import`)")
    chosen = [a for a in chosen if a.platform not in offline]
    options = SyncOptions(accept_drop=accept_drop, hydrate_budget=_budget(hydrate))
    results: list[dict[str, Any]] = []
    changes: list[Any] = []
    worst = ExitCode.OK
    for account in chosen:
        try:
            report = asyncio.run(_sync_one(store, account, options))
        except Exception as exc:
            code = exit_code_for(exc)
            worst = worst if worst != ExitCode.OK else code
            message(f"{account.label}: failed: {exc}")
            results.append({"account": account.label, "status": "failed", "error": str(exc), "exit_code": int(code)})
            continue
        doc = report_to_doc(report)
        doc["account"] = account.label
        doc["changes"] = [change_row(c) for c in report.changes]
        results.append(doc)
        changes.extend(report.changes)
        if not json_output:
            sys.stdout.write("\n".join(report_lines(account.label, report)) + "\n")
            sys.stdout.flush()
    if not no_notify:
        _notify(changes)
    if json_output:
        document: dict[str, Any] = {"ok": worst == ExitCode.OK, "synced_at": iso(_now()), "accounts": results}
        if skipped:
            document["skipped"] = skipped
        write_json(document)
    if worst != ExitCode.OK:
        raise typer.Exit(int(worst))


def _now():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.now(UTC)


async def _sync_one(store, account, options):  # type: ignore[no-untyped-def]
    from followtui.core.connect import sync_tracked

    with _progress(account.label) as progress:
        return await sync_tracked(store, account, options, progress, on_wait=_on_wait)


def _on_wait(seconds: float, reason: str) -> None:
    message(f"waiting {seconds:.0f} s: {reason}")


def _progress(label: str) -> AbstractContextManager[Any]:
    """A Rich progress bar on stderr when it is a terminal; nothing at all under cron or in a pipe."""
    if not sys.stderr.isatty():
        return nullcontext(None)
    return _TerminalProgress(label)


class _TerminalProgress:
    def __init__(self, label: str) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=Console(stderr=True)
        )
        self.label = label
        self.tasks: dict[str, Any] = {}

    def __enter__(self):  # type: ignore[no-untyped-def]
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def __call__(self, name: str, done: int, total: int | None) -> None:
        task = self.tasks.get(name)
        if task is None:
            task = self.tasks[name] = self.progress.add_task(f"{self.label} {name}", total=total)
        self.progress.update(task, completed=done, total=total)


def _budget(option: str | None) -> int | None:
    """--hydrate N, all or auto; without it, what config.toml says (auto by default)."""
    from followtui.core.config import ALL_PROFILES, data_dir_is_explicit, load_settings, resolve_config_dir

    if option is None:
        return load_settings(
            resolve_config_dir(STATE.data_dir, data_dir_is_explicit(STATE.data_dir_option))
        ).hydrate_budget
    word = option.strip().lower()
    if word in ("auto", "all"):
        return None if word == "auto" else ALL_PROFILES
    if word.isdigit():
        return int(word)
    raise UsageError(f"--hydrate wants a number of requests, all or auto, not {option!r}")


def report_lines(label: str, report) -> list[str]:  # type: ignore[no-untyped-def]
    """The counts, then one indented line per kind of change naming who (at most ten, then "and N more")."""
    from followtui.core.changes import named_lines

    if report.status.value == "baseline":
        return [
            f"{label}: baseline snapshot: {report.followers:,} followers, {report.following:,} following "
            f"({report.duration_s:.1f} s, {report.requests} requests)",
            *_remaining(report),
        ]
    head = (
        f"{label}: {report.followers:,} followers (+{report.gained} -{report.lost}, {report.gone} gone), "
        f"{report.following:,} following (+{report.added} -{report.removed}) "
        f"({report.duration_s:.1f} s, {report.requests} requests)"
    )
    return [head, *(f"  {line}" for line in named_lines(report.changes)), *_remaining(report)]


def _remaining(report) -> list[str]:  # type: ignore[no-untyped-def]
    if not report.unhydrated:
        return []
    return [
        f"  {report.unhydrated:,} accounts not looked up yet (no counts or activity); "
        "the next syncs continue, or: followtui sync --hydrate all"
    ]


def _notify(changes: list[Any]) -> None:
    """One message for the whole run when something in [notify] `on` happened. Whatever goes wrong here is a
    warning: the sync is recorded already, and a notification must never fail or undo it."""
    if not changes:
        return
    try:
        warnings = _send_notification(changes)
    except Exception as exc:
        warnings = [f"notification not sent: {type(exc).__name__}"]  # its text might quote a URL with a secret
    for warning in warnings:
        message(f"warning: {warning}")


def _send_notification(changes: list[Any]) -> list[str]:
    from followtui.core.config import data_dir_is_explicit, load_settings, resolve_config_dir

    # read only: a cron sync writes no config file
    settings = load_settings(resolve_config_dir(STATE.data_dir, data_dir_is_explicit(STATE.data_dir_option)))
    if not settings.notify.urls:
        return []
    from followtui.core.notify import notify_run

    return notify_run(settings.notify, changes)
