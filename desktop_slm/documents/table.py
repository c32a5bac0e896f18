"""Tables of texts (CSV files) for batch analysis: read within size and time bounds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


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
    raise NotImplementedError


def parse_table(text: str, name: str = "") -> Table:
    """The same from text already read (pasted, or standard input)."""
    raise NotImplementedError


def guess_text_column(table: Table) -> str:
    """The column that most looks like free text (the longest values on average)."""
    raise NotImplementedError
