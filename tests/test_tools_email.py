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
    assert "'Subject: Re: Q3 budget review' is written already" in system  # no "Re: Re:"
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


def test_finish_fills_in_names_and_writes_the_apps_own_closing() -> None:
    request = email.EmailRequest(notes="x", recipient="Anna", sign_off="Sam Lee")
    text = "Subject: Lunch\n\nDear [Recipient's Name],\n\nLunch is on Friday.\n\nBest,\n[Your Name]"
    draft = email.finish(text, request)
    assert draft.subject == "Lunch"
    assert draft.body == "Dear Anna,\n\nLunch is on Friday.\n\nBest regards,\nSam Lee"

    unsigned = email.finish("Subject: Lunch\n\nHi Anna,\nFriday works.\nBest regards,", request)
    assert unsigned.body == "Hi Anna,\nFriday works.\n\nBest regards,\nSam Lee"
    # The name in the greeting is not a signature; a body that had no closing gets one.
    to_sam = email.EmailRequest(notes="x", sign_off="Sam")
    assert email.finish("Hi Sam,\nThanks for the tickets.", to_sam).body == (
        "Hi Sam,\nThanks for the tickets.\n\nBest regards,\nSam"
    )
    signed = email.finish("Hi Anna,\nSee you.\nCheers,\nSam Lee", request)
    assert signed.body == "Hi Anna,\nSee you.\n\nBest regards,\nSam Lee"
    assert signed.body.count("Sam Lee") == 1


def test_finish_gives_a_reply_without_subject_line_the_original_subject() -> None:
    request = email.EmailRequest(notes="yes", original_email=ORIGINAL)
    draft = email.finish("Hi Alex,\nI will send them on Wednesday.\nSam", request)
    assert draft.subject == "Re: Q3 budget review"
    assert draft.body.startswith("Hi Alex,")
    # The app's subject wins over one the model made up, and is never stacked.
    made_up = email.finish("Subject: Budget numbers\n\nHi Alex,\nWednesday.", request)
    assert made_up.subject == "Re: Q3 budget review"
    # An original without a subject: the model's, as a reply.
    bare = email.EmailRequest(notes="yes", original_email="Hi Sam, numbers please? Alex")
    assert email.finish("Subject: Re: Re: Numbers\n\nHi Alex,\nSure.", bare).subject == (
        "Re: Numbers"
    )


SIGNATURES = [
    # (what the model wrote after the body, language, tone)
    ("Best regards,\nJohn Smith\nProject Manager\nFoxBridge Ltd.\n+1 555 0100", "en", "formal"),
    ("Best regards,\nSam Lee\nBest regards,\nSam Lee\nBest regards,", "en", "professional"),
    ("Sincerely,\n[Your Name]\n[Your Title]\n[Company]", "English", "formal"),
    ("**Kind regards,**\n**Sam Lee**\n\nP.S. Call me on 555 0100.", "en", "formal"),
    ("Thanks,\nJohn", "en", "friendly"),
    ("Mit freundlichen Grüßen\nHans Müller\nGeschäftsführer, Müller GmbH", "de", "formal"),
    ("Viele Grüße,\nHans", "German", "professional"),
    ("Cordialement,\nJean Dupont\nDirecteur commercial", "fr", "professional"),
    ("Saludos cordiales,\nMaría García", "es", "professional"),
    ("Met vriendelijke groet,\nJan de Vries", "nl", "professional"),
    ("С уважением,\nИван Петров", "ru", "professional"),  # noqa: RUF001
    ("--\nJohn Smith | FoxBridge | john@foxbridge.example", "en", "concise"),
    # No closing phrase at all, only a signature block.
    ("John Smith\nProject Manager, FoxBridge", "en", "professional"),
    ("Sender: Sam Lee\nDate", "en", "professional"),
    ("[Your Name]\n[Your Position]", "en", "apologetic"),
]


@pytest.mark.parametrize(("tail", "language", "tone"), SIGNATURES)
@pytest.mark.parametrize("name", ["Sam Lee", ""])
def test_finish_replaces_whatever_closing_and_signature_the_model_wrote(
    tail: str, language: str, tone: str, name: str
) -> None:
    request = email.EmailRequest(notes="x", language=language, tone=tone, sign_off=name)
    text = f"Subject: Lunch\n\nHi Anna,\n\nLunch moves to Friday at 12:30.\n\n{tail}"
    body = email.finish(text, request).body
    closing = email.closing_line(language, tone)
    expected_end = f"\n\n{closing}\n{name}" if name else f"\n\n{closing}"
    assert body == "Hi Anna,\n\nLunch moves to Friday at 12:30." + expected_end
    for invented in ("John", "Smith", "FoxBridge", "555", "[Your", "Müller", "Dupont", "Иван"):
        assert invented not in body


def test_the_apps_closing_follows_language_and_tone() -> None:
    assert email.closing_line("English", "professional") == "Best regards,"
    assert email.closing_line("en", "formal") == "Kind regards,"
    assert email.closing_line("en", "friendly") == "Best wishes,"
    assert email.closing_line("German", "formal") == "Mit freundlichen Grüßen"
    assert email.closing_line("de", "friendly") != email.closing_line("de", "formal")
    assert email.closing_line("fr", "professional") == "Cordialement,"
    assert email.closing_line("Klingon", "professional") == "Best regards,"  # unknown: English
    from desktop_slm.languages import LANGUAGES

    for language in LANGUAGES:
        for tone in email.TONES:
            assert email.closing_line(language.code, tone).strip(), (language, tone)


def test_finish_keeps_body_text_that_merely_contains_a_closing_word() -> None:
    request = email.EmailRequest(notes="x", sign_off="Sam")
    body = (
        "Hi team,\n\nThank you!\n\nThanks to your work the launch went well, and best "
        "regards from the customer too.\nBest of luck with the next release.\n"
        "Regards to everyone in Berlin: the office party is on Friday.\n\nCheers,\nJohn"
    )
    finished = email.finish(f"Subject: Launch\n\n{body}", request).body
    assert finished == body.rsplit("\n\nCheers", 1)[0] + "\n\nBest regards,\nSam"
    # A closing run into the last sentence is cut there too.
    inline = email.finish("Hi Anna,\nLunch is on Friday. Best regards, John Smith", request)
    assert inline.body == "Hi Anna,\nLunch is on Friday.\n\nBest regards,\nSam"
    # "Thank you!" ending the text is a sentence, kept before the app's closing.
    thanks = email.finish("Hi Anna,\nLunch is on Friday.\nThank you!", request)
    assert thanks.body == "Hi Anna,\nLunch is on Friday.\nThank you!\n\nBest regards,\nSam"


def test_a_sender_line_in_the_middle_of_the_body_does_not_sign_it_twice() -> None:
    request = email.EmailRequest(notes="x", sign_off="Sam Lee", tone="friendly")
    text = (
        "Subject: Cake\n\nHi Anna,\n\nThanks for the cake.\n\nSender: Sam Lee\n"
        "From: [Your Name]\nDate: Saturday\n\nSee you at the party on Saturday, it will be fun."
    )
    body = email.finish(text, request).body
    assert body == (
        "Hi Anna,\n\nThanks for the cake.\n\nDate: Saturday\n\n"
        "See you at the party on Saturday, it will be fun.\n\nBest wishes,\nSam Lee"
    )


def test_finish_never_leaves_a_subject_line_in_the_body_nor_an_empty_subject() -> None:
    request = email.EmailRequest(notes="- lunch moves to Friday\n- bring cake", sign_off="")
    repeated = "Subject: Lunch\n\nSubject: Lunch\nHi all,\n**Betreff:** Essen\nLunch is Friday."
    draft = email.finish(repeated, request)
    assert draft.subject == "Lunch"
    assert draft.body == "Hi all,\nLunch is Friday.\n\nBest regards,"
    empty = email.finish("Subject:\n\nHi all,\nLunch is Friday.", request)
    assert empty.subject == "Lunch moves to Friday"
    assert not empty.body.startswith("Subject")
    none = email.finish("Hi all,\nLunch is Friday.", request)
    assert none.subject == "Lunch moves to Friday"
    long = email.finish("Subject: " + "very " * 60 + "long\n\nHi.", request)
    assert len(long.subject) <= email.SUBJECT_MAX_CHARS
    assert long.subject.endswith("…")


def test_only_the_names_the_user_gave_are_filled_in() -> None:
    request = email.EmailRequest(notes="x", recipient="Anna")
    text = "Hi [Recipient's Name],\n\nThe [Project Name] ships Friday.\n\nBest,\n[Your Name]"
    body = email.finish(text, request).body
    assert body == "Hi Anna,\n\nThe [Project Name] ships Friday.\n\nBest regards,"


def test_email_prompts_constrain_the_form_with_a_grammar() -> None:
    new = email.build(email.EmailRequest(notes="lunch on Friday"))
    assert new.grammar is not None
    assert new.grammar.startswith('root ::= "Subject: " subject')
    assert new.completion_grammar is not None
    assert new.completion_grammar.startswith('root ::= " " subject')  # after "Subject:"
    assert new.grammar_until == "\n\n"  # only the head: the body is written freely
    known = email.build(email.EmailRequest(notes="yes", original_email=ORIGINAL))
    # The app writes the known subject: the body is free (a grammar slows every token).
    assert known.grammar is None
    assert known.completion_grammar is None
    assert known.chat_prefix == known.completion_prefix == "Subject: Re: Q3 budget review\n\n"
    unknown = email.build(email.EmailRequest(notes="yes", original_email="Numbers, please?"))
    assert unknown.grammar is not None
    assert '"Subject: Re: "' in unknown.grammar
    assert unknown.chat_prefix == ""


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
