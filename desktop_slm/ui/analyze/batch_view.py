"""A batch's results: a table that fills in as rows finish, "row i of N", the chart, export.

The table is a model/view pair: finished rows are appended to :class:`BatchModel` in
groups and the cells are formatted only when they are drawn, so 10,000 rows cost no
widgets at all.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_slm.models.formatting import duration_label
from desktop_slm.tools.batch import BatchDone, BatchProgress, BatchRow
from desktop_slm.ui import theme
from desktop_slm.ui.analyze.chart import BatchChart

COLUMNS = ("Row", "Text", "Sentiment", "Entities", "Action items")
TEXT_PREVIEW = 200
ROWS_PER_TURN = 250
"""Rows added to the table per turn of the event loop: a resumed batch delivers thousands
at once, and adding them in one go would hold up typing and painting."""

ModelIndex = QModelIndex | QPersistentModelIndex


def _ask_export_path(parent: QWidget, title: str, suggested: str) -> str:
    path, chosen = QFileDialog.getSaveFileName(
        parent, title, suggested, "CSV (*.csv);;JSON Lines (*.jsonl)"
    )
    if path and not Path(path).suffix:
        path += ".jsonl" if "jsonl" in chosen else ".csv"
    return path


ask_export_path: Callable[[QWidget, str, str], str] = _ask_export_path
"""The Save dialog of Export; tests replace it (a real one would block them)."""


def progress_line(event: BatchProgress) -> str:
    """ "row 38 of 120 · 14.2 rows/min · about 5 min 40 s left" """
    parts = [f"row {min(event.done + 1, event.total)} of {event.total}"]
    if event.rows_per_minute > 0:
        parts.append(f"{event.rows_per_minute:.1f} rows/min")
    if event.seconds_left is not None:
        parts.append(f"about {duration_label(event.seconds_left)} left")
    return " · ".join(parts)


def _one_line(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= TEXT_PREVIEW else flat[: TEXT_PREVIEW - 1] + "…"


class BatchModel(QAbstractTableModel):
    """The finished rows of a batch, in the order they came."""

    def __init__(self, column: str = "") -> None:
        super().__init__()
        self._rows: list[BatchRow] = []
        self.column = column
        """The input column that was analysed (the Text cell shows it)."""

    def rows(self) -> list[BatchRow]:
        return list(self._rows)

    def reset(self, column: str) -> None:
        self.beginResetModel()
        self._rows = []
        self.column = column
        self.endResetModel()

    def add_rows(self, rows: list[BatchRow]) -> None:
        if not rows:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self._rows.extend(rows)
        self.endInsertRows()

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt override
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt override
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:  # Qt override
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(
        self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:  # Qt override
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 1:
                return row.values.get(self.column, "")
            return self.cell(row, column) or None
        if role == Qt.ItemDataRole.ForegroundRole and column == 2:
            return QColor(self._sentiment_colour(row))
        return None

    def cell(self, row: BatchRow, column: int) -> str:
        """What the table shows in ``column`` for ``row``."""
        analysis = row.analysis
        if column == 0:
            return str(row.index + 1)
        if column == 1:
            return _one_line(row.values.get(self.column, ""))
        if analysis is None:
            return f"not analysed: {row.error}" if column == 2 and row.error else ""
        if column == 2:
            return analysis.sentiment.label
        if column == 3:
            return ", ".join(f"{e.text} ({e.type})" for e in analysis.entities)
        return "; ".join(analysis.action_items)

    @staticmethod
    def _sentiment_colour(row: BatchRow) -> str:
        colours = theme.colours()
        if row.analysis is None:
            return colours.error
        return {
            "positive": colours.good,
            "negative": colours.error,
            "mixed": colours.warning,
        }.get(row.analysis.sentiment.label, colours.text)


class BatchPanel(QWidget):
    """The batch's progress line, its table, its chart and the Export buttons.

    ``exportRequested(path)`` asks to write the rows shown to ``path``.
    """

    exportRequested = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.total = 0
        self._running = False
        self.status = QLabel()
        self.status.setObjectName("analyzeBatchStatus")
        self.status.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setObjectName("analyzeBatchProgress")
        self.bar.setAccessibleName("Rows analysed")
        self.model = BatchModel()
        self._waiting: deque[BatchRow] = deque()
        self._drain_timer = QTimer(self)
        self._drain_timer.setInterval(0)
        self._drain_timer.timeout.connect(self._drain)
        self.table = QTableView()
        self.table.setObjectName("analyzeBatchTable")
        self.table.setAccessibleName("Analysed rows")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        # Fixed sizes: measuring the contents of 10,000 rows would stall the window.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((50, 280, 90, 220)):
            self.table.setColumnWidth(column, width)
        self.chart = BatchChart()
        self.export_csv = QPushButton("Export CSV…")
        self.export_csv.setObjectName("analyzeExportCsv")
        self.export_jsonl = QPushButton("Export JSON Lines…")
        self.export_jsonl.setObjectName("analyzeExportJsonl")

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.export_csv)
        buttons.addWidget(self.export_jsonl)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.chart)
        splitter.setStretchFactor(0, 3)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.status)
        layout.addWidget(self.bar)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)

        self.export_csv.clicked.connect(lambda: self._export(".csv"))
        self.export_jsonl.clicked.connect(lambda: self._export(".jsonl"))
        self.update_buttons(running=False)

    def reset(self, column: str, total: int) -> None:
        """A new table (or column): nothing analysed on show yet."""
        self.total = total
        self._waiting.clear()
        self.model.reset(column)
        self.chart.clear()
        self.bar.setRange(0, max(1, total))
        self.bar.setValue(0)
        self.status.setText(f"{total:,} rows to analyse.")
        self.update_buttons(running=False)

    def started(self) -> None:
        """A run begins: it sends the rows already done first, so the view starts empty."""
        self._waiting.clear()
        self.model.reset(self.model.column)
        self.chart.clear()
        self.bar.setValue(0)
        self.status.setText("Starting…")
        self.update_buttons(running=True)

    def add_rows(self, rows: list[BatchRow]) -> None:
        """Show ``rows``, :data:`ROWS_PER_TURN` at a time (the rest wait their turn)."""
        self._waiting.extend(rows)
        if not self._drain_timer.isActive():
            self._drain_timer.start()

    def rows(self) -> list[BatchRow]:
        """Every row finished, shown or still waiting to be shown."""
        return [*self.model.rows(), *self._waiting]

    def _drain(self) -> None:
        count = min(ROWS_PER_TURN, len(self._waiting))
        rows = [self._waiting.popleft() for _ in range(count)]
        self.model.add_rows(rows)
        self.chart.add(rows)
        self.bar.setValue(max(self.bar.value(), self.model.rowCount()))
        if not self._waiting:
            self._drain_timer.stop()
            self.update_buttons(running=self._running)

    def show_progress(self, event: BatchProgress) -> None:
        self.total = event.total
        self.bar.setRange(0, max(1, event.total))
        self.bar.setValue(event.done)
        self.status.setText(progress_line(event))

    def finished(self, event: BatchDone) -> None:
        self.bar.setValue(event.done)
        took = duration_label(event.elapsed_s)
        if event.stopped:
            self.status.setText(
                f"Stopped: {event.done:,} of {event.total:,} rows are done "
                f"(this run took {took}). Analyze continues from row {event.done + 1}."
            )
        else:
            self.status.setText(f"Done: {event.done:,} of {event.total:,} rows in {took}.")
        self.update_buttons(running=False)

    def failed(self) -> None:
        self.status.setText(f"Stopped by an error: {len(self.rows()):,} rows are done.")
        self.update_buttons(running=False)

    def update_buttons(self, *, running: bool) -> None:
        self._running = running
        has_rows = bool(self.model.rowCount() or self._waiting)
        self.export_csv.setEnabled(has_rows and not running)
        self.export_jsonl.setEnabled(has_rows and not running)

    def _export(self, suffix: str) -> None:
        title = "Export as CSV" if suffix == ".csv" else "Export as JSON Lines"
        path = ask_export_path(self, title, f"analysis{suffix}")
        if path:
            self.exportRequested.emit(path)
