"""The corpus through `followtui show` and `followtui history` as table, JSON and CSV: on a store committed with
every hostile profile, and on stores synced from the simulator with every account hostile, on each platform.

JSON parses and holds only clean text; CSV parses back with the csv module, row for row, and every text cell a
spreadsheet would run as a formula is neutralised; the table has one line per row, no control or escape
character, and every column starts at the same terminal cell on every line (wide, emoji and RTL text included).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len, split_graphemes

from followtui.core.analysis import PANES
from tests.integration.harness import cli_in_process

from .checks import FORBIDDEN, assert_terminal_safe
from .stores import build_hostile_store, synced_hostile_store

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "|")
#: Columns that hold numbers followtui computed (a negative score is a number, not a formula).
NUMERIC = {"followers_count", "following_count", "posts_count", "ratio", "score", "times",
           "stayed_after_follow_back_s", "gained", "lost", "gone", "added", "removed", "followers", "following",
           "tricksters", "posts"}  # fmt: skip


@pytest.fixture(scope="module", params=["committed", "github", "bluesky", "mastodon"])
def data_dir(request, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp(request.param) / "data"
    if request.param == "committed":
        build_hostile_store(target)
    else:
        synced_hostile_store(target, request.param)
    return target


def run(data_dir: Path, *args: str) -> str:
    result = cli_in_process(data_dir, *args)
    assert result.exit_code == 0, (args, result.stderr, result.exception)
    assert_terminal_safe(result.stdout, " ".join(args))
    assert_terminal_safe(result.stderr, " ".join(args))
    return result.stdout


def json_rows(data_dir: Path, pane: str) -> list[dict[str, Any]]:
    doc = json.loads(run(data_dir, "show", pane, "--format", "json"))
    assert doc["count"] == len(doc["rows"])
    return doc["rows"]


def test_the_store_is_full_of_hostile_text(data_dir: Path) -> None:
    rows = json_rows(data_dir, "followers")
    texts = [row[k] for row in rows for k in ("display_name", "bio", "handle") if row[k]]
    assert len(rows) >= 40
    assert any("[/" in t or "[@click" in t or "[link=" in t for t in texts)  # markup kept, as plain text
    assert any(t.startswith(("=", "@", "+", "-")) for t in texts)
    assert any(cell_len(t) > len(t) for t in texts)  # wide characters


@pytest.mark.parametrize("pane", PANES)
def test_json_is_valid_and_holds_only_clean_text(data_dir: Path, pane: str) -> None:
    def walk(value: Any) -> None:
        if isinstance(value, str):
            assert not FORBIDDEN.search(value), value[:80]
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        else:
            assert value is None or isinstance(value, (int, float, bool)), value

    rows = json_rows(data_dir, pane)
    walk(rows)
    for row in rows:
        for key in ("followers_count", "following_count", "posts_count"):
            assert row[key] is None or (type(row[key]) is int and row[key] >= 0), (key, row[key])


def csv_rows(text: str) -> tuple[list[str], list[list[str]]]:
    header, *rows = list(csv.reader(io.StringIO(text, newline="")))
    assert all(len(row) == len(header) for row in rows)
    return header, rows


@pytest.mark.parametrize("pane", PANES)
def test_csv_parses_back_row_for_row_with_formulas_neutralised(data_dir: Path, pane: str) -> None:
    header, rows = csv_rows(run(data_dir, "show", pane, "--format", "csv"))
    expected = json_rows(data_dir, pane)
    assert len(rows) == len(expected)
    assert [dict(zip(header, row, strict=True))["id"] for row in rows] == [row["id"] for row in expected]
    for row in rows:
        for column, cell in zip(header, row, strict=True):
            if not cell.startswith(FORMULA_START):
                continue
            # A number followtui computed may be negative; any other risky cell starts with a quote. Text that
            # looks like a number ("-1", "+1" as a display name) is left as it is by csv_safe: see below.
            assert column in NUMERIC or is_number(cell), (column, cell)
    for line in run(data_dir, "show", pane, "--format", "csv").split("\n")[1:]:
        assert "\r" not in line


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_csv_text_cells_that_look_like_numbers_are_neutralised_too(tmp_path: Path) -> None:
    from .corpus import TEXTS

    data_dir = tmp_path / "data"
    build_hostile_store(data_dir, {k: TEXTS[k] for k in ("formula.plus_number", "formula.minus_number", "empty")})
    header, rows = csv_rows(run(data_dir, "show", "followers", "--format", "csv"))
    names = [dict(zip(header, row, strict=True))["display_name"] for row in rows]
    assert names and all(not name.startswith(FORMULA_START) for name in names), names


def table_columns(text: str, columns: list[str]) -> tuple[list[int], list[list[str]]]:
    """Cut every line of a `to_table` output at the header's column starts (in terminal cells), refusing a line
    where a start falls inside a wide character or where the two-cell gap before a column is not blank."""
    header, *lines = text.split("\n")[:-1]
    starts: list[int] = []
    after = 0
    for name in columns:  # the header is ASCII: an index is a cell
        starts.append(header.index(name.upper(), after))
        after = starts[-1] + len(name)
    assert starts[0] == 0
    cut: list[list[str]] = []
    for line in lines:
        spans, total = split_graphemes(line)
        at: dict[int, int] = {}
        pos = 0
        for start, _end, width in spans:
            at.setdefault(pos, start)
            pos += width
        at.setdefault(pos, len(line))
        cells = []
        for k, start in enumerate(starts):
            if start >= total:
                cells.append("")
                continue
            assert start in at, (line, start)  # a column starts exactly between two characters
            end = starts[k + 1] if k + 1 < len(starts) else total
            end_index = at[end] if end < total else len(line)
            assert end >= total or end in at, (line, end)
            cell = line[at[start] : end_index]
            if k + 1 < len(starts) and end < total:
                # the gap before the next column is blank (zero-width characters that open the next cell are
                # measured with the gap's last space: they take no cell)
                assert visible(cell).endswith("  "), (line, columns[k], cell)
            cells.append(visible(cell).rstrip())
        cut.append(cells)
    return starts, cut


def visible(text: str) -> str:
    """`text` without the zero-width characters at its end."""
    while text and cell_len(text[-1]) == 0:
        text = text[:-1]
    return text


def printing(text: str) -> str:
    """`text` without its zero-width characters."""
    return "".join(ch for ch in text if cell_len(ch))


def shown(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


@pytest.mark.parametrize("pane", PANES)
def test_table_has_one_line_per_row_and_every_column_in_place(data_dir: Path, pane: str) -> None:
    from followtui.cli.show import NOT_LOOKED_UP, NOT_READ, PROFILE_COLUMNS, TRICKSTER_COLUMNS

    columns = TRICKSTER_COLUMNS if pane == "tricksters" else PROFILE_COLUMNS
    text = run(data_dir, "show", pane)
    rows = json_rows(data_dir, pane)
    assert len(text.splitlines()) == len(rows) + 1  # nothing in a cell breaks a line, for any line splitter
    _, cut = table_columns(text, columns)
    assert len(cut) == len(rows)
    for cells, row in zip(cut, rows, strict=True):
        for column, cell in zip(columns, cells, strict=True):
            value = row[column]
            if column in ("handle", "display_name"):
                assert cell_len(cell) <= 40, cell
                # zero-width characters are compared apart: the ones opening a cell go with the gap before it
                assert printing(shown(value)).startswith(printing(cell.removesuffix("…")).rstrip()), (column, cell)
            elif column == "tags":
                assert printing(cell) == printing(", ".join(value)), (cell, value)
            elif value is None and column in ("interactions", "followers_count", "following_count"):
                assert cell in (NOT_READ, NOT_LOOKED_UP, "-"), (column, cell)  # not looked up yet says why
            else:
                assert cell == shown(value), (column, cell, value)


def test_history_in_every_format(data_dir: Path) -> None:
    days = json.loads(run(data_dir, "history", "--format", "json"))["days"]
    assert days
    _, rows = csv_rows(run(data_dir, "history", "--format", "csv"))
    assert len(rows) == len(days)
    text = run(data_dir, "history")
    assert len(text.splitlines()) == len(days) + 1
