"""What a tool hands the engine, and how it is sent to chat or base models."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from desktop_slm.engine.protocol import (
    Completion,
    Lane,
    ProgressCallback,
    SamplingOptions,
    TokenEvent,
)
from desktop_slm.tools.thinking import ThinkingFilter, strip_thinking

if TYPE_CHECKING:
    from desktop_slm.engine.client import ActiveModel, EngineClient, Prefilled


class TextEngine(Protocol):
    """What the tools need from an engine; :class:`EngineClient` is one."""

    @property
    def active_model(self) -> ActiveModel | None: ...

    def chat(
        self,
        messages: list[dict[str, str]],
        options: SamplingOptions | None = None,
        *,
        on_progress: ProgressCallback | None = None,
    ) -> Iterator[TokenEvent | Completion]: ...

    def complete(
        self,
        prompt: str,
        options: SamplingOptions | None = None,
        *,
        on_progress: ProgressCallback | None = None,
        lane: Lane = "main",
    ) -> Iterator[TokenEvent | Completion]: ...

    def count_tokens(self, text: str) -> int: ...

    def cancel(self) -> None: ...


@dataclass(frozen=True)
class ToolPrompt:
    """One request, in both shapes a model may need.

    ``messages`` go to instruction-tuned models through their own chat template.
    A base model has no chat template, so it gets ``completion_prompt``: a plain
    document whose natural continuation is the answer, ended by ``completion_stop``.
    """

    messages: tuple[dict[str, str], ...]
    completion_prompt: str
    completion_stop: tuple[str, ...] = ()
    completion_prefix: str = ""
    """Start of the answer that the completion prompt already contains (e.g. "Subject:")."""
    suggested_max_tokens: int = 512
    grammar: str | None = None
    """GBNF the chat answer must follow (e.g. "Subject: …", a blank line, the body)."""
    completion_grammar: str | None = None
    """GBNF for the completion answer, which starts after ``completion_prefix``."""
    grammar_until: str = ""
    """The grammars hold up to the first occurrence of this text (see
    :attr:`SamplingOptions.grammar_until`)."""
    chat_prefix: str = ""
    """Start of the answer the app writes itself for a chat model (a reply's known
    subject line): streamed first and part of the answer's text, never generated."""
    copies_input: bool = False
    """The answer copies much of its input (a rewrite, a grammar fix, a translation): the
    engine may draft tokens from the prompt (:attr:`SamplingOptions.prompt_lookup`)."""


def stream(
    client: TextEngine,
    prompt: ToolPrompt,
    options: SamplingOptions,
    on_progress: ProgressCallback | None = None,
) -> Iterator[TokenEvent | Completion]:
    """Send ``prompt`` the way the active model understands it.

    A thinking model's ``<think>…</think>`` block never reaches the caller: not in
    the streamed tokens, not in the final ``Completion.text``. ``on_progress`` hears
    how far the model has read a long prompt.
    """
    active = client.active_model
    if active is not None and active.info.is_base_model:
        stops = tuple(dict.fromkeys((*options.stop, *prompt.completion_stop)))
        sent = replace(
            options,
            stop=stops,
            grammar=prompt.completion_grammar,
            grammar_until=prompt.grammar_until,
            prompt_lookup=prompt.copies_input,
        )
        events = client.complete(prompt.completion_prompt, sent, on_progress=on_progress)
        return _without_thinking(_prefixed(events, prompt.completion_prefix))
    shaped = replace(
        options,
        grammar=prompt.grammar,
        grammar_until=prompt.grammar_until,
        prompt_lookup=prompt.copies_input,
    )
    chat = client.chat([dict(m) for m in prompt.messages], shaped, on_progress=on_progress)
    return _without_thinking(_prefixed(chat, prompt.chat_prefix))


def prefill(
    client: EngineClient, prompt: ToolPrompt, stop: threading.Event | None = None
) -> Prefilled:
    """Evaluate ``prompt`` ahead of time in the shape :func:`stream` will send it."""
    active = client.active_model
    if active is not None and active.info.is_base_model:
        return client.prefill(prompt=prompt.completion_prompt, stop=stop)
    return client.prefill(messages=[dict(m) for m in prompt.messages], stop=stop)


def _prefixed(
    events: Iterator[TokenEvent | Completion], prefix: str
) -> Iterator[TokenEvent | Completion]:
    sent = False
    for event in events:
        if isinstance(event, TokenEvent):
            if not sent and prefix:
                yield TokenEvent(event.request_id, prefix, tokens=0)  # not generated
            sent = True
            yield event
        else:
            yield replace(event, text=prefix + event.text) if sent else event


def _without_thinking(
    events: Iterator[TokenEvent | Completion],
) -> Iterator[TokenEvent | Completion]:
    hidden = ThinkingFilter()
    try:
        for event in events:
            if isinstance(event, TokenEvent):
                visible = hidden.feed(event.text)
                if visible:
                    yield replace(event, text=visible)
            else:
                rest = hidden.finish()
                if rest:
                    yield TokenEvent(event.request_id, rest, tokens=0)  # counted already
                yield replace(event, text=strip_thinking(event.text))
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()  # lets the client cancel a request nobody listens to any more
