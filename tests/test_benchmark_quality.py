"""The quality benchmark: its scores on hand-written answers, and a real run of two tasks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import quality
from benchmarks.quality_scores import METRICS, Score, email_form_problems, score, totals
from benchmarks.quality_tasks import all_tasks, long_document
from desktop_slm.checking.facts import check_facts
from desktop_slm.engine.client import EngineClient
from desktop_slm.tools.budget import ModelLimits
from desktop_slm.tools.summarize import SummarizeRequest, plan

NOTES = "move the review from Tuesday 14 March to Thursday 16 March at 10:00 in room B12"
GOOD_EMAIL = (
    "Dear Maria,\n\nthe quarterly review moves from Tuesday 14 March to Thursday 16 March "
    "at 10:00 in room B12.\n\nBest regards,\nTom Becker"
)


def score_email(body: str) -> Score:
    """An email to Maria Lopez signed "Tom Becker", as the benchmark scores one."""
    output = "Review moved\n\n" + body
    check = check_facts(NOTES, output, given=("Maria Lopez", "Tom Becker"), kind="email")
    return score(
        check, output, language="en", source=NOTES, email=("Review moved", body, "Tom Becker")
    )


def test_a_well_formed_email_with_every_detail_scores_full_marks() -> None:
    s = score_email(GOOD_EMAIL)
    assert s.form_ok is True
    assert s.form_problems == ()
    assert s.total > 0
    assert s.kept == s.total
    assert s.invented == ()
    assert not s.cut
    assert not s.repetition
    assert s.language_ok


def test_an_invented_signature_after_the_name_is_the_wrong_form_and_invented() -> None:
    s = score_email(GOOD_EMAIL + "\nProject Manager, FoxBridge\nPhone: 0161 555 0199")
    assert s.form_ok is False
    assert "does not end with the name 'Tom Becker'" in s.form_problems
    assert any("0161 555 0199" in detail for detail in s.invented)


@pytest.mark.parametrize(
    ("subject", "body", "sign_as", "problem"),
    [
        ("", GOOD_EMAIL, "Tom Becker", "no subject"),
        ("Review", "Subject: Review\n\n" + GOOD_EMAIL, "Tom Becker", '"Subject:" line'),
        ("Review", GOOD_EMAIL + "\nTom Becker", "Tom Becker", "the name twice"),
        ("Review", GOOD_EMAIL.replace("Best regards,\n", ""), "Tom Becker", "no closing line"),
        ("Review", "Dear Maria,\n\nSee you on Thursday.", "", "does not end with a closing"),
    ],
)
def test_every_fault_of_an_email_s_form_is_named(
    subject: str, body: str, sign_as: str, problem: str
) -> None:
    problems = email_form_problems(subject, body, sign_as)
    assert any(problem in p for p in problems), problems


def test_with_no_name_the_closing_alone_is_the_right_form() -> None:
    body = "Hello team,\n\nTimesheets are due on Friday.\n\nMit freundlichen Grüßen"
    assert email_form_problems("Timesheets", body, "") == ()


def test_a_german_answer_to_a_french_task_is_the_wrong_language() -> None:
    source = "The library will be closed on Monday 6 May for the public holiday."
    german = "Die Bibliothek ist am Montag, dem 6. Mai, wegen des Feiertags geschlossen."
    french = "La bibliothèque sera fermée le lundi 6 mai pour le jour férié."
    wrong = score(check_facts(source, german, kind="translation"), german, language="fr")
    right = score(check_facts(source, french, kind="translation"), french, language="fr")
    assert not wrong.language_ok
    assert wrong.language == "de"
    assert right.language_ok


def test_a_cut_answer_and_a_loop_are_counted() -> None:
    source = "The pool opened on 3 June and cost 6.2 million pounds."
    cut_text = "The pool opened on 3 June and cost"
    loop_text = "The pool opened on 3 June. " + "It cost 6.2 million pounds. " * 6
    cut = score(check_facts(source, cut_text, kind="summary"), cut_text, language="en")
    loop = score(check_facts(source, loop_text, kind="summary"), loop_text, language="en")
    assert cut.cut
    assert not cut.repetition
    assert loop.repetition
    figures = totals([cut, loop])
    assert figures["cut_pct"] == 50.0
    assert figures["repetition_pct"] == 50.0
    assert figures["form_pct"] is None  # no email among them


def test_the_task_set_covers_every_tool_six_languages_and_map_reduce(
    smollm2_path: Path, engine: EngineClient
) -> None:
    tasks = all_tasks()
    assert len(tasks) >= 40
    assert {t.tool for t in tasks} == {"email", "reply", "report", "translate", "summarize"}
    assert len({t.language for t in tasks if t.tool == "translate"}) >= 6
    assert len({t.id for t in tasks}) == len(tasks)
    engine.load(smollm2_path, n_ctx=quality.N_CTX)
    limits = ModelLimits.of(engine, max_answer_tokens=quality.MAX_ANSWER_TOKENS)
    long_plan = plan(SummarizeRequest(text=long_document(0)), limits)
    assert not long_plan.direct
    assert len(long_plan.chunks) >= 2


def test_two_tasks_on_smollm2_give_both_columns_and_every_metric(
    smollm2_path: Path, tmp_path: Path
) -> None:
    results, report = tmp_path / "quality.json", tmp_path / "quality.md"
    paths = ["--results", str(results), "--report", str(report)]
    assert quality.main(["--model", str(smollm2_path), "--tasks", "2", *paths]) == 0

    data = json.loads(results.read_text(encoding="utf-8"))
    (model,) = data["models"]
    assert [t["tool"] for t in model["tasks"]] == ["email", "reply"]
    for task in model["tasks"]:
        for mode in ("raw", "app"):
            answer = task[mode]
            assert answer["output"].strip()
            assert answer["subject"].strip() or mode == "raw"
            assert set(answer["score"]) >= {"kept", "invented", "cut", "form_ok", "language_ok"}
        # The app writes the closing and the sign-as name itself.
        name = {"email-01": "Tom Becker", "reply-01": "Sophie Turner"}[task["id"]]
        assert task["app"]["body"].rstrip().endswith("\n" + name)

    text = report.read_text(encoding="utf-8")
    assert "| metric | raw | app | app against raw |" in text
    assert "SmolLM2" in text
    for _key, label in METRICS:
        assert f"| {label} |" in text
    assert "python -m benchmarks.quality" in text

    report.unlink()
    assert quality.main(["--report-only", *paths]) == 0
    assert report.read_text(encoding="utf-8") == text
    assert quality.main(["--rescore", *paths]) == 0
    assert json.loads(results.read_text(encoding="utf-8"))["models"] == data["models"]
