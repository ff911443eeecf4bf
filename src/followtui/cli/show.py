"""`followtui show PANE` and `followtui history`: the panes and the trend, as table, JSON or CSV."""

from __future__ import annotations

from datetime import date

import typer

from followtui.cli.context import STATE, find_account, handle_errors
from followtui.cli.output import FORMATS, emit
from followtui.core.exit_codes import UsageError

PROFILE_COLUMNS = ["handle", "display_name", "followers_count", "following_count", "ratio", "verdict", "tags", "keep"]
TRICKSTER_COLUMNS = [
    "handle", "display_name", "times", "followed_at", "followed_back", "unfollowed_at", "still_following",
]  # fmt: skip
HISTORY_COLUMNS = [
    "day",
    "gained",
    "lost",
    "gone",
    "added",
    "removed",
    "followers",
    "following",
    "tricksters",
    "posts",
]


def _check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    return fmt


def _load(account_ref: str | None):  # type: ignore[no-untyped-def]
    from followtui.core.analysis import AccountData

    store = STATE.store()
    account = find_account(store.accounts(), account_ref)
    return AccountData.load(store, account)


@handle_errors
def show(
    pane: str = typer.Argument(..., help="followers | following | mutuals | fans | nonfollowers | tricksters"),
    account: str = typer.Option(None, "--account", "-a", help="platform:handle (needed when several are tracked)"),
    fmt: str = typer.Option("table", "--format", "-f", help="table | json | csv"),
) -> None:
    """Print one pane of an account, with the follow-back policy's verdict on each (Fans: best first)."""
    from datetime import UTC, datetime

    from followtui.cli.policy_cmd import current_policy
    from followtui.core.analysis import PANES
    from followtui.core.codec import iso
    from followtui.core.export import ROW_FIELDS, TRICKSTER_FIELDS, VERDICT_FIELDS, profile_row
    from followtui.core.policy import judge

    fmt = _check_format(fmt)
    if pane not in PANES:
        raise UsageError(f"unknown pane {pane!r}; choose from {', '.join(PANES)}")
    data = _load(account)
    policy = current_policy()
    last = data.snapshot_sync()
    as_of = (last.observed_at if last else None) or datetime.now(UTC)  # the sync clock: when the data was seen
    if pane == "tricksters":
        rows = [
            profile_row(t.profile, data.annotation(t.profile.id), t, judge(t.profile, policy, now=as_of))
            for t in data.tricksters()
        ]
        columns = TRICKSTER_COLUMNS if fmt == "table" else [*TRICKSTER_FIELDS, *VERDICT_FIELDS]
    else:
        judged = [(p, judge(p, policy, now=as_of)) for p in data.pane(pane)]
        if pane == "fans":  # the follow-back queue: follow back first, best scores first
            judged.sort(key=lambda pair: pair[1].sort_key)
        rows = [profile_row(p, data.annotation(p.id), None, verdict) for p, verdict in judged]
        columns = PROFILE_COLUMNS if fmt == "table" else [*ROW_FIELDS, *VERDICT_FIELDS]
    document = {
        "account": data.account.label,
        "pane": pane,
        "synced_at": iso(last.observed_at) if last else None,
        "count": len(rows),
        "rows": rows,
    }
    emit(rows, columns, fmt, document)


@handle_errors
def history(
    account: str = typer.Option(None, "--account", "-a", help="platform:handle (needed when several are tracked)"),
    since: str = typer.Option(None, "--since", help="first day to show, YYYY-MM-DD"),
    fmt: str = typer.Option("table", "--format", "-f", help="table | json | csv"),
) -> None:
    """Gains and losses per day, with follower and following counts."""
    fmt = _check_format(fmt)
    start = None
    if since:
        try:
            start = date.fromisoformat(since)
        except ValueError:
            raise UsageError(f"--since wants a date like 2026-01-31, not {since!r}") from None
    data = _load(account)
    rows = [{name: getattr(day, name) for name in HISTORY_COLUMNS} for day in data.history(since=start)]
    emit(rows, HISTORY_COLUMNS, fmt, {"account": data.account.label, "days": rows})
