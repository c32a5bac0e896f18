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

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from desktop_slm.documents.table import Table
from desktop_slm.engine.protocol import SamplingOptions
from desktop_slm.tools.analyze import Analysis
from desktop_slm.tools.prompt import TextEngine

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
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def run(self) -> Iterator[BatchEvent]:
        raise NotImplementedError


def export_rows(rows: list[BatchRow], columns: tuple[str, ...], path: Path) -> None:
    """Write finished rows to ``path`` (``.csv`` or ``.jsonl``) atomically, in the same
    format a batch output has."""
    raise NotImplementedError
