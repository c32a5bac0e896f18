"""The suggestion lane: llama.cpp contexts of their own on the loaded model, for suggestions.

The worker's main context serves Generate and its prefills; evaluating one of those
replaces the KV cache, so the next suggestion had to read its prompt again (a few hundred
milliseconds). Suggestions therefore get their own contexts on the same model: the
weights are shared (``Llama._model``, loaded once); each context has its own KV cache,
batch and token history, so it keeps its prefix for the next request. Two of them, so
the next prompt window can be evaluated ahead while the current one stays cached.

:func:`suggestion_llama` builds a ``Llama``-like object around such a context, so
``Llama.eval``/``Llama.generate``, the grammar sampler and the prefix reuse work on it
unchanged. Requests run one at a time, whatever their lane.
"""

from __future__ import annotations

import contextlib
import ctypes
from collections.abc import Callable
from typing import Any

LANES = ("main", "suggest")
"""What a request's ``lane`` may name (protocol field; "main" when absent)."""

SUGGEST_N_CTX = 1024
"""The suggestion lane's context (capped by the main one): a suggestion's prompt is at most
600 characters (about 150 tokens of English, up to some 600 of CJK) plus a few dozen
tokens of answer. For SmolLM2-135M a context takes about 35 MB (24 MB of it KV cache)."""


SUGGEST_CONTEXTS = 2
"""Contexts the suggestion lane keeps: the prompt of the window being typed in, and the
next window, prepared ahead (``tools.predict.prepare_next``) or another text box's."""


class SuggestionLane:
    """The suggestion contexts of one loaded model; :meth:`close` frees them.

    A request goes to the context whose cached tokens start like its prompt (more than
    the first token alike); if none does, to a new context while there are fewer than
    :data:`SUGGEST_CONTEXTS`, else to the one used least recently. So preparing the next
    prompt window, or suggesting in another text box, replaces no cache still in use.
    ``prepare(llama)`` is called for each new context (the worker installs its abort flag).
    """

    def __init__(
        self, llama: Any, *, n_ctx: int, n_threads: int, prepare: Callable[[Any], None]
    ) -> None:
        self._model = llama
        self.n_ctx = max(16, min(n_ctx, llama.n_ctx()))
        self._n_threads = n_threads
        self._prepare = prepare
        self.contexts: list[Any] = []
        """Each a ``Llama`` on its own context; the most recently used last."""

    def context_for(self, prompt: list[int]) -> Any:
        best, longest = None, 1
        for llama in self.contexts:
            shared = common_prefix(llama._input_ids, prompt) if llama.n_tokens > 0 else 0
            if shared > longest:
                best, longest = llama, shared
        if best is None and len(self.contexts) < SUGGEST_CONTEXTS:
            best = suggestion_llama(self._model, n_ctx=self.n_ctx, n_threads=self._n_threads)
            self._prepare(best)
        elif best is None:
            best = self.contexts[0]
        if best in self.contexts:
            self.contexts.remove(best)
        self.contexts.append(best)
        return best

    def set_threads(self, n_threads: int) -> None:
        self._n_threads = n_threads  # for contexts made from now on

    def close(self) -> None:
        """Free every context (before the model they use)."""
        for llama in self.contexts:
            llama._stack.close()
        self.contexts.clear()


def fit(prompt: list[int], n_ctx: int, answer_tokens: int) -> list[int]:
    """``prompt`` cut to its last tokens when it and the answer would not fit in ``n_ctx``.

    A suggestion continues the end of the text, so its start is what can go (the first
    token stays: it is BOS for models that use one).
    """
    room = n_ctx - max(1, answer_tokens)
    if len(prompt) <= room:
        return prompt
    return prompt[:1] + prompt[len(prompt) - room + 1 :]


def common_prefix(a: Any, b: list[int]) -> int:
    """How many tokens ``a`` and ``b`` share from their start."""
    count = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        count += 1
    return count


def suggestion_llama(llama: Any, *, n_ctx: int, n_threads: int) -> Any:
    """A ``Llama`` that shares ``llama``'s model but owns a new context of ``n_ctx`` tokens.

    Built without ``Llama.__init__`` (which loads the weights): a copy of ``llama``'s
    attributes, with everything that belongs to a context made new. Its ``close()``
    frees only its own context and batch; llama-cpp-python also frees a context
    before its model when the model is closed first.
    """
    import llama_cpp
    import numpy as np
    from llama_cpp import _internals as internals

    n_batch = min(llama.n_batch, n_ctx)
    params = llama_cpp.llama_context_params.from_buffer_copy(llama.context_params)
    params.n_ctx = n_ctx
    params.n_batch = n_batch
    params.n_ubatch = min(params.n_ubatch, n_batch)
    params.n_threads = n_threads
    params.n_threads_batch = n_threads

    lane = object.__new__(type(llama))
    lane.__dict__.update(llama.__dict__)
    lane._stack = contextlib.ExitStack()
    lane.context_params = params
    lane.n_batch = n_batch
    lane._ctx = lane._stack.enter_context(
        contextlib.closing(internals.LlamaContext(model=llama._model, params=params, verbose=False))
    )
    lane._batch = lane._stack.enter_context(
        contextlib.closing(
            internals.LlamaBatch(n_tokens=n_batch, embd=0, n_seq_max=n_ctx, verbose=False)
        )
    )
    lane._n_ctx = lane.n_ctx()
    lane._candidates = internals.LlamaTokenDataArray(n_vocab=lane._n_vocab)
    lane._sampler = None
    lane._mirostat_mu = ctypes.c_float(10.0)  # as Llama.__init__ sets it
    lane.n_tokens = 0
    lane._requires_eval = True
    lane.input_ids = np.zeros((n_ctx,), dtype=np.intc)
    # Logits are read from llama.cpp by the samplers; without logits_all Llama.eval never
    # writes these rows, so one row (not n_batch x n_vocab floats) is enough.
    lane.scores = np.zeros((n_ctx if lane._logits_all else 1, lane._n_vocab), dtype=np.single)
    return lane
