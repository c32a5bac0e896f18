"""Reports: outline parsing, section prompts, Markdown assembly and the section-by-section job."""

from __future__ import annotations

import pytest

from desktop_slm.errors import OptionError
from desktop_slm.tools import report
from desktop_slm.tools.budget import InputTooLong
from desktop_slm.tools.jobs import JobPreview, JobProgress, JobRunner, JobStepDone
from tests.test_tools_jobs import FakeEngine, Request, result_of, run

NOTES = "- shipped login page\n- payment API delayed by vendor\n- hiring: 2 offers out\n"


@pytest.mark.parametrize(
    ("answer", "sections"),
    [
        ("1. Summary\n2. Progress\n3. Risks", ("Summary", "Progress", "Risks")),
        ("- **Summary**\n- *Next steps:*\n- Risks", ("Summary", "Next steps", "Risks")),
        ("## Summary\n## Section 2: Timeline\n", ("Summary", "Timeline")),
        (
            "Title: Week 12 update\n1. Progress\n   - login page\n   - payments\n2. Risks",
            ("Progress", "Risks"),
        ),
        ("Summary\nSummary\nRisks\n\n", ("Summary", "Risks")),
    ],
)
def test_outline_answers_become_clean_section_titles(answer: str, sections: tuple[str]) -> None:
    request = report.ReportRequest(NOTES)
    assert report.parse_outline(answer, request).sections == sections


def test_an_unusable_outline_falls_back_to_the_kinds_sections() -> None:
    request = report.ReportRequest(NOTES, kind="incident", max_sections=3)
    outline = report.parse_outline("I cannot help with that", request)
    assert outline.sections == report.KINDS["incident"].sections[:3]
    assert outline.title == "Incident report"


def test_the_outline_title_line_names_the_report_unless_the_user_did() -> None:
    answer = "Title: Week 12 update\n1. Progress\n2. Risks"
    assert report.parse_outline(answer, report.ReportRequest(NOTES)).title == "Week 12 update"
    mine = report.ReportRequest(NOTES, title="Team Falcon")
    assert report.parse_outline(answer, mine).title == "Team Falcon"


def test_an_edited_outline_is_read_one_title_per_line() -> None:
    outline = report.outline_from_text("1. Summary\n\n- Risks\nSummary\n", "My report")
    assert outline.sections == ("Summary", "Risks")
    with pytest.raises(OptionError, match="empty"):
        report.outline_from_text(" \n", "x")


def test_section_prompt_has_notes_outline_and_marks_the_section_to_write() -> None:
    request = report.ReportRequest(NOTES, kind="minutes", language="de")
    outline = report.Outline("Weekly sync", ("Attendees", "Decisions", "Action items"))
    prompt = report.build_section(request, outline, 1)
    system, user = (m["content"] for m in prompt.messages)
    assert "meeting minutes" in system
    assert "Write in German" in system
    assert "2. Decisions   <- write this section" in user
    assert "1. Attendees\n" in user
    assert NOTES.strip() in user
    assert user.endswith('Write the section "Decisions".')
    # A base model writes the section as the continuation of the document.
    assert prompt.completion_prompt.endswith(
        "# Weekly sync\n\n## Attendees\n\n...\n\n## Decisions\n\n"
    )
    assert "\n## " in prompt.completion_stop


def test_a_custom_report_needs_an_instruction() -> None:
    with pytest.raises(OptionError, match="instruction"):
        report.build_outline(report.ReportRequest(NOTES, kind="custom"))
    prompt = report.build_outline(
        report.ReportRequest(NOTES, kind="custom", instruction="a one-page memo for the CFO")
    )
    assert "a one-page memo for the CFO" in prompt.messages[0]["content"]


def test_repeated_headings_are_removed_from_a_section_body() -> None:
    assert report.clean_section("## Risks\n\n- vendor delay", "Risks") == "- vendor delay"
    assert report.clean_section("**Risks:**\nVendor delay.", "Risks") == "Vendor delay."
    assert report.clean_section("Risks are low.", "Risks") == "Risks are low."


def scripted_report(request: Request) -> str:
    if "plan reports" in request.system:
        return "1. Summary\n2. Progress\n3. Risks"
    section = request.user.rsplit('"', 2)[-2]
    return f"## {section}\n\nBody of {section.lower()}.\n\n- point one\n- point two"


def test_the_report_job_writes_an_outline_then_every_section_as_markdown() -> None:
    engine = FakeEngine(answer=scripted_report)
    events = run(engine, report.report_job(report.ReportRequest(NOTES), engine.limits()))
    result = result_of(events)
    assert result.text == (
        "# Status update\n\n"
        "## Summary\n\nBody of summary.\n\n- point one\n- point two\n\n"
        "## Progress\n\nBody of progress.\n\n- point one\n- point two\n\n"
        "## Risks\n\nBody of risks.\n\n- point one\n- point two\n"
    )
    labels = [e.label for e in events if isinstance(e, JobProgress)]
    assert labels == [
        "Planning the sections",
        "Writing section 1 of 3: Summary",
        "Writing section 2 of 3: Progress",
        "Writing section 3 of 3: Risks",
    ]
    previews = [e.text for e in events if isinstance(e, JobPreview)]
    assert len(previews) == 3
    assert previews[0].count("## ") == 1
    assert result.detail["outline"].sections == ("Summary", "Progress", "Risks")
    # Every section request saw the notes and the whole outline.
    for asked in engine.requests[1:]:
        assert NOTES.strip() in asked.user
        assert "3. Risks" in asked.user


def test_an_edited_outline_is_written_without_asking_for_a_new_one() -> None:
    engine = FakeEngine(answer=scripted_report)
    outline = report.Outline("Launch", ("Goals", "Budget"))
    result = result_of(
        run(engine, report.sections_job(report.ReportRequest(NOTES), outline, engine.limits()))
    )
    assert len(engine.requests) == 2
    assert result.text.startswith("# Launch\n\n## Goals\n\nBody of goals.")


def test_stopping_keeps_the_sections_already_written() -> None:
    engine = FakeEngine(answer=scripted_report)
    runner = JobRunner(engine)  # type: ignore[arg-type]
    events = []
    job = report.report_job(report.ReportRequest(NOTES), engine.limits())
    for event in runner.run(job):
        events.append(event)
        if isinstance(event, JobStepDone) and event.step == 2 and len(events) > 5:
            runner.stop()
    result = result_of(events)
    assert result.cancelled
    assert result.text.count("\n## ") == 2
    assert "## Risks" not in result.text
    assert result.detail["sections_done"] == 2


def test_notes_too_long_for_the_context_are_refused_with_a_summary_hint() -> None:
    engine = FakeEngine(n_ctx=1024)
    request = report.ReportRequest("note " * 1500)
    with pytest.raises(InputTooLong) as caught:
        report.report_job(request, engine.limits())
    assert "notes" in str(caught.value)
    assert "Summarize" in str(caught.value)


def test_a_base_model_writes_the_report_as_a_plain_document() -> None:
    def continues(request: Request) -> str:
        if request.prompt.endswith("\n1."):
            return " Summary\n2. Risks"
        return "The login page shipped."

    engine = FakeEngine(answer=continues, base_model=True)
    result = result_of(run(engine, report.report_job(report.ReportRequest(NOTES), engine.limits())))
    assert all(r.kind == "complete" for r in engine.requests)
    assert engine.requests[0].prompt.startswith("Notes:\n- shipped login page")
    assert engine.requests[2].prompt.endswith("## Summary\n\n...\n\n## Risks\n\n")
    assert result.text == (
        "# Status update\n\n## Summary\n\nThe login page shipped.\n\n"
        "## Risks\n\nThe login page shipped.\n"
    )
