"""`followtui account add|list|remove`: the user's own accounts that followtui tracks."""

from __future__ import annotations

import asyncio

import typer

from followtui.cli.context import STATE, find_account, handle_errors
from followtui.cli.exit_codes import ExitCode
from followtui.cli.output import emit, message

app = typer.Typer(help="Add, list and remove the accounts you track.", no_args_is_help=True)


@app.command("add")
@handle_errors
def add(
    platform: str = typer.Argument(..., help="github, bluesky or mastodon"),
    handle: str = typer.Argument(..., help="your handle on that platform"),
    server: str = typer.Option(
        "", "--server", help="API base URL: GitHub Enterprise, your Mastodon instance (required), a Bluesky AppView"
    ),
    token_env: str = typer.Option("", "--token-env", help="environment variable that holds your token"),
    pds: str = typer.Option("", "--pds", help="Bluesky: your PDS, for signing in and writing follows"),
) -> None:
    """Track one of your accounts: looks it up once to learn its stable id."""
    from followtui.core.connect import add_account

    account = asyncio.run(add_account(STATE.store(), platform, handle, server=server, token_env=token_env, pds=pds))
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
    from followtui.core.secrets import forget_secret

    store = STATE.store()
    found = find_account(store.accounts(), account)
    store.remove_account(found)
    forget_secret(found, store.data_dir)
    message(f"no longer tracking {found.label}")


@app.command("login")
@handle_errors
def login(account: str = typer.Argument(..., help="platform:handle")) -> None:
    """Store the account's token (GitHub, Mastodon) or app password (Bluesky); asked for without echo.

    Kept in the system keyring when one is usable, else in a file only you can read; never in the store.
    """
    import getpass

    from followtui.core.secrets import default_token_env, save_secret

    store = STATE.store()
    found = find_account(store.accounts(), account)
    kind = "app password" if found.platform == "bluesky" else "token"
    secret = getpass.getpass(f"{kind} for {found.label} (not shown): ").strip()
    if not secret:
        message("nothing entered; nothing changed")
        raise typer.Exit(int(ExitCode.USAGE))
    where = save_secret(found, secret, store.data_dir)
    env = found.token_env or default_token_env(found.platform)
    message(f"saved the {kind} for {found.label} in {where} (the environment variable {env} still wins)")
