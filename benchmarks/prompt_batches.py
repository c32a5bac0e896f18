"""What reading a prompt in small batches costs: prompt tokens/s by batch size.

    python -m benchmarks.prompt_batches [--model PATH ...] [--tokens N] [--repeats N]

The worker reads a long prompt in batches of at most ``READ_BATCH_TOKENS`` and reports
progress after each (issue 16 asks for a report at least every 256 tokens). Smaller
batches give more reports but may read more slowly (each batch is one ``llama_decode``
with its own graph and thread wake-ups). For each test model (one llama.cpp instance,
n_batch = n_ctx, ``--threads``, default 2) the same prompt of ``--tokens`` tokens is
read from an empty cache in batches of 64, 128, 256 and in one batch, interleaved so a
busy machine slows them alike; the figure is each size's median tokens/s and its ratio
to one batch.

Prints one line per model and size and writes ``benchmarks/results/prompt_batches.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results" / "prompt_batches.json"
SIZES = (64, 128, 256, 0)  # 0: the whole prompt in one batch
TEXT = (
    "The quarterly review covered the new warehouse in Leeds, the delayed supplier "
    "contract with Norberg Logistics, and the hiring plan for the second half. Costs rose "
    "by 4.2 percent, mostly energy; the team agreed to revisit the budget in March. "
)


def _models() -> list[Path]:
    from tests.support.test_models import GEMMA3_BASE, SMOLLM2, ensure_model

    return [ensure_model(SMOLLM2), ensure_model(GEMMA3_BASE)]


def _read(llama: Any, prompt: list[int], size: int) -> float:
    """Seconds to read ``prompt`` from an empty cache in batches of ``size`` (0: one)."""
    llama.reset()
    llama._ctx.kv_cache_clear()
    step = size or len(prompt)
    started = time.perf_counter()
    for start in range(0, len(prompt), step):
        llama.eval(prompt[start : start + step])
    return time.perf_counter() - started


def measure(path: Path, tokens: int, repeats: int, threads: int = 2) -> dict[str, Any]:
    import llama_cpp

    n_ctx = max(512, tokens + 64)
    llama = llama_cpp.Llama(
        model_path=str(path),
        n_ctx=n_ctx,
        n_batch=n_ctx,
        n_ubatch=n_ctx,
        n_threads=threads,
        n_threads_batch=threads,
        verbose=False,
    )
    try:
        text = TEXT * (tokens // 40 + 2)
        prompt = llama.tokenize(text.encode(), add_bos=True)[:tokens]
        _read(llama, prompt, 0)  # warm up
        seconds: dict[int, list[float]] = {size: [] for size in SIZES}
        for _ in range(repeats):
            for size in SIZES:
                seconds[size].append(_read(llama, prompt, size))
    finally:
        llama.close()
    whole = statistics.median(seconds[0])
    rows = {}
    for size in SIZES:
        median = statistics.median(seconds[size])
        rows[str(size or "one batch")] = {
            "tokens_per_s": round(len(prompt) / median, 1),
            "ratio_to_one_batch": round(whole / median, 3),
            "seconds": [round(s, 4) for s in seconds[size]],
        }
    return {"model": path.name, "prompt_tokens": len(prompt), "threads": threads, "sizes": rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", action="append", type=Path)
    parser.add_argument("--tokens", type=int, default=1536)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    results = []
    for path in args.model or _models():
        result = measure(path, args.tokens, args.repeats, args.threads)
        results.append(result)
        for size, row in result["sizes"].items():
            print(
                f"{result['model']}: {result['prompt_tokens']} tokens in batches of {size}: "
                f"{row['tokens_per_s']} tokens/s, {row['ratio_to_one_batch']}x one batch"
            )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
