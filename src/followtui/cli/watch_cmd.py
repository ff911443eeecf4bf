"""`followtui watch`: a long-running process that records a Bluesky account's follows and unfollows as they happen.

stdout gets one line per change, flushed at once (a systemd journal or `tee` sees it live): `TIME ACCOUNT KIND
HANDLE (ID)`, or with `--json` one JSON object per line with the keys of `changes --format jsonl`. Status
(connected, gaps, syncs, reconnections) goes to stderr. SIGTERM or SIGINT stops it cleanly: the cursor is saved and
the exit code is 0. The stream code (websockets, libipld) is imported here only when the command runs.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Sequence
from typing import Any

import typer

from followtui.cli.context import STATE, find_account, handle_errors
from followtui.cli.output import message
from followtui.core.errors import UsageError


@handle_errors
def watch(
    account: str = typer.Option(
        None, "--account", metavar="ACCOUNT", help="platform:handle (needed when several Bluesky accounts)"
    ),
    source: str = typer.Option(
        None, "--source", metavar="URL", help="a Jetstream or repo firehose URL (default: [watch] source in config)"
    ),
    json_output: bool = typer.Option(False, "--json", help="one JSON object per change, one per line"),
) -> None:
    """Record a Bluesky account's follows and unfollows live, from Jetstream or the repo firehose, until stopped."""
    from followtui.core.config import data_dir_is_explicit, load_settings, resolve_config_dir, watch_source_problem
    from followtui.core.live import watch_account, where

    store = STATE.store()
    chosen = _chosen_account(store.accounts(), account)
    settings = load_settings(resolve_config_dir(STATE.data_dir, data_dir_is_explicit(STATE.data_dir_option)))
    if source is not None:
        problem = watch_source_problem(source)
        if problem:
            raise UsageError(f"--source: {problem}")
        url = source.strip()
    elif settings.watch_source_error:
        raise UsageError(settings.watch_source_error)
    else:
        url = settings.watch_source
    show = _json_line if json_output else _text_line

    def changed(changes: Sequence[Any]) -> None:
        sys.stdout.write("".join(show(change) for change in changes))
        sys.stdout.flush()

    async def run() -> Any:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        return await watch_account(store, settings, chosen, url, stop=stop, on_change=changed, on_status=message)

    summary = asyncio.run(run())
    cursor = "none" if summary.cursor is None else str(summary.cursor)
    message(
        f"stopped watching {chosen.label} on {where(url)}: {summary.events:,} change(s) recorded, "
        f"{summary.syncs} full sync(s), {summary.reconnects} reconnection(s), {summary.malformed} malformed "
        f"message(s) skipped; cursor {cursor} saved"
    )


def _chosen_account(tracked: list[Any], ref: str | None) -> Any:
    """--account, else the one Bluesky account. Several need --account: one watch per account (each its own
    process, cursor and restart), since each is its own stream subscription anyway."""
    if ref is not None:
        chosen = find_account(tracked, ref)
        if chosen.platform != "bluesky":
            raise UsageError(
                f"{chosen.label}: watch follows Bluesky accounts only (the other platforms have no stream)"
            )
        return chosen
    bluesky = [a for a in tracked if a.platform == "bluesky"]
    if not bluesky:
        raise UsageError(
            "watch follows Bluesky accounts; none is tracked (add one: followtui account add bluesky HANDLE)"
        )
    if len(bluesky) > 1:
        labels = ", ".join(a.label for a in bluesky)
        raise UsageError(f"several Bluesky accounts are tracked; watch one per process with --account ({labels})")
    return bluesky[0]


def _text_line(change: Any) -> str:
    """`2026-01-05T10:00:03Z bluesky:alice.test followed_you bob.test (did:plc:…)`; network text cleaned."""
    from followtui.core.codec import iso
    from followtui.sanitize import clean_text

    handle, pid = clean_text(change.handle, 100), clean_text(change.id, 200)
    who = pid if handle == pid or not handle else f"{handle} ({pid})"
    detail = f": {clean_text(change.detail, 200)}" if change.detail else ""
    return f"{iso(change.at)} {clean_text(change.account, 200)} {change.kind.value} {who}{detail}\n"


def _json_line(change: Any) -> str:
    from followtui.cli.output import to_json
    from followtui.core.changes import change_row

    return to_json(change_row(change), compact=True)
