"""The status line: which account, the last sync's time and result, sync progress, marks, and your own
follower count over time as a sparkline."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Sparkline, Static

from followtui.models import SyncReport, SyncStatus
from followtui.sanitize import clean_text


class SyncUpdate(Message):
    """Progress of a running sync; a flood of them collapses into the latest."""

    def __init__(self, phase: str, done: int, total: int | None) -> None:
        super().__init__()
        self.phase, self.done, self.total = phase, done, total

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SyncUpdate)


def describe_sync(report: SyncReport | None) -> Text:
    if report is None:
        return Text("never synced — press r")
    when = (report.observed_at or report.finished_at).strftime("%Y-%m-%d %H:%M")
    if report.status in (SyncStatus.OK, SyncStatus.BASELINE):
        changes = f"+{report.gained} −{report.lost}" + (f", {report.gone} gone" if report.gone else "")
        text = Text(f"synced {when}: {changes}")
        if report.unhydrated:  # what the next sync (r) looks up; `followtui sync --hydrate all` does it at once
            text.append(f" · {report.unhydrated:,} not looked up yet: r for more")
    else:
        text = Text(f"last sync {when} {report.status.value}: ", style="bold")
        text.append(clean_text(report.message, 120))  # stored by older versions uncleaned
    return text


#: What the status line says while `followtui watch` runs for the account on screen.
LIVE = "● live"


class StatusLine(Horizontal):
    """One line: a long message is cut with `…` here and read whole in the messages log (`m`)."""

    class Said(Message):
        """A status message worth keeping for the messages log (a failed sync, an action under way)."""

        def __init__(self, text: str, severity: str = "information") -> None:
            super().__init__()
            self.text, self.severity = text, severity

    DEFAULT_CSS = """
    StatusLine { height: 1; background: $panel; }
    StatusLine #status-account { width: auto; max-width: 40%; padding: 0 1; text-style: bold;
                                 text-wrap: nowrap; text-overflow: ellipsis; }
    StatusLine #status-live { display: none; width: auto; padding: 0 1 0 0; color: $success; text-style: bold; }
    StatusLine #status-sync { width: 1fr; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    StatusLine #status-marks { width: auto; padding: 0 1; }
    StatusLine #status-trend { width: 16; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="status-account")
        yield Static(id="status-live")
        yield Static(id="status-sync")
        yield Static(id="status-marks")
        yield Sparkline([], id="status-trend")

    def set_account(self, label: str, report: SyncReport | None, trend: list[int], numbers: str = "") -> None:
        """`numbers`: your ratio and follow-back rate with their weekly trend (core.stats.trend_line)."""
        self.query_one("#status-account", Static).update(Text(label))
        text = describe_sync(report)
        if report is not None and report.status not in (SyncStatus.OK, SyncStatus.BASELINE):
            self.post_message(self.Said(f"{label}: {text.plain}", "error"))
        if numbers:
            text.append(f" · {numbers}")
        self.query_one("#status-sync", Static).update(text)
        spark = self.query_one("#status-trend", Sparkline)
        spark.data = trend
        spark.display = len(trend) >= 2

    def set_live(self, live: bool) -> None:
        """ "● live" while `followtui watch` records this account's follows as they happen."""
        shown = self.query_one("#status-live", Static)
        if shown.display != live:
            shown.update(Text(LIVE))
            shown.display = live

    def set_progress(self, progress: SyncUpdate) -> None:
        total = f"/{progress.total:,}" if progress.total else ""
        self.query_one("#status-sync", Static).update(Text(f"syncing {progress.phase} {progress.done:,}{total}…"))

    def set_text(self, text: str) -> None:
        self.query_one("#status-sync", Static).update(Text(text))
        self.post_message(self.Said(text))

    def set_marks(self, count: int) -> None:
        self.query_one("#status-marks", Static).update(Text(f"{count:,} marked" if count else ""))
