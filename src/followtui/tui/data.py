"""What one tracked account's screen shows, prepared off the UI thread: the rows of every pane, each
account's timeline, and the follower trend. Rebuilt after a sync; patched in place after a tag or note."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from followtui.core.analysis import PANE_TITLES, PANES, AccountData, ProfileBook, pane_ids, successful_syncs
from followtui.core.policy import Judge, Policy
from followtui.core.stats import account_stats, trend_line
from followtui.core.store import Store
from followtui.models import Annotation, Change, FollowEvent, Profile, TrackedAccount, Trickster
from followtui.tui.rows import AccountRow, RowWindow, compact_count

#: Pane names short enough for six tabs with their counts in 80 columns (core's PANE_TITLES are for the CLI).
TAB_LABELS = {
    "followers": "Followers",
    "following": "Following",
    "mutuals": "Mutuals",
    "fans": "Fans",
    "nonfollowers": "Not back",
    "tricksters": "Tricksters",
}
#: The last resort for very narrow terminals or huge counts.
TINY_LABELS = {"followers": "Fol", "following": "Fng", "mutuals": "Mut", "fans": "Fans", "nonfollowers": "NoBk",
               "tricksters": "Trk"}  # fmt: skip
#: Cells a tab adds around its label: Tab's `padding: 0 1`, or one cell on the main screen below 100 columns.
TAB_PADDING = 2
NARROW_TAB_PADDING = 1


def tab_labels(counts: Mapping[str, int], width: int, padding: int = TAB_PADDING) -> dict[str, str]:
    """Each pane's tab label with its count, the most exact set that fits `width` cells: exact counts, then
    compact counts (12.3k), then tiny names, so every tab stays visible instead of scrolling the bar."""
    choices = (
        (TAB_LABELS, lambda n: f"{n:,}"),
        (TAB_LABELS, compact_count),
        (TINY_LABELS, compact_count),
    )
    labels: dict[str, str] = {}
    for names, number in choices:
        labels = {pane: f"{names[pane]} {number(n)}" for pane, n in counts.items()}
        if sum(len(label) + padding for label in labels.values()) <= width:
            break
    return labels


#: Panes up to this many accounts are built whole when the account opens (~20 ms a thousand rows); larger ones
#: open on a window (see `ScreenData.view`).
WINDOW_FROM = 2_000


@dataclass(slots=True)
class ScreenData:
    data: AccountData
    timelines: dict[str, list[FollowEvent]]
    trend: list[int]
    #: Gives each account's follow-back verdict when first asked (None: no policy).
    judge: Judge | None = None
    panes: tuple[str, ...] = PANES
    _rows: dict[str, list[AccountRow]] = field(default_factory=dict)
    _shared: dict[str, AccountRow] = field(default_factory=dict)  # one row object per account, in every pane
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _index: dict[str, dict[str, int]] = field(default_factory=dict)
    _windows: dict[str, RowWindow] = field(default_factory=dict)
    _changes: list[Change] | None = None

    @classmethod
    def load(
        cls, store: Store, account: TrackedAccount, policy: Policy | None = None, first: str = "followers"
    ) -> ScreenData:
        """The account's data with the first screen of the `first` pane (`view`); every pane's rows are built
        when first asked for (`rows`), or all at once by `prepare` off the UI thread, so 100k accounts open
        nearly as fast as 1k. The window's order is read in a second thread while the rest loads: SQLite
        sorts out the handles without the GIL."""
        windowed = cls._windowed(first, policy is not None) and cls._big(store, account)
        with ThreadPoolExecutor(1) as pool:
            order = pool.submit(store.pane_order, account.key, account.platform, first) if windowed else None
            data = AccountData.load(store, account)
            ids = order.result() if order is not None and data.snapshot is not None else None
        snapshot = data.snapshot_sync()
        # Judged by the sync clock, so "days since the last post" means days before the data was taken.
        now = (snapshot.observed_at if snapshot else None) or datetime.now(UTC)
        timelines: dict[str, list[FollowEvent]] = defaultdict(list)
        for event in data.events:
            timelines[event.profile_id].append(event)
        trend = [r.followers for r in successful_syncs(data.syncs)]
        judge = None
        if policy is not None:  # the account's own policy section, and each account's relation to you
            judge = Judge(policy.for_account(account.label, account.key), now, data.relations())
        screen = cls(data=data, timelines=dict(timelines), trend=trend, judge=judge)
        if ids is not None:
            screen._windows[first] = RowWindow(ids, screen._window_rows)
            screen.view(first)[: RowWindow.BLOCK]
        else:
            screen.rows(first)
        return screen

    @staticmethod
    def _big(store: Store, account: TrackedAccount) -> bool:
        """Worth a window: the account's last sync saw more than `WINDOW_FROM` followers or following (a small
        pane is built whole at once, in milliseconds, and sorts and filters from the first keystroke)."""
        last = next((r for r in reversed(store.syncs(account.key)) if r.observed_at), None)
        return last is not None and max(last.followers, last.following) > WINDOW_FROM

    @staticmethod
    def _windowed(pane: str, judged: bool) -> bool:
        """Whether the list shows the pane through a window: panes in handle order; the decision queues (when
        a policy sorts them by verdict) and the tricksters need every row first."""
        return pane != "tricksters" and not (judged and pane in ("fans", "nonfollowers"))

    def view(self, pane: str) -> Sequence[AccountRow]:
        """What the list shows of a pane now: its rows when built, else a window that builds the rows on
        screen from the store (panes in handle order; the decision queues and tricksters are built whole,
        their order needs every verdict)."""
        found = self._rows.get(pane)
        if found is not None:
            return found
        if not self._windowed(pane, self.judge is not None):
            return self.rows(pane)
        window = self._windows.get(pane)
        if window is None and self.count(pane) <= WINDOW_FROM:
            return self.rows(pane)
        if window is None:
            window = self._windows[pane] = RowWindow(self.data.pane_order(pane), self._window_rows)
        return window

    def find_row(self, pane: str, row_id: str) -> AccountRow | None:
        """The pane's row of this account as the list has it now (built if its window is not)."""
        rows = self.view(pane)
        if isinstance(rows, RowWindow):
            index = rows.index_of(row_id)
            return None if index is None else rows[index]
        return next((r for r in rows if r.id == row_id), None)

    def _window_rows(self, ids: Sequence[str]) -> list[AccountRow]:
        data = self.data
        missing = [pid for pid in ids if pid not in self._shared]
        if isinstance(data.profiles, ProfileBook):
            data.profiles.load(missing)
        for pid in missing:
            self._shared_row(data.profiles.get(pid) or Profile(id=pid, handle=pid))
        return [self._shared[pid] for pid in ids]

    def _shared_row(self, profile: Profile) -> AccountRow:
        """The one row of this account that every pane and window shares (built the first time it is asked)."""
        row = self._shared.get(profile.id)
        if row is None:
            snapshot = self.data.snapshot
            you_follow = snapshot is not None and profile.id in snapshot.following
            row = AccountRow.build(profile, self.data.annotation(profile.id), None, self.judge, you_follow)
            row = self._shared.setdefault(profile.id, row)
        return row

    def rows(self, pane: str) -> list[AccountRow]:
        """The pane's rows, built on first use (Fans, the follow-back queue, best verdicts first). Built outside
        the lock: a pane being prepared in the background (reading 100k profiles takes seconds) must not hold up
        the screen asking for the pane it shows; if both build the same pane, the first to finish is kept."""
        found = self._rows.get(pane)
        if found is not None:
            return found
        built = self._build(pane)
        with self._lock:
            return self._rows.setdefault(pane, built)

    def prepare(self) -> None:
        """Build every pane's rows now (from a worker thread: switching panes then costs nothing)."""
        for pane in self.panes:
            self.rows(pane)

    def _build(self, pane: str) -> list[AccountRow]:
        data, judge = self.data, self.judge
        if pane == "tricksters":
            return [AccountRow.build(t.profile, data.annotation(t.profile.id), t, judge) for t in data.tricksters()]
        rows = [self._shared_row(profile) for profile in data.pane(pane)]
        if pane in ("fans", "nonfollowers") and judge is not None:  # the decision queues: best first
            rows.sort(key=lambda r: judge(r.profile).sort_key)
        return rows

    @property
    def account(self) -> TrackedAccount:
        return self.data.account

    def count(self, pane: str) -> int:
        """How many accounts the pane holds, without building its rows."""
        built = self._rows.get(pane)
        if built is not None:
            return len(built)
        if pane == "tricksters":
            return len(self.rows(pane))
        return len(pane_ids(self.data.snapshot, pane)) if self.data.snapshot is not None else 0

    def title(self, pane: str) -> str:
        return f"{PANE_TITLES[pane]} {self.count(pane):,}"

    def tab_titles(self, width: int, padding: int = TAB_PADDING) -> dict[str, str]:
        """Every pane's tab label with its count, fitted to `width` cells (see `tab_labels`)."""
        return tab_labels({pane: self.count(pane) for pane in self.panes}, width, padding)

    def relation(self, profile_id: str) -> str:
        """How this account relates to you right now, in words."""
        snap = self.data.snapshot
        if snap is None:
            return ""
        follows_you, you_follow = profile_id in snap.followers, profile_id in snap.following
        if follows_you and you_follow:
            return "Mutual: you follow each other"
        if follows_you:
            return "Follows you; you don't follow back"
        if you_follow:
            return "You follow them; they don't follow you"
        gone = self.data.gone.get(profile_id)
        return f"Account {gone}" if gone else "No longer connected"

    def apply_annotations(self, changed: dict[str, Annotation]) -> None:
        """Swap the changed accounts' rows in every pane (O(rows) list copy, no store read)."""
        prefix = f"{self.account.platform}:"
        by_id = {key.removeprefix(prefix): a for key, a in changed.items() if key.startswith(prefix)}
        self.data.annotations.update(changed)
        if self.judge is not None:  # keep decides a verdict: judge those again
            for pid in by_id:
                self.judge.forget(pid)
        with self._lock:
            built = list(self._rows.items())
            for pid, annotation in by_id.items():  # the one row every pane shares, then each pane's slot
                row = self._shared.get(pid)
                if row is not None:
                    self._shared[pid] = row = row.with_annotation(annotation)
                    for window in self._windows.values():
                        window.replace(row)
        for pane, rows in built:
            index = self._index.get(pane)
            if index is None:
                index = self._index[pane] = {row.id: i for i, row in enumerate(rows)}
            for pid, annotation in by_id.items():
                i = index.get(pid)
                if i is not None:
                    shared = self._shared.get(pid) if pane != "tricksters" else None
                    rows[i] = shared if shared is not None else rows[i].with_annotation(annotation)

    def changes(self, journal: Sequence[Mapping[str, Any]] = ()) -> list[Change]:
        """The account's event log by name, oldest first; worked out once per load (the history's days and the
        Changes view both read it). `journal` adds the follow requests sent through followtui."""
        if self._changes is None:
            self._changes = self.data.changes(journal)
        return self._changes

    def numbers(self) -> str:
        """Your ratio and follow-back rate with their trend over a week, for the status line."""
        snapshot = self.data.snapshot
        if snapshot is None:
            return ""
        good = successful_syncs(self.data.syncs)
        stats = account_stats(self.account.label, snapshot.followers, snapshot.following, good)
        return trend_line(stats, snapshot.followers, snapshot.following, self.data.events)

    def tricksters(self) -> list[Trickster]:
        """The tricksters as the pane found them (no second pass over the events)."""
        return [row.trickster for row in self.rows("tricksters") if row.trickster is not None]

    def all_tags(self) -> list[str]:
        return sorted({t for a in self.data.annotations.values() for t in a.tags}, key=str.casefold)
