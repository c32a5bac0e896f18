"""A writing tab: the input panel, the output panel and the job view around a tool's form.

:class:`ToolTab` is the same for every tool; what differs is its :class:`ToolSpec`
(texts) and its :class:`ToolForm` (own inputs and options, what Generate starts, how a
result is shown). The tab runs the job through a :class:`JobsBridge`, routes its events
to the parts, keeps the history, evaluates the request ahead while the user pauses, and
says when its draft changed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Generic, TypeVar

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QFormLayout, QSplitter, QVBoxLayout, QWidget

from desktop_slm.checking.facts import FactCheck
from desktop_slm.config import Settings
from desktop_slm.engine.protocol import SamplingOptions
from desktop_slm.errors import UserFacingError
from desktop_slm.models.selection import ModelSettings
from desktop_slm.storage.drafts import DraftStore, HistoryEntry
from desktop_slm.tools import rewrite, verify
from desktop_slm.tools.estimate import JobEstimate
from desktop_slm.tools.jobs import JobProgress, JobResult, JobStepDone, JobToken
from desktop_slm.ui import suggestion
from desktop_slm.ui.bridge.engine import EngineBridge
from desktop_slm.ui.bridge.jobs import JobsBridge, LiveStats
from desktop_slm.ui.history import HistoryPanel
from desktop_slm.ui.tool.input_panel import InputPanel
from desktop_slm.ui.tool.job_view import JobView, bind_run_keys, words
from desktop_slm.ui.tool.output_panel import OutputPanel
from desktop_slm.ui.tool.spec import (
    Controls,
    FormState,
    Run,
    RunMode,
    ToolForm,
    ToolSpec,
    state_text,
)

log = logging.getLogger(__name__)

PREFILL_DELAY_MS = 600
"""A pause in typing this long sends the request to be evaluated ahead of Generate."""
PREFILL_DELAY_SUGGESTING_MS = 3000
"""The same while inline suggestions are on: a prefill replaces the model's cache (even
one cancelled at once), so the next suggestion evaluates its whole prompt again. Pauses
between words are for suggestions; a pause this long (thinking, or done) prepares
Generate."""

RECHECK_DELAY_MS = 300
"""A pause this long in editing the answer checks it against the input again."""

F = TypeVar("F", bound=ToolForm)


class ToolTab(QWidget, Generic[F]):
    """One writing tool. Generate: Ctrl+Enter. Stop: Esc."""

    statusMessage = Signal(str)
    summarizeRequested = Signal(str, str)  # text too long here, to be summarized first; tab id
    changed = Signal()  # inputs, options or output changed (the draft is due)

    no_model_hint = "Open a model first (File > Open model…)."
    """Shown while no model is open; the window points it at the Models tab if none is installed."""

    def __init__(
        self,
        bridge: EngineBridge,
        settings: Settings,
        spec: ToolSpec,
        make_form: Callable[[ToolTab[F]], F],
        parent: QWidget | None = None,
        *,
        tuning: Callable[[], ModelSettings] | None = None,
        background_allowed: Callable[[], bool] = lambda: True,
    ) -> None:
        super().__init__(parent)
        self._ready = False  # the form is being built: nothing to refresh yet
        self.spec = spec
        self.settings = settings
        self._bridge = bridge
        self.tuning: Callable[[], ModelSettings] = tuning or (lambda: ModelSettings.of(settings))
        """The active model's temperature and answer length (its own, else Preferences)."""
        self.background_allowed = background_allowed
        """Whether work nobody asked for (prefill, suggestions) may run now (not while
        saving power: ``PowerBridge.background_allowed``)."""
        self._jobs = JobsBridge(bridge, self)
        self._store: DraftStore | None = None
        self._mode: RunMode | None = None
        self._too_long_text = ""
        self._preview = ""
        self._checked_request: object | None = None
        """The request of the answer on show, which the fact check compares it with."""

        self.job_view = JobView(spec.tab_id, spec.generate_label, spec.generate_tip)
        self.input_panel = InputPanel(spec.tab_id, spec.input_title, spec.input_placeholder)
        self.output_panel = OutputPanel(
            spec.tab_id, spec.output_title, spec.output_placeholder, self.job_view
        )
        self.options = QFormLayout()
        """The tool's options; its form adds the rows."""
        self.history = HistoryPanel(spec.tab_id)
        self.history.hide()
        # The widgets people (and the tests) reach for, by their names.
        self.input = self.input_panel.input
        self.open_button = self.input_panel.open_button
        self.document_info = self.input_panel.document_info
        self.output = self.output_panel.output
        self.regenerate_button = self.output_panel.regenerate_button
        self.copy_button = self.output_panel.copy_button
        self.save_button = self.output_panel.save_button
        self.undo_button = self.output_panel.undo_button
        self.history_button = self.output_panel.history_button
        self.follow_ups = self.output_panel.follow_ups
        self.check_line = self.output_panel.check_line
        self.generate_button = self.job_view.generate_button
        self.stop_button = self.job_view.stop_button
        self.hint = self.job_view.hint
        self.progress = self.job_view.progress
        self.progress_label = self.job_view.progress_label
        self.working = self.job_view.working
        self.error = self.job_view.error
        self.error_action = self.job_view.error_action
        self.notice = self.job_view.notice
        self.stats = self.job_view.stats

        self.form: F = make_form(self)
        self.input_panel.target = self.form.document_target
        self._layout()
        self._connect()
        self.suggestions = suggestion.attach(self, bridge, self._suggesting)
        """Inline suggestions in every text box of the tab (the form's own included)."""
        self._ready = True
        self.update_controls()

    @property
    def tab_id(self) -> str:
        return self.spec.tab_id

    def _layout(self) -> None:
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.input_panel, 1)
        left_layout.addLayout(self.options)
        left_layout.addWidget(self.job_view.controls)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.output_panel)
        self.splitter.addWidget(self.history)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter)

    def _connect(self) -> None:
        bind_run_keys(self, self.generate, self.stop)

        self.generate_button.clicked.connect(self.generate)
        self.stop_button.clicked.connect(self.stop)
        self.job_view.summarizeFirst.connect(self._summarize_first)
        self.input_panel.openRequested.connect(self.load_document)
        self.input_panel.readingChanged.connect(self.update_controls)
        self.input_panel.documentRead.connect(self._document_read)
        self.input_panel.failed.connect(self.show_error)
        self.input.textChanged.connect(self._input_changed)
        self.output.textChanged.connect(self._output_changed)
        self.regenerate_button.clicked.connect(self.regenerate)
        self.save_button.clicked.connect(self.save_as)
        self.undo_button.clicked.connect(self.undo_rewrite)
        self.history_button.toggled.connect(self._show_history)
        self.output_panel.rewriteRequested.connect(self.rewrite)
        self.check_line.fixRequested.connect(self.fix_details)
        self.output_panel.saved.connect(self._saved)
        self.output_panel.failed.connect(self.show_error)
        self.output_panel.statusMessage.connect(self.statusMessage)
        self.history.reopen.connect(self.reopen)
        self.history.failed.connect(self.show_error)

        self._jobs.progress.connect(self._on_progress)
        self._jobs.token.connect(self._on_token)
        self._jobs.preview.connect(self._on_preview)
        self._jobs.stepDone.connect(self._on_step_done)
        self._jobs.live.connect(self._on_live)
        self._jobs.estimate.connect(self._on_estimate)
        self._jobs.finished.connect(self._on_finished)
        self._jobs.failed.connect(self._on_failed)
        # Evaluating the request while the user pauses makes Generate answer at once.
        self._prefill_timer = QTimer(self)
        self._prefill_timer.setSingleShot(True)
        self._prefill_timer.setInterval(PREFILL_DELAY_MS)
        self._prefill_timer.timeout.connect(self._prefill)
        self._recheck_timer = QTimer(self)
        self._recheck_timer.setSingleShot(True)
        self._recheck_timer.setInterval(RECHECK_DELAY_MS)
        self._recheck_timer.timeout.connect(self.check_output)
        # Bound methods, not lambdas: Qt drops these connections when the tab is deleted.
        self._bridge.modelLoaded.connect(self._schedule_prefill)
        self._bridge.modelLoaded.connect(self._on_engine_changed)
        self._bridge.modelFailed.connect(self._on_engine_changed)
        self._bridge.stateChanged.connect(self._on_engine_changed)
        self._bridge.busyChanged.connect(self._on_engine_changed)

    def watch(self, *signals: Any) -> None:
        """Each of ``signals`` means an option changed: refresh the controls, save the draft."""
        for signal in signals:
            signal.connect(self._option_changed)

    # ------------------------------------------------------------ state
    @property
    def running(self) -> bool:
        return self._mode is not None

    def has_input(self) -> bool:
        return self.form.has_input()

    def output_text(self) -> str:
        return self.output_panel.text()

    def set_output_text(self, text: str) -> None:
        """Replace the output; while a job runs, the view keeps its scroll position."""
        self.output_panel.set_text(text, keep_scroll=self.running)

    def set_store(self, store: DraftStore | None) -> None:
        self._store = store
        self.history.set_store(store)

    def update_controls(self) -> None:
        if not self._ready:
            return
        model = self._bridge.active_model
        running = self.running
        busy = self._bridge.is_busy()
        has_input = self.form.has_input()
        if running:
            hint = self.spec.running_hint
        elif model is None:
            hint = self.no_model_hint
        elif busy and not self._jobs.running:
            hint = "The model is busy (another tab is writing, or a model is loading)…"
        elif not has_input:
            hint = self.spec.empty_hint
        elif model.info.is_base_model:
            hint = "Base model: not instruction-tuned, so drafts will be rough."
        else:
            hint = self.spec.ready_hint
        can_run = not running and model is not None and not busy
        self.job_view.set_enabled(running=running, can_run=can_run, has_input=has_input, hint=hint)
        self.output_panel.set_enabled(running=running, can_run=can_run, has_input=has_input)
        self.open_button.setEnabled(not running and not self.input_panel.reading)
        has_output = bool(self.output_text().strip())
        own_hint = self.form.refresh(Controls(running, model is not None, can_run, has_output))
        if own_hint is not None:
            self.hint.setText(own_hint)

    def _suggesting(self) -> bool:
        return self.settings.suggest_while_typing and not self.running and self.background_allowed()

    def _on_engine_changed(self, _what: object) -> None:
        self.update_controls()

    def _input_changed(self) -> None:
        self.update_controls()
        self._schedule_prefill()
        self.changed.emit()

    def _output_changed(self) -> None:
        self.update_controls()
        if not self.running and self._checked_request is not None:
            self._recheck_timer.start()  # the user edits the answer: check it again
        self.changed.emit()

    def _option_changed(self, *_args: object) -> None:
        self.update_controls()
        self._schedule_prefill()
        self.changed.emit()

    # ------------------------------------------------------------ evaluating ahead
    def _schedule_prefill(self, *_args: object) -> None:
        if self.settings.prepare_while_typing:
            suggesting = self.settings.suggest_while_typing
            self._prefill_timer.setInterval(
                PREFILL_DELAY_SUGGESTING_MS if suggesting else PREFILL_DELAY_MS
            )
            self._prefill_timer.start()  # (re)started: only a pause in typing triggers it

    def _prefill(self) -> None:
        """Send the request as it stands to be evaluated (the front tab only, when idle)."""
        if (
            not self.settings.prepare_while_typing
            or not self.background_allowed()
            or not self.isVisible()
            or self.running
            or self._bridge.is_busy()
        ):
            return
        try:
            prompt = self.form.prefill_prompt()
        except UserFacingError:
            return  # Generate will say what is wrong
        if prompt is not None:
            self._bridge.prefill(prompt)

    def showEvent(self, event: QShowEvent) -> None:  # Qt override
        super().showEvent(event)
        self._schedule_prefill()

    # ------------------------------------------------------------ drafts and history
    def draft_state(self) -> dict[str, Any]:
        """Everything the tab holds, for the drafts database."""
        state = self.form.state()
        return {
            "inputs": dict(state.inputs),
            "options": dict(state.options),
            "output": self.output_text(),
        }

    def restore_draft(self, state: Mapping[str, Any]) -> None:
        inputs, options = state.get("inputs"), state.get("options")
        self._checked_request = None  # the answer's request is not known any more
        self._show_check(None)
        self.set_output_text(state_text(state, "output"))
        self.form.restore(
            FormState(
                inputs if isinstance(inputs, Mapping) else {},
                options if isinstance(options, Mapping) else {},
            )
        )
        self.update_controls()

    def reopen(self, entry: HistoryEntry) -> None:
        """Put a history entry back: its inputs, options and result."""
        if self.running:
            self.show_error("Stop the running answer first, then reopen the entry.")
            return
        self.restore_draft(
            {"inputs": entry.inputs, "options": entry.options, "output": entry.output}
        )
        self.job_view.clear_messages()
        self.stats.setText(f"Reopened from history: {entry.title}")

    def _add_history(self, mode: RunMode) -> None:
        if self.output_text().strip():
            self._record(mode.value)

    def set_aside(self) -> bool:
        """Keep what the tab holds in its history before something replaces it.

        Nothing is recorded for empty inputs or for what the newest entry already holds;
        False if it could not be kept (no drafts database, a full disk).
        """
        state = self.form.state()
        output = self.output_text()
        if not output.strip() and not any(
            isinstance(value, str) and value.strip() for value in state.inputs.values()
        ):
            return True
        if self._store is None:
            return False
        try:
            newest = self._store.history(self.tab_id, limit=1)
        except Exception as exc:
            log.warning("could not read the history: %s", exc)
            newest = []
        if newest and newest[0].output == output and dict(newest[0].inputs) == dict(state.inputs):
            return True
        return self._record("set_aside")

    def _record(self, action: str) -> bool:
        if self._store is None:
            return False
        model = self._bridge.active_model
        state = self.form.state()
        try:
            self._store.add_history(
                self.tab_id,
                inputs=dict(state.inputs),
                options={**state.options, "action": action},
                output=self.output_text(),
                model=model.info.display_name() if model is not None else "",
            )
        except Exception as exc:  # a full disk must not lose the result on screen
            log.warning("could not add to history: %s", exc)
            self.statusMessage.emit("The result could not be added to the history.")
            return False
        self.history.refresh()
        return True

    def _show_history(self, shown: bool) -> None:
        self.history.setVisible(shown)
        if shown:
            self.history.refresh()

    # ------------------------------------------------------------ running
    def sampling(self) -> SamplingOptions:
        return SamplingOptions(temperature=self.tuning().temperature)

    def generate(self) -> None:
        if not self.running and self.generate_button.isEnabled():
            self.start(lambda: self.form.run(again=False))

    def regenerate(self) -> None:
        if self.regenerate_button.isEnabled():
            self.start(lambda: self.form.run(again=True))

    def rewrite(self, action: str) -> None:
        if self.follow_ups[action].isEnabled():
            self._rewrite(action, ())

    def fix_details(self, action: str) -> None:
        """The fact check's follow-up: add the missing details, or remove the invented ones."""
        check = self.check_line.check
        button = self.check_line.buttons.get(action)
        if check is None or button is None or not button.isEnabled():
            return
        found = check.missing if action == "add_missing" else check.invented
        self._rewrite(action, tuple(dict.fromkeys(detail.text for detail in found)))

    def _rewrite(self, action: str, details: tuple[str, ...]) -> None:
        text = self.output_text()
        if self.running or not text.strip():
            return
        request = rewrite.RewriteRequest(
            text=text,
            action=action,
            language=self.form.output_info().language,
            kind=self.spec.output_kind,
            details=details,
        )

        def make() -> Run:
            rewrite.build(request)  # checks the request here, on the GUI thread
            return Run(lambda limits: rewrite.job(request, limits), RunMode.REWRITE, text)

        if self.start(make):
            self.output_panel.before_rewrite = text

    def start(self, make: Callable[[], Run]) -> bool:
        """Start the run ``make`` returns (a UserFacingError it raises is shown)."""
        try:
            run = make()
        except UserFacingError as exc:
            self.show_error(str(exc))
            return False
        if self._bridge.active_model is None:
            self.show_error(self.no_model_hint)
            return False
        if not self._bridge.may_send():  # the user did not agree to send text to a server
            return False
        if not self._jobs.start(
            run.job, self.sampling(), max_answer_tokens=self.tuning().max_tokens
        ):
            self.show_error("The model is busy; try again in a moment.")
            return False
        self._mode = run.mode
        self._too_long_text = run.too_long_text
        self._preview = ""
        if run.mode is RunMode.GENERATE:
            self._checked_request = run.request
        if run.mode is not RunMode.PLAN:
            self._show_check(None)
        self.job_view.started()
        self.undo_button.hide()
        if run.mode is not RunMode.PLAN:
            self.output.clear()
        if run.on_start is not None:
            run.on_start()
        self.update_controls()
        return True

    def stop(self) -> None:
        if self.running:
            self._jobs.stop()

    def shutdown(self) -> None:
        """The window is closing: stop the job and let no late event reach the tab."""
        self._jobs.shutdown()

    # ------------------------------------------------------------ job events
    def _on_progress(self, event: JobProgress) -> None:
        if self.running:
            self.job_view.show_progress(event)

    def _on_token(self, event: JobToken) -> None:
        if not self.running:
            return
        self.job_view.text_arrived()
        if event.is_output:
            self.output_panel.append(event.text)
            return
        step_text = self.job_view.add_step_text(event.text)
        if not self.form.show_step(self.job_view.step, self._preview, step_text):
            self.job_view.show_working(step_text)

    def _on_preview(self, text: str) -> None:
        if self.running:
            self._preview = text
            self.set_output_text(text)

    def _on_step_done(self, event: JobStepDone) -> None:
        if self.running:
            self.job_view.step_done(event)

    def _on_live(self, live: LiveStats) -> None:
        if self.running:
            self.job_view.show_live(words(self.output_text()), live)

    def _on_estimate(self, estimate: JobEstimate) -> None:
        if self.running:
            self.job_view.show_estimate(estimate)

    def _on_finished(self, result: JobResult) -> None:
        mode = self._mode
        if mode is None:
            return
        self._mode = None
        finished = self.form.finish(mode, result)
        if finished.text is not None and (finished.text.strip() or not result.cancelled):
            self.set_output_text(finished.text)
        self.job_view.finished(result, words(self.output_text()), finished.note)
        if result.notices:  # what the guards did: "Shortened to fit the length."
            self.show_notice(" ".join(result.notices))
        if mode is not RunMode.PLAN:
            self.check_output()
        if mode is RunMode.REWRITE and self.output_panel.before_rewrite is not None:
            self.undo_button.show()
        if mode is not RunMode.PLAN and not result.cancelled:
            self._add_history(mode)
        self.update_controls()

    def _on_failed(self, message: str, code: str) -> None:
        mode = self._mode
        if mode is None:
            return
        self._mode = None
        self.job_view.failed(
            message,
            summarize_first=code == "input_too_long" and bool(self._too_long_text.strip()),
        )
        self.statusMessage.emit(message)
        if mode is RunMode.REWRITE and self.output_panel.before_rewrite is not None:
            self.undo_button.show()
        self.update_controls()

    # ------------------------------------------------------------ the fact check
    def check_output(self) -> FactCheck | None:
        """Check the answer on show against its request: the line under it, the highlights."""
        self._recheck_timer.stop()
        text = self.output_text()
        request = self._checked_request
        check = None
        if request is not None and text.strip() and not self.running:
            check = verify.check_answer(self.tab_id, request, text)
        self._show_check(check)
        return check

    def _show_check(self, check: FactCheck | None) -> None:
        self.check_line.show_check(check)
        spans = [(detail.start, detail.end) for detail in check.invented] if check else []
        self.output_panel.mark(spans)

    # ------------------------------------------------------------ messages
    def show_error(self, message: str) -> None:
        self.job_view.show_error(message)
        self.statusMessage.emit(message)

    def show_notice(self, message: str) -> None:
        self.job_view.show_notice(message)

    def _summarize_first(self) -> None:
        self.job_view.clear_messages()  # first: the window shows them again if it cannot
        self.summarizeRequested.emit(self._too_long_text, self.tab_id)

    # ------------------------------------------------------------ the result
    def save_as(self) -> None:
        self.output_panel.save_as(self.form.output_info().title, self.spec.save_name)

    def _saved(self, path: str) -> None:
        self.job_view.clear_messages()
        self.statusMessage.emit(f"Saved {path}.")
        self.show_notice(f"Saved as {Path(path).name}.")

    def undo_rewrite(self) -> None:
        if not self.running:
            self.output_panel.undo_rewrite()

    # ------------------------------------------------------------ documents
    def load_document(self, path: str) -> None:
        """Read ``path`` off the GUI thread into the form's document box."""
        if self.running:
            self.show_error("Stop the running answer first, then open the document.")
            return
        self.input_panel.read(path)

    def _document_read(self, notice: str) -> None:
        self.job_view.clear_messages()
        if notice:
            self.show_notice(notice)
        self.update_controls()
