"""Analysis of a text: sentiment, named entities, key facts and action items.

The model answers in JSON that a llama.cpp grammar (made from a JSON schema) forces
into shape, so every answer parses, even from a 135M model. The app owns what it can:
labels come from fixed sets, an entity that does not occur in its text is dropped,
duplicates are removed. Used by the Analyze tab and ``desktop-slm run analyze``; a
CSV of many texts goes through :mod:`desktop_slm.tools.batch`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from desktop_slm.errors import OptionError
from desktop_slm.tools.budget import ModelLimits
from desktop_slm.tools.jobs import Job, JobCancelled, JobOutput, Step
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
        # (temporary, core replaces)
        return {
            "sentiment": {"label": self.sentiment.label, "reason": self.sentiment.reason},
            "entities": [{"text": e.text, "type": e.type} for e in self.entities],
            "key_facts": list(self.key_facts),
            "action_items": list(self.action_items),
        }

    def to_markdown(self) -> str:
        """A readable card as Markdown (Copy as Markdown)."""
        # (temporary, core replaces)
        lines = [f"**Sentiment:** {self.sentiment.label} — {self.sentiment.reason}", ""]
        lines += ["## Entities", *[f"- {e.text} ({e.type})" for e in self.entities], ""]
        lines += ["## Key facts", *[f"- {f}" for f in self.key_facts], ""]
        lines += ["## Action items", *[f"- {a}" for a in self.action_items]]
        return "\n".join(lines) + "\n"

    @classmethod
    def from_json(cls, data: Mapping[str, Any], text: str) -> Analysis:
        """Read back :meth:`to_json` (positions found again in ``text``)."""
        # (temporary, core replaces)
        return parse_analysis(json.dumps(data), text)


@dataclass(frozen=True)
class AnalyzeRequest:
    text: str

    def check(self) -> None:
        if not self.text.strip():
            raise OptionError("Paste a text or open a document to analyze.")


def analysis_prompt(text: str) -> ToolPrompt:
    """The request for one text, its grammar included; the instructions come first so
    rows of a batch share them (llama.cpp reuses the evaluated prefix)."""
    # (temporary, core replaces)
    system = (
        "You analyse texts. Answer in JSON: the sentiment (positive, negative, neutral "
        "or mixed) with a one-line reason, the named entities (person, organisation, "
        "place, date, amount, product), key facts and action items."
    )
    return ToolPrompt(
        messages=(
            {"role": "system", "content": system},
            {"role": "user", "content": f"Text:\n{text}"},
        ),
        completion_prompt=f"{system}\n\nText:\n{text}\n\nJSON:",
        suggested_max_tokens=200,
        grammar=_GRAMMAR,
        completion_grammar=_GRAMMAR,
    )


def _alternatives(words: tuple[str, ...]) -> str:
    return " | ".join(f'"\\"{w}\\""' for w in words)


# (temporary, core replaces)
_GRAMMAR = (
    r'root ::= "{\"sentiment\": {\"label\": " label ", \"reason\": " str "}, '
    r'\"entities\": [" entities "], \"key_facts\": " list ", \"action_items\": " list "}"'
    "\n"
    f"label ::= {_alternatives(SENTIMENTS)}\n"
    r'entities ::= (entity (", " entity){0,4})?'
    "\n"
    r'entity ::= "{\"text\": " str ", \"type\": " etype "}"'
    "\n"
    f"etype ::= {_alternatives(ENTITY_TYPES)}\n"
    r'list ::= "[" (str (", " str){0,2})? "]"'
    "\n"
    r'str ::= "\"" [^"\\\n]{1,60} "\""'
    "\n"
)


def parse_analysis(answer: str, text: str) -> Analysis:
    """The model's JSON answer, cleaned against ``text`` (fixed labels, entities that
    occur in it, no duplicates)."""
    # (temporary, core replaces)
    data = json.loads(answer)
    sentiment = data.get("sentiment", {})
    label = sentiment.get("label", "neutral")
    entities: list[Entity] = []
    for item in data.get("entities", []):
        found = text.find(item.get("text", ""))
        if item.get("text") and found >= 0 and item.get("type") in ENTITY_TYPES:
            entity = Entity(item["text"], item["type"], found, found + len(item["text"]))
            if all(e.text != entity.text for e in entities):
                entities.append(entity)
    return Analysis(
        Sentiment(label if label in SENTIMENTS else "neutral", str(sentiment.get("reason", ""))),
        tuple(entities),
        tuple(str(f) for f in data.get("key_facts", [])),
        tuple(str(a) for a in data.get("action_items", [])),
    )


def analyze_job(request: AnalyzeRequest, limits: ModelLimits) -> Job:
    """One text (too long a text is cut to what fits, or refused with a sentence).

    The job's :class:`~desktop_slm.tools.jobs.JobOutput` has the Markdown card as
    ``text`` and :meth:`Analysis.to_json` as ``detail["analysis"]``.
    """
    # (temporary, core replaces)
    request.check()
    prompt = analysis_prompt(request.text)
    budget = limits.fit_answer(prompt, prompt.suggested_max_tokens, what="text to analyze")
    try:
        answer = yield Step(prompt, "Analysing", 1, 1, budget, phase="final")
    except JobCancelled:
        return JobOutput("", {"partial": True})
    analysis = parse_analysis(answer, request.text)
    return JobOutput(analysis.to_markdown(), {"analysis": analysis.to_json()})
