"""The job runner and the think-stripping stream, driven by a scripted fake engine.

``FakeEngine`` is shared by the other ``test_tools_*`` modules: it answers like the
real client (token events, then one Completion), counts tokens as words, and
records every request so tests can check what the model was asked.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from desktop_slm.engine.protocol import Completion, ProgressCallback, SamplingOptions, TokenEvent
from desktop_slm.tools.budget import InputTooLong, ModelLimits
from desktop_slm.tools.jobs import (
    Job,
    JobCancelled,
    JobOutput,
    JobPreview,
    JobProgress,
    JobResult,
    JobRunner,
    JobStepDone,
    JobToken,
    Preview,
    Step,
    single_step,
)
from desktop_slm.tools.prompt import ToolPrompt, stream
from desktop_slm.tools.thinking import ThinkingFilter, strip_thinking


def count_words(text: str) -> int:
    return len(re.findall(r"\S+", text))


@dataclass
class Request:
    kind: str  # "chat" or "complete"
    messages: list[dict[str, str]]
    prompt: str
    options: SamplingOptions
    lane: str = "main"

    @property
    def system(self) -> str:
        return self.messages[0]["content"] if self.messages else ""

    @property
    def user(self) -> str:
        return self.messages[-1]["content"] if self.messages else self.prompt


Answer = Callable[[Request], str]


@dataclass
class FakeEngine:
    """Answers with ``answer(request)``, one token per word; honours cancel and max_tokens."""

    answer: Answer = lambda request: "fine"
    n_ctx: int = 2048
    base_model: bool = False
    requests: list[Request] = field(default_factory=list)
    on_token: Callable[[int], None] | None = None
    """Called with the number of tokens sent so far in this request (e.g. to stop)."""
    _cancelled: threading.Event = field(default_factory=threading.Event)

    @property
    def active_model(self) -> Any:
        return SimpleNamespace(
            info=SimpleNamespace(is_base_model=self.base_model),
            loaded=SimpleNamespace(n_ctx=self.n_ctx, path="/models/fake.gguf"),
        )

    def count_tokens(self, text: str) -> int:
        return count_words(text)

    def limits(self, max_answer_tokens: int | None = None) -> ModelLimits:
        return ModelLimits.of(self, max_answer_tokens=max_answer_tokens)  # type: ignore[arg-type]

    def chat(
        self,
        messages: list[dict[str, str]],
        options: SamplingOptions | None = None,
        *,
        on_progress: ProgressCallback | None = None,
    ) -> Iterator[TokenEvent | Completion]:
        return self._run(Request("chat", messages, "", options or SamplingOptions()))

    def complete(
        self,
        prompt: str,
        options: SamplingOptions | None = None,
        *,
        on_progress: ProgressCallback | None = None,
        lane: str = "main",
    ) -> Iterator[TokenEvent | Completion]:
        return self._run(Request("complete", [], prompt, options or SamplingOptions(), lane))

    def cancel(self) -> None:
        self._cancelled.set()

    def _run(self, request: Request) -> Iterator[TokenEvent | Completion]:
        self._cancelled.clear()
        self.requests.append(request)
        request_id = len(self.requests)
        tokens = re.findall(r"\s*\S+", self.answer(request))
        sent: list[str] = []
        reason = "stop"
        for token in tokens:
            if self._cancelled.is_set():
                reason = "cancelled"
                break
            if len(sent) == request.options.max_tokens:
                reason = "length"
                break
            sent.append(token)
            yield TokenEvent(request_id, token)
            if self.on_token is not None:
                self.on_token(len(sent))
        if self._cancelled.is_set():
            reason = "cancelled"
        prompt = request.prompt or " ".join(m["content"] for m in request.messages)
        yield Completion(
            request_id=request_id,
            text="".join(sent),
            finish_reason=reason,
            prompt_tokens=count_words(prompt),
            completion_tokens=len(sent),
            cancelled_during="generation" if reason == "cancelled" else None,
        )


def run(engine: FakeEngine, job: Job, **options: Any) -> list[Any]:
    return list(JobRunner(engine, SamplingOptions(**options)).run(job))  # type: ignore[arg-type]


def run_raw(engine: FakeEngine, job: Job, **options: Any) -> list[Any]:
    """Without the guards: the model's answers as they are."""
    runner = JobRunner(engine, SamplingOptions(**options), guards=False)  # type: ignore[arg-type]
    return list(runner.run(job))


def result_of(events: list[Any]) -> JobResult:
    assert isinstance(events[-1], JobResult)
    return events[-1]


def simple_prompt(text: str = "hello") -> ToolPrompt:
    return ToolPrompt(
        messages=({"role": "user", "content": text},), completion_prompt=f"Q: {text}\nA:"
    )


def three_steps() -> Job:
    answers: list[str] = []
    try:
        for index in range(1, 4):
            answer = yield Step(simple_prompt(f"part {index}"), f"part {index} of 3", index, 3, 20)
            answers.append(answer)
            yield Preview(" | ".join(answers))
    except JobCancelled as stop:
        return JobOutput(" | ".join(answers), {"partial": True, "cut": stop.partial_text})
    return JobOutput(" | ".join(answers), {"parts": len(answers)})


# ---------------------------------------------------------------- runner
def test_runner_reports_progress_tokens_previews_and_one_result_last() -> None:
    engine = FakeEngine(answer=lambda r: f"answer to {r.user}")
    events = run(engine, three_steps())

    progress = [e for e in events if isinstance(e, JobProgress)]
    assert [(p.step, p.total, p.label) for p in progress] == [
        (1, 3, "part 1 of 3"),
        (2, 3, "part 2 of 3"),
        (3, 3, "part 3 of 3"),
    ]
    tokens = "".join(e.text for e in events if isinstance(e, JobToken))
    assert tokens == "answer to part 1answer to part 2answer to part 3"
    previews = [e.text for e in events if isinstance(e, JobPreview)]
    assert previews[-1] == "answer to part 1 | answer to part 2 | answer to part 3"
    result = result_of(events)
    assert sum(isinstance(e, JobResult) for e in events) == 1
    assert result.text == previews[-1]
    assert not result.cancelled
    assert result.requests == 3
    assert result.completion_tokens == 12
    assert result.detail == {"parts": 3}
    assert result.notices == ()
    # The answer budget of each step is what the step asked for, plus the allowance
    # to finish a sentence (at least 16 tokens).
    assert [r.options.max_tokens for r in engine.requests] == [36, 36, 36]
    raw = run_raw(FakeEngine(answer=lambda r: "fine"), three_steps())
    assert result_of(raw).text == "fine | fine | fine"


def test_stop_between_steps_starts_no_new_request_and_keeps_what_is_done() -> None:
    engine = FakeEngine(answer=lambda r: "done")
    runner = JobRunner(engine)  # type: ignore[arg-type]
    events = []
    for event in runner.run(three_steps()):
        events.append(event)
        if isinstance(event, JobStepDone) and event.step == 2:
            runner.stop()
    result = result_of(events)
    assert result.cancelled
    assert len(engine.requests) == 2
    assert result.text == "done | done"
    assert result.detail["partial"] is True


def test_stop_while_tokens_stream_ends_the_request_and_keeps_its_partial_text() -> None:
    engine = FakeEngine(answer=lambda r: "one two three four five six seven eight")
    runner = JobRunner(engine)  # type: ignore[arg-type]
    engine.on_token = lambda sent: runner.stop() if sent == 3 else None
    events = list(runner.run(three_steps()))
    result = result_of(events)
    assert result.cancelled
    assert len(engine.requests) == 1
    assert result.detail["cut"] == "one two three"
    assert result.requests == 0


def test_stop_from_another_thread_while_running() -> None:
    started = threading.Event()
    release = threading.Event()

    def slow_answer(request: Request) -> str:
        started.set()
        release.wait(5)
        return "late answer"

    engine = FakeEngine(answer=slow_answer)
    runner = JobRunner(engine)  # type: ignore[arg-type]
    events: list[Any] = []
    worker = threading.Thread(target=lambda: events.extend(runner.run(three_steps())))
    worker.start()
    assert started.wait(5)
    runner.stop()
    release.set()
    worker.join(5)
    assert not worker.is_alive()
    assert result_of(events).cancelled
    assert len(engine.requests) == 1


def test_errors_of_a_job_reach_the_caller() -> None:
    def failing() -> Job:
        yield Step(simple_prompt(), "first", 1, 2, 10)
        raise InputTooLong(what="notes", excess_tokens=500, n_ctx=2048)

    with pytest.raises(InputTooLong):
        run(FakeEngine(), failing())


def test_single_step_refuses_input_that_cannot_fit_and_says_by_how_much() -> None:
    engine = FakeEngine(n_ctx=512)
    prompt = simple_prompt("word " * 1000)
    with pytest.raises(InputTooLong) as caught:
        single_step(prompt, engine.limits(), label="x", what="notes", answer_tokens=100)
    message = str(caught.value)
    excess = caught.value.excess_tokens
    assert 550 < excess < 650  # 1000 words + template + a useful answer - 512
    assert f"{excess:,} tokens" in message
    assert "words" in message
    assert "notes" in message
    assert "Summarize" in message

    # A short input with a large wanted answer is not "too long": the answer shrinks.
    fits = single_step(simple_prompt("short"), engine.limits(), label="x", what="notes")
    # (The guards' allowance may go past the context: the engine stops at its end.)
    result = result_of(run_raw(engine, fits))
    assert result.text == "fine"
    assert 400 < engine.requests[0].options.max_tokens < 512


def test_max_tokens_of_the_user_caps_every_step() -> None:
    engine = FakeEngine(answer=lambda r: "a b c d e f g h")
    job = single_step(simple_prompt(), engine.limits(max_answer_tokens=3), label="x", what="x")
    result = result_of(run_raw(engine, job))
    assert result.text == "a b c"
    assert engine.requests[0].options.max_tokens == 3
    # With the guards (the default) the cap gets the allowance to finish a sentence.
    job = single_step(simple_prompt(), engine.limits(max_answer_tokens=3), label="x", what="x")
    result_of(run(engine, job))
    assert engine.requests[1].options.max_tokens == 3 + 16


def test_closing_the_event_stream_early_closes_the_job() -> None:
    closed = []

    def job() -> Job:
        try:
            yield Step(simple_prompt(), "only", 1, 1, 10)
        finally:
            closed.append(True)
        return JobOutput("never")

    events = JobRunner(FakeEngine()).run(job())  # type: ignore[arg-type]
    assert isinstance(next(events), JobProgress)
    events.close()
    assert closed == [True]


# ---------------------------------------------------------------- thinking models
THINKING_TOKENS = ["<th", "ink>The user wants", " a greeting.</thi", "nk>\n\nHello", " there!"]


def test_think_block_split_across_tokens_never_reaches_the_reader() -> None:
    hidden = ThinkingFilter()
    shown = "".join(hidden.feed(token) for token in THINKING_TOKENS) + hidden.finish()
    assert shown == "Hello there!"


def test_unfinished_thinking_shows_nothing_and_plain_angle_brackets_survive() -> None:
    hidden = ThinkingFilter()
    assert hidden.feed("<think>still thinking when the budget ran") + hidden.finish() == ""

    plain = ThinkingFilter()
    shown = "".join(plain.feed(t) for t in ["if a <", " b and c <t", "ag> then"]) + plain.finish()
    assert shown == "if a < b and c <tag> then"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("<think>plan</think>\n\nSubject: Hi", "Subject: Hi"),
        ("Answer without thinking", "Answer without thinking"),
        ("reasoning the template opened</think>\nThe answer", "The answer"),
        ("The answer<think>more", "The answer"),
    ],
)
def test_strip_thinking(raw: str, clean: str) -> None:
    assert strip_thinking(raw) == clean


def test_stream_strips_thinking_from_tokens_and_from_the_final_text() -> None:
    engine = FakeEngine(answer=lambda r: "<think>Let me plan the email.</think> Subject: Hello")
    events = list(stream(engine, simple_prompt(), SamplingOptions()))  # type: ignore[arg-type]
    tokens = "".join(e.text for e in events if isinstance(e, TokenEvent))
    final = events[-1]
    assert isinstance(final, Completion)
    assert tokens == "Subject: Hello"
    assert final.text == "Subject: Hello"
    assert "think" not in tokens


def test_stream_sends_base_models_the_plain_prompt_with_its_prefix() -> None:
    engine = FakeEngine(answer=lambda r: " Lunch on Friday", base_model=True)
    prompt = ToolPrompt(
        messages=({"role": "user", "content": "x"},),
        completion_prompt="Notes: lunch\n\nEmail:\nSubject:",
        completion_stop=("\nNotes:",),
        completion_prefix="Subject:",
    )
    events = list(stream(engine, prompt, SamplingOptions(stop=("END",))))  # type: ignore[arg-type]
    final = events[-1]
    assert isinstance(final, Completion)
    assert final.text == "Subject: Lunch on Friday"
    request = engine.requests[0]
    assert request.kind == "complete"
    assert request.prompt.endswith("Subject:")
    assert request.options.stop == ("END", "\nNotes:")
