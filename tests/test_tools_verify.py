"""Which input each tool's answer is checked against (``tools/verify.py``)."""

from __future__ import annotations

from desktop_slm.tools import email, report, translate, verify


def test_words_of_the_apps_own_prompt_and_the_outline_are_not_invented() -> None:
    request = report.ReportRequest(
        notes="- shipped the login page on 3 May\n- next: payments with Stripe\n- risk: Maria",
        language="English",
    )
    text = (
        "# Status Report\n\n## Summary\n\nWe shipped the login page on 3 May, written in "
        "English.\n\n## Next Steps\n\nPayments with Stripe. Peter Hall will help.\n\n"
        "## Risks and Root Cause\n\nMaria is the only tester."
    )
    check = verify.check_answer("report", request, text)
    assert [detail.text for detail in check.invented] == ["Peter Hall"]
    assert check.missing == ()


def test_an_email_is_checked_against_notes_and_original_with_the_given_names() -> None:
    request = email.EmailRequest(
        notes="yes, Tuesday at 10:00 works",
        recipient="Bob Stone",
        sign_off="Sam Lee",
        original_email="Subject: Meeting\n\nHi Sam, does Tuesday at 10:00 in room B12 work?\nBob",
    )
    text = (
        "Subject: Re: Meeting\n\nHi Bob,\n\nyes, Tuesday at 10:00 in room B12 works for me. "
        "I will bring Laura Weiss.\n\nBest regards,\nSam Lee"
    )
    check = verify.check_answer("email", request, text)
    assert [detail.text for detail in check.invented] == ["Laura Weiss"]
    assert check.missing == ()


def test_a_translation_is_checked_against_its_source_text() -> None:
    request = translate.TranslateRequest("Rechnung RE-2025-0042 über 4.800 € bis 12. Mai.", "en")
    good = verify.check_answer("translate", request, "Invoice RE-2025-0042 for €4,800 by 12 May.")
    assert good.clean
    assert good.total >= 3
    wrong = verify.check_answer("translate", request, "Invoice RE-2025-0042 for €4,300 by 12 May.")
    assert [detail.text for detail in wrong.missing] == ["4.800 €"]


def test_the_apps_own_closing_is_not_invented() -> None:
    request = email.EmailRequest(
        notes="remercier Claire pour le dîner de vendredi",
        tone="friendly",
        language="French",
        sign_off="Sam",
    )
    closing = email.closing_line("French", "friendly")
    body = "Bonjour Claire,\n\nMerci pour le dîner de vendredi."
    text = f"Subject: Merci\n\n{body}\n\n{closing}\nSam"
    check = verify.check_answer("email", request, text)
    assert check.invented == ()
