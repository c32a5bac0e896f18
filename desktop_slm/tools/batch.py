"""Analysis of many texts (a CSV's column), row by row, resumable.

Each finished row is written to the output at once (flushed and synced). Running the
same batch again with the same output continues from the first unfinished row: a row
cut off by a crash or kill is dropped from the output's end and done again, so no row
is lost or repeated.

:class:`BatchRunner` is a generator with no threads of its own, like
:class:`~desktop_slm.tools.jobs.JobRunner`: the window runs it on a worker thread
and calls :meth:`BatchRunner.stop` from the GUI thread; the CLI runs it directly.

Output formats (the same for a batch's output and :func:`export_rows`):

* ``.csv``: the input's columns, then :data:`OUTPUT_COLUMNS`; comma separated, UTF-8,
  every record ended by CRLF. Texts were read with their line ends made ``\\n``, and
  the analysis holds no line ends, so CRLF occurs only at a record's end: an output
  that does not end with one ends in a record cut off by a kill, which is dropped.
* ``.jsonl``: one object a line: the input's columns, then :data:`JSONL_FIELDS` as
  native JSON (``sentiment`` is the label, "" for an empty text); an added field whose
  name an input column already has is called ``analysis_<name>`` (:func:`added_names`).

Rows whose text is empty are written with an empty analysis and never sent to the model.
"""

from __future__ import annotations

import csv
import io
import json
import os
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

from desktop_slm.documents.table import Table
from desktop_slm.engine.protocol import Completion, SamplingOptions, TokenEvent
from desktop_slm.errors import OptionError, UserFacingError
from desktop_slm.fsutil import atomic_write_bytes
from desktop_slm.tools.analyze import (
    ANSWER_TOKENS,
    TEMPERATURE,
    Analysis,
    analysis_prompt,
    fit_text,
    parse_analysis,
)
from desktop_slm.tools.budget import ModelLimits
from desktop_slm.tools.prompt import TextEngine, stream

OUTPUT_COLUMNS = ("sentiment", "entities", "action_items")
"""Added to the input's columns in a CSV output (``entities`` and ``action_items``
hold JSON lists)."""
OUTPUT_SUFFIXES = (".csv", ".jsonl")
_CSV_END = b"\r\n"


@dataclass(frozen=True)
class BatchRow:
    """A row finished (and already written to the output, if there is one)."""

    index: int
    """0-based row of the table."""
    values: Mapping[str, str]
    """The input row."""
    analysis: Analysis | None
    """None when the row's text is empty or its analysis failed (see ``error``)."""
    error: str = ""
    resumed: bool = False
    """Read back from the output of an earlier run, not analysed now."""
    notice: str = ""
    """What the user should know about this row (its text was cut to fit the context)."""


@dataclass(frozen=True)
class BatchProgress:
    """Sent when a row starts: "row ``done + 1`` of ``total``"."""

    done: int
    total: int
    rows_per_minute: float
    """Measured on the rows of this run (0 until one has finished)."""
    seconds_left: float | None
    resumed_from: int = 0
    """Rows that were already in the output when this run started."""

    def describe(self) -> str:
        """ "row 4 of 30 · 12.5 rows/min · about 2 min left" """
        line = f"row {self.done + 1} of {self.total}"
        if self.rows_per_minute > 0:
            line += f" · {self.rows_per_minute:.1f} rows/min"
        if self.seconds_left is not None:
            line += f" · about {_duration(self.seconds_left)} left"
        return line


@dataclass(frozen=True)
class BatchDone:
    done: int
    total: int
    stopped: bool
    elapsed_s: float


BatchEvent = BatchRow | BatchProgress | BatchDone


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


class BatchRunner:
    """Analyses ``table[column]`` row by row; :meth:`stop` may be called from any thread.

    With ``output`` (``.csv`` or ``.jsonl``), rows already there are skipped (their
    analyses are sent first as :class:`BatchRow` events, so a view can show them) and
    new rows are appended as they finish. An output that belongs to another input
    (other columns) is refused with a sentence, never overwritten.

    ``options``: how answers are sampled (default: greedy, :data:`ANSWER_TOKENS` at
    most); its ``max_tokens`` caps every answer. Errors of the engine propagate: the
    rows written so far stay, and the same run started again continues after them.
    """

    def __init__(
        self,
        client: TextEngine,
        table: Table,
        column: str,
        *,
        output: Path | None = None,
        options: SamplingOptions | None = None,
    ) -> None:
        if column not in table.columns:
            raise OptionError(
                f"{table.name or 'The table'} has no column {column!r}; its columns are "
                f"{', '.join(repr(c) for c in table.columns)}."
            )
        table = _with_newlines(table)
        self.already_done = 0
        """Rows the output held when the runner was made (all of them: nothing to run)."""
        if output is not None:
            # Refused before any model is loaded.
            self.already_done = _Sink.check(output, table, column)
        self._client = client
        self._table = table
        self._column = column
        self._output = output
        self._options = options or SamplingOptions(
            temperature=TEMPERATURE, max_tokens=ANSWER_TOKENS
        )
        self._stop = threading.Event()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> None:
        """Stop after the current row's request ends (at once); finished rows stay."""
        self._stop.set()
        self._client.cancel()

    def run(self) -> Iterator[BatchEvent]:
        """Rows already in the output, then each new row as it finishes; the last event
        is always a :class:`BatchDone`."""
        started = time.monotonic()
        table, total = self._table, len(self._table.rows)
        done_before = 0
        sink: _Sink | None = None
        if self._output is not None:
            sink = _Sink.open(self._output, table, self._column)
            done_before = len(sink.finished)
            for index, earlier in enumerate(sink.finished):
                yield BatchRow(index, table.rows[index], earlier, resumed=True)
        limits: ModelLimits | None = None
        analysed = 0
        analysed_s = 0.0
        index = done_before
        try:
            while index < total:
                remaining = total - index
                rate = 60.0 * analysed / analysed_s if analysed_s > 0 else 0.0
                left = remaining * 60.0 / rate if rate > 0 else None
                yield BatchProgress(index, total, rate, left, done_before)
                if self._stop.is_set():
                    break
                row = table.rows[index]
                text = row[self._column]
                row_started = time.monotonic()
                analysis: Analysis | None = None
                notice = ""
                if text.strip():
                    if limits is None:
                        limits = ModelLimits.of(
                            self._client, max_answer_tokens=self._options.max_tokens
                        )
                    analysed_text, notice = fit_text(text, limits)
                    answer = self._answer(analysed_text)
                    if answer is None:
                        break  # stopped: this row is not written, the next run does it
                    analysis = parse_analysis(answer, analysed_text)
                if sink is not None:
                    sink.write(index, row, analysis)
                analysed += 1
                analysed_s += time.monotonic() - row_started
                yield BatchRow(index, row, analysis, notice=notice)
                index += 1
        finally:
            if sink is not None:
                sink.close()
        yield BatchDone(index, total, index < total, time.monotonic() - started)

    def _answer(self, text: str) -> str | None:
        """The model's answer for ``text`` (None: stopped before it was complete)."""
        completion: Completion | None = None
        options = replace(self._options, max_tokens=max(1, self._options.max_tokens))
        for event in stream(self._client, analysis_prompt(text), options):
            if isinstance(event, TokenEvent):
                if self._stop.is_set():
                    self._client.cancel()  # stop() may have come before the request started
            else:
                completion = event
        if completion is None or completion.cancelled or self._stop.is_set():
            return None
        return completion.text


def _with_newlines(table: Table) -> Table:
    """``table`` with ``\n`` line ends (a CSV output's records are the only CRLFs in it)."""
    if not any("\r" in value for row in table.rows for value in row.values()):
        return table
    rows = tuple(
        {key: value.replace("\r\n", "\n").replace("\r", "\n") for key, value in row.items()}
        for row in table.rows
    )
    return replace(table, rows=rows)


# ---------------------------------------------------------------- output files
def rows_done(output: Path, table: Table, column: str) -> int:
    """Rows of ``table`` an earlier run finished in ``output``, exactly as a run would
    continue (a cut-off last record does not count). Raises ``UserFacingError`` for an
    output that belongs to another table or cannot be read."""
    return _Sink.check(output, table, column)


def output_format(path: Path) -> str:
    """``csv`` or ``jsonl`` by ``path``'s extension; anything else is refused."""
    suffix = path.suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise OptionError(f"Cannot write analyses to {path.name}: use a .csv or .jsonl file name.")
    return suffix[1:]


def _csv_record(values: list[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    return buffer.getvalue().encode("utf-8")


def _csv_values(columns: tuple[str, ...], row: Mapping[str, str], a: Analysis | None) -> list[str]:
    entities = [{"text": e.text, "type": e.type} for e in a.entities] if a else []
    return [
        *(row.get(c, "") for c in columns),
        a.sentiment.label if a else "",
        json.dumps(entities, ensure_ascii=False),
        json.dumps(list(a.action_items) if a else [], ensure_ascii=False),
    ]


JSONL_FIELDS = (*OUTPUT_COLUMNS, "key_facts", "sentiment_reason")
"""Added to the input's columns in a JSON Lines output (native JSON values)."""


def added_names(columns: tuple[str, ...], fields: tuple[str, ...] = JSONL_FIELDS) -> dict[str, str]:
    """The name each added field gets next to ``columns``: its own, or ``analysis_<name>``
    (then ``analysis_<name>_2`` …) where the input already has a column of that name."""
    names: dict[str, str] = {}
    taken = set(columns)
    for field in fields:
        name, n = field, 1
        while name in taken:
            n += 1
            name = f"analysis_{field}" if n == 2 else f"analysis_{field}_{n - 1}"
        names[field] = name
        taken.add(name)
    return names


def row_json(row: BatchRow) -> dict[str, Any]:
    """A row as a JSON Lines output holds it: the input's columns, then ``sentiment``
    (the label, "" for an empty text), ``entities`` (``[{"text", "type"}]``),
    ``action_items``, ``key_facts`` and ``sentiment_reason``."""
    return _row_json(tuple(row.values), row.values, row.analysis)


def _row_json(
    columns: tuple[str, ...], row: Mapping[str, str], a: Analysis | None
) -> dict[str, Any]:
    names = added_names(columns)
    added: dict[str, Any] = {
        "sentiment": a.sentiment.label if a else "",
        "entities": [{"text": e.text, "type": e.type} for e in a.entities] if a else [],
        "action_items": list(a.action_items) if a else [],
        "key_facts": list(a.key_facts) if a else [],
        "sentiment_reason": a.sentiment.reason if a else "",
    }
    return {
        **{c: row.get(c, "") for c in columns},
        **{names[key]: value for key, value in added.items()},
    }


def _record(
    kind: str, columns: tuple[str, ...], index: int, row: Mapping[str, str], a: Analysis | None
) -> bytes:
    if kind == "csv":
        return _csv_record(_csv_values(columns, row, a))
    return (json.dumps(_row_json(columns, row, a), ensure_ascii=False) + "\n").encode("utf-8")


def export_rows(rows: list[BatchRow], columns: tuple[str, ...], path: Path) -> None:
    """Write finished rows to ``path`` (``.csv`` or ``.jsonl``) atomically, in the same
    format a batch output has."""
    kind = output_format(path)
    parts: list[bytes] = []
    if kind == "csv":
        parts.append(_csv_record([*columns, *OUTPUT_COLUMNS]))
    for row in sorted(rows, key=lambda r: r.index):
        parts.append(_record(kind, columns, row.index, row.values, row.analysis))
    try:
        atomic_write_bytes(path, b"".join(parts))
    except OSError as exc:
        raise UserFacingError(f"Cannot write {path}: {exc.strerror}.") from None


class _Sink:
    """A batch's output file: what an earlier run finished, and appending new rows."""

    def __init__(self, path: Path, kind: str, table: Table, column: str) -> None:
        self.path = path
        self.kind = kind
        self.table = table
        self.column = column
        self.finished: list[Analysis | None] = []
        self._file: IO[bytes] | None = None

    @classmethod
    def check(cls, path: Path, table: Table, column: str) -> int:
        """Refuse an output that cannot be continued (another table's, not ours); the
        number of rows it holds."""
        sink = cls(path, output_format(path), table, column)
        try:
            sink._read(path.read_bytes() if path.exists() else b"")
        except OSError as exc:
            raise UserFacingError(f"Cannot read {path}: {exc.strerror}.") from None
        return len(sink.finished)

    @classmethod
    def open(cls, path: Path, table: Table, column: str) -> _Sink:
        sink = cls(path, output_format(path), table, column)
        try:
            data = path.read_bytes() if path.exists() else b""
            keep = sink._read(data)
            path.parent.mkdir(parents=True, exist_ok=True)
            sink._file = path.open("r+b" if path.exists() else "wb")
            sink._file.truncate(keep)  # a record cut off by a crash or kill
            sink._file.seek(keep)
            if keep == 0 and sink.kind == "csv":
                sink._append(_csv_record([*table.columns, *OUTPUT_COLUMNS]))
        except OSError as exc:
            raise UserFacingError(f"Cannot write the analyses to {path}: {exc.strerror}.") from None
        return sink

    def _foreign(self, why: str) -> UserFacingError:
        return UserFacingError(
            f"{self.path.name} already holds analyses of another table ({why}), so it is "
            "not continued and not overwritten. Choose another output file, or delete it "
            "to start again.",
            code="foreign_output",
        )

    def _read(self, data: bytes) -> int:
        """Read the finished rows of ``data``; the length of the complete part to keep."""
        if self.kind == "csv":
            return self._read_csv(data)
        return self._read_jsonl(data)

    def _read_csv(self, data: bytes) -> int:
        keep = data.rfind(_CSV_END) + len(_CSV_END) if _CSV_END in data else 0
        try:
            text = data[:keep].decode("utf-8")
        except UnicodeDecodeError:
            raise self._foreign("it is not a CSV file written by Desktop SLM") from None
        records = list(csv.reader(io.StringIO(text, newline="")))
        if not records:
            return 0
        header = (*self.table.columns, *OUTPUT_COLUMNS)
        if tuple(records[0]) != header:
            raise self._foreign("its columns differ")
        width = len(self.table.columns)
        for index, record in enumerate(records[1:]):
            if len(record) != len(header):
                raise self._foreign(f"row {index + 1} has {len(record)} fields")
            values = dict(zip(self.table.columns, record[:width], strict=True))
            self._check_row(index, values)
            self.finished.append(_from_csv(record[width:], values[self.column]))
        return keep

    def _read_jsonl(self, data: bytes) -> int:
        keep = data.rfind(b"\n") + 1
        columns = self.table.columns
        names = added_names(columns)
        for index, line in enumerate(data[:keep].splitlines()):
            try:
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise TypeError
                values = {c: record[c] for c in columns}
                added = {key: record[name] for key, name in names.items()}
            except (ValueError, KeyError, TypeError):
                raise self._foreign(f"line {index + 1} is not one of its rows") from None
            if set(record) != {*columns, *names.values()}:
                raise self._foreign("its columns differ")
            self._check_row(index, values)
            self.finished.append(_from_added(added, str(values[self.column])))
        return keep

    def _check_row(self, index: int, values: Mapping[str, Any]) -> None:
        rows = self.table.rows
        if index >= len(rows) or dict(values) != rows[index]:
            raise self._foreign(f"its row {index + 1} is not row {index + 1} of this table")

    def write(self, index: int, row: Mapping[str, str], analysis: Analysis | None) -> None:
        self._append(_record(self.kind, self.table.columns, index, row, analysis))

    def _append(self, data: bytes) -> None:
        assert self._file is not None
        try:
            self._file.write(data)
            self._file.flush()
            os.fsync(self._file.fileno())
        except OSError as exc:
            raise UserFacingError(
                f"Cannot write the analyses to {self.path}: {exc.strerror}. The rows "
                "written before are kept; free some space and run the batch again."
            ) from None

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _from_csv(fields: list[str], text: str) -> Analysis | None:
    """An analysis read back from a CSV output's added columns (None: an empty text)."""
    label, entities, actions = fields
    try:
        added = {"sentiment": label, "entities": json.loads(entities)}
        added["action_items"] = json.loads(actions)
    except ValueError:
        added = {"sentiment": label}
    return _from_added(added, text)


def _from_added(added: Mapping[str, Any], text: str) -> Analysis | None:
    """An analysis read back from an output's added fields (None: an empty text)."""
    label = added.get("sentiment")
    if not label or not isinstance(label, str):
        return None
    data = {
        "sentiment": {"label": label, "reason": str(added.get("sentiment_reason") or "")},
        "entities": added.get("entities") or [],
        "key_facts": added.get("key_facts") or [],
        "action_items": added.get("action_items") or [],
    }
    return Analysis.from_json(data, text)
