"""The languages a user writes in: what a recommended model must cover.

They are the user's own choice (Preferences, ``Settings.languages``) once they make
one; until then the OS locale's language and the language the Email tab writes in.
"""

from __future__ import annotations

import locale
import os

from desktop_slm.config import Settings
from desktop_slm.languages import LANGUAGES, UnknownLanguage, find_language

_LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def language_code(value: str) -> str | None:
    """The ISO 639-1 code of a locale name or language (``de_DE.UTF-8``, ``pt-BR``,
    ``English_United States``, ``French``, ``fr``); None for ``C``/``POSIX`` or unknown."""
    text = value.strip()
    if not text or text.upper() in ("C", "POSIX") or text.upper().startswith("C."):
        return None
    for separator in (".", "@", ":"):
        text = text.split(separator, 1)[0]
    head = text.replace("-", "_").split("_", 1)[0]
    for candidate in (text, head):
        try:
            return find_language(candidate).code
        except UnknownLanguage:
            continue
    code = head.lower()
    return code if len(code) == 2 and code.isalpha() else None


def locale_language() -> str | None:
    """The ISO 639-1 code of the OS locale's language, if it names one.

    As gettext reads it: ``LANGUAGE`` (a list such as ``de:en``, the first is the user's
    own) unless the locale is C, then ``LC_ALL``, ``LC_MESSAGES``, ``LANG``; without
    them (Windows, macOS apps) the locale Python reports.
    """
    effective = next((os.environ[v] for v in _LOCALE_VARIABLES if os.environ.get(v)), None)
    if effective is None:
        try:
            effective = locale.getlocale()[0]
        except ValueError:
            effective = None
    own = language_code(effective) if effective else None
    preferred = os.environ.get("LANGUAGE", "").split(":", 1)[0]
    if own is not None and preferred:
        return language_code(preferred) or own
    return own


def user_languages(settings: Settings) -> tuple[str, ...]:
    """ISO 639-1 codes, the user's first: the languages a recommended model must cover.

    ``settings.languages`` when the user chose them in Preferences; otherwise the OS
    locale's language and the Email tab's language (English when neither says more).
    """
    if settings.languages:
        return tuple(dict.fromkeys(settings.languages))
    found = [locale_language(), language_code(settings.email_language)]
    codes = tuple(dict.fromkeys(c for c in found if c is not None))
    return codes or ("en",)


def parse_languages(text: str) -> tuple[str, ...]:
    """Codes for a comma-separated list of language names or codes (Preferences, CLI).

    Raises ``UnknownLanguage`` (a ``UserFacingError``) naming the first it does not know.
    """
    codes = []
    for part in text.replace(";", ",").split(","):
        if part.strip():
            codes.append(find_language(part).code)
    return tuple(dict.fromkeys(codes))


def language_names(codes: tuple[str, ...]) -> str:
    """ "English, German" for display; a code the app does not list is shown as it is."""
    names = {language.code: language.name for language in LANGUAGES}
    return ", ".join(names.get(code, code) for code in codes)
