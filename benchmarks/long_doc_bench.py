"""Long documents: a map-reduce summary against the raw cost of the same tokens."""

from __future__ import annotations

import random
import time
from pathlib import Path

from benchmarks.common import Figure
from benchmarks.engine_bench import GEN_PROMPT, LONG_PROMPT, _raw_llama, raw_run
from desktop_slm.engine import hardware
from desktop_slm.engine.client import EngineClient
from desktop_slm.engine.protocol import SamplingOptions
from desktop_slm.tools import summarize
from desktop_slm.tools.budget import ModelLimits
from desktop_slm.tools.jobs import JobResult, JobRunner, JobStepDone

N_CTX = 2048

SUBJECTS = ["The harbour board", "The ferry company", "The town council", "The fishermen's union"]
VERBS = ["reviewed", "postponed", "approved", "questioned", "funded"]
OBJECTS = [
    "the repairs to the north pier",
    "the winter timetable",
    "a new fuel depot",
    "the dredging of the channel",
    "the lighthouse restoration",
]


def long_text(words: int, seed: int = 7) -> str:
    """A deterministic report-like text of about ``words`` words in short paragraphs."""
    rng = random.Random(seed)
    paragraphs: list[str] = []
    count = 0
    while count < words:
        sentences = [
            f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} "
            f"in meeting {rng.randint(1, 400)}, at a cost of {rng.randint(2, 90)} thousand euros."
            for _ in range(rng.randint(3, 6))
        ]
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        count += len(paragraph.split())
    return "\n\n".join(paragraphs)


def long_document(model: Path, repeats: int) -> Figure:
    threads = hardware.physical_cores()
    client = EngineClient()
    client.load(model, n_ctx=N_CTX, n_threads=threads)
    llama = _raw_llama(model, threads, N_CTX)
    text = long_text(15_000)
    text_tokens = client.count_tokens(text)
    ours: list[float] = []
    base: list[float] = []
    details: list[dict[str, float]] = []
    try:
        for _ in range(repeats):
            # Raw speeds measured now, in the same conditions as the job that follows.
            pp = raw_run(llama, LONG_PROMPT, 1)[0]
            gen = raw_run(llama, GEN_PROMPT, 64)[1]
            limits = ModelLimits.of(client)
            request = summarize.SummarizeRequest(text=text, length="short")
            job = summarize.job(request, limits)
            evaluated = generated = 0
            started = time.perf_counter()
            result: JobResult | None = None
            runner = JobRunner(client, SamplingOptions(max_tokens=160, temperature=0.0))
            for event in runner.run(job):
                if isinstance(event, JobStepDone):
                    c = event.completion
                    evaluated += c.prompt_tokens - c.cached_prompt_tokens
                    generated += c.completion_tokens
                elif isinstance(event, JobResult):
                    result = event
            elapsed = time.perf_counter() - started
            assert result is not None
            assert not result.cancelled
            ours.append(elapsed)
            base.append(evaluated / pp + generated / gen)
            details.append(
                {
                    "requests": result.requests,
                    "evaluated_prompt_tokens": evaluated,
                    "generated_tokens": generated,
                }
            )
    finally:
        client.close()
        llama.close()
    return Figure(
        key="long_document",
        what=f"summary of a {text_tokens}-token text ({text_tokens / N_CTX:.0f}x a "
        f"{N_CTX}-token context) by map-reduce through the worker",
        baseline="the prompt-evaluation and generation time those same tokens need at "
        "raw llama.cpp speeds measured in the same run",
        unit="s",
        ours=ours,
        base=base,
        target="<= 1.25",
        better="lower",
        threshold=1.25,
        extra={"runs": details},
    )
