"""Prompt-lookup decoding: rewrites draft from their input and give the very same answer.

The worker drafts tokens from the prompt for requests that copy their input
(``SamplingOptions.prompt_lookup``, set by the rewrite and translation tools) and verifies
them in one batch, on models whose batches llama.cpp evaluates bit for bit like single
tokens (``exact_batch_size``). At temperature 0 the answer must be the one plain decoding
gives, token for token, on both test models, with stop strings and with a grammar.

With the engine's settings (flash attention off) neither test model's batches are exact,
so the worker's answers are compared as the app gives them, and the drafting itself is
tested in process with flash attention on, where the probe finds exact batches on one
thread. On two threads, flash attention's one-token decoding changes once 512 positions
are cached: a long rewrite must still come out the same (the probe's second half).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from benchmarks.prompt_lookup import TEXT as LONG_TEXT
from benchmarks.prompt_lookup import prompt_tokens
from desktop_slm.engine import lookup
from desktop_slm.engine.client import EngineClient
from desktop_slm.engine.lookup import (
    MODEL_MEMORY,
    PROBE_EVERY,
    ExactBatchBook,
    LookupPolicy,
    LookupStats,
    NgramDrafter,
    exact_batch_size,
    probe_key,
)
from desktop_slm.engine.protocol import Completion, SamplingOptions
from desktop_slm.languages import find_language
from desktop_slm.tools import email, rewrite, translate
from desktop_slm.tools.prompt import ToolPrompt, stream
from tests.test_engine import collect

GERMAN = translate.LanguagePair(find_language("en"), find_language("de"))
GREEDY = SamplingOptions(max_tokens=160, temperature=0.0, seed=7)

TEXTS = (
    "Their going to the libary tomorow to return the books they borowed last weak. The "
    "librarian said its fine if they are a few days late, but they dont want to pay a fine.",
    "I has sent the report yesterday but nobody have answered yet. Could you please check "
    "if you recieved it and let me know if anything is missing from the figures.",
    "- Budget 2025: approved, 48,500 EUR\n- Hiring: two developpers, Anna writes the job "
    "description until friday\n- Next meeting: 14 March, room 3.12",
)


def answer(engine: EngineClient, prompt: ToolPrompt, *, lookup: bool) -> Completion:
    """The answer to ``prompt`` from the same cache state, drafting or not."""
    # A one-token request on an unrelated prompt first: the prompt is then evaluated in
    # the same batches either way (llama.cpp's logits depend slightly on batch sizes).
    collect(engine.complete("Once upon a time", replace(GREEDY, max_tokens=1)))
    shaped = replace(prompt, copies_input=lookup)
    _, done = collect(stream(engine, shaped, GREEDY))
    return done


@pytest.mark.parametrize("action", ["fix", "shorter", "formal"])
def test_a_rewrite_is_the_same_with_and_without_drafting(
    engine: EngineClient, smollm2_path: Path, action: str
) -> None:
    engine.load(smollm2_path, n_ctx=2048, n_threads=1)
    for text in TEXTS:
        prompt = rewrite.build(rewrite.RewriteRequest(text=text, action=action))
        plain = answer(engine, prompt, lookup=False)
        drafted = answer(engine, prompt, lookup=True)
        assert drafted.text == plain.text
        assert drafted.completion_tokens == plain.completion_tokens
        assert drafted.finish_reason == plain.finish_reason
        assert plain.lookup is None
        assert drafted.lookup is not None
        # Drafting is on exactly where the probe found batches that are exact.
        assert drafted.lookup["drafting"] == (drafted.lookup["exact_batch"] >= 2)


def test_a_base_model_rewrite_with_stop_strings_is_the_same(
    engine: EngineClient, gemma_base_path: Path
) -> None:
    engine.load(gemma_base_path, n_ctx=2048, n_threads=1)
    for text in TEXTS:
        prompt = rewrite.build(rewrite.RewriteRequest(text=text, action="fix"))
        assert prompt.completion_stop  # the base model's answer ends at a stop string
        plain = answer(engine, prompt, lookup=False)
        drafted = answer(engine, prompt, lookup=True)
        assert drafted.text == plain.text
        assert drafted.completion_tokens == plain.completion_tokens
        assert drafted.finish_reason == plain.finish_reason


@pytest.mark.parametrize("model", ["smollm2", "gemma"])
def test_a_translation_is_the_same_with_and_without_drafting(
    engine: EngineClient, request: pytest.FixtureRequest, model: str
) -> None:
    path = request.getfixturevalue("smollm2_path" if model == "smollm2" else "gemma_base_path")
    engine.load(path, n_ctx=2048, n_threads=1)
    line = "Anna Berg will visit Berlin on 14 March at 10:00 to sign the contract."
    prompt = translate.build_block([line], GERMAN)
    assert prompt.copies_input
    plain = answer(engine, prompt, lookup=False)
    drafted = answer(engine, prompt, lookup=True)
    assert drafted.text == plain.text


def test_drafting_after_a_grammar_head_gives_the_same_email(
    engine: EngineClient, smollm2_path: Path
) -> None:
    """The grammar part is decoded plainly; the free body after it drafts."""
    engine.load(smollm2_path, n_ctx=2048, n_threads=1)
    notes = "Thank Anna for the quick review of the budget; the release moves to Friday."
    prompt = email.build(email.EmailRequest(notes=notes))
    assert prompt.grammar
    assert prompt.grammar_until
    plain = answer(engine, prompt, lookup=False)
    drafted = answer(engine, prompt, lookup=True)
    assert drafted.text == plain.text
    assert drafted.text.startswith("Subject: ")


def test_a_drafting_request_is_cancelled_and_the_next_answer_is_unchanged(
    engine: EngineClient, smollm2_path: Path
) -> None:
    engine.load(smollm2_path, n_ctx=2048, n_threads=1)
    prompt = rewrite.build(rewrite.RewriteRequest(text=TEXTS[0] * 3, action="fix"))
    shaped = replace(prompt, copies_input=True)
    events = stream(engine, shaped, replace(GREEDY, max_tokens=400))
    done: Completion | None = None
    for event in events:
        if isinstance(event, Completion):
            done = event
        else:
            engine.cancel()  # at the first streamed text
    assert done is not None
    assert done.cancelled
    assert done.cancelled_during == "generation"
    assert done.completion_tokens < 100
    assert done.lookup is not None  # the answer to a cancel still says what drafting did
    # The cache the cancelled request left (drafts rolled back or not) changes nothing.
    plain = answer(engine, prompt, lookup=False)
    again = answer(engine, prompt, lookup=True)
    assert again.text == plain.text


def test_the_tools_that_copy_their_input_ask_for_drafting() -> None:
    assert rewrite.build(rewrite.RewriteRequest(text=TEXTS[0], action="fix")).copies_input
    assert translate.build_block(["Good morning."], GERMAN).copies_input
    assert not email.build(email.EmailRequest(notes="Lunch on Friday?")).copies_input


# ---------------------------------------------------------------- drafting, in process
def in_process(path: Path, threads: int = 1) -> Any:
    import llama_cpp

    return llama_cpp.Llama(
        model_path=str(path),
        n_ctx=1024,
        n_threads=threads,
        n_threads_batch=threads,
        flash_attn=True,  # batches exact for both test models on one thread
        chat_format="chat_template.default",
        verbose=False,
    )


def tokens_of(llama: Any, generator: Iterator[int], limit: int = 80) -> list[int]:
    import llama_cpp

    answer: list[int] = []
    for token in generator:
        if llama_cpp.llama_vocab_is_eog(llama._model.vocab, token) or len(answer) >= limit:
            break
        answer.append(token)
    generator.close()  # type: ignore[attr-defined]
    return answer


def plain_and_drafted(
    llama: Any, text: str, sampling: dict[str, Any], exact: int, limit: int
) -> tuple[list[int], list[int], LookupStats]:
    """The "fix" rewrite of ``text`` decoded plainly and with drafting, same seed."""
    prompt = prompt_tokens(llama, rewrite.build(rewrite.RewriteRequest(text, "fix")))
    llama.reset()
    llama.set_seed(11)
    plain = tokens_of(llama, llama.generate(prompt, **sampling), limit)
    llama.reset()
    llama.set_seed(11)
    stats = LookupStats()
    drafted = tokens_of(
        llama,
        lookup.generate(llama, prompt, sampling, stats, max_tokens=limit, exact_batch=exact),
        limit,
    )
    # Closed, the cache holds what plain decoding would: prompt + answer but its last.
    assert llama.n_tokens == len(prompt) + len(plain)
    return plain, drafted, stats


SAMPLING: dict[str, Any] = {"top_k": 40, "top_p": 0.95, "min_p": 0.05, "repeat_penalty": 1.05}


@pytest.mark.parametrize("model", ["smollm2", "gemma"])
@pytest.mark.parametrize("temperature", [0.0, 0.8])
def test_drafting_on_exact_batches_gives_the_plain_answer_token_for_token(
    request: pytest.FixtureRequest, model: str, temperature: float
) -> None:
    """Greedy and sampled (same seed): the draws are made in the same order either way."""
    path = request.getfixturevalue("smollm2_path" if model == "smollm2" else "gemma_base_path")
    llama = in_process(path)
    try:
        exact = exact_batch_size(llama, lambda: False, threads=1)
        # Measured with llama-cpp-python 0.3.36: SmolLM2 13, Gemma 3 270M 3. A build that
        # loses exact batches turns prompt lookup off everywhere: this says so.
        assert exact >= 2, "llama.cpp's batches are no longer exact: prompt lookup is off"
        sampling = {**SAMPLING, "temp": temperature}
        accepted = 0
        for text in TEXTS:
            plain, drafted, stats = plain_and_drafted(llama, text, sampling, exact, 80)
            assert drafted == plain
            accepted += stats.accepted_tokens
        assert accepted > 0, "no draft was accepted: the rewrites did not use the lookup"
    finally:
        llama.close()


def test_a_long_rewrite_on_two_threads_is_the_same_with_drafting(smollm2_path: Path) -> None:
    """The probe's first half alone said 13 here, and drafting then changed this answer
    (past 512 cached positions flash attention's one-token decoding on two threads sums
    in another order). The probe at the request's thread count keeps the answer."""
    llama = in_process(smollm2_path, threads=2)
    try:
        exact = exact_batch_size(llama, lambda: False, threads=2)
        plain, drafted, _ = plain_and_drafted(
            llama, LONG_TEXT, {**SAMPLING, "temp": 0.0}, exact, 160
        )
        assert len(plain) == 160  # the answer runs well past 512 cached positions
        assert drafted == plain
    finally:
        llama.close()


def test_a_probe_is_kept_per_model_file_engine_and_thread_count(tmp_path: Path) -> None:
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF")
    book = ExactBatchBook(tmp_path / "cache" / "exact_batches.json")
    one = probe_key(str(model), threads=1, flash_attn=False)
    two = probe_key(str(model), threads=2, flash_attn=False)
    assert book.get(one) is None
    book.record(one, 0)
    book.record(two, 5)
    again = ExactBatchBook(book.path)  # another start of the app
    assert (again.get(one), again.get(two)) == (0, 5)
    assert probe_key(str(model), threads=1, flash_attn=True) not in (one, two)
    model.write_bytes(b"GGUF and more")  # a replaced file is measured again
    assert again.get(probe_key(str(model), threads=1, flash_attn=False)) is None
    assert probe_key(str(tmp_path / "gone.gguf"), threads=1, flash_attn=False) == ""


def test_a_damaged_probe_file_is_read_as_empty_and_replaced(tmp_path: Path) -> None:
    book = ExactBatchBook(tmp_path / "exact_batches.json")
    book.path.write_text('{"version": 1, "probes": {"a": "13", "b": 99, "c": 4}', "utf-8")
    assert book.get("c") is None  # not JSON: nothing is trusted
    book.path.write_text('{"version": 1, "probes": {"a": "13", "b": 99, "c": 4}}', "utf-8")
    assert (book.get("a"), book.get("b"), book.get("c")) == (None, None, 4)
    book.path.write_text("\x00garbage", "utf-8")
    book.record("d", 2)
    assert ExactBatchBook(book.path).get("d") == 2


# ---------------------------------------------------------------- drafting and its rule
def test_a_draft_is_what_followed_the_latest_occurrence_of_the_last_tokens() -> None:
    drafter = NgramDrafter([1, 2, 3, 4, 5, 9, 2, 3, 7, 8])
    assert drafter.draft(4) == []  # "7 8" occurs nowhere before
    drafter.append(2)
    drafter.append(3)
    assert drafter.draft(2) == [7, 8]  # the latest "2 3" came before 7
    drafter.append(4)
    assert drafter.draft(3) == [5, 9, 2]  # "2 3 4" (three tokens) before "3 4"
    assert drafter.draft(50) == [5, 9, 2, 3, 7, 8, 2, 3, 4]  # up to the end of the text


def stats(speedup: float) -> LookupStats:
    return LookupStats(
        drafted_steps=10, drafted_s=1.0, drafted_out=10, plain_s=speedup, plain_out=10
    )


def test_a_model_without_exact_batches_never_drafts() -> None:
    policy = LookupPolicy(exact_batch=0)
    assert not any(policy.start() for _ in range(2 * PROBE_EVERY))


def test_a_model_stops_drafting_when_it_does_not_pay_and_probes_again() -> None:
    policy = LookupPolicy(exact_batch=13)
    assert all(policy.start() for _ in range(7))  # no measurement yet: draft
    for _ in range(MODEL_MEMORY):
        policy.record(stats(speedup=0.8))
    starts = [policy.start() for _ in range(2 * PROBE_EVERY)]
    assert starts.count(True) == 2  # only the probes
    policy.record(stats(speedup=1.3))  # a probe that gained turns it back on
    assert all(policy.start() for _ in range(PROBE_EVERY))


def test_a_request_with_too_few_drafts_does_not_decide() -> None:
    policy = LookupPolicy(exact_batch=13)
    for _ in range(MODEL_MEMORY):
        policy.record(replace(stats(speedup=0.5), drafted_steps=2))
    assert not policy.paused
