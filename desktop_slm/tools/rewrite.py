"""Follow-up actions on a finished output: shorter, longer, more formal, friendlier, fixed."""

from __future__ import annotations

from dataclasses import dataclass

from desktop_slm.errors import OptionError
from desktop_slm.languages import language_name
from desktop_slm.tools.budget import ModelLimits
from desktop_slm.tools.jobs import Job, single_step
from desktop_slm.tools.prompt import ToolPrompt


@dataclass(frozen=True)
class RewriteAction:
    label: str
    """Button text."""
    instruction: str
    description: str
    """For a base model's plain prompt: "the same text, <description>"."""
    length_factor: float
    """Expected answer length relative to the input."""


ACTIONS: dict[str, RewriteAction] = {
    "shorter": RewriteAction(
        "Shorter",
        "Make the text about half as long. Keep every important fact, name, number and "
        "request; drop repetition and filler.",
        "made about half as long, keeping every important fact",
        0.7,
    ),
    "longer": RewriteAction(
        "Longer",
        "Make the text about half again as long by explaining the points more fully. "
        "Do not invent facts, names, dates or numbers.",
        "made longer and more detailed, without new facts",
        1.8,
    ),
    "formal": RewriteAction(
        "More formal",
        "Make the tone more formal and polite, as for a senior reader or an official letter.",
        "rewritten in a more formal and polite tone",
        1.2,
    ),
    "friendly": RewriteAction(
        "More friendly",
        "Make the tone warmer and more friendly while staying professional.",
        "rewritten in a warmer, more friendly tone",
        1.2,
    ),
    "fix": RewriteAction(
        "Fix grammar and spelling",
        "Correct grammar, spelling and punctuation only. Change nothing else: keep the "
        "wording, the tone and the layout.",
        "with grammar, spelling and punctuation corrected and nothing else changed",
        1.1,
    ),
}


@dataclass(frozen=True)
class RewriteRequest:
    text: str
    action: str
    language: str = ""
    """Language of the text; empty keeps whatever language it is in."""
    kind: str = "text"
    """What the text is ("email", "report", "summary"), for the model's sake."""


def estimate_tokens(text: str) -> int:
    """A tokenizer-free over-estimate (about 3 characters per token) for answer budgets."""
    return len(text) // 3 + 8


def build(request: RewriteRequest) -> ToolPrompt:
    """The prompt that applies ``request.action`` to ``request.text``."""
    text = request.text.strip()
    if not text:
        raise OptionError("There is no text to rewrite yet.")
    action = ACTIONS.get(request.action)
    if action is None:
        raise OptionError(
            f"Unknown action {request.action!r}; choose one of: {', '.join(ACTIONS)}."
        )
    language = (
        f"Keep it in {language_name(request.language)}."
        if request.language.strip()
        else "Keep it in the language it is written in."
    )
    system = (
        f"You are an editor. You rewrite the user's {request.kind} as asked. {language} "
        "Keep the Markdown formatting (headings, lists) and, if the text starts with a "
        "'Subject:' line, keep such a line first. Reply with the rewritten text only, "
        "without comments."
    )
    user = f"{action.instruction}\n\nText:\n{text}"
    completion = (
        f"Original {request.kind}:\n{text}\n\nThe same {request.kind}, {action.description}:\n"
    )
    return ToolPrompt(
        messages=({"role": "system", "content": system}, {"role": "user", "content": user}),
        completion_prompt=completion,
        completion_stop=(f"\nOriginal {request.kind}:", "\n\n\n\n"),
        suggested_max_tokens=max(64, int(estimate_tokens(text) * action.length_factor) + 32),
    )


def job(request: RewriteRequest, limits: ModelLimits) -> Job:
    """One request; refused up front when the text and the answer cannot fit the context."""
    prompt = build(request)
    return single_step(prompt, limits, label=ACTIONS[request.action].label, what="text to rewrite")
