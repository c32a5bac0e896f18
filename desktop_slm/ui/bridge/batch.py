"""A batch analysis (a CSV's rows, one by one) run off the GUI thread, reported as Qt signals."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, SignalInstance

from desktop_slm.documents.table import Table
from desktop_slm.engine.protocol import SamplingOptions
from desktop_slm.tools.batch import BatchDone, BatchProgress, BatchRow, BatchRunner
from desktop_slm.ui.bridge.background import Background, failure_of

if TYPE_CHECKING:
    from desktop_slm.ui.bridge.engine import EngineBridge

ROWS_INTERVAL_S = 0.1
"""Finished rows are sent together at most this often: a resumed batch sends thousands of
rows at once, and one queued signal per row would keep the window busy for seconds."""


@dataclass(frozen=True)
class BatchJob:
    """What to analyse: a table's column, and where each finished row is written."""

    table: Table
    column: str
    output: Path | None
    sampling: SamplingOptions


class BatchBridge(QObject):
    """Runs one :class:`BatchRunner` at a time on the engine shared by the whole window.

    A run emits ``rows`` (a list of :class:`BatchRow`, in order) and ``progress`` any
    number of times, then exactly one of ``finished`` (a :class:`BatchDone`, also when
    stopped: the rows sent so far are kept) or ``failed`` (a sentence and a code).
    """

    rows = Signal(object)  # list[BatchRow]
    progress = Signal(object)  # BatchProgress
    finished = Signal(object)  # BatchDone
    failed = Signal(str, str)  # message, code

    def __init__(self, engine: EngineBridge, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._engine = engine
        self._runner: BatchRunner | None = None
        self._stop = threading.Event()
        self._running = threading.Event()
        self._background = Background(self)

    @property
    def running(self) -> bool:
        return self._running.is_set()

    def start(self, job: BatchJob) -> bool:
        """Start ``job``; False when the engine is busy or no model is open."""
        if self._background.closing or self.running or self._engine.active_model is None:
            return False
        self._stop.clear()
        self._runner = None

        def work() -> None:
            try:
                self._drive(job)
            finally:
                self._running.clear()

        self._running.set()
        if not self._engine.run_exclusive("engine-batch", work):
            self._running.clear()
            return False
        return True

    def stop(self) -> None:
        """Stop after the row being analysed is cut off; finished rows are kept."""
        self._stop.set()
        runner = self._runner
        if runner is not None:
            runner.stop()

    def shutdown(self) -> None:
        """Stop and emit nothing more (the tab is going away)."""
        self._background.close()
        self.stop()

    def _drive(self, job: BatchJob) -> None:
        pending: list[BatchRow] = []
        last_sent = 0.0
        server = self._engine.server
        if server is not None:  # a busy server is waited for, as long as it asks
            server.wait_when_busy = True
        try:
            runner = BatchRunner(
                self._engine.engine,
                job.table,
                job.column,
                output=job.output,
                options=job.sampling,
            )
            self._runner = runner
            if self._stop.is_set():  # Stop came while the runner was being made
                runner.stop()
            for event in runner.run():
                if isinstance(event, BatchRow):
                    pending.append(event)
                    now = time.monotonic()
                    if now - last_sent >= ROWS_INTERVAL_S:
                        pending, last_sent = self._send_rows(pending), now
                    continue
                pending = self._send_rows(pending)
                if isinstance(event, BatchProgress):
                    self._emit(self.progress, event)
                elif isinstance(event, BatchDone):
                    self._emit(self.finished, event)
        except Exception as exc:
            self._send_rows(pending)  # the rows written so far are still shown
            failure = failure_of(exc, "The batch could not be analysed")
            self._emit(self.failed, failure.message, failure.code)
        finally:
            if server is not None:
                server.wait_when_busy = False

    def _send_rows(self, rows: list[BatchRow]) -> list[BatchRow]:
        if rows:
            self._emit(self.rows, rows)
        return []

    def _emit(self, signal: SignalInstance, *args: object) -> None:
        self._background.relay(signal, *args)
