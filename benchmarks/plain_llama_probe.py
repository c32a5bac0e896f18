"""Baseline process for the memory benchmark: plain llama-cpp-python, same context, same work.

python -m benchmarks.plain_llama_probe MODEL N_CTX THREADS MAX_TOKENS  -> JSON line
"""

from __future__ import annotations

import json
import os
import sys

import llama_cpp

from benchmarks.common import vm_hwm


def main() -> int:
    model, n_ctx, threads, max_tokens = sys.argv[1], *map(int, sys.argv[2:5])
    llama = llama_cpp.Llama(
        model_path=model,
        n_ctx=n_ctx,
        n_batch=min(512, n_ctx),
        n_threads=threads,
        n_threads_batch=threads,
        verbose=False,
    )
    tokens = llama.tokenize(b"Write a long email to the team about the launch.", add_bos=True)
    for count, _token in enumerate(llama.generate(tokens, temp=0.0), start=1):
        if count >= max_tokens:
            break
    print(json.dumps({"peak_rss": vm_hwm(os.getpid())}), flush=True)
    llama.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
