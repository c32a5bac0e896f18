"""Tables of texts (CSV files) for batch analysis: read within size and time bounds."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from desktop_slm.documents.limits import DocumentError


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[dict[str, str], ...]
    name: str = ""
    """The file's name, for messages."""


def read_table(path: str | Path) -> Table:
    """A CSV file (comma, semicolon or tab separated; UTF-8, UTF-8 with BOM or
    Windows-1252) with a header row. Raises ``DocumentError`` with a sentence for a
    file that is too large, not a table, or has no rows."""
    # (temporary, core replaces)
    path = Path(path)
    return parse_table(path.read_bytes().decode("utf-8-sig"), path.name)


def parse_table(text: str, name: str = "") -> Table:
    """The same from text already read (pasted, or standard input)."""
    # (temporary, core replaces)
    first = text.split("\n", 1)[0]
    separator = max(",;\t", key=first.count)
    records = [r for r in csv.reader(io.StringIO(text), delimiter=separator) if r]
    if len(records) < 2:
        raise DocumentError(f"{name or 'The table'} has no rows.", code="empty")
    columns = tuple(records[0])
    rows = tuple(
        dict(zip(columns, [*r, *[""] * (len(columns) - len(r))], strict=False)) for r in records[1:]
    )
    return Table(columns, rows, name)


def guess_text_column(table: Table) -> str:
    """The column that most looks like free text (the longest values on average)."""
    # (temporary, core replaces)
    return max(table.columns, key=lambda c: sum(len(r.get(c, "")) for r in table.rows))
