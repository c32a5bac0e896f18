"""Check a tool's answer against that tool's input: one rule for the window and the CLI."""

from __future__ import annotations

import re

from desktop_slm.checking.facts import FactCheck, check_facts
from desktop_slm.languages import LANGUAGES
from desktop_slm.tools import signoff
from desktop_slm.tools.email import EmailRequest
from desktop_slm.tools.report import ReportRequest
from desktop_slm.tools.rewrite import RewriteRequest
from desktop_slm.tools.summarize import SummarizeRequest
from desktop_slm.tools.translate import TranslateRequest

TOOLS = ("email", "report", "translate", "summarize", "rewrite")

PROMPT_WORDS = (*(language.name for language in LANGUAGES), "Markdown", "Outline")
"""Words of the app's own prompts (languages are named to the model in English): a model
that repeats them has not invented anything."""


def check_answer(tool: str, request: object, text: str) -> FactCheck:
    """The fact check of ``text``, the answer ``tool`` gave to ``request``.

    The source is what the user gave that tool: an email's notes and the email it
    answers (the recipient and the sign-off are given names, never invented); a report's
    notes (its title and instruction are given); the text a translation or a summary was
    made from (a summary is compared with the whole document); the text a follow-up
    rewrote.
    """
    if tool == "email" and isinstance(request, EmailRequest):
        source = "\n\n".join(p for p in (request.notes, request.original_email) if p.strip())
        # The closing is the app's own ("Amicalement," for a friendly French email).
        closing = signoff.closing_line(request.language, request.tone)
        given = (request.recipient, request.sign_off, closing, *PROMPT_WORDS)
        return check_facts(source, text, given=given, kind="email")
    if tool == "report" and isinstance(request, ReportRequest):
        # The headings are the outline's, which the user saw and could edit.
        headings = re.findall(r"(?m)^#{1,6}\s+(.+)$", text)
        given = (request.title, request.instruction, *headings, *PROMPT_WORDS)
        return check_facts(request.notes, text, given=given, kind="report")
    if tool == "translate" and isinstance(request, TranslateRequest):
        return check_facts(request.text, text, given=PROMPT_WORDS, kind="translation")
    if tool == "summarize" and isinstance(request, SummarizeRequest):
        given = (request.focus, *PROMPT_WORDS)
        return check_facts(request.text, text, given=given, kind="summary")
    if tool == "rewrite" and isinstance(request, RewriteRequest):
        # A rewrite keeps every detail of the text it rewrote, whatever that text was.
        kind = "email" if request.kind == "email" else "report"
        return check_facts(
            request.text, text, given=PROMPT_WORDS, kind=kind, source_name="the text before"
        )
    raise TypeError(f"no fact check for tool {tool!r} with a {type(request).__name__}")
