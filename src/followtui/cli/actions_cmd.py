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
    from followtui.core.actions import Limits
    from followtui.core.config import data_dir_is_explicit

    settings = load_settings_for(STATE.data_dir, data_dir_is_explicit(STATE.data_dir_option))
    return Limits(daily_cap=settings.daily_cap, pacing_s=settings.pacing_s)


async def _resolve(store, account, provider, refs: list[str]):  # type: ignore[no-untyped-def]
    """Known accounts by handle or id; others are looked up on the platform by handle."""
    known = store.profiles(account.platform)
    by_handle = {p.handle.casefold(): p for p in known.values()}
    targets = []
    for ref in refs:
        name = _name_on(account, ref)
        profile = known.get(name) or by_handle.get(name.casefold())
        if profile is None:
            profile = await provider.lookup_self(name)
        targets.append(profile)
    return targets


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
    from followtui.core.actions import Action, Outcome, run_actions
    from followtui.core.connect import provider_for

    store = STATE.store()
    account = account_for_refs(store.accounts(), account_ref, refs)
    limits = _limits()

    async def go():  # type: ignore[no-untyped-def]
        provider = provider_for(account, data_dir=store.data_dir)
        try:
            targets = await _resolve(store, account, provider, refs)
            return await run_actions(store, account, provider, Action(action_name), targets, limits=limits,
                                     dry_run=dry_run, on_result=_say)  # fmt: skip
        finally:
            await provider.aclose()

    results = asyncio.run(go())
    _report(results, json_output)
    if any(r.outcome in (Outcome.FAILED, Outcome.MISMATCH) for r in results):
        raise typer.Exit(int(ExitCode.NETWORK))


def _say(result) -> None:  # type: ignore[no-untyped-def]
    tail = f": {result.message}" if result.message else ""
    message(f"{result.action.value} {result.profile.handle}: {result.outcome.value}{tail}")


def _report(results, json_output: bool) -> None:  # type: ignore[no-untyped-def]
    rows: list[dict[str, Any]] = [
        {"id": r.profile.id, "handle": r.profile.handle, "action": r.action.value, "outcome": r.outcome.value,
         "message": r.message, "at": r.to_doc()["at"], "batch": r.batch}
        for r in results
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
    from followtui.core.actions import last_batch, run_actions, undo_plan
    from followtui.core.connect import provider_for

    store = STATE.store()
    tracked = store.accounts()
    chosen = find_account(tracked, account) if account else None
    entries = last_batch(store, chosen)
    plan = undo_plan(entries)
    if plan is None:
        raise UsageError("nothing to undo: the last batch changed nothing (or was itself an undo)")
    target_account = chosen or next(a for a in tracked if a.key == entries[0]["account"])
    action, targets = plan
    limits = _limits()

    async def go():  # type: ignore[no-untyped-def]
        provider = provider_for(target_account, data_dir=store.data_dir)
        try:
            return await run_actions(store, target_account, provider, action, targets, limits=limits,
                                     dry_run=dry_run, batch=f"undo-{entries[0]['batch']}", on_result=_say)  # fmt: skip
        finally:
            await provider.aclose()

    _report(asyncio.run(go()), json_output)
