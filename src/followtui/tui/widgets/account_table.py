"""A virtual list of accounts that stays fast at 100k rows.

DataTable measures and lays out every row up front (seconds at 100k), so this is a ScrollView that draws only
the visible lines through `render_line`, with an LRU cache of rendered rows (the toolong pattern). Filtering
and sorting work on plain lists of prepared `AccountRow`s; nothing is ever parsed as markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from followtui.tui.rows import COLUMNS, AccountRow, Column, FilterMemo, RowWindow, row_filter
from followtui.tui.widgets.account_table_cells import MARK, NO_MARK, column_at, fit, header_line, layout, sort_rows

_UNKNOWN = "–"  # what rows.py shows for a value the platform did not give


class AccountTable(ScrollView, can_focus=True):
    """Accounts in columns, with a cursor, marks, filter-as-you-type and sorting by any column."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor_down", "Down", show=False, id="list.down"),
        Binding("up,k", "cursor_up", "Up", show=False, id="list.up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="list.page_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="list.page_up"),
        Binding("home,g", "first", "First", show=False, id="list.first"),
        Binding("end,G", "last", "Last", show=False, id="list.last"),
        Binding("space", "toggle_mark", "Mark", id="list.mark"),
        Binding("a", "mark_all", "Mark all", id="list.mark_all"),
        Binding("enter", "select", "Open", show=False, id="list.select"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "account-table--header",
        "account-table--cursor",
        "account-table--marked",
        "account-table--keep",
        "account-table--dim",
        "account-table--empty",
    }

    DEFAULT_CSS = """
    AccountTable {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        background: $surface;
        color: $foreground;

        & > .account-table--header { text-style: bold; color: $foreground; background: $panel; }
        & > .account-table--cursor {
            color: $block-cursor-blurred-foreground;
            background: $block-cursor-blurred-background;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .account-table--cursor {
            color: $block-cursor-foreground;
            background: $block-cursor-background;
            text-style: $block-cursor-text-style;
        }
        & > .account-table--marked { background: $accent 25%; text-style: bold; }
        & > .account-table--keep { color: $success; }
        & > .account-table--dim { color: $text-muted; }
        & > .account-table--empty { color: $text-muted; text-style: italic; }

        /* Without colour the cursor must still show: reverse video, bold when focused. */
        &:nocolor > .account-table--header { text-style: bold underline; }
        &:nocolor > .account-table--cursor { text-style: reverse; }
        &:nocolor:focus > .account-table--cursor { text-style: bold reverse; }
        &:nocolor > .account-table--marked { text-style: bold; }
    }
    """

    class Highlighted(Message):
        """The cursor moved to another row (or the row under it changed); `row` is None when the list is empty."""

        def __init__(self, table: AccountTable, row: AccountRow | None) -> None:
            super().__init__()
            self.table = table
            self.row = row

        @property
        def control(self) -> AccountTable:
            return self.table

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, AccountTable.Highlighted) and message.table is self.table

    class MarksChanged(Message):
        """The set of marked rows changed; `count` is how many are marked now."""

        def __init__(self, table: AccountTable, count: int) -> None:
            super().__init__()
            self.table = table
            self.count = count

        @property
        def control(self) -> AccountTable:
            return self.table

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, AccountTable.MarksChanged) and message.table is self.table

    class Selected(Message):
        """Enter (or a double click) on a row."""

        def __init__(self, table: AccountTable, row: AccountRow) -> None:
            super().__init__()
            self.table = table
            self.row = row

        @property
        def control(self) -> AccountTable:
            return self.table

    def __init__(
        self,
        columns: Sequence[Column] = COLUMNS,
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._columns: tuple[Column, ...] = tuple(columns)
        self._rows: Sequence[AccountRow] = []  # as given: a list, or a window that builds rows as drawn
        self._sorted: Sequence[AccountRow] = []  # all rows in sort order
        self._visible: Sequence[AccountRow] = []  # sorted rows that pass the filter
        self._waiting = False  # a sort or filter waits for every row (the list holds a window)
        self._filter_raw = ""
        self._needle = ""
        self._terms: tuple[str, ...] = ()  # the filter's is:/why: terms
        self._test: Callable[[AccountRow], bool] | None = None
        self._memo: FilterMemo = {}
        self._sort_key: str | None = None
        self._sort_reverse = False
        self._marks: set[str] = set()
        self._cursor = 0
        self._own_scroll = False
        self._last_highlighted: AccountRow | None = None
        self._highlight_posted = False
        self._ready = False  # mounted: messages may be posted
        self._cells_cache: tuple[int, tuple[tuple[Column, int], ...]] | None = None
        self._line_cache: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)

    # ----- public read API -------------------------------------------------------------------------------------

    @property
    def columns(self) -> tuple[Column, ...]:
        return self._columns

    @property
    def cursor_row(self) -> AccountRow | None:
        return self._visible[self._cursor] if self._visible else None

    @property
    def cursor_index(self) -> int:
        """Index of the cursor in `visible_rows` (0 when the list is empty)."""
        return self._cursor

    @property
    def visible_rows(self) -> Sequence[AccountRow]:
        """Rows after filter and sort, in display order (a copy)."""
        return tuple(self._visible)

    @property
    def marked_ids(self) -> frozenset[str]:
        return frozenset(self._marks)

    @property
    def marked_rows(self) -> Sequence[AccountRow]:
        """Every marked row in display order, including rows the current filter hides."""
        marks = self._marks
        if not marks:
            return ()
        rows = self._rows
        if isinstance(rows, RowWindow):
            places = (rows.index_of(m) for m in marks)
            return tuple(rows[i] for i in sorted(i for i in places if i is not None))
        return tuple(r for r in self._sorted if r.id in marks)

    @property
    def holds_window(self) -> bool:
        """The list holds a `RowWindow`: its rows are built as they are drawn."""
        return isinstance(self._rows, RowWindow)

    @property
    def waiting_for_rows(self) -> bool:
        """A sort or filter is asked for while the list holds only a window of its rows (see `set_rows`)."""
        return self._waiting

    @property
    def row_count(self) -> int:
        """Rows shown (after the filter)."""
        return len(self._visible)

    @property
    def total_count(self) -> int:
        return len(self._rows)

    @property
    def filter_text(self) -> str:
        return self._filter_raw

    @property
    def sort_column(self) -> str | None:
        return self._sort_key

    @property
    def sort_reverse(self) -> bool:
        return self._sort_reverse

    def set_rows(self, rows: Sequence[AccountRow], *, keep_cursor: bool = True) -> None:
        """Replace the data, keeping filter, sort, marks (of ids still present) and the cursor's row id.

        A `RowWindow` is shown as it is, its rows built as they are drawn; a sort or filter then waits until
        the rows are given whole (the list says so meanwhile)."""
        cursor_id = self._cursor_id() if keep_cursor else None
        self._rows = rows if isinstance(rows, RowWindow) else list(rows)
        if self._marks:
            ids = set(rows.ids) if isinstance(rows, RowWindow) else {r.id for r in self._rows}
            kept = self._marks & ids
            if kept != self._marks:
                self._marks = kept
                self._post_marks()
        self._resort()
        self._refilter(narrow=False)
        self._line_cache.clear()
        self._place_cursor(cursor_id)

    def set_columns(self, columns: Sequence[Column]) -> None:
        """Show other columns (the sort is dropped if its column is gone)."""
        self._columns = tuple(columns)
        self._cells_cache = None
        self._line_cache.clear()
        if self._sort_key is not None and all(c.key != self._sort_key for c in self._columns):
            self._sort_key = None
            self._resort()
            self._refilter(narrow=False)
            self._place_cursor(None)
        self.refresh()

    def set_filter(self, text: str) -> None:
        """Show only rows whose handle, name or tags contain `text` (case-insensitive, literal), and that pass its
        `is:` / `why:` terms (see rows.row_filter)."""
        self._filter_raw = text
        needle, test = row_filter(text, self._memo)
        terms = tuple(w for w in text.casefold().split(" ") if w.startswith(("is:", "why:")))
        if needle == self._needle and terms == self._terms:
            self.refresh()  # the empty-state line quotes the raw text
            return
        cursor = self.cursor_row
        narrow = terms == self._terms and bool(self._needle) and self._needle in needle
        self._needle = needle
        self._terms = terms
        self._test = test
        self._refilter(narrow=narrow)
        # The cursor's row stays under the cursor if it passes; one that does not is not looked for in 1M rows.
        stays = cursor is not None and needle in cursor.search_text and (test is None or test(cursor))
        self._place_cursor(cursor.id if stays and cursor is not None else None)

    def sort_by(self, column_key: str, reverse: bool | None = None) -> None:
        """Sort by a column; choosing the sorted column again flips the direction. Unknown values stay last."""
        column = next((c for c in self._columns if c.key == column_key), None)
        if column is None:
            raise KeyError(column_key)
        if reverse is None:
            reverse = not self._sort_reverse if self._sort_key == column_key else False
        cursor_id = self._cursor_id()
        self._sort_key = column_key
        self._sort_reverse = reverse
        self._resort()
        self._refilter(narrow=False)
        self._place_cursor(cursor_id)

    def clear_marks(self) -> None:
        if self._marks:
            self._marks.clear()
            self._changed_marks()

    def move_cursor_to(self, row_id: str) -> bool:
        """Put the cursor on the row with this id; False when it is not visible."""
        index = self._index_of(row_id)
        if index is None:
            return False
        self._move_cursor(index)
        return True

    def _resort(self) -> None:
        column = next((c for c in self._columns if c.key == self._sort_key), None)
        if column is None or isinstance(self._rows, RowWindow):  # a window is sorted when given whole
            self._sorted = self._rows if isinstance(self._rows, RowWindow) else list(self._rows)
        else:
            self._sorted = sort_rows(self._rows, column.sort_key, self._sort_reverse)

    def _refilter(self, *, narrow: bool) -> None:
        needle, test = self._needle, self._test
        source = self._visible if narrow else self._sorted
        self._waiting = isinstance(self._rows, RowWindow) and bool(needle or test or self._sort_key)
        if self._waiting:
            self._visible = []
        elif test is not None:
            self._visible = [r for r in source if needle in r.search_text and test(r)]
        elif not needle:
            self._visible = self._sorted
        else:
            self._visible = [r for r in source if needle in r.search_text]
        self.virtual_size = Size(0, len(self._visible) + 1)
        self.refresh()

    def _cursor_id(self) -> str | None:
        return self._visible[self._cursor].id if self._visible else None

    def _index_of(self, row_id: str | None) -> int | None:
        if row_id is None:
            return None
        if isinstance(self._visible, RowWindow):
            return self._visible.index_of(row_id)
        for i, row in enumerate(self._visible):
            if row.id == row_id:
                return i
        return None

    def _place_cursor(self, row_id: str | None) -> None:
        index = self._index_of(row_id)
        if index is None:
            self._cursor = 0
            self._scroll_view_to(0)
        else:
            self._cursor = index
            self._scroll_to_cursor()
        self._post_highlight()

    @property
    def _body_height(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _move_cursor(self, index: int) -> None:
        if not self._visible:
            return
        index = max(0, min(index, len(self._visible) - 1))
        if index != self._cursor:
            old = self._cursor
            self._cursor = index
            self.refresh_line(old + 1)
            self.refresh_line(index + 1)
        self._scroll_to_cursor()
        self._post_highlight()

    def _scroll_to_cursor(self) -> None:
        top = round(self.scroll_y)
        body = self._body_height
        if self._cursor < top:
            self._scroll_view_to(self._cursor)
        elif self._cursor >= top + body:
            self._scroll_view_to(self._cursor - body + 1)

    def _scroll_view_to(self, y: int) -> None:
        self._own_scroll = True
        try:
            self.scroll_to(y=y, animate=False, force=True)
        finally:
            self._own_scroll = False

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        # The wheel and the scrollbar move the view; keep the cursor inside it.
        if not self._own_scroll and self._visible and self.scrollable_content_region.height > 1:
            top = round(new_value)
            inside = max(top, min(self._cursor, top + self._body_height - 1))
            if inside != self._cursor:
                self._move_cursor(inside)

    def _post_highlight(self) -> None:
        row = self.cursor_row
        if self._ready and (not self._highlight_posted or row != self._last_highlighted):
            self._last_highlighted = row
            self._highlight_posted = True
            self.post_message(self.Highlighted(self, row))

    def _post_marks(self) -> None:
        if self._ready:
            self.post_message(self.MarksChanged(self, len(self._marks)))

    def _changed_marks(self) -> None:
        self._line_cache.clear()
        self.refresh()
        self._post_marks()

    def on_mount(self) -> None:
        super().on_mount()
        self._ready = True
        self._post_highlight()

    def action_cursor_down(self) -> None:
        self._move_cursor(self._cursor + 1)

    def action_cursor_up(self) -> None:
        self._move_cursor(self._cursor - 1)

    def action_page_down(self) -> None:
        page = self._body_height
        target = self._cursor + page
        self._scroll_view_to(round(self.scroll_y) + page)
        self._move_cursor(target)

    def action_page_up(self) -> None:
        page = self._body_height
        target = self._cursor - page
        self._scroll_view_to(max(0, round(self.scroll_y) - page))
        self._move_cursor(target)

    def action_first(self) -> None:
        self._move_cursor(0)

    def action_last(self) -> None:
        self._move_cursor(len(self._visible) - 1)

    def action_toggle_mark(self) -> None:
        row = self.cursor_row
        if row is None:
            return
        self._marks.symmetric_difference_update((row.id,))
        self.refresh_line(self._cursor + 1)
        self._post_marks()
        self._move_cursor(self._cursor + 1)

    def action_mark_all(self) -> None:
        """Mark every visible row, or unmark them all when they already are."""
        if not self._visible:
            return
        visible = self._visible
        ids = set(visible.ids) if isinstance(visible, RowWindow) else {r.id for r in visible}
        if ids <= self._marks:
            self._marks -= ids
        else:
            self._marks |= ids
        self._changed_marks()

    def action_select(self) -> None:
        row = self.cursor_row
        if row is not None:
            self.post_message(self.Selected(self, row))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            column = column_at(self._cells(self.scrollable_content_region.width), offset.x)
            if column is not None:
                self.sort_by(column.key)
            return
        index = round(self.scroll_y) + offset.y - 1
        if 0 <= index < len(self._visible):
            self._move_cursor(index)
            if event.chain == 2:
                self.action_select()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._line_cache.clear()

    def on_resize(self, event: events.Resize) -> None:
        self._line_cache.clear()
        self._scroll_to_cursor()

    def _cells(self, width: int) -> tuple[tuple[Column, int], ...]:
        if self._cells_cache is None or self._cells_cache[0] != width:
            self._cells_cache = (width, layout(self._columns, width))
        return self._cells_cache[1]

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            return self._render_header(width)
        index = round(self.scroll_y) + y - 1
        if 0 <= index < len(self._visible):
            row = self._visible[index]
            cursor = index == self._cursor
            marked = row.id in self._marks
            key = (row.id, width, cursor, marked, self.has_focus)
            strip = self._line_cache.get(key)
            if strip is None:
                strip = self._render_row(row, width, cursor=cursor, marked=marked)
                self._line_cache[key] = strip
            return strip
        if y == 1 and not self._visible:
            return self._render_empty(width)
        return Strip.blank(width, self.rich_style)

    def _render_header(self, width: int) -> Strip:
        style = self.get_component_rich_style("account-table--header")
        text = header_line(self._cells(width), self._sort_key, self._sort_reverse)
        return Strip([Segment(text, style)]).adjust_cell_length(width, style)

    def _render_empty(self, width: int) -> Strip:
        style = self.get_component_rich_style("account-table--empty")
        filtered = self._filter_raw and self._rows
        if self._waiting:
            message = f"Reading all {len(self._rows):,} rows to {'filter' if self._filter_raw else 'sort'}…"
        else:
            message = f"No matches for “{self._filter_raw}”" if filtered else "No accounts here"
        return Strip([Segment(fit(NO_MARK + message, width), style)], width)

    def _foreground(self, component: str) -> Style:
        """A component's text colour (blended like the full style, so `$text-muted` keeps its alpha) and text
        style, without a background: it can sit on a marked or plain row alike."""
        full = self.get_component_rich_style(component)
        return self.get_component_rich_style(component, partial=True).without_color + Style(color=full.color)

    def _render_row(self, row: AccountRow, width: int, *, cursor: bool, marked: bool) -> Strip:
        """One row as a strip of plain-text segments (never markup)."""
        style: Style = self.rich_style
        if row.keep:
            style += self._foreground("account-table--keep")
        if marked:
            style += self.get_component_rich_style("account-table--marked")
        dim = None if cursor else style + self._foreground("account-table--dim")
        if cursor:
            style += self.get_component_rich_style("account-table--cursor")
        segments = [Segment(MARK if marked else NO_MARK, style)]
        cells = self._cells(width)
        last = len(cells) - 1
        for i, (column, cell_width) in enumerate(cells):
            value = column.text(row)
            text = fit(value, cell_width, column.align)
            if i != last:
                text += " "
            segments.append(Segment(text, dim if dim is not None and value == _UNKNOWN else style))
        return Strip(segments).adjust_cell_length(width, style)
