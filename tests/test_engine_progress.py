"""Progress while the model reads a long prompt (issue 16): real llama.cpp, real test models."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest

from desktop_slm.engine.client import EngineClient
from desktop_slm.engine.protocol import Completion, ReadProgress, SamplingOptions, TokenEvent

REQUIRED_EVERY = 256
"""The issue: a progress report at least every 256 prompt tokens."""


def harbour_text(paragraphs: int) -> str:
    return " ".join(
        f"Paragraph {i} talks about harbours, ships and tides." for i in range(paragraphs)
    )


def run(
    engine: EngineClient, op: str, text: str, options: SamplingOptions
) -> tuple[list[object], Completion]:
    """Every event of one request in the order the caller saw them, and its completion."""
    seen: list[object] = []
    if op == "chat":
        messages = [{"role": "user", "content": f"Summarize in one word:\n{text}"}]
        events = engine.chat(messages, options, on_progress=seen.append)
    else:
        events = engine.complete(
            f"{text}\nIn one word, the text is about", options, on_progress=seen.append
        )
    done: Completion | None = None
    for event in events:
        seen.append(event)
        if isinstance(event, Completion):
            done = event
    assert done is not None
    return seen, done


@pytest.mark.parametrize("op", ["chat", "complete-with-grammar"])
def test_reading_progress_arrives_in_order_at_least_every_256_tokens(
    engine: EngineClient, smollm2_path: Path, op: str
) -> None:
    engine.load(smollm2_path, n_ctx=2048)
    text = harbour_text(70)
    options = SamplingOptions(max_tokens=6, temperature=0)
    if op != "chat":  # the engine's own grammar sampling path reads the prompt too
        options = SamplingOptions(
            max_tokens=6, temperature=0, grammar='root ::= " ships" | " tides"'
        )
    seen, done = run(engine, "chat" if op == "chat" else "complete", text, options)

    progress = [event for event in seen if isinstance(event, ReadProgress)]
    total = done.prompt_tokens
    assert total > 3 * REQUIRED_EVERY
    assert len(progress) >= math.ceil(total / REQUIRED_EVERY)
    assert {p.request_id for p in progress} == {done.request_id}
    assert {p.total for p in progress} == {total}
    reads = [p.read for p in progress]
    assert reads[0] == progress[0].cached == done.cached_prompt_tokens
    assert all(b > a for a, b in itertools.pairwise(reads)), reads
    assert max(b - a for a, b in itertools.pairwise(reads)) <= REQUIRED_EVERY
    assert reads[-1] == total
    # All of the reading is reported before the answer starts.
    first_text = next(i for i, event in enumerate(seen) if isinstance(event, TokenEvent))
    assert max(i for i, event in enumerate(seen) if isinstance(event, ReadProgress)) < first_text
    assert done.text.strip()
    if op != "chat":
        assert done.text in (" ships", " tides")

    # The same text again is read already: nothing to report, the answer starts at once.
    again, repeated = run(engine, "chat" if op == "chat" else "complete", text, options)
    assert not [event for event in again if isinstance(event, ReadProgress)]
    assert repeated.cached_prompt_tokens == total - 1
    assert repeated.text == done.text


def test_a_short_prompt_reports_no_reading(engine: EngineClient, smollm2_path: Path) -> None:
    engine.load(smollm2_path, n_ctx=2048)
    seen, done = run(engine, "chat", "Ships came in.", SamplingOptions(max_tokens=4, temperature=0))
    assert done.prompt_tokens < REQUIRED_EVERY
    assert not [event for event in seen if isinstance(event, ReadProgress)]


def test_stop_while_reading_ends_at_once_and_keeps_what_was_read(
    engine: EngineClient, smollm2_path: Path
) -> None:
    engine.load(smollm2_path, n_ctx=2048, n_threads=1)
    ask = [{"role": "user", "content": f"Summarize:\n{harbour_text(100)}"}]
    heard: list[ReadProgress] = []

    def listen(progress: ReadProgress) -> None:
        heard.append(progress)
        if len(heard) == 2:  # one batch read: the user presses Stop
            engine.cancel()

    tokens: list[TokenEvent] = []
    done: Completion | None = None
    for event in engine.chat(ask, SamplingOptions(max_tokens=8, temperature=0), on_progress=listen):
        if isinstance(event, TokenEvent):
            tokens.append(event)
        else:
            done = event
    assert done is not None
    total = heard[0].total
    assert total > 4 * REQUIRED_EVERY
    assert done.cancelled
    assert done.cancelled_during == "prompt"
    assert tokens == []
    assert done.completion_tokens == 0
    # Stopped within the batch being read when Stop came (one more may have finished).
    assert len(heard) <= 4
    assert heard[-1].read <= heard[1].read + 2 * REQUIRED_EVERY
    assert heard[-1].read < total

    # Nothing half-done: what was read is kept, and the next request goes on from there.
    again: list[ReadProgress] = []
    events = engine.chat(
        ask, SamplingOptions(max_tokens=4, temperature=0), on_progress=again.append
    )
    after = list(events)[-1]
    assert isinstance(after, Completion)
    assert not after.cancelled
    assert after.cached_prompt_tokens >= heard[-1].read
    assert again[0].read == after.cached_prompt_tokens
    assert again[-1].read == after.prompt_tokens == total
