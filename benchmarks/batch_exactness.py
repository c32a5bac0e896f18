"""Where llama.cpp's batched logits equal one-token decoding bit for bit.

    python -m benchmarks.batch_exactness [--model PATH ...] [--cached 20 300 700]

For each test model, flash attention off and on, 1 and 2 threads, and each number of
cached positions: 24 positions of :data:`benchmarks.prompt_lookup.TEXT` are decoded one
token at a time and in batches of 2-13 after the cached prefix; reported are the batch
sizes whose logits are exactly equal and the largest difference. A second table compares
one-token decoding on 1 thread with 2 threads (600 cached positions). These decide where
prompt lookup may draft (``engine/lookup.py``) and why the worker keeps flash attention
off (``worker.FLASH_ATTENTION``; docs/performance.md). Writes
``benchmarks/results/batch_exactness.json``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.prompt_lookup import TEXT, _models

RESULTS = Path(__file__).parent / "results" / "batch_exactness.json"
REGION = 24
SIZES = range(2, 14)


def _logits(path: Path, *, flash: bool, threads: int, cached: int, size: int) -> Any:
    """Logits of the REGION positions after ``cached`` ones, decoded in batches of ``size``."""
    import llama_cpp

    llama = llama_cpp.Llama(
        model_path=str(path),
        n_ctx=2048,
        n_batch=512,
        n_threads=threads,
        n_threads_batch=threads,
        flash_attn=flash,
        verbose=False,
    )
    try:
        text = "\n\n".join([TEXT] * 3).encode()
        tokens = llama.tokenize(text, add_bos=True)
        prefix, region = tokens[:cached], tokens[cached : cached + REGION]
        n_vocab = llama.n_vocab()
        context, batch = llama._ctx, llama._batch
        for start in range(0, len(prefix), 256):
            batch.set_batch(batch=prefix[start : start + 256], n_past=start, logits_all=False)
            context.decode(batch)
        rows = []
        for start in range(0, len(region), size):
            part = region[start : start + size]
            batch.set_batch(batch=part, n_past=cached + start, logits_all=True)
            context.decode(batch)
            flat = np.ctypeslib.as_array(context.get_logits(), shape=(len(part) * n_vocab,))
            rows.append(flat.reshape(len(part), n_vocab).copy())
        return np.concatenate(rows)
    finally:
        llama.close()


def measure(path: Path, cached_positions: list[int]) -> list[dict[str, Any]]:
    rows = []
    for flash in (False, True):
        for threads in (1, 2):
            for cached in cached_positions:
                setting = {"flash": flash, "threads": threads, "cached": cached}
                single = _logits(path, **setting, size=1)
                differences = {
                    size: float(np.abs(_logits(path, **setting, size=size) - single).max())
                    for size in SIZES
                }
                exact = [size for size, difference in differences.items() if difference == 0]
                rows.append(
                    {
                        "model": path.name,
                        "flash_attn": flash,
                        "threads": threads,
                        "cached": cached,
                        "exact_sizes": exact,
                        "largest_difference": round(max(differences.values()), 5),
                    }
                )
                print(json.dumps(rows[-1]), flush=True)
    return rows


def threads_matter(path: Path) -> list[dict[str, Any]]:
    rows = []
    for flash in (False, True):
        setting = {"flash": flash, "cached": 600}
        one = {size: _logits(path, **setting, threads=1, size=size) for size in (1, 4)}
        two = {size: _logits(path, **setting, threads=2, size=size) for size in (1, 4)}
        rows.append(
            {
                "model": path.name,
                "flash_attn": flash,
                "one_token_1_vs_2_threads": round(float(np.abs(one[1] - two[1]).max()), 5),
                "batch_of_4_1_vs_2_threads": round(float(np.abs(one[4] - two[4]).max()), 5),
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.batch_exactness")
    parser.add_argument("--model", type=Path, action="append", help="a .gguf (repeatable)")
    parser.add_argument("--cached", type=int, nargs="+", default=[20, 300, 700])
    args = parser.parse_args(argv)
    models = args.model or _models()
    results = {
        "batches": [row for model in models for row in measure(model, args.cached)],
        "threads": [row for model in models for row in threads_matter(model)],
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
