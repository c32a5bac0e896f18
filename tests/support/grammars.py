"""Grammars the engine is tested and benchmarked with: an analysis as a JSON schema."""

from __future__ import annotations

import json
from typing import Any

SENTIMENTS = ["positive", "negative", "neutral", "mixed"]
ENTITY_TYPES = ["person", "organisation", "place", "date", "amount", "product"]


def analysis_schema(
    *, max_chars: int | None = None, max_items: int | None = None
) -> dict[str, Any]:
    """The shape of an analysis answer; the bounds keep a sampled answer finite."""
    text: dict[str, Any] = {"type": "string"}
    if max_chars is not None:
        text["maxLength"] = max_chars

    def listing(items: dict[str, Any]) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "array", "items": items}
        if max_items is not None:
            schema["maxItems"] = max_items
        return schema

    return {
        "type": "object",
        "properties": {
            "sentiment": {
                "type": "object",
                "properties": {"label": {"enum": SENTIMENTS}, "reason": text},
                "required": ["label", "reason"],
            },
            "entities": listing(
                {
                    "type": "object",
                    "properties": {"text": text, "type": {"enum": ENTITY_TYPES}},
                    "required": ["text", "type"],
                }
            ),
            "key_facts": listing(text),
            "action_items": listing(text),
        },
        "required": ["sentiment", "entities", "key_facts", "action_items"],
    }


def analysis_grammar(*, max_chars: int | None = None, max_items: int | None = None) -> str:
    """:func:`analysis_schema` as GBNF, the way llama-cpp-python turns a JSON schema into one."""
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    schema = analysis_schema(max_chars=max_chars, max_items=max_items)
    return str(json_schema_to_gbnf(json.dumps(schema)))


REVIEW = (
    "I ordered the Nordlys kettle from Acme in Berlin on 3 May and paid 89 euros. It "
    "arrived broken and nobody answered my emails. Anna Berg from support finally called: "
    "please refund the 89 euros or send a new kettle by Friday."
)
"""A customer review with every kind of entity in it."""


def analysis_prompt(text: str = REVIEW) -> str:
    """A plain prompt (no chat template, so base models answer it too)."""
    return (
        "Analyze the customer review. Answer in JSON with the sentiment (label and a "
        "one-line reason), the named entities with their type, the key facts and the "
        f"action items.\n\nReview: {text}\n\nJSON: "
    )
