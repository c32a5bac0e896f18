"""Long documents: a map-reduce summary against the raw cost of the same tokens."""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

from benchmarks.common import Figure
from benchmarks.engine_bench import _raw_llama
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


def replay_raw(llama: Any, tokens: list[int], steps: list[tuple[int, int, int]]) -> float:
    """Seconds plain llama.cpp needs for the same work: for each request, ``cached``
    tokens already in the cache, the rest of a ``prompt``-token prompt evaluated, then
    ``generated`` greedy tokens, at the same context depths as the real requests."""
    total = 0.0
    for number, (prompt, cached, generated) in enumerate(steps):
        offset = (number * 997) % max(1, len(tokens) - prompt)
        window = tokens[offset : offset + prompt]
        llama.reset()
        if cached:
            llama.eval(window[:cached])  # what the cache held before this request
        started = time.perf_counter()
        tokens_out = llama.generate(
            window, temp=0.0, top_k=40, top_p=0.95, min_p=0.05, repeat_penalty=1.0
        )
        for count, _token in enumerate(tokens_out, start=1):
            if count >= max(1, generated):
                break
        total += time.perf_counter() - started
        tokens_out.close()
    return total


def long_document(model: Path, repeats: int) -> Figure:
    threads = hardware.physical_cores()
    client = EngineClient()
    client.load(model, n_ctx=N_CTX, n_threads=threads)
    llama = _raw_llama(model, threads, N_CTX)
    text = long_text(15_000)
    text_tokens = client.count_tokens(text)
    raw_tokens = list(llama.tokenize(text.encode(), add_bos=False, special=False))
    ours: list[float] = []
    base: list[float] = []
    details: list[dict[str, float]] = []
    try:
        for _ in range(repeats):
            limits = ModelLimits.of(client)
            request = summarize.SummarizeRequest(text=text, length="short")
            # Each request is replayed in plain llama.cpp right after it ran (the job is
            # suspended meanwhile, and that time is not counted as ours): this machine's
            # speed drifts by 10-20% over minutes, so the two sides must alternate.
            started = time.perf_counter()
            job = summarize.job(request, limits)  # planning (counting tokens) is ours too
            ours_s = time.perf_counter() - started
            base_s = 0.0
            steps: list[tuple[int, int, int]] = []
            result: JobResult | None = None
            runner = JobRunner(client, SamplingOptions(max_tokens=160, temperature=0.0))
            resumed = time.perf_counter()
            for event in runner.run(job):
                ours_s += time.perf_counter() - resumed
                if isinstance(event, JobStepDone):
                    c = event.completion
                    shape = (c.prompt_tokens, c.cached_prompt_tokens, c.completion_tokens)
                    steps.append(shape)
                    base_s += replay_raw(llama, raw_tokens, [shape])
                elif isinstance(event, JobResult):
                    result = event
                resumed = time.perf_counter()
            assert result is not None
            assert not result.cancelled
            ours.append(ours_s)
            base.append(base_s)
            details.append(
                {
                    "requests": result.requests,
                    "evaluated_prompt_tokens": sum(p - c for p, c, _g in steps),
                    "generated_tokens": sum(g for _p, _c, g in steps),
                }
            )
    finally:
        client.close()
        llama.close()
    return Figure(
        key="long_document",
        what=f"summary of a {text_tokens}-token text ({text_tokens / N_CTX:.0f}x a "
        f"{N_CTX}-token context) by map-reduce through the worker, planning included",
        baseline="plain llama.cpp doing the same requests (prompt sizes, cache reuse, "
        "generated tokens, context depths), each replayed right after ours ran it",
        unit="s",
        ours=ours,
        base=base,
        target="<= 1.25",
        better="lower",
        threshold=1.25,
        extra={"runs": details},
    )
