"""Tables of texts (CSV files) for batch analysis: read within size and time bounds.

A table has a header row (its column names) and at least one row. The separator is
found from the file itself (comma, semicolon or tab); fields may be quoted and hold
line breaks. Bounds, each refused with a sentence: the file size of every document
(``MAX_FILE_BYTES``), ``MAX_ROWS`` rows and ``MAX_FIELD_CHARS`` characters per field.
A row shorter than the header is filled with empty values; a row longer than it keeps
the extra fields in its last column (an unquoted separator inside the last text).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from desktop_slm.documents.limits import MAX_FILE_BYTES, DocumentError, too_large_file
from desktop_slm.documents.reader import decode_text

MAX_ROWS = 100_000
"""Rows of one table (a day of analysis at several rows a second)."""
MAX_FIELD_CHARS = 131_072
"""Characters of one field (the csv module's own default limit)."""
SEPARATORS = (",", ";", "\t")
_SNIFF_RECORDS = 50


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
    path = Path(path).expanduser()
    name = path.name
    if path.is_dir():
        raise DocumentError(f"{path} is a folder, not a file.", code="unreadable")
    try:
        with path.open("rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise DocumentError(f"The file {path} does not exist.", code="missing") from None
    except OSError as exc:
        raise DocumentError(f"Cannot read {path}: {exc.strerror}.", code="unreadable") from None
    if len(data) > MAX_FILE_BYTES:
        raise too_large_file(name, len(data), MAX_FILE_BYTES)
    return parse_table(_decode(name, data), name)


def _decode(name: str, data: bytes) -> str:
    try:
        return decode_text(name, data)
    except DocumentError as exc:
        if exc.code == "binary":
            raise DocumentError(
                f"{name} looks like a binary file (a program, image, archive or a "
                "spreadsheet), not a CSV table. Save the table as CSV and open that.",
                code="binary",
            ) from None
        if exc.code != "undecodable":
            raise
    try:
        # Spreadsheets on Windows save CSV in their own code page; five bytes are unused.
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise DocumentError(
            f"{name} is not UTF-8 or Windows-1252 text, so its characters cannot be read "
            "reliably. Save it again as CSV UTF-8 and open it again.",
            code="undecodable",
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_table(text: str, name: str = "") -> Table:
    """The same from text already read (pasted, or standard input)."""
    label = name or "The table"
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        raise DocumentError(
            f"{label} looks like a binary file, not a CSV table. Save the table as CSV "
            "and open that.",
            code="binary",
        )
    if not text.strip():
        raise DocumentError(f"{label} is empty: there is no table in it.", code="empty")
    separator = _separator(text)
    records = _records(text, separator, label)
    header = next(records, None)
    if not header or not any(cell.strip() for cell in header):
        raise DocumentError(
            f"{label} has no header row. The first line must name the columns "
            '(for example "id,text").',
            code="not_a_table",
        )
    columns = _column_names(header)
    rows: list[dict[str, str]] = []
    for record in records:
        if not any(cell.strip() for cell in record):
            continue  # a blank line
        if len(rows) >= MAX_ROWS:
            raise DocumentError(
                f"{label} has more than {MAX_ROWS:,} rows; tables up to {MAX_ROWS:,} rows "
                "can be analysed. Split it into smaller files.",
                code="too_large",
            )
        values = [*record, *[""] * (len(columns) - len(record))]
        if len(record) > len(columns):
            last = len(columns) - 1
            values = [*record[:last], separator.join(record[last:])]
        rows.append(dict(zip(columns, values, strict=True)))
    if not rows:
        raise DocumentError(f"{label} has a header row but no rows of data under it.", code="empty")
    return Table(columns, tuple(rows), name)


def _records(text: str, separator: str, label: str) -> Iterator[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=False)
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error:
            # The only error a non-strict reader raises on text: a field over the limit.
            raise DocumentError(
                f"{label} has a field longer than {MAX_FIELD_CHARS:,} characters near line "
                f"{reader.line_num:,}; check that its quotes are balanced, or split the "
                "long text.",
                code="too_large",
            ) from None
        yield record


def _separator(text: str) -> str:
    """The separator that gives the header the most columns and the rows as many."""
    best, best_score = "", (-1, 0.0, 0)
    for separator in SEPARATORS:
        widths: list[int] = []
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=False)
        try:
            for record in reader:
                if record:
                    widths.append(len(record))
                if len(widths) >= _SNIFF_RECORDS:
                    break
        except csv.Error:
            continue
        if not widths or widths[0] < 2:
            continue
        agreeing = sum(1 for width in widths[1:] if width == widths[0])
        share = agreeing / (len(widths) - 1) if len(widths) > 1 else 1.0
        score = (1 if share >= 0.8 else 0, share * widths[0], widths[0])
        if score > best_score:
            best, best_score = separator, score
    if best:
        return best
    # One column: a separator the header does not hold keeps every line whole.
    header = text.split("\n", 1)[0]
    return next((s for s in ("\t", ";", ",") if s not in header), ",")


def _column_names(header: list[str]) -> tuple[str, ...]:
    names: list[str] = []
    for index, cell in enumerate(header, start=1):
        name = cell.strip() or f"column {index}"
        candidate, count = name, 1
        while candidate in names:
            count += 1
            candidate = f"{name} ({count})"
        names.append(candidate)
    return tuple(names)


def guess_text_column(table: Table) -> str:
    """The column that most looks like free text (the longest values on average)."""

    def wordiness(column: str) -> tuple[float, float]:
        values = [row[column] for row in table.rows]
        texts = [v for v in values if any(c.isalpha() for c in v)]
        words = sum(len(v.split()) for v in texts) / max(1, len(values))
        chars = sum(len(v) for v in texts) / max(1, len(values))
        return words, chars

    return max(table.columns, key=wordiness)
