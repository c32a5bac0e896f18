"""``python -m benchmarks``: every benchmark, one table.

Writes ``benchmarks/results/latest.json`` and ``docs/performance.md``. Each figure is
ours against a baseline measured in the same run, interleaved, as the median ratio
of several repetitions with min-max. Options: ``--model PATH`` (any GGUF you have),
``--repeats N``, ``--only KEY[,KEY]``, ``--report-only``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import bandwidth, download_bench, engine_bench, gui_bench, long_doc_bench
from benchmarks.common import Figure, machine
from desktop_slm.engine import hardware

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
REPORT = ROOT / "docs" / "performance.md"
ANALYSIS = ROOT / "benchmarks" / "analysis.md"
GROUPS = (
    "throughput",
    "ttft",
    "threads",
    "startup",
    "switch",
    "window",
    "longdoc",
    "download",
    "bandwidth",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--model", type=Path, help="GGUF to measure (default: SmolLM2-135M)")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--only", default=",".join(GROUPS))
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="measure nothing: write docs/performance.md again from the last results "
        "(after editing benchmarks/analysis.md)",
    )
    args = parser.parse_args(argv)
    if args.report_only:
        REPORT.write_text(render(json.loads(RESULTS.read_text(encoding="utf-8"))), "utf-8")
        return 0
    only = set(args.only.split(","))
    unknown = only - set(GROUPS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")

    from tests.support.test_models import GEMMA3_BASE, SMOLLM2, ensure_model

    model = args.model or ensure_model(SMOLLM2)
    other = ensure_model(GEMMA3_BASE) if args.model is None else args.model
    started = datetime.now(UTC)
    machine_info = machine()  # now: its load average is the one at the start
    figures: list[Figure] = []
    extra: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="desktop-slm-bench-") as tmp:
        home = Path(tmp)
        if "throughput" in only:
            _say("generation and prompt evaluation through the worker")
            figures += engine_bench.throughput(model, args.repeats, args.tokens)
        if "ttft" in only:
            _say("time to first token, cold and warm")
            figures += engine_bench.time_to_first_token(model, args.repeats)
        if "threads" in only:
            _say("thread count sweep")
            figures.append(engine_bench.thread_choice(model, max(3, args.repeats // 2), 64))
        if "startup" in only:
            _say("start-up to first paint")
            figures.append(gui_bench.startup(model, home, args.repeats))
        if "switch" in only:
            _say("model switch")
            figures.append(engine_bench.model_switch([model, other], args.repeats))
        if "window" in only:
            _say("event-loop stalls and memory while streaming")
            figures += gui_bench.responsiveness_and_memory(
                model, home, max(3, args.repeats // 2), 256
            )
        if "longdoc" in only:
            _say("summary of a long document (map-reduce)")
            figures.append(long_doc_bench.long_document(model, max(1, args.repeats // 3)))
        if "download" in only:
            _say("download from the local fake Hub")
            figures += download_bench.downloads(max(3, args.repeats // 2))
        if "bandwidth" in only:
            _say("memory bandwidth ceiling")
            bw = bandwidth.read_bandwidth(hardware.physical_cores())
            size = model.stat().st_size
            ceiling = bw / size
            extra["ceiling"] = {
                "read_bandwidth_gb_s": round(bw / 1e9, 2),
                "model_bytes": size,
                "ceiling_tokens_per_s": round(ceiling, 1),
            }
            generation = next((f for f in figures if f.key == "generation"), None)
            if generation is not None:
                ours = statistics.median(generation.ours)
                extra["ceiling"]["ours_tokens_per_s"] = round(ours, 1)
                extra["ceiling"]["fraction_of_ceiling"] = round(ours / ceiling, 3)

    result = {
        "date": started.isoformat(timespec="seconds"),
        "command": "python -m benchmarks " + " ".join(argv or sys.argv[1:]),
        "machine": machine_info,
        "model": str(model),
        "figures": [f.summary() for f in figures],
        **extra,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    REPORT.write_text(render(result), encoding="utf-8")
    print(render(result))
    return 0


def _say(text: str) -> None:
    print(f"[benchmarks] {text}", file=sys.stderr, flush=True)


def render(result: dict[str, Any]) -> str:
    m = result["machine"]
    lines = [
        "# Performance",
        "",
        f"Measured {result['date']} with `{result['command'].strip()}` on {m['cpu']}, "
        f"{m['physical_cores']} physical cores, {m['ram_bytes'] / 2**30:.0f} GiB RAM, "
        f"Python {m['python']} (load average at start: {m['load_average_at_start']}). "
        f"Model: `{Path(result['model']).name}`.",
        "",
        "Every figure is ours against a baseline measured in the same run, interleaved; "
        "medians of the repetitions, ratio = ours / baseline (median, min-max). "
        "The machine is shared and noisy: read ratios, not absolute numbers.",
        "",
        "| what | baseline | ours (median) | baseline (median) | ratio (min-max) | target | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in result["figures"]:
        met = {True: "yes", False: "**no**", None: _absolute_met(f)}[f["target_met"]]
        lines.append(
            f"| {f['what']} | {f['baseline']} | {f['ours_median']:g} {f['unit']} "
            f"| {f['base_median']:g} {f['unit']} "
            f"| {f['ratio_median']:g} ({f['ratio_min']:g}-{f['ratio_max']:g}) "
            f"| {f['target']} | {met} |"
        )
    ceiling = result.get("ceiling")
    if ceiling:
        lines += [
            "",
            "## The physical ceiling",
            "",
            f"Memory read bandwidth measured here: {ceiling['read_bandwidth_gb_s']} GB/s. "
            f"Generating one token reads about the whole model "
            f"({ceiling['model_bytes'] / 1e6:.0f} MB), so no program can exceed about "
            f"{ceiling['ceiling_tokens_per_s']} tokens/s on this machine with this model.",
        ]
        if "ours_tokens_per_s" in ceiling:
            lines.append(
                f"Ours: {ceiling['ours_tokens_per_s']} tokens/s, "
                f"{ceiling['fraction_of_ceiling'] * 100:.0f}% of that ceiling."
            )
    noted = [f for f in result["figures"] if f.get("notes")]
    if noted:
        lines += ["", "## Notes on the figures", ""]
        lines += [f"- **{f['key']}**: {f['notes']}" for f in noted]
    sweep = next((f for f in result["figures"] if f["key"] == "threads"), None)
    if sweep:
        lines += [
            "",
            "Thread sweep (median tokens/s by thread count): "
            + ", ".join(f"{n}: {v}" for n, v in sweep["extra"]["sweep_median"].items()),
        ]
    if ANALYSIS.exists():  # written by people: what the figures mean, and the misses
        lines += ["", ANALYSIS.read_text(encoding="utf-8").strip()]
    lines.append("")
    return "\n".join(lines)


def _absolute_met(figure: dict[str, Any]) -> str:
    if figure["key"] == "event_loop_stall":
        return "yes" if figure["ours_max"] < 50 else "**no**"
    if figure["key"] == "window_memory":
        return "yes" if figure["ours_max"] < 250 else "**no**"
    return "-"


if __name__ == "__main__":
    raise SystemExit(main())
