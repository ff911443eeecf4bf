"""Pure helpers of the account table: fitting columns to a width and text to a cell, in terminal cells.

Kept apart from the widget so that layout rules can be tested without an app, and so that nothing here ever
parses text as markup: cells are plain strings measured with Rich's cell-width functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from rich.cells import cell_len, set_cell_size

from followtui.tui.rows import AccountRow, Column

#: The mark glyph and its gap before the first column.
MARK = "● "
NO_MARK = "  "
MARK_WIDTH = 2
ELLIPSIS = "…"
SORT_UP = "▲"
SORT_DOWN = "▼"
#: Columns that give up width first when the table is narrow, and how far each may shrink.
SHRINK_ORDER: tuple[tuple[str, int], ...] = (("tags", 6), ("name", 10), ("handle", 12))
#: Columns that take the slack when the table is wide, first one present wins.
FLEX_KEYS = ("tags", "name")

_PLACEHOLDER = "\ufffd"
# Controls that would move the cursor or start an escape become a visible placeholder; line breaks and tabs a
# space; bidi embeddings, overrides and isolates vanish (they would reorder the rest of the line).
_SAFE_TABLE: dict[int, str | None] = {cp: _PLACEHOLDER for cp in (*range(0x20), *range(0x7F, 0xA0))}
_SAFE_TABLE.update({ord("\t"): " ", ord("\n"): " ", ord("\r"): " ", 0x2028: " ", 0x2029: " "})
_SAFE_TABLE.update({cp: None for cp in (0x200E, 0x200F, 0x061C, *range(0x202A, 0x202F), *range(0x2066, 0x206A))})


def safe_text(text: str) -> str:
    """Text that cannot break a one-line cell, whatever reached us (the common case is decided in C)."""
    if text.isascii() and text.isprintable():
        return text
    return text.translate(_SAFE_TABLE)


def fit(text: str, width: int, align: str = "left") -> str:
    """`text` cropped with an ellipsis or padded to exactly `width` terminal cells."""
    if width <= 0:
        return ""
    text = safe_text(text)
    size = len(text) if text.isascii() else cell_len(text)
    if size > width:
        # set_cell_size pads with a space when a wide character straddles the cut, keeping the width exact.
        text = set_cell_size(text, width - 1) + ELLIPSIS
        size = width
    pad = " " * (width - size)
    return pad + text if align == "right" else text + pad


def _total(widths: Iterable[int]) -> int:
    widths = list(widths)
    return sum(widths) + max(0, len(widths) - 1)


def layout(columns: Sequence[Column], width: int) -> tuple[tuple[Column, int], ...]:
    """Each shown column with its width, filling `width` cells (mark gutter and 1-cell separators included).

    Wide: the tags (else name) column takes the slack. Narrow: tags, then name, then handle shrink to a floor;
    when that is not enough the rightmost columns are dropped; the first column always stays.
    """
    available = max(1, width - MARK_WIDTH)
    shown = list(columns)
    floors = dict(SHRINK_ORDER)
    while len(shown) > 1 and _total(floors.get(c.key, c.width) for c in shown) > available:
        shown.pop()
    widths = [c.width for c in shown]
    keys = [c.key for c in shown]
    deficit = _total(widths) - available
    if deficit < 0:
        flex = next((keys.index(k) for k in FLEX_KEYS if k in keys), len(shown) - 1)
        widths[flex] -= deficit
    else:
        for key, floor in SHRINK_ORDER:
            if deficit <= 0:
                break
            if key in keys:
                i = keys.index(key)
                give = min(deficit, max(0, widths[i] - floor))
                widths[i] -= give
                deficit -= give
        if deficit > 0:  # a single column left, wider than the table
            widths[0] = max(1, widths[0] - deficit)
    return tuple(zip(shown, widths, strict=True))


def header_line(cells: Sequence[tuple[Column, int]], sort_key: str | None, reverse: bool) -> str:
    """The title line; the sorted column gets its arrow inside its cell when the title leaves room, else in the
    gap just before it, so that titles never lose letters to the arrow."""
    arrow = SORT_DOWN if reverse else SORT_UP
    gaps = [NO_MARK] + [" "] * (len(cells) - 1)
    titles = []
    for i, (column, width) in enumerate(cells):
        title = column.title
        if column.key == sort_key:
            if cell_len(title) < width:
                title = title + arrow if column.align == "left" else arrow + title
            else:
                gaps[i] = gaps[i][:-1] + arrow
        titles.append(fit(title, width, column.align))
    return "".join(g + t for g, t in zip(gaps, titles, strict=True))


def column_at(cells: Sequence[tuple[Column, int]], x: int) -> Column | None:
    """The column under content offset `x` (separators belong to the column on their left)."""
    edge = MARK_WIDTH
    for column, width in cells:
        edge += width + 1
        if x < edge:
            return column
    return None


def is_unknown(key: Any) -> bool:
    """Whether a sort key is rows.py's "unknown" marker `(True, 0)`, which sorts last in both directions."""
    return type(key) is tuple and len(key) == 2 and key[0] is True


def sort_rows(rows: Sequence[AccountRow], key: Callable[[AccountRow], Any], reverse: bool) -> list[AccountRow]:
    """Stable sort by `key` in either direction, rows with unknown values last in both."""
    keys = [key(r) for r in rows]
    order = sorted(range(len(rows)), key=keys.__getitem__, reverse=reverse)
    if reverse:
        known = [i for i in order if not is_unknown(keys[i])]
        if len(known) != len(order):
            order = known + [i for i in order if is_unknown(keys[i])]  # reverse=True keeps ties stable
    return [rows[i] for i in order]
