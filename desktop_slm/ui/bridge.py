"""The one place that turns engine events (plain Python, other threads) into Qt signals."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from desktop_slm.engine.client import ActiveModel, EngineClient
from desktop_slm.engine.protocol import Completion, SamplingOptions, TokenEvent
from desktop_slm.errors import UserFacingError
from desktop_slm.tools.prompt import ToolPrompt, stream

log = logging.getLogger(__name__)


class EngineBridge(QObject):
    """Runs engine work on background threads and reports back through signals.

    Signals carry plain data only. A generation emits ``generationStarted``, then
    ``token`` any number of times, then exactly one of ``generationFinished`` or
    ``generationFailed``.
    """

    stateChanged = Signal(str)  # "idle", "starting", "loading", "generating"
    modelLoading = Signal(str)  # path
    modelLoaded = Signal(object)  # ActiveModel
    modelFailed = Signal(str)  # message for people
    generationStarted = Signal()
    token = Signal(str)
    throughput = Signal(float)  # tokens/s while streaming
    generationFinished = Signal(object)  # Completion
    generationFailed = Signal(str)

    def __init__(self, client: EngineClient | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._client = client or EngineClient(on_state=self.stateChanged.emit)
        self._busy = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closing = False

    @property
    def client(self) -> EngineClient:
        return self._client

    @property
    def active_model(self) -> ActiveModel | None:
        return self._client.active_model

    def is_busy(self) -> bool:
        return self._busy.locked()

    def _run(self, name: str, work: Callable[[], None]) -> bool:
        if self._closing or not self._busy.acquire(blocking=False):
            return False

        def target() -> None:
            try:
                work()
            finally:
                self._busy.release()

        self._thread = threading.Thread(target=target, name=name, daemon=True)
        self._thread.start()
        return True

    def load_model(self, path: str | Path, *, n_ctx: int | None = None,
                   n_threads: int | None = None) -> bool:
        """Load ``path`` in the background; False if the engine is busy."""

        def work() -> None:
            self.modelLoading.emit(str(path))
            try:
                active = self._client.load(path, n_ctx=n_ctx, n_threads=n_threads)
            except UserFacingError as exc:
                self._emit_unless_closing(self.modelFailed, str(exc))
            except Exception as exc:
                log.exception("loading %s failed", path)
                self._emit_unless_closing(self.modelFailed,
                                          f"The model could not be loaded: {exc}")
            else:
                self.modelLoaded.emit(active)

        return self._run("engine-load", work)

    def generate(self, prompt: ToolPrompt, options: SamplingOptions) -> bool:
        """Stream an answer to ``prompt`` in the background; False if busy."""

        def work() -> None:
            self.generationStarted.emit()
            first: float | None = None
            count = 0
            last_report = 0.0
            try:
                events: Iterator[TokenEvent | Completion] = stream(self._client, prompt, options)
                for event in events:
                    if isinstance(event, TokenEvent):
                        self.token.emit(event.text)
                        now = time.perf_counter()
                        if first is None:
                            first = now
                        count += 1
                        if count > 1 and now - last_report > 0.25:
                            last_report = now
                            self.throughput.emit((count - 1) / (now - first))
                    else:
                        self.generationFinished.emit(event)
            except UserFacingError as exc:
                self._emit_unless_closing(self.generationFailed, str(exc))
            except Exception as exc:
                log.exception("generation failed")
                self._emit_unless_closing(self.generationFailed,
                                          f"The answer could not be generated: {exc}")

        return self._run("engine-generate", work)

    def stop(self) -> None:
        """Stop the running generation at once (the partial answer is kept)."""
        self._client.cancel()

    def _emit_unless_closing(self, signal: Signal, message: str) -> None:
        if not self._closing:
            signal.emit(message)  # type: ignore[attr-defined]

    def shutdown(self) -> None:
        """Stop the worker; called when the window closes."""
        self._closing = True
        self._client.cancel()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=3)
        self._client.close()
