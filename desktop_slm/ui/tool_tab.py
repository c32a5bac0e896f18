"""What every writing-tool tab shares: input, options, Generate/Stop, streamed output, actions.

A tab subclasses :class:`ToolTab` and says what its request is (:meth:`job_factory`),
which options it has and how its draft is stored; the base runs the job through a
:class:`JobsBridge` and does the rest: documents opened or dropped onto the input,
progress for jobs of many steps, the live words/tokens/speed line, inline errors
(with "Summarize first" for input that is too long), Regenerate, Copy, Save as…,
follow-up rewrites of the output, history and the draft's ``changed`` signal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtCore import QMimeData, Qt, QTimer, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
    QShortcut,
    QShowEvent,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop_slm.config import Settings
from desktop_slm.engine.protocol import SamplingOptions
from desktop_slm.errors import UserFacingError
from desktop_slm.models.selection import ModelSettings
from desktop_slm.storage.drafts import DraftStore, HistoryEntry
from desktop_slm.tools import rewrite
from desktop_slm.tools.jobs import JobProgress, JobResult, JobStepDone, JobToken
from desktop_slm.ui import theme
from desktop_slm.ui.bridge.engine import EngineBridge
from desktop_slm.ui.bridge.jobs import JobFactory, JobsBridge, LiveStats, run_in_background
from desktop_slm.ui.history import HistoryPanel

if TYPE_CHECKING:
    from desktop_slm.documents.reader import Document
    from desktop_slm.tools.prompt import ToolPrompt

log = logging.getLogger(__name__)

PREFILL_DELAY_MS = 600
"""A pause in typing this long sends the request to be evaluated ahead of Generate."""

# Documents and saving are imported when first used: they load the PDF and Word
# libraries, which the window's first paint does not need.


def open_filter() -> str:
    from desktop_slm.documents.reader import SUPPORTED_SUFFIXES

    return "Documents (" + " ".join(f"*{s}" for s in SUPPORTED_SUFFIXES) + ");;All files (*)"


# Dialogs that tests replace (a real one would block them).
def _ask_open_path(parent: QWidget, title: str) -> str:
    path, _ = QFileDialog.getOpenFileName(parent, title, "", open_filter())
    return path


def _ask_save_path(parent: QWidget, title: str, suggested: str) -> str:
    from desktop_slm.ui.saving import SAVE_FILTERS, suffix_for_filter

    path, chosen = QFileDialog.getSaveFileName(parent, title, suggested, ";;".join(SAVE_FILTERS))
    if path and not Path(path).suffix:
        path += suffix_for_filter(chosen) or ".txt"
    return path


ask_open_path: Callable[[QWidget, str], str] = _ask_open_path
ask_save_path: Callable[[QWidget, str, str], str] = _ask_save_path


def words(text: str) -> int:
    return len(text.split())


def stats_line(word_count: int, tokens: int, rate: float) -> str:
    return f"{word_count} words · {tokens} tokens · {rate:.1f} tokens/s"


class InputEdit(QPlainTextEdit):
    """A text box that also takes files dropped on it (text drops work as usual)."""

    fileDropped = Signal(str)

    @staticmethod
    def _local_file(data: QMimeData) -> str | None:
        if not data.hasUrls():
            return None
        for url in data.urls():
            if url.isLocalFile():
                return url.toLocalFile()
        return None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # Qt override
        if self._local_file(event.mimeData()):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # Qt override
        if self._local_file(event.mimeData()):
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # Qt override
        path = self._local_file(event.mimeData())
        if path:
            event.acceptProposedAction()
            self.fileDropped.emit(path)
        else:
            super().dropEvent(event)


class ToolTab(QWidget):
    """One writing tool. Generate: Ctrl+Enter. Stop: Esc."""

    statusMessage = Signal(str)
    summarizeRequested = Signal(str)  # text too long here, to be summarized first
    changed = Signal()  # inputs, options or output changed (the draft is due)

    tab_id: ClassVar[str] = "tool"
    output_kind: ClassVar[str] = "text"
    """What the output is, for the follow-up rewrites ("email", "report", ...)."""
    input_title: ClassVar[str] = "Text"
    input_placeholder: ClassVar[str] = ""
    output_title: ClassVar[str] = "Result"
    output_placeholder: ClassVar[str] = "The result appears here. You can edit it."
    empty_hint: ClassVar[str] = "Paste a text or open a document, then press Ctrl+Enter."
    ready_hint: ClassVar[str] = "Press Ctrl+Enter to start."
    running_hint: ClassVar[str] = "Writing… press Esc to stop."
    save_name: ClassVar[str] = "result.docx"
    no_model_hint = "Open a model first (File > Open model…)."
    """Shown while no model is open; the window points it at the Models tab if none is installed."""

    def __init__(
        self,
        bridge: EngineBridge,
        settings: Settings,
        parent: QWidget | None = None,
        *,
        tuning: Callable[[], ModelSettings] | None = None,
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._settings = settings
        self.tuning: Callable[[], ModelSettings] = tuning or (lambda: ModelSettings.of(settings))
        """The active model's temperature and answer length (its own, else Preferences)."""
        self._jobs = JobsBridge(bridge, self)
        self._store: DraftStore | None = None
        self._mode: str | None = None
        """What is running: "generate", "rewrite" or a tab's own step; None when idle."""
        self._too_long_text = ""
        self._before_rewrite: str | None = None
        self._completions: list[JobStepDone] = []
        self._tokens = 0
        self._rate = 0.0
        self._preview = ""
        self._progress: JobProgress | None = None
        self._step_text: list[str] = []
        self._reading = 0

        self.input = InputEdit()
        self.input.setObjectName(self._name("Input"))
        self.input.setPlaceholderText(self.input_placeholder)
        self.input.setAccessibleName(self.input_title)
        self.open_button = QPushButton("Open file…")
        self.open_button.setObjectName(self._name("OpenButton"))
        self.open_button.setToolTip(
            "Open a .txt, .md, .pdf, .docx or .html file (or drop it on the text box)"
        )
        self.document_info = QLabel()
        self.document_info.setObjectName(self._name("DocumentInfo"))
        theme.tone(self.document_info, "muted")
        self.document_info.setWordWrap(True)
        self.document_info.hide()

        self.generate_button = QPushButton("Generate")
        self.generate_button.setObjectName(self._name("GenerateButton"))
        self.generate_button.setToolTip("Start (Ctrl+Enter)")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName(self._name("StopButton"))
        self.stop_button.setToolTip("Stop (Esc); what is done so far is kept")
        self.stop_button.setEnabled(False)
        self.hint = QLabel()
        self.hint.setObjectName(self._name("GenerateHint"))
        self.hint.setWordWrap(True)

        self.output = QPlainTextEdit()
        self.output.setObjectName(self._name("Output"))
        self.output.setPlaceholderText(self.output_placeholder)
        self.output.setAccessibleName(self.output_title)
        self.progress = QProgressBar()
        self.progress.setObjectName(self._name("Progress"))
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.progress_label = QLabel()
        self.progress_label.setObjectName(self._name("ProgressLabel"))
        self.progress_label.hide()
        self.working = QLabel()
        self.working.setObjectName(self._name("Working"))
        self.working.setStyleSheet("font-style: italic;")
        theme.tone(self.working, "muted")
        self.working.setWordWrap(True)
        self.working.hide()
        self.error = QLabel()
        self.error.setObjectName(self._name("InlineError"))
        self.error.setWordWrap(True)
        theme.tone(self.error, "error")
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        self.error_action = QPushButton("Summarize first")
        self.error_action.setObjectName(self._name("SummarizeFirst"))
        self.error_action.setToolTip("Move this text to the Summarize tab")
        self.error_action.hide()
        self.notice = QLabel()
        self.notice.setObjectName(self._name("Notice"))
        self.notice.setWordWrap(True)
        theme.tone(self.notice, "warning")
        self.notice.hide()
        self.stats = QLabel()
        self.stats.setObjectName(self._name("GenerationStats"))

        self.regenerate_button = QPushButton("Regenerate")
        self.regenerate_button.setObjectName(self._name("Regenerate"))
        self.copy_button = QPushButton("Copy")
        self.copy_button.setObjectName(self._name("Copy"))
        self.save_button = QPushButton("Save as…")
        self.save_button.setObjectName(self._name("Save"))
        self.undo_button = QPushButton("Undo rewrite")
        self.undo_button.setObjectName(self._name("UndoRewrite"))
        self.undo_button.hide()
        self.history_button = QPushButton("History")
        self.history_button.setObjectName(self._name("HistoryButton"))
        self.history_button.setCheckable(True)
        self.follow_ups: dict[str, QPushButton] = {}
        for key, action in rewrite.ACTIONS.items():
            button = QPushButton(action.label)
            button.setObjectName(self._name(f"Rewrite_{key}"))
            button.setToolTip(f"Rewrite the result: {action.label.lower()}")
            button.clicked.connect(lambda _checked=False, key=key: self.rewrite(key))
            self.follow_ups[key] = button

        self.history = HistoryPanel(self.tab_id)
        self.history.hide()

        self.create_widgets()
        self._layout()

        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.generate)
        stop = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        stop.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        stop.activated.connect(self.stop)

        self.generate_button.clicked.connect(self.generate)
        self.stop_button.clicked.connect(self.stop)
        self.regenerate_button.clicked.connect(self.regenerate)
        self.copy_button.clicked.connect(self.copy_output)
        self.save_button.clicked.connect(self.save_as)
        self.undo_button.clicked.connect(self.undo_rewrite)
        self.open_button.clicked.connect(self.open_document)
        self.error_action.clicked.connect(self._summarize_first)
        self.history_button.toggled.connect(self._show_history)
        self.history.reopen.connect(self.reopen)
        self.history.failed.connect(self.show_error)
        self.input.fileDropped.connect(self.load_document)
        self.input.textChanged.connect(self._input_changed)
        self.output.textChanged.connect(self._output_changed)

        self._jobs.progress.connect(self._on_progress)
        self._jobs.token.connect(self._on_token)
        self._jobs.preview.connect(self._on_preview)
        self._jobs.stepDone.connect(self._on_step_done)
        self._jobs.live.connect(self._on_live)
        self._jobs.finished.connect(self._on_finished)
        self._jobs.failed.connect(self._on_failed)
        # Evaluating the request while the user pauses makes Generate answer at once.
        self._prefill_timer = QTimer(self)
        self._prefill_timer.setSingleShot(True)
        self._prefill_timer.setInterval(PREFILL_DELAY_MS)
        self._prefill_timer.timeout.connect(self._prefill)
        # Bound methods, not lambdas: Qt drops these connections when the tab is deleted.
        bridge.modelLoaded.connect(self._schedule_prefill)
        bridge.modelLoaded.connect(self._on_engine_changed)
        bridge.modelFailed.connect(self._on_engine_changed)
        bridge.stateChanged.connect(self._on_engine_changed)
        bridge.busyChanged.connect(self._on_engine_changed)
        self.update_controls()

    # ------------------------------------------------------------ layout
    def create_widgets(self) -> None:
        """Create the tool's own widgets (called before the layout is built)."""

    def _name(self, suffix: str) -> str:
        """Object names: ``emailOutput`` for the Email tab's output, and so on."""
        return f"{self.tab_id}{suffix}"

    def _layout(self) -> None:
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.build_inputs(left_layout)
        form = QFormLayout()
        self.build_options(form)
        left_layout.addLayout(form)
        buttons = QHBoxLayout()
        buttons.addWidget(self.generate_button)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.hint, 1)
        left_layout.addLayout(buttons)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        self.build_output(right_layout)
        right_layout.addWidget(self.progress_label)
        right_layout.addWidget(self.progress)
        right_layout.addWidget(self.working)
        error_row = QHBoxLayout()
        error_row.addWidget(self.error, 1)
        error_row.addWidget(self.error_action, 0, Qt.AlignmentFlag.AlignTop)
        right_layout.addLayout(error_row)
        right_layout.addWidget(self.notice)
        right_layout.addWidget(self.stats)
        actions = QHBoxLayout()
        for button in (self.regenerate_button, self.copy_button, self.save_button):
            actions.addWidget(button)
        self.build_actions(actions)
        actions.addStretch(1)
        actions.addWidget(self.undo_button)
        actions.addWidget(self.history_button)
        right_layout.addLayout(actions)
        follow = QHBoxLayout()
        follow.addWidget(QLabel("Rewrite:"))
        for button in self.follow_ups.values():
            follow.addWidget(button)
        follow.addStretch(1)
        right_layout.addLayout(follow)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.addWidget(self.history)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter)

    def build_inputs(self, layout: QVBoxLayout) -> None:
        header = QHBoxLayout()
        header.addWidget(QLabel(f"<b>{self.input_title}</b>"))
        header.addStretch(1)
        header.addWidget(self.open_button)
        layout.addLayout(header)
        layout.addWidget(self.input, 1)
        layout.addWidget(self.document_info)

    def build_options(self, form: QFormLayout) -> None:
        """Add the tool's options to ``form``."""

    def build_output(self, layout: QVBoxLayout) -> None:
        layout.addWidget(QLabel(f"<b>{self.output_title}</b>"))
        layout.addWidget(self.output, 1)

    def build_actions(self, row: QHBoxLayout) -> None:
        """Add the tool's own actions on the result (after Regenerate, Copy, Save as…)."""

    def watch(self, *signals: Any) -> None:
        """Each of ``signals`` means an option changed: refresh the controls, save the draft."""
        for signal in signals:
            signal.connect(self._option_changed)

    # ------------------------------------------------------------ what a tab defines
    def has_input(self) -> bool:
        return bool(self.input.toPlainText().strip())

    def job_factory(self) -> JobFactory:
        """The job for the current form; raises UserFacingError for unusable options."""
        raise NotImplementedError

    def prefill_prompt(self) -> ToolPrompt | None:
        """The prompt Generate would send now, to evaluate ahead of time; None: not here.

        May raise UserFacingError (options Generate would refuse): nothing is evaluated.
        """
        return None

    def present(self, result: JobResult) -> str:
        """The output text to show for a finished (or stopped) job."""
        return result.text

    def options_state(self) -> dict[str, Any]:
        return {}

    def restore_options(self, state: Mapping[str, Any]) -> None:
        """Put saved option values back (unknown or missing values are ignored)."""

    def inputs_state(self) -> dict[str, Any]:
        return {"input": self.input.toPlainText()}

    def restore_inputs(self, state: Mapping[str, Any]) -> None:
        self.input.setPlainText(state_text(state, "input"))

    def long_text(self) -> str:
        """The text to summarize first when the input is too long."""
        return self.input.toPlainText()

    def document_target(self) -> QPlainTextEdit:
        """Where an opened or dropped document goes."""
        return self.input

    def output_language(self) -> str:
        """Language of the output, for rewrites ("" keeps whatever it is in)."""
        return ""

    def save_title(self) -> str:
        return ""

    def live_text(self, preview: str, progress: JobProgress | None, step_text: str) -> str | None:
        """The output while a step that is not the output itself streams; None: leave it."""
        return None

    def show_step_text(self, progress: JobProgress | None, step_text: str) -> bool:
        """Show the streamed text of a step that is not the output; False: not handled."""
        return False

    def job_done(self, mode: str, result: JobResult) -> None:
        """Called after a job of the tab's own ``mode`` (not generate/rewrite) finished."""

    # ------------------------------------------------------------ output
    def output_text(self) -> str:
        return self.output.toPlainText()

    def set_output_text(self, text: str) -> None:
        """Replace the output; while a job runs, the view keeps its scroll position."""
        bar = self.output.verticalScrollBar()
        position = bar.value()
        self.output.setPlainText(text)
        if self.running:
            bar.setValue(position)

    def append_output(self, text: str) -> None:
        bar = self.output.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 4
        cursor = QTextCursor(self.output.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(text)
        if at_end:
            bar.setValue(bar.maximum())

    # ------------------------------------------------------------ state
    @property
    def running(self) -> bool:
        return self._mode is not None

    def set_store(self, store: DraftStore | None) -> None:
        self._store = store
        self.history.set_store(store)

    def update_controls(self) -> None:
        model = self._bridge.active_model
        running = self.running
        busy = self._bridge.is_busy()
        if running:
            hint = self.running_hint
        elif model is None:
            hint = self.no_model_hint
        elif busy and not self._jobs.running:
            hint = "The model is busy (another tab is writing, or a model is loading)…"
        elif not self.has_input():
            hint = self.empty_hint
        elif model.info.is_base_model:
            hint = "Base model: not instruction-tuned, so drafts will be rough."
        else:
            hint = self.ready_hint
        can_run = not running and model is not None and not busy
        has_output = bool(self.output_text().strip())
        self.generate_button.setEnabled(can_run and self.has_input())
        self.stop_button.setEnabled(running)
        self.hint.setText(hint)
        self.regenerate_button.setEnabled(can_run and self.has_input() and has_output)
        for button in self.follow_ups.values():
            button.setEnabled(can_run and has_output)
        self.copy_button.setEnabled(not running and has_output)
        self.save_button.setEnabled(not running and has_output)
        self.undo_button.setEnabled(not running)
        self.open_button.setEnabled(not running and not self._reading)
        self.output.setReadOnly(running)

    def _on_engine_changed(self, _what: object) -> None:
        self.update_controls()

    def _input_changed(self) -> None:
        self.update_controls()
        self._schedule_prefill()
        self.changed.emit()

    def _output_changed(self) -> None:
        self.update_controls()
        self.changed.emit()

    def _option_changed(self, *_args: object) -> None:
        self.update_controls()
        self._schedule_prefill()
        self.changed.emit()

    # ------------------------------------------------------------ evaluating ahead
    def _schedule_prefill(self, *_args: object) -> None:
        if self._settings.prepare_while_typing:
            self._prefill_timer.start()  # (re)started: only a pause in typing triggers it

    def _prefill(self) -> None:
        """Send the request as it stands to be evaluated (the front tab only, when idle)."""
        if (
            not self._settings.prepare_while_typing
            or not self.isVisible()
            or self.running
            or self._bridge.is_busy()
        ):
            return
        try:
            prompt = self.prefill_prompt()
        except UserFacingError:
            return  # Generate will say what is wrong
        if prompt is not None:
            self._bridge.prefill(prompt)

    def showEvent(self, event: QShowEvent) -> None:  # Qt override
        super().showEvent(event)
        self._schedule_prefill()

    def draft_state(self) -> dict[str, Any]:
        """Everything the tab holds, for the drafts database."""
        return {
            "inputs": self.inputs_state(),
            "options": self.options_state(),
            "output": self.output_text(),
        }

    def restore_draft(self, state: Mapping[str, Any]) -> None:
        inputs, options = state.get("inputs"), state.get("options")
        self.restore_options(options if isinstance(options, Mapping) else {})
        self.restore_inputs(inputs if isinstance(inputs, Mapping) else {})
        self.set_output_text(state_text(state, "output"))
        self.update_controls()

    def reopen(self, entry: HistoryEntry) -> None:
        """Put a history entry back: its inputs, options and result."""
        if self.running:
            self.show_error("Stop the running answer first, then reopen the entry.")
            return
        self.restore_draft(
            {"inputs": entry.inputs, "options": entry.options, "output": entry.output}
        )
        self._clear_messages()
        self.stats.setText(f"Reopened from history: {entry.title}")

    # ------------------------------------------------------------ running
    def sampling(self) -> SamplingOptions:
        return SamplingOptions(temperature=self.tuning().temperature)

    # What Generate starts; the Report tab's Generate plans an outline first.
    generate_kind = "generate"

    def generate(self) -> None:
        if self.running or not self.generate_button.isEnabled():
            return
        try:
            factory = self.job_factory()
        except UserFacingError as exc:
            self.show_error(str(exc))
            return
        self.start_job(factory, self.generate_kind, too_long_text=self.long_text())

    def regenerate(self) -> None:
        if self.regenerate_button.isEnabled():
            self.generate()

    def rewrite(self, action: str) -> None:
        text = self.output_text()
        if self.running or not text.strip() or not self.follow_ups[action].isEnabled():
            return
        request = rewrite.RewriteRequest(
            text=text, action=action, language=self.output_language(), kind=self.output_kind
        )
        try:
            rewrite.build(request)  # checks the request here, on the GUI thread
        except UserFacingError as exc:
            self.show_error(str(exc))
            return
        factory: JobFactory = lambda limits: rewrite.job(request, limits)  # noqa: E731
        if self.start_job(factory, "rewrite", too_long_text=text):
            self._before_rewrite = text

    def start_job(self, factory: JobFactory, mode: str, *, too_long_text: str = "") -> bool:
        """Run ``factory``'s job; the output is cleared and streams in again."""
        if self._bridge.active_model is None:
            self.show_error(self.no_model_hint)
            return False
        if not self._jobs.start(
            factory, self.sampling(), max_answer_tokens=self.tuning().max_tokens
        ):
            self.show_error("The model is busy; try again in a moment.")
            return False
        self._mode = mode
        self._too_long_text = too_long_text
        self._completions = []
        self._tokens = 0
        self._rate = 0.0
        self._preview = ""
        self._progress = None
        self._step_text = []
        self._clear_messages()
        self.undo_button.hide()
        self.progress.hide()
        self.progress_label.hide()
        self.working.hide()
        self.stats.setText("Starting…")
        if self.clears_output(mode):
            self.output.clear()
        self.update_controls()
        return True

    def clears_output(self, mode: str) -> bool:
        return True

    def stop(self) -> None:
        if self.running:
            self._jobs.stop()

    def shutdown(self) -> None:
        """The window is closing: stop the job and let no late event reach the tab."""
        self._jobs.shutdown()

    # ------------------------------------------------------------ job events
    def _on_progress(self, event: JobProgress) -> None:
        if not self.running:
            return
        self._progress = event
        self._step_text = []
        if event.total > 1 or event.phase not in ("final", ""):
            self.progress.setRange(0, max(1, event.total))
            self.progress.setValue(event.step - 1)
            self.progress.setFormat(f"{event.step} of {event.total}")
            self.progress_label.setText(event.label)
            self.progress.show()
            self.progress_label.show()
        elif self.progress.isVisible():
            self.progress_label.setText(event.label)
            self.progress.setRange(0, 1)
            self.progress.setValue(0)
            self.progress.setFormat("final step")
        self.working.hide()

    def _on_token(self, event: JobToken) -> None:
        if not self.running:
            return
        self._tokens += 1
        if event.is_output:
            self.append_output(event.text)
        else:
            self._step_text.append(event.text)
            step_text = "".join(self._step_text)
            if self.show_step_text(self._progress, step_text):
                pass
            elif (live := self.live_text(self._preview, self._progress, step_text)) is not None:
                self.set_output_text(live)
            else:
                tail = " ".join(step_text.split())[-160:]
                self.working.setText(f"…{tail}" if tail else "")
                self.working.setVisible(bool(tail))
        if self._tokens == 1:
            self.stats.setText("Writing…")

    def _on_preview(self, text: str) -> None:
        if not self.running:
            return
        self._preview = text
        self.set_output_text(text)

    def _on_step_done(self, event: JobStepDone) -> None:
        if not self.running:
            return
        self._completions.append(event)
        if self.progress.isVisible() and self._progress is not None:
            self.progress.setValue(self._progress.step)

    def _on_live(self, live: LiveStats) -> None:
        if self.running:
            self._rate = live.tokens_per_s
            self.stats.setText(stats_line(words(self.output_text()), live.tokens, self._rate))

    def _on_finished(self, result: JobResult) -> None:
        mode = self._mode
        if mode is None:
            return
        self._mode = None
        self.working.hide()
        if mode in ("generate", "rewrite"):
            shown = self.present(result)
            if shown.strip() or not result.cancelled:
                self.set_output_text(shown)
        else:
            self.job_done(mode, result)
        if self.progress.isVisible():
            if result.cancelled:
                self.progress_label.setText(f"Stopped: {self.progress_label.text()}")
            else:
                self.progress.setValue(self.progress.maximum())
                self.progress_label.setText("Done")
        self.stats.setText(self.final_stats(result))
        if mode == "rewrite" and self._before_rewrite is not None:
            self.undo_button.show()
        if mode in ("generate", "rewrite") and not result.cancelled:
            self._add_history(mode)
        self.update_controls()

    def final_stats(self, result: JobResult) -> str:
        generation_s = sum(e.completion.timings.generation_s for e in self._completions)
        counted = sum(e.completion.completion_tokens for e in self._completions)
        if generation_s > 0 and counted:
            rate = counted / generation_s
        else:
            rate = self._rate or result.tokens_per_s
        text = stats_line(words(self.output_text()), result.completion_tokens, rate)
        if result.cancelled:
            return f"Stopped. {text}"
        if self._completions and self._completions[-1].completion.finish_reason == "length":
            text += " · reached the length limit"
        return text

    def _on_failed(self, message: str, code: str) -> None:
        mode = self._mode
        if mode is None:
            return
        self._mode = None
        self.working.hide()
        self.stats.setText("")
        if self.progress.isVisible():
            self.progress_label.setText(f"Failed: {self.progress_label.text()}")
        self.show_error(message, too_long=code == "input_too_long")
        if mode == "rewrite" and self._before_rewrite is not None:
            self.undo_button.show()
        self.update_controls()

    def _add_history(self, mode: str) -> None:
        if self._store is None or not self.output_text().strip():
            return
        model = self._bridge.active_model
        try:
            self._store.add_history(
                self.tab_id,
                inputs=self.inputs_state(),
                options={**self.options_state(), "action": mode},
                output=self.output_text(),
                model=model.info.display_name() if model is not None else "",
            )
        except Exception as exc:  # a full disk must not lose the result on screen
            log.warning("could not add to history: %s", exc)
            self.statusMessage.emit("The result could not be added to the history.")
            return
        self.history.refresh()

    # ------------------------------------------------------------ messages
    def show_error(self, message: str, *, too_long: bool = False) -> None:
        self.error.setText(message)
        self.error.show()
        self.error_action.setVisible(too_long and bool(self._too_long_text.strip()))
        self.statusMessage.emit(message)

    def show_notice(self, message: str) -> None:
        self.notice.setText(message)
        self.notice.setVisible(bool(message))

    def _clear_messages(self) -> None:
        self.error.hide()
        self.error_action.hide()
        self.notice.hide()

    def _summarize_first(self) -> None:
        self.summarizeRequested.emit(self._too_long_text)
        self._clear_messages()

    # ------------------------------------------------------------ actions on the result
    def copy_output(self) -> None:
        QGuiApplication.clipboard().setText(self.output_text())
        self.statusMessage.emit("Copied to the clipboard.")

    def save_as(self) -> None:
        text = self.output_text()
        if not text.strip():
            return
        path = ask_save_path(self, "Save as", self.save_name)
        if not path:
            return
        try:
            from desktop_slm.ui.saving import save_output

            saved = save_output(path, text, title=self.save_title())
        except UserFacingError as exc:
            self.show_error(str(exc))
            return
        self._clear_messages()
        self.statusMessage.emit(f"Saved {saved}.")
        self.show_notice(f"Saved as {saved.name}.")

    def undo_rewrite(self) -> None:
        if self._before_rewrite is not None and not self.running:
            self.set_output_text(self._before_rewrite)
            self._before_rewrite = None
            self.undo_button.hide()

    def _show_history(self, shown: bool) -> None:
        self.history.setVisible(shown)
        if shown:
            self.history.refresh()

    # ------------------------------------------------------------ documents
    def open_document(self) -> None:
        path = ask_open_path(self, "Open a document")
        if path:
            self.load_document(path)

    def load_document(self, path: str) -> None:
        """Read ``path`` off the GUI thread into :meth:`document_target`."""
        if self.running:
            self.show_error("Stop the running answer first, then open the document.")
            return
        self._reading += 1
        self.document_info.setText(f"Opening {Path(path).name}…")
        self.document_info.show()
        self.update_controls()
        from desktop_slm.documents.reader import read_document

        run_in_background(
            self,
            lambda: read_document(path),
            self._document_read,
            self._document_failed,
            name="read-document",
        )

    def _document_read(self, document: Document) -> None:
        self._reading -= 1
        self._clear_messages()
        self.document_target().setPlainText(document.text)
        plural = "page" if document.pages == 1 else "pages"
        pages = f" · {document.pages} {plural}" if document.pages else ""
        self.document_info.setText(f"{document.path.name}{pages} · {document.words:,} words")
        self.document_info.show()
        if document.notice:
            self.show_notice(document.notice)
        self.update_controls()

    def _document_failed(self, exc: BaseException) -> None:
        self._reading -= 1
        self.document_info.hide()
        if isinstance(exc, UserFacingError):
            self.show_error(str(exc))
        else:
            log.error("opening a document failed", exc_info=exc)
            self.show_error(f"The file could not be opened ({type(exc).__name__}).")
        self.update_controls()


def state_text(state: Mapping[str, Any], key: str) -> str:
    """A string from a saved draft or history entry ("" when missing or not a string)."""
    value = state.get(key, "")
    return value if isinstance(value, str) else ""


def set_combo_data(combo: QComboBox, value: object) -> None:
    """Select the entry of ``combo`` whose data is ``value`` (nothing happens if none is)."""
    index = combo.findData(value)
    if index >= 0:
        combo.setCurrentIndex(index)
