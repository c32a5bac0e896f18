"""The engine worker with real llama.cpp inference on real GGUF models."""

from __future__ import annotations

import math
import os
import signal
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from desktop_slm.engine.client import EngineClient
from desktop_slm.engine.protocol import Completion, SamplingOptions, TokenEvent
from desktop_slm.engine.worker import TOKEN_BATCH_S
from desktop_slm.errors import EngineCrashed, EngineError, ModelFileError
from desktop_slm.tools import email
from desktop_slm.tools.prompt import stream
from tests.support.processes import wait_gone

GREEDY = SamplingOptions(max_tokens=24, temperature=0.0, seed=7)
HELLO = [{"role": "user", "content": "Write one short sentence about the sea."}]


def collect(events: object) -> tuple[list[str], Completion]:
    tokens: list[str] = []
    final: Completion | None = None
    for event in events:  # type: ignore[attr-defined]
        if isinstance(event, TokenEvent):
            assert final is None, "a token arrived after the done event"
            tokens.append(event.text)
        else:
            final = event
    assert final is not None, "the stream ended without a done event"
    return tokens, final


def test_streams_a_real_answer_with_counts(engine: EngineClient, smollm2_path: Path) -> None:
    active = engine.load(smollm2_path, n_ctx=2048, n_threads=2)
    assert active.loaded.n_ctx == 2048
    assert active.loaded.n_ctx_train == 8192
    assert not active.info.is_base_model

    tokens, done = collect(engine.chat(HELLO, GREEDY))

    # The first token goes out at once, the rest in batches of at most 1/30 s.
    assert len(tokens) >= 2, "the answer arrived in one piece instead of streaming"
    assert done.text == "".join(tokens)
    assert len(done.text.split()) >= 3
    assert "\x00" not in done.text
    assert done.finish_reason in ("stop", "length")
    assert 1 <= done.completion_tokens <= GREEDY.max_tokens
    assert done.prompt_tokens > 10
    assert done.timings.tokens_per_s > 0
    assert done.timings.ttft_s > 0


def test_a_repeated_prompt_prefix_is_not_evaluated_again(
    engine: EngineClient, smollm2_path: Path
) -> None:
    engine.load(smollm2_path, n_ctx=2048)
    _, first = collect(engine.chat(HELLO, GREEDY))
    other = [{"role": "user", "content": "Write one short sentence about the moon."}]
    _, second = collect(engine.chat(other, GREEDY))
    assert first.cached_prompt_tokens == 0
    # Same system/template start: only the changed tail is evaluated again.
    assert second.cached_prompt_tokens >= 10
    assert second.cached_prompt_tokens < second.prompt_tokens


def test_a_prefilled_request_evaluates_only_its_last_token(
    engine: EngineClient, smollm2_path: Path
) -> None:
    engine.load(smollm2_path, n_ctx=2048)
    prompt = email.build(email.EmailRequest(notes="thank Anna for the review; ship on Friday"))
    messages = [dict(m) for m in prompt.messages]
    ahead = engine.prefill(messages=messages)
    assert not ahead.cancelled
    assert ahead.prompt_tokens > 50
    assert ahead.evaluated_tokens == ahead.prompt_tokens - 1  # the last is the request's

    again = engine.prefill(messages=messages)  # nothing changed: nothing to evaluate
    assert again.evaluated_tokens == 0

    tokens, done = collect(engine.chat(messages, GREEDY))
    assert done.prompt_tokens == ahead.prompt_tokens
    assert done.cached_prompt_tokens == done.prompt_tokens - 1
    assert done.text.strip()
    assert done.finish_reason in ("stop", "length")
    assert tokens


def test_a_prefill_is_cancelled_and_the_engine_stays_consistent(
    engine: EngineClient, smollm2_path: Path
) -> None:
    engine.load(smollm2_path, n_ctx=8192, n_threads=1)
    long_text = " ".join(f"Paragraph {i} talks about harbours and tides." for i in range(450))
    ask = [{"role": "user", "content": f"Summarize:\n{long_text}"}]
    timer = threading.Timer(0.3, engine.cancel)
    timer.start()
    try:
        ahead = engine.prefill(messages=ask)
    finally:
        timer.cancel()
    assert ahead.cancelled
    assert ahead.evaluated_tokens == 0

    # The engine answers the next request as usual.
    _, done = collect(engine.chat(HELLO, GREEDY))
    assert not done.cancelled
    assert done.text.strip()


def test_a_cancel_sent_right_behind_its_request_still_stops_it(
    engine: EngineClient, smollm2_path: Path
) -> None:
    engine.load(smollm2_path, n_ctx=8192, n_threads=1)
    long_text = " ".join(f"Paragraph {i} talks about harbours and tides." for i in range(450))
    stop = threading.Event()
    stop.set()  # the cancel follows the request at once, maybe before the worker starts it
    ahead = engine.prefill(messages=[{"role": "user", "content": long_text}], stop=stop)
    assert ahead.cancelled
    assert ahead.evaluated_tokens == 0
    _, done = collect(engine.chat(HELLO, GREEDY))  # a stale cancel does not stop this one
    assert not done.cancelled
    assert done.text.strip()


def test_prefill_wants_messages_or_a_prompt(engine: EngineClient) -> None:
    with pytest.raises(ValueError, match="messages or prompt"):
        engine.prefill()
    with pytest.raises(ValueError, match="messages or prompt"):
        engine.prefill(messages=HELLO, prompt="x")


def test_max_tokens_limits_the_answer(engine: EngineClient, smollm2_path: Path) -> None:
    engine.load(smollm2_path, n_ctx=2048)
    long_ask = [{"role": "user", "content": "Write a long story about a lighthouse keeper."}]
    _, done = collect(engine.chat(long_ask, SamplingOptions(max_tokens=5, temperature=0)))
    assert done.completion_tokens == 5
    assert done.finish_reason == "length"


def test_count_tokens_uses_the_models_tokenizer(engine: EngineClient, smollm2_path: Path) -> None:
    engine.load(smollm2_path, n_ctx=2048)
    short = engine.count_tokens("Hello world")
    longer = engine.count_tokens("Hello world. " * 50)
    assert 1 <= short <= 4
    assert longer > 50 * short / 2


def test_cancel_during_generation_stops_within_a_token(
    engine: EngineClient, smollm2_path: Path
) -> None:
    engine.load(smollm2_path, n_ctx=2048)
    story = [{"role": "user", "content": "Tell a very long story about dragons."}]
    events = engine.chat(story, SamplingOptions(max_tokens=400, temperature=0))
    received = 0
    at_cancel: int | None = None
    done: Completion | None = None
    for event in events:
        if isinstance(event, TokenEvent):
            received += event.tokens
            if at_cancel is None and received >= 5:
                at_cancel = received
                engine.cancel()
        else:
            done = event
    assert done is not None
    assert at_cancel is not None
    assert done.cancelled
    assert done.cancelled_during == "generation"
    # The worker stops at the next token. Beyond what had arrived, only the batch it was
    # collecting (at most TOKEN_BATCH_S of tokens) and a couple on the wire were made.
    batch = math.ceil(done.timings.tokens_per_s * TOKEN_BATCH_S)
    assert done.completion_tokens <= at_cancel + batch + 2
    assert done.completion_tokens < 40, "the cancel did not stop the generation"

    _, after = collect(engine.chat(HELLO, GREEDY))  # the model stays usable
    assert after.finish_reason in ("stop", "length")
    assert after.text.strip()


def test_cancel_during_a_long_prompt_evaluation(engine: EngineClient, smollm2_path: Path) -> None:
    engine.load(smollm2_path, n_ctx=8192, n_threads=1)
    long_text = " ".join(
        f"Paragraph {i} talks about harbours, ships and tides." for i in range(450)
    )
    prompt_size = engine.count_tokens(long_text)
    assert prompt_size > 5000
    ask = [{"role": "user", "content": f"Summarize:\n{long_text}"}]
    events = engine.chat(ask, SamplingOptions(max_tokens=8, temperature=0))
    timer = threading.Timer(0.3, engine.cancel)
    timer.start()
    try:
        tokens, done = collect(events)
    finally:
        timer.cancel()
    assert done.cancelled
    assert done.cancelled_during == "prompt", "the prompt was fully evaluated before stopping"
    assert tokens == []
    assert done.completion_tokens == 0

    _, after = collect(engine.chat(HELLO, GREEDY))
    assert not after.cancelled
    assert after.text.strip()


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGABRT], ids=["kill", "abort"])
def test_worker_killed_mid_generation_is_reported_and_replaced(
    engine: EngineClient, smollm2_path: Path, how: signal.Signals
) -> None:
    engine.load(smollm2_path, n_ctx=2048)
    first_pid = engine.pid
    assert first_pid is not None
    story = [{"role": "user", "content": "Tell a very long story about dragons."}]

    def kill_on_first_token() -> None:
        for event in engine.chat(story, SamplingOptions(max_tokens=400, temperature=0)):
            if isinstance(event, TokenEvent):
                os.kill(first_pid, how)  # SIGABRT is what a GGML_ASSERT ends in

    with pytest.raises(EngineCrashed) as crash:
        kill_on_first_token()
    message = str(crash.value)
    assert "stopped unexpectedly" in message
    assert how.name in message
    assert "next request" in message
    assert wait_gone(first_pid)

    # The next request starts a fresh worker and reloads the same model by itself.
    _, done = collect(engine.chat(HELLO, GREEDY))
    assert done.text.strip()
    assert engine.pid not in (None, first_pid)
    assert engine.active_model is not None
    assert engine.active_model.info.path == str(smollm2_path)


def test_closing_the_client_ends_the_worker(smollm2_path: Path) -> None:
    client = EngineClient()
    client.load(smollm2_path, n_ctx=1024)
    pid = client.pid
    assert pid is not None
    client.close()
    assert wait_gone(pid)


def test_bad_file_is_refused_before_the_worker_sees_it(
    engine: EngineClient, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(os.urandom(4096))
    with pytest.raises(ModelFileError) as error:
        engine.load(junk)
    assert "junk.gguf" in str(error.value)
    assert engine.pid is None, "a worker was started for a file that failed validation"


def test_base_model_is_never_sent_through_a_chat_format(
    engine: EngineClient, gemma_base_path: Path
) -> None:
    active = engine.load(gemma_base_path, n_ctx=1024)
    assert active.info.is_base_model
    assert "base model: not instruction-tuned" in active.info.display_name()

    with pytest.raises(EngineError) as refused:
        collect(engine.chat(HELLO, GREEDY))
    assert refused.value.code == "base_model"

    prompt = email.build(email.EmailRequest(notes="meeting moved to Friday 3pm, room 4"))
    _, done = collect(stream(engine, prompt, SamplingOptions(max_tokens=60, temperature=0)))
    assert done.text.startswith("Subject:")
    assert "<USER>" not in done.text
    assert "[INST]" not in done.text


def test_engine_reports_timing_close_to_wall_clock(
    engine: EngineClient, smollm2_path: Path
) -> None:
    engine.load(smollm2_path, n_ctx=2048)
    started = time.perf_counter()
    _, done = collect(engine.chat(HELLO, GREEDY))
    wall = time.perf_counter() - started
    assert done.timings.total_s <= wall


def test_a_file_llama_cpp_rejects_leaves_the_previous_model_usable(
    engine: EngineClient, smollm2_path: Path, tmp_path: Path
) -> None:
    from tests.test_gguf_check import write_tiny_model

    engine.load(smollm2_path, n_ctx=1024)
    # Valid GGUF metadata, so it passes validation, but no vocabulary or layers.
    hollow = write_tiny_model(tmp_path / "hollow.gguf")
    with pytest.raises(EngineError) as failure:
        engine.load(hollow)
    assert failure.value.code == "load_failed"
    assert "hollow.gguf" in str(failure.value)

    _, done = collect(engine.chat(HELLO, GREEDY))
    assert done.text.strip()
    assert engine.active_model is not None
    assert engine.active_model.info.path == str(smollm2_path)


def test_a_grammar_shapes_the_answer_and_keeps_the_prompt_cache(
    engine: EngineClient, smollm2_path: Path
) -> None:
    engine.load(smollm2_path, n_ctx=2048)
    yes_no = SamplingOptions(
        max_tokens=24, temperature=0.0, seed=7, grammar='root ::= "yes" | "no"'
    )
    question = [{"role": "user", "content": "Is the sea salty? Write a long answer."}]
    _, first = collect(engine.chat(question, yes_no))
    assert first.text in ("yes", "no")
    assert first.finish_reason == "stop"  # the grammar allows nothing after the word
    # The same prompt again, with another grammar: the prompt is not evaluated again.
    dashes = replace(yes_no, grammar='root ::= "- " [a-z ]+ "\\n"')
    _, second = collect(engine.chat(question, dashes))
    assert second.text.startswith("- ")
    assert second.cached_prompt_tokens == second.prompt_tokens - 1
    # Without a grammar the model writes what it likes again.
    _, free = collect(engine.chat(question, GREEDY))
    assert free.text not in ("yes", "no")


def test_a_grammar_until_a_mark_shapes_only_the_head_of_the_answer(
    engine: EngineClient, smollm2_path: Path
) -> None:
    engine.load(smollm2_path, n_ctx=2048)
    head = replace(
        GREEDY,
        max_tokens=60,
        grammar='root ::= "Title: " [A-Z] [a-z]{1,12} "\\n\\n"',
        grammar_until="\n\n",
    )
    question = [{"role": "user", "content": "Write three sentences about the sea."}]
    _, shaped = collect(engine.chat(question, head))
    title, blank, rest = shaped.text.partition("\n\n")
    assert title.startswith("Title: "), shaped.text
    assert blank, shaped.text
    # After the head the model writes freely: not a grammar's end, a real answer.
    assert len(rest.split()) >= 5, shaped.text
    assert shaped.completion_tokens > len(title.split())
    # The whole answer once more with the grammar everywhere: it ends at the blank line.
    _, whole = collect(engine.chat(question, replace(head, grammar_until="")))
    assert whole.text == title + "\n\n"


def test_a_grammar_llama_cpp_cannot_read_is_an_error_not_a_crash(
    engine: EngineClient, smollm2_path: Path
) -> None:
    engine.load(smollm2_path, n_ctx=1024)
    pid = engine.pid
    broken = replace(GREEDY, grammar="root ::= undefined-rule")
    with pytest.raises(EngineError) as refused:
        collect(engine.chat(HELLO, broken))
    assert refused.value.code == "bad_grammar"
    assert "grammar" in str(refused.value)
    # The same worker answers the next request.
    _, done = collect(engine.chat(HELLO, GREEDY))
    assert done.completion_tokens >= 1
    assert engine.pid == pid
