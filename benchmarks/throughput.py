"""Generation and prompt-evaluation speed through the engine worker vs a plain llama.cpp loop.

Both sides use the same model file, prompt tokens, greedy sampling, threads and
context. Runs are interleaved (A B A B ...) so the machine's noise hits both
alike; the figure is the median ratio with min-max.

    python -m benchmarks [--model PATH] [--repeats N] [--tokens N]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from desktop_slm.engine import hardware
from desktop_slm.engine.client import EngineClient
from desktop_slm.engine.protocol import Completion, SamplingOptions, TokenEvent

RESULTS = Path(__file__).parent / "results" / "latest.json"
GEN_PROMPT = "The history of the lighthouse on the northern cape began"
LONG_PROMPT = " ".join(
    f"Section {i}: the committee reviewed the harbour budget, the ferry timetable "
    "and the repairs to the north pier."
    for i in range(50)
)


def raw_run(llama: Any, prompt: str, n_tokens: int) -> tuple[float, float, int, int]:
    """(prompt tokens/s, generation tokens/s, prompt tokens, generated) for a plain loop."""
    tokens = llama.tokenize(prompt.encode(), add_bos=True, special=False)
    # Runs alternate between two prompts on both sides, so each side reuses the
    # same (one-token) prefix from its previous run.
    started = time.perf_counter()
    first = None
    count = 0
    for _token in llama.generate(
        tokens, temp=0.0, top_k=40, top_p=0.95, min_p=0.05, repeat_penalty=1.0
    ):
        now = time.perf_counter()
        if first is None:
            first = now
        count += 1
        if count >= n_tokens:
            break
    ended = time.perf_counter()
    assert first is not None
    return len(tokens) / (first - started), (count - 1) / (ended - first), len(tokens), count


def engine_run(client: EngineClient, prompt: str, n_tokens: int) -> tuple[float, float, int, int]:
    options = SamplingOptions(max_tokens=n_tokens, temperature=0.0, repeat_penalty=1.0)
    started = time.perf_counter()
    first = None
    done: Completion | None = None
    for event in client.complete(prompt, options):
        if isinstance(event, TokenEvent) and first is None:
            first = time.perf_counter()
        elif isinstance(event, Completion):
            done = event
    ended = time.perf_counter()
    assert first is not None
    assert done is not None
    if done.cached_prompt_tokens > 1:
        raise RuntimeError("prompt was reused; the comparison would be unfair")
    return (
        done.prompt_tokens / (first - started),
        (done.completion_tokens - 1) / (ended - first),
        done.prompt_tokens,
        done.completion_tokens,
    )


def summarize(ours: list[float], base: list[float]) -> dict[str, Any]:
    ratios = [a / b for a, b in zip(ours, base, strict=True)]
    return {
        "ours_median": round(statistics.median(ours), 2),
        "baseline_median": round(statistics.median(base), 2),
        "ratio_median": round(statistics.median(ratios), 3),
        "ratio_min": round(min(ratios), 3),
        "ratio_max": round(max(ratios), 3),
        "repeats": len(ratios),
    }


def main(argv: list[str] | None = None) -> int:
    import llama_cpp

    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--tokens", type=int, default=128)
    args = parser.parse_args(argv)
    if args.model is None:
        from tests.support.test_models import SMOLLM2, ensure_model

        args.model = ensure_model(SMOLLM2)
    threads = hardware.physical_cores()
    n_ctx = 2048

    client = EngineClient()
    client.load(args.model, n_ctx=n_ctx, n_threads=threads)
    # The same thread count for prompt and generation, as the worker uses.
    llama = llama_cpp.Llama(
        model_path=str(args.model),
        n_ctx=n_ctx,
        n_batch=512,
        n_threads=threads,
        n_threads_batch=threads,
        verbose=False,
    )
    # The worker evaluates prompts with the same settings; warm both up once.
    raw_run(llama, LONG_PROMPT, 8)
    engine_run(client, LONG_PROMPT, 8)

    gen_ours: list[float] = []
    gen_base: list[float] = []
    pp_ours: list[float] = []
    pp_base: list[float] = []
    for _ in range(args.repeats):
        gen_base.append(raw_run(llama, GEN_PROMPT, args.tokens)[1])
        gen_ours.append(engine_run(client, GEN_PROMPT, args.tokens)[1])
        pp_base.append(raw_run(llama, LONG_PROMPT, 1)[0])
        pp_ours.append(engine_run(client, LONG_PROMPT, 1)[0])
    prompt_size = raw_run(llama, LONG_PROMPT, 1)[2]
    client.close()
    llama.close()

    hw = hardware.detect()
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpu": hw.cpu_model,
            "physical_cores": hw.physical_cores,
            "ram_bytes": hw.total_ram,
            "python": platform.python_version(),
        },
        "model": str(args.model),
        "threads": threads,
        "n_ctx": n_ctx,
        "generation_tokens_per_s": {
            "what": f"{args.tokens} greedy tokens through the worker vs a plain "
            "in-process Llama.generate loop",
            **summarize(gen_ours, gen_base),
        },
        "prompt_tokens_per_s": {
            "what": f"a {prompt_size}-token prompt through the worker vs plain Llama.generate",
            **summarize(pp_ours, pp_base),
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0
