"""The help screen (`?`): every key with what it does, as currently mapped, plus tips."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from followtui.tui.widgets.footer import KeyFooter

TIPS = (
    "Enter opens the account: verdict, every reason, timeline; escape clears a filter kept with enter.\n"
    "In a list, / filters by handle, name and tag, and by terms: is:follow, is:review, is:skip (the verdict),\n"
    "is:following (you follow them now: in Tricksters, then a and u to unfollow them all), why:RULE (a rule).\n"
    "In Changes (l), the filter takes kinds (unfollowed_you gone…), a first day (2026-01-31) and names.\n"
    "Keys can be remapped in config.toml under [keys], by binding id (shown in the last column).\n"
    "Ctrl+P opens the command palette: every action, pane, account and theme is there too.\n"
    "Over slow SSH links: TEXTUAL_ANIMATIONS=none, and TEXTUAL_COLOR_SYSTEM=standard or NO_COLOR=1."
)


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90; max-width: 98%; height: 90%; border: round $primary;
                                  background: $surface; padding: 0 1; }
    """
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close", id="help.close")]

    def __init__(self, keys: Sequence[tuple[str, str, str]]) -> None:
        """`keys`: (key as shown, what it does, binding id)."""
        super().__init__()
        self.keys = keys

    def compose(self) -> ComposeResult:
        table = Table(box=None, expand=True, show_header=True, header_style="bold")
        table.add_column("Key", no_wrap=True)
        table.add_column("Action")
        table.add_column("Binding id", style="dim", no_wrap=True)
        for key, description, binding_id in self.keys:
            table.add_row(Text(key), Text(description), Text(binding_id))
        with VerticalScroll():
            yield Static(Text("followtui keys", style="bold"))
            yield Static(table)
            yield Static(Text("\n" + TIPS))
        yield KeyFooter()

    def action_close(self) -> None:
        self.dismiss(None)
