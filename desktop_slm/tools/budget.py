"""Token budgets: how much text fits the model's context next to a prompt and an answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from desktop_slm.errors import UserFacingError
from desktop_slm.tools.prompt import TextEngine, ToolPrompt

CountTokens = Callable[[str], int]

# The chat template wraps every message in a few special tokens (role markers, ends
# of turn) that counting the plain contents does not see; these bounds are generous
# for the templates of common small models (ChatML, Gemma, Llama 3, Phi).
TEMPLATE_TOKENS_PER_MESSAGE = 8
TEMPLATE_TOKENS = 24
SAFETY_TOKENS = 16
"""Room kept free because tokens counted piece by piece may differ slightly in a whole."""

MIN_ANSWER_TOKENS = 48
"""A shorter answer budget than this (or than a quarter of the wanted one) is useless."""

WORDS_PER_TOKEN = 0.75


def words_for(tokens: int) -> int:
    """A rough number of English words for ``tokens``, for messages people read."""
    return max(1, round(tokens * WORDS_PER_TOKEN / 10) * 10) if tokens >= 10 else tokens


class InputTooLong(UserFacingError):
    """The input cannot fit the model's context and this tool cannot split it."""

    def __init__(self, *, what: str, excess_tokens: int, n_ctx: int) -> None:
        super().__init__(
            f"Too much text in the {what}: about {excess_tokens:,} tokens (roughly "
            f"{words_for(excess_tokens):,} words) more than fits this model's context of "
            f"{n_ctx:,} tokens next to the instructions and the answer. Shorten it, or "
            "summarize it first with the Summarize tool and use the summary.",
            code="input_too_long",
        )
        self.excess_tokens = excess_tokens
        self.n_ctx = n_ctx


@dataclass(frozen=True)
class ModelLimits:
    """What a tool must know about the loaded model to plan its requests."""

    n_ctx: int
    count_tokens: CountTokens
    base_model: bool = False
    max_answer_tokens: int | None = None
    """The user's cap on every single answer (``--max-tokens``); ``None``: the tool decides."""

    @classmethod
    def of(cls, client: TextEngine, *, max_answer_tokens: int | None = None) -> ModelLimits:
        """Limits of the model loaded in ``client`` (its context and its own tokenizer)."""
        active = client.active_model
        if active is None:
            raise UserFacingError("No model is loaded. Choose a model first.", code="no_model")
        return cls(
            n_ctx=active.loaded.n_ctx,
            count_tokens=client.count_tokens,
            base_model=active.info.is_base_model,
            max_answer_tokens=max_answer_tokens,
        )

    def answer_tokens(self, wanted: int) -> int:
        """The answer budget for a step that would like ``wanted`` tokens."""
        if self.max_answer_tokens is not None:
            wanted = min(wanted, self.max_answer_tokens)
        return max(1, wanted)

    def prompt_tokens(self, prompt: ToolPrompt) -> int:
        """Tokens ``prompt`` takes in the context, counted with the model's tokenizer."""
        if self.base_model:
            return self.count_tokens(prompt.completion_prompt) + SAFETY_TOKENS
        contents = sum(self.count_tokens(m["content"]) for m in prompt.messages)
        return contents + TEMPLATE_TOKENS_PER_MESSAGE * len(prompt.messages) + TEMPLATE_TOKENS

    def fit_answer(self, prompt: ToolPrompt, answer_tokens: int, *, what: str) -> int:
        """The answer budget ``prompt`` leaves room for: ``answer_tokens`` or less.

        The input is never cut: when the prompt leaves too little room for a useful
        answer, :class:`InputTooLong` says by how much it is too long.
        """
        room = self.n_ctx - self.prompt_tokens(prompt) - SAFETY_TOKENS
        minimum = min(answer_tokens, max(MIN_ANSWER_TOKENS, answer_tokens // 4))
        if room < minimum:
            raise InputTooLong(what=what, excess_tokens=minimum - room, n_ctx=self.n_ctx)
        return min(answer_tokens, room)
