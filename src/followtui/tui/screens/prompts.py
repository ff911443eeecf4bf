"""Small modal dialogs: a one-line prompt (tags, note, export path) and a yes/no confirmation."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label

from followtui.tui.widgets.footer import KeyFooter


class Prompt(ModalScreen[str | None]):
    """Ask for one line of text; dismisses with the text, or None when cancelled."""

    DEFAULT_CSS = """
    Prompt { align: center middle; }
    Prompt > Vertical { width: 64; max-width: 95%; height: auto; border: round $primary; padding: 0 1;
                        background: $surface; }
    Prompt Label { width: 100%; }
    Prompt .hint { color: $text-muted; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(self, title: str, value: str = "", *, hint: str = "", suggestions: Sequence[str] = ()) -> None:
        super().__init__()
        self.title_text, self.value, self.hint = title, value, hint
        self.suggestions = list(suggestions)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text))
            suggester = SuggestFromList(self.suggestions, case_sensitive=False) if self.suggestions else None
            yield Input(self.value, suggester=suggester, id="prompt-input")
            if self.hint:
                yield Label(Text(self.hint), classes="hint")
        yield KeyFooter()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Confirm(ModalScreen[bool]):
    DEFAULT_CSS = """
    Confirm { align: center middle; }
    Confirm > Vertical { width: 60; max-width: 95%; height: auto; border: round $warning; padding: 0 1;
                         background: $surface; }
    Confirm Horizontal { height: auto; align-horizontal: right; }
    """
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.question))
            with Horizontal():
                yield Button("Yes (y)", id="yes", variant="warning")
                yield Button("No (n)", id="no")
        yield KeyFooter()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)
