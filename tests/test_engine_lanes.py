"""The suggestion lane: inline suggestions and Generate keep their cached prompts apart.

Real llama.cpp on the real test models. The worker has a second llama.cpp context on
the same loaded model for suggestions (``lane="suggest"``).
"""

from __future__ import annotations

import threading
from pathlib import Path

import psutil
import pytest

from desktop_slm.engine.client import EngineClient
from desktop_slm.engine.protocol import Completion, SamplingOptions
from desktop_slm.errors import EngineError
from desktop_slm.tools import email
from tests.test_engine import GREEDY, HELLO, collect

TEXT = " ".join(f"Sentence {i} says the ferry leaves the harbour at nine." for i in range(12))
SHORT = SamplingOptions(max_tokens=6, temperature=0.0, stop=("\n",))


def test_a_suggestion_after_generate_finds_its_prompt_still_cached(
    engine: EngineClient, smollm2_path: Path
) -> None:
    engine.load(smollm2_path, n_ctx=2048, n_threads=1)
    _, first = collect(engine.complete(TEXT, SHORT, lane="suggest"))
    assert first.prompt_tokens > 100
    # Generate and the tab's preparation run on the main context meanwhile.
    notes = email.build(email.EmailRequest(notes="thank Anna for the review; ship on Friday"))
    assert engine.prefill(messages=[dict(m) for m in notes.messages]).evaluated_tokens > 50
    collect(engine.chat(HELLO, GREEDY))

    _, typed_on = collect(engine.complete(TEXT + " The bus", SHORT, lane="suggest"))
    assert typed_on.cached_prompt_tokens >= first.prompt_tokens - 1
    assert typed_on.prompt_tokens - typed_on.cached_prompt_tokens <= 4

    # The same on the main lane: Generate took its cache.
    _, main = collect(engine.complete(TEXT + " The bus", SHORT))
    assert main.cached_prompt_tokens < 10


def test_a_suggestion_leaves_the_prepared_answer_in_the_main_cache(
    engine: EngineClient, smollm2_path: Path
) -> None:
    engine.load(smollm2_path, n_ctx=2048, n_threads=1)
    prompt = email.build(email.EmailRequest(notes="ask Tom to move the demo to Thursday"))
    messages = [dict(m) for m in prompt.messages]
    ahead = engine.prefill(messages=messages)
    assert ahead.evaluated_tokens == ahead.prompt_tokens - 1

    warm = engine.prefill(prompt=TEXT[:200], lane="suggest")  # suggestions, warm-up included
    assert warm.evaluated_tokens > 10
    collect(engine.complete(TEXT, SHORT, lane="suggest"))

    _, done = collect(engine.chat(messages, GREEDY))
    assert done.cached_prompt_tokens == done.prompt_tokens - 1  # Generate starts at once
    assert done.text.strip()


def test_the_suggestion_lane_answers_as_the_main_lane_does(
    engine: EngineClient, smollm2_path: Path
) -> None:
    engine.load(smollm2_path, n_ctx=2048, n_threads=1)
    options = SamplingOptions(max_tokens=12, temperature=0.0, repeat_penalty=1.1)
    _, main = collect(engine.complete(TEXT, options))
    lane_tokens, lane = collect(engine.complete(TEXT, options, lane="suggest"))
    assert lane.text == main.text  # greedy: the same model, the same words
    assert lane.text.strip()
    assert lane_tokens
    assert lane.completion_tokens == main.completion_tokens
    assert lane.timings.total_s > 0

    # Stop strings and grammars hold on the suggestion lane too.
    _, stopped = collect(engine.complete(TEXT, SamplingOptions(temperature=0.0, stop=(" the",))))
    _, lane_stopped = collect(
        engine.complete(TEXT, SamplingOptions(temperature=0.0, stop=(" the",)), lane="suggest")
    )
    assert lane_stopped.text == stopped.text
    assert " the" not in lane_stopped.text
    assert lane_stopped.finish_reason == "stop"
    answer = SamplingOptions(max_tokens=8, temperature=0.0, grammar='root ::= "yes" | "no"')
    _, constrained = collect(engine.complete(TEXT + " Is that right?", answer, lane="suggest"))
    assert constrained.text in ("yes", "no")


def test_a_suggestion_is_cancelled_and_the_lane_goes_on(
    engine: EngineClient, smollm2_path: Path
) -> None:
    engine.load(smollm2_path, n_ctx=2048, n_threads=1)
    _, reference = collect(engine.complete(TEXT, SHORT, lane="suggest"))
    long_answer = SamplingOptions(max_tokens=400, temperature=0.0, repeat_penalty=1.3)
    tokens = 0
    done = None
    for event in engine.complete(TEXT + " Then", long_answer, lane="suggest"):
        if isinstance(event, Completion):
            done = event
        else:
            tokens += 1
            if tokens == 1:
                engine.cancel()  # the next keystroke
    assert done is not None
    assert done.cancelled
    assert done.cancelled_during == "generation"
    assert done.completion_tokens < 400

    # A cancel right behind a warm-up piece stops it before or while it evaluates.
    stop = threading.Event()
    stop.set()
    other = "Dear Tom, the minutes of the meeting are attached. " + TEXT
    assert engine.prefill(prompt=other, stop=stop, lane="suggest").cancelled

    _, after = collect(engine.complete(TEXT, SHORT, lane="suggest"))
    assert not after.cancelled
    assert after.text == reference.text  # the lane's cache stayed consistent


def test_a_prompt_longer_than_the_lane_keeps_its_end(
    engine: EngineClient, smollm2_path: Path
) -> None:
    engine.load(smollm2_path, n_ctx=4096, n_threads=1)
    # About 1,500 tokens: more than the suggestion lane holds, which must still answer.
    long_text = " ".join(f"Note {i}: the ferry leaves at nine." for i in range(150))
    _, done = collect(engine.complete(long_text + " Note 150:", SHORT, lane="suggest"))
    assert not done.cancelled
    assert done.prompt_tokens + SHORT.max_tokens <= 1024
    assert done.text.strip()
    _, main = collect(engine.complete(long_text + " Note 150:", SHORT))  # main: the whole text
    assert main.prompt_tokens > 1024


def test_an_unknown_lane_is_refused(engine: EngineClient, smollm2_path: Path) -> None:
    engine.load(smollm2_path, n_ctx=1024, n_threads=1)
    with pytest.raises(EngineError, match="lane"):
        collect(engine.complete(TEXT, SHORT, lane="side"))  # type: ignore[arg-type]
    _, done = collect(engine.complete(TEXT, SHORT, lane="suggest"))  # still serving
    assert done.text.strip()


def test_the_lane_shares_the_weights_and_goes_with_its_model(
    engine: EngineClient, smollm2_path: Path, gemma_base_path: Path
) -> None:
    engine.load(smollm2_path, n_ctx=2048, n_threads=1)
    collect(engine.complete(TEXT, SHORT))
    assert engine.pid is not None
    worker = psutil.Process(engine.pid)
    before = worker.memory_info().rss
    collect(engine.complete(TEXT, SHORT, lane="suggest"))
    grown = worker.memory_info().rss - before
    # Its own KV cache and buffers (some 35 MB), never a second copy of the 98 MB weights.
    assert grown < smollm2_path.stat().st_size * 0.6

    # Another model: the suggestion lane is made anew on it (the old one was freed).
    engine.load(gemma_base_path, n_ctx=2048, n_threads=1)
    _, main = collect(engine.complete("The harbour of the old town", SHORT))
    _, lane = collect(engine.complete("The harbour of the old town", SHORT, lane="suggest"))
    assert lane.text == main.text
    assert lane.text.strip()


def test_suggestions_in_two_text_boxes_keep_both_prompts_cached(
    engine: EngineClient, smollm2_path: Path
) -> None:
    engine.load(smollm2_path, n_ctx=2048, n_threads=1)
    notes = "Notes for the call with Anna: the release moves to Friday because the vendor"
    collect(engine.complete(TEXT, SHORT, lane="suggest"))
    collect(engine.complete(notes, SHORT, lane="suggest"))
    _, back = collect(engine.complete(TEXT + " The", SHORT, lane="suggest"))
    assert back.cached_prompt_tokens >= back.prompt_tokens - 3
    _, again = collect(engine.complete(notes + " needs", SHORT, lane="suggest"))
    assert again.cached_prompt_tokens >= again.prompt_tokens - 3
