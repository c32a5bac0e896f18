"""A long job's reading progress and whole-job estimate with the real SmolLM2 model."""

from __future__ import annotations

from pathlib import Path

from desktop_slm.engine.client import EngineClient
from desktop_slm.engine.protocol import SamplingOptions
from desktop_slm.engine.speeds import SpeedBook
from desktop_slm.tools import summarize
from desktop_slm.tools.budget import ModelLimits
from desktop_slm.tools.estimate import JobEstimate
from desktop_slm.tools.jobs import JobProgress, JobResult, JobRunner

GREEDY = SamplingOptions(temperature=0.0, seed=3)


def report_text(paragraphs: int = 40) -> str:
    return "\n\n".join(
        f"Section {n}. The harbour office in Brest reported {n * 7} ships in week {n}; "
        f"tides delayed {n % 5} of them and the crane on pier {n % 3 + 1} was repaired. "
        "Costs stayed within the plan and the team kept the night shift."
        for n in range(1, paragraphs + 1)
    )


def run_summary(
    engine: EngineClient, book: SpeedBook, *, stop_at_first_estimate: bool = False
) -> list[object]:
    limits = ModelLimits.of(engine, max_answer_tokens=48)
    request = summarize.SummarizeRequest(report_text(), length="tldr")
    log: list[object] = []

    def heard(estimate: JobEstimate) -> None:
        log.append(estimate)
        if stop_at_first_estimate:
            runner.stop()

    runner = JobRunner(engine, GREEDY, on_estimate=heard, speeds=book)
    log.extend(runner.run(summarize.job(request, limits)))
    return log


def test_a_long_summary_shows_reading_and_a_falling_whole_job_estimate(
    engine: EngineClient, smollm2_path: Path, tmp_path: Path
) -> None:
    engine.load(smollm2_path, n_ctx=1024)
    book = SpeedBook(tmp_path / "speeds.json")
    log = run_summary(engine, book)

    result = log[-1]
    assert isinstance(result, JobResult)
    assert not result.cancelled
    steps = [event for event in log if isinstance(event, JobProgress)]
    maps = [step for step in steps if step.phase == "map"]
    assert len(maps) >= 3
    estimates = [event for event in log if isinstance(event, JobEstimate)]
    reading = [e.line() for e in estimates if e.reading]
    assert reading
    assert all(line.startswith("Reading your text… ") for line in reading)
    assert any("of the whole job" in line and "left" in line for line in reading)

    # The estimate given as each step starts (the first after its JobProgress).
    at_start: list[JobEstimate] = []
    for index, event in enumerate(log):
        if isinstance(event, JobProgress):
            following = log[index + 1]
            assert isinstance(following, JobEstimate)
            at_start.append(following)
    # A first-ever run knows no speed before the model has read something ...
    assert at_start[0].seconds_left is None
    # ... and from then on says how long the whole job has left, less and less.
    known = [e.seconds_left for e in at_start[1:]]
    assert all(seconds is not None for seconds in known)
    seconds = [s for s in known if s is not None]
    assert seconds[-1] < seconds[0]
    assert max(seconds) <= seconds[0] * 1.25, seconds
    fractions = [e.job_fraction for e in at_start[1:] if e.job_fraction is not None]
    assert fractions[-1] > fractions[0]

    # This machine's speeds are kept for the model, and the next run starts with them.
    measured = book.get(str(smollm2_path))
    assert measured is not None
    assert measured.read_tokens_per_s > 0
    assert measured.write_tokens_per_s > 0
    again = run_summary(engine, book, stop_at_first_estimate=True)
    first = next(event for event in again if isinstance(event, JobEstimate))
    assert first.seconds_left is not None
    assert "of the whole job" in first.line()
    stopped = again[-1]
    assert isinstance(stopped, JobResult)
    assert stopped.cancelled
