"""Time estimates of running jobs, this machine's speed book and the CLI's progress line."""

from __future__ import annotations

import io
import itertools
import json
import math
from pathlib import Path

import pytest

from desktop_slm.commands.progress import ProgressLine
from desktop_slm.engine.protocol import Completion, ReadProgress, Timings
from desktop_slm.engine.speeds import MAX_MODELS, MeasuredSpeed, SpeedBook
from desktop_slm.tools import summarize, translate
from desktop_slm.tools.estimate import Estimator, JobEstimate, Workload, time_left
from desktop_slm.tools.jobs import Step
from tests.test_tools_jobs import FakeEngine


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def answered(prompt: int, written: int, read_speed: float, write_speed: float) -> Completion:
    return Completion(
        request_id=1,
        text="x",
        finish_reason="stop",
        prompt_tokens=prompt,
        completion_tokens=written,
        timings=Timings(prompt_tokens_per_s=read_speed, tokens_per_s=write_speed),
    )


# ---------------------------------------------------------------- the lines people read
@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (3, "a few seconds left"),
        (17.2, "about 20 s left"),
        (59, "about 60 s left"),
        (61, "about 1 min 30 s left"),
        (150, "about 2 min 30 s left"),
        (1500, "about 25 min left"),
        (3600 + 600, "about 1 h 10 min left"),
    ],
)
def test_time_left_is_said_roughly_and_never_too_low(seconds: float, said: str) -> None:
    assert time_left(seconds) == said


def test_reading_a_long_text_shows_percent_and_time_left_from_the_measured_speed() -> None:
    clock = Clock()
    lines: list[str] = []
    estimator = Estimator(lambda e: lines.append(e.line()), MeasuredSpeed(100.0, 10.0), clock=clock)
    estimator.step_started("Writing the summary", 200, None)
    assert lines == []  # a job of one step says nothing until the model reads
    estimator.read(ReadProgress(1, read=0, total=2000))
    assert lines[-1] == "Reading your text… 0% · about 20 s left"
    clock.now += 9.0  # 900 tokens: this request's own pace (100/s) now counts
    estimator.read(ReadProgress(1, read=900, total=2000))
    assert lines[-1] == "Reading your text… 45% · about 15 s left"
    estimator.read(ReadProgress(1, read=2000, total=2000))
    assert lines[-1] == ""  # read: the answer is being written


def test_a_first_ever_run_estimates_from_its_own_progress() -> None:
    clock = Clock()
    estimates: list[JobEstimate] = []
    estimator = Estimator(estimates.append, None, clock=clock)
    estimator.step_started("Writing the summary", 200, None)
    estimator.read(ReadProgress(1, read=0, total=3000))
    assert estimates[-1].seconds_left is None
    assert estimates[-1].line() == "Reading your text… 0%"
    clock.now += 2.0
    estimator.read(ReadProgress(1, read=256, total=3000))
    assert estimates[-1].seconds_left == pytest.approx((3000 - 256) / 128)


def test_the_whole_job_estimate_falls_part_by_part_and_ends_near_zero() -> None:
    clock = Clock()
    estimates: list[JobEstimate] = []
    estimator = Estimator(estimates.append, MeasuredSpeed(400.0, 40.0), clock=clock)
    parts = 5
    at_start: list[float] = []
    for part in range(1, parts + 1):
        later = Workload(800, 100).times(parts - part)
        estimator.step_started(f"Summarizing chunk {part} of {parts}", 100, later, 800)
        first = estimates[-1]
        assert first.seconds_left is not None
        at_start.append(first.seconds_left)
        clock.now += 2.0  # read 800 tokens
        estimator.read(ReadProgress(part, read=800, total=800))
        for _ in range(100):
            clock.now += 1 / 40
            estimator.wrote(1)
        estimator.step_done(answered(800, 100, 400.0, 40.0))
    assert all(b < a for a, b in itertools.pairwise(at_start)), at_start
    assert at_start[0] == pytest.approx(parts * (800 / 400 + 100 / 40))
    fractions = [e.job_fraction for e in estimates if e.job_fraction is not None]
    assert fractions == sorted(fractions)
    assert estimates[-1].line().startswith("9")  # "9x% of the whole job · a few seconds left"
    assert estimates[-1].line().endswith("of the whole job · a few seconds left")


def test_writing_updates_are_sent_at_most_once_a_second() -> None:
    clock = Clock()
    estimates: list[JobEstimate] = []
    estimator = Estimator(estimates.append, MeasuredSpeed(400.0, 40.0), clock=clock)
    estimator.step_started("Translating paragraph 1 of 3", 100, Workload(100, 130))
    for _ in range(80):  # two seconds of writing
        clock.now += 1 / 40
        estimator.wrote(1)
    assert 2 <= len(estimates) <= 3


# ---------------------------------------------------------------- what jobs say is left
def test_a_summary_of_many_parts_says_what_is_left_after_each_step() -> None:
    engine = FakeEngine(answer=lambda request: "Short notes about this part.", n_ctx=1024)
    text = "\n\n".join(f"Paragraph {n}: " + "word " * 120 for n in range(30))
    job = summarize.job(summarize.SummarizeRequest(text), engine.limits())
    steps: list[Step] = []
    item = next(job)
    while True:
        assert isinstance(item, Step)
        steps.append(item)
        try:
            item = job.send("Short notes about this part.")
        except StopIteration:
            break
    maps = [step for step in steps if step.phase == "map"]
    assert len(maps) >= 3
    left = [step.later for step in steps]
    assert all(work is not None for work in left)
    reads = [work.read_tokens for work in left if work is not None]
    assert all(b <= a for a, b in itertools.pairwise(reads))
    assert left[-1] == Workload()
    # The first step's estimate covers the other chunks' text, about all of it.
    words = len(text.split())
    assert left[0] is not None
    assert left[0].read_tokens >= words * (len(maps) - 1) / len(maps) * 0.8


def test_a_translation_of_many_paragraphs_says_what_is_left_after_each_step() -> None:
    engine = FakeEngine(answer=lambda request: "Bonjour le monde.", n_ctx=2048)
    text = "\n\n".join(f"Hello world number {n} is here today." for n in range(6))
    request = translate.TranslateRequest(text, source="en", target="fr")
    job = translate.job(request, engine.limits())
    steps: list[Step] = []
    item = next(job)
    while True:
        if isinstance(item, Step):
            steps.append(item)
        try:
            item = job.send("Bonjour le monde." if isinstance(item, Step) else None)  # type: ignore[arg-type]
        except StopIteration:
            break
    assert len(steps) == 6
    reads = [step.later.read_tokens for step in steps if step.later is not None]
    assert len(reads) == 6
    assert all(b < a for a, b in itertools.pairwise(reads)), reads
    assert reads[-1] == 0
    assert math.isclose(reads[0], 5 * 8, rel_tol=0.5)  # five more of 8 words each


# ---------------------------------------------------------------- the speed book
def test_the_speed_book_keeps_an_average_per_model(tmp_path: Path) -> None:
    book = SpeedBook(tmp_path / "speeds.json")
    assert book.get("/m/a.gguf") is None
    book.record("/m/a.gguf", answered(800, 100, 400.0, 40.0))
    book.record("/m/a.gguf", answered(800, 100, 200.0, 20.0))
    kept = book.get("/m/a.gguf")
    assert kept is not None
    assert 200 < kept.read_tokens_per_s < 400
    assert 20 < kept.write_tokens_per_s < 40
    assert book.get("/m/b.gguf") is None
    # A request that measured nothing (its prompt was cached, a few tokens) changes nothing.
    assert book.record("/m/a.gguf", answered(20, 3, 9999.0, 9999.0)) is None
    assert book.get("/m/a.gguf") == kept
    assert [p.name for p in tmp_path.iterdir()] == ["speeds.json"]  # no temporary left


@pytest.mark.parametrize(
    "content",
    [
        b"\x00\xff garbage",
        b'{"version": 1, "models": {"/m/a.gguf": {"read": 1e',
        b"[1, 2, 3]",
        b'{"models": []}',
        b'{"models": {"/m/a.gguf": "fast"}}',
        b'{"models": {"/m/a.gguf": {"read": "fast", "write": NaN, "updated": true}}}',
        b'{"models": {"/m/a.gguf": {"read": -5, "write": Infinity}}}',
    ],
)
def test_the_speed_book_survives_a_damaged_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "speeds.json"
    path.write_bytes(content)
    book = SpeedBook(path)
    assert book.get("/m/a.gguf") is None
    book.record("/m/a.gguf", answered(800, 100, 400.0, 40.0))
    assert book.get("/m/a.gguf") == MeasuredSpeed(400.0, 40.0)
    assert json.loads(path.read_text())["models"]["/m/a.gguf"]["read"] == 400.0


def test_the_speed_book_is_bounded(tmp_path: Path) -> None:
    book = SpeedBook(tmp_path / "speeds.json")
    for n in range(MAX_MODELS + 5):
        book.record(f"/m/{n}.gguf", answered(800, 100, 400.0 + n, 40.0))
    data = json.loads(book.path.read_text())
    assert len(data["models"]) == MAX_MODELS
    assert book.get(f"/m/{MAX_MODELS + 4}.gguf") is not None  # the newest stay


# ---------------------------------------------------------------- the CLI's line
class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def reading(fraction: float, seconds: float | None = 20.0) -> JobEstimate:
    return JobEstimate("Writing the summary", True, fraction, None, seconds)


def test_on_a_terminal_the_line_is_rewritten_in_place_and_cleared() -> None:
    clock = Clock()
    stream = Terminal()
    line = ProgressLine(stream, clock=clock)
    line.show(reading(0.1))
    assert stream.getvalue() == ""  # the first second: a short input shows nothing
    clock.now += 1.5
    line.show(reading(0.45))
    assert stream.getvalue() == "\rdesktop-slm: Reading your text… 45% · about 20 s left\x1b[K"
    clock.now += 0.1
    line.show(reading(0.5))  # too soon
    clock.now += 0.3
    line.show(reading(0.6))
    assert stream.getvalue().count("\r") == 2
    with line:
        pass
    assert stream.getvalue().endswith("\r\x1b[K")


def test_into_a_file_or_pipe_plain_lines_now_and_then() -> None:
    clock = Clock()
    stream = io.StringIO()
    line = ProgressLine(stream, clock=clock)
    for _ in range(40):
        clock.now += 0.5
        line.show(reading(0.5))
    lines = stream.getvalue().splitlines()
    assert 3 <= len(lines) <= 5
    assert lines[0] == "desktop-slm: Reading your text… 50% · about 20 s left"
    assert "\r" not in stream.getvalue()
    line.clear()
    assert stream.getvalue().count("\n") == len(lines)
