"""What `followtui` with no subcommand shows until the terminal UI is in place: the tracked accounts."""

from __future__ import annotations

from followtui.cli.accounts import list_accounts
from followtui.cli.context import STATE
from followtui.cli.output import message


def overview() -> None:
    if not STATE.store().accounts():
        message(
            "No account is tracked yet.\n"
            "  followtui demo                         try it on the built-in simulated network\n"
            "  followtui account add github HANDLE    track your GitHub account\n"
            "  followtui --help                       every command"
        )
        return
    list_accounts(json_output=False)
