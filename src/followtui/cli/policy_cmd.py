"""`followtui policy show|check`: the follow-back policy in effect, and its verdict on accounts in the store."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Any

import typer

from followtui.cli.context import STATE, find_account, handle_errors
from followtui.cli.output import message, write_json
from followtui.core.errors import UsageError

FORMATS = ("table", "json")

app = typer.Typer(
    help="The follow-back policy (policy.toml in the config dir): what it says, and its verdict on accounts.",
    no_args_is_help=True,
)


def current_policy():  # type: ignore[no-untyped-def]
    """The policy from the config dir (written with commented defaults on first use); problems go to stderr."""
    from followtui.core.config import data_dir_is_explicit, resolve_config_dir
    from followtui.core.policy import load_policy

    policy = load_policy(resolve_config_dir(STATE.data_dir, data_dir_is_explicit(STATE.data_dir_option)))
    for problem in policy.problems:
        message(f"warning: {problem}")
    return policy


@app.command("show")
@handle_errors
def show() -> None:
    """Print the policy in effect as TOML, saying which file it came from and which values that file set."""
    from followtui.core.policy import render_policy

    sys.stdout.write(render_policy(current_policy()))
    sys.stdout.flush()


@app.command("check")
@handle_errors
def check(
    refs: list[str] = typer.Argument(..., metavar="REF...", help="handle, stable id, or platform:handle"),
    account: str = typer.Option(None, "--account", "-a", help="platform:handle: look among this account's platform"),
    fmt: str = typer.Option("table", "--format", "-f", help="table | json"),
) -> None:
    """The verdict, the score and every reason, for accounts the store knows: follow back, review or skip for
    someone you don't follow; keep, review or unfollow for someone you do. Says which policy applied."""
    from followtui.cli.annotate import resolve_ref
    from followtui.core.analysis import AccountData
    from followtui.core.codec import iso
    from followtui.core.policy import judge, reason_doc
    from followtui.core.policy.relation import STRANGER

    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    store = STATE.store()
    accounts = store.accounts()
    tracked = find_account(accounts, account) if account else None
    platforms = {a.platform for a in accounts}
    policy = current_policy()
    rows: list[dict[str, Any]] = []
    for ref in refs:
        if tracked is not None and ref.partition(":")[0] not in platforms:
            ref = f"{tracked.platform}:{ref}"  # a bare handle or id: on the chosen account's platform
        key, label = resolve_ref(ref)
        platform, _, pid = key.partition(":")
        profile = store.profiles(platform, [pid]).get(pid)
        if profile is None:
            raise UsageError(f"no profile of {label} in the store; sync first")
        mine = [tracked] if tracked else [a for a in accounts if a.platform == platform]
        as_of = _as_of(store, mine)
        yours = mine[0] if len(mine) == 1 else None  # the relation is to one of your accounts
        applied = policy.for_account(yours.label, yours.key) if yours else policy
        relation = AccountData.load(store, yours).relations()(pid) if yours else STRANGER
        verdict = judge(profile, applied, now=as_of, relation=relation)
        rows.append(
            {
                "ref": ref,
                "key": key,
                "account": label,
                "handle": profile.handle,
                "display_name": profile.display_name,
                "as_of": iso(as_of),
                "yours": yours.label if yours else None,
                "policy": applied.described,
                "verdict": verdict.decision.value,
                "score": verdict.score,
                "summary": verdict.summary,
                "reasons": [reason_doc(r) for r in verdict.reasons],
            }
        )
    if fmt == "json":
        source = str(policy.source) if policy.source else None
        write_json({"policy": source, "count": len(rows), "accounts": rows})
    else:
        sys.stdout.write(_table(rows))
        sys.stdout.flush()


def _as_of(store: Any, accounts: list[Any]) -> datetime:
    """When the data was seen: the newest recorded sync of these accounts (the platform's clock), else now."""
    from followtui.core.analysis import successful_syncs

    times = [r.observed_at for a in accounts for r in successful_syncs(store.syncs(a.key)) if r.observed_at]
    return max(times) if times else datetime.now(UTC)


def _table(rows: list[dict[str, Any]]) -> str:
    """Per account: a line with the verdict and why, then one line per reason (effect, points, text)."""
    blocks = []
    for row in rows:
        lines = [f"{row['account']} — {row['summary']} (as of {row['as_of']})", f"  policy: {row['policy']}"]
        if row["yours"] is None:
            lines.append(
                "  (judged without a relationship: several of your accounts are on this platform; use --account)"
            )
        for reason in row["reasons"]:
            points = f"{reason['points']:+d}" if reason["points"] else "0"
            lines.append(f"  {reason['effect']:<8}{points:>4}  {reason['text']}")
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)
