"""Analysis of a text: sentiment, named entities, key facts and action items.

The model answers in JSON that a llama.cpp grammar (made from a JSON schema) forces
into shape, so every answer parses, even from a 135M model. The app owns what it can:
labels come from fixed sets, an entity that does not occur in its text is dropped,
duplicates are removed. Used by the Analyze tab and ``desktop-slm run analyze``; a
CSV of many texts goes through :mod:`desktop_slm.tools.batch`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from desktop_slm.errors import OptionError
from desktop_slm.tools.budget import ModelLimits
from desktop_slm.tools.jobs import Job
from desktop_slm.tools.prompt import ToolPrompt

SENTIMENTS = ("positive", "negative", "neutral", "mixed")
ENTITY_TYPES = ("person", "organisation", "place", "date", "amount", "product")


@dataclass(frozen=True)
class Sentiment:
    label: str
    """One of :data:`SENTIMENTS`."""
    reason: str
    """One line for people: why."""


@dataclass(frozen=True)
class Entity:
    text: str
    """Exactly as it occurs in the analysed text."""
    type: str
    """One of :data:`ENTITY_TYPES`."""
    start: int = 0
    """Where it first occurs in the analysed text (characters), for highlighting."""
    end: int = 0


@dataclass(frozen=True)
class Analysis:
    sentiment: Sentiment
    entities: tuple[Entity, ...] = ()
    key_facts: tuple[str, ...] = ()
    action_items: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The shape ``run analyze --json`` prints::

        {"sentiment": {"label", "reason"}, "entities": [{"text", "type"}],
         "key_facts": [...], "action_items": [...]}
        """
        raise NotImplementedError

    def to_markdown(self) -> str:
        """A readable card as Markdown (Copy as Markdown)."""
        raise NotImplementedError

    @classmethod
    def from_json(cls, data: Mapping[str, Any], text: str) -> Analysis:
        """Read back :meth:`to_json` (positions found again in ``text``)."""
        raise NotImplementedError


@dataclass(frozen=True)
class AnalyzeRequest:
    text: str

    def check(self) -> None:
        if not self.text.strip():
            raise OptionError("Paste a text or open a document to analyze.")


def analysis_prompt(text: str) -> ToolPrompt:
    """The request for one text, its grammar included; the instructions come first so
    rows of a batch share them (llama.cpp reuses the evaluated prefix)."""
    raise NotImplementedError


def parse_analysis(answer: str, text: str) -> Analysis:
    """The model's JSON answer, cleaned against ``text`` (fixed labels, entities that
    occur in it, no duplicates)."""
    raise NotImplementedError


def analyze_job(request: AnalyzeRequest, limits: ModelLimits) -> Job:
    """One text (too long a text is cut to what fits, or refused with a sentence).

    The job's :class:`~desktop_slm.tools.jobs.JobOutput` has the Markdown card as
    ``text`` and :meth:`Analysis.to_json` as ``detail["analysis"]``.
    """
    raise NotImplementedError
