"""Analysis of a text: sentiment, named entities, key facts and action items.

The model answers in JSON that a llama.cpp grammar (made from a JSON schema) forces
into shape, so every answer parses, even from a 135M model. The app owns what it can:
labels come from fixed sets, an entity that does not occur in its text is dropped,
duplicates are removed. Used by the Analyze tab and ``desktop-slm run analyze``; a
CSV of many texts goes through :mod:`desktop_slm.tools.batch`.

What makes wrong answers impossible rather than unlikely:

* The grammar (:func:`analysis_grammar`) is the JSON schema :data:`SCHEMA` written as
  GBNF, compact (no free whitespace, few and short items, so an answer is about a
  hundred tokens), and an entity's text may only be made of words of the analysed text.
* :func:`parse_analysis` keeps an entity only when it occurs verbatim (whole words) in
  the text, and the types the app can see itself win over the model's: what the fact
  check finds as an amount is an ``amount``, a date, weekday or month a ``date``; the
  model may not call anything else an amount or a date. Amounts and dates the model
  missed are added. Lists lose repeats (a small model fills every item it may).
* An answer cut short (by the length limit, a stop, or the loop guard) is still a
  prefix of the grammar; it is closed and read as far as it goes.

A text too long for the model's context is cut to what fits, with a notice (not
refused): the analysis of its first part is still worth having.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from desktop_slm.checking.facts import extract
from desktop_slm.errors import OptionError
from desktop_slm.tools.budget import SAFETY_TOKENS, ModelLimits, words_for
from desktop_slm.tools.jobs import Job, JobCancelled, JobOutput, Step
from desktop_slm.tools.prompt import ToolPrompt

SENTIMENTS = ("positive", "negative", "neutral", "mixed")
ENTITY_TYPES = ("person", "organisation", "place", "date", "amount", "product")
NAME_TYPES = ("person", "organisation", "place", "product")
"""What the model may call a name; dates and amounts the app finds itself."""

MAX_ENTITIES = 5
"""Entities the model may name (the app adds the amounts and dates it finds itself)."""
MAX_ITEMS = 3
"""Key facts, and action items."""
MAX_SHOWN_ENTITIES = 20
"""Entities of one text, the model's names with the app's amounts and dates."""
MAX_REASON_CHARS = 90
MAX_ITEM_CHARS = 70
MAX_GRAMMAR_NAMES = 40
"""Names of the text the model may choose from (each is an alternative in the grammar)."""
ANSWER_TOKENS = 200
"""Enough for any answer the grammar allows when the model writes words, not letters."""
TEMPERATURE = 0.0
"""Analysis is extraction: greedy decoding, the same answer every time."""

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "sentiment": {
            "type": "object",
            "properties": {
                "label": {"enum": list(SENTIMENTS)},
                "reason": {"type": "string", "maxLength": MAX_REASON_CHARS},
            },
            "required": ["label", "reason"],
        },
        "entities": {
            "type": "array",
            "maxItems": MAX_ENTITIES,
            "items": {
                "type": "object",
                "properties": {
                    "text": {"type": "string"},
                    "type": {"enum": list(ENTITY_TYPES)},
                },
                "required": ["text", "type"],
            },
        },
        "key_facts": {
            "type": "array",
            "maxItems": MAX_ITEMS,
            "items": {"type": "string", "maxLength": MAX_ITEM_CHARS},
        },
        "action_items": {
            "type": "array",
            "maxItems": MAX_ITEMS,
            "items": {"type": "string", "maxLength": MAX_ITEM_CHARS},
        },
    },
    "required": ["sentiment", "entities", "key_facts", "action_items"],
}
"""The answer's shape; :func:`analysis_grammar` writes it as GBNF (keys in this order)."""

_EXAMPLE_TEXT = "Hi Tom, the blender I bought in Leeds broke after a week. Please refund me."
_EXAMPLE_ANSWER = {
    "sentiment": {"label": "negative", "reason": "The blender broke."},
    "entities": [{"text": "Tom", "type": "person"}, {"text": "Leeds", "type": "place"}],
    "key_facts": ["The blender broke after a week."],
    "action_items": ["Refund the customer."],
}
INSTRUCTIONS = (
    "You analyse a customer's or colleague's text and answer with JSON only.\n"
    '- sentiment: label is "positive", "negative", "neutral" or "mixed"; reason is one '
    "short line saying why.\n"
    "- entities: the names in the text, each a person, organisation, place or product.\n"
    "- key_facts: the main facts, short.\n"
    "- action_items: what someone has to do, short (an empty list if nothing).\n"
    f"Example text: {_EXAMPLE_TEXT}\n"
    f"Example answer: {json.dumps(_EXAMPLE_ANSWER, separators=(',', ':'))}"
)
"""The same for every text, and first in every request: rows of a batch share it."""

_KNOWN_TYPES = {"amount": "amount", "date": "date", "weekday": "date", "month": "date"}
"""Fact-check kinds whose entity type the app knows better than the model."""
_EXAMPLE_STRINGS = frozenset(
    " ".join(re.findall(r"\w+", item.casefold()))
    for item in (
        _EXAMPLE_ANSWER["sentiment"]["reason"],  # type: ignore[index]
        *_EXAMPLE_ANSWER["key_facts"],
        *_EXAMPLE_ANSWER["action_items"],
    )
)
"""The example answer's own sentences: a small model copies them into any answer."""


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
        return {
            "sentiment": {"label": self.sentiment.label, "reason": self.sentiment.reason},
            "entities": [{"text": e.text, "type": e.type} for e in self.entities],
            "key_facts": list(self.key_facts),
            "action_items": list(self.action_items),
        }

    def to_markdown(self) -> str:
        """A readable card as Markdown (Copy as Markdown)."""
        sentiment = self.sentiment
        lines = [f"**Sentiment:** {sentiment.label}"]
        if sentiment.reason:
            lines[0] += f" ({sentiment.reason})"
        sections = (
            ("Entities", [f"{e.text} ({e.type})" for e in self.entities]),
            ("Key facts", list(self.key_facts)),
            ("Action items", list(self.action_items)),
        )
        for title, items in sections:
            lines += ["", f"**{title}:**"]
            lines += [f"- {item}" for item in items] if items else ["- none"]
        return "\n".join(lines) + "\n"

    def to_text(self) -> str:
        """The card for a terminal: plain lines, lists indented."""
        lines = [f"Sentiment: {self.sentiment.label}"]
        if self.sentiment.reason:
            lines[0] += f" ({self.sentiment.reason})"
        entities = ", ".join(f"{e.text} ({e.type})" for e in self.entities)
        lines.append(f"Entities: {entities or 'none'}")
        for title, items in (("Key facts", self.key_facts), ("Action items", self.action_items)):
            lines.append(f"{title}:" + ("" if items else " none"))
            lines += [f"  - {item}" for item in items]
        return "\n".join(lines) + "\n"

    @classmethod
    def from_json(cls, data: Mapping[str, Any], text: str) -> Analysis:
        """Read back :meth:`to_json` (positions found again in ``text``)."""
        return _cleaned(data, text, app_entities=False)


@dataclass(frozen=True)
class AnalyzeRequest:
    text: str

    def check(self) -> None:
        if not self.text.strip():
            raise OptionError("Paste a text or open a document to analyze.")


# ---------------------------------------------------------------- the grammar
def _literal(text: str) -> str:
    """``text`` as a GBNF string literal."""
    return json.dumps(text, ensure_ascii=False)


def _choice(values: Iterable[str]) -> str:
    """A GBNF alternation of JSON strings (with their quotes)."""
    return " | ".join(_literal(json.dumps(v, ensure_ascii=False)) for v in values)


def entity_names(text: str) -> list[str]:
    """What the model may name as an entity: the names the fact check finds in ``text``
    (runs of capitalised words that are not sentence starters, titles or labels), in
    order, at most :data:`MAX_GRAMMAR_NAMES`."""
    names = (f.detail.text for f in extract(text) if f.detail.kind == "name")
    return list(dict.fromkeys(names))[:MAX_GRAMMAR_NAMES]


def analysis_grammar(text: str, *, lead: str = "") -> str:
    """:data:`SCHEMA` as GBNF for ``text``: no free whitespace, few and short items,
    and an entity is one of the text's names (:func:`entity_names`) typed person,
    organisation, place or product. ``lead`` is written before the JSON."""
    return _grammar(entity_names(text), lead)


def _grammar(names: list[str], lead: str) -> str:
    entities = '"[]"'
    if names:
        entities = f'"[" (entity ("," entity){{0,{MAX_ENTITIES - 1}}})? "]"'
    rules = [
        f"root ::= {lead}"
        '"{\\"sentiment\\":{\\"label\\":" label ",\\"reason\\":" reason "},'
        f'\\"entities\\":" {entities} ",\\"key_facts\\":" items '
        '",\\"action_items\\":" items "}"',
        f"label ::= {_choice(SENTIMENTS)}",
        f'reason ::= "\\"" char{{0,{MAX_REASON_CHARS}}} "\\""',
        f'item ::= "\\"" char{{1,{MAX_ITEM_CHARS}}} "\\""',
        f'items ::= "[" (item ("," item){{0,{MAX_ITEMS - 1}}})? "]"',
        r'char ::= [^"\\\x00-\x1f]',
    ]
    if names:
        rules += [
            'entity ::= "{\\"text\\":" name ",\\"type\\":" type "}"',
            f"name ::= {_choice(names)}",
            f"type ::= {_choice(NAME_TYPES)}",
        ]
    return "\n".join(rules) + "\n"


# ---------------------------------------------------------------- the request
def analysis_prompt(text: str) -> ToolPrompt:
    """The request for one text, its grammar included; the instructions come first so
    rows of a batch share them (llama.cpp reuses the evaluated prefix)."""
    names = entity_names(text)
    return replace(
        _bare_prompt(text), grammar=_grammar(names, ""), completion_grammar=_grammar(names, '" " ')
    )


def _bare_prompt(text: str) -> ToolPrompt:
    """The request without its grammar (enough to count its tokens)."""
    return ToolPrompt(
        messages=(
            {"role": "system", "content": INSTRUCTIONS},
            {"role": "user", "content": f"Text: {text}"},
        ),
        completion_prompt=f"{INSTRUCTIONS}\n\nText: {text}\nAnswer:",
        completion_stop=("\n",),
        suggested_max_tokens=ANSWER_TOKENS,
    )


def fit_text(text: str, limits: ModelLimits) -> tuple[str, str]:
    """``text``, or as much of its start as fits the context next to the instructions
    and the answer; and a notice when it was cut (empty when not)."""
    room = limits.n_ctx - limits.answer_tokens(ANSWER_TOKENS) - SAFETY_TOKENS
    if limits.prompt_tokens(_bare_prompt(text)) <= room:
        return text, ""
    fixed = limits.prompt_tokens(_bare_prompt(""))
    if fixed + 16 > room:
        raise OptionError(
            f"This model's context ({limits.n_ctx:,} tokens) is too small for the "
            "analysis instructions and an answer. Raise the context size in the settings."
        )
    cut = text
    while cut:
        tokens = limits.count_tokens(cut)
        excess = fixed + tokens - room
        if excess <= 0 and limits.prompt_tokens(_bare_prompt(cut)) <= room:
            break
        share = max(0.5, min(0.95, (tokens - max(excess, 8)) / max(tokens, 1)))
        cut = _at_word_end(cut, int(len(cut) * share))
    words = len(cut.split())
    return cut, (
        f"The text is longer than the model's context ({limits.n_ctx:,} tokens): only its "
        f"first {words:,} words (of {len(text.split()):,}) were analysed. Split it, or use "
        f"a model with a larger context (about {words_for(limits.n_ctx):,} words fit)."
    )


def _at_word_end(text: str, length: int) -> str:
    cut = text[:length]
    space = cut.rfind(" ")
    return (cut[:space] if space > 0 else cut).rstrip()


# ---------------------------------------------------------------- reading the answer
def parse_analysis(answer: str, text: str) -> Analysis:
    """The model's JSON answer, cleaned against ``text`` (fixed labels, entities that
    occur in it, no duplicates)."""
    return _cleaned(_read_json(answer), text, app_entities=True)


def _read_json(answer: str) -> dict[str, Any]:
    """The answer as JSON; a cut-off one (always a prefix of the grammar) is closed."""
    answer = answer.strip()
    start = answer.find("{")
    if start < 0:
        return {}
    answer = answer[start:]
    try:
        value = json.loads(answer)
    except json.JSONDecodeError:
        value = _closed_prefix(answer)
    return value if isinstance(value, dict) else {}


def _closed_prefix(answer: str) -> Any:
    """The longest prefix of ``answer`` that is JSON once its brackets are closed (a
    string cut off is left out)."""
    for end in range(len(answer), 0, -1):
        if answer[end - 1] not in '"]}[{':
            continue
        prefix = answer[:end]
        closers: list[str] = []
        in_string = escaped = False
        for char in prefix:
            if in_string:
                if escaped:
                    escaped = False
                elif char == "\\":
                    escaped = True
                elif char == '"':
                    in_string = False
            elif char == '"':
                in_string = True
            elif char in "[{":
                closers.append("]" if char == "[" else "}")
            elif char in "]}" and closers:
                closers.pop()
        if in_string:
            continue  # a string cut off: "Refund the" is not an action item
        candidate = prefix + "".join(reversed(closers))
        try:
            return json.loads(candidate)
        except json.JSONDecodeError:
            continue
    return {}


def _strings(value: Any, text: str) -> tuple[str, ...]:
    """Distinct items of a list of strings, without what a small model copies from the
    instructions' example or writes instead of a fact (a lone word, a JSON key)."""
    seen: dict[str, str] = {}
    for item in value if isinstance(value, list) else []:
        cleaned = _own_words(item, text) if isinstance(item, str) else ""
        key = _folded(cleaned)
        if len(key.split()) >= 2:
            seen.setdefault(key, cleaned)
    return tuple(seen.values())[:MAX_ITEMS]


def _folded(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _own_words(item: str, text: str) -> str:
    """``item`` without the sentences of the instructions' example (unless ``text`` has
    them too): a small model copies them into answers about anything."""
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(item.split()))
    folded_text = _folded(text)
    kept = [s for s in sentences if _folded(s) not in _EXAMPLE_STRINGS or _folded(s) in folded_text]
    return " ".join(kept)


def _cleaned(data: Mapping[str, Any], text: str, *, app_entities: bool) -> Analysis:
    sentiment = data.get("sentiment")
    sentiment = sentiment if isinstance(sentiment, Mapping) else {}
    label = str(sentiment.get("label", "")).strip().lower()
    return Analysis(
        Sentiment(
            label if label in SENTIMENTS else "neutral",
            _own_words(str(sentiment.get("reason", "")), text),
        ),
        _entities(data.get("entities"), text, app_entities=app_entities),
        _strings(data.get("key_facts"), text),
        _strings(data.get("action_items"), text),
    )


def _entities(value: Any, text: str, *, app_entities: bool) -> tuple[Entity, ...]:
    """The model's entities that occur in ``text``, typed by the app where it knows the
    type (amounts, dates), and with ``app_entities`` the amounts and dates it missed."""
    known = _known_spans(text)
    found: dict[str, Entity] = {}

    def add(name: str, kind: str, start: int, end: int) -> None:
        found.setdefault(name.casefold(), Entity(name, kind, start, end))

    for item in value if isinstance(value, list) else []:
        if not isinstance(item, Mapping):
            continue
        name = " ".join(str(item.get("text", "")).split())
        kind = str(item.get("type", "")).strip().lower()
        span = _find(name, text) if name else None
        if span is None or kind not in ENTITY_TYPES:
            continue  # not in the text (never shown), or no type from the fixed set
        app_kind = next((k for (s, e), k in known.items() if s < span[1] and span[0] < e), None)
        if app_kind is not None:
            kind = app_kind
        elif kind not in NAME_TYPES:
            continue  # the model calls something an amount or a date that is not one
        add(name, kind, *span)
    if app_entities:
        for (start, end), kind in known.items():
            add(text[start:end], kind, start, end)
    return tuple(sorted(found.values(), key=lambda e: e.start))[:MAX_SHOWN_ENTITIES]


def _known_spans(text: str) -> dict[tuple[int, int], str]:
    """Amounts and dates in ``text``, as the fact check finds them."""
    spans: dict[tuple[int, int], str] = {}
    for item in extract(text):
        kind = _KNOWN_TYPES.get(item.detail.kind)
        if kind is not None:
            spans[(item.detail.start, item.detail.end)] = kind
    return spans


def _find(name: str, text: str) -> tuple[int, int] | None:
    """Where ``name`` first occurs in ``text`` as whole words (None: it does not)."""
    match = re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text)
    return (match.start(), match.end()) if match else None


# ---------------------------------------------------------------- the job
def analyze_job(request: AnalyzeRequest, limits: ModelLimits) -> Job:
    """One text (too long a text is cut to what fits, or refused with a sentence).

    The job's :class:`~desktop_slm.tools.jobs.JobOutput` has the Markdown card as
    ``text`` and :meth:`Analysis.to_json` as ``detail["analysis"]``.
    """
    request.check()
    text, notice = fit_text(request.text, limits)
    return _analysis_steps(text, notice, limits.answer_tokens(ANSWER_TOKENS))


def _analysis_steps(text: str, notice: str, budget: int) -> Job:
    prompt = analysis_prompt(text)
    try:
        answer = yield Step(prompt, "Analysing the text", 1, 1, budget, phase="final")
    except JobCancelled as stop:
        return JobOutput(stop.partial_text, {"partial": True})
    analysis = parse_analysis(answer, text)
    detail = {"analysis": analysis.to_json(), "analysed_text": text}
    return JobOutput(analysis.to_markdown(), detail, (notice,) if notice else ())
