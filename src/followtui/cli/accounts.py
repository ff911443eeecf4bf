"""`followtui account add|list|remove`: the user's own accounts that followtui tracks."""

from __future__ import annotations

import asyncio

import typer

from followtui.cli.context import STATE, find_account, handle_errors
from followtui.cli.output import emit, message

app = typer.Typer(help="Add, list and remove the accounts you track.", no_args_is_help=True)


@app.command("add")
@handle_errors
def add(
    platform: str = typer.Argument(..., help="github, bluesky or mastodon"),
    handle: str = typer.Argument(..., help="your handle on that platform"),
    server: str = typer.Option("", "--server", help="API base URL (GitHub Enterprise, your instance, a PDS)"),
    token_env: str = typer.Option("", "--token-env", help="environment variable that holds your token"),
) -> None:
    """Track one of your accounts: looks it up once to learn its stable id."""
    from followtui.core.connect import add_account

    account = asyncio.run(add_account(STATE.store(), platform, handle, server=server, token_env=token_env))
    message(f"tracking {account.label} (id {account.id}); run `followtui sync` to take the first snapshot")


@app.command("list")
@handle_errors
def list_accounts(
    json_output: bool = typer.Option(False, "--json", help="one JSON document on stdout"),
) -> None:
    """The tracked accounts and their last sync."""
    from followtui.core.codec import iso

    store = STATE.store()
    rows = []
    for account in store.accounts():
        syncs = store.syncs(account.key)
        last = syncs[-1] if syncs else None
        rows.append(
            {
                "account": account.label,
                "platform": account.platform,
                "handle": account.handle,
                "id": account.id,
                "server": account.server or None,
                "token_env": account.token_env or None,
                "last_sync": iso(last.finished_at) if last else None,
                "last_status": last.status.value if last else None,
                "followers": last.followers if last else None,
                "following": last.following if last else None,
            }
        )
    columns = ["account", "id", "server", "last_sync", "last_status", "followers", "following"]
    emit(rows, columns, "json" if json_output else "table", {"accounts": rows})


@app.command("remove")
@handle_errors
def remove(account: str = typer.Argument(..., help="platform:handle")) -> None:
    """Stop tracking an account and forget its history (tags and notes are kept)."""
    store = STATE.store()
    found = find_account(store.accounts(), account)
    store.remove_account(found)
    message(f"no longer tracking {found.label}")
