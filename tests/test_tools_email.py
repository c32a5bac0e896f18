"""Email prompts (new and reply), the finished draft, the mailto: link, and rewrites."""

from __future__ import annotations

import urllib.parse

import pytest

from desktop_slm.errors import OptionError, UserFacingError
from desktop_slm.tools import email, rewrite
from desktop_slm.tools.budget import InputTooLong
from tests.test_tools_jobs import FakeEngine, result_of, run

ORIGINAL = (
    "From: Alex Morgan <alex@example.com>\n"
    "Subject: Re: Q3 budget review\n"
    "\n"
    "Hi Sam,\nCan you send me the Q3 budget numbers by Thursday?\nThanks,\nAlex\n"
)


def test_new_email_prompt_carries_notes_tone_language_and_names() -> None:
    request = email.EmailRequest(
        notes="- lunch moved to Friday",
        tone="friendly",
        length="short",
        language="fr",
        recipient="Anna",
        relationship="my colleague",
        sign_off="Sam",
    )
    prompt = email.build(request)
    system, user = (m["content"] for m in prompt.messages)
    assert "Write in French" in system
    assert "warm and friendly" in system
    assert "- lunch moved to Friday" in user
    assert "Anna (my colleague)" in user
    assert "Sign the email as: Sam" in user
    assert prompt.suggested_max_tokens == email.LENGTHS["short"][1]
    assert prompt.completion_prompt.endswith("Email:\nSubject:")


def test_reply_prompt_has_the_original_as_context_and_the_notes_as_the_answer() -> None:
    request = email.EmailRequest(notes="yes, Wednesday", original_email=ORIGINAL, sign_off="Sam")
    assert request.is_reply
    prompt = email.build(request)
    system, user = (m["content"] for m in prompt.messages)
    assert "replies" in system
    assert "Subject: Re: Q3 budget review" in system  # no "Re: Re:"
    assert "Original email:\n" + ORIGINAL.strip() in user
    assert "What the reply should say:\nyes, Wednesday" in user
    # A base model continues a document that already has the reply's subject line.
    assert prompt.completion_prompt.endswith("Reply:\nSubject: Re: Q3 budget review\n\n")
    assert prompt.completion_prefix == "Subject: Re: Q3 budget review\n\n"


def test_a_reply_needs_no_notes_but_a_new_email_does() -> None:
    email.build(email.EmailRequest(notes="", original_email=ORIGINAL))
    with pytest.raises(OptionError, match="notes"):
        email.build(email.EmailRequest(notes="  "))
    with pytest.raises(OptionError, match="tone"):
        email.build(email.EmailRequest(notes="x", tone="grumpy"))


def test_remembered_tone_and_length_fall_back_to_the_defaults_when_unknown() -> None:
    from desktop_slm.config import Settings

    assert email.remembered_options(Settings(email_tone="friendly", email_length="short")) == (
        "friendly",
        "short",
    )
    # A hand-edited settings file with names this tool does not know.
    default = Settings()
    assert email.remembered_options(Settings(email_tone="grumpy", email_length="epic")) == (
        default.email_tone,
        default.email_length,
    )


def test_finish_fills_in_names_the_model_left_as_placeholders() -> None:
    request = email.EmailRequest(notes="x", recipient="Anna", sign_off="Sam Lee")
    text = "Subject: Lunch\n\nDear [Recipient's Name],\n\nLunch is on Friday.\n\nBest,\n[Your Name]"
    draft = email.finish(text, request)
    assert draft.subject == "Lunch"
    assert draft.body == "Dear Anna,\n\nLunch is on Friday.\n\nBest,\nSam Lee"

    unsigned = email.finish("Subject: Lunch\n\nHi Anna,\nFriday works.\nBest regards,", request)
    assert unsigned.body.endswith("Best regards,\nSam Lee")
    # The name in the greeting is not a signature.
    to_sam = email.EmailRequest(notes="x", sign_off="Sam")
    assert email.finish("Hi Sam,\nThanks for the tickets.", to_sam).body.endswith("tickets.\n\nSam")
    signed = email.finish("Hi Anna,\nSee you.\nCheers,\nSam Lee", request)
    assert signed.body.count("Sam Lee") == 1


def test_finish_gives_a_reply_without_subject_line_the_original_subject() -> None:
    request = email.EmailRequest(notes="yes", original_email=ORIGINAL)
    draft = email.finish("Hi Alex,\nI will send them on Wednesday.\nSam", request)
    assert draft.subject == "Re: Q3 budget review"
    assert draft.body.startswith("Hi Alex,")


def test_mailto_url_encodes_everything_and_round_trips() -> None:
    draft = email.EmailDraft(
        subject="Q3 & Q4: 50% done? #1 + café",
        body="Hi Anna,\n\nLine two = ok?\r\nBest,\nSam",
    )
    link = email.mailto_url(draft, to="anna@example.com, bo@example.org")
    assert not link.trimmed
    assert link.notice == ""
    assert link.url.startswith("mailto:anna@example.com,bo@example.org?subject=")
    assert " " not in link.url
    assert "+" not in link.url  # a + would read as a space in some clients
    assert "%0D%0A" in link.url
    query = urllib.parse.urlsplit(link.url).query
    fields = dict(pair.split("=", 1) for pair in query.split("&"))
    assert urllib.parse.unquote(fields["subject"]) == draft.subject
    assert urllib.parse.unquote(fields["body"]) == "Hi Anna,\r\n\r\nLine two = ok?\r\nBest,\r\nSam"


def test_mailto_url_trims_a_long_body_with_a_note_and_says_how_much() -> None:
    body = "\n".join(f"Paragraph {i}: the ferry timetable changes on Monday." for i in range(200))
    link = email.mailto_url(email.EmailDraft("Timetable", body))
    assert len(link.url) <= email.MAILTO_MAX_CHARS
    assert link.trimmed
    decoded = urllib.parse.unquote(urllib.parse.urlsplit(link.url).query.split("body=")[1])
    assert decoded.endswith(email.TRIM_NOTE)
    kept = decoded[: -len(email.TRIM_NOTE)].rstrip()
    assert body.replace("\n", "\r\n").startswith(kept)
    assert link.omitted_chars == len(body.replace("\n", "\r\n")) - len(kept)
    assert f"{link.omitted_chars:,} characters" in link.notice
    # Non-ASCII text takes three times the room once encoded; still within the limit.
    wide = email.mailto_url(email.EmailDraft("Grüße", "Grüße aus Köln. " * 300))
    assert len(wide.url) <= email.MAILTO_MAX_CHARS
    assert wide.trimmed


def test_email_job_refuses_an_original_too_long_for_the_context() -> None:
    engine = FakeEngine(n_ctx=512)
    request = email.EmailRequest(notes="ok", original_email="blah " * 900)
    with pytest.raises(InputTooLong, match="original email"):
        email.job(request, engine.limits())


def test_base_model_email_prompt_is_a_plain_document() -> None:
    engine = FakeEngine(
        answer=lambda r: " Lunch moved\n\nHi all, lunch is Friday.", base_model=True
    )
    job = email.job(email.EmailRequest(notes="lunch moved to Friday"), engine.limits())
    result = result_of(run(engine, job))
    assert engine.requests[0].kind == "complete"
    assert "<|" not in engine.requests[0].prompt
    assert email.split_subject(result.text) == email.EmailDraft(
        "Lunch moved", "Hi all, lunch is Friday."
    )


# ---------------------------------------------------------------- rewrite
@pytest.mark.parametrize("action", list(rewrite.ACTIONS))
def test_every_rewrite_action_builds_both_prompt_shapes(action: str) -> None:
    text = "Subject: Lunch\n\nhi anna, lunch is friday. dont forget.\n"
    prompt = rewrite.build(rewrite.RewriteRequest(text, action, kind="email"))
    system, user = (m["content"] for m in prompt.messages)
    assert "Subject:" in system  # the subject line survives a rewrite
    assert user.endswith(text.strip())
    assert rewrite.ACTIONS[action].instruction in user
    assert prompt.completion_prompt.startswith("Original email:\n")
    assert prompt.completion_prompt.endswith(f"{rewrite.ACTIONS[action].description}:\n")


def test_longer_gets_a_bigger_answer_budget_than_shorter() -> None:
    text = "The ferry leaves at nine. " * 20
    shorter = rewrite.build(rewrite.RewriteRequest(text, "shorter"))
    longer = rewrite.build(rewrite.RewriteRequest(text, "longer"))
    assert longer.suggested_max_tokens > 2 * shorter.suggested_max_tokens


def test_rewrite_refuses_empty_text_unknown_actions_and_overlong_text() -> None:
    with pytest.raises(UserFacingError, match="no text"):
        rewrite.build(rewrite.RewriteRequest(" ", "shorter"))
    with pytest.raises(UserFacingError, match="fix"):
        rewrite.build(rewrite.RewriteRequest("text", "funnier"))
    engine = FakeEngine(n_ctx=1024)
    with pytest.raises(InputTooLong, match="text to rewrite"):
        rewrite.job(rewrite.RewriteRequest("word " * 1200, "fix"), engine.limits())
    job = rewrite.job(rewrite.RewriteRequest("hello wrld", "fix"), engine.limits())
    assert result_of(run(engine, job)).text == "fine"
