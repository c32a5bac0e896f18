"""Grammar-constrained answers from the engine: the grammar checked against the chosen token first.

The worker samples without the grammar and checks only the token it chose, falling back
to the whole vocabulary when the grammar rejects it. These tests hold it to what
llama-cpp-python's own path (the grammar over the whole vocabulary at every token) gives:
the very same answer at temperature 0, and an answer that follows the grammar whatever
the seed when sampling.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from desktop_slm.engine.client import EngineClient
from desktop_slm.engine.protocol import Completion, SamplingOptions, TokenEvent
from desktop_slm.tools import email
from tests.support.grammars import (
    ENTITY_TYPES,
    SENTIMENTS,
    analysis_grammar,
    analysis_prompt,
)
from tests.test_engine import collect

N_CTX = 1024
THREADS = 1

JSON_GRAMMAR = analysis_grammar()
BOUNDED_JSON_GRAMMAR = analysis_grammar(max_chars=30, max_items=2)
EMAIL_PROMPT = (
    "Write an email to Anna: thank her for the quick review; the release moves to Friday."
    "\n\nEmail:\n"
)


def full_vocabulary_answer(
    model: Path, prompt: str, grammar: str, options: SamplingOptions
) -> tuple[str, int]:
    """The answer llama-cpp-python gives with its own grammar path, in this process."""
    import llama_cpp

    llama = llama_cpp.Llama(
        model_path=str(model),
        n_ctx=N_CTX,
        n_batch=min(512, N_CTX),
        n_threads=THREADS,
        n_threads_batch=THREADS,
        verbose=False,
    )
    try:
        if options.seed is not None:
            llama.set_seed(options.seed)
        tokens = llama.tokenize(prompt.encode("utf-8"), add_bos=True, special=False)
        vocab = llama._model.vocab
        answer: list[int] = []
        for token in llama.generate(
            tokens,
            top_k=options.top_k,
            top_p=options.top_p,
            min_p=options.min_p,
            temp=options.temperature,
            repeat_penalty=options.repeat_penalty,
            grammar=llama_cpp.LlamaGrammar.from_string(grammar, verbose=False),
        ):
            if llama_cpp.llama_vocab_is_eog(vocab, token) or len(answer) >= options.max_tokens:
                break
            answer.append(token)
        text = llama.detokenize(answer).decode("utf-8", errors="replace")
        return text, len(answer)
    finally:
        llama.close()


def check_analysis(answer: str) -> dict[str, Any]:
    """The answer parsed, with every label from its fixed set.

    Not strict: the grammar llama-cpp-python makes of a JSON schema lets a string hold a
    raw line break, which only strict JSON refuses.
    """
    data = json.loads(answer, strict=False)
    assert set(data) == {"sentiment", "entities", "key_facts", "action_items"}
    assert data["sentiment"]["label"] in SENTIMENTS
    assert isinstance(data["sentiment"]["reason"], str)
    for entity in data["entities"]:
        assert set(entity) == {"text", "type"}
        assert entity["type"] in ENTITY_TYPES
    assert all(isinstance(fact, str) for fact in data["key_facts"])
    assert all(isinstance(item, str) for item in data["action_items"])
    return dict(data)


@pytest.mark.parametrize("model_fixture", ["smollm2_path", "gemma_base_path"])
@pytest.mark.parametrize(
    ("prompt", "grammar", "max_tokens"),
    [
        (analysis_prompt(), JSON_GRAMMAR, 160),
        (EMAIL_PROMPT, email.EMAIL_GRAMMAR, 60),
    ],
    ids=["json-schema", "email-head"],
)
def test_a_greedy_answer_is_the_one_the_full_vocabulary_grammar_gives(
    request: pytest.FixtureRequest,
    engine: EngineClient,
    *,
    model_fixture: str,
    prompt: str,
    grammar: str,
    max_tokens: int,
) -> None:
    model: Path = request.getfixturevalue(model_fixture)
    options = SamplingOptions(max_tokens=max_tokens, temperature=0.0, seed=7, grammar=grammar)
    expected, expected_tokens = full_vocabulary_answer(model, prompt, grammar, options)

    engine.load(model, n_ctx=N_CTX, n_threads=THREADS)
    _, done = collect(engine.complete(prompt, options))

    assert done.text == expected
    assert done.completion_tokens == expected_tokens
    if grammar == email.EMAIL_GRAMMAR:
        # The grammar ends at the blank line after the subject: so does the answer.
        assert done.finish_reason == "stop"
        assert done.text.startswith("Subject: ")
        assert done.text.endswith("\n\n")
        assert "\n" not in done.text.removesuffix("\n\n")


def test_a_sampled_answer_always_follows_the_grammar(
    engine: EngineClient, smollm2_path: Path
) -> None:
    engine.load(smollm2_path, n_ctx=N_CTX)
    messages = [{"role": "user", "content": analysis_prompt()}]
    answers = set()
    for seed in (1, 2, 3, 4):
        options = SamplingOptions(
            max_tokens=600, temperature=0.7, seed=seed, grammar=BOUNDED_JSON_GRAMMAR
        )
        _, done = collect(engine.chat(messages, options))
        assert done.finish_reason == "stop", done.text  # the grammar's end, not the limit
        check_analysis(done.text)
        answers.add(done.text)
    assert len(answers) > 1  # really sampled: the seeds gave different answers


def test_a_sampled_answer_of_a_large_vocabulary_model_follows_the_grammar(
    engine: EngineClient, gemma_base_path: Path
) -> None:
    engine.load(gemma_base_path, n_ctx=N_CTX)
    for seed in (11, 12):
        options = SamplingOptions(
            max_tokens=600, temperature=0.7, seed=seed, grammar=BOUNDED_JSON_GRAMMAR
        )
        _, done = collect(engine.complete(analysis_prompt(), options))
        assert done.finish_reason == "stop", done.text
        check_analysis(done.text)


def test_a_grammar_until_a_mark_is_dropped_after_the_head_and_back_next_request(
    engine: EngineClient, smollm2_path: Path
) -> None:
    engine.load(smollm2_path, n_ctx=N_CTX)
    head = SamplingOptions(
        max_tokens=80,
        temperature=0.7,
        seed=3,
        grammar=email.EMAIL_GRAMMAR,
        grammar_until=email.HEAD_END,
    )
    _, first = collect(engine.complete(EMAIL_PROMPT, head))
    subject, blank, body = first.text.partition("\n\n")
    assert subject.startswith("Subject: "), first.text
    assert blank, first.text
    assert body.strip(), first.text  # written freely after the head
    # The next request starts with a fresh grammar, not the one the last request left.
    _, second = collect(engine.complete(EMAIL_PROMPT, replace(head, grammar_until="", seed=4)))
    assert second.text.startswith("Subject: "), second.text
    assert second.text.endswith("\n\n"), second.text
    assert second.finish_reason == "stop"


def test_a_cancelled_constrained_answer_leaves_nothing_behind(
    engine: EngineClient, smollm2_path: Path
) -> None:
    engine.load(smollm2_path, n_ctx=N_CTX)
    messages = [{"role": "user", "content": analysis_prompt()}]
    options = SamplingOptions(max_tokens=600, temperature=0.0, seed=7, grammar=BOUNDED_JSON_GRAMMAR)
    engine.prefill(messages=messages)  # every request below reuses the same cache
    _, whole = collect(engine.chat(messages, options))
    assert whole.finish_reason == "stop", whole.text
    check_analysis(whole.text)

    stopped: Completion | None = None
    for event in engine.chat(messages, options):
        if isinstance(event, TokenEvent):
            engine.cancel()
        else:
            stopped = event
    assert stopped is not None
    assert stopped.cancelled
    assert stopped.cancelled_during == "generation"
    assert len(stopped.text) < len(whole.text)

    # The next answer starts from the grammar's start, not where the cancelled one stopped.
    _, again = collect(engine.chat(messages, options))
    assert again.text == whole.text
