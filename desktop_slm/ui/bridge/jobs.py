"""Writing-tool jobs run off the GUI thread, reported as Qt signals."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, SignalInstance

from desktop_slm.engine.protocol import SamplingOptions
from desktop_slm.engine.speeds import SpeedBook
from desktop_slm.tools.budget import ModelLimits
from desktop_slm.tools.estimate import JobEstimate
from desktop_slm.tools.jobs import (
    Job,
    JobPreview,
    JobProgress,
    JobResult,
    JobRunner,
    JobStepDone,
    JobToken,
)
from desktop_slm.ui.bridge.background import Background, failure_of

if TYPE_CHECKING:
    from desktop_slm.engine.client import EngineClient
    from desktop_slm.engine.remote import ServerEngine
    from desktop_slm.ui.bridge.engine import EngineBridge

JobFactory = Callable[[ModelLimits], Job]
"""Builds the job once the model's limits are known (on the worker thread: it may count
tokens of a long text, which takes a while)."""

LIVE_INTERVAL_S = 0.25


@dataclass(frozen=True)
class LiveStats:
    """How a running job is doing, a few times a second."""

    tokens: int
    """Tokens generated so far in the whole job."""
    tokens_per_s: float
    """Generation speed of the running step."""


class JobsBridge(QObject):
    """Runs one job at a time for one tab, on the engine shared by the whole window.

    A run emits ``progress``, ``token``, ``preview``, ``stepDone``, ``live`` and
    ``estimate`` (reading a long text, the whole job's time left) any number of times,
    then exactly one of ``finished`` (a :class:`JobResult`, also when stopped) or
    ``failed`` (a sentence for people and the error's code, e.g. ``input_too_long``).
    The engine is taken through :class:`EngineBridge`, so no two tabs ever send
    requests at once and every tab sees ``busyChanged``; the window's status bar gets
    ``throughput``, ``jobProgress`` and each answered request as ``generationFinished``.
    """

    progress = Signal(object)  # JobProgress
    token = Signal(object)  # JobToken
    preview = Signal(str)
    stepDone = Signal(object)  # JobStepDone
    live = Signal(object)  # LiveStats
    estimate = Signal(object)  # JobEstimate
    finished = Signal(object)  # JobResult
    failed = Signal(str, str)  # message, code

    def __init__(self, engine: EngineBridge, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._engine = engine
        self._runner: JobRunner | None = None
        self._running = threading.Event()
        self._background = Background(self)

    @property
    def running(self) -> bool:
        return self._running.is_set()

    def start(
        self,
        build: JobFactory,
        sampling: SamplingOptions,
        *,
        max_answer_tokens: int | None = None,
    ) -> bool:
        """Run the job ``build`` makes; False when the engine is busy or no model is open."""
        if self._background.closing or self.running or self._engine.active_model is None:
            return False
        # This computer's client keeps naming its model after a worker crash; a server.
        engine = self._engine.engine
        runner = JobRunner(
            engine, sampling, on_estimate=self._on_estimate, speeds=SpeedBook.default()
        )

        def work() -> None:
            try:
                self._drive(engine, runner, build, max_answer_tokens)
            finally:
                self._running.clear()

        self._running.set()
        self._runner = runner
        # The engine bridge's lock is what keeps the requests of all tabs apart.
        if not self._engine.run_exclusive("engine-job", work):
            self._running.clear()
            self._runner = None
            return False
        return True

    def stop(self) -> None:
        """Stop the running job; it ends with a ``finished`` that keeps what was done."""
        runner = self._runner
        if runner is not None and self.running:
            runner.stop()

    def shutdown(self) -> None:
        """Stop and emit nothing more (the tab is going away)."""
        self._background.close()
        self.stop()

    def _drive(
        self,
        engine: EngineClient | ServerEngine,
        runner: JobRunner,
        build: JobFactory,
        max_answer_tokens: int | None,
    ) -> None:
        tokens = 0
        step_started: float | None = None
        step_tokens = 0
        last_live = 0.0
        try:
            limits = ModelLimits.of(engine, max_answer_tokens=max_answer_tokens)
            job = build(limits)
            for event in runner.run(job):
                if isinstance(event, JobToken):
                    tokens += event.tokens
                    now = time.perf_counter()
                    if step_started is None:
                        # Speed is counted from the first text on, without its tokens.
                        step_started, step_tokens = now, 0
                    else:
                        step_tokens += event.tokens
                    self._emit(self.token, event)
                    if step_tokens > 0 and now - last_live > LIVE_INTERVAL_S:
                        last_live = now
                        rate = step_tokens / max(now - step_started, 1e-6)
                        self._emit(self.live, LiveStats(tokens, rate))
                        self._emit(self._engine.throughput, rate)
                elif isinstance(event, JobProgress):
                    step_started, step_tokens = None, 0
                    self._emit(self.progress, event)
                elif isinstance(event, JobPreview):
                    self._emit(self.preview, event.text)
                elif isinstance(event, JobStepDone):
                    self._emit(self.stepDone, event)
                    self._emit(self._engine.generationFinished, event.completion)
                elif isinstance(event, JobResult):
                    self._emit(self.finished, event)
        except Exception as exc:
            failure = failure_of(exc, "The answer could not be generated")
            self._emit(self.failed, failure.message, failure.code)

    def _on_estimate(self, estimate: JobEstimate) -> None:
        """On the job's thread: to the tab, and its line to the status bar."""
        self._emit(self.estimate, estimate)
        self._emit(self._engine.jobProgress, estimate.line())

    def _emit(self, signal: SignalInstance, *args: object) -> None:
        self._background.relay(signal, *args)
