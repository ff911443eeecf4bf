"""The messages log (`m`): every notification and status message of this session in full, newest first.

The status line and the toasts cut or drop long messages (a sync's failure reason) at 80 columns; here they
wrap, so nothing said is lost."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from followtui.tui.widgets.footer import KeyFooter

#: Messages a session keeps (the oldest go first).
MAX_MESSAGES = 500
_SEVERITY_STYLE = {"error": "bold red", "warning": "yellow"}


@dataclass(frozen=True, slots=True)
class LoggedMessage:
    at: datetime
    severity: str
    text: str


def messages_table(messages: Sequence[LoggedMessage]) -> Table | Text:
    """The log as a table, newest first; the text column wraps so long messages are read whole."""
    if not messages:
        return Text("No messages yet in this session.", style="dim")
    table = Table(box=None, expand=True, show_header=False, padding=(0, 1, 0, 0))
    table.add_column("When", no_wrap=True, style="dim")
    table.add_column("Kind", no_wrap=True)
    table.add_column("Message", overflow="fold", ratio=1)
    for message in reversed(messages):
        style = _SEVERITY_STYLE.get(message.severity, "")
        table.add_row(message.at.strftime("%H:%M:%S"), Text(message.severity[:4], style=style), Text(message.text))
    return table


class MessagesScreen(Screen[None]):
    DEFAULT_CSS = """
    MessagesScreen #messages-title { padding: 0 1; text-style: bold; }
    MessagesScreen VerticalScroll { padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape,q,m", "close", "Back", id="messages.close"),
        Binding("j", "scroll(1)", "Down", show=False, id="messages.down"),
        Binding("k", "scroll(-1)", "Up", show=False, id="messages.up"),
    ]

    def __init__(self, messages: Sequence[LoggedMessage]) -> None:
        super().__init__()
        self.messages = list(messages)

    def compose(self) -> ComposeResult:
        yield Static(Text(f"Messages of this session ({len(self.messages)}), newest first"), id="messages-title")
        with VerticalScroll():
            yield Static(messages_table(self.messages), id="messages-list")
        yield KeyFooter()

    def action_scroll(self, step: int) -> None:
        self.query_one(VerticalScroll).scroll_relative(y=step, animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
