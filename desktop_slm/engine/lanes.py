"""The suggestion lane: a second llama.cpp context on the loaded model, for inline suggestions.

The worker's main context serves Generate and its prefills; evaluating one of those
replaces the KV cache, so the next suggestion had to read its prompt again (a few hundred
milliseconds). Suggestions therefore get their own context on the same model: the weights
are shared (``Llama._model``, loaded once), the context has its own KV cache, batch and
token history, so each lane keeps its own prefix for the next request.

:func:`suggestion_llama` builds a ``Llama``-like object around that context, so
``Llama.eval``/``Llama.generate``, the grammar sampler and the prefix reuse work on it
unchanged. Requests run one at a time, on either lane.
"""

from __future__ import annotations

import contextlib
import ctypes
from typing import Any

LANES = ("main", "suggest")
"""What a request's ``lane`` may name (protocol field; "main" when absent)."""

SUGGEST_N_CTX = 1024
"""The suggestion lane's context (capped by the main one): a suggestion's prompt is at most
600 characters (about 150 tokens of English, up to some 600 of CJK) plus a few dozen
tokens of answer. For SmolLM2-135M its KV cache is 24 MB."""


class SuggestionLane:
    """The suggestion context of one loaded model; :meth:`close` frees it (before the model)."""

    def __init__(self, llama: Any, *, n_ctx: int, n_threads: int) -> None:
        self.llama = suggestion_llama(llama, n_ctx=n_ctx, n_threads=n_threads)

    @property
    def ctx(self) -> Any:
        return self.llama._ctx.ctx

    def fit(self, prompt: list[int], answer_tokens: int) -> list[int]:
        """``prompt`` cut to its last tokens when it and the answer would not fit.

        A suggestion continues the end of the text, so its start is what can go (the
        first token stays: it is BOS for models that use one).
        """
        room = self.llama.n_ctx() - max(1, answer_tokens)
        if len(prompt) <= room:
            return prompt
        return prompt[:1] + prompt[len(prompt) - room + 1 :]

    def close(self) -> None:
        self.llama._stack.close()


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

    n_ctx = max(16, min(n_ctx, llama.n_ctx()))
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
