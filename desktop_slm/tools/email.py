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
    "betreff",
    "objet",
    "asunto",
    "oggetto",
    "assunto",
    "onderwerp",
)


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
        label, sep, rest = line.partition(":")
        if sep and label.strip().strip("*").lower() in SUBJECT_LABELS:
            return rest.strip().strip("*").strip()
    return ""


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
    subject_rule = (
        f"first the line 'Subject: {subject}'"
        if subject
        else "first a line 'Subject: Re: ...' that fits the original email"
    )
    system = (
        "You are a writing assistant that drafts replies to emails. "
        f"Write in {language}. Keep the tone {tone}. "
        f"Reply with the email only: {subject_rule}, then a blank line, then the body "
        "with a greeting and a closing. Answer the original email as the notes say; use "
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
        label, sep, rest = line.partition(":")
        if sep and label.strip().strip("*").lower() in SUBJECT_LABELS:
            body = "\n".join(lines[index + 1 :]).strip()
            return EmailDraft(rest.strip().strip("*").strip(), body)
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
    """Subject and body of a generated email, with the names the user gave filled in.

    Small models write "[Your Name]" or "[Recipient's Name]" even when told the
    names; those placeholders are replaced, and a sign-off name missing from the
    end of the body is added. A reply without a subject line gets "Re: <original>".
    """
    draft = split_subject(text)
    subject = draft.subject
    if not subject and request.is_reply:
        subject = reply_subject(original_subject(request.original_email))
    body = draft.body
    sign_off = request.sign_off.strip()
    recipient = request.recipient.strip()
    if sign_off:
        body = _SENDER_PLACEHOLDER.sub(sign_off, body)
        # The last two lines after the greeting: "Hi Sam," is not a signature.
        closing = [line for line in body.splitlines() if line.strip()][1:][-2:]
        if not any(sign_off.casefold() in line.casefold() for line in closing):
            body = body.rstrip()
            last = body.splitlines()[-1] if body else ""
            body += ("\n" if last.rstrip().endswith(",") else "\n\n") + sign_off
    if recipient:
        body = _RECIPIENT_PLACEHOLDER.sub(recipient, body)
    return EmailDraft(subject, body)


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
