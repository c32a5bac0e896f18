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

FIXES: dict[str, RewriteAction] = {
    "add_missing": RewriteAction(
        "Add the missing details",
        "Add these details, which the text leaves out, each where it fits, written exactly "
        "as given: {details}. Change nothing else and add no other facts.",
        "with these details added where they fit: {details}",
        1.3,
    ),
    "remove_invented": RewriteAction(
        "Remove what is not in my notes",
        "Remove these details, which are not in the writer's notes: {details}. Leave out "
        "each one, or the words that only serve it, without putting anything in its place. "
        "Change nothing else.",
        "with these details removed, nothing put in their place: {details}",
        1.0,
    ),
}
"""Follow-ups offered by the fact check: they need the ``details`` it found."""


@dataclass(frozen=True)
class RewriteRequest:
    text: str
    action: str
    language: str = ""
    """Language of the text; empty keeps whatever language it is in."""
    kind: str = "text"
    """What the text is ("email", "report", "summary"), for the model's sake."""
    details: tuple[str, ...] = ()
    """The details a :data:`FIXES` action adds or removes."""

    def instruction(self) -> tuple[str, str]:
        """The action's instruction and description, with the details filled in."""
        action = _action(self.action)
        if self.action not in FIXES:
            return action.instruction, action.description
        details = "; ".join(f'"{detail.strip()}"' for detail in self.details if detail.strip())
        if not details:
            raise OptionError("There are no details to change: the draft matches the notes.")
        return (
            action.instruction.format(details=details),
            action.description.format(details=details),
        )


def _action(name: str) -> RewriteAction:
    action = ACTIONS.get(name) or FIXES.get(name)
    if action is None:
        choices = ", ".join((*ACTIONS, *FIXES))
        raise OptionError(f"Unknown action {name!r}; choose one of: {choices}.")
    return action


def estimate_tokens(text: str) -> int:
    """A tokenizer-free over-estimate (about 3 characters per token) for answer budgets."""
    return len(text) // 3 + 8


def build(request: RewriteRequest) -> ToolPrompt:
    """The prompt that applies ``request.action`` to ``request.text``."""
    text = request.text.strip()
    if not text:
        raise OptionError("There is no text to rewrite yet.")
    instruction, description = request.instruction()
    action = _action(request.action)
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
    user = f"{instruction}\n\nText:\n{text}"
    completion = f"Original {request.kind}:\n{text}\n\nThe same {request.kind}, {description}:\n"
    return ToolPrompt(
        messages=({"role": "system", "content": system}, {"role": "user", "content": user}),
        completion_prompt=completion,
        completion_stop=(f"\nOriginal {request.kind}:", "\n\n\n\n"),
        suggested_max_tokens=max(64, int(estimate_tokens(text) * action.length_factor) + 32),
        copies_input=True,  # every action keeps most of the wording
    )


def job(request: RewriteRequest, limits: ModelLimits) -> Job:
    """One request; refused up front when the text and the answer cannot fit the context."""
    prompt = build(request)
    return single_step(prompt, limits, label=_action(request.action).label, what="text to rewrite")
