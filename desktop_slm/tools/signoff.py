# ruff: noqa: RUF001 - closings in 30 languages: Cyrillic, Greek, fullwidth marks on purpose
"""An email's closing and signature: the app removes the model's and writes its own.

A small model signs with invented names, titles, companies and phone numbers, or
repeats its sign-off. What the app knows for sure (the closing for a language and
tone, the user's name) the app writes: :func:`replace_closing` cuts the model's
closing phrase and everything after it, then adds :func:`closing_line` and the name.
"""

from __future__ import annotations

import re

from desktop_slm.languages import UnknownLanguage, find_language

# language code -> (professional, formal, friendly) closing line
CLOSINGS: dict[str, tuple[str, str, str]] = {
    "en": ("Best regards,", "Kind regards,", "Best wishes,"),
    # German, the Scandinavian languages, Czech, Slovak, Finnish, Hungarian and Thai
    # write no comma after the closing (DIN 5008 and local usage).
    "de": ("Viele Grüße", "Mit freundlichen Grüßen", "Liebe Grüße"),
    "fr": ("Cordialement,", "Veuillez agréer mes salutations distinguées,", "Amicalement,"),
    "es": ("Saludos cordiales,", "Atentamente,", "Un saludo,"),
    "it": ("Cordiali saluti,", "Distinti saluti,", "Un caro saluto,"),
    "pt": ("Cumprimentos,", "Atenciosamente,", "Um abraço,"),
    "nl": ("Met vriendelijke groet,", "Hoogachtend,", "Groetjes,"),
    "pl": ("Pozdrawiam,", "Z wyrazami szacunku,", "Serdecznie pozdrawiam,"),
    "sv": ("Vänliga hälsningar", "Med vänliga hälsningar", "Hälsningar"),
    "da": ("Venlig hilsen", "Med venlig hilsen", "Mange hilsner"),
    "no": ("Vennlig hilsen", "Med vennlig hilsen", "Hilsen"),
    "fi": ("Ystävällisin terveisin", "Kunnioittavasti", "Terveisin"),
    "cs": ("S pozdravem", "S úctou", "Zdravím"),
    "sk": ("S pozdravom", "S úctou", "Zdravím"),
    "ro": ("Cu stimă,", "Cu deosebită considerație,", "Numai bine,"),
    "hu": ("Üdvözlettel", "Tisztelettel", "Üdv"),
    "el": ("Με εκτίμηση,", "Με τιμή,", "Φιλικά,"),
    "bg": ("Поздрави,", "С уважение,", "Много поздрави,"),
    "tr": ("Saygılarımla,", "Saygılarımla,", "Sevgiler,"),
    "ru": ("С уважением,", "С глубоким уважением,", "Всего доброго,"),
    "uk": ("З повагою,", "З глибокою повагою,", "Усього найкращого,"),
    "ar": ("مع أطيب التحيات،", "وتفضلوا بقبول فائق الاحترام،", "تحياتي،"),
    "he": ("בברכה,", "בכבוד רב,", "כל טוב,"),
    "hi": ("सादर,", "भवदीय,", "शुभकामनाओं सहित,"),
    "zh": ("祝好，", "此致敬礼，", "祝好！"),
    "ja": ("よろしくお願いいたします。", "何卒よろしくお願い申し上げます。", "それではまた。"),
    "ko": ("감사합니다.", "삼가 올림.", "좋은 하루 보내세요."),
    "id": ("Salam,", "Hormat saya,", "Salam hangat,"),
    "vi": ("Trân trọng,", "Kính thư,", "Thân mến,"),
    "th": ("ขอแสดงความนับถือ", "ขอแสดงความนับถืออย่างสูง", "ด้วยความปรารถนาดี"),
}
_REGISTER = {"formal": 1, "apologetic": 1, "friendly": 2}
"""Tones that take the formal or the friendly closing; the others take the professional."""

# Closing phrases models write, beyond the table above (detection only, any language).
_MORE_CLOSINGS = """
best|best regards|kind regards|warm regards|warmest regards|regards|with best regards
with kind regards|with warm regards|many regards|sincerely|yours sincerely|sincerely yours
yours faithfully|faithfully|yours truly|truly yours|respectfully|yours respectfully
best wishes|warm wishes|all the best|all best|cheers|take care|talk soon|see you soon
cordially|yours|thanks|thank you|many thanks|thanks again|thank you again|thanks so much
thank you so much|thank you very much|thanks in advance|thank you in advance|with thanks
with gratitude|gratefully|best of luck|looking forward to hearing from you
viele grüsse|beste grüße|beste grüsse|freundliche grüße|freundliche grüsse|herzliche grüße
herzliche grüsse|mit freundlichen grüssen|mit besten grüßen|mit besten grüssen|grüße|grüsse
gruß|gruss|lg|mfg|vg|danke|vielen dank|bien cordialement|bien à vous|salutations
sincères salutations|meilleures salutations|salutations distinguées|bonne journée|merci
merci beaucoup|à bientôt|saludos|un saludo cordial|cordialmente|un abrazo|gracias
muchas gracias|saluti|un saluto|grazie|a presto|distinti saluti|atenciosamente|abraços
obrigado|obrigada|com os melhores cumprimentos|att|groeten|vriendelijke groet
met vriendelijke groeten|hartelijke groet|bedankt|dank je|z poważaniem|dziękuję
med vänlig hälsning|mvh|hälsningar|vänligen|med venlig hilsen|venlig hilsen|hilsen
vennlig hilsen|med vennlig hilsen|terveisin|s pozdravem|s pozdravom|cu stimă|üdvözlettel
με εκτίμηση|с уважением|поздрави|с уважение|saygılarımla|iyi çalışmalar|з повагою
дякую|спасибо|مع تحياتي|בברכה|धन्यवाद|此致|敬礼|谢谢|よろしくお願いします|敬具
감사합니다|hormat kami|salam|trân trọng|ขอบคุณ
"""
_WEAK = frozenset(
    {
        *("thanks", "thank you", "many thanks", "thanks again", "thank you again"),
        *("thanks so much", "thank you so much", "thank you very much", "thanks in advance"),
        *("thank you in advance", "with thanks", "with gratitude", "take care", "talk soon"),
        *("see you soon", "best of luck", "looking forward to hearing from you", "yours"),
        *("danke", "vielen dank", "merci", "merci beaucoup", "à bientôt", "bonne journée"),
        *("gracias", "muchas gracias", "grazie", "a presto", "obrigado", "obrigada"),
        *("bedankt", "dank je", "dziękuję", "дякую", "спасибо", "धन्यवाद", "谢谢", "감사합니다"),
        "ขอบคุณ",
    }
)
"""Phrases that also end an ordinary sentence ("Thank you!"): a closing only when a
comma follows or a signature comes after them."""

_COMMAS = (",", "،", "，")
_TRAILING_PUNCTUATION = " \t,.!:;،，。！、-–—"
_MARKUP = "*_"


def _normal(text: str) -> str:
    return " ".join(text.strip().strip(_MARKUP).strip().casefold().split())


_PHRASES: tuple[str, ...] = tuple(
    sorted(
        {
            _normal(phrase).rstrip(_TRAILING_PUNCTUATION)
            for phrase in (
                *(line for lines in CLOSINGS.values() for line in lines),
                *(p for row in _MORE_CLOSINGS.split("\n") for p in row.split("|")),
            )
            if phrase.strip()
        },
        key=len,
        reverse=True,
    )
)
CLOSING_PHRASES = _PHRASES
"""Every closing phrase the app knows, lower case without punctuation, longest first."""
_SIGNATURE_DELIMITERS = frozenset({"--", "-- ", "—", "___", "---"})
_PLACEHOLDER_LINE = re.compile(r"^\W*(\[[^\]\n]{1,60}\]\W*)+$")
_MAX_NAME_WORDS = 6
_SENDER_LABELS = frozenset(
    {"from", "sender", "name", "signature", "signed", "sent by", "von", "de", "da", "van"}
)


def closing_line(language: str, tone: str) -> str:
    """The closing the app writes for an email in ``language`` (name or code) and ``tone``.

    A language the table does not know gets the English closing.
    """
    try:
        code = find_language(language).code
    except UnknownLanguage:
        code = "en"
    return CLOSINGS.get(code, CLOSINGS["en"])[_REGISTER.get(tone, 0)]


def _closing_kind(line: str) -> str:
    """``"strong"``, ``"weak"`` or ``""`` (not a closing) for one line of an email."""
    stripped = line.strip().strip(_MARKUP).strip()
    if stripped in _SIGNATURE_DELIMITERS:
        return "strong"
    normal = _normal(line)
    for phrase in _PHRASES:
        if not normal.startswith(phrase):
            continue
        rest = normal[len(phrase) :]
        if rest[:1].isalnum():
            continue  # "Bestellung": a longer word
        mark = rest.lstrip()[:1]
        comma = mark in _COMMAS
        after = rest.strip().lstrip(_TRAILING_PUNCTUATION).strip()
        if after:
            # Only "Best regards, Sam Lee" (a name on the same line), never a sentence
            # such as "Thanks for the review." or "Best, I think we should go."
            words = after.split()
            if not comma or len(words) > _MAX_NAME_WORDS or after.endswith("?"):
                continue
            if after.endswith((".", "!")) and len(words) >= 4:
                continue
        if phrase in _WEAK and not (comma or normal.endswith(_COMMAS)):
            return "weak"
        return "strong"
    return ""


def _is_prose(line: str) -> bool:
    """A sentence of the body, not a signature line (name, title, company, phone)."""
    words = line.split()
    if len(words) >= 14:
        return True
    return len(words) >= 6 and line.rstrip().endswith((".", "!", "?")) and "@" not in line


def _cut_index(lines: list[str]) -> int | None:
    """Where the model's closing starts: the index of its line, or None for none."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    if len(filled) < 2:
        return None
    strong: list[int] = []
    weak: list[int] = []
    for i in filled[1:]:  # the first line is the greeting
        kind = _closing_kind(lines[i])
        if kind == "strong":
            strong.append(i)
        elif kind == "weak" and i != filled[-1]:  # "Thank you!" ending the text is a sentence
            weak.append(i)

    def clean_tail(index: int) -> bool:
        return not any(_is_prose(line) and not _closing_kind(line) for line in lines[index + 1 :])

    for candidates in (strong, weak):
        for index in candidates:
            if clean_tail(index):
                return index
        if candidates is strong and strong:
            return strong[-1]
    return None


def _inline_closing(line: str) -> int | None:
    """Where a closing starts that the model ran into the last sentence: "… Friday. Best, Sam"."""
    for match in re.finditer(r"(?<=[.!?])\s+", line):
        tail = line[match.end() :]
        if _closing_kind(tail) == "strong" and len(tail.split()) <= _MAX_NAME_WORDS + 3:
            return match.start()
    return None


def _without_signature_block(lines: list[str], name_key: str) -> list[str]:
    """``lines`` without a signature the model wrote with no closing phrase before it.

    That is the last paragraph when it is only short lines (no sentence) and names the
    sender: the sign-off name, a placeholder ("[Your Name]") or a header label
    ("Sender: Sam Lee", "From: …"). Anything else at the end is the body's own text.
    """
    lines = list(lines)
    while lines and (
        not lines[-1].strip()
        or _PLACEHOLDER_LINE.match(lines[-1].strip())
        or (name_key and _normal(lines[-1]).rstrip(_TRAILING_PUNCTUATION) == name_key)
    ):
        lines.pop()
    start = len(lines)
    while start > 0 and lines[start - 1].strip():
        start -= 1
    block = lines[start:]
    if start == 0 or not block or any(_is_prose(line) for line in block):
        return lines

    def signs(line: str) -> bool:
        normal = _normal(line)
        label = normal.partition(":")[0] if ":" in normal else ""
        return bool(
            (name_key and name_key in normal)
            or _PLACEHOLDER_LINE.match(line.strip())
            or label in _SENDER_LABELS
            or line.strip().strip(_MARKUP).strip() in _SIGNATURE_DELIMITERS
        )

    def looks_like_signature(line: str) -> bool:
        # "John Smith", "Project Manager", "FoxBridge Ltd.": short, capitalised, no sentence
        words = line.strip().strip(_MARKUP).split()
        return (
            0 < len(words) <= 5
            and not line.rstrip().endswith((":", "!", "?"))
            and all(word[:1].isupper() or not word[:1].isalpha() for word in words)
            and words[0][:1] not in "-*•"
        )

    short = all(len(line.split()) <= 8 for line in block)
    if short and (any(signs(line) for line in block) or all(map(looks_like_signature, block))):
        lines = lines[:start]
        while lines and not lines[-1].strip():
            lines.pop()
    return lines


def _names_sender(line: str, name_key: str) -> bool:
    """A header-like line naming the sender ("Sender: Sam Lee", "From: [Your Name]")."""
    label, colon, value = _normal(line).partition(":")
    return bool(
        colon
        and label in _SENDER_LABELS
        and ((name_key and name_key in value) or _PLACEHOLDER_LINE.match(value.strip()))
    )


def replace_closing(body: str, closing: str, name: str) -> str:
    """``body`` without the model's closing and signature, ended by ``closing`` and ``name``.

    Everything from the model's closing phrase on goes (names, titles, companies, phone
    numbers, "[Your Name]", repeated sign-offs); a body without one keeps all its text.
    Then the app's closing line, and the name on the next line (none: the closing alone).
    """
    name_key = _normal(name)
    lines = [line for line in body.strip().splitlines() if not _names_sender(line, name_key)]
    cut = _cut_index(lines)
    if cut is not None:
        lines = lines[:cut]
    elif lines:
        inline = _inline_closing(lines[-1])
        if inline is not None:
            lines[-1] = lines[-1][:inline]
    lines = _without_signature_block(lines, name_key)
    kept = "\n".join(lines).rstrip()
    signature = closing + (f"\n{name}" if name else "")
    return f"{kept}\n\n{signature}" if kept else signature
