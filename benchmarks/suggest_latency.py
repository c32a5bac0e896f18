"""Inline suggestions: latency from the pause, and the event loop's longest stall meanwhile.

The real window (offscreen) with the real model; a seeded replay of someone typing an
email into the Email tab's notes: bursts of a few words, keys 40-140 ms apart, then a
pause of 0.9-1.6 s (every eighth pause 3.5 s: thinking, long enough for the tab to
prepare Generate, which takes the model's cache from the suggestions). Default settings:
suggestions on, preparing while typing on, automatic threads.

For each pause: the time from the pause being recognised (the box's 350 ms timer fires
and the request is sent) to the first grey words on screen and to the finished
suggestion; and the same from the last keystroke. A 1 ms QTimer heartbeat measures the
longest gap of the event loop while a suggestion is asked for and written.

    python -m benchmarks.suggest_latency [--model PATH] [--pauses 48] [--seed 13] [--lane main]

Prints a table and writes ``benchmarks/results/suggest_latency.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "suggest_latency.json"
DEFAULT_MODEL = (
    Path.home() / ".cache" / "desktop-slm-test-models" / "SmolLM2-135M-Instruct.Q4_1.gguf"
)

EMAIL = (
    "Hi Anna, thank you for the quick review of the draft. I went through all of your "
    "comments this morning and fixed the numbers in the budget table. The release moves "
    "to Friday because the vendor needs two more days for the payment module. Could we "
    "keep the demo at ten on Thursday and use it as a dry run for the customer call? I "
    "will send the updated slides tonight and book the small meeting room for us. If "
    "anything else comes up, please let me know before noon so I can plan the week. "
    "The team was happy with the new on-call rota, and Tom offered to take the first "
    "weekend. We still need a decision on the training budget for next quarter, and I "
    "would like to hear what you think about the two offers we received last week. "
    "Thanks again for your help with the report, it made a real difference to the "
    "board meeting. Best wishes to your family and see you on Thursday."
)


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (p95 of 48 values is the 46th smallest)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


COLD_TOKENS = 40
"""A suggestion that had to evaluate more prompt tokens than this found its prompt cold
(typing on between two pauses adds 5-30 tokens)."""


def summary_of(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0, "p50": 0.0, "p95": 0.0}
    return {"n": len(values), "p50": statistics.median(values), "p95": percentile(values, 0.95)}


def record_requests() -> list[dict[str, Any]]:
    """Every engine request's prompt figures, from the client's debug log, with the time."""
    import logging

    made: list[dict[str, Any]] = []

    class Recorder(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            usage = getattr(record, "engine_usage", None)
            if usage is not None:
                made.append({**usage, "at": time.perf_counter()})

    client_log = logging.getLogger("desktop_slm.engine.client")
    client_log.addHandler(Recorder(logging.DEBUG))
    client_log.setLevel(logging.DEBUG)
    return made


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--pauses", type=int, default=48)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--lane",
        choices=("suggest", "main"),
        default="suggest",
        help="main: as before the suggestion lane (suggestions on Generate's context, "
        "nothing prepared ahead)",
    )
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="suggest-bench-"))
    os.environ["DESKTOP_SLM_HOME"] = str(home)
    (home / "config").mkdir(parents=True)
    (home / "config" / "settings.json").write_text(json.dumps({}), encoding="utf-8")

    from desktop_slm.tools import predict
    from desktop_slm.ui.app import create_window

    predict.LANE = args.lane
    if args.lane == "main":
        predict.LOOKAHEAD = -(10**9)  # next_prompt() never near: nothing prepared ahead

    app = QApplication(sys.argv[:1])
    window = create_window(model=str(args.model))
    window.show()
    window.activateWindow()

    def wait(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    deadline = time.monotonic() + 180
    while window.bridge.active_model is None or window.bridge.is_busy():
        assert time.monotonic() < deadline, "the model did not load"
        wait(50)
    wait(1000)  # the other tabs are built after the first paint
    tab = window.email_tab
    notes = tab.form.notes
    suggestion = next(s for s in tab.suggestions if s.parent() is notes)
    notes.setFocus()
    wait(100)
    assert notes.hasFocus(), "the notes box did not get the focus"

    # The heartbeat: a 1 ms timer; the gaps between its ticks are the loop's stalls.
    last_tick = [time.perf_counter()]
    gaps: list[tuple[float, float]] = []  # (time of tick, gap)

    def tick() -> None:
        now = time.perf_counter()
        gaps.append((now, now - last_tick[0]))
        last_tick[0] = now

    heartbeat = QTimer()
    heartbeat.setInterval(1)
    heartbeat.timeout.connect(tick)
    heartbeat.start()

    asked: dict[int, float] = {}
    first: dict[int, float] = {}
    final: dict[int, float] = {}

    def on_ask() -> None:  # connected after the box's own slot: the ticket is set
        if suggestion.ticket:
            asked[suggestion.ticket] = time.perf_counter()

    def on_suggested(ticket: int, _text: str, done: bool) -> None:  # after the box's slot
        now = time.perf_counter()
        if suggestion.text and ticket not in first:
            first[ticket] = now
        if done:
            final[ticket] = now

    suggestion._timer.timeout.connect(on_ask)
    window.bridge.suggested.connect(on_suggested)
    requests = record_requests()

    rng = random.Random(args.seed)
    words = EMAIL.split(" ")
    pauses: list[dict[str, Any]] = []
    position = 0
    carry = ""  # what the last burst left untyped: the end of a word, a space
    while len(pauses) < args.pauses:
        burst = rng.randint(3, 7)
        chunk = words[position : position + burst]
        position += burst
        text = carry + " ".join(chunk) + " "
        carry = ""
        if len(pauses) % 3 == 2:
            text, carry = text.rstrip(), " "  # a pause right after a word
        elif len(pauses) % 3 == 1 and len(chunk[-1]) > 4:
            text, carry = text[:-3], text[-3:]  # a pause in the middle of a word
        for index, char in enumerate(text):
            if index:
                wait(rng.randint(40, 140))
            QTest.keyClicks(notes, char)
        if position >= len(words):  # the end of the email: a new paragraph, again
            position = 0
            QTest.keyClick(notes, Qt.Key.Key_Return)
            QTest.keyClicks(notes, "Hi")
            carry = " "
        last_key = time.perf_counter()
        hold = 3500 if len(pauses) % 8 == 7 else rng.randint(900, 1600)
        wait(hold)
        tickets = [t for t, at in asked.items() if at >= last_key]
        ticket = tickets[-1] if tickets else 0
        start, end = asked.get(ticket, last_key), final.get(ticket, last_key + hold / 1000)
        pauses.append(
            {
                "hold_ms": hold,
                "typed_to": notes.toPlainText()[-30:],
                "asked_after_key_ms": (asked[ticket] - last_key) * 1000 if ticket else None,
                "first_ms": (first[ticket] - asked[ticket]) * 1000 if ticket in first else None,
                "final_ms": (final[ticket] - asked[ticket]) * 1000 if ticket in final else None,
                "stall_ms": max((gap * 1000 for at, gap in gaps if start <= at <= end), default=0),
                "suggestion": suggestion.text,
                "from": start,
            }
        )

    heartbeat.stop()
    # A pause's requests are logged when they end, which for one cut short by the next
    # keystroke is during the next burst: each pause owns what ends before the next asks.
    # The tab's chat prefill (pushed aside by the suggestion) is not the suggestion's.
    ends = [p.pop("from") for p in pauses] + [float("inf")]
    for pause, start, end in zip(pauses, ends, ends[1:], strict=False):
        made = [r for r in requests if start <= r["at"] < end and r["op"] != "prefill chat"]
        pause["evaluated_tokens"] = sum(r["evaluated"] for r in made)
        pause["prompt_tokens"] = max((r["prompt"] for r in made), default=0)
    window.close()
    app.processEvents()

    shown = [p for p in pauses if p["first_ms"] is not None]
    first_ms = [p["first_ms"] for p in shown]
    final_ms = [p["final_ms"] for p in shown if p["final_ms"] is not None]
    from_key = [p["first_ms"] + p["asked_after_key_ms"] for p in shown]
    stalls = [p["stall_ms"] for p in pauses]
    summary = {
        "model": args.model.name,
        "lane": args.lane,
        "pauses": len(pauses),
        "shown": len(shown),
        # On a machine too busy for any suggestion within a pause these are all 0 (n: 0).
        "first_words_ms": summary_of(first_ms),
        "finished_ms": summary_of(final_ms),
        "first_words_from_last_key_ms": summary_of(from_key),
        "cold_shown": sum(1 for p in shown if p["evaluated_tokens"] > COLD_TOKENS),
        "first_words_warm_ms": summary_of(
            [p["first_ms"] for p in shown if p["evaluated_tokens"] <= COLD_TOKENS]
        ),
        "first_words_cold_ms": summary_of(
            [p["first_ms"] for p in shown if p["evaluated_tokens"] > COLD_TOKENS]
        ),
        "longest_stall_ms": max(stalls),
        "stall_p95_ms": percentile(stalls, 0.95),
        "cancelled_while_reading_prompt": sum(
            1 for r in requests if r.get("cancelled_during") == "prompt"
        ),
        "load_average": os.getloadavg(),
        "cores": os.cpu_count(),
        "pause_details": pauses,
    }
    results = RESULTS if args.lane == "suggest" else RESULTS.with_name(f"{RESULTS.stem}_main.json")
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(summary, indent=1, ensure_ascii=False), encoding="utf-8")
    print(
        f"model {summary['model']}, suggestions on the {args.lane} lane, {len(pauses)} pauses, "
        f"a suggestion shown in {len(shown)} ({summary['cold_shown']} with a cold prompt)"
    )
    print("| from the pause (request sent) to | p50 ms | p95 ms |")
    print("|---|---|---|")
    for key, what in (
        ("first_words_ms", "the first grey words on screen"),
        ("finished_ms", "the finished suggestion"),
        ("first_words_from_last_key_ms", "first words, counted from the last keystroke"),
    ):
        print(f"| {what} | {summary[key]['p50']:.0f} | {summary[key]['p95']:.0f} |")
    for key, what in (("first_words_warm_ms", "warm"), ("first_words_cold_ms", "cold")):
        figures = summary[key]
        print(
            f"first words, {what} prompts ({figures['n']}): p50 {figures['p50']:.0f} ms, "
            f"p95 {figures['p95']:.0f} ms"
        )
    print(f"longest event-loop stall while suggesting: {summary['longest_stall_ms']:.1f} ms")
    print(f"load average {summary['load_average']}; details in {results}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
