"""Fact check: which details of the source a draft drops, and which it invents.

API skeleton agreed for issue 10; the implementation lands with the fact-check work.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

KINDS = ("email", "report", "translation", "summary")
"""What the draft is; it decides how the source is named and what counts as missing."""


@dataclass(frozen=True)
class Detail:
    """One checkable detail, as written in the text it was found in."""

    text: str
    kind: str
    """number, amount, percent, date, time, weekday, month, identifier, email, url, phone,
    name or placeholder."""
    start: int
    """Offset in the text it was found in: the source for a missing detail, the draft for
    an invented one (so the window can highlight it)."""
    end: int


@dataclass(frozen=True)
class FactCheck:
    kind: str
    kept: tuple[Detail, ...]
    """Details of the source that the draft contains."""
    missing: tuple[Detail, ...]
    invented: tuple[Detail, ...]

    @property
    def total(self) -> int:
        """Details of the source that were looked for."""
        return len(self.kept) + len(self.missing)

    @property
    def clean(self) -> bool:
        return not self.missing and not self.invented

    def summary(self) -> str:
        """The one line under an answer.

        "✓ All 7 details from your notes are in the draft", or
        "2 missing: 14 March, 10:00 · 2 not in your notes: John Smith, FoxBridge".
        """
        raise NotImplementedError

    def to_json(self) -> dict[str, Any]:
        """``{"missing": [{"text", "kind"}], "invented": [...], "kept": n, "total": n}``."""
        raise NotImplementedError


def check_facts(
    source: str, draft: str, *, given: Iterable[str] = (), kind: str = "email"
) -> FactCheck:
    """Compare ``draft`` with ``source``; ``given`` are names the user supplied
    (recipient, sign-off, their own name), which are never "invented"."""
    raise NotImplementedError
