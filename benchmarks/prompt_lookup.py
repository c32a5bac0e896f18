"""Prompt-lookup decoding: "Fix grammar and spelling" of a 300-word text, with and without.

    python -m benchmarks.prompt_lookup [--model PATH ...] [--repeats N] [--threads N]

Runs through the real worker (``EngineClient``), both test models, temperature 0: the
Fix action of :mod:`desktop_slm.tools.rewrite` on :data:`TEXT` (300 words with spelling
and grammar mistakes), once with drafting (``ToolPrompt.copies_input``, as the tool sends
it) and once without, interleaved so a busy machine slows both alike. Before each run a
one-token request on an unrelated prompt leaves the prompt cache in the same state, so
both evaluate the prompt in the same batches. Asserts that the two answers are the same
text, and reports the median generation tokens/s of each (the worker's own
``tokens_per_s``: after the first token), their ratio, and the acceptance of the drafts.

The worker drafts only on a model whose batches are exact and only while it pays
(``engine/lookup.py``); ``drafted_runs`` says how many runs drafted. With the engine's
settings (flash attention off) neither test model's batches are exact, so a second part
measures the drafting itself in process (``Llama`` with flash attention on, where
``exact_batch_size`` finds exact batches on one thread, none on two once 512 positions
are cached): ``Llama.generate`` against ``lookup.generate`` on the same prompt, same
threads, identical tokens asserted. Writes ``benchmarks/results/prompt_lookup.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

from desktop_slm.engine import lookup
from desktop_slm.engine.client import EngineClient
from desktop_slm.engine.protocol import Completion, SamplingOptions, TokenEvent
from desktop_slm.tools import rewrite
from desktop_slm.tools.prompt import ToolPrompt, stream

RESULTS = Path(__file__).parent / "results" / "prompt_lookup.json"

TEXT = (
    "Last week our team have finished the migration of the customer database to the new "
    "servers. The work took longer then we planed, because several tables was stored in an "
    "old format that the new system could not read. We had to write a small tool who "
    "converted them one by one, and this took us almost three days.\n\n"
    "During the migration we also noticed that many customer records contained mistakes. "
    "Some adresses were incomplete, some phone numbers had to many digits, and a few "
    "customers appeared twice with slightly different names. We decided to fix the most "
    "obvious problems right away and to make a list of the others, so that the sales team "
    "can check them later.\n\n"
    "The new servers are much faster then the old ones. A search that took ten seconds "
    "before now takes less than one second, and the nightly backup finish in twenty "
    "minutes instead of two hours. The users has already noticed the difference and we "
    "received several positive messages from the support team.\n\n"
    "There is still some work to do. The reporting tool does not yet connect to the new "
    "database, and we need to update the documentation for the administrators. We also "
    "want to test the recovery procedure, because nobody have tried to restore a backup on "
    "the new system yet. I suggest that we plan a test for next tuesday afternoon, when "
    "the traffic is low.\n\n"
    "Finally, I would like to thank everyone who helped with this project. It was a lot of "
    "work, but the result is worth it, and I think we learned much about our data. Please "
    "let me know if you have any questions or if you notice any problem with the new "
    "system, so we can fix it quickly."
)


def _models() -> list[Path]:
    from tests.support.test_models import GEMMA3_BASE, SMOLLM2, ensure_model

    return [ensure_model(SMOLLM2), ensure_model(GEMMA3_BASE)]


def _answer(client: EngineClient, drafting: bool, options: SamplingOptions) -> Completion:
    prompt = rewrite.build(rewrite.RewriteRequest(text=TEXT, action="fix"))
    for _ in client.complete("Once upon a time", replace(options, max_tokens=1)):
        pass  # the same cache state before every run
    final: Completion | None = None
    for event in stream(client, replace(prompt, copies_input=drafting), options):
        if not isinstance(event, TokenEvent):
            final = event
    assert final is not None
    return final


def prompt_tokens(llama: Any, prompt: ToolPrompt) -> list[int]:
    """``prompt`` as the worker sends it: the chat template, or the base model's document."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    template = llama.metadata.get("tokenizer.chat_template")
    if not template:
        return list(llama.tokenize(prompt.completion_prompt.encode(), add_bos=True))
    eos = llama._model.token_get_text(llama.token_eos())
    render = Jinja2ChatFormatter(template=template, eos_token=eos, bos_token="")
    messages: Any = list(prompt.messages)
    text = render(messages=messages).prompt
    return list(llama.tokenize(text.encode(), add_bos=False, special=True))


def timed_tokens(llama: Any, tokens: Any, limit: int) -> tuple[list[int], float]:
    """The answer's tokens up to end of text or ``limit``, and tokens/s after the first."""
    import llama_cpp

    answer: list[int] = []
    first = last = 0.0
    for token in tokens:
        if llama_cpp.llama_vocab_is_eog(llama._model.vocab, token) or len(answer) >= limit:
            break
        answer.append(token)
        last = time.perf_counter()
        first = first or last
    tokens.close()
    rate = (len(answer) - 1) / (last - first) if len(answer) > 1 and last > first else 0.0
    return answer, rate


def _interleaved(
    model: Path, repeats: int, run: Callable[[bool], tuple[object, float, Any]]
) -> tuple[dict[str, list[float]], list[Any], object]:
    """``run(drafting)`` -> (answer, tokens/s, detail), with and without in turn; the rates,
    the details of the drafting runs, and the one answer (asserted the same every time)."""
    runs: dict[str, list[float]] = {"with": [], "without": []}
    details: list[Any] = []
    answers: set[object] = set()
    for _ in range(repeats):
        for drafting in (True, False):
            answer, rate, detail = run(drafting)
            answers.add(answer)
            runs["with" if drafting else "without"].append(rate)
            if drafting:
                details.append(detail)
    assert len(answers) == 1, f"{model.name}: the answer changed with drafting"
    return runs, details, answers.pop()


def measure_exact(model: Path, repeats: int, threads: int) -> dict[str, Any]:
    """The drafting itself, in process with flash attention on (exact batches)."""
    import llama_cpp

    llama = llama_cpp.Llama(
        model_path=str(model),
        n_ctx=2048,
        n_threads=threads,
        n_threads_batch=threads,
        flash_attn=True,
        verbose=False,
    )
    sampling: dict[str, Any] = {
        "top_k": 40,
        "top_p": 0.95,
        "min_p": 0.05,
        "temp": 0.0,
        "repeat_penalty": 1.05,
    }
    try:
        exact = lookup.exact_batch_size(llama, lambda: False, threads=threads)
        row: dict[str, Any] = {
            "model": model.name,
            "flash_attn": True,
            "exact_batch": exact,
            "threads": threads,
        }
        if exact < 2:
            return row
        prompt = prompt_tokens(llama, rewrite.build(rewrite.RewriteRequest(TEXT, "fix")))

        def run(drafting: bool) -> tuple[object, float, Any]:
            llama.reset()  # the prompt evaluated whole, the same way each time
            stats = lookup.LookupStats()
            tokens = (
                lookup.generate(llama, prompt, sampling, stats, max_tokens=600, exact_batch=exact)
                if drafting
                else llama.generate(prompt, **sampling)
            )
            answer, rate = timed_tokens(llama, tokens, 600)
            return tuple(answer), round(rate, 2), stats.acceptance

        runs, acceptance, answer = _interleaved(model, repeats, run)
    finally:
        llama.close()
    with_, without = (statistics.median(runs[k]) for k in ("with", "without"))
    return {
        **row,
        "completion_tokens": len(cast(tuple[int, ...], answer)),
        "tokens_per_s": {"with": round(with_, 2), "without": round(without, 2)},
        "ratio": round(with_ / without, 3) if without else None,
        "identical_text": True,
        "acceptance": round(statistics.median(acceptance), 3),
        "runs": runs,
        "threads": threads,
    }


def measure(model: Path, repeats: int, threads: int) -> dict[str, Any]:
    options = SamplingOptions(max_tokens=600, temperature=0.0, seed=1)
    client = EngineClient()
    try:
        client.load(model, n_ctx=2048, n_threads=threads)
        tokens = 0

        def run(drafting: bool) -> tuple[object, float, Any]:
            nonlocal tokens
            done = _answer(client, drafting, options)
            tokens = done.completion_tokens
            return done.text, done.timings.tokens_per_s, done.lookup

        runs, lookups, _ = _interleaved(model, repeats, run)
    finally:
        client.close()
    with_, without = (statistics.median(runs[k]) for k in ("with", "without"))
    drafted = [lookup for lookup in lookups if lookup is not None and lookup["drafting"]]
    return {
        "model": model.name,
        "words": len(TEXT.split()),
        "completion_tokens": tokens,
        "tokens_per_s": {"with": round(with_, 2), "without": round(without, 2)},
        "ratio": round(with_ / without, 3) if without else None,
        "identical_text": True,
        "exact_batch": lookups[0]["exact_batch"] if lookups and lookups[0] else None,
        "drafted_runs": len(drafted),
        "acceptance": round(statistics.median(d["acceptance"] for d in drafted), 3)
        if drafted
        else None,
        "runs": runs,
        "lookup": lookups,
        "threads": threads,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.prompt_lookup")
    parser.add_argument("--model", type=Path, action="append", help="a .gguf (repeatable)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    models = args.model or _models()
    results = {
        "worker": [measure(model, args.repeats, args.threads) for model in models],
        "flash_attn_in_process": [
            measure_exact(model, args.repeats, args.threads) for model in models
        ],
    }
    for part, rows in results.items():
        for row in rows:
            rate = row.get("tokens_per_s")
            if rate is None:
                print(f"{part} {row['model']}: batches not exact on {args.threads} threads")
                continue
            print(
                f"{part} {row['model']}: {rate['with']} tokens/s with prompt lookup, "
                f"{rate['without']} without ({row['ratio']}x), acceptance "
                f"{row['acceptance']}, {row['completion_tokens']} tokens, identical text"
            )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
