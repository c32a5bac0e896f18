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

import math
import threading
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from desktop_slm.engine.protocol import Completion, SamplingOptions, TokenEvent
from desktop_slm.engine.speeds import SpeedBook
from desktop_slm.tools.budget import SAFETY_TOKENS, ModelLimits
from desktop_slm.tools.estimate import Estimator, JobEstimate, Workload
from desktop_slm.tools.guards import LoopGuard, complete_sentences, sentence_end_after
from desktop_slm.tools.prompt import TextEngine, ToolPrompt, stream

EXTRA_ANSWER_SHARE = 0.15
"""A step's answer may run this much past its budget to finish its sentence ..."""
MIN_EXTRA_TOKENS = 16
"""... and at least this many tokens."""

SHORTENED = "Shortened to fit the length."
REPEATING = "The model started repeating itself; the repetition was removed."


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
    later: Workload | None = None
    """What the steps after this one will cost, as far as the job can tell (None: the job
    gives no estimate); it lets the runner estimate the whole job's time left."""


@dataclass(frozen=True)
class Preview:
    """The job's output assembled so far, for a live view."""

    text: str


@dataclass(frozen=True)
class JobOutput:
    text: str
    detail: Mapping[str, Any] = field(default_factory=dict)
    notices: tuple[str, ...] = ()
    """What the user should know about the output (the job's own, after the guards')."""


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
    """The job's own detail, plus ``shortened`` / ``repetition`` (True) when a guard acted."""
    notices: tuple[str, ...] = ()
    """What the guards did, in sentences for people (each at most once per run)."""

    @property
    def tokens_per_s(self) -> float:
        return self.completion_tokens / self.elapsed_s if self.elapsed_s > 0 else 0.0


JobEvent = JobProgress | JobToken | JobPreview | JobStepDone | JobResult


class JobRunner:
    """Runs a job on an engine; :meth:`stop` may be called from any thread.

    Make one runner per run: once stopped, a runner stays stopped (so a stop that
    comes before the run has even started is not lost).
    """

    def __init__(
        self,
        client: TextEngine,
        options: SamplingOptions | None = None,
        *,
        guards: bool = True,
        on_estimate: Callable[[JobEstimate], None] | None = None,
        speeds: SpeedBook | None = None,
    ) -> None:
        self._client = client
        self._options = options or SamplingOptions()
        self._stop = threading.Event()
        self._guards = guards
        """Finish or trim sentences at the budget and stop loops; False: the raw answers."""
        self._on_estimate = on_estimate
        """Hears the reading progress and the whole job's estimate (:mod:`.estimate`), on
        the thread that runs the job."""
        self._speeds = speeds
        """This machine's measured speeds: read for the estimates, and each answered step
        adds its own."""

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> None:
        """Stop the running job: the current request ends at once, no new one starts."""
        self._stop.set()
        self._client.cancel()

    def _room(self, prompt: ToolPrompt) -> int | None:
        """Answer tokens the context leaves next to ``prompt`` (None: not known)."""
        if not self._guards or self._client.active_model is None:
            return None
        limits = ModelLimits.of(self._client)
        return limits.n_ctx - limits.prompt_tokens(prompt) - SAFETY_TOKENS

    def _prompt_size(self, prompt: ToolPrompt) -> int:
        """Tokens of ``prompt`` (0: no model), for the estimate of a step to come."""
        if self._client.active_model is None:
            return 0
        return ModelLimits.of(self._client).prompt_tokens(prompt)

    def _model_path(self) -> str | None:
        active = self._client.active_model
        return active.loaded.path if active is not None else None

    def _estimator(self, model: str | None) -> Estimator | None:
        if self._on_estimate is None:
            return None
        measured = self._speeds.get(model) if self._speeds is not None and model else None
        return Estimator(self._on_estimate, measured)

    def run(self, job: Job) -> Iterator[JobEvent]:
        """Drive ``job`` to its end; the last event is always a :class:`JobResult`.

        With guards, each step's answer may run a little past its budget to finish its
        sentence (it is stopped at the first sentence end past it), an answer still cut
        by the budget is trimmed back to its last complete sentence, and a step whose
        answer starts repeating itself is stopped at once and trimmed. The job gets the
        trimmed answer; the result says what happened in ``notices`` and ``detail``.

        Errors of the engine or of the job (``UserFacingError``) propagate to the caller.
        """
        started = time.monotonic()
        requests = prompt_tokens = completion_tokens = 0
        answer: str | None = None
        output: JobOutput
        cancelled = False
        acted: dict[str, str] = {}  # flag -> notice, in the order they happened
        model = self._model_path() if self._speeds is not None else None
        estimator = self._estimator(model)
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
                step = _GuardedStep(item, self._guards, self._room(item.prompt))
                completion: Completion | None = None
                options = replace(self._options, max_tokens=step.allowed_tokens)
                reading = None
                if estimator is not None:
                    size = self._prompt_size(item.prompt) if item.later is not None else 0
                    estimator.step_started(item.label, item.max_tokens, item.later, size)
                    reading = estimator.read
                for event in stream(self._client, step.prompt, options, reading):
                    if isinstance(event, TokenEvent):
                        if estimator is not None:
                            estimator.wrote(event.tokens)
                        if step.ended:
                            continue  # the rest of a request the guards have ended
                        yield JobToken(item.index, event.text, item.is_output, event.tokens)
                        if self._stop.is_set():
                            # stop() may have come before this request started.
                            self._client.cancel()
                        elif step.feed(event):
                            self._client.cancel()
                    else:
                        completion = event
                assert completion is not None
                if estimator is not None:
                    estimator.step_done(completion)
                if self._speeds is not None and model is not None:
                    self._speeds.record(model, completion)
                prompt_tokens += completion.prompt_tokens
                completion_tokens += completion.completion_tokens
                if self._stop.is_set() or (completion.cancelled and not step.ended):
                    output, cancelled = _cancel(job, step.text), True
                    break
                requests += 1
                completion = step.finish(completion)
                for flag, notice in step.acted.items():
                    acted.setdefault(flag, notice)
                if step.acted and item.is_output:
                    yield JobPreview(completion.text)  # what was streamed is replaced
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
            detail={**output.detail, **dict.fromkeys(acted, True)},
            notices=(*acted.values(), *output.notices),
        )


def allowed_tokens(budget: int) -> int:
    """``budget`` plus the allowance that lets an answer finish its sentence."""
    return budget + max(MIN_EXTRA_TOKENS, math.ceil(budget * EXTRA_ANSWER_SHARE))


class _GuardedStep:
    """One step's answer as it streams, and what the guards make of it."""

    def __init__(self, step: Step, guards: bool, room: int | None) -> None:
        self.budget = max(1, step.max_tokens)
        self.guards = guards
        self.prompt = step.prompt if guards else _without_grammar(step.prompt)
        self.allowed_tokens = self.budget
        if guards:
            # The allowance never takes the answer past the end of the context.
            extra = allowed_tokens(self.budget)
            self.allowed_tokens = extra if room is None else max(self.budget, min(extra, room))
        source = "\n".join(m["content"] for m in step.prompt.messages if m["role"] != "system")
        self._loop = LoopGuard(source) if guards else None
        self._parts: list[str] = []
        self._tokens = 0
        self._budget_chars: int | None = None
        """Length of the text when the budget was reached (then only a sentence end is awaited)."""
        self.ended: str | None = None
        """Why the guards ended the request: "repetition" or "shortened"."""
        self.cut = 0
        self.acted: dict[str, str] = {}

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def feed(self, event: TokenEvent) -> bool:
        """Take streamed text; True when the request should end now."""
        self._parts.append(event.text)
        self._tokens += event.tokens
        if self._loop is None:
            return False
        if self._loop.feed(event.text):
            self.ended = "repetition"
            return True
        if self._tokens >= self.budget:
            text = self.text
            if self._budget_chars is None:
                self._budget_chars = len(text) - len(event.text)
            end = sentence_end_after(text, self._budget_chars)
            if end is not None:
                self.ended, self.cut = "shortened", end
                return True
        return False

    def finish(self, completion: Completion) -> Completion:
        """The step's completion with the answer the job gets."""
        if not self.guards:
            return completion
        text = completion.text
        reason = completion.finish_reason
        if self.ended == "repetition":
            assert self._loop is not None
            text = self._loop.trim(self.text)
            text, _ = complete_sentences(text)
            self.acted["repetition"] = REPEATING
            reason = "stop"
        elif self.ended == "shortened":
            text = self.text[: self.cut]
            reason = "length"
        elif reason == "length":
            text, _ = complete_sentences(text)
        if reason == "length":
            self.acted["shortened"] = SHORTENED
        if text != completion.text or reason != completion.finish_reason:
            text = text.rstrip() if text != completion.text else text
            return replace(completion, text=text, finish_reason=reason)
        return completion


def _without_grammar(prompt: ToolPrompt) -> ToolPrompt:
    """The prompt as the raw model would answer it: no grammar forcing its shape."""
    return replace(prompt, grammar=None, completion_grammar=None)


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
