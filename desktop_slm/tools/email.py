"""Email: write a new email from notes, in the tone, length and language asked for."""

from __future__ import annotations

from dataclasses import dataclass

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


class EmailOptionError(ValueError):
    pass


@dataclass(frozen=True)
class EmailRequest:
    notes: str
    tone: str = "professional"
    length: str = "medium"
    language: str = "English"
    recipient: str = ""
    sign_off: str = ""

    def check(self) -> None:
        if not self.notes.strip():
            raise EmailOptionError("Write a few notes about what the email should say.")
        if self.tone not in TONES:
            raise EmailOptionError(
                f"Unknown tone {self.tone!r}; choose one of: {', '.join(TONES)}."
            )
        if self.length not in LENGTHS:
            raise EmailOptionError(
                f"Unknown length {self.length!r}; choose one of: {', '.join(LENGTHS)}."
            )
        if not self.language.strip():
            raise EmailOptionError("Name the language the email should be written in.")


def build(request: EmailRequest) -> ToolPrompt:
    """The prompt for a new email written from ``request.notes``."""
    request.check()
    tone = TONES[request.tone]
    length, budget = LENGTHS[request.length]
    language = request.language.strip()
    system = (
        "You are a writing assistant that drafts emails. "
        f"Write in {language}. Keep the tone {tone}. "
        "Reply with the email only: first a line 'Subject: ...', then a blank line, "
        "then the body with a greeting and a closing. Use only facts from the notes; "
        "do not invent names, dates or numbers."
    )
    details = [f"Length: {length}."]
    if request.recipient.strip():
        details.append(f"Recipient: {request.recipient.strip()}.")
    if request.sign_off.strip():
        details.append(f"Sign the email as: {request.sign_off.strip()}.")
    user = f"Write an email from these notes.\n\nNotes:\n{request.notes.strip()}\n\n" + " ".join(
        details
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
        if sep and label.strip().strip("*").lower() in (
            "subject",
            "betreff",
            "objet",
            "asunto",
            "oggetto",
            "assunto",
            "onderwerp",
        ):
            body = "\n".join(lines[index + 1 :]).strip()
            return EmailDraft(rest.strip().strip("*").strip(), body)
    return EmailDraft("", stripped)
