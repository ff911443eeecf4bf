"""What every command shares: the data dir, the store, account lookup, and turning errors into exit codes."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer

from followtui.cli.exit_codes import ExitCode, exit_code_for
from followtui.cli.output import message
from followtui.core.errors import UsageError

F = TypeVar("F", bound=Callable[..., Any])


class State:
    """Set by the root callback; commands read it through `state()`."""

    data_dir_option: str | None = None
    theme: str | None = None

    @property
    def data_dir(self) -> Path:
        from followtui.core.paths import resolve_data_dir

        path = resolve_data_dir(self.data_dir_option)
        _refuse_a_file_in_the_way(path)
        return path

    def store(self):  # type: ignore[no-untyped-def]
        from followtui.core.store import Store

        store = Store(self.data_dir)
        store.on_notice = message  # the move from the JSON store, said once on stderr
        return store


STATE = State()


def _refuse_a_file_in_the_way(path: Path) -> None:
    """A data dir that is a file (or lies under one) is the user's mistake: say so, rather than an OS error."""
    for candidate in (path, *path.parents):
        try:
            if not candidate.exists():
                continue
        except OSError:
            return
        if not candidate.is_dir():
            what = "it" if candidate == path else str(candidate)
            raise UsageError(f"the data dir {path} cannot be used: {what} is a file, not a directory")
        return


def handle_errors(command: F) -> F:
    """One clear line on stderr and the documented exit code instead of a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except typer.Exit:
            raise
        except BrokenPipeError:
            quiet_closed_stdout()
            raise typer.Exit(0) from None
        except KeyboardInterrupt:
            message("interrupted; nothing was recorded for an unfinished sync")
            raise typer.Exit(130) from None
        except Exception as exc:
            if os.environ.get("FOLLOWTUI_DEBUG"):
                raise
            code = exit_code_for(exc)
            message(f"error: {exc}" if str(exc) else f"error: {type(exc).__name__}")
            raise typer.Exit(int(code)) from None

    return wrapper  # type: ignore[return-value]


def quiet_closed_stdout() -> None:
    """The reader of our stdout went away (`followtui show … | head`): that is how pipes end, not an error.
    stdout is pointed at /dev/null so the interpreter's last flush does not complain either."""
    import sys

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real stdout (tests capture it): nothing left to flush anyway
        pass


def account_for_refs(accounts: list[Any], account_ref: str | None, refs: list[str]) -> Any:
    """The account an action on `refs` is for: --account when given, else the one account on the platform
    the refs name as `platform:handle` (as `tag github:sara-cohen` finds it), else the only one tracked."""
    if account_ref is None:
        platforms = {ref.partition(":")[0] for ref in refs}
        if len(platforms) == 1 and all(":" in ref for ref in refs):
            (platform,) = platforms
            on_it = [a for a in accounts if a.platform == platform]
            if len(on_it) == 1:
                return on_it[0]
    return find_account(accounts, account_ref)


def find_account(accounts: list[Any], ref: str | None) -> Any:
    """Pick a tracked account by `platform:handle`, handle, or stable id; the only one when ref is None."""
    if ref is None:
        if len(accounts) == 1:
            return accounts[0]
        if not accounts:
            raise UsageError("no account is tracked yet; add one with: followtui account add PLATFORM HANDLE")
        labels = ", ".join(a.label for a in accounts)
        raise UsageError(f"several accounts are tracked; choose one with --account ({labels})")
    platform, _, name = ref.partition(":")  # ids may hold colons themselves (Bluesky DIDs)
    if platform not in {a.platform for a in accounts}:
        platform, name = "", ref
    matches = [
        a
        for a in accounts
        if (not platform or a.platform == platform)
        and (a.handle.casefold() == name.casefold() or a.id == name or a.key == ref)
    ]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        labels = ", ".join(a.label for a in accounts) or "none"
        raise UsageError(f"no tracked account {ref!r} (tracked: {labels})")
    raise UsageError(f"{ref!r} matches several accounts; write it as platform:handle")


def usage_exit(text: str) -> None:
    message(f"error: {text}")
    raise typer.Exit(int(ExitCode.USAGE))
