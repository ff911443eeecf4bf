"""The key footer: Textual's Footer shows keys in binding order and cuts the rest at the right edge, which at 80
columns hid `?` and `q`. This one shows help and quit (or back) first, then the other keys by priority, and drops
whole keys that do not fit instead of cutting one in half."""

from __future__ import annotations

from collections.abc import Iterator

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

#: Binding ids shown first, in this order, when present; other shown keys follow in binding order.
PRIORITY = (
    "app.help",
    "app.quit",
    "main.refresh",
    "main.filter",
    "main.history",
    "main.toggle_detail",
    "main.tag",
    "list.mark",
    "main.next_pane",
    "main.sort",
    "main.note",
    "main.keep",
    "app.messages",
)
#: Cells a key takes beyond its key and description text (Footer's paddings).
KEY_CHROME = 3
#: Cells the command palette key takes at the right edge (border, paddings, `^p palette`).
PALETTE_CELLS = 14


def rank(binding: Binding, position: int) -> tuple[int, int]:
    """Help, then quit or the screen's way back, then PRIORITY, then the rest in binding order."""
    ident = binding.id or ""
    if ident in PRIORITY[:2]:
        return (0, PRIORITY.index(ident))
    if binding.action in ("close", "cancel", "quit") or ident.endswith((".close", ".cancel")):
        return (1, position)
    if ident in PRIORITY:
        return (2, PRIORITY.index(ident))
    return (3, position)


class KeyFooter(Footer):
    """A footer that always keeps `?` help and `q` quit (or escape back) visible, then as many keys as fit."""

    def _keys(self) -> Iterator[tuple[str, Binding, bool, str]]:
        """(keys as shown, binding, enabled, tooltip) per shown action; an action's keys are joined (`esc/q`)."""
        by_action: dict[str, list[tuple[Binding, bool, str]]] = {}
        for _, binding, enabled, tooltip in self.screen.active_bindings.values():
            if binding.show:
                by_action.setdefault(binding.action, []).append((binding, enabled, tooltip))
        ordered = sorted(enumerate(by_action.values()), key=lambda item: rank(item[1][0][0], item[0]))
        for _, group in ordered:
            binding, enabled, tooltip = group[0]
            shown = "/".join(dict.fromkeys(self.app.get_key_display(b) for b, _, _ in group))
            yield shown, binding, enabled, tooltip

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        palette = self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE
        room = (self.size.width or self.app.size.width) - (PALETTE_CELLS if palette else 0)
        for shown, binding, enabled, tooltip in self._keys():
            needed = cell_len(shown) + cell_len(binding.description) + KEY_CHROME
            if needed > room:
                continue  # a smaller key further down may still fit
            room -= needed
            yield FooterKey(binding.key, shown, binding.description, binding.action, disabled=not enabled,
                            tooltip=tooltip).data_bind(compact=Footer.compact)  # fmt: skip
        if palette:
            try:
                _, binding, enabled, tooltip = self.screen.active_bindings[self.app.COMMAND_PALETTE_BINDING]
            except KeyError:
                return
            yield FooterKey(binding.key, self.app.get_key_display(binding), binding.description, binding.action,
                            classes="-command-palette", disabled=not enabled,
                            tooltip=binding.tooltip or binding.description)  # fmt: skip

    def on_resize(self) -> None:
        """Another width fits other keys."""
        self.call_after_refresh(self.recompose)
