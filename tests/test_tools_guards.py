"""The guards on every answer: never cut mid-sentence, never keep a loop.

Plain texts first (English, German, French, CJK, lists, code, closings), then the job
runner on the scripted engine, then the real models: SmolLM2 with a tiny answer budget
and the Gemma 3 base model, which loops readily.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from desktop_slm.engine.client import EngineClient
from desktop_slm.engine.protocol import SamplingOptions
from desktop_slm.tools import email
from desktop_slm.tools.budget import ModelLimits
from desktop_slm.tools.guards import (
    LoopGuard,
    complete_sentences,
    ends_mid_sentence,
    has_repetition,
    trim_repetition,
)
from desktop_slm.tools.jobs import (
    REPEATING,
    SHORTENED,
    Job,
    JobCancelled,
    JobOutput,
    JobPreview,
    JobResult,
    JobRunner,
    JobStepDone,
    Step,
    allowed_tokens,
    single_step,
)
from tests.test_cli import parse_one_json_object, run_cli
from tests.test_tools_jobs import FakeEngine, result_of, run, run_raw, simple_prompt

# ---------------------------------------------------------------- complete_sentences
CUT = [
    ("Hello there. This is a test of the", "Hello there."),
    ("We meet on 12. Mai in Berlin. Bitte bringen Sie den", "We meet on 12. Mai in Berlin."),
    (
        "The rate rose to 3.5 percent. It may rise to 4.",
        "The rate rose to 3.5 percent. It may rise to 4.",
    ),
    (
        "I spoke with Dr. Smith about the plan. He agreed to",
        "I spoke with Dr. Smith about the plan.",
    ),
    (
        "Bring fruit, e.g. apples and pears. We start at noon and",
        "Bring fruit, e.g. apples and pears.",
    ),
    ('She said "It works." Then we left and', 'She said "It works."'),
    ("Is it ready? Yes! The team finished it and", "Is it ready? Yes!"),
    ("(See the appendix.) The numbers show", "(See the appendix.)"),
    (
        "Wir treffen uns z.B. am Montag. Das Budget beträgt ca. 4.800 Euro und",
        "Wir treffen uns z.B. am Montag.",
    ),
    ("Le rapport est prêt. Nous allons commencer le", "Le rapport est prêt."),
    ("« Parfait. » Nous en parlerons demain avec M. Dupont et", "« Parfait. »"),
    ("会议在周一举行。请准时参加。我们将讨论", "会议在周一举行。请准时参加。"),
    (
        "Item No. 5 is ready. Apples, pears, etc. Then the",
        "Item No. 5 is ready. Apples, pears, etc.",
    ),
    ("We waited... Then it came. And then", "We waited... Then it came."),
    (
        "Steps:\n- Review the budget.\n- Review the plan.\n- Review the",
        "Steps:\n- Review the budget.\n- Review the plan.",
    ),
    (
        "Steps:\n- Review the budget\n- Review the plan\n- Review the",
        "Steps:\n- Review the budget\n- Review the plan",
    ),
    ("1. Call Anna.\n2. Book the room.\n3.", "1. Call Anna.\n2. Book the room."),
    ("## Summary\nThe project is on track. Costs are", "## Summary\nThe project is on track."),
    ("## Summary\nThe project is on", "## Summary"),
    ("| a | b |\n| 1 | 2 |\n| 3 |", "| a | b |\n| 1 | 2 |"),
    ("Run this:\n```python\nx = 1\ny = 2\nprint(x", "Run this:\n```python\nx = 1\ny = 2\n```"),
    (
        "Thanks for the update.\n\nBest regards,\nSam\n\nP.S. The",
        "Thanks for the update.\n\nBest regards,\nSam",
    ),
    ("Dear Anna,\n\nThank you for the", "Dear Anna,"),
]


@pytest.mark.parametrize(("text", "kept"), CUT)
def test_a_cut_answer_is_trimmed_to_its_last_complete_sentence(text: str, kept: str) -> None:
    trimmed, changed = complete_sentences(text)
    assert trimmed == kept
    assert changed == (kept != text)
    assert not ends_mid_sentence(trimmed)


COMPLETE = [
    "Done.",
    "The total is 4,800 euros.",
    "Is it ready?",
    'He said: "We are ready."',
    "Das kostet 12,50 €.",
    "Thanks for the update.\n\nBest regards,\nSam",
    "Thanks for the update.\n\nKind regards,",
    "Mit freundlichen Grüßen\nAnna Schmidt",
    "Cordialement,\nMarie",
    "Steps:\n- Review the budget\n- Review the plan\n",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "```\ncode here\n```",
    "会议在周一举行。",
    "Apples, pears, etc.",
]


@pytest.mark.parametrize("text", COMPLETE)
def test_a_complete_answer_is_left_alone(text: str) -> None:
    assert complete_sentences(text) == (text, False)
    assert not ends_mid_sentence(text)


@pytest.mark.parametrize(
    "text",
    ["I met Dr.", "Bring fruit, e.g.", "We meet on the", "Costs rose by 3", "- Review the"],
)
def test_an_unfinished_end_is_mid_sentence(text: str) -> None:
    assert ends_mid_sentence(text)


def test_without_any_sentence_end_the_last_complete_line_or_word_is_kept() -> None:
    assert complete_sentences("Meeting notes\nAgenda for Monday\nBudget and sta") == (
        "Meeting notes\nAgenda for Monday",
        True,
    )
    assert complete_sentences("no sentence end here and it goes o") == (
        "no sentence end here and it goes",
        True,
    )
    assert complete_sentences("Hello") == ("Hello", True)  # never empty


# ---------------------------------------------------------------- loops
LOOPS = [
    (
        "Thank you for your message. I will send the report tomorrow. "
        "I will send the report tomorrow. I will send",
        "Thank you for your message. I will send the report tomorrow.",
    ),
    ("I hope this helps. I hope this helps. I hope this helps.", "I hope this helps."),
    (
        "Thanks!\n\nBest regards,\nSam\nProject Manager\n\nBest regards,\nSam",
        "Thanks!\n\nBest regards,\nSam\nProject Manager",
    ),
    ("<USER>\n<USER>\n<USER>\n<USER>", "<USER>"),
    ("It is very very very very very very very good", "It is very"),
    ("and then we go and then we go and then we go and then", "and then we go"),
    ("Wow" + "!" * 80, "Wow!"),
    (
        "Das Treffen ist am Montag. Bitte bringen Sie den Bericht mit. "
        "Bitte bringen Sie den Bericht mit.",
        "Das Treffen ist am Montag. Bitte bringen Sie den Bericht mit.",
    ),
]


@pytest.mark.parametrize(("text", "kept"), LOOPS)
def test_a_loop_is_found_and_only_its_first_occurrence_kept(text: str, kept: str) -> None:
    assert has_repetition(text)
    assert trim_repetition(text) == kept
    guard = LoopGuard()
    tokens = re.findall(r"\s*\S+", text)
    fired = [i for i, token in enumerate(tokens) if guard.feed(token)]
    assert fired, "the streamed loop was not noticed"
    assert guard.trim(guard.text).rstrip() == kept


NOT_LOOPS = [
    "- Review the budget\n- Review the plan\n- Review the schedule\n- Review the risks",
    "Hi Sam,\n\nThe meeting is on Monday.\n\nBest regards,\nSam",
    "| a | b | c |\n|---|---|---|\n| 0 | 0 | 0 |\n| 0 | 0 | 0 |\n| 0 | 0 | 0 |",
    "Title\n" + "=" * 70,
    "Very very good. Ha ha ha.",
    "The team met on Monday. The team met its goal. The team will meet again in May.",
    "Q1: revenue up. Q2: revenue up. Q3: revenue flat.",
    "```\nx = 0\nx = 0\nx = 0\nx = 0\n```",
    "Ja. Ja. Nein.",
]


@pytest.mark.parametrize("text", NOT_LOOPS)
def test_legitimate_repetition_is_not_a_loop(text: str) -> None:
    assert not has_repetition(text)
    guard = LoopGuard()
    assert not any(guard.feed(token) for token in re.findall(r"\s*\S+", text))


def test_a_translation_may_repeat_what_its_source_repeats() -> None:
    source = "The rain falls. The rain falls on the roof. The rain falls on the roof."
    translation = "Der Regen fällt. Der Regen fällt auf das Dach. Der Regen fällt auf das Dach."
    assert has_repetition(translation)  # on its own it looks like a loop ...
    assert not has_repetition(translation, source)  # ... but the source says it twice
    refrain = "Go, go, go! " * 4
    assert not has_repetition("Los, los, los! " * 4, refrain)


# ---------------------------------------------------------------- the runner
def test_an_answer_cut_by_its_budget_ends_at_a_sentence_end_and_says_so() -> None:
    sentences = " ".join(f"Sentence number {i} is here." for i in range(1, 40))
    engine = FakeEngine(answer=lambda r: sentences)
    job = single_step(simple_prompt(), engine.limits(max_answer_tokens=12), label="x", what="x")
    events = run(engine, job)
    result = result_of(events)
    # Past its budget the answer was stopped at the first sentence end.
    assert result.text == " ".join(f"Sentence number {i} is here." for i in range(1, 4))
    assert result.notices == (SHORTENED,)
    assert result.detail["shortened"] is True
    assert not result.cancelled
    assert result.requests == 1
    [done] = [e for e in events if isinstance(e, JobStepDone)]
    assert done.completion.finish_reason == "length"
    # The window's output is replaced by the shortened text.
    assert [e.text for e in events if isinstance(e, JobPreview)] == [result.text]

    raw = result_of(run_raw(FakeEngine(answer=lambda r: sentences), single_step(
        simple_prompt(), engine.limits(max_answer_tokens=12), label="x", what="x"
    )))  # fmt: skip
    assert raw.text == "Sentence number 1 is here. Sentence number 2 is here. Sentence number"
    assert raw.notices == ()
    assert "shortened" not in raw.detail


def test_when_even_the_allowance_runs_out_the_answer_is_trimmed() -> None:
    words = " ".join(f"w{i}" for i in range(100))
    engine = FakeEngine(answer=lambda r: f"A short start. {words}")
    job = single_step(simple_prompt(), engine.limits(max_answer_tokens=10), label="x", what="x")
    result = result_of(run(engine, job))
    assert result.text == "A short start."
    assert engine.requests[0].options.max_tokens == allowed_tokens(10)
    assert result.notices == (SHORTENED,)


def parts_job(total: int, budget: int = 40) -> Job:
    """Every step's answer goes into the output, as a report's sections do."""
    answers: list[str] = []
    try:
        for index in range(1, total + 1):
            step = Step(simple_prompt(f"part {index}"), "p", index, total, budget)
            answers.append((yield step))
    except JobCancelled as stop:
        return JobOutput("\n".join(answers), {"cut": stop.partial_text})
    return JobOutput("\n".join(answers))


def test_every_step_gets_the_guarded_answer_and_each_notice_is_said_once() -> None:
    looping = "We are all done with the work here. " * 30
    long_answer = " ".join(f"Point {i} holds." for i in range(30))
    engine = FakeEngine(answer=lambda r: looping if "part 2" in r.user else long_answer)
    result = result_of(run(engine, parts_job(3)))
    # 40 tokens of budget end inside "Point 13 holds.": that sentence is finished.
    shortened = " ".join(f"Point {i} holds." for i in range(14))
    assert result.text.split("\n") == [
        shortened,
        "We are all done with the work here.",
        shortened,
    ]
    assert result.notices == (SHORTENED, REPEATING)
    assert result.detail == {"shortened": True, "repetition": True}


def test_a_loop_is_stopped_at_once_and_is_not_a_stop_by_the_user() -> None:
    engine = FakeEngine(answer=lambda r: "Please call me back. " * 200)
    job = single_step(simple_prompt(), engine.limits(max_answer_tokens=400), label="x", what="x")
    result = result_of(run(engine, job))
    assert not result.cancelled
    assert result.text == "Please call me back."
    assert result.completion_tokens < 20  # stopped early, not at the budget
    assert result.notices == (REPEATING,)


def test_a_stop_by_the_user_still_keeps_the_partial_text() -> None:
    engine = FakeEngine(answer=lambda r: "one two three four five six seven eight")
    runner = JobRunner(engine)  # type: ignore[arg-type]
    engine.on_token = lambda sent: runner.stop() if sent == 3 else None
    result = result_of(list(runner.run(parts_job(2))))
    assert result.cancelled
    assert result.detail["cut"] == "one two three"
    assert result.notices == ()


# ---------------------------------------------------------------- the real models
def email_job(limits: ModelLimits) -> Job:
    request = email.EmailRequest(
        notes="thank the team for the launch; drinks on Friday at 5 in the garden",
        tone="friendly",
        length="medium",
    )
    return email.job(request, limits)


@pytest.mark.slow
def test_real_model_answer_with_a_tiny_budget_ends_at_a_sentence_end(
    engine: EngineClient, smollm2_path: Path
) -> None:
    engine.load(smollm2_path, n_ctx=1024, n_threads=1)
    options = SamplingOptions(temperature=0, seed=1)
    limits = ModelLimits.of(engine, max_answer_tokens=24)
    raw = result_of(list(JobRunner(engine, options, guards=False).run(email_job(limits))))
    assert ends_mid_sentence(raw.text), raw.text  # what the guard is for
    guarded = result_of(list(JobRunner(engine, options).run(email_job(limits))))
    assert not ends_mid_sentence(guarded.text), guarded.text
    # A sentence end, or a line complete on its own (the email's greeting "Dear Team,").
    assert guarded.text.rstrip()[-1] in ".!?,", guarded.text
    assert guarded.notices == (SHORTENED,)
    assert guarded.completion_tokens <= allowed_tokens(24)


@pytest.mark.slow
def test_real_base_model_that_loops_is_stopped_early_and_trimmed(
    engine: EngineClient, gemma_base_path: Path
) -> None:
    engine.load(gemma_base_path, n_ctx=1024, n_threads=1)
    options = SamplingOptions(temperature=0, repeat_penalty=1.0, seed=1)
    limits = ModelLimits.of(engine, max_answer_tokens=200)
    raw = result_of(list(JobRunner(engine, options, guards=False).run(email_job(limits))))
    assert has_repetition(raw.text), raw.text  # the base model loops ...
    guarded = result_of(list(JobRunner(engine, options).run(email_job(limits))))
    assert guarded.completion_tokens < 200  # ... and is stopped well before its budget
    assert not guarded.cancelled
    assert REPEATING in guarded.notices
    assert not has_repetition(guarded.text), guarded.text
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n", guarded.text) if s.strip()]
    assert len(sentences) == len(set(sentences)), guarded.text


@pytest.mark.slow
def test_cli_json_carries_the_notices_and_stderr_says_them(smollm2_path: Path) -> None:
    notes = "thank the team for the launch; drinks on Friday at 5 in the garden"
    args: list[Any] = ["run", "email", "--model", smollm2_path, "--max-tokens", "24"]
    args += ["--temperature", "0", "--context", "1024", "--threads", "1"]
    proc = run_cli(*args, "--json", stdin=notes)
    assert proc.returncode == 0, proc.stderr
    result = parse_one_json_object(proc.stdout)
    assert result["notices"] == [SHORTENED]
    assert result["detail"]["shortened"] is True
    assert not ends_mid_sentence(result["text"]), result["text"]

    plain = run_cli(*args, stdin=notes)
    assert plain.returncode == 0, plain.stderr
    assert f"desktop-slm: {SHORTENED}" in plain.stderr.splitlines()
    assert not ends_mid_sentence(plain.stdout), plain.stdout

    raw = parse_one_json_object(run_cli(*args, "--json", "--raw", stdin=notes).stdout)
    assert raw["notices"] == []
    assert ends_mid_sentence(raw["text"]), raw["text"]


def test_every_result_has_notices_even_when_nothing_happened() -> None:
    result = result_of(run(FakeEngine(answer=lambda r: "All good."), parts_job(1)))
    assert isinstance(result, JobResult)
    assert result.notices == ()
    assert result.text == "All good."


@pytest.mark.parametrize(
    "closing", ["Amicalement,", "Mit freundlichen Grüßen", "Atenciosamente,", "Hälsningar,"]
)
def test_an_email_ending_with_the_apps_closing_in_any_language_is_complete(closing: str) -> None:
    text = f"Bonjour Claire,\n\nMerci pour ton aide au salon.\n\n{closing}\nJulien Martin"
    assert not ends_mid_sentence(text)
    assert complete_sentences(text) == (text, False)
