"""The account screen (`enter` on a list): one account's whole story on the full terminal, scrollable at 80×24.

It holds no account logic of its own: the text comes from the detail panel's sections, and t, T, n, K, f, u, c
and C run the main screen's own actions, aimed at this one account (marks or not).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Sparkline, Static

from followtui.tui.rows import AccountRow
from followtui.tui.widgets.detail import story_sections
from followtui.tui.widgets.footer import KeyFooter

if TYPE_CHECKING:
    from followtui.tui.data import ScreenData
    from followtui.tui.screens.main import MainScreen

#: How often the screen looks whether the main screen loaded new data (after a follow, an unfollow or a sync).
DATA_CHECK_S = 1.0


class Story(VerticalScroll, can_focus=False):
    """The scrolled text; not focusable, so that the screen's own keys (with their ids) do the scrolling."""


class AccountScreen(Screen[None]):
    BINDINGS = [
        Binding("escape,q", "close", "Back", id="account.close"),
        Binding("j,down", "line(1)", "Scroll down", show=False, id="account.down"),
        Binding("k,up", "line(-1)", "Scroll up", show=False, id="account.up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="account.page_down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="account.page_up"),
        Binding("g,home", "top", "Top", show=False, id="account.top"),
        Binding("G,end", "bottom", "Bottom", show=False, id="account.bottom"),
        Binding("t", "delegate('tag')", "Tag", id="account.tag"),
        Binding("T", "delegate('untag')", "Untag", show=False, id="account.untag"),
        Binding("n", "delegate('note')", "Note", id="account.note"),
        Binding("K", "delegate('keep')", "Keep", id="account.keep"),
        Binding("f", "delegate('act_follow')", "Follow", show=False, id="account.follow"),
        Binding("u", "delegate('act_unfollow')", "Unfollow", show=False, id="account.unfollow"),
        Binding("c", "delegate('copy_url')", "Copy URL", show=False, id="account.copy_url"),
        Binding("C", "delegate('copy_handle')", "Copy handle", show=False, id="account.copy_handle"),
        *(
            Binding(str(i), f"preset({i})", f"Toggle preset tag {i}", show=False, id=f"account.preset_{i}")
            for i in range(1, 10)
        ),
    ]
    DEFAULT_CSS = """
    AccountScreen Story { padding: 0 1; overflow-x: hidden; scrollbar-size-vertical: 1; }
    AccountScreen #story-counts, AccountScreen #story-bio, AccountScreen #story-spark-label { margin-top: 1; }
    AccountScreen #story-spark { height: 3; }
    AccountScreen #story-spark-label { color: $text-muted; }
    """

    def __init__(self, main: MainScreen, row: AccountRow) -> None:
        super().__init__()
        self.main = main
        self.row = row
        self._data: ScreenData | None = main.screen_data

    def compose(self) -> ComposeResult:
        with Story():
            yield Static(Text(), id="story-top")
            yield Static(Text(), id="story-counts")
            yield Static(Text("Followers over time"), id="story-spark-label")
            yield Sparkline([], id="story-spark")
            yield Static(Text(), id="story-bio")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.show_story()
        self.set_interval(DATA_CHECK_S, self._check_data)

    def on_screen_resume(self) -> None:
        # A prompt's answer (tag, note) is applied by the main screen just as the prompt closes.
        self.call_after_refresh(self.refresh_row)

    # what it shows -----------------------------------------------------------------------------------------------

    def current_row(self) -> AccountRow:
        """This account's row as the main screen has it now (a new object after a tag, a note or a reload)."""
        main, row_id = self.main, self.row.id
        cursor = main.table.cursor_row
        if cursor is not None and cursor.id == row_id:
            return cursor
        data = main.screen_data
        if data is not None:
            found = data.find_row(main.pane, row_id)
            if found is not None:
                return found
        return self.row  # no longer in the pane (unfollowed, gone): still worth reading

    def refresh_row(self) -> None:
        row = self.current_row()
        if row is not self.row:
            self.row = row
            self.show_story()

    def _check_data(self) -> None:
        if self.main.screen_data is not self._data:
            self._data = self.main.screen_data
            self.row = self.current_row()
            self.show_story()

    def show_story(self) -> None:
        data, row = self.main.screen_data, self.row
        timeline = data.timelines.get(row.id, ()) if data is not None else ()
        relation = data.relation(row.id) if data is not None else ""
        top, counts, bio = story_sections(row, timeline, relation)
        for part in (top, counts, bio):
            part.rstrip()  # the widgets' margins space the sections
        bio = bio[len(bio.plain) - len(bio.plain.lstrip("\n")) :]
        self.query_one("#story-top", Static).update(top)
        self.query_one("#story-counts", Static).update(counts)
        self.query_one("#story-bio", Static).update(bio)
        self.query_one("#story-bio").display = bool(bio.plain)
        history = [n for _, n in row.profile.followers_history]
        self.query_one("#story-spark-label").display = self.query_one("#story-spark").display = len(history) >= 2
        self.query_one("#story-spark", Sparkline).data = history

    # keys ------------------------------------------------------------------------------------------------------

    @property
    def story(self) -> Story:
        return self.query_one(Story)

    def action_line(self, step: int) -> None:
        self.story.scroll_relative(y=step, animate=False)

    def action_page(self, step: int) -> None:
        self.story.scroll_relative(y=step * max(self.story.scrollable_content_region.height - 1, 1), animate=False)

    def action_top(self) -> None:
        self.story.scroll_home(animate=False)

    def action_bottom(self) -> None:
        self.story.scroll_end(animate=False)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_preset(self, number: int) -> None:
        with self.main.acting_on(self.current_row()):
            self.main.action_preset(number)
        self.refresh_row()

    def action_delegate(self, action: str) -> None:
        """Run the list's own action for this account alone; a keep shows at once, a prompt's answer on return."""
        with self.main.acting_on(self.current_row()):
            if action.startswith("act_"):
                self.main.action_act(action.removeprefix("act_"))
            else:
                getattr(self.main, f"action_{action}")()
        self.refresh_row()
