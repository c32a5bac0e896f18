"""Grammar-constrained sampling that checks the grammar against the chosen token first.

llama-cpp-python puts the grammar sampler into the chain before top-k, so llama.cpp
checks every token of the vocabulary against the grammar at every step (262,144 of
them for Gemma 3): that costs more than a small model's own step. llama.cpp's own
``common_sampler`` does "sample, then check" instead, and so does this module:

1. sample with the ordinary chain (penalties, top-k, top-p, min-p, temperature or
   greedy), without the grammar;
2. check only the chosen token against the grammar (the grammar sampler applied to a
   one-candidate array);
3. only if the grammar rejects it, apply the grammar to the whole vocabulary and
   sample again with the chain (greedy first tries the most likely tokens: see
   :meth:`GrammarSampler._greedy_among_likely`);
4. accept the token into the grammar and into the chain (the repeat penalty's history).

At temperature 0 the answer is the same token for token as the full-vocabulary path:
greedy picks the most likely token the grammar allows either way. Sampling draws from
the model's own distribution and is corrected only when it leaves the grammar, so every
answer still follows the grammar.
"""

from __future__ import annotations

import ctypes
import math
from collections.abc import Generator
from typing import Any

import numpy as np

LIKELY = 1024
"""Greedy checks the grammar against this many of the most likely tokens before the whole
vocabulary (a few hundred microseconds against 9-70 ms for 49k-262k tokens)."""


class GrammarParseError(ValueError):
    """llama.cpp could not read the GBNF text."""


class GrammarSampler:
    """Picks each next token so that the answer follows one GBNF grammar.

    Owns a llama.cpp grammar sampler and a sampler chain built exactly as
    ``Llama.generate`` builds it (``Llama._init_sampler``, without the grammar). Both
    are native objects: call :meth:`close` (or use ``with``) when the request ends.
    """

    def __init__(self, llama_cpp: Any, llama: Any, grammar: str, sampling: dict[str, Any]) -> None:
        self._lib = llama_cpp
        vocab = llama._model.vocab
        self._grammar: Any = llama_cpp.llama_sampler_init_grammar(
            vocab, grammar.encode("utf-8"), b"root"
        )
        if not self._grammar:
            raise GrammarParseError("llama.cpp could not parse the grammar")
        # The very chain Llama.generate samples with, so everything but the grammar
        # step (penalties, top-k/top-p/min-p, temperature, the seed) is unchanged.
        try:
            self._chain: Any = llama._init_sampler(grammar=None, **sampling)
        except BaseException:
            llama_cpp.llama_sampler_free(self._grammar)
            raise
        self._n_vocab = int(llama_cpp.llama_vocab_n_tokens(vocab))
        self._ids = np.arange(self._n_vocab, dtype=np.int32)
        self._data = (llama_cpp.llama_token_data * self._n_vocab)()
        self._fields = np.ctypeslib.as_array(self._data)
        self._all = llama_cpp.llama_token_data_array(
            data=self._data, size=self._n_vocab, selected=-1, sorted=False
        )
        self._one_data = (llama_cpp.llama_token_data * 1)()
        self._one = llama_cpp.llama_token_data_array(
            data=self._one_data, size=1, selected=-1, sorted=False
        )
        # Greedy with a penalty that only lowers logits can look among the likely
        # tokens first (exact, see _greedy_among_likely).
        self._greedy = (
            sampling.get("temp", 0.8) == 0.0 and sampling.get("repeat_penalty", 1.0) >= 1.0
        )
        self.rejected = 0
        """How many sampled tokens the grammar turned down."""
        self.full_checks = 0
        """How many of those needed the grammar checked against the whole vocabulary."""

    def __enter__(self) -> GrammarSampler:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._grammar is not None:
            self._lib.llama_sampler_free(self._grammar)
            self._grammar = None
        if self._chain is not None:
            self._chain.close()
            self._chain = None

    def _fill(self, logits: Any) -> None:
        """The candidates as ``llama_sampler_sample`` builds them: every token, its logit."""
        self._fields["id"] = self._ids
        self._fields["logit"] = np.ctypeslib.as_array(logits, shape=(self._n_vocab,))
        self._fields["p"] = 0.0
        self._all.size = self._n_vocab
        self._all.selected = -1
        self._all.sorted = False

    def _chosen(self) -> int:
        selected = int(self._all.selected)
        if not 0 <= selected < self._all.size:
            raise RuntimeError("llama.cpp's sampler chose no token")
        return int(self._data[selected].id)

    def _allows(self, token: int) -> bool:
        self._one_data[0].id = token
        self._one_data[0].logit = 0.0
        self._one_data[0].p = 0.0
        self._one.size = 1
        self._one.selected = -1
        self._one.sorted = False
        self._lib.llama_sampler_apply(self._grammar, ctypes.byref(self._one))
        return not math.isinf(self._one_data[0].logit)

    def _greedy_among_likely(self, logits: Any) -> int | None:
        """The best token the grammar allows, looked for among the likely ones only.

        The candidates are the :data:`LIKELY` tokens of highest logit (and any tied with
        the last). The repeat penalty only lowers logits, so an allowed candidate whose
        penalized logit is still at or above the lowest candidate's raw logit beats every
        token left out: it is exactly what greedy over the whole vocabulary picks (ties go
        to the lower token id, as there). None when no candidate passes that test.
        """
        raw = np.ctypeslib.as_array(logits, shape=(self._n_vocab,))
        count = min(LIKELY, self._n_vocab)
        threshold = raw[np.argpartition(raw, self._n_vocab - count)[self._n_vocab - count :]].min()
        ids = np.flatnonzero(raw >= threshold).astype(np.int32)  # ascending, like the vocabulary
        size = len(ids)
        self._fields["id"][:size] = ids
        self._fields["logit"][:size] = raw[ids]
        self._fields["p"][:size] = 0.0
        self._all.size = size
        self._all.selected = -1
        self._all.sorted = False
        self._lib.llama_sampler_apply(self._grammar, ctypes.byref(self._all))
        self._lib.llama_sampler_apply(self._chain.sampler, ctypes.byref(self._all))
        token = self._chosen()
        penalized = float(self._data[self._all.selected].logit)
        if math.isinf(penalized) or penalized < threshold:
            return None
        return token

    def sample(self, ctx: Any, idx: int = -1) -> int:
        """The next token from the logits of output ``idx``, accepted into the grammar."""
        lib = self._lib
        chain = self._chain.sampler
        logits = lib.llama_get_logits_ith(ctx, idx)
        self._fill(logits)
        lib.llama_sampler_apply(chain, ctypes.byref(self._all))
        token = self._chosen()
        if not self._allows(token):
            self.rejected += 1
            likely = self._greedy_among_likely(logits) if self._greedy else None
            if likely is not None:
                token = likely
            else:
                self.full_checks += 1
                self._fill(logits)  # the chain reordered and truncated the candidates
                lib.llama_sampler_apply(self._grammar, ctypes.byref(self._all))
                lib.llama_sampler_apply(chain, ctypes.byref(self._all))
                token = self._chosen()
        lib.llama_sampler_accept(self._grammar, token)
        lib.llama_sampler_accept(chain, token)
        return token


def reuse_cache(llama: Any, prompt: list[int]) -> list[int]:
    """Keep the KV cache of the longest prefix of ``prompt`` the last request left.

    Exactly what ``Llama.generate`` does: one token is re-evaluated for fresh logits
    unless the whole prompt and its logits are still there. Returns the tokens that
    still need evaluating; ``n_tokens`` and ``input_ids`` stay in step with the cache.
    """
    tokens = list(prompt)
    if llama.n_tokens > 0:
        longest = 0
        for a, b in zip(llama._input_ids, tokens, strict=False):
            if a != b:
                break
            longest += 1
        consumed = longest == len(tokens)
        if consumed and llama.n_tokens == len(tokens) and not llama._requires_eval:
            return []  # the logits of the whole prompt are still there
        reuse = longest - 1 if consumed else longest
        if reuse > 0 and llama._ctx.kv_cache_seq_rm(-1, reuse, -1):
            llama.n_tokens = reuse
            llama._requires_eval = True
            return tokens[reuse:]
    llama.reset()
    return tokens


def generate(llama: Any, prompt: list[int], sampler: GrammarSampler) -> Generator[int, None, None]:
    """``Llama.generate`` with its sampling step done by ``sampler``.

    Keeps what ``Llama.generate`` keeps: the KV cache of the longest prompt prefix the
    last request left (:func:`reuse_cache`), and ``input_ids`` in step with the cache,
    so the next request reuses it in turn.
    """
    tokens = reuse_cache(llama, prompt)
    while True:
        llama.eval(tokens)
        token = sampler.sample(llama._ctx.ctx, -1)
        yield token
        tokens = [token]
