"""What a tool hands the engine, and how it is sent to chat or base models."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from desktop_slm.engine.client import EngineClient
from desktop_slm.engine.protocol import Completion, SamplingOptions, TokenEvent


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


def stream(
    client: EngineClient, prompt: ToolPrompt, options: SamplingOptions
) -> Iterator[TokenEvent | Completion]:
    """Send ``prompt`` the way the active model understands it."""
    active = client.active_model
    if active is not None and active.info.is_base_model:
        stops = tuple(dict.fromkeys((*options.stop, *prompt.completion_stop)))
        events = client.complete(prompt.completion_prompt, replace(options, stop=stops))
        return _prefixed(events, prompt.completion_prefix)
    return client.chat([dict(m) for m in prompt.messages], options)


def _prefixed(
    events: Iterator[TokenEvent | Completion], prefix: str
) -> Iterator[TokenEvent | Completion]:
    sent = False
    for event in events:
        if isinstance(event, TokenEvent):
            if not sent and prefix:
                yield TokenEvent(event.request_id, prefix)
            sent = True
            yield event
        else:
            yield replace(event, text=prefix + event.text) if sent else event
