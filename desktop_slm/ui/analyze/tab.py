"""The Analyze tab: sentiment, entities, key facts and action items of a text or of a CSV.

A pasted text or an opened document is analysed as one text and shown as a card
(:class:`AnalysisCard`). A CSV (or TSV) file switches to a batch: the user picks the
text column (the likeliest one is chosen), and every row is analysed and written to an
output file as it finishes, so a batch stopped, killed or closed goes on from its first
unfinished row when the same file is opened again. Analyze: Ctrl+Enter. Stop: Esc.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_slm.config import AppPaths, Settings
from desktop_slm.documents.table import Table, guess_text_column, read_table
from desktop_slm.engine.protocol import SamplingOptions
from desktop_slm.errors import UserFacingError
from desktop_slm.fsutil import set_aside
from desktop_slm.tools import batch
from desktop_slm.tools.analyze import (
    ANSWER_TOKENS,
    TEMPERATURE,
    Analysis,
    AnalyzeRequest,
    analyze_job,
)
from desktop_slm.tools.batch import BatchDone, BatchProgress, BatchRow, export_rows
from desktop_slm.tools.jobs import JobResult
from desktop_slm.ui import messages, suggestion, theme
from desktop_slm.ui.analyze.batch_view import BatchPanel
from desktop_slm.ui.analyze.card import AnalysisCard
from desktop_slm.ui.bridge.background import Background, Failure
from desktop_slm.ui.bridge.batch import BatchBridge, BatchJob
from desktop_slm.ui.bridge.engine import EngineBridge
from desktop_slm.ui.bridge.jobs import JobsBridge
from desktop_slm.ui.tool.input_panel import InputEdit, InputPanel
from desktop_slm.ui.tool.job_view import bind_run_keys

log = logging.getLogger(__name__)

TABLE_SUFFIXES = (".csv", ".tsv")
OUTPUT_SUFFIX = ".analysis.csv"


def _ask_open_path(parent: QWidget, title: str) -> str:
    from desktop_slm.documents.reader import SUPPORTED_SUFFIXES

    documents = " ".join(f"*{s}" for s in (*SUPPORTED_SUFFIXES, *TABLE_SUFFIXES))
    path, _ = QFileDialog.getOpenFileName(
        parent,
        title,
        "",
        f"Documents and tables ({documents});;Tables (*.csv *.tsv);;All files (*)",
    )
    return path


ask_open_path: Callable[[QWidget, str], str] = _ask_open_path
"""The Open dialog; tests replace it (a real one would block them)."""


def output_for(table_path: Path, data_dir: Path) -> Path:
    """Where a batch of ``table_path`` writes its rows as they finish.

    Beside the table (``feedback.csv`` -> ``feedback.analysis.csv``), where the user
    finds it; in the app's data folder when that folder cannot be written to. The same
    table always gets the same output, which is how a batch continues after a restart.
    """
    table_path = table_path.resolve()
    name = table_path.stem + OUTPUT_SUFFIX
    if os.access(table_path.parent, os.W_OK):
        return table_path.with_name(name)
    tag = hashlib.sha256(str(table_path).encode()).hexdigest()[:8]
    return data_dir / "analyses" / f"{table_path.stem}-{tag}{OUTPUT_SUFFIX}"


def rows_done(output: Path, table: Table, column: str) -> int:
    """Rows an earlier run left in ``output`` that a batch would keep (0 when there is
    none, or it belongs to another table: the run says so when it starts)."""
    if not output.is_file():
        return 0
    try:
        return batch.rows_done(output, table, column)
    except (UserFacingError, OSError) as exc:
        log.info("earlier analysis %s not counted: %s", output, exc)
        return 0


@dataclass(frozen=True)
class OpenedTable:
    """A CSV read for a batch, off the GUI thread."""

    path: Path
    table: Table
    column: str
    """The likeliest text column."""
    output: Path
    done: int
    """Rows already in the output (a batch to continue)."""


def open_table(path: Path, data_dir: Path) -> OpenedTable:
    table = read_table(path)
    output = output_for(path, data_dir)
    column = guess_text_column(table)
    return OpenedTable(path, table, column, output, rows_done(output, table, column))


class AnalyzeTab(QWidget):
    """The Analyze tab. Analyze: Ctrl+Enter. Stop: Esc."""

    statusMessage = Signal(str)
    changed = Signal()  # the text, the table or its column changed (the draft is due)

    tab_id = "analyze"

    no_model_hint = "Open a model first (File > Open model…)."
    """Shown while no model is open; the window points it at the Models tab if none is installed."""

    def __init__(
        self,
        bridge: EngineBridge,
        settings: Settings,
        paths: AppPaths,
        parent: QWidget | None = None,
        *,
        background_allowed: Callable[[], bool] = lambda: True,
    ) -> None:
        super().__init__(parent)
        self._ready = False
        self._bridge = bridge
        self.settings = settings
        self.paths = paths
        self._jobs = JobsBridge(bridge, self)
        self._batch = BatchBridge(bridge, self)
        self._background = Background(self)
        self._analysed_text = ""
        self._opening = 0
        self._restoring_column = ""
        self._run: str | None = None
        """What runs: "one" text, a "batch", or None; set and cleared on the GUI thread,
        when the run starts and when its last signal arrives."""
        self.opened: OpenedTable | None = None
        """The CSV of the batch (None: one text)."""

        self.input_panel = InputPanel(
            "analyze",
            "Text",
            "Paste a text to analyse (customer feedback, an email, notes), or open or drop "
            "a document, or a CSV file to analyse each of its rows.",
        )
        self.input = self.input_panel.input
        self.open_button = self.input_panel.open_button
        self.open_button.setToolTip(
            "Open a .txt, .md, .pdf, .docx or .html file, or a .csv/.tsv table "
            "(or drop it on the text box)"
        )
        self.document_info = self.input_panel.document_info

        # The batch's options, shown instead of the text box while a table is open.
        self.table_box = QWidget()
        self.table_info = QLabel()
        self.table_info.setObjectName("analyzeTableInfo")
        self.table_info.setWordWrap(True)
        self.column = QComboBox()
        self.column.setObjectName("analyzeColumn")
        self.column.setToolTip("The column whose text is analysed in each row")
        self.output_info = QLabel()
        self.output_info.setObjectName("analyzeOutputPath")
        self.output_info.setWordWrap(True)
        self.output_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        theme.tone(self.output_info, "muted")
        self.resume = QWidget()
        self.resume.setObjectName("analyzeResume")
        theme.banner(self.resume, "info")
        self.resume_text = QLabel()
        self.resume_text.setObjectName("analyzeResumeText")
        self.resume_text.setWordWrap(True)
        self.continue_button = QPushButton("Continue")
        self.continue_button.setObjectName("analyzeContinue")
        self.continue_button.setToolTip("Analyse the rows not done yet (Ctrl+Enter)")
        self.start_over_button = QPushButton("Start over")
        self.start_over_button.setObjectName("analyzeStartOver")
        self.start_over_button.setToolTip(
            "Analyse every row again; the earlier results are kept in a renamed file"
        )
        resume_row = QHBoxLayout(self.resume)
        resume_row.addWidget(self.resume_text, 1)
        resume_row.addWidget(self.continue_button)
        resume_row.addWidget(self.start_over_button)
        self.resume.hide()
        self.close_table_button = QPushButton("Analyse a text instead")
        self.close_table_button.setObjectName("analyzeCloseTable")
        self.close_table_button.setToolTip("Close the table and go back to the text box")
        self.open_table_button = QPushButton("Open another file…")
        self.open_table_button.setObjectName("analyzeOpenTable")
        table_layout = QVBoxLayout(self.table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        heading = QLabel("<b>Table</b>")
        table_layout.addWidget(heading)
        table_layout.addWidget(self.table_info)
        form = QFormLayout()
        form.addRow("Text &column:", self.column)
        table_layout.addLayout(form)
        table_layout.addWidget(self.output_info)
        table_layout.addWidget(self.resume)
        table_buttons = QHBoxLayout()
        table_buttons.addWidget(self.open_table_button)
        table_buttons.addWidget(self.close_table_button)
        table_buttons.addStretch(1)
        table_layout.addLayout(table_buttons)
        table_layout.addStretch(1)
        self.table_box.hide()

        self.analyze_button = QPushButton("Analyze")
        self.analyze_button.setObjectName("analyzeGenerateButton")
        self.analyze_button.setToolTip("Analyze (Ctrl+Enter)")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("analyzeStopButton")
        self.stop_button.setToolTip("Stop (Esc); the rows done so far are kept")
        self.hint = QLabel()
        self.hint.setObjectName("analyzeHint")
        self.hint.setWordWrap(True)
        self.status = QLabel()
        self.status.setObjectName("analyzeStatus")
        self.status.setWordWrap(True)
        controls = QHBoxLayout()
        controls.addWidget(self.analyze_button)
        controls.addWidget(self.stop_button)
        controls.addWidget(self.hint, 1)

        self.card = AnalysisCard()
        self.batch = BatchPanel()
        self.results = QStackedWidget()
        self.results.addWidget(self.card)
        self.results.addWidget(self.batch)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.input_panel, 1)
        left_layout.addWidget(self.table_box, 1)
        left_layout.addLayout(controls)
        left_layout.addWidget(self.status)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.results)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter)
        self.setAcceptDrops(True)  # a table can be dropped anywhere on the tab

        self._connect()
        self.suggestions = suggestion.attach(
            self,
            bridge,
            lambda: settings.suggest_while_typing and self._run is None and background_allowed(),
        )
        """Inline suggestions in the text box, as in the writing tools."""
        self._ready = True
        self.update_controls()

    def _connect(self) -> None:
        bind_run_keys(self, self.analyze, self.stop)

        # Open file… here also takes tables, so it gets its own dialog.
        self.open_button.clicked.disconnect()
        self.open_button.clicked.connect(self.choose_file)
        self.open_table_button.clicked.connect(self.choose_file)
        self.input_panel.openRequested.connect(self.open_file)
        self.input_panel.readingChanged.connect(self.update_controls)
        self.input_panel.documentRead.connect(self._document_read)
        self.input_panel.failed.connect(self._show_failure_text)
        self.input.textChanged.connect(self.update_controls)
        self.input.textChanged.connect(self.changed)
        self.analyze_button.clicked.connect(self.analyze)
        self.stop_button.clicked.connect(self.stop)
        self.continue_button.clicked.connect(self.analyze)
        self.start_over_button.clicked.connect(self.start_over)
        self.close_table_button.clicked.connect(self.close_table)
        self.column.currentTextChanged.connect(self._column_changed)
        self.card.copied.connect(self.statusMessage)
        self.batch.exportRequested.connect(self.export)

        self._jobs.finished.connect(self._on_finished)
        self._jobs.failed.connect(self._on_failed)
        self._batch.rows.connect(self._on_rows)
        self._batch.progress.connect(self._on_batch_progress)
        self._batch.finished.connect(self._on_batch_finished)
        self._batch.failed.connect(self._on_batch_failed)
        self._bridge.modelLoaded.connect(self._on_engine_changed)
        self._bridge.modelFailed.connect(self._on_engine_changed)
        self._bridge.stateChanged.connect(self._on_engine_changed)
        self._bridge.busyChanged.connect(self._on_engine_changed)

    # ------------------------------------------------------------ state
    @property
    def running(self) -> bool:
        return self._run is not None

    @property
    def batch_mode(self) -> bool:
        return self.opened is not None

    def has_input(self) -> bool:
        if self.opened is not None:
            return bool(self.column.currentText())
        return bool(self.input.toPlainText().strip())

    def update_controls(self) -> None:
        if not self._ready:
            return
        model = self._bridge.active_model
        running = self.running
        busy = self._bridge.is_busy()
        has_input = self.has_input()
        if running:
            hint = "Analysing… Esc stops; what is done is kept."
        elif model is None:
            hint = self.no_model_hint
        elif busy:
            hint = "The model is busy (another tab is writing, or a model is loading)…"
        elif not has_input:
            hint = "Paste a text, or open a document or a CSV file."
        elif self.opened is not None:
            hint = f"Ctrl+Enter analyses the {len(self.opened.table.rows):,} rows."
        else:
            hint = "Ctrl+Enter analyses the text."
        can_run = not running and model is not None and not busy and self._opening == 0
        self.analyze_button.setEnabled(can_run and has_input)
        self.continue_button.setEnabled(can_run and has_input)
        self.start_over_button.setEnabled(can_run and has_input)
        self.stop_button.setEnabled(running)
        self.hint.setText(hint)
        idle = not running and not self.input_panel.reading
        self.open_button.setEnabled(idle)
        self.open_table_button.setEnabled(idle)
        self.close_table_button.setEnabled(not running)
        self.column.setEnabled(not running)
        self.input.setReadOnly(running)
        self.batch.update_buttons(running=self._run == "batch")

    def _on_engine_changed(self, _what: object) -> None:
        self.update_controls()

    def sampling(self) -> SamplingOptions:
        """Analyses are the app's: greedy (repeatable) and long enough for the whole JSON,
        whatever Preferences say about the writing tools' answers."""
        return SamplingOptions(max_tokens=ANSWER_TOKENS, temperature=TEMPERATURE)

    # ------------------------------------------------------------ opening files
    def choose_file(self) -> None:
        path = ask_open_path(self, "Open a document or a table")
        if path:
            self.open_file(path)

    def open_file(self, path: str, *, quiet: bool = False) -> None:
        """A document goes to the text box; a .csv/.tsv table starts a batch.

        ``quiet``: a table put back from the draft; if it cannot be read any more, the
        status bar says so instead of a dialog at start-up.
        """
        if self.running:
            self.statusMessage.emit("Stop the analysis first, then open another file.")
            return
        if Path(path).suffix.lower() not in TABLE_SUFFIXES:
            self.input_panel.read(path)
            return
        self._opening += 1
        self.status.setText(f"Opening {Path(path).name}…")
        self.update_controls()
        data_dir = self.paths.data_dir
        self._background.start(
            lambda: open_table(Path(path), data_dir),
            name="read-table",
            what_failed="The table could not be opened",
            done=self._table_opened,
            failed=self._table_not_restored if quiet else self._table_failed,
        )

    def _table_opened(self, opened: OpenedTable) -> None:
        self._opening -= 1
        self.opened = opened
        self.status.setText("")
        count = len(opened.table.rows)
        self.table_info.setText(
            f"{opened.path.name} · {count:,} rows · {len(opened.table.columns)} columns"
        )
        self.column.blockSignals(True)
        self.column.clear()
        self.column.addItems(list(opened.table.columns))
        column = self._restoring_column
        self._restoring_column = ""
        self.column.setCurrentText(column if column in opened.table.columns else opened.column)
        self.column.blockSignals(False)
        self.output_info.setText(
            f"Each finished row is written to {opened.output}, so a stopped batch goes on "
            "where it left off."
        )
        self.input_panel.hide()
        self.table_box.show()
        self.results.setCurrentWidget(self.batch)
        self.batch.reset(self.column.currentText(), count)
        self._show_resume(opened.done, count)
        self.update_controls()
        self.column.setFocus()
        self.changed.emit()

    def _table_failed(self, failure: Failure) -> None:
        self._opening -= 1
        self.status.setText("")
        self.update_controls()
        messages.error(self, failure.message)

    def _table_not_restored(self, failure: Failure) -> None:
        self._opening -= 1
        self._restoring_column = ""
        self.status.setText("")
        self.update_controls()
        self.statusMessage.emit(f"The table of the last session was not opened: {failure.message}")

    def _show_resume(self, done: int, total: int) -> None:
        if done > 0:
            left = "all rows are done" if done >= total else "Continue analyses the rest"
            self.resume_text.setText(f"{done:,} of {total:,} rows are done — {left}.")
            self.resume.show()
        else:
            self.resume.hide()

    def _column_changed(self, column: str) -> None:
        if self.opened is not None and column and not self.running:
            self.batch.reset(column, len(self.opened.table.rows))
        self.update_controls()
        self.changed.emit()

    def close_table(self) -> None:
        """Back to one text (the table's results stay in its output file)."""
        if self.running:
            return
        self.opened = None
        self.table_box.hide()
        self.resume.hide()
        self.input_panel.show()
        self.results.setCurrentWidget(self.card)
        self.update_controls()
        self.input.setFocus()
        self.changed.emit()

    def _document_read(self, notice: str) -> None:
        self.close_table()
        if notice:
            self.statusMessage.emit(notice)

    def _show_failure_text(self, message: str) -> None:
        messages.error(self, message)

    # ------------------------------------------------------------ drafts
    def draft_state(self) -> dict[str, Any]:
        """The text, and the table and column of a batch, for the drafts database."""
        opened = self.opened
        return {
            "inputs": {
                "text": self.input.toPlainText(),
                "table": str(opened.path) if opened is not None else "",
            },
            "options": {"column": self.column.currentText() if opened is not None else ""},
            "output": "",
        }

    def restore_draft(self, state: Mapping[str, Any]) -> None:
        """Put the text back, and open the table of a batch again (it offers Continue)."""
        inputs = state.get("inputs")
        options = state.get("options")
        inputs = inputs if isinstance(inputs, Mapping) else {}
        options = options if isinstance(options, Mapping) else {}
        text, table = inputs.get("text"), inputs.get("table")
        if isinstance(text, str):
            self.input.setPlainText(text)
        if isinstance(table, str) and table:
            column = options.get("column")
            self._restoring_column = column if isinstance(column, str) else ""
            self.open_file(table, quiet=True)

    # ------------------------------------------------------------ drops on the tab
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # Qt override
        if InputEdit._local_file(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # Qt override
        path = InputEdit._local_file(event.mimeData())
        if path:
            event.acceptProposedAction()
            self.open_file(path)

    # ------------------------------------------------------------ running
    def analyze(self) -> None:
        """Analyze the text, or every row of the table (continuing an earlier run)."""
        if not self.analyze_button.isEnabled():
            return
        if self.opened is not None:
            self._start_batch()
        else:
            self._start_one()

    def stop(self) -> None:
        if self._run == "batch":
            self._batch.stop()
        elif self._run == "one":
            self._jobs.stop()

    def shutdown(self) -> None:
        """The window is closing: stop, and let no late event reach the tab."""
        self._background.close()
        self._jobs.shutdown()
        self._batch.shutdown()

    def _start_one(self) -> None:
        text = self.input.toPlainText()
        request = AnalyzeRequest(text)
        try:
            request.check()
        except UserFacingError as exc:
            messages.error(self, str(exc))
            return
        if not self._bridge.may_send():  # the user did not agree to send text to a server
            return
        if not self._jobs.start(
            lambda limits: analyze_job(request, limits),
            self.sampling(),
            max_answer_tokens=ANSWER_TOKENS,
        ):
            messages.error(self, "The model is busy; try again in a moment.")
            return
        self._run = "one"
        self._analysed_text = text
        self.status.setText("Analysing…")
        self.results.setCurrentWidget(self.card)
        self.update_controls()

    def _on_finished(self, result: JobResult) -> None:
        self._run = None
        self.update_controls()
        if result.cancelled:
            self.status.setText("Stopped: the text was not analysed.")
            return
        data = result.detail.get("analysis")
        if not isinstance(data, dict):
            self.status.setText("")
            messages.error(self, "The model's answer could not be read as an analysis.")
            return
        # A text too long for the model is analysed in part: the card shows that part.
        text = result.detail.get("analysed_text", self._analysed_text)
        text = text if isinstance(text, str) else self._analysed_text
        self.card.show_analysis(Analysis.from_json(data, text), text)
        notices = " ".join(result.notices)
        self.status.setText(f"Analysed in {result.elapsed_s:.1f} s. {notices}".strip())

    def _on_failed(self, message: str, _code: str) -> None:
        self._run = None
        self.status.setText("")
        self.update_controls()
        messages.error(self, message)

    def start_over(self) -> None:
        """Analyse every row again; the earlier output is renamed, never deleted."""
        opened = self.opened
        if opened is None or self.running:
            return
        try:
            kept = set_aside(opened.output) if opened.output.exists() else None
        except OSError as exc:
            messages.error(
                self,
                f"The earlier results ({opened.output.name}) could not be moved aside: "
                f"{exc.strerror or exc}. Close any program that has it open, then try again.",
            )
            return
        if kept is not None:
            self.statusMessage.emit(f"The earlier results were kept as {kept.name}.")
        self.resume.hide()
        self._start_batch()

    def _start_batch(self) -> None:
        opened = self.opened
        assert opened is not None
        column = self.column.currentText()
        job = BatchJob(opened.table, column, opened.output, self.sampling())
        if not self._bridge.may_send():  # the user did not agree to send text to a server
            return
        if not self._batch.start(job):
            messages.error(self, "The model is busy; try again in a moment.")
            return
        self._run = "batch"
        self.resume.hide()
        self.batch.model.column = column
        self.batch.started()
        self.status.setText("")
        self.update_controls()

    def _on_rows(self, rows: list[BatchRow]) -> None:
        self.batch.add_rows(rows)

    def _on_batch_progress(self, event: BatchProgress) -> None:
        self.batch.show_progress(event)

    def _on_batch_finished(self, event: BatchDone) -> None:
        self._run = None
        self.batch.finished(event)
        self.update_controls()
        if self.opened is not None and event.stopped:
            self._show_resume(event.done, event.total)

    def _on_batch_failed(self, message: str, _code: str) -> None:
        self._run = None
        self.batch.failed()
        self.update_controls()
        if self.opened is not None:  # e.g. the engine crashed: the rows written are kept
            self._show_resume(len(self.batch.rows()), len(self.opened.table.rows))
        messages.error(self, message)

    # ------------------------------------------------------------ export
    def export(self, path: str) -> None:
        """Write the rows on show to ``path`` (.csv or .jsonl), off the GUI thread."""
        opened = self.opened
        rows = self.batch.rows()
        if opened is None or not rows:
            return
        columns = opened.table.columns
        target = Path(path)
        self._background.start(
            lambda: export_rows(rows, columns, target),
            name="export-analysis",
            what_failed="The rows could not be exported",
            done=lambda _none: self.statusMessage.emit(
                f"{len(rows):,} rows were exported to {target.name}."
            ),
            failed=lambda failure: messages.error(self, failure.message),
        )
