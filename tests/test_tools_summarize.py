"""Chunk planning and map-reduce summaries: nothing lost, nothing repeated, nothing too big."""

from __future__ import annotations

import itertools
import math
import random
import re

import pytest

from desktop_slm.errors import UserFacingError
from desktop_slm.tools import summarize
from desktop_slm.tools.budget import TEMPLATE_TOKENS, TEMPLATE_TOKENS_PER_MESSAGE
from desktop_slm.tools.chunking import (
    plan_chunks,
    split_paragraphs,
    split_sentences,
    split_words,
)
from desktop_slm.tools.jobs import JobProgress, JobRunner, JobStepDone
from tests.test_tools_jobs import FakeEngine, Request, count_words, result_of, run

WORDS = [
    "harbour",
    "ship",
    "tide",
    "budget",
    "council",
    "ferry",
    "storm",
    "lighthouse",
    "school",
    "market",
]


def random_text(rng: random.Random, paragraphs: int, max_words: int = 120) -> str:
    out = []
    for _ in range(paragraphs):
        sentences = []
        words_left = rng.randint(1, max_words)
        while words_left > 0:
            n = min(words_left, rng.randint(1, 25))
            words_left -= n
            sentences.append(" ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + ".")
        out.append(" ".join(sentences))
    separators = ["\n\n", "\n\n\n", "\n  \n", "\n\n    "]
    text = "".join(p + rng.choice(separators) for p in out)
    return rng.choice(["", "\n", "  "]) + text.rstrip() + rng.choice(["", "\n"])


def chars_as_tokens(text: str) -> int:
    return math.ceil(len(text) / 4)


def merging_counter(text: str) -> int:
    """A counter that is not additive: a whole counts more than its parts."""
    words = count_words(text)
    return words + words // 7


COUNTERS = {"words": count_words, "chars": chars_as_tokens, "merging": merging_counter}


# ---------------------------------------------------------------- chunk planning
@pytest.mark.parametrize("counter", list(COUNTERS))
@pytest.mark.parametrize("seed", range(12))
def test_chunks_fit_the_budget_and_rebuild_the_text_exactly(counter: str, seed: int) -> None:
    rng = random.Random(seed)
    count = COUNTERS[counter]
    text = random_text(rng, rng.randint(1, 60), max_words=rng.choice([30, 120, 400]))
    budget = rng.choice([20, 50, 100, 300])

    chunks = plan_chunks(text, budget, count)

    assert "".join(chunks) == text  # nothing lost, nothing duplicated, whitespace kept
    assert all(chunk for chunk in chunks)
    assert all(count(chunk) <= budget for chunk in chunks), [count(c) for c in chunks]
    if counter == "words":
        # Greedy packing: two neighbours could not have been one chunk.
        for first, second in itertools.pairwise(chunks):
            assert count(first) + count(second) > budget


def test_chunks_break_at_paragraphs_when_paragraphs_fit() -> None:
    paragraphs = [f"Paragraph {i} " + "word " * 30 for i in range(10)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    chunks = plan_chunks(text, 100, count_words)
    assert len(chunks) == 4  # 3 paragraphs of 32 words per chunk
    for chunk in chunks[:-1]:
        assert chunk.endswith("\n\n")
    assert chunks[1].startswith("Paragraph 3 ")


def test_an_overlong_paragraph_is_split_at_sentences_then_words_then_inside_a_blob() -> None:
    sentence = "This sentence has exactly eight words in it. "
    paragraph = sentence * 10  # 80 words, one paragraph
    chunks = plan_chunks(paragraph, 20, count_words)
    assert "".join(chunks) == paragraph
    assert all(chunk.endswith("in it. ") for chunk in chunks[:-1])  # sentence boundaries

    run_on = "word " * 50  # no sentence end at all
    chunks = plan_chunks(run_on, 16, count_words)
    assert "".join(chunks) == run_on
    assert [count_words(c) for c in chunks] == [16, 16, 16, 2]

    blob = "x" * 400  # a pasted blob without spaces
    chunks = plan_chunks(blob, 25, chars_as_tokens)
    assert "".join(chunks) == blob
    assert all(chars_as_tokens(c) <= 25 for c in chunks)


def test_splitters_keep_every_character() -> None:
    text = 'He said "stop!" Then left… 3.5 kg. Next line\nnew line.\n\nNew paragraph?  Yes.'
    for split in (split_paragraphs, split_sentences, split_words):
        assert "".join(split(text)) == text
    assert split_sentences(text)[0] == 'He said "stop!" '
    assert len(split_paragraphs(text)) == 2


def test_a_budget_too_small_for_any_text_is_a_clear_error() -> None:
    with pytest.raises(UserFacingError, match="context"):
        plan_chunks("some text", 3, count_words)


# ---------------------------------------------------------------- summaries
def prompt_fits(request: Request, n_ctx: int) -> bool:
    contents = sum(count_words(m["content"]) for m in request.messages)
    template = TEMPLATE_TOKENS_PER_MESSAGE * len(request.messages) + TEMPLATE_TOKENS
    return contents + template + request.options.max_tokens <= n_ctx


def fake_summary(request: Request) -> str:
    words = count_words(request.user)
    return " ".join(["summary"] * max(3, min(40, words // 20)))


def test_a_short_text_is_summarized_in_one_request_with_the_length_and_focus() -> None:
    engine = FakeEngine(answer=lambda r: "A short summary.")
    request = summarize.SummarizeRequest(
        "The council met and agreed the harbour budget.", length="tldr", focus="the budget"
    )
    result = result_of(run(engine, summarize.job(request, engine.limits())))
    assert result.text == "A short summary."
    assert len(engine.requests) == 1
    asked = engine.requests[0]
    assert "one single sentence" in asked.system
    assert "the budget" in asked.user
    assert "The council met" in asked.user
    assert result.detail["direct"] is True


def test_fifty_pages_with_a_2048_token_context_every_request_fits() -> None:
    rng = random.Random(50)
    text = random_text(rng, 420)
    while count_words(text) < 25_000:
        text += "\n\n" + random_text(rng, 20)
    engine = FakeEngine(answer=fake_summary, n_ctx=2048)
    request = summarize.SummarizeRequest(text, length="bullets")
    limits = engine.limits()

    plan = summarize.plan(request, limits)
    assert not plan.direct
    assert "".join(plan.chunks) == text
    assert all(count_words(chunk) <= plan.chunk_budget for chunk in plan.chunks)
    assert 12 <= len(plan.chunks) <= 30

    events = run(engine, summarize.job(request, limits, plan))
    result = result_of(events)
    assert not result.cancelled
    assert all(prompt_fits(r, 2048) for r in engine.requests)
    labels = [e.label for e in events if isinstance(e, JobProgress)]
    n = len(plan.chunks)
    assert labels[:n] == [f"Summarizing chunk {i} of {n}" for i in range(1, n + 1)]
    assert labels[-1] == "Writing the summary"
    # Every chunk was read once, in order, and the final request saw merged notes.
    mapped = [r for r in engine.requests if "one part of a longer document" in r.system]
    assert len(mapped) == n
    assert all(chunk.strip() in r.user for chunk, r in zip(plan.chunks, mapped, strict=True))
    assert result.detail["chunks_done"] == n
    assert "bullet points" in engine.requests[-1].system


def test_summaries_are_merged_in_rounds_until_they_fit() -> None:
    text = random_text(random.Random(7), 300, max_words=100)
    # Long partial summaries: the notes do not fit the final request at once.
    # (Facts that differ: the same word again and again would be stopped as a loop.)
    engine = FakeEngine(answer=lambda r: " ".join(f"fact{i}" for i in range(200)), n_ctx=1024)
    events = run(engine, summarize.job(summarize.SummarizeRequest(text), engine.limits()))
    result = result_of(events)
    assert result.detail["rounds"] >= 1
    phases = [e.phase for e in events if isinstance(e, JobProgress)]
    assert "reduce" in phases
    assert phases[-1] == "final"
    assert all(prompt_fits(r, 1024) for r in engine.requests)


def test_stopping_during_the_chunks_keeps_the_partial_summaries() -> None:
    text = random_text(random.Random(3), 200)
    counter = iter(range(1, 1000))
    engine = FakeEngine(answer=lambda r: f"Summary of part {next(counter)}.", n_ctx=1024)
    runner = JobRunner(engine)  # type: ignore[arg-type]
    events = []
    request = summarize.SummarizeRequest(text)
    for event in runner.run(summarize.job(request, engine.limits())):
        events.append(event)
        if isinstance(event, JobStepDone) and event.step == 3:
            runner.stop()
    result = result_of(events)
    assert result.cancelled
    assert result.text == "Summary of part 1.\n\nSummary of part 2.\n\nSummary of part 3."
    assert result.detail["chunks_done"] == 3
    assert result.detail["partial"] is True
    assert len(engine.requests) == 3


def test_a_context_too_small_for_the_answer_is_refused_with_advice() -> None:
    engine = FakeEngine(n_ctx=256)
    request = summarize.SummarizeRequest("word " * 2000, length="detailed")
    with pytest.raises(UserFacingError) as caught:
        summarize.plan(request, engine.limits())
    assert "context" in str(caught.value)
    assert "shorter length" in str(caught.value)


def test_empty_text_and_unknown_length_are_refused() -> None:
    engine = FakeEngine()
    with pytest.raises(UserFacingError, match="Paste a text"):
        summarize.plan(summarize.SummarizeRequest("  \n"), engine.limits())
    with pytest.raises(UserFacingError, match="tldr"):
        summarize.plan(summarize.SummarizeRequest("text", length="epic"), engine.limits())


def test_base_models_get_a_plain_summary_prompt() -> None:
    engine = FakeEngine(answer=lambda r: " The harbour gets a new budget.", base_model=True)
    request = summarize.SummarizeRequest("The council agreed the harbour budget.")
    result = result_of(run(engine, summarize.job(request, engine.limits())))
    asked = engine.requests[0]
    assert asked.kind == "complete"
    assert asked.prompt.startswith("Text:\nThe council agreed")
    assert re.search(r"Summary of the text above.*:\n$", asked.prompt)
    assert result.text == "The harbour gets a new budget."
