"""Languages the tools offer, found by English name, native name or ISO 639-1 code."""

from __future__ import annotations

import difflib
import threading
import unicodedata
from dataclasses import dataclass
from typing import Any

from desktop_slm.errors import UserFacingError


@dataclass(frozen=True)
class Language:
    code: str
    """ISO 639-1."""
    name: str
    """English name, as shown in lists and put into prompts."""
    native: str


LANGUAGES: tuple[Language, ...] = (
    Language("en", "English", "English"),
    Language("fr", "French", "Français"),
    Language("de", "German", "Deutsch"),
    Language("es", "Spanish", "Español"),
    Language("it", "Italian", "Italiano"),
    Language("pt", "Portuguese", "Português"),
    Language("nl", "Dutch", "Nederlands"),
    Language("pl", "Polish", "Polski"),
    Language("sv", "Swedish", "Svenska"),
    Language("da", "Danish", "Dansk"),
    Language("no", "Norwegian", "Norsk"),
    Language("fi", "Finnish", "Suomi"),
    Language("cs", "Czech", "Čeština"),
    Language("sk", "Slovak", "Slovenčina"),
    Language("ro", "Romanian", "Română"),
    Language("hu", "Hungarian", "Magyar"),
    Language("el", "Greek", "Ελληνικά"),
    Language("bg", "Bulgarian", "Български"),
    Language("tr", "Turkish", "Türkçe"),
    Language("ru", "Russian", "Русский"),
    Language("uk", "Ukrainian", "Українська"),
    Language("ar", "Arabic", "العربية"),
    Language("he", "Hebrew", "עברית"),
    Language("hi", "Hindi", "हिन्दी"),
    Language("zh", "Chinese", "中文"),
    Language("ja", "Japanese", "日本語"),
    Language("ko", "Korean", "한국어"),
    Language("id", "Indonesian", "Bahasa Indonesia"),
    Language("vi", "Vietnamese", "Tiếng Việt"),
    Language("th", "Thai", "ไทย"),
)

_ALIASES = {"nb": "no", "nn": "no", "iw": "he", "farsi": "fa", "mandarin": "zh"}


def _key(value: str) -> str:
    folded = unicodedata.normalize("NFKD", value.strip().casefold())
    return "".join(c for c in folded if not unicodedata.combining(c))


_BY_KEY: dict[str, Language] = {}
for _language in LANGUAGES:
    for _name in (_language.code, _language.name, _language.native):
        _BY_KEY[_key(_name)] = _language
for _alias, _code in _ALIASES.items():
    if _code in _BY_KEY:
        _BY_KEY[_alias] = _BY_KEY[_code]


class UnknownLanguage(UserFacingError):
    def __init__(self, value: str) -> None:
        names = [language.name for language in LANGUAGES]
        close = difflib.get_close_matches(value.strip().title(), names, n=1)
        hint = f" Did you mean {close[0]}?" if close else ""
        super().__init__(
            f"Unknown language {value.strip()!r}.{hint} Use an English name or a two-letter "
            f"code, for example French or fr; available: {', '.join(names)}.",
            code="unknown_language",
        )


def find_language(value: str) -> Language:
    """The language called ``value`` (``"French"``, ``"fr"``, ``"français"``)."""
    language = _BY_KEY.get(_key(value))
    if language is None:
        raise UnknownLanguage(value)
    return language


def language_name(value: str) -> str:
    """English name for a known language or code; anything else as the user typed it."""
    language = _BY_KEY.get(_key(value))
    return language.name if language else value.strip()


# ---------------------------------------------------------------- detection
@dataclass(frozen=True)
class Detection:
    code: str
    """ISO 639 code the detector chose (may be outside :data:`LANGUAGES`)."""
    confidence: float
    language: Language | None
    """The offered language for ``code``, if it is one of them."""

    @property
    def reliable(self) -> bool:
        return self.language is not None and self.confidence >= MIN_CONFIDENCE


MIN_CONFIDENCE = 0.6
DETECT_CHARS = 4000
_identifier: Any = None
_identifier_lock = threading.Lock()


def _load_identifier() -> Any:
    global _identifier
    with _identifier_lock:
        if _identifier is None:
            from py3langid.langid import (  # type: ignore[import-untyped]
                MODEL_FILE,
                LanguageIdentifier,
            )

            _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        return _identifier


def detect_language(text: str) -> Detection | None:
    """Which language ``text`` is written in, by a statistical detector (not the model).

    ``None`` when there is nothing to go on (no letters).
    """
    sample = text[:DETECT_CHARS]
    if not any(c.isalpha() for c in sample):
        return None
    code, confidence = _load_identifier().classify(sample)
    code = str(code)
    language = _BY_KEY.get(_key(code))
    return Detection(code=code, confidence=float(confidence), language=language)
