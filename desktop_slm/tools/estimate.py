"""How far a running job is and how long it has left, from this machine's measured speeds.

:class:`Estimator` follows one run of a job: the model reading each step's prompt
(:class:`ReadProgress` from the engine), the answer being written, each finished step.
It hands :class:`JobEstimate` values to a callback: while a long prompt is read
("Reading your text… 45% · about 20 s left") and, for a job that says what its later
steps will cost (:attr:`Step.later <desktop_slm.tools.jobs.Step.later>`: tokens to read
and to write), for the whole job ("40% of the whole job · about 3 min left").

Speeds, best first: reading, the current prompt's own pace once a batch is read, then
what this run's finished steps measured, then this machine's stored average for the
model (:mod:`desktop_slm.engine.speeds`); writing, this run's steps, then the stored
average, else a fixed share of the reading speed. A first-ever run therefore estimates
from its own progress.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from desktop_slm.engine.protocol import Completion, ReadProgress
from desktop_slm.engine.speeds import MeasuredSpeed, observed_speed

UNMEASURED_WRITE_SHARE = 1 / 8
"""Until writing has been measured, it is taken as this share of the reading speed (a CPU
reads a prompt in batches several times faster than it writes token by token)."""
WRITING_UPDATE_S = 1.0
"""While an answer is written, the whole-job estimate is sent at most this often."""


@dataclass(frozen=True)
class Workload:
    """Work for the model, in tokens: prompt tokens to read, answer tokens to write."""

    read_tokens: int = 0
    write_tokens: int = 0

    def __add__(self, other: Workload) -> Workload:
        return Workload(
            self.read_tokens + other.read_tokens, self.write_tokens + other.write_tokens
        )

    def times(self, count: int) -> Workload:
        return Workload(self.read_tokens * count, self.write_tokens * count)


@dataclass(frozen=True)
class JobEstimate:
    """Where a running job is, for a progress line."""

    label: str
    """The running step, for people ("Summarizing chunk 2 of 5")."""
    reading: bool
    """The model is reading the step's prompt (no answer text yet)."""
    read_fraction: float
    """How much of the running step's prompt is read, 0 to 1."""
    job_fraction: float | None
    """How much of the whole job is done, 0 to 1; None for a job of one step (or before
    any speed is known)."""
    seconds_left: float | None
    """Reading left (a job of one step) or the whole job's time left; None: not known yet."""

    def line(self) -> str:
        """ "Reading your text… 45% · about 20 s left" while reading; for a job of many
        steps "40% of the whole job · about 3 min left" while writing; else ""."""
        parts: list[str] = []
        if self.reading:
            parts.append(f"Reading your text… {percent(self.read_fraction)}")
        if self.job_fraction is not None:
            parts.append(f"{percent(self.job_fraction)} of the whole job")
        if parts and self.seconds_left is not None:
            parts.append(time_left(self.seconds_left))
        return " · ".join(parts)


def percent(fraction: float) -> str:
    """0.456 -> "45%": rounded down, so 100% means done."""
    return f"{math.floor(max(0.0, min(1.0, fraction)) * 100)}%"


def time_left(seconds: float) -> str:
    """A rough duration for people: "a few seconds left", "about 20 s left", "about 3 min left"."""
    if seconds < 10:
        return "a few seconds left"
    if seconds < 60:
        return f"about {5 * math.ceil(seconds / 5)} s left"
    if seconds < 600:
        minutes, rest = divmod(30 * math.ceil(seconds / 30), 60)
        return f"about {minutes} min {rest} s left" if rest else f"about {minutes} min left"
    if seconds < 3600:
        return f"about {math.ceil(seconds / 60)} min left"
    hours, minutes = divmod(math.ceil(seconds / 60), 60)
    return f"about {hours} h {minutes} min left" if minutes else f"about {hours} h left"


def _blend(old: float, new: float) -> float:
    return new if old <= 0 else (old + new) / 2


class Estimator:
    """Follows one run of a job and reports :class:`JobEstimate` values to ``report``."""

    def __init__(
        self,
        report: Callable[[JobEstimate], None],
        measured: MeasuredSpeed | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._report = report
        self._measured = measured or MeasuredSpeed()
        self._clock = clock
        self._started = clock()
        self._run_read = 0.0  # speeds this run's finished steps measured
        self._run_write = 0.0
        self._label = ""
        self._budget = 0
        self._later: Workload | None = None
        self._written = 0
        self._last_sent = -math.inf
        self._reading: tuple[float, int] | None = None  # (time, tokens) of the first report
        self._live_read = 0.0
        self._unread = 0

    # ------------------------------------------------------------ speeds
    def _read_speed(self) -> float:
        return self._live_read or self._run_read or self._measured.read_tokens_per_s

    def _write_speed(self) -> float:
        write = self._run_write or self._measured.write_tokens_per_s
        return write or self._read_speed() * UNMEASURED_WRITE_SHARE

    def _seconds(self, work: Workload) -> float | None:
        read, write = self._read_speed(), self._write_speed()
        if (work.read_tokens and read <= 0) or (work.write_tokens and write <= 0):
            return None
        seconds = work.read_tokens / read if work.read_tokens else 0.0
        return seconds + (work.write_tokens / write if work.write_tokens else 0.0)

    # ------------------------------------------------------------ events
    def step_started(
        self, label: str, budget: int, later: Workload | None, prompt_tokens: int = 0
    ) -> None:
        """A step starts: it reads about ``prompt_tokens`` and writes at most ``budget``
        tokens; ``later`` is the rest of the job (None: a job of one step)."""
        self._label, self._budget, self._later = label, max(0, budget), later
        self._written = 0
        self._reading = None
        self._live_read = 0.0
        self._unread = max(0, prompt_tokens)
        if later is not None:
            self._send(reading=False, read_fraction=0.0)

    def read(self, progress: ReadProgress) -> None:
        """The engine has read ``progress.read`` of the step's ``progress.total`` tokens."""
        now = self._clock()
        if self._reading is None:
            self._reading = (now, progress.read)
        else:
            began, first = self._reading
            if progress.read > first and now > began:
                self._live_read = (progress.read - first) / (now - began)
        self._unread = max(0, progress.total - progress.read)
        total = max(1, progress.total)
        self._send(reading=progress.read < progress.total, read_fraction=progress.read / total)

    def wrote(self, tokens: int) -> None:
        """``tokens`` more answer tokens; the whole job's estimate at most once a second."""
        self._written += tokens
        self._unread = 0
        if self._later is not None and self._clock() - self._last_sent >= WRITING_UPDATE_S:
            self._send(reading=False, read_fraction=1.0)

    def step_done(self, completion: Completion) -> None:
        """Learn the speeds the finished step measured."""
        seen = observed_speed(completion)
        if seen.read_tokens_per_s:
            self._run_read = _blend(self._run_read, seen.read_tokens_per_s)
        if seen.write_tokens_per_s:
            self._run_write = _blend(self._run_write, seen.write_tokens_per_s)

    def _send(self, *, reading: bool, read_fraction: float) -> None:
        now = self._clock()
        self._last_sent = now
        if self._later is None:  # one step: how long the reading takes
            left = self._seconds(Workload(self._unread, 0))
            job_fraction = None
        else:
            rest = Workload(self._unread, max(0, self._budget - self._written)) + self._later
            left = self._seconds(rest)
            elapsed = now - self._started
            job_fraction = elapsed / (elapsed + left) if left is not None and elapsed > 0 else None
        self._report(
            JobEstimate(
                label=self._label,
                reading=reading,
                read_fraction=read_fraction,
                job_fraction=job_fraction,
                seconds_left=left,
            )
        )
