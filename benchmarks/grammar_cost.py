"""What a grammar costs: tokens/s with no grammar, llama-cpp-python's path, and the engine's.

    python -m benchmarks.grammar_cost [--model PATH ...] [--repeats N] [--max-tokens N]

Two grammars, both test models (one llama.cpp instance each, 1 thread, temperature 0):

* ``json-schema``: an analysis answer (sentiment, entities, key facts, action items), a
  JSON schema turned into GBNF by ``llama_cpp.llama_grammar.json_schema_to_gbnf``;
* ``email-head``: the Email tab's grammar (``Subject: …`` and a blank line), measured
  over the head it holds.

Three ways, interleaved so a busy machine slows them alike, each its median tokens/s
over the generated tokens after the first (the prompt is cached after the first run):

* ``none``: no grammar (``Llama.generate``);
* ``full``: llama-cpp-python's grammar path, the grammar applied to the whole
  vocabulary at every token (``Llama.generate(grammar=...)``, the engine before);
* ``checked``: the engine's path (:mod:`desktop_slm.engine.grammar_sampling`): the
  chosen token checked first, the whole vocabulary only when the grammar rejects it.

Prints one line per model and grammar and writes ``benchmarks/results/grammar_cost.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from desktop_slm.engine.grammar_sampling import GrammarSampler, generate
from desktop_slm.tools import email

RESULTS = Path(__file__).parent / "results" / "grammar_cost.json"
EMAIL_PROMPT = (
    "Write an email to Anna: thank her for the quick review; the release moves to Friday; "
    "ask about the 10:00 demo.\n\nEmail:\n"
)
MODES = ("none", "full", "checked")


def _models() -> list[Path]:
    from tests.support.test_models import GEMMA3_BASE, SMOLLM2, ensure_model

    return [ensure_model(SMOLLM2), ensure_model(GEMMA3_BASE)]


def _cases() -> dict[str, tuple[str, str]]:
    from tests.support.grammars import analysis_grammar, analysis_prompt

    return {
        "json-schema": (analysis_prompt(), analysis_grammar()),
        "email-head": (EMAIL_PROMPT, email.EMAIL_GRAMMAR),
    }


def _rate(llama_cpp: Any, llama: Any, tokens: Iterator[int], max_tokens: int) -> tuple[float, int]:
    """Tokens/s after the first token (that one comes out of the prompt pass), and the count."""
    vocab = llama._model.vocab
    count = 0
    first = last = 0.0
    for token in tokens:
        if llama_cpp.llama_vocab_is_eog(vocab, token):
            break
        count += 1
        last = time.perf_counter()
        if count == 1:
            first = last
        if count >= max_tokens:
            break
    return ((count - 1) / (last - first) if count > 1 and last > first else 0.0), count


def _run(
    llama_cpp: Any, llama: Any, mode: str, prompt: list[int], *, grammar: str, max_tokens: int
) -> tuple[float, int]:
    sampling: dict[str, Any] = {
        "top_k": 40,
        "top_p": 0.95,
        "min_p": 0.05,
        "temp": 0.0,
        "repeat_penalty": 1.05,
    }
    if mode == "checked":
        with GrammarSampler(llama_cpp, llama, grammar, sampling) as sampler:
            tokens = generate(llama, prompt, sampler)
            try:
                return _rate(llama_cpp, llama, tokens, max_tokens)
            finally:
                tokens.close()
    full = llama_cpp.LlamaGrammar.from_string(grammar, verbose=False) if mode == "full" else None
    tokens = llama.generate(prompt, grammar=full, **sampling)
    try:
        return _rate(llama_cpp, llama, tokens, max_tokens)
    finally:
        tokens.close()


def measure(model: Path, repeats: int, max_tokens: int) -> list[dict[str, Any]]:
    import llama_cpp

    llama = llama_cpp.Llama(
        model_path=str(model),
        n_ctx=2048,
        n_batch=512,
        n_threads=1,
        n_threads_batch=1,
        verbose=False,
    )
    rows = []
    try:
        for case, (text, grammar) in _cases().items():
            prompt = llama.tokenize(text.encode("utf-8"), add_bos=True, special=False)
            _run(
                llama_cpp, llama, "none", prompt, grammar=grammar, max_tokens=4
            )  # warm up, prompt cached
            rates: dict[str, list[float]] = {mode: [] for mode in MODES}
            counts: dict[str, list[int]] = {mode: [] for mode in MODES}
            for _ in range(repeats):
                for mode in MODES:
                    rate, count = _run(
                        llama_cpp, llama, mode, prompt, grammar=grammar, max_tokens=max_tokens
                    )
                    rates[mode].append(round(rate, 2))
                    counts[mode].append(count)
            medians = {mode: statistics.median(rates[mode]) for mode in MODES}
            rows.append(
                {
                    "model": model.name,
                    "grammar": case,
                    "tokens_per_s": {mode: round(medians[mode], 2) for mode in MODES},
                    "ratio_full": round(medians["full"] / medians["none"], 3),
                    "ratio_checked": round(medians["checked"] / medians["none"], 3),
                    "completion_tokens": counts,
                    "runs": rates,
                    "threads": 1,
                    "max_tokens": max_tokens,
                }
            )
    finally:
        llama.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.grammar_cost")
    parser.add_argument("--model", type=Path, action="append", help="a .gguf (repeatable)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=120)
    args = parser.parse_args(argv)
    results = [
        row
        for model in (args.model or _models())
        for row in measure(model, args.repeats, args.max_tokens)
    ]
    for row in results:
        rate = row["tokens_per_s"]
        print(
            f"{row['model']} {row['grammar']}: {rate['none']} tokens/s without a grammar, "
            f"{rate['full']} whole vocabulary ({row['ratio_full']}x), "
            f"{rate['checked']} chosen token first ({row['ratio_checked']}x)"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
