"""The detail panel: everything about the highlighted account, and its story with you.

Network text (names, bios) is placed into `rich.text.Text` as plain strings: never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Sparkline, Static

from followtui.core.policy import Decision, Effect, Verdict
from followtui.models import EventKind, FollowEvent
from followtui.tui.rows import AccountRow, ratio_text

_EVENT_WORDS = {
    EventKind.FOLLOWER_GAINED: "followed you",
    EventKind.FOLLOWER_LOST: "unfollowed you",
    EventKind.FOLLOWING_ADDED: "you followed",
    EventKind.FOLLOWING_REMOVED: "you unfollowed",
}


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "–"


def _num(value: int | None) -> str:
    return "unknown" if value is None else f"{value:,}"


def describe(row: AccountRow, timeline: Sequence[FollowEvent], relation: str) -> Text:
    """The panel's text for one account; a pure function so tests can read it."""
    text = Text()
    _head(text, row, relation)
    if row.verdict is not None:
        _verdict(text, row.verdict)
    text.append("\n")
    _counts(text, row)
    _bio(text, row)
    _annotation(text, row)
    if row.verdict is not None:
        _reasons(text, row.verdict)
    _trickster(text, row)
    _timeline(text, timeline[-12:])
    return text


def story_sections(row: AccountRow, timeline: Sequence[FollowEvent], relation: str) -> tuple[Text, Text, Text]:
    """The account screen's text, from the panel's own sections in the order a decision needs them: who, the
    verdict with every reason, your tags, note and keep, interactions, the relationship and its whole timeline;
    then the counts (a sparkline goes below them); then the bio."""
    top = Text()
    _head(top, row, relation)
    verdict = row.verdict
    if verdict is not None:
        _verdict(top, verdict)
        _reasons(top, verdict)
    _annotation(top, row, keep_line=True)
    if verdict is not None:
        _interactions(top, verdict)
    _trickster(top, row)
    _timeline(top, timeline)
    counts = Text()
    _counts(counts, row)
    bio = Text()
    _bio(bio, row)
    return top, counts, bio


def _head(text: Text, row: AccountRow, relation: str) -> None:
    p = row.profile
    text.append(p.display_name or p.handle, style="bold")
    text.append("\n")
    text.append(f"@{p.handle}", style="dim")
    if row.annotation.keep:
        text.append("  ★ kept", style="bold")
    text.append("\n")
    if relation:
        text.append(relation + "\n", style="italic")


def _counts(text: Text, row: AccountRow) -> None:
    p = row.profile
    text.append(f"Followers  {_num(p.followers_count)}\n")
    text.append(f"Following  {_num(p.following_count)}\n")
    ratio = p.ratio
    text.append(f"Ratio      {'unknown' if ratio is None else ratio_text(ratio)}\n")
    text.append(f"Posts      {_num(p.posts_count)}\n")
    if p.last_active_at:
        text.append(f"Active     {_when(p.last_active_at)}\n")
    if p.created_at:
        text.append(f"Joined     {_when(p.created_at)}\n")
    if p.bot:
        text.append("Bot account\n", style="italic")
    if p.url:
        text.append(p.url + "\n", style="underline")


def _bio(text: Text, row: AccountRow) -> None:
    if row.profile.bio:
        text.append("\n")
        text.append(row.profile.bio)
        text.append("\n")


def _annotation(text: Text, row: AccountRow, *, keep_line: bool = False) -> None:
    note = row.annotation
    text.append("\nTags  ", style="bold")
    text.append(", ".join(note.tags) if note.tags else "none")
    text.append("\n")
    if note.note:
        text.append("Note  ", style="bold")
        text.append(note.note)
        text.append("\n")
    if keep_line:
        text.append("Keep  ", style="bold")
        text.append("yes: never part of a bulk unfollow\n" if note.keep else "no\n")


def _trickster(text: Text, row: AccountRow) -> None:
    t = row.trickster
    if t is None:
        return
    text.append("\nTrickster", style="bold")
    text.append(f" ({t.times}×)\n" if t.times > 1 else "\n")
    text.append(f"  followed you   {_when(t.followed_at) if t.followed_at else 'before the first sync'}\n")
    back = _when(t.followed_back_at) if t.followed_back_at else ("yes, time unknown" if t.followed_back else "–")
    text.append(f"  you followed   {back}\n")
    text.append(f"  unfollowed     {_when(t.unfollowed_at)}\n")
    if t.stayed_after_follow_back_s is not None:
        text.append(f"  stayed {t.stayed_after_follow_back_s / 86400:.1f} days after your follow-back\n")
    if t.followed_back:
        text.append("  You had followed them back (mutual when they left)\n")
    else:
        text.append("  You had not followed them back\n")
    if t.still_following:
        text.append("  You still follow them\n", style="bold")
    else:
        text.append("  You no longer follow them\n")


def _timeline(text: Text, timeline: Sequence[FollowEvent]) -> None:
    if not timeline:
        return
    text.append("\nTimeline\n", style="bold")
    for event in timeline:
        words = _EVENT_WORDS.get(event.kind, event.kind.value)
        if event.kind is EventKind.RENAMED:  # not a follow change, but part of the story: "renamed old → new"
            words = f"renamed {event.detail}".rstrip()
        if event.gone:
            words = f"left: account {event.gone}"
        text.append(f"  {_when(event.at)}  {words}\n")


_DECISION_STYLE = {
    Decision.FOLLOW_BACK: "bold green",
    Decision.KEEP: "bold green",
    Decision.REVIEW: "bold yellow",
    Decision.SKIP: "bold red",
    Decision.UNFOLLOW: "bold red",
}
_EFFECT_MARK = {Effect.KEEP: "★", Effect.SKIP: "✗", Effect.REVIEW: "?", Effect.MINUS: "−", Effect.PLUS: "+"}


def _verdict(text: Text, verdict: Verdict) -> None:
    text.append(f"Verdict: {verdict.decision.value}", style=_DECISION_STYLE[verdict.decision])
    text.append(f"  (score {verdict.score:+d})\n", style="dim")


def _reasons(text: Text, verdict: Verdict) -> None:
    """Every rule that spoke, the deciding ones first; rules with nothing to say (or no data) last, dimmed."""
    reasons = verdict.reasons
    telling = [r for r in reasons if r.effect in _EFFECT_MARK]
    quiet = [r for r in reasons if r.effect not in _EFFECT_MARK]
    text.append("\nWhy ", style="bold")
    text.append(verdict.summary + "\n")
    for reason in telling:
        text.append(f"  {_EFFECT_MARK[reason.effect]} {reason.text}\n")
    for reason in quiet:
        text.append(f"  · {reason.text}\n", style="dim")


def _interactions(text: Text, verdict: Verdict) -> None:
    """Their interactions with you, as the verdict's own `interactions` rule read them (no second count)."""
    found = [r for r in verdict.reasons if r.rule == "interactions"]
    text.append("\nInteractions  ", style="bold")
    text.append(found[0].detail if found else "not read (the policy has no interactions rule)")
    text.append("\n")


class DetailPanel(VerticalScroll):
    """Shows one account; `show(row, timeline, relation)` replaces what it shows."""

    DEFAULT_CSS = """
    DetailPanel { padding: 0 1; }
    DetailPanel #detail-history { height: 3; margin-top: 1; }
    DetailPanel #detail-history-label { color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        yield Static(Text("Nothing selected"), id="detail-text")
        yield Static(Text("Followers over time"), id="detail-history-label")
        yield Sparkline([], id="detail-history")

    def show(self, row: AccountRow | None, timeline: Sequence[FollowEvent] = (), relation: str = "") -> None:
        body = self.query_one("#detail-text", Static)
        label = self.query_one("#detail-history-label", Static)
        spark = self.query_one("#detail-history", Sparkline)
        if row is None:
            body.update(Text("Nothing selected"))
            label.display = spark.display = False
            return
        body.update(describe(row, timeline, relation))
        history = [n for _, n in row.profile.followers_history]
        label.display = spark.display = len(history) >= 2
        spark.data = history
