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
    from followtui.core.usecases import AccountSync, sync_accounts

    store = STATE.store()
    tracked = store.accounts()
    named = [find_account(tracked, ref) for ref in accounts] if accounts else None
    if not (named or tracked):  # before creating anything: a mistyped --data-dir must not leave an empty store behind
        message("no account is tracked yet; add one with: followtui account add PLATFORM HANDLE")
        raise typer.Exit(int(ExitCode.USAGE))
    options = SyncOptions(accept_drop=accept_drop, hydrate_budget=_budget(hydrate))
    results: list[dict[str, Any]] = []

    def synced(one: AccountSync) -> None:
        """Said as each account finishes, so a long run shows its accounts as they come."""
        label = one.account.label
        if one.error is not None:
            code = exit_code_for(one.error)
            message(f"{label}: failed: {one.error}")
            results.append({"account": label, "status": "failed", "error": str(one.error), "exit_code": int(code)})
            return
        assert one.report is not None
        doc = report_to_doc(one.report)
        doc["account"] = label
        doc["changes"] = [change_row(c) for c in one.report.changes]
        results.append(doc)
        if not json_output:
            sys.stdout.write("\n".join(report_lines(label, one.report)) + "\n")
            sys.stdout.flush()

    store.ensure()
    with _progress() as progress:
        outcome = asyncio.run(sync_accounts(store, named, options=options, progress=progress, on_wait=_on_wait,
                                            on_synced=synced))  # fmt: skip
    if outcome.skipped_notice:
        message(outcome.skipped_notice)
    failures = outcome.failures
    worst = exit_code_for(failures[0].error) if failures and failures[0].error else ExitCode.OK
    if not no_notify:
        _notify([change for one in outcome.accounts if one.report for change in one.report.changes])
    if json_output:
        document: dict[str, Any] = {"ok": worst == ExitCode.OK, "synced_at": iso(_now()), "accounts": results}
        if outcome.skipped:
            document["skipped"] = [a.label for a in outcome.skipped]
        write_json(document)
    if worst != ExitCode.OK:
        raise typer.Exit(int(worst))


def _now():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.now(UTC)


def _on_wait(seconds: float, reason: str) -> None:
    message(f"waiting {seconds:.0f} s: {reason}")


def _progress() -> AbstractContextManager[Any]:
    """A Rich progress bar on stderr when it is a terminal; nothing at all under cron or in a pipe."""
    if not sys.stderr.isatty():
        return nullcontext(None)
    return _TerminalProgress()


class _TerminalProgress:
    """One bar per account and phase ("github:me followers"), for the whole run."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=Console(stderr=True)
        )
        self.tasks: dict[tuple[str, str], Any] = {}

    def __enter__(self):  # type: ignore[no-untyped-def]
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def __call__(self, account: Any, name: str, done: int, total: int | None) -> None:
        key = (account.label, name)
        task = self.tasks.get(key)
        if task is None:
            task = self.tasks[key] = self.progress.add_task(f"{account.label} {name}", total=total)
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
