"""Shown when no account is tracked yet: add one, or try the demo."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Button, Static

from followtui.sanitize import clean_text
from followtui.tui.screens.prompts import Prompt
from followtui.tui.widgets.footer import KeyFooter

if TYPE_CHECKING:
    from followtui.tui.app import FollowApp

WELCOME = (
    "Welcome to followtui.\n\n"
    "It shows who follows you, who you follow, who left, and helps you decide whom to follow back.\n"
    "No account is tracked yet."
)


class FirstRunScreen(Screen[None]):
    DEFAULT_CSS = """
    FirstRunScreen { align: center middle; }
    FirstRunScreen > Vertical { width: 70; max-width: 95%; height: auto; border: round $primary; padding: 1 2; }
    FirstRunScreen Button { width: 100%; margin-top: 1; }
    """
    BINDINGS = [
        Binding("a", "add", "Add account", id="first.add"),
        Binding("d", "demo", "Open the demo", id="first.demo"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(WELCOME))
            yield Button("Add an account (a)", id="add", variant="primary")
            yield Button("Open the demo on a simulated network (d)", id="demo")
        yield KeyFooter()

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        await self.run_action("add" if event.button.id == "add" else "demo")

    def action_demo(self) -> None:
        self.app.exit(result="demo")

    def action_add(self) -> None:
        self.app.push_screen(
            Prompt(
                "Add an account: PLATFORM HANDLE [SERVER]",
                "github ",
                hint="e.g. github octocat — or github me https://ghe.example/api/v3",
            ),
            self.add_from_text,
        )

    def add_from_text(self, text: str | None) -> None:
        parts = (text or "").split()
        if len(parts) not in (2, 3):
            if text:
                self.notify("write PLATFORM HANDLE [SERVER]", severity="warning")
            return
        self.add_account(*parts)

    @work(exclusive=True, exit_on_error=False)
    async def add_account(self, platform: str, handle: str, server: str = "") -> None:
        from followtui.core.connect import add_account

        app: FollowApp = self.app  # type: ignore[assignment]
        try:
            account = await add_account(app.store, platform, handle, server=server)
        except Exception as exc:
            self.notify(clean_text(str(exc), 500), severity="error", markup=False)
            return
        app.open_main(f"tracking {account.label}; press r to take the first snapshot")
