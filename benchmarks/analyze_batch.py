"""Batch analysis: rows/s of ours against the same prompts through plain llama-cpp-python.

    python -m benchmarks.analyze_batch [--model PATH ...] [--rows N] [--threads N]

Ours: :class:`~desktop_slm.tools.batch.BatchRunner` on a CSV output, the whole path
(the engine's worker process, the grammar, parsing and cleaning each answer, writing
and fsyncing each row). The baseline: the same prompts with the same grammar, sampling
and answer limit replayed through an in-process ``llama_cpp.Llama``
(``create_chat_completion`` for the chat model, ``create_completion`` for the base
model). Rows are interleaved, ours then the baseline's for each row, so a busy machine
slows both alike; each side's rows/s is its rows over its summed time. Prints one line
per model and writes ``benchmarks/results/analyze_batch.json``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from desktop_slm.documents.table import parse_table
from desktop_slm.engine.client import EngineClient
from desktop_slm.engine.protocol import SamplingOptions
from desktop_slm.tools.analyze import ANSWER_TOKENS, TEMPERATURE, analysis_prompt
from desktop_slm.tools.batch import BatchRow, BatchRunner

RESULTS = Path(__file__).parent / "results" / "analyze_batch.json"
N_CTX = 1024
TEXTS = [
    "Great service from Maria at the Berlin store, thank you!",
    "The parcel from Acme arrived broken. Please refund the 20 euros.",
    "Delivery was on time and the driver was friendly.",
    "Tom never called back about the 45 dollars you owe me.",
    "The app is good, but it crashes when I open the camera. Fix it by Friday.",
    "I ordered a Contoso kettle on 3 May and it still has not arrived.",
    "Thanks to the team in Leeds for the quick repair.",
    "The price went up from 10 to 14 euros without notice.",
    "Nothing special, it works as described.",
    "Anna Berg was rude on the phone and hung up.",
    "Love the new colours, but the strap broke after two days.",
    "Please send the invoice for order 4471 to accounts at Contoso.",
]


def _models() -> list[Path]:
    from tests.support.test_models import GEMMA3_BASE, SMOLLM2, ensure_model

    return [ensure_model(SMOLLM2), ensure_model(GEMMA3_BASE)]


def _plain_row(llama: Any, text: str, base: bool, options: SamplingOptions) -> tuple[float, int]:
    """Seconds and completion tokens of one row through plain llama-cpp-python."""
    import llama_cpp

    prompt = analysis_prompt(text)
    sampling = {
        "max_tokens": options.max_tokens,
        "temperature": options.temperature,
        "top_p": options.top_p,
        "top_k": options.top_k,
        "min_p": options.min_p,
        "repeat_penalty": options.repeat_penalty,
    }
    started = time.perf_counter()
    grammar_text = prompt.completion_grammar if base else prompt.grammar
    grammar = llama_cpp.LlamaGrammar.from_string(grammar_text, verbose=False)
    if base:
        stop = list(prompt.completion_stop)
        answer = llama.create_completion(
            prompt.completion_prompt, grammar=grammar, stop=stop, **sampling
        )
    else:
        answer = llama.create_chat_completion(
            [dict(m) for m in prompt.messages], grammar=grammar, **sampling
        )
    return time.perf_counter() - started, int(answer["usage"]["completion_tokens"])


def measure(model: Path, rows: int, threads: int) -> dict[str, Any]:
    import llama_cpp

    texts = [TEXTS[i % len(TEXTS)] for i in range(rows)]
    table = parse_table("text\n" + "".join(json.dumps(t) + "\n" for t in texts), "bench")
    options = SamplingOptions(temperature=TEMPERATURE, max_tokens=ANSWER_TOKENS)
    ours: list[float] = []
    plain: list[float] = []
    plain_tokens = 0
    llama = llama_cpp.Llama(
        model_path=str(model),
        n_ctx=N_CTX,
        n_batch=min(512, N_CTX),
        n_threads=threads,
        n_threads_batch=threads,
        verbose=False,
    )
    with tempfile.TemporaryDirectory() as folder, EngineClient() as client:
        active = client.load(model, n_ctx=N_CTX, n_threads=threads)
        base = active.info.is_base_model
        output = Path(folder) / "analysed.csv"
        runner = BatchRunner(client, table, "text", output=output, options=options)
        # The first row of each side evaluates the shared instructions: not timed.
        _plain_row(llama, "Warm up.", base, options)
        started = time.perf_counter()
        for event in runner.run():
            if not isinstance(event, BatchRow):
                continue
            ours.append(time.perf_counter() - started)
            seconds, count = _plain_row(llama, texts[event.index], base, options)
            plain.append(seconds)
            plain_tokens += count
            started = time.perf_counter()
    llama.close()
    # Drop the first row of ours (it evaluated the instructions, as the warm-up did).
    ours_s, plain_s = sum(ours[1:]), sum(plain[1:])
    ours_rate = (len(ours) - 1) / ours_s
    plain_rate = (len(plain) - 1) / plain_s
    return {
        "model": model.name,
        "base_model": base,
        "rows": rows,
        "threads": threads,
        "ours_rows_per_s": round(ours_rate, 3),
        "plain_rows_per_s": round(plain_rate, 3),
        "ratio": round(ours_rate / plain_rate, 3),
        "plain_completion_tokens": plain_tokens,
        "ours_row_s": [round(s, 3) for s in ours],
        "plain_row_s": [round(s, 3) for s in plain],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.analyze_batch")
    parser.add_argument("--model", type=Path, action="append", help="a .gguf (repeatable)")
    parser.add_argument("--rows", type=int, default=24)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    results = [measure(m, args.rows, args.threads) for m in (args.model or _models())]
    for row in results:
        print(
            f"{row['model']}: {row['ours_rows_per_s']} rows/s ours, "
            f"{row['plain_rows_per_s']} plain llama-cpp-python (ratio {row['ratio']})"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
