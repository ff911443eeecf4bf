"""Writing results: data to stdout (table, JSON or CSV), everything else to stderr.

Nothing here parses markup: text from the network is printed as plain, already-cleaned strings.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson

from followtui.core.export import csv_safe, to_csv, to_json

FORMATS = ("table", "json", "csv")
__all__ = ["FORMATS", "csv_safe", "emit", "message", "stream", "to_csv", "to_table", "write_json", "write_json_lines"]


def message(text: str) -> None:
    """A line for the human: stderr, so stdout stays pure data."""
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def write_json(document: Any) -> None:
    """One document on one line (the CLI contract): appended to a log, runs stay JSON Lines."""
    sys.stdout.write(to_json(document, compact=True))
    sys.stdout.flush()


def write_json_lines(rows: Sequence[Any]) -> None:
    """One JSON document per row, one per line."""
    sys.stdout.writelines(to_json(row, compact=True) for row in rows)
    sys.stdout.flush()


def to_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], max_width: int = 40) -> str:
    """Aligned plain-text columns, measured in terminal cells so CJK and emoji keep the columns straight."""
    from rich.cells import cell_len, set_cell_size

    def cell(value: Any) -> str:
        if value is None:
            return "-"
        if isinstance(value, bool):
            return "yes" if value else ""
        if isinstance(value, float):
            return f"{value:.2f}"
        if isinstance(value, int):
            return f"{value:,}"
        if isinstance(value, (list, tuple)):
            return ", ".join(str(v) for v in value)
        text = str(value)
        return set_cell_size(text, max_width - 1) + "…" if cell_len(text) > max_width else text

    grid = [[cell(row.get(c)) for c in columns] for row in rows]
    widths = [max([cell_len(c), *(cell_len(r[i]) for r in grid)]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    for r in grid:
        lines.append("  ".join(v + " " * (w - cell_len(v)) for v, w in zip(r, widths, strict=True)).rstrip())
    return "\n".join(lines) + "\n"


def stream(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], fmt: str, head: Mapping[str, Any]) -> None:
    """JSON or CSV written as the rows are made, so a million rows never sit in memory at once. The JSON is
    byte for byte what `write_json({**head, "rows": [...]})` writes."""
    out = sys.stdout
    if fmt == "json":
        opening = orjson.dumps({**head, "rows": []}, option=orjson.OPT_NON_STR_KEYS).decode()
        out.write(opening[: -len("[]}")] + "[")
        for n, row in enumerate(rows):
            out.write(("," if n else "") + orjson.dumps(row, option=orjson.OPT_NON_STR_KEYS).decode())
        out.write("]}\n")
    else:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([csv_safe(row.get(c)) for c in columns])
    out.flush()


def emit(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], fmt: str, document: Any) -> None:
    """Print rows in the chosen format; `document` is the full JSON document for --format json."""
    if fmt == "json":
        write_json(document)
    elif fmt == "csv":
        sys.stdout.write(to_csv(rows, columns))
    else:
        sys.stdout.write(to_table(rows, columns))
    sys.stdout.flush()
