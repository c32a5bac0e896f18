"""Multi-step jobs (outline then sections, block by block, map-reduce) and their runner.

A *job* is a generator written by a tool. It yields a :class:`Step` (one request to
the model) and receives the answer's text back through ``send``; it may yield a
:class:`Preview` of the output so far; it returns a :class:`JobOutput`. When the
user stops, the runner throws :class:`JobCancelled` into the job at the step it is
waiting on, and the job returns what it has (partial results are kept).

:class:`JobRunner` drives a job with an engine and turns it into plain events
(:data:`JobEvent`). It is a generator with no threads of its own: the window runs
it on a worker thread and calls :meth:`JobRunner.stop` from the GUI thread; the
command line runs it directly and stops it from its SIGINT handler.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from desktop_slm.engine.protocol import Completion, SamplingOptions, TokenEvent
from desktop_slm.tools.budget import ModelLimits
from desktop_slm.tools.prompt import TextEngine, ToolPrompt, stream


class JobCancelled(Exception):
    """Thrown into a job when the user stops it; ``partial_text`` is the cut-off answer."""

    def __init__(self, partial_text: str = "") -> None:
        super().__init__("stopped by the user")
        self.partial_text = partial_text


@dataclass(frozen=True)
class Step:
    """One request to the model, as part of a job."""

    prompt: ToolPrompt
    label: str
    """For people: "Summarizing chunk 3 of 12"."""
    index: int
    """1-based position in the job's own unit (chunk, paragraph, section)."""
    total: int
    max_tokens: int
    is_output: bool = False
    """The streamed tokens of this step are the final answer itself (show them live)."""
    phase: str = ""
    """Machine-readable name of the stage: outline, section, translate, map, reduce, final."""


@dataclass(frozen=True)
class Preview:
    """The job's output assembled so far, for a live view."""

    text: str


@dataclass(frozen=True)
class JobOutput:
    text: str
    detail: Mapping[str, Any] = field(default_factory=dict)


Job = Generator[Step | Preview, str, JobOutput]


# ---------------------------------------------------------------- events
@dataclass(frozen=True)
class JobProgress:
    """A step starts: "chunk ``step`` of ``total``"."""

    step: int
    total: int
    label: str
    phase: str
    is_output: bool


@dataclass(frozen=True)
class JobToken:
    """Streamed answer text of the running step (thinking blocks already removed)."""

    step: int
    text: str
    is_output: bool
    tokens: int = 1
    """How many generated tokens the text came from."""


@dataclass(frozen=True)
class JobPreview:
    text: str


@dataclass(frozen=True)
class JobStepDone:
    step: int
    text: str
    completion: Completion


@dataclass(frozen=True)
class JobResult:
    """The last event of every run: the finished output, or what was kept when stopped."""

    text: str
    cancelled: bool
    requests: int
    """Requests answered in full."""
    prompt_tokens: int
    completion_tokens: int
    elapsed_s: float
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def tokens_per_s(self) -> float:
        return self.completion_tokens / self.elapsed_s if self.elapsed_s > 0 else 0.0


JobEvent = JobProgress | JobToken | JobPreview | JobStepDone | JobResult


class JobRunner:
    """Runs a job on an engine; :meth:`stop` may be called from any thread.

    Make one runner per run: once stopped, a runner stays stopped (so a stop that
    comes before the run has even started is not lost).
    """

    def __init__(self, client: TextEngine, options: SamplingOptions | None = None) -> None:
        self._client = client
        self._options = options or SamplingOptions()
        self._stop = threading.Event()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> None:
        """Stop the running job: the current request ends at once, no new one starts."""
        self._stop.set()
        self._client.cancel()

    def run(self, job: Job) -> Iterator[JobEvent]:
        """Drive ``job`` to its end; the last event is always a :class:`JobResult`.

        Errors of the engine or of the job (``UserFacingError``) propagate to the caller.
        """
        started = time.monotonic()
        requests = prompt_tokens = completion_tokens = 0
        answer: str | None = None
        output: JobOutput
        cancelled = False
        try:
            while True:
                try:
                    item = next(job) if answer is None else job.send(answer)
                except StopIteration as done:
                    output = done.value
                    break
                answer = None
                if isinstance(item, Preview):
                    yield JobPreview(item.text)
                    continue
                if self._stop.is_set():
                    output, cancelled = _cancel(job, ""), True
                    break
                yield JobProgress(item.index, item.total, item.label, item.phase, item.is_output)
                completion: Completion | None = None
                partial: list[str] = []
                options = replace(self._options, max_tokens=max(1, item.max_tokens))
                for event in stream(self._client, item.prompt, options):
                    if isinstance(event, TokenEvent):
                        partial.append(event.text)
                        yield JobToken(item.index, event.text, item.is_output, event.tokens)
                        if self._stop.is_set():
                            # stop() may have come before this request started.
                            self._client.cancel()
                    else:
                        completion = event
                assert completion is not None
                prompt_tokens += completion.prompt_tokens
                completion_tokens += completion.completion_tokens
                if completion.cancelled or self._stop.is_set():
                    output, cancelled = _cancel(job, "".join(partial)), True
                    break
                requests += 1
                yield JobStepDone(item.index, completion.text, completion)
                answer = completion.text
        finally:
            job.close()
        yield JobResult(
            text=output.text,
            cancelled=cancelled,
            requests=requests,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            elapsed_s=time.monotonic() - started,
            detail=dict(output.detail),
        )


def _cancel(job: Job, partial_text: str) -> JobOutput:
    try:
        job.throw(JobCancelled(partial_text))
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    except JobCancelled:
        return JobOutput("")
    return JobOutput("")  # the job went on after being stopped; ignore what it wanted


def single_step(
    prompt: ToolPrompt,
    limits: ModelLimits,
    *,
    label: str,
    what: str,
    answer_tokens: int | None = None,
) -> Job:
    """A job of one request, refused up front (not cut) when the input cannot fit."""
    wanted = limits.answer_tokens(answer_tokens or prompt.suggested_max_tokens)
    return _one_step(prompt, label, limits.fit_answer(prompt, wanted, what=what))


def _one_step(prompt: ToolPrompt, label: str, budget: int) -> Job:
    try:
        text = yield Step(prompt, label, 1, 1, budget, is_output=True, phase="final")
    except JobCancelled as stop:
        return JobOutput(stop.partial_text, {"partial": True})
    return JobOutput(text)
