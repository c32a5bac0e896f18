"""What the email grammar costs: tokens/s with and without it, both test models, same run.

    python -m benchmarks.grammar_cost [--model PATH ...] [--repeats N] [--max-tokens N]

The email prompt of the Email tab (a new email, temperature 0, a fixed seed) is sent
through the app's engine with the grammar (``Subject: …``, a blank line, the body) and
without it, interleaved, so a busy machine slows both alike. Prints one line per model
and writes ``benchmarks/results/grammar_cost.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
from dataclasses import replace
from pathlib import Path
from typing import Any

from desktop_slm.engine.client import EngineClient
from desktop_slm.engine.protocol import Completion, SamplingOptions
from desktop_slm.tools import email
from desktop_slm.tools.prompt import ToolPrompt, stream

RESULTS = Path(__file__).parent / "results" / "grammar_cost.json"
NOTES = "thank Anna for the quick review; the release moves to Friday; ask about the 10:00 demo"


def _models() -> list[Path]:
    from tests.support.test_models import GEMMA3_BASE, SMOLLM2, ensure_model

    return [ensure_model(SMOLLM2), ensure_model(GEMMA3_BASE)]


def _one(client: EngineClient, prompt: ToolPrompt, options: SamplingOptions) -> Completion:
    final: Completion | None = None
    for event in stream(client, prompt, options):
        if isinstance(event, Completion):
            final = event
    assert final is not None
    return final


def measure(model: Path, repeats: int, max_tokens: int) -> dict[str, Any]:
    prompt = email.build(email.EmailRequest(notes=NOTES, recipient="Anna", sign_off="Sam"))
    free = replace(prompt, grammar=None, completion_grammar=None)
    options = SamplingOptions(max_tokens=max_tokens, temperature=0.0, seed=7)
    rates: dict[str, list[float]] = {"grammar": [], "free": []}
    tokens: dict[str, list[int]] = {"grammar": [], "free": []}
    with EngineClient() as client:
        client.load(model, n_ctx=2048, n_threads=1)
        _one(client, free, replace(options, max_tokens=4))  # warm up
        for _ in range(repeats):
            for key, sent in (("grammar", prompt), ("free", free)):
                done = _one(client, sent, options)
                rates[key].append(done.timings.tokens_per_s)
                tokens[key].append(done.completion_tokens)
    with_grammar, without = statistics.median(rates["grammar"]), statistics.median(rates["free"])
    return {
        "model": model.name,
        "tokens_per_s_with_grammar": round(with_grammar, 2),
        "tokens_per_s_without": round(without, 2),
        "ratio": round(with_grammar / without, 3) if without else None,
        "completion_tokens": tokens,
        "runs": rates,
        "threads": 1,
        "max_tokens": max_tokens,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.grammar_cost")
    parser.add_argument("--model", type=Path, action="append", help="a .gguf (repeatable)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=120)
    args = parser.parse_args(argv)
    results = [measure(m, args.repeats, args.max_tokens) for m in (args.model or _models())]
    for row in results:
        print(
            f"{row['model']}: {row['tokens_per_s_with_grammar']} tokens/s with the grammar, "
            f"{row['tokens_per_s_without']} without (ratio {row['ratio']})"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
