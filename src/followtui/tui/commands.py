"""The command palette (ctrl+p): every action with its key, every pane, account and sort column; in the Changes
view, its kinds."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Provider
from textual.content import Content
from textual.fuzzy import Matcher

from followtui.core.analysis import PANE_TITLES

if TYPE_CHECKING:
    from followtui.tui.screens.account import AccountScreen
    from followtui.tui.screens.changes import ChangesScreen


class FollowCommands(Provider):
    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        from followtui.tui.screens.account import AccountScreen
        from followtui.tui.screens.changes import ChangesScreen
        from followtui.tui.screens.main import MainScreen

        screen = self.screen  # the screen the palette was opened on (app.screen is the palette itself)
        if isinstance(screen, ChangesScreen):
            return _change_commands(screen)
        if isinstance(screen, AccountScreen):
            return _account_commands(screen)
        if not isinstance(screen, MainScreen):
            return []
        commands: list[tuple[str, Callable[[], object], str]] = [
            ("Open the highlighted account (verdict, reasons, timeline)", screen.action_open_account, "key: enter"),
        ]
        for binding in MainScreen.BINDINGS:
            if isinstance(binding, Binding) and binding.description and not binding.action.startswith("preset"):
                help_text = f"key: {binding.key}"
                commands.append((binding.description, partial(screen.run_action, binding.action), help_text))
        app = screen.follow_app
        commands.append(("Messages: this session's messages in full", app.action_messages, "key: m"))
        for pane, title in PANE_TITLES.items():
            commands.append((f"Show {title}", partial(screen.show_pane, pane), "switch pane"))
        for i, account in enumerate(screen.follow_app.store.accounts()):
            commands.append((f"Switch to {account.label}", partial(screen.switch_account, i), "switch account"))
        for column in screen.columns():
            commands.append((f"Sort by {column.title}", partial(screen.table.sort_by, column.key), "sort"))
        for i, tag in enumerate(screen.follow_app.settings.preset_tags, start=1):
            commands.append((f"Toggle tag {tag}", partial(screen.action_preset, i), f"key: {i}"))
        return commands

    async def discover(self) -> AsyncIterator[DiscoveryHit]:
        for name, callback, help_text in self._commands():
            yield DiscoveryHit(Content(name), callback, text=name, help=help_text)

    async def search(self, query: str) -> AsyncIterator[Hit]:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, _highlight(matcher, name), callback, text=name, help=help_text)


def _account_commands(screen: AccountScreen) -> list[tuple[str, Callable[[], object], str]]:
    """The account screen's keys as commands: back, scroll, tag, note, keep, follow, unfollow, copy."""
    return [
        (b.description, partial(screen.run_action, b.action), f"key: {b.key}")
        for b in screen.BINDINGS
        if isinstance(b, Binding) and b.description and not b.action.startswith("preset")
    ]


def _change_commands(screen: ChangesScreen) -> list[tuple[str, Callable[[], object], str]]:
    from followtui.tui.change_rows import KIND_ORDER, KIND_WORDS, ChangeQuery

    commands: list[tuple[str, Callable[[], object], str]] = [
        ("Changes of every kind", screen.action_all_kinds, "key: 0"),
        ("Filter changes (kinds, a first day, a name)", screen.action_filter, "key: /"),
    ]
    for i, kind in enumerate(KIND_ORDER, start=1):
        only = ChangeQuery(kinds=(kind,), since=screen.filter.since, words=screen.filter.words)
        commands.append((f"Only “{KIND_WORDS[kind]}”", partial(screen.set_query, only), f"or toggle it: key {i}"))
    return commands


def _highlight(matcher: Matcher, name: str) -> Content:
    """The name with the matched letters styled, as plain text: account labels and tag names are the user's
    or the network's words, never markup (Matcher.highlight would parse them as markup)."""
    content = Content(name)
    _, offsets = matcher.fuzzy_search.match(matcher.query, name)
    for offset in offsets:
        if not name[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content
