"""Scores of one answer, and their totals: what the quality benchmark measures.

Each answer is scored on its own (:func:`score`); :func:`totals` adds them up for a
model and a mode (raw or app). The checks are the app's own: the fact check
(``checking.facts``), the guards' sentence and loop tests (``tools.guards``) and the
language detector; only the email's form is judged here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from desktop_slm.checking.facts import FactCheck
from desktop_slm.languages import detect_language
from desktop_slm.tools.email import SUBJECT_LABELS
from desktop_slm.tools.guards import ends_mid_sentence, has_repetition
from desktop_slm.tools.signoff import CLOSINGS as SIGNOFF_CLOSINGS

_SUBJECT_LINE = re.compile(
    r"^\W*(?:" + "|".join(SUBJECT_LABELS) + r")\W*:", re.IGNORECASE | re.MULTILINE
)


def _normal(line: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", "", line).casefold().split())


_MODEL_CLOSINGS = """best|best regards|best wishes|kind regards|kindest regards|warm regards
warmest regards|warm wishes|regards|with best regards|with kind regards|many thanks|thanks
thank you|thanks again|thanks in advance|with thanks|cheers|sincerely|yours sincerely
sincerely yours|yours faithfully|yours truly|respectfully|all the best|talk soon
see you soon|bien cordialement|bien à vous|sincères salutations|salutations distinguées
mit freundlichen grüssen|freundliche grüße|beste grüße|herzliche grüße"""
CLOSINGS = frozenset(
    _normal(line)
    for line in (
        *(line for lines in SIGNOFF_CLOSINGS.values() for line in lines),
        *_MODEL_CLOSINGS.replace("\n", "|").split("|"),
    )
)
"""Closing lines: the app's own (every language, every tone) and those models write."""


@dataclass(frozen=True)
class Score:
    """What one answer got right and wrong."""

    kept: int
    """Details of the source found in the answer."""
    total: int
    """Details of the source looked for."""
    missing: tuple[str, ...]
    invented: tuple[str, ...]
    """Details in the answer that are in neither the source nor the names given."""
    words: int
    cut: bool
    """The answer stops in the middle of a sentence."""
    repetition: bool
    language: str
    """The language the detector heard ("" for no text)."""
    language_ok: bool
    form_ok: bool | None
    """Emails only: subject, no "Subject:" line in the body, closing and name last."""
    form_problems: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["missing"] = list(self.missing)
        data["invented"] = list(self.invented)
        data["form_problems"] = list(self.form_problems)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Score:
        return cls(
            **{
                **data,
                "missing": tuple(data["missing"]),
                "invented": tuple(data["invented"]),
                "form_problems": tuple(data["form_problems"]),
            }
        )


def is_closing(line: str) -> bool:
    """A closing line such as "Best regards," or "Mit freundlichen Grüßen"."""
    return _normal(line) in CLOSINGS


def email_form_problems(subject: str, body: str, sign_as: str) -> tuple[str, ...]:
    """What is wrong with an email's form; empty when it is right.

    Right is: a subject; no "Subject:" line left in the body; the body ends with a
    closing line followed by the sign-as name (or, with no name, the closing line), and
    nothing after it: no invented title, company or phone number, no name twice.
    """
    problems: list[str] = []
    if not subject.strip():
        problems.append("no subject")
    if _SUBJECT_LINE.search(body):
        problems.append('"Subject:" line in the body')
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    name = sign_as.strip()
    if name:
        if not lines or _normal(lines[-1]) != _normal(name):
            problems.append(f"does not end with the name {name!r}")
        elif len(lines) < 2 or not is_closing(lines[-2]):
            problems.append("no closing line before the name")
        if sum(_normal(line) == _normal(name) for line in lines) > 1:
            problems.append("the name twice")
    elif not lines or not is_closing(lines[-1]):
        problems.append("does not end with a closing line")
    return tuple(problems)


def language_matches(text: str, expected: str) -> tuple[bool, str]:
    """Whether the detector hears ``expected`` (an ISO 639-1 code), and what it heard."""
    detection = detect_language(text)
    if detection is None:
        return False, ""
    return detection.code == expected, detection.code


def score(
    check: FactCheck,
    output: str,
    *,
    language: str,
    source: str = "",
    email: tuple[str, str, str] | None = None,
) -> Score:
    """Score ``output`` (for an email: subject, a blank line, body) given its fact check.

    ``source`` is what it was written from (repetition the source has is allowed);
    ``email`` is (subject, body, sign-as name) for an email, whose form is then judged.
    """
    language_ok, heard = language_matches(output, language)
    problems = email_form_problems(*email) if email is not None else ()
    return Score(
        kept=len(check.kept),
        total=check.total,
        missing=tuple(d.text for d in check.missing),
        invented=tuple(d.text for d in check.invented),
        words=len(output.split()),
        cut=bool(output.strip()) and ends_mid_sentence(output),
        repetition=has_repetition(output, source),
        language=heard,
        language_ok=language_ok,
        form_ok=None if email is None else not problems,
        form_problems=problems,
    )


def email_text(subject: str, body: str) -> str:
    """The email as the fact check and the detectors read it."""
    return f"{subject}\n\n{body}" if subject.strip() else body


# ---------------------------------------------------------------- totals
METRICS: tuple[tuple[str, str], ...] = (
    ("kept_pct", "details kept (%)"),
    ("invented_per_100_words", "invented details per 100 words"),
    ("cut_pct", "cut mid-sentence (%)"),
    ("form_pct", "email form correct (%)"),
    ("language_pct", "target language correct (%)"),
    ("repetition_pct", "repetition (%)"),
)
"""Key and label of every figure, in table order."""
LOWER_IS_BETTER = frozenset({"invented_per_100_words", "cut_pct", "repetition_pct"})


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def totals(scores: Sequence[Score]) -> dict[str, float | None]:
    """The figures of a set of answers (``None`` where nothing was measured).

    Details are pooled (kept over all looked for; invented over all words), so a long
    answer weighs more than a short one; the rest are shares of the answers.
    """
    emails = [s for s in scores if s.form_ok is not None]
    words = sum(s.words for s in scores)
    return {
        "tasks": len(scores),
        "kept_pct": _pct(sum(s.kept for s in scores), sum(s.total for s in scores)),
        "invented_per_100_words": (
            round(100 * sum(len(s.invented) for s in scores) / words, 2) if words else None
        ),
        "cut_pct": _pct(sum(s.cut for s in scores), len(scores)),
        "form_pct": _pct(sum(bool(s.form_ok) for s in emails), len(emails)),
        "language_pct": _pct(sum(s.language_ok for s in scores), len(scores)),
        "repetition_pct": _pct(sum(s.repetition for s in scores), len(scores)),
    }
