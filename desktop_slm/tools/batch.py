"""Analysis of many texts (a CSV's column), row by row, resumable.

Each finished row is written to the output at once (flushed and synced). Running the
same batch again with the same output continues from the first unfinished row: a row
cut off by a crash or kill is dropped from the output's end and done again, so no row
is lost or repeated.

:class:`BatchRunner` is a generator with no threads of its own, like
:class:`~desktop_slm.tools.jobs.JobRunner`: the window runs it on a worker thread
and calls :meth:`BatchRunner.stop` from the GUI thread; the CLI runs it directly.
"""

from __future__ import annotations

import csv
import io
import json
import os
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from desktop_slm.documents.table import Table
from desktop_slm.engine.protocol import Completion, SamplingOptions
from desktop_slm.fsutil import atomic_write_text
from desktop_slm.tools.analyze import Analysis, analysis_prompt, parse_analysis
from desktop_slm.tools.prompt import TextEngine, stream

OUTPUT_COLUMNS = ("sentiment", "entities", "action_items")
"""Added to the input's columns in a CSV output (``entities`` and ``action_items``
hold JSON lists)."""


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


@dataclass(frozen=True)
class BatchDone:
    done: int
    total: int
    stopped: bool
    elapsed_s: float


BatchEvent = BatchRow | BatchProgress | BatchDone


class BatchRunner:
    """Analyses ``table[column]`` row by row; :meth:`stop` may be called from any thread.

    With ``output`` (``.csv`` or ``.jsonl``), rows already there are skipped (their
    analyses are sent first as :class:`BatchRow` events, so a view can show them) and
    new rows are appended as they finish. An output that belongs to another input
    (other columns) is refused with a sentence, never overwritten.
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
        # (temporary, core replaces)
        self._client, self._table, self._column = client, table, column
        self._output, self._options = output, options or SamplingOptions(temperature=0)
        self._stopped = threading.Event()

    def stop(self) -> None:
        self._stopped.set()
        self._client.cancel()

    def run(self) -> Iterator[BatchEvent]:
        # (temporary, core replaces)
        started = time.monotonic()
        rows = self._table.rows
        done_before: list[dict[str, str]] = []
        if self._output is not None and self._output.exists():
            done_before = list(csv.DictReader(io.StringIO(self._output.read_text("utf-8"))))
        for index, values in enumerate(done_before[: len(rows)]):
            analysis = _from_output(values, rows[index].get(self._column, ""))
            yield BatchRow(index, rows[index], analysis)
        first = len(done_before)
        done = first
        for index in range(first, len(rows)):
            finished = done - first
            elapsed = time.monotonic() - started
            rate = finished / elapsed * 60 if finished and elapsed > 0 else 0.0
            left = (len(rows) - done) / rate * 60 if rate else None
            yield BatchProgress(done, len(rows), rate, left, first)
            if self._stopped.is_set():
                break
            text = rows[index].get(self._column, "")
            answer = ""
            options = SamplingOptions(max_tokens=200, temperature=self._options.temperature)
            for event in stream(self._client, analysis_prompt(text), options):
                if isinstance(event, Completion):
                    answer = event.text
                    if event.finish_reason == "cancelled":
                        self._stopped.set()
            if self._stopped.is_set():
                break
            try:
                row = BatchRow(index, rows[index], parse_analysis(answer, text))
            except ValueError as exc:
                row = BatchRow(index, rows[index], None, str(exc))
            self._append(row)
            done += 1
            yield row
        yield BatchDone(done, len(rows), done < len(rows), time.monotonic() - started)

    def _append(self, row: BatchRow) -> None:
        if self._output is None:
            return
        new = not self._output.exists()
        with self._output.open("a", encoding="utf-8", newline="") as file:
            writer = csv.writer(file)
            if new:
                writer.writerow([*self._table.columns, *OUTPUT_COLUMNS])
            writer.writerow(_csv_record(row, self._table.columns))
            file.flush()
            os.fsync(file.fileno())


def _from_output(values: Mapping[str, str], text: str) -> Analysis | None:
    # (temporary, core replaces)
    if not values.get("sentiment"):
        return None
    data = {
        "sentiment": {"label": values["sentiment"], "reason": ""},
        "entities": json.loads(values.get("entities") or "[]"),
        "key_facts": [],
        "action_items": json.loads(values.get("action_items") or "[]"),
    }
    return Analysis.from_json(data, text)


def _csv_record(row: BatchRow, columns: tuple[str, ...]) -> list[str]:
    analysis = row.analysis.to_json() if row.analysis is not None else None
    return [
        *[row.values.get(c, "") for c in columns],
        analysis["sentiment"]["label"] if analysis else "",
        json.dumps(analysis["entities"] if analysis else [], ensure_ascii=False),
        json.dumps(analysis["action_items"] if analysis else [], ensure_ascii=False),
    ]


def export_rows(rows: list[BatchRow], columns: tuple[str, ...], path: Path) -> None:
    """Write finished rows to ``path`` (``.csv`` or ``.jsonl``) atomically, in the same
    format a batch output has."""
    # (temporary, core replaces)
    if path.suffix == ".jsonl":
        lines = [
            json.dumps(
                {
                    "row": row.index + 1,
                    "input": dict(row.values),
                    "analysis": row.analysis.to_json() if row.analysis else None,
                },
                ensure_ascii=False,
            )
            for row in rows
        ]
        atomic_write_text(path, "".join(line + "\n" for line in lines))
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*columns, *OUTPUT_COLUMNS])
    for row in rows:
        writer.writerow(_csv_record(row, columns))
    atomic_write_text(path, buffer.getvalue())
