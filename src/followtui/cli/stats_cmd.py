"""`followtui stats`: your own numbers per account — ratio, follow-back rates, trends, milestones."""

from __future__ import annotations

import sys

import typer

from followtui.cli.context import STATE, find_account, handle_errors
from followtui.cli.output import write_json
from followtui.core.errors import UsageError

FORMATS = ("table", "json")


@handle_errors
def stats(
    account: str = typer.Option(None, "--account", "-a", help="platform:handle (default: every tracked account)"),
    fmt: str = typer.Option("table", "--format", "-f", help="table | json"),
) -> None:
    """Followers, following, mutuals, your ratio (following ÷ followers), your follow-back rate (mutuals ÷
    followers) and followed-back rate (mutuals ÷ following), their change over 7 and 30 days, milestones."""
    from followtui.core.analysis import successful_syncs
    from followtui.core.stats import account_stats, stats_doc

    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    store = STATE.store()
    tracked = store.accounts()
    if not tracked:
        raise UsageError("no account is tracked yet; add one with: followtui account add PLATFORM HANDLE")
    chosen = [find_account(tracked, account)] if account is not None else tracked
    snapshots = store.read()
    docs = []
    for mine in chosen:
        snapshot = snapshots.snapshot(mine.key)
        if snapshot is None:
            continue
        numbers = account_stats(
            mine.label, snapshot.followers, snapshot.following, successful_syncs(snapshots.syncs(mine.key))
        )
        docs.append(stats_doc(numbers))
    if fmt == "json":
        write_json({"count": len(docs), "accounts": docs})
        return
    if not docs:
        sys.stderr.write("no account has been synced yet; run: followtui sync\n")
        return
    sys.stdout.write("\n".join(_block(doc) for doc in docs))
    sys.stdout.flush()


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _block(doc: dict) -> str:  # type: ignore[type-arg]
    ratio = "–" if doc["ratio"] is None else f"{doc['ratio']:.2f}"
    lines = [
        f"{doc['account']} (as of {doc['as_of']})",
        f"  followers {doc['followers']:,}   following {doc['following']:,}   mutuals {doc['mutuals']:,}",
        f"  ratio {ratio} (following ÷ followers; 0.75–1.25 is called healthy)",
        f"  you follow back {_percent(doc['follow_back_rate'])} of your followers; "
        f"{_percent(doc['followed_back_rate'])} of those you follow follow you back",
    ]
    for period, change in doc["changes"].items():
        lines.append(
            f"  {period}: followers {change['followers']:+,}, following {change['following']:+,} "
            f"(since {change['since'][:10]})"
        )
    for milestone in doc["milestones"]:
        when = milestone["reached_at"][:10] if milestone["reached_at"] else "before the first sync"
        lines.append(f"  reached {milestone['followers']:,} followers: {when}")
    return "\n".join(lines) + "\n"
