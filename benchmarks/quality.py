"""``python -m benchmarks.quality``: how good the drafts are, raw and after the app's guards.

Runs the fixed task set (``benchmarks/quality_tasks.py``) on both test models (or on
``--model PATH``), each task twice: *raw*, the tool's job with the guards off and no
finishing but splitting off the email's subject; and *app*, the guards on and the
tool's own finishing (``email.finish``). Every answer is scored automatically
(``benchmarks/quality_scores.py``). Writes ``benchmarks/results/quality.json`` (every
answer and its scores) and ``docs/quality.md``; ``--report-only`` writes the report
again from the JSON, ``--rescore`` scores the stored answers again (after a change to
a checker) without running a model.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.common import machine
from benchmarks.quality_scores import (
    LOWER_IS_BETTER,
    METRICS,
    Score,
    email_text,
    score,
    totals,
)
from benchmarks.quality_tasks import QualityTask, all_tasks
from desktop_slm.engine.client import EngineClient
from desktop_slm.engine.protocol import SamplingOptions
from desktop_slm.errors import UserFacingError
from desktop_slm.fsutil import atomic_write_text
from desktop_slm.tools import email, report, summarize, translate
from desktop_slm.tools.budget import ModelLimits
from desktop_slm.tools.jobs import Job, JobResult, JobRunner

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "quality.json"
REPORT = ROOT / "docs" / "quality.md"
NOTES = ROOT / "benchmarks" / "quality_notes.md"
N_CTX = 2048
"""Small enough that the long documents need map-reduce, as on a small laptop."""
MAX_ANSWER_TOKENS = 256
"""The user's answer length: moderate, so the whole run stays under ~25 minutes."""
SEED = 1234
OPTIONS = SamplingOptions(temperature=0.0, seed=SEED)
MODES = ("raw", "app")
TOOLS = ("email", "reply", "report", "translate", "summarize")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.quality", description=__doc__)
    parser.add_argument(
        "--model",
        type=Path,
        action="append",
        metavar="PATH",
        help="a GGUF to measure (repeatable; default: both test models)",
    )
    parser.add_argument(
        "--tasks",
        type=int,
        metavar="N",
        help="run only N tasks, taken in turn from each tool (default: all)",
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="run nothing: write the report again from the stored results",
    )
    parser.add_argument(
        "--rescore",
        action="store_true",
        help="run no model: score the stored answers again, then write the report",
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help=argparse.SUPPRESS)
    parser.add_argument("--report", type=Path, default=REPORT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.tasks is not None and args.tasks < 1:
        parser.error("--tasks must be 1 or more")
    if args.report_only or args.rescore:
        result = json.loads(args.results.read_text(encoding="utf-8"))
        if args.rescore:
            rescore(result)
            _write_json(args.results, result)
    else:
        models = args.model or _test_models()
        tasks = choose_tasks(all_tasks(), args.tasks)
        command = "python -m benchmarks.quality " + " ".join(sys.argv[1:] if argv is None else argv)
        result = run(models, tasks, command=command.strip())
        _write_json(args.results, result)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.report, render(result))
    _say(f"wrote {args.report} and {args.results}")
    return 0


def _test_models() -> list[Path]:
    from tests.support.test_models import GEMMA3_BASE, SMOLLM2, ensure_model

    return [ensure_model(SMOLLM2), ensure_model(GEMMA3_BASE)]


def _write_json(path: Path, result: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(result, indent=1, ensure_ascii=False) + "\n")


def _say(text: str) -> None:
    print(f"[quality] {text}", file=sys.stderr, flush=True)


def choose_tasks(tasks: Sequence[QualityTask], count: int | None) -> list[QualityTask]:
    """All tasks, or ``count`` of them taken in turn from each tool (email, reply, …)."""
    if count is None or count >= len(tasks):
        return list(tasks)
    queues = {tool: [t for t in tasks if t.tool == tool] for tool in TOOLS}
    chosen: list[QualityTask] = []
    while len(chosen) < count:
        for tool in TOOLS:
            if queues[tool] and len(chosen) < count:
                chosen.append(queues[tool].pop(0))
    return chosen


# ---------------------------------------------------------------- running
def make_job(task: QualityTask, limits: ModelLimits) -> Job:
    """The job the tab (and ``desktop-slm run``) builds for this task's form."""
    r = task.request
    if isinstance(r, email.EmailRequest):
        return email.job(r, limits)
    if isinstance(r, report.ReportRequest):
        return report.report_job(r, limits)
    if isinstance(r, translate.TranslateRequest):
        return translate.job(r, limits)
    return summarize.job(r, limits)


def run(models: Sequence[Path], tasks: Sequence[QualityTask], *, command: str) -> dict[str, Any]:
    """Run every task on every model, raw and app; every answer with its scores."""
    started = datetime.now(UTC)
    info = machine()
    runs = []
    for path in models:
        with EngineClient() as client:
            active = client.load(path, n_ctx=N_CTX)
            limits = ModelLimits.of(client, max_answer_tokens=MAX_ANSWER_TOKENS)
            name = path.stem
            clock = time.monotonic()
            answers = []
            for number, task in enumerate(tasks, start=1):
                entry: dict[str, Any] = {"id": task.id, "tool": task.tool}
                for mode in MODES:
                    entry[mode] = run_task(client, limits, task, guards=mode == "app")
                answers.append(entry)
                _say(
                    f"{name} {number}/{len(tasks)} {task.id}: raw "
                    f"{entry['raw']['seconds']:.1f} s, app {entry['app']['seconds']:.1f} s"
                )
            runs.append(
                {
                    "name": active.info.display_name(),
                    "file": path.name,
                    "base_model": active.info.is_base_model,
                    "seconds": round(time.monotonic() - clock, 1),
                    "tasks": answers,
                }
            )
    return {
        "date": started.isoformat(timespec="seconds"),
        "command": command,
        "machine": info,
        "n_ctx": N_CTX,
        "max_answer_tokens": MAX_ANSWER_TOKENS,
        "temperature": OPTIONS.temperature,
        "seed": SEED,
        "models": runs,
    }


def run_task(
    client: EngineClient, limits: ModelLimits, task: QualityTask, *, guards: bool
) -> dict[str, Any]:
    """One answer: raw (``guards=False``, nothing finished) or as the app shows it."""
    _forget_prompt(client)
    clock = time.monotonic()
    error = ""
    result: JobResult | None = None
    try:
        runner = JobRunner(client, OPTIONS, guards=guards)
        for event in runner.run(make_job(task, limits)):
            if isinstance(event, JobResult):
                result = event
    except UserFacingError as exc:  # scored as an empty answer: the user got nothing
        error = str(exc)
    text = result.text if result is not None else ""
    answer: dict[str, Any] = {
        "seconds": round(time.monotonic() - clock, 2),
        "completion_tokens": result.completion_tokens if result else 0,
        "requests": result.requests if result else 0,
        "detail": _plain(dict(result.detail)) if result else {},
        "notices": list(result.notices) if result else [],
        "error": error,
    }
    if isinstance(task.request, email.EmailRequest):
        draft = email.finish(text, task.request) if guards else email.split_subject(text)
        answer.update(subject=draft.subject, body=draft.body)
    answer["output"] = email_text(answer["subject"], answer["body"]) if "body" in answer else text
    answer["score"] = score_answer(task, answer).to_json()
    return answer


def score_answer(task: QualityTask, answer: dict[str, Any]) -> Score:
    form = (answer["subject"], answer["body"], task.sign_off) if "body" in answer else None
    output = answer["output"]
    return score(task.check(output), output, language=task.language, source=task.source, email=form)


def rescore(result: dict[str, Any]) -> None:
    """Score the stored answers again with today's checkers (tasks found by id)."""
    by_id = {task.id: task for task in all_tasks()}
    for model in result["models"]:
        for entry in model["tasks"]:
            task = by_id[entry["id"]]
            for mode in MODES:
                entry[mode]["score"] = score_answer(task, entry[mode]).to_json()


def _forget_prompt(client: EngineClient) -> None:
    """Start every answer from the same engine state.

    llama.cpp reuses the prompt prefix left by the previous request, and a prompt
    evaluated in other batch sizes gives slightly different logits, so a greedy answer
    could change with what ran before it. A one-token request on an unrelated prompt
    leaves the same prefix before the raw and the app run of a task: they then differ
    only by the guards, and a second run of the benchmark gives the same answers.
    """
    for _event in client.complete("0", replace(OPTIONS, max_tokens=1)):
        pass


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


# ---------------------------------------------------------------- the report
def _scores(model: dict[str, Any], mode: str, tool: str | None = None) -> list[Score]:
    return [
        Score.from_json(entry[mode]["score"])
        for entry in model["tasks"]
        if tool is None or entry["tool"] == tool
    ]


def _figure(value: float | int | None) -> str:
    return "-" if value is None else f"{value:g}"


def _verdict(key: str, raw: float | None, app: float | None) -> str:
    if raw is None or app is None or raw == app:
        return "same"
    better = app < raw if key in LOWER_IS_BETTER else app > raw
    return "better" if better else "**worse**"


def render(result: dict[str, Any]) -> str:
    """docs/quality.md from the results."""
    m = result["machine"]
    counts: dict[str, int] = {}
    for entry in result["models"][0]["tasks"] if result["models"] else []:
        counts[entry["tool"]] = counts.get(entry["tool"], 0) + 1
    lines = [
        "# Writing quality",
        "",
        f"Measured {result['date']} with `{result['command']}` on {m['cpu']}, "
        f"{m['physical_cores']} physical cores, {m['ram_bytes'] / 2**30:.0f} GiB RAM, "
        f"Python {m['python']}. Context {result['n_ctx']:,} tokens, answers of at most "
        f"{result['max_answer_tokens']} tokens, temperature {result['temperature']:g}, "
        f"seed {result['seed']}: a second run gives the same answers. "
        f"{sum(counts.values())} tasks: "
        + ", ".join(f"{n} {tool}" for tool, n in counts.items())
        + ". Run it again with `python -m benchmarks.quality` (both test models, about "
        "25 minutes on 2 cores) or `--model PATH` for any GGUF.",
        "",
        "- **raw**: the tool's job with the guards off (`JobRunner(..., guards=False)`); "
        "nothing done to the answer but splitting off the email's subject.",
        "- **app**: what the user gets: the guards on (a sentence is finished or trimmed "
        "at the budget, loops are stopped) and the tool's own finishing (`email.finish`: "
        "the app writes the closing and the sign-as name).",
        "",
        "How the figures are made, all automatically:",
        "",
        "- *details kept*: of the details in the input (numbers, amounts, dates, times, "
        "identifiers, addresses, names…; `checking.facts`), the share found in the "
        "answer, pooled over all tasks. A summary keeps few by nature: it is compared "
        "with the whole document.",
        "- *invented details per 100 words*: details in the answer that are in neither "
        "the input nor the names the user gave (recipient, sign-as), placeholders such "
        'as "[Project Name]" included.',
        "- *cut mid-sentence*: the answer stops inside a sentence (`guards.ends_mid_sentence`).",
        '- *email form correct* (emails and replies only): a subject, no "Subject:" line '
        "in the body, and the body ends with a closing line and the sign-as name (the "
        "closing alone when no name is given), with nothing after it and the name once.",
        "- *target language correct*: the language detector (`languages.detect_language`) "
        "hears the language asked for.",
        "- *repetition*: a sentence, line or sign-off repeated (`guards.has_repetition`).",
    ]
    for model in result["models"]:
        lines += _model_section(model)
    if NOTES.exists():  # written by people after reading the answers
        lines += ["", NOTES.read_text(encoding="utf-8").strip()]
    lines.append("")
    return "\n".join(lines)


def _model_section(model: dict[str, Any]) -> list[str]:
    kind = "base model, not instruction-tuned" if model["base_model"] else "chat model"
    raw, app = totals(_scores(model, "raw")), totals(_scores(model, "app"))
    lines = [
        "",
        f"## {model['name']} ({kind})",
        "",
        f"`{model['file']}`, {len(model['tasks'])} tasks, each run raw and app: "
        f"{model['seconds'] / 60:.1f} minutes.",
        "",
        "| metric | raw | app | app against raw |",
        "|---|---|---|---|",
    ]
    for key, label in METRICS:
        lines.append(
            f"| {label} | {_figure(raw[key])} | {_figure(app[key])} "
            f"| {_verdict(key, raw[key], app[key])} |"
        )
    lines += [
        "",
        "By tool (raw → app):",
        "",
        "| tool | tasks | " + " | ".join(label for _key, label in METRICS) + " |",
        "|---|---|" + "---|" * len(METRICS),
    ]
    for tool in TOOLS:
        raw_t, app_t = totals(_scores(model, "raw", tool)), totals(_scores(model, "app", tool))
        if not raw_t["tasks"]:
            continue
        cells = [f"{_figure(raw_t[key])} → {_figure(app_t[key])}" for key, _label in METRICS]
        lines.append(f"| {tool} | {raw_t['tasks']} | " + " | ".join(cells) + " |")
    lines += ["", "### Where the app still fails", ""]
    lines += _failures(model) or ["Nothing: every app answer passed every check."]
    return lines


def _failures(model: dict[str, Any]) -> list[str]:
    found: dict[str, list[str]] = {}

    def note(what: str, item: str) -> None:
        found.setdefault(what, []).append(item)

    for entry in model["tasks"]:
        answer = entry["app"]
        s = Score.from_json(answer["score"])
        if answer["error"]:
            note("failed", f"{entry['id']} ({answer['error']})")
        if s.cut:
            note("cut mid-sentence", entry["id"])
        if s.repetition:
            note("repetition", entry["id"])
        if not s.language_ok:
            note("wrong language", f"{entry['id']} (heard {s.language or 'nothing'})")
        if s.form_ok is False:
            note("email form", f"{entry['id']} ({'; '.join(s.form_problems)})")
        if s.invented:
            shown = ", ".join(f'"{d}"' for d in s.invented[:4])
            more = f" and {len(s.invented) - 4} more" if len(s.invented) > 4 else ""
            note("invented", f"{entry['id']}: {shown}{more}")
    return [f"- **{what}** ({len(items)}): {'; '.join(items)}" for what, items in found.items()]


if __name__ == "__main__":
    raise SystemExit(main())
