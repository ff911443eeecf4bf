"""What one tracked account's screen shows, prepared off the UI thread: the rows of every pane, each
account's timeline, and the follower trend. Rebuilt after a sync; patched in place after a tag or note."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from followtui.core.analysis import PANE_TITLES, PANES, AccountData, successful_syncs
from followtui.core.policy import Policy, judge
from followtui.core.store import Store
from followtui.models import Annotation, FollowEvent, TrackedAccount
from followtui.tui.rows import AccountRow


@dataclass(slots=True)
class ScreenData:
    data: AccountData
    rows: dict[str, list[AccountRow]]
    timelines: dict[str, list[FollowEvent]]
    trend: list[int]
    panes: tuple[str, ...] = PANES
    _index: dict[str, dict[str, int]] = field(default_factory=dict)

    @classmethod
    def load(cls, store: Store, account: TrackedAccount, policy: Policy | None = None) -> ScreenData:
        """Every pane's rows; with a policy, each account's follow-back verdict, and Fans best first."""
        data = AccountData.load(store, account)
        snapshot = data.snapshot_sync()
        # Judged by the sync clock, so "days since the last post" means days before the data was taken.
        now = (snapshot.observed_at if snapshot else None) or datetime.now(UTC)
        rows: dict[str, list[AccountRow]] = {}
        shared: dict[str, AccountRow] = {}  # one row object per account, whichever panes show it
        for pane in PANES:
            if pane == "tricksters":
                rows[pane] = [
                    AccountRow.build(t.profile, data.annotation(t.profile.id), t,
                                     judge(t.profile, policy, now=now) if policy else None)  # fmt: skip
                    for t in data.tricksters()
                ]
                continue
            pane_rows = []
            for profile in data.pane(pane):
                row = shared.get(profile.id)
                if row is None:
                    verdict = judge(profile, policy, now=now) if policy else None
                    row = shared[profile.id] = AccountRow.build(profile, data.annotation(profile.id), None, verdict)
                pane_rows.append(row)
            rows[pane] = pane_rows
        if policy is not None:
            rows["fans"].sort(key=lambda r: r.verdict.sort_key if r.verdict else (9, 0))
        timelines: dict[str, list[FollowEvent]] = defaultdict(list)
        for event in data.events:
            timelines[event.profile_id].append(event)
        trend = [r.followers for r in successful_syncs(data.syncs)]
        return cls(data=data, rows=rows, timelines=dict(timelines), trend=trend)

    @property
    def account(self) -> TrackedAccount:
        return self.data.account

    def title(self, pane: str) -> str:
        return f"{PANE_TITLES[pane]} {len(self.rows[pane]):,}"

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
        for pane, rows in self.rows.items():
            index = self._index.get(pane)
            if index is None:
                index = self._index[pane] = {row.id: i for i, row in enumerate(rows)}
            for pid, annotation in by_id.items():
                i = index.get(pid)
                if i is not None:
                    rows[i] = rows[i].with_annotation(annotation)

    def all_tags(self) -> list[str]:
        return sorted({t for a in self.data.annotations.values() for t in a.tags}, key=str.casefold)
