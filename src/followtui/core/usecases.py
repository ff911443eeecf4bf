"""The application's verbs: sync the tracked accounts, follow or unfollow, undo, export a view.

Each exists once, here; the CLI, the TUI and the demo only call them and show what they return, so the three
cannot drift apart (which accounts a sync skips, what counts as a failed action, where an export goes).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from followtui.core.actions import Action, ActionResult, Limits, Outcome, last_batch, run_actions, undo_plan
from followtui.core.connect import WaitCallback, provider_for, sync_tracked
from followtui.core.errors import UsageError
from followtui.core.imports import import_only_message, is_import_only
from followtui.core.store import Store
from followtui.core.sync import SyncOptions
from followtui.models import Annotation, Profile, SyncReport, TrackedAccount, Trickster

if TYPE_CHECKING:
    from followtui.core.config import Settings
    from followtui.core.policy import Verdict
    from followtui.providers.base import Provider

#: Sync progress of one account among several: (account, phase, done, total or None).
AccountProgress = Callable[[TrackedAccount, str, int, "int | None"], None]


# sync ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountSync:
    """One account's part of a sync: its report, or the error that stopped it (recorded, never raised here)."""

    account: TrackedAccount
    report: SyncReport | None = None
    error: Exception | None = None


@dataclass(frozen=True, slots=True)
class SyncRun:
    """Every account's outcome in the order asked, and the import-only accounts left out."""

    accounts: tuple[AccountSync, ...]
    skipped: tuple[TrackedAccount, ...] = ()

    @property
    def failures(self) -> list[AccountSync]:
        return [one for one in self.accounts if one.error is not None]

    @property
    def skipped_notice(self) -> str:
        """What to tell the user about the import-only accounts, or "" when none was left out."""
        if not self.skipped:
            return ""
        return f"skipping import-only {', '.join(a.label for a in self.skipped)} (update with `followtui import`)"

    def reports(self) -> list[SyncReport]:
        """Every report; raises the first failure, for a caller that cannot go on without all of them."""
        for one in self.accounts:
            if one.error is not None:
                raise one.error
        return [one.report for one in self.accounts if one.report is not None]


async def sync_accounts(
    store: Store,
    accounts: Sequence[TrackedAccount] | None = None,
    *,
    options: SyncOptions | None = None,
    together: bool = False,
    progress: AccountProgress | None = None,
    on_wait: WaitCallback | None = None,
    on_synced: Callable[[AccountSync], None] | None = None,
) -> SyncRun:
    """Sync the accounts the user named, or by default every tracked one but the import-only ones (only an
    import updates those, so they are skipped; naming one is a usage error). One account's failure does not
    stop the others. `together` syncs them at once (each platform is its own server); else one by one, which
    keeps the request rate and the progress readable. `on_synced` hears each account as it finishes."""
    if accounts is None:
        tracked = store.accounts()
        skipped = tuple(a for a in tracked if is_import_only(a.platform))
        chosen = [a for a in tracked if not is_import_only(a.platform)]
    else:
        offline = next((a for a in accounts if is_import_only(a.platform)), None)
        if offline is not None:
            raise UsageError(
                f"{offline.label} cannot be synced: {import_only_message(offline.platform, offline.handle)}"
            )
        skipped, chosen = (), list(accounts)
    options = options or SyncOptions()

    async def one(account: TrackedAccount) -> AccountSync:
        told = partial(progress, account) if progress is not None else None
        try:
            done = AccountSync(account, report=await sync_tracked(store, account, options, told, on_wait))
        except Exception as exc:  # recorded by the sync itself; the caller says it, the other accounts go on
            done = AccountSync(account, error=exc)
        if on_synced is not None:
            on_synced(done)
        return done

    if together:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(one(account)) for account in chosen]
        results = [task.result() for task in tasks]
    else:
        results = [await one(account) for account in chosen]
    return SyncRun(tuple(results), skipped)


# follow, unfollow, undo ---------------------------------------------------------------------------


def limits_for(settings: Settings) -> Limits:
    """The daily cap and pacing from config.toml [actions]."""
    return Limits(daily_cap=settings.daily_cap, pacing_s=settings.pacing_s)


@dataclass(frozen=True, slots=True)
class ActionsSummary:
    """What a batch of follows or unfollows did, counted by outcome, in one line a person reads."""

    action: Action
    results: tuple[ActionResult, ...]

    @property
    def counts(self) -> dict[Outcome, int]:
        """How many of each outcome, in the order they first happened."""
        counts: dict[Outcome, int] = {}
        for result in self.results:
            counts[result.outcome] = counts.get(result.outcome, 0) + 1
        return counts

    @property
    def all_done(self) -> bool:
        return bool(self.results) and all(r.outcome is Outcome.DONE for r in self.results)

    @property
    def failed(self) -> bool:
        """The platform refused one or did not do what it said: a script must hear it (an exit code)."""
        return any(r.outcome in (Outcome.FAILED, Outcome.MISMATCH) for r in self.results)

    @property
    def message(self) -> str:
        """ "follow: 2 done, 1 skipped — alice: already following", at most three reasons named."""
        summary = ", ".join(f"{n} {outcome.value}" for outcome, n in self.counts.items()) or "nothing to do"
        problems = [
            f"{r.profile.handle}: {r.message}" for r in self.results if r.outcome is not Outcome.DONE and r.message
        ]
        return f"{self.action.value}: {summary}" + (f" — {'; '.join(problems[:3])}" if problems else "")


async def follow_or_unfollow(
    store: Store,
    account: TrackedAccount,
    action: Action | str,
    targets: Sequence[Profile | str],
    *,
    limits: Limits = Limits(),
    dry_run: bool = False,
    batch: str | None = None,
    on_result: Callable[[ActionResult], None] | None = None,
) -> ActionsSummary:
    """Follow or unfollow `targets` from `account` with every safety rail of `run_actions`. A target given as
    text is a handle or id: known ones are found in the store, others looked up on the platform by handle.
    Raises AuthError when the credentials were refused (the batch stops there)."""
    action = Action(action)
    provider = provider_for(account, data_dir=store.data_dir)
    try:
        profiles = await _resolve(store, account, provider, targets)
        results = await run_actions(store, account, provider, action, profiles, limits=limits, dry_run=dry_run,
                                    batch=batch, on_result=on_result)  # fmt: skip
    finally:
        await provider.aclose()
    return ActionsSummary(action, tuple(results))


async def _resolve(
    store: Store, account: TrackedAccount, provider: Provider, targets: Sequence[Profile | str]
) -> list[Profile]:
    known = store.profiles(account.platform)
    by_handle = {p.handle.casefold(): p for p in known.values()}
    profiles = []
    for target in targets:
        if isinstance(target, str):
            found = known.get(target) or by_handle.get(target.casefold())
            target = found if found is not None else await provider.lookup_self(target)
        profiles.append(target)
    return profiles


@dataclass(frozen=True, slots=True)
class Undo:
    """What reverses the last batch: the opposite action on everyone it changed, as a batch of its own."""

    account: TrackedAccount
    action: Action
    targets: tuple[Profile, ...]
    batch: str

    @property
    def who(self) -> str:
        return self.targets[0].handle if len(self.targets) == 1 else f"{len(self.targets)} accounts"


def plan_undo(store: Store, account: TrackedAccount | None = None) -> Undo:
    """The undo of the last batch of `account` (or of any account), to confirm, then run with
    `follow_or_unfollow(..., batch=undo.batch)`. Raises UsageError when there is nothing to undo."""
    entries = last_batch(store, account)
    plan = undo_plan(entries)
    if plan is None:
        raise UsageError("nothing to undo: the last batch changed nothing (or was itself an undo)")
    key = str(entries[0]["account"])
    owner = account or next((a for a in store.accounts() if a.key == key), None)
    if owner is None:
        raise UsageError(f"the last batch was made by {key}, which is no longer tracked")
    action, targets = plan
    return Undo(owner, action, tuple(targets), f"undo-{entries[0]['batch']}")


# export -------------------------------------------------------------------------------------------

#: The formats a view exports to, chosen by the file's suffix (anything but .json is CSV).
EXPORT_FORMATS = ("csv", "json")


class ViewRow(Protocol):
    """A row of a pane as a list shows it: what an export writes of it."""

    @property
    def profile(self) -> Profile: ...
    @property
    def annotation(self) -> Annotation: ...
    @property
    def trickster(self) -> Trickster | None: ...
    @property
    def verdict(self) -> Verdict | None: ...


def export_format(path: Path) -> str:
    return "json" if path.suffix.lower() == ".json" else "csv"


def export_view(
    settings: Settings,
    data_dir: Path,
    account: TrackedAccount,
    pane: str,
    rows: Iterable[ViewRow],
    name: str,
    *,
    fmt: str | None = None,
) -> Path:
    """Write the rows of a pane to `name` and return the full path: a bare name or relative path lands in the
    exports folder of config.toml (never the current directory). `fmt` is csv or json, by default the suffix's.
    Raises OSError, whose filename is the export's path, when it cannot be written."""
    from followtui.core.config import exports_dir_for
    from followtui.core.export import (
        ROW_FIELDS,
        TRICKSTER_FIELDS,
        VERDICT_FIELDS,
        export_target,
        profile_row,
        to_csv,
        to_json,
        write_export,
    )

    exports_dir = exports_dir_for(settings, data_dir)
    path = export_target(name, exports_dir)
    fmt = fmt or export_format(path)
    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"cannot export to {fmt!r}; choose from {', '.join(EXPORT_FORMATS)}")
    docs = [profile_row(r.profile, r.annotation, r.trickster, r.verdict) for r in rows]
    if fmt == "json":
        text = to_json({"account": account.label, "pane": pane, "rows": docs})
    else:
        text = to_csv(docs, [*(TRICKSTER_FIELDS if pane == "tricksters" else ROW_FIELDS), *VERDICT_FIELDS])
    try:
        write_export(path, text, exports_dir)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
    return path
