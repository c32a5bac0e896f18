"""A writing tab's job view: Generate/Stop, progress "chunk i of N", the live stats, errors.

:attr:`JobView.controls` (Generate, Stop and the hint) sits under the options; the view
itself is the status strip under the result: the step's progress, the estimate line
("Reading your text… 45% · about 20 s left"), what a step that is not the result is
writing, an inline error (with "Summarize first" when the input is too long), a notice,
and the words · tokens · tokens/s line.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from desktop_slm.tools.estimate import JobEstimate
from desktop_slm.tools.jobs import JobProgress, JobResult, JobStepDone
from desktop_slm.ui import theme
from desktop_slm.ui.bridge.jobs import LiveStats


def bind_run_keys(owner: QWidget, run: Callable[[], None], stop: Callable[[], None]) -> None:
    """Ctrl+Enter runs and Esc stops, anywhere inside ``owner`` (a tab)."""
    for keys in ("Ctrl+Return", "Ctrl+Enter", Qt.Key.Key_Escape):
        shortcut = QShortcut(QKeySequence(keys), owner)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(stop if keys == Qt.Key.Key_Escape else run)


def words(text: str) -> int:
    return len(text.split())


def stats_line(word_count: int, tokens: int, rate: float) -> str:
    return f"{word_count} words · {tokens} tokens · {rate:.1f} tokens/s"


class JobView(QWidget):
    """How the running job is doing; ``summarizeFirst`` is the too-long error's button."""

    summarizeFirst = Signal()

    def __init__(self, tab_id: str, generate_label: str, generate_tip: str) -> None:
        super().__init__()
        self._completions: list[JobStepDone] = []
        self._events = 0
        self._rate = 0.0
        self._step: JobProgress | None = None
        self._step_text: list[str] = []

        self.generate_button = QPushButton(generate_label)
        self.generate_button.setObjectName(f"{tab_id}GenerateButton")
        self.generate_button.setToolTip(generate_tip)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName(f"{tab_id}StopButton")
        self.stop_button.setToolTip("Stop (Esc); what is done so far is kept")
        self.stop_button.setEnabled(False)
        self.hint = QLabel()
        self.hint.setObjectName(f"{tab_id}GenerateHint")
        self.hint.setWordWrap(True)
        self.controls = QWidget()
        row = QHBoxLayout(self.controls)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.generate_button)
        row.addWidget(self.stop_button)
        row.addWidget(self.hint, 1)

        self.progress = QProgressBar()
        self.progress.setObjectName(f"{tab_id}Progress")
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.progress_label = QLabel()
        self.progress_label.setObjectName(f"{tab_id}ProgressLabel")
        self.progress_label.hide()
        self.estimate = QLabel()
        self.estimate.setObjectName(f"{tab_id}Estimate")
        self.estimate.hide()
        self.working = QLabel()
        self.working.setObjectName(f"{tab_id}Working")
        self.working.setStyleSheet("font-style: italic;")
        theme.tone(self.working, "muted")
        self.working.setWordWrap(True)
        self.working.hide()
        self.error = QLabel()
        self.error.setObjectName(f"{tab_id}InlineError")
        self.error.setWordWrap(True)
        theme.tone(self.error, "error")
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        self.error_action = QPushButton("Summarize first")
        self.error_action.setObjectName(f"{tab_id}SummarizeFirst")
        self.error_action.setToolTip("Move this text to the Summarize tab")
        self.error_action.hide()
        self.notice = QLabel()
        self.notice.setObjectName(f"{tab_id}Notice")
        self.notice.setWordWrap(True)
        theme.tone(self.notice, "warning")
        self.notice.hide()
        self.stats = QLabel()
        self.stats.setObjectName(f"{tab_id}GenerationStats")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.progress)
        layout.addWidget(self.estimate)
        layout.addWidget(self.working)
        error_row = QHBoxLayout()
        error_row.addWidget(self.error, 1)
        error_row.addWidget(self.error_action, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(error_row)
        layout.addWidget(self.notice)
        layout.addWidget(self.stats)

        self.error_action.clicked.connect(self.summarizeFirst)

    def set_enabled(self, *, running: bool, can_run: bool, has_input: bool, hint: str) -> None:
        self.generate_button.setEnabled(can_run and has_input)
        self.stop_button.setEnabled(running)
        self.hint.setText(hint)

    # ------------------------------------------------------------ a job's life
    def started(self) -> None:
        self._completions = []
        self._events = 0
        self._rate = 0.0
        self._step = None
        self._step_text = []
        self.clear_messages()
        self.progress.hide()
        self.progress_label.hide()
        self.estimate.hide()
        self.working.hide()
        self.stats.setText("Starting…")

    @property
    def step(self) -> JobProgress | None:
        """The step running now (None before the first, or for a job of one step)."""
        return self._step

    def show_progress(self, event: JobProgress) -> None:
        self._step = event
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

    def show_estimate(self, estimate: JobEstimate) -> None:
        """Reading a long text, or how much of a job of many steps is done and how long is left."""
        line = estimate.line()
        self.estimate.setText(line)
        self.estimate.setVisible(bool(line))

    def text_arrived(self) -> None:
        self._events += 1
        if self._events == 1:
            self.stats.setText("Writing…")

    def add_step_text(self, text: str) -> str:
        """Text of a step that is not the result; returns all of the step's text so far."""
        self._step_text.append(text)
        return "".join(self._step_text)

    def show_working(self, step_text: str) -> None:
        tail = " ".join(step_text.split())[-160:]
        self.working.setText(f"…{tail}" if tail else "")
        self.working.setVisible(bool(tail))

    def step_done(self, event: JobStepDone) -> None:
        self._completions.append(event)
        if self.progress.isVisible() and self._step is not None:
            self.progress.setValue(self._step.step)

    def show_live(self, word_count: int, live: LiveStats) -> None:
        self._rate = live.tokens_per_s
        self.stats.setText(stats_line(word_count, live.tokens, self._rate))

    def finished(self, result: JobResult, word_count: int, note: str) -> None:
        self.working.hide()
        self.estimate.hide()
        if self.progress.isVisible():
            if result.cancelled:
                self.progress_label.setText(f"Stopped: {self.progress_label.text()}")
            else:
                self.progress.setValue(self.progress.maximum())
                self.progress_label.setText("Done")
        self.stats.setText(self._final_stats(result, word_count) + note)

    def _final_stats(self, result: JobResult, word_count: int) -> str:
        generation_s = sum(e.completion.timings.generation_s for e in self._completions)
        counted = sum(e.completion.completion_tokens for e in self._completions)
        if generation_s > 0 and counted:
            rate = counted / generation_s
        else:
            rate = self._rate or result.tokens_per_s
        text = stats_line(word_count, result.completion_tokens, rate)
        if result.cancelled:
            return f"Stopped. {text}"
        last = self._completions[-1].completion if self._completions else None
        if last is not None and last.finish_reason == "length" and not result.notices:
            text += " · reached the length limit"  # else the notice under the answer says it
        return text

    def failed(self, message: str, *, summarize_first: bool) -> None:
        self.working.hide()
        self.estimate.hide()
        self.stats.setText("")
        if self.progress.isVisible():
            self.progress_label.setText(f"Failed: {self.progress_label.text()}")
        self.show_error(message, summarize_first=summarize_first)

    # ------------------------------------------------------------ messages
    def show_error(self, message: str, *, summarize_first: bool = False) -> None:
        self.error.setText(message)
        self.error.show()
        self.error_action.setVisible(summarize_first)

    def show_notice(self, message: str) -> None:
        self.notice.setText(message)
        self.notice.setVisible(bool(message))

    def clear_messages(self) -> None:
        self.error.hide()
        self.error_action.hide()
        self.notice.hide()
