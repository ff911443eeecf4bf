"""`followtui show PANE` and `followtui history`: the panes and the trend, as table, JSON or CSV."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import typer

from followtui.cli.context import STATE, find_account, handle_errors
from followtui.cli.output import FORMATS, emit, message, stream
from followtui.core.errors import UsageError

PROFILE_COLUMNS = [
    "handle", "display_name", "followers_count", "following_count", "ratio", "interactions", "verdict", "tags", "keep",
]  # fmt: skip
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
    from followtui.core.export import ENGAGEMENT_FIELDS, ROW_FIELDS, TRICKSTER_FIELDS, VERDICT_FIELDS, profile_row
    from followtui.core.policy import Verdict, judge
    from followtui.core.policy.engagement import engagement
    from followtui.models import Profile, Trickster

    fmt = _check_format(fmt)
    if pane not in PANES:
        raise UsageError(f"unknown pane {pane!r}; choose from {', '.join(PANES)}")
    data = _load(account)
    policy = current_policy().for_account(data.account.label, data.account.key)
    last = data.snapshot_sync()
    as_of = (last.observed_at if last else None) or datetime.now(UTC)  # the sync clock: when the data was seen
    relations = data.relations()
    window = policy.interactions.window_days

    def row(profile: Profile, trickster: Trickster | None = None, verdict: Verdict | None = None) -> dict[str, Any]:
        relation = relations(profile.id)
        verdict = verdict or judge(profile, policy, now=as_of, relation=relation, explain=True)
        return profile_row(
            profile, data.annotation(profile.id), trickster, verdict, engagement(relation, window, as_of)
        )

    rows: Iterable[dict[str, Any]]
    if pane == "tricksters":
        tricksters = data.tricksters()
        count, rows = len(tricksters), (row(t.profile, t) for t in tricksters)
        columns = TRICKSTER_COLUMNS if fmt == "table" else [*TRICKSTER_FIELDS, *VERDICT_FIELDS, *ENGAGEMENT_FIELDS]
    else:
        profiles = data.pane(pane)
        count = len(profiles)
        if pane in ("fans", "nonfollowers"):  # the decision queues: best first (follow back / keep), then by score
            judged = [(judge(p, policy, now=as_of, relation=relations(p.id), explain=True), p) for p in profiles]
            judged.sort(key=lambda pair: pair[0].sort_key)
            rows = (row(p, verdict=v) for v, p in judged)
        else:
            rows = (row(p) for p in profiles)
        columns = PROFILE_COLUMNS if fmt == "table" else [*ROW_FIELDS, *VERDICT_FIELDS, *ENGAGEMENT_FIELDS]
    head = {"account": data.account.label, "pane": pane, "synced_at": iso(last.observed_at) if last else None,
            "count": count}  # fmt: skip
    if fmt == "table":
        table_rows = _say_what_is_missing(list(rows), data.profiles)
        emit(table_rows, columns, fmt, {**head, "rows": table_rows})
    else:
        stream(rows, columns, fmt, head)


NOT_LOOKED_UP = "not looked up"
NOT_READ = "not read"


def _say_what_is_missing(rows: list[dict[str, Any]], profiles: dict[str, Any]) -> list[dict[str, Any]]:
    """A table cell with no value says why, rather than a bare dash; the count of such accounts goes to stderr
    with the way to fill them in."""
    out, missing = [], 0
    for row in rows:
        profile = profiles.get(row["id"])
        if profile is None or (profile.hydrated_at is None and row.get("followers_count") is None):
            missing += 1
            row = {**row, "followers_count": NOT_LOOKED_UP, "following_count": NOT_LOOKED_UP, "ratio": ""}
        if "interactions" in row and row["interactions"] is None:
            row = {**row, "interactions": NOT_READ}
        out.append(row)
    if missing:
        message(f"{missing:,} accounts not looked up yet (no counts or activity): followtui sync --hydrate all")
    return out


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
