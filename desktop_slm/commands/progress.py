"""A running job's progress on stderr: reading a long text, the whole job's time left."""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

from desktop_slm import APP_NAME
from desktop_slm.tools.estimate import JobEstimate

QUIET_S = 1.0
"""Nothing is shown during a job's first second: a short input never shows a line."""
TERMINAL_EVERY_S = 0.25
LOG_EVERY_S = 5.0


class ProgressLine:
    """Shows :class:`JobEstimate` lines ("Reading your text… 45% · about 20 s left").

    On a terminal one line is rewritten in place, at most four times a second, and
    :meth:`clear` removes it before anything else is printed. When stderr is a file or a
    pipe (a script, a log), a plain line at most every 5 seconds. stdout is never
    touched, so ``--json`` stays clean. Estimates come only for long inputs (the engine
    reports reading progress past 256 tokens) and for jobs of many steps.
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        enabled: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._enabled = enabled
        self._clock = clock
        isatty = getattr(stream, "isatty", None)
        self._terminal = bool(isatty and isatty())
        self._started = clock()
        self._last = -float("inf")
        self._shown = ""  # the line on the terminal now

    def show(self, estimate: JobEstimate) -> None:
        line = estimate.line()
        now = self._clock()
        every = TERMINAL_EVERY_S if self._terminal else LOG_EVERY_S
        if not (self._enabled and line) or now - self._started < QUIET_S:
            return
        if now - self._last < every:
            return
        self._last = now
        text = f"{APP_NAME}: {line}"
        if self._terminal:
            self._stream.write(f"\r{text}\x1b[K")
            self._shown = text
        else:
            self._stream.write(text + "\n")
        self._stream.flush()

    def clear(self) -> None:
        """Take the in-place line off the terminal (before other output, and at the end)."""
        if self._shown:
            self._stream.write("\r\x1b[K")
            self._stream.flush()
            self._shown = ""

    def __enter__(self) -> ProgressLine:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.clear()
