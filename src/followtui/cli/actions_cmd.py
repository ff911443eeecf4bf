"""`followtui follow|unfollow REF... [--dry-run]` and `followtui undo`: actions with safety rails."""

from __future__ import annotations

import asyncio
from typing import Any

import typer

from followtui.cli.context import STATE, account_for_refs, find_account, handle_errors
from followtui.cli.exit_codes import ExitCode
from followtui.cli.output import emit, message
from followtui.core.errors import UsageError

COLUMNS = ["handle", "action", "outcome", "message"]


def _limits():  # type: ignore[no-untyped-def]
    from followtui.cli.tui import load_settings_for
    from followtui.core.config import data_dir_is_explicit
    from followtui.core.usecases import limits_for

    return limits_for(load_settings_for(STATE.data_dir, data_dir_is_explicit(STATE.data_dir_option)))


def _name_on(account, ref: str) -> str:  # type: ignore[no-untyped-def]
    """The handle or id in `ref`; a `platform:` prefix must be the account's own, as everywhere else."""
    from followtui.models import Platform

    prefix, sep, name = ref.partition(":")
    if not sep or prefix not in {p.value for p in Platform}:
        return ref.lstrip("@")
    if prefix != account.platform:
        raise UsageError(f"{ref!r} is on {prefix}, but the account is {account.label}; choose one with --account")
    return name.lstrip("@")


def _run(action_name: str, refs: list[str], account_ref: str | None, dry_run: bool, json_output: bool) -> None:
    from followtui.core.usecases import follow_or_unfollow

    store = STATE.store()
    account = account_for_refs(store.accounts(), account_ref, refs)
    names = [_name_on(account, ref) for ref in refs]
    summary = asyncio.run(follow_or_unfollow(store, account, action_name, names, limits=_limits(), dry_run=dry_run,
                                             on_result=_say))  # fmt: skip
    _report(summary, json_output)
    if summary.failed:
        raise typer.Exit(int(ExitCode.NETWORK))


def _say(result) -> None:  # type: ignore[no-untyped-def]
    tail = f": {result.message}" if result.message else ""
    message(f"{result.action.value} {result.profile.handle}: {result.outcome.value}{tail}")


def _report(summary, json_output: bool) -> None:  # type: ignore[no-untyped-def]
    """After a batch's lines, its summary on stderr (as the TUI shows it); with --json, every result on stdout."""
    if len(summary.results) > 1:
        message(summary.message)
    rows: list[dict[str, Any]] = [
        {"id": r.profile.id, "handle": r.profile.handle, "action": r.action.value, "outcome": r.outcome.value,
         "message": r.message, "at": r.to_doc()["at"], "batch": r.batch}
        for r in summary.results
    ]  # fmt: skip
    if json_output:
        emit(rows, COLUMNS, "json", {"results": rows})


@handle_errors
def follow(
    refs: list[str] = typer.Argument(..., help="handles or stable ids"),
    account: str = typer.Option(None, "--account", "-a", help="platform:handle (needed when several are tracked)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="say what would happen, change nothing"),
    json_output: bool = typer.Option(False, "--json", help="one JSON document on stdout"),
) -> None:
    """Follow accounts (journaled, paced, capped per day, verified; `followtui undo` reverses the batch)."""
    _run("follow", refs, account, dry_run, json_output)


@handle_errors
def unfollow(
    refs: list[str] = typer.Argument(..., help="handles or stable ids"),
    account: str = typer.Option(None, "--account", "-a", help="platform:handle (needed when several are tracked)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="say what would happen, change nothing"),
    json_output: bool = typer.Option(False, "--json", help="one JSON document on stdout"),
) -> None:
    """Unfollow accounts; with several at once, kept accounts are skipped."""
    _run("unfollow", refs, account, dry_run, json_output)


@handle_errors
def undo(
    account: str = typer.Option(None, "--account", "-a", help="only this account's last batch"),
    dry_run: bool = typer.Option(False, "--dry-run", help="say what would happen, change nothing"),
    json_output: bool = typer.Option(False, "--json", help="one JSON document on stdout"),
) -> None:
    """Reverse the last batch of follows or unfollows."""
    from followtui.core.usecases import follow_or_unfollow, plan_undo

    store = STATE.store()
    chosen = find_account(store.accounts(), account) if account else None
    plan = plan_undo(store, chosen)
    summary = asyncio.run(follow_or_unfollow(store, plan.account, plan.action, plan.targets, limits=_limits(),
                                             dry_run=dry_run, batch=plan.batch, on_result=_say))  # fmt: skip
    _report(summary, json_output)
