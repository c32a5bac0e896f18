"""Team server: tokens/s through our engine against the plain ``openai`` client.

    python -m benchmarks.team_server [--model PATH] [--rounds N] [--tokens N]

Starts llama-cpp-python's own OpenAI-compatible server (``llama_cpp.server``, 1 thread,
127.0.0.1) on the model, then sends the same streamed chat requests through
:class:`~desktop_slm.engine.remote.ServerEngine` (ours: the app's client, its event
objects, its header filter) and through a plain ``openai.OpenAI`` client with the same
messages, sampling and answer limit, interleaved (the order flips every round, so a
busy machine slows both alike). Each side's figure is answer tokens over the whole
request's wall time, from sending to the stream's end; the ratio is the median of the
rounds' ratios. Writes ``benchmarks/results/team_server.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from desktop_slm.engine.protocol import Completion, SamplingOptions
from desktop_slm.engine.remote import ServerEngine

RESULTS = Path(__file__).parent / "results" / "team_server.json"
MESSAGES = [
    {"role": "system", "content": "You are a helpful writing assistant."},
    {
        "role": "user",
        "content": "Write a friendly email to the team about the harbour project: the "
        "budget is approved, the work starts in March and we need three volunteers.",
    },
]


def _ours(engine: ServerEngine, options: SamplingOptions) -> tuple[int, float]:
    started = time.perf_counter()
    final: Completion | None = None
    for event in engine.chat(MESSAGES, options):
        if isinstance(event, Completion):
            final = event
    assert final is not None
    return final.completion_tokens, time.perf_counter() - started


def _plain(client: Any, model: str, options: SamplingOptions) -> tuple[int, float]:
    started = time.perf_counter()
    stream = client.chat.completions.create(
        model=model,
        messages=MESSAGES,
        max_tokens=options.max_tokens,
        temperature=options.temperature,
        top_p=options.top_p,
        seed=options.seed,
        stream=True,
        extra_body={
            "top_k": options.top_k,
            "min_p": options.min_p,
            "repeat_penalty": options.repeat_penalty,
        },
    )
    tokens = 0
    for chunk in stream:
        for choice in chunk.choices:
            if choice.delta.content:
                tokens += 1  # llama_cpp.server sends one token a chunk
    return tokens, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--tokens", type=int, default=128)
    args = parser.parse_args(argv)

    import openai

    from tests.support.team_server import SERVER_KEY, team_server
    from tests.support.test_models import SMOLLM2, ensure_model

    model_path = args.model or ensure_model(SMOLLM2)
    options = SamplingOptions(max_tokens=args.tokens, temperature=0.0, seed=1)
    rounds: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as logs, team_server(model_path, Path(logs)) as server:
        engine = ServerEngine(server.url, api_key=SERVER_KEY)
        model = engine.connect().info.name
        plain = openai.OpenAI(base_url=server.url + "/v1", api_key=SERVER_KEY, max_retries=0)
        _ours(engine, options)  # both share the server's prompt cache from here on
        _plain(plain, model, options)
        for index in range(args.rounds):
            sides = [("ours", lambda: _ours(engine, options))]
            sides.append(("plain", lambda: _plain(plain, model, options)))
            if index % 2:
                sides.reverse()
            figures: dict[str, float] = {}
            for name, run in sides:
                tokens, seconds = run()
                figures[name] = tokens / seconds
                figures[f"{name}_tokens"] = tokens
            figures["ratio"] = figures["ours"] / figures["plain"]
            rounds.append(figures)
            print(
                f"round {index + 1}: ours {figures['ours']:.1f} tokens/s, "
                f"plain {figures['plain']:.1f} tokens/s, ratio {figures['ratio']:.3f}",
                flush=True,
            )
        engine.close()
        plain.close()
    ratios = [r["ratio"] for r in rounds]
    result = {
        "model": model_path.name,
        "tokens": args.tokens,
        "rounds": rounds,
        "ours_median_tokens_per_s": statistics.median(r["ours"] for r in rounds),
        "plain_median_tokens_per_s": statistics.median(r["plain"] for r in rounds),
        "ratio_median": statistics.median(ratios),
        "ratio_min": min(ratios),
        "ratio_max": max(ratios),
        "load_average": list(os.getloadavg()),
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(
        f"ours {result['ours_median_tokens_per_s']:.1f} tokens/s, plain "
        f"{result['plain_median_tokens_per_s']:.1f} tokens/s: ratio {result['ratio_median']:.3f} "
        f"({result['ratio_min']:.3f}-{result['ratio_max']:.3f}); target >= 0.95"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
