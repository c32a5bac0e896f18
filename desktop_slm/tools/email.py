"""Email: write a new email from notes or a reply to one, and hand it to a mail client."""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass

from desktop_slm.config import Settings
from desktop_slm.errors import OptionError
from desktop_slm.languages import language_name
from desktop_slm.tools.budget import ModelLimits
from desktop_slm.tools.jobs import Job, single_step
from desktop_slm.tools.prompt import ToolPrompt
from desktop_slm.tools.signoff import closing_line, replace_closing

TONES: dict[str, str] = {
    "professional": "professional and clear",
    "friendly": "warm and friendly",
    "formal": "formal and polite",
    "concise": "concise and to the point",
    "apologetic": "sincerely apologetic",
    "persuasive": "persuasive and confident",
}
LENGTHS: dict[str, tuple[str, int]] = {
    # length -> (instruction, token budget for the answer)
    "short": ("at most 80 words", 200),
    "medium": ("about 120 to 180 words", 400),
    "long": ("about 250 to 350 words", 700),
}
SUBJECT_LABELS = (
    "subject",
    "subject line",
    "betreff",
    "objet",
    "sujet",
    "asunto",
    "oggetto",
    "assunto",
    "onderwerp",
    "temat",
    "ämne",
    "emne",
    "aihe",
    "předmět",
    "predmet",
    "subiect",
    "tárgy",
    "θέμα",
    "тема",
    "konu",
    "נושא",
    "الموضوع",
    "विषय",
    "主题",
    "主題",
    "件名",
    "제목",
    "perihal",
    "chủ đề",
    "tiêu đề",
    "เรื่อง",
)
"""Labels of a subject line in the languages the app offers ("Subject:", "Betreff:")."""
SUBJECT_MAX_CHARS = 120

# GBNF (llama.cpp's grammar format): a subject of one line that starts with a visible
# character, then a blank line. Only this head is constrained (``grammar_until``): the
# body is free text, the app's to check.
_SUBJECT_RULE = f"subject ::= [^ \\t\\r\\n] [^\\r\\n]{{0,{SUBJECT_MAX_CHARS - 1}}}\n"
HEAD_END = "\n\n"
"""The grammar holds up to here: the blank line after the subject."""


def _grammar(start: str) -> str:
    """An answer that starts with ``start`` (a GBNF string), a subject and a blank line."""
    return f'root ::= "{start}" subject "\\n\\n"\n' + _SUBJECT_RULE


EMAIL_GRAMMAR = _grammar("Subject: ")
"""The head of an email: "Subject: …" and a blank line."""


def remembered_options(settings: Settings) -> tuple[str, str]:
    """The tone and length chosen last; a name this tool does not know gives its default."""
    default = Settings()
    tone = settings.email_tone if settings.email_tone in TONES else default.email_tone
    length = settings.email_length if settings.email_length in LENGTHS else default.email_length
    return tone, length


@dataclass(frozen=True)
class EmailRequest:
    """The Email tab's form. A non-empty ``original_email`` makes it a reply."""

    notes: str
    tone: str = "professional"
    length: str = "medium"
    language: str = "English"
    recipient: str = ""
    """Who the email is to, by name ("Anna")."""
    sign_off: str = ""
    """The name the email is signed with."""
    original_email: str = ""
    """The email being answered (reply mode); the notes say what to answer."""
    relationship: str = ""
    """Who the recipient is to the writer ("my manager", "a customer")."""

    @property
    def is_reply(self) -> bool:
        return bool(self.original_email.strip())

    def check(self) -> None:
        if not self.notes.strip() and not self.is_reply:
            raise OptionError("Write a few notes about what the email should say.")
        if self.tone not in TONES:
            raise OptionError(f"Unknown tone {self.tone!r}; choose one of: {', '.join(TONES)}.")
        if self.length not in LENGTHS:
            raise OptionError(
                f"Unknown length {self.length!r}; choose one of: {', '.join(LENGTHS)}."
            )
        if not self.language.strip():
            raise OptionError("Name the language the email should be written in.")


def original_subject(email_text: str) -> str:
    """The subject of a pasted email (its header block or a first 'Subject:' line)."""
    for line in email_text.strip().splitlines()[:15]:
        subject = subject_of(line)
        if subject is not None:
            return subject
    return ""


def subject_of(line: str) -> str | None:
    """The subject if ``line`` is a subject line ("Subject: …", "**Betreff:** …"), else None."""
    # A fullwidth colon (Chinese, Japanese) counts as a colon.
    label, sep, rest = line.replace("\uff1a", ":", 1).partition(":")
    label = label.strip().strip("*_#").strip().casefold()
    if sep and label in SUBJECT_LABELS:
        return rest.strip().strip("*_").strip()
    return None


def reply_subject(subject: str) -> str:
    """``Re: subject`` without stacking prefixes (``Re: Re: …``)."""
    stripped = re.sub(r"^\s*((re|aw|sv|antw|r)\s*:\s*)+", "", subject, flags=re.IGNORECASE)
    return f"Re: {stripped.strip()}" if stripped.strip() else ""


def build(request: EmailRequest) -> ToolPrompt:
    """The prompt for a new email from ``request.notes``, or for a reply."""
    request.check()
    if request.is_reply:
        return _build_reply(request)
    tone = TONES[request.tone]
    length, budget = LENGTHS[request.length]
    language = language_name(request.language)
    system = (
        "You are a writing assistant that drafts emails. "
        f"Write in {language}. Keep the tone {tone}. "
        "Reply with the email only: first a line 'Subject: ...', then a blank line, "
        "then the body with a greeting and a closing. Use only facts from the notes; "
        "do not invent names, dates or numbers."
    )
    user = f"Write an email from these notes.\n\nNotes:\n{request.notes.strip()}\n\n" + " ".join(
        _details(request, length)
    )
    sign = f"\n(The email is signed by {request.sign_off.strip()}.)" if request.sign_off else ""
    to = f" to {request.recipient.strip()}" if request.recipient.strip() else ""
    completion = (
        f"Below are notes, followed by a {tone} email in {language}{to} written from them "
        f"({length}).{sign}\n\n"
        f"Notes:\n{request.notes.strip()}\n\n"
        "Email:\nSubject:"
    )
    return ToolPrompt(
        messages=({"role": "system", "content": system}, {"role": "user", "content": user}),
        completion_prompt=completion,
        completion_stop=("\nNotes:", "\n\n\n\n"),
        completion_prefix="Subject:",
        suggested_max_tokens=budget,
        grammar=EMAIL_GRAMMAR,
        completion_grammar=_grammar(" "),
        grammar_until=HEAD_END,
    )


def _details(request: EmailRequest, length: str) -> list[str]:
    details = [f"Length: {length}."]
    recipient = request.recipient.strip()
    relationship = request.relationship.strip()
    if recipient and relationship:
        details.append(f"Recipient: {recipient} ({relationship}).")
    elif recipient:
        details.append(f"Recipient: {recipient}.")
    elif relationship:
        details.append(f"The recipient is {relationship}.")
    if request.sign_off.strip():
        details.append(f"Sign the email as: {request.sign_off.strip()}.")
    return details


def _build_reply(request: EmailRequest) -> ToolPrompt:
    tone = TONES[request.tone]
    length, budget = LENGTHS[request.length]
    language = language_name(request.language)
    original = request.original_email.strip()
    subject = reply_subject(original_subject(original))
    notes = request.notes.strip()
    form = (
        f"The line 'Subject: {subject}' is written already: reply with the body only, "
        "with a greeting and a closing."
        if subject
        else "Reply with the email only: first a line 'Subject: Re: ...' that fits the "
        "original email, then a blank line, then the body with a greeting and a closing."
    )
    system = (
        "You are a writing assistant that drafts replies to emails. "
        f"Write in {language}. Keep the tone {tone}. "
        f"{form} Answer the original email as the notes say; use "
        "only facts from the original email and the notes; do not invent names, dates "
        "or numbers."
    )
    what = (
        f"What the reply should say:\n{notes}"
        if notes
        else "What the reply should say: a polite answer to the points it raises."
    )
    user = f"Write a reply to this email.\n\nOriginal email:\n{original}\n\n{what}\n\n" + " ".join(
        _details(request, length)
    )
    prefix = f"Subject: {subject}\n\n" if subject else "Subject:"
    sign = f" It is signed by {request.sign_off.strip()}." if request.sign_off.strip() else ""
    completion = (
        f"Below is an email, notes on how to answer it, and the {tone} reply in {language} "
        f"written from them ({length}).{sign}\n\n"
        f"Original email:\n{original}\n\n"
        f"Notes for the reply:\n{notes or 'a polite answer to the points it raises'}\n\n"
        f"Reply:\n{prefix}"
    )
    return ToolPrompt(
        messages=({"role": "system", "content": system}, {"role": "user", "content": user}),
        completion_prompt=completion,
        completion_stop=("\nOriginal email:", "\nNotes for the reply:", "\n\n\n\n"),
        completion_prefix=prefix,
        suggested_max_tokens=budget,
        # A known subject is the app's ("Re: <original subject>"); the model writes the body.
        grammar=None if subject else _grammar("Subject: Re: "),
        completion_grammar=None if subject else _grammar(" Re: "),
        grammar_until=HEAD_END,
        chat_prefix=prefix if subject else "",
    )


def job(request: EmailRequest, limits: ModelLimits) -> Job:
    """One request; refused up front when the notes (and original) cannot fit the context."""
    prompt = build(request)
    what = "original email with the notes" if request.is_reply else "notes"
    label = "Writing the reply" if request.is_reply else "Writing the email"
    return single_step(prompt, limits, label=label, what=what)


@dataclass(frozen=True)
class EmailDraft:
    subject: str
    body: str


def split_subject(text: str) -> EmailDraft:
    """Separate a 'Subject:' line from the body; no subject line gives an empty subject."""
    stripped = text.strip()
    lines = stripped.splitlines()
    for index, line in enumerate(lines[:3]):
        subject = subject_of(line)
        if subject is not None:
            body = "\n".join(lines[index + 1 :]).strip()
            return EmailDraft(subject, body)
    return EmailDraft("", stripped)


_SENDER_PLACEHOLDER = re.compile(
    r"\[(?:your|my|sender'?s?)\s+(?:full\s+)?name\]|\[name of (?:the )?sender\]", re.IGNORECASE
)
_RECIPIENT_PLACEHOLDER = re.compile(
    r"\[(?:recipient'?s?|their|the recipient'?s?)(?:\s+(?:full\s+)?name)?\]"
    r"|\[name of (?:the )?recipient\]",
    re.IGNORECASE,
)


def finish(text: str, request: EmailRequest) -> EmailDraft:
    """The email as the app sends it: the model's subject and body, the app's form.

    * The subject is never empty: a reply to an email with a subject is
      "Re: <its subject>" (the app's, whatever the model wrote); otherwise the model's
      subject, or one taken from the notes when the model wrote none. At most
      :data:`SUBJECT_MAX_CHARS` characters.
    * No "Subject:" line is left in the body (models repeat it).
    * The model's closing and signature go (names, titles, companies, phone numbers,
      "[Your Name]", repeated sign-offs); the app writes the closing for the language
      and tone, then the sign-off name on its own line (no name: the closing alone).
    * "[Your Name]" and "[Recipient's Name]" in the text are filled in when the user gave
      those names; any other placeholder is left for the user (and the fact check).
    """
    draft = split_subject(text)
    subject = draft.subject
    if request.is_reply:
        known = reply_subject(original_subject(request.original_email))
        subject = known or reply_subject(subject)
    if not subject:
        subject = _subject_from(request.notes or request.original_email, request.is_reply)
    subject = _shorten(subject, SUBJECT_MAX_CHARS)
    body = "\n".join(line for line in draft.body.splitlines() if subject_of(line) is None)
    sign_off = request.sign_off.strip()
    recipient = request.recipient.strip()
    if sign_off:
        body = _SENDER_PLACEHOLDER.sub(sign_off, body)
    if recipient:
        body = _RECIPIENT_PLACEHOLDER.sub(recipient, body)
    body = replace_closing(body, closing_line(request.language, request.tone), sign_off)
    return EmailDraft(subject, body)


def _subject_from(notes: str, reply: bool) -> str:
    """A subject from the first line of the notes, for a model that wrote none."""
    for line in notes.splitlines():
        words = re.sub(r"^[\s\-*•>#\d.)]+", "", line).strip().rstrip(".,;:").split()
        if words:
            first = " ".join(words[:8])
            subject = first[:1].upper() + first[1:]
            return reply_subject(subject) if reply else subject
    return "Re: your email" if reply else "A note"


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:-") + "…"


# ---------------------------------------------------------------- mailto
MAILTO_MAX_CHARS = 2000
"""Longer mailto: URLs are cut or refused by some systems and mail clients (Outlook,
Windows' ShellExecute); 2,000 characters is the commonly safe limit."""

TRIM_NOTE = "[…] (Shortened to fit a mail link: copy the full text from Desktop SLM.)"


@dataclass(frozen=True)
class MailtoLink:
    url: str
    trimmed: bool
    """The body was shortened to fit the limit (a note at its end says so)."""
    omitted_chars: int = 0

    @property
    def notice(self) -> str:
        """A sentence for the user when the body was shortened, else empty."""
        if not self.trimmed:
            return ""
        return (
            f"The email is too long for a mail link; the last {self.omitted_chars:,} "
            "characters were left out. Copy the full text into the mail instead."
        )


def _quote(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def _crlf(text: str) -> str:
    return re.sub(r"\r\n|\r|\n", "\r\n", text)


def mailto_url(
    draft: EmailDraft, to: str = "", *, max_length: int = MAILTO_MAX_CHARS
) -> MailtoLink:
    """A ``mailto:`` URL (RFC 6068) with subject and body, at most ``max_length`` long.

    Everything is percent-encoded as UTF-8 (spaces as %20, line breaks as %0D%0A).
    A body that does not fit is cut at a word boundary and ends with a note.
    """
    addresses = ",".join(
        urllib.parse.quote(address.strip(), safe="@") for address in to.split(",") if address
    )
    subject = draft.subject.strip()
    body = _crlf(draft.body.strip())

    def url(body_text: str, subject_text: str) -> str:
        fields = []
        if subject_text:
            fields.append(f"subject={_quote(subject_text)}")
        if body_text:
            fields.append(f"body={_quote(body_text)}")
        return f"mailto:{addresses}" + ("?" + "&".join(fields) if fields else "")

    full = url(body, subject)
    if len(full) <= max_length:
        return MailtoLink(full, trimmed=False)
    note = "\r\n\r\n" + TRIM_NOTE
    while subject and len(url(note, subject)) > max_length:
        subject = subject[: max(0, len(subject) - 10)].rstrip()
    low, high = 0, len(body)  # the most body characters that still fit with the note
    while low < high:
        middle = (low + high + 1) // 2
        if len(url(body[:middle] + note, subject)) <= max_length:
            low = middle
        else:
            high = middle - 1
    kept = body[:low]
    boundary = max(kept.rfind(" "), kept.rfind("\n"))
    if boundary > len(kept) * 0.8:
        kept = kept[:boundary]
    kept = kept.rstrip()
    link = url(kept + note, subject) if kept else url(TRIM_NOTE, subject)
    return MailtoLink(link, trimmed=True, omitted_chars=len(body) - len(kept))
