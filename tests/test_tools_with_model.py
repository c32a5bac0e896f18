"""The tools end to end with the real SmolLM2 model: short answers, real structure."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_slm.engine.client import EngineClient
from desktop_slm.engine.protocol import SamplingOptions
from desktop_slm.tools import email, report, translate
from desktop_slm.tools.budget import ModelLimits
from desktop_slm.tools.jobs import (
    Job,
    JobPreview,
    JobProgress,
    JobResult,
    JobRunner,
    JobToken,
    allowed_tokens,
)

pytestmark = pytest.mark.slow

GREEDY = SamplingOptions(temperature=0.0, seed=3)
ORIGINAL = (
    "Subject: Q3 budget numbers\n\n"
    "Hi Sam,\nCould you send me the Q3 budget numbers by Thursday? They are for the board.\n"
    "Thanks,\nAlex\n"
)


@pytest.fixture(scope="module")
def smol(smollm2_path: Path) -> Iterator[EngineClient]:
    client = EngineClient()
    try:
        client.load(smollm2_path, n_ctx=1024, n_threads=1)  # see test_cli_tools
        yield client
    finally:
        client.close()


def run_job(client: EngineClient, job: Job) -> tuple[JobResult, list[object]]:
    events = list(JobRunner(client, GREEDY).run(job))
    result = events[-1]
    assert isinstance(result, JobResult)
    assert not result.cancelled
    return result, events


def test_a_short_email_reply(smol: EngineClient) -> None:
    request = email.EmailRequest(
        notes="yes, I will send them on Wednesday",
        original_email=ORIGINAL,
        sign_off="Sam",
        length="short",
    )
    result, events = run_job(smol, email.job(request, ModelLimits.of(smol, max_answer_tokens=40)))
    streamed = "".join(e.text for e in events if isinstance(e, JobToken))
    # What was streamed is the answer, unless the guards shortened it (then a preview
    # replaces it with exactly the answer).
    replaced = [e.text for e in events if isinstance(e, JobPreview)]
    assert (replaced[-1] if replaced else streamed).strip() == result.text.strip()
    assert 1 <= result.completion_tokens <= allowed_tokens(40)
    draft = email.finish(result.text, request)
    assert draft.subject.startswith("Re:")
    assert "budget" in draft.subject.lower()
    assert len(draft.body.split()) >= 5
    assert draft.body.rstrip().endswith("Sam")


def test_a_two_section_report(smol: EngineClient) -> None:
    request = report.ReportRequest(
        notes="- login page shipped on Monday\n- payment API delayed by the vendor\n",
        kind="status",
        max_sections=2,
    )
    job = report.report_job(request, ModelLimits.of(smol, max_answer_tokens=24))
    result, events = run_job(smol, job)
    labels = [e.label for e in events if isinstance(e, JobProgress)]
    assert labels[0] == "Planning the sections"
    assert [label.split(":")[0] for label in labels[1:]] == [
        "Writing section 1 of 2",
        "Writing section 2 of 2",
    ]
    assert result.text.startswith("# ")
    sections = result.text.split("\n## ")[1:]
    assert len(sections) == 2
    for section in sections:
        title, _, body = section.partition("\n\n")
        assert title.strip()
        assert len(body.split()) >= 3, section
    assert result.requests == 3


def test_a_three_paragraph_translation_keeps_its_paragraphs(smol: EngineClient) -> None:
    text = (
        "The ferry leaves at nine.\n\n"
        "Tickets are sold at the harbour.\n\n"
        "- bring a coat\n- arrive early\n"
    )
    request = translate.TranslateRequest(text, target="French")
    result, events = run_job(
        smol, translate.job(request, ModelLimits.of(smol, max_answer_tokens=24))
    )
    assert result.detail["detected"] == "en"
    paragraphs = result.text.split("\n\n")
    assert len(paragraphs) == 3
    assert all(p.strip() for p in paragraphs)
    items = paragraphs[2].splitlines()
    assert len(items) == 2
    assert all(item.startswith("- ") and item[2:].strip() for item in items)
    assert result.text.endswith("\n")
    assert next(e.total for e in events if isinstance(e, JobProgress)) == 3


EMAIL_NOTES = (
    "lunch with the design team moves to Friday 12:30",
    "invoice 4471 is 14 days overdue, 1,250 EUR, please pay by 12 March",
    "thank Anna for the review; the demo at 10:00 is still on",
)


@pytest.fixture(scope="module", params=["smollm2", "gemma3-base"])
def any_model(request: pytest.FixtureRequest) -> Iterator[EngineClient]:
    """Each test model in turn: the chat model, and the base model (completion prompt)."""
    path = request.getfixturevalue(
        "smollm2_path" if request.param == "smollm2" else "gemma_base_path"
    )
    client = EngineClient()
    try:
        client.load(path, n_ctx=1024, n_threads=1)
        yield client
    finally:
        client.close()


def test_every_email_has_a_subject_and_the_apps_closing(any_model: EngineClient) -> None:
    limits = ModelLimits.of(any_model, max_answer_tokens=48)
    requests = [
        email.EmailRequest(notes=notes, sign_off="Sam Lee", recipient="Anna", tone=tone)
        for notes, tone in zip(EMAIL_NOTES, ("professional", "formal", "friendly"), strict=True)
    ]
    requests.append(  # a reply to an email without a subject: the model writes one
        email.EmailRequest(
            notes="yes, Thursday works",
            original_email="Hi Sam,\nCan you send the numbers by Thursday?\nAlex",
            sign_off="",
        )
    )
    for request in requests:
        result, _ = run_job(any_model, email.job(request, limits))
        head = result.text.lstrip().splitlines()[0]
        assert head.startswith("Subject: "), result.text
        assert head[len("Subject: ") :].strip(), result.text
        draft = email.finish(result.text, request)
        assert draft.subject.strip()
        assert "\n" not in draft.subject
        body_lines = draft.body.splitlines()
        assert not any(email.subject_of(line) is not None for line in body_lines), draft.body
        closing = email.closing_line(request.language, request.tone)
        ending = [closing, request.sign_off] if request.sign_off else [closing]
        assert body_lines[-len(ending) :] == ending, draft.body
        assert len(draft.body.split()) > len(" ".join(ending).split())  # a body above it
