"""The engine's wire protocol: JSON lines between the app and its worker process.

Version 1. Every line is one UTF-8 JSON object.

App -> worker (requests; ``id`` is a positive integer chosen by the client):

* ``{"op": "load", "id", "path", "n_ctx", "n_threads", "auto_threads"}``: with
  ``auto_threads`` the worker uses up to ``n_threads``, fewer while other programs
  keep cores busy
* ``{"op": "chat", "id", "messages": [{"role", "content"}], "max_tokens", "temperature",
  "top_p", "seed", "stop": [...], "grammar"}``: models with a chat template only.
  ``grammar`` (optional, null for none) is GBNF text (llama.cpp's grammar format) that
  the answer must follow; one that does not parse is answered by an ``error`` event
  with code ``bad_grammar``. With ``grammar_until`` (text) the grammar holds only up to
  the first occurrence of that text in the answer, which then goes on freely.
  ``prompt_lookup`` (optional, default false): the answer copies much of its input
  (a rewrite, a translation), so draft tokens from the prompt and verify them in one
  batch (``engine/lookup.py``); the answer is the same, the worker decides per model
  whether drafting pays
* ``{"op": "complete", "id", "prompt", ...same sampling fields}``: plain text continuation
* ``{"op": "count_tokens", "id", "text"}``
* ``{"op": "prefill", "id", "messages" | "prompt"}``: evaluate a chat (through the
  model's template) or a plain prompt ahead of time, without answering; a later
  ``chat``/``complete`` sharing the prefix evaluates only the rest. Cancellable.
  Answered by ``result`` with ``prompt_tokens``, ``evaluated_tokens``,
  ``cached_prompt_tokens`` and ``cancelled``.
* ``lane`` (optional, on ``chat``, ``complete`` and ``prefill``): ``"main"`` (the
  default) or ``"suggest"``. The suggestion lane is a second llama.cpp context on the
  same loaded model with its own KV cache (1,024 tokens at most), so inline suggestions
  and the main requests never evict each other's cached prompt; a prompt too long for
  it keeps its end. Requests still run one at a time; ``cancel`` stops either lane
* ``{"op": "cancel", "id"}``: stops request ``id`` (generation or prompt evaluation)
* ``{"op": "unload", "id"}``, ``{"op": "shutdown", "id"}``

Worker -> app (events; each carries the ``id`` of the request it answers):

* ``{"event": "hello", "protocol": 1, "pid", "llama_cpp_version", "system_info",
  "cpu_backend": {"variant", "library", "features", "loaded_from"}}`` once at start
* ``{"event": "loaded", "id", "n_ctx", "n_ctx_train", "n_threads", "load_s"}``
* ``{"event": "progress", "id", "read", "total", "cached"}``: a ``chat``/``complete``
  reading a long prompt (more than one batch of 256 tokens left after the ``cached``
  tokens reused from the last request). ``read`` of ``total`` prompt tokens are in the
  model's cache; sent once before reading (``read`` = ``cached``), after each batch of at
  most 256 tokens, and with ``read`` = ``total`` just before the first ``token`` (the
  last prompt token is read together with the first answer token). ``read`` only grows.
  A shorter prompt gets no ``progress`` event
* ``{"event": "token", "id", "text", "n"}``: streamed answer text, in order, from ``n``
  generated tokens (sent in batches, at most about 30 a second)
* ``{"event": "done", "id", "finish_reason", "prompt_tokens", "cached_prompt_tokens",
  "completion_tokens", "n_threads",
  "cancelled_during", "timings": {"ttft_s", "prompt_s", "generation_s", "total_s",
  "tokens_per_s", "prompt_tokens_per_s"}}``; ``finish_reason`` is ``stop``, ``length``
  or ``cancelled``; ``cancelled_during`` is ``prompt``, ``generation`` or null. A request
  that drafted adds ``"lookup": {"drafted_steps", "drafted_tokens", "accepted_tokens",
  "acceptance", "speedup", "stopped"}``
* ``{"event": "result", "id", ...}``: answer to count_tokens / unload / shutdown
* ``{"event": "error", "id", "code", "message"}``: ``message`` is for people

A request gets exactly one final event: loaded, done, result or error. The worker
exits when its stdin closes, so it never outlives the app.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

PROTOCOL_VERSION = 1

Lane = Literal["main", "suggest"]
"""Which llama.cpp context of the worker a request runs on (see ``lane`` above)."""

FINAL_EVENTS = frozenset({"loaded", "done", "result", "error"})


def encode(message: dict[str, Any]) -> bytes:
    return (json.dumps(message, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def decode(line: bytes | str) -> dict[str, Any]:
    value = json.loads(line)
    if not isinstance(value, dict):
        raise ValueError("protocol message is not a JSON object")
    return value


@dataclass(frozen=True)
class SamplingOptions:
    """How the next tokens are chosen. ``temperature`` 0 means greedy (repeatable)."""

    max_tokens: int = 512
    temperature: float = 0.7
    top_p: float = 0.95
    top_k: int = 40
    min_p: float = 0.05
    repeat_penalty: float = 1.05
    seed: int | None = None
    stop: tuple[str, ...] = ()
    grammar: str | None = None
    """GBNF text the answer must follow (e.g. "Subject: …", a blank line, a body)."""
    grammar_until: str = ""
    """The grammar holds up to the first occurrence of this text, then the answer goes on
    freely (an email constrains only its subject line)."""
    prompt_lookup: bool = False
    """Draft tokens from the prompt (prompt-lookup decoding): for answers that copy their
    input. The answer is the same; it is faster where the worker measured that it pays."""

    def to_wire(self) -> dict[str, Any]:
        return {
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "top_k": self.top_k,
            "min_p": self.min_p,
            "repeat_penalty": self.repeat_penalty,
            "seed": self.seed,
            "stop": list(self.stop),
            "grammar": self.grammar,
            "grammar_until": self.grammar_until,
            "prompt_lookup": self.prompt_lookup,
        }

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> SamplingOptions:
        return cls(
            max_tokens=int(data.get("max_tokens", 512)),
            temperature=float(data.get("temperature", 0.7)),
            top_p=float(data.get("top_p", 0.95)),
            top_k=int(data.get("top_k", 40)),
            min_p=float(data.get("min_p", 0.05)),
            repeat_penalty=float(data.get("repeat_penalty", 1.05)),
            seed=None if data.get("seed") is None else int(data["seed"]),
            stop=tuple(str(s) for s in data.get("stop") or ()),
            grammar=str(data["grammar"]) if data.get("grammar") else None,
            grammar_until=str(data.get("grammar_until") or ""),
            prompt_lookup=bool(data.get("prompt_lookup", False)),
        )


@dataclass(frozen=True)
class Timings:
    ttft_s: float = 0.0
    prompt_s: float = 0.0
    generation_s: float = 0.0
    total_s: float = 0.0
    tokens_per_s: float = 0.0
    prompt_tokens_per_s: float = 0.0


@dataclass(frozen=True)
class Completion:
    """The final event of a generation, as plain data."""

    request_id: int
    text: str
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int
    timings: Timings = field(default_factory=Timings)
    cancelled_during: str | None = None
    cached_prompt_tokens: int = 0
    """Prompt tokens reused from the previous request instead of evaluated again."""
    n_threads: int = 0
    """Threads the request ran with (automatic threads follow the machine's load)."""
    lookup: dict[str, Any] | None = None
    """What prompt-lookup drafting did (the ``done`` event's ``lookup``), None if it did not
    draft."""

    @property
    def cancelled(self) -> bool:
        return self.finish_reason == "cancelled"

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "finish_reason": self.finish_reason,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cached_prompt_tokens": self.cached_prompt_tokens,
            "cancelled_during": self.cancelled_during,
            "timings": self.timings.__dict__.copy(),
        }


@dataclass(frozen=True)
class TokenEvent:
    request_id: int
    text: str
    tokens: int = 1
    """How many generated tokens the text came from (the worker sends them in batches)."""


@dataclass(frozen=True)
class ReadProgress:
    """How far the model has read a long prompt (the ``progress`` event)."""

    request_id: int
    read: int
    """Prompt tokens in the model's cache now (``cached`` included)."""
    total: int
    cached: int = 0
    """Tokens reused from the previous request: read before this request started."""


ProgressCallback = Callable[[ReadProgress], None]
"""Hears :class:`ReadProgress` on the thread that iterates the request."""


@dataclass(frozen=True)
class LoadedModel:
    path: str
    n_ctx: int
    n_ctx_train: int
    n_threads: int
    load_s: float
