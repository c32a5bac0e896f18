"""Prompt-lookup (n-gram) speculative decoding: guess the next tokens from the text so far.

A rewrite, a grammar fix or a translation copies much of its input. After each token
the answer's last few tokens (3, else 2) are looked up in the prompt and the answer so
far; the tokens that followed their latest occurrence are the *draft*. One batch
evaluates the last token and the draft together with logits for every position, and
the request's own sampler chain (repeat penalty, greedy or temperature and its seed)
picks the token at each position in turn, exactly as it would one token at a time. The
draft is kept up to the first position where the pick differs; the pick there is the
next token, and the KV cache is rolled back past it. Every pick comes from the model at
the position it decides, and the random draws are made in the same order, so the answer
is the one plain decoding gives: greedy token for token, sampled from the same
distribution (a draft that is a single guess needs no correction of the sampler).

Arithmetic decides where this may run. llama.cpp's CPU kernels need not give a batch of
tokens bit for bit the logits of the same tokens evaluated one at a time (with flash
attention off, both test models differ by up to about 1 in a logit, enough to turn a
near tie: measured, 2 of 6 short rewrites of SmolLM2 changed). So before a model drafts
for the first time, :func:`exact_batch_size` measures, on a small context of its own,
the largest batch whose logits equal one-token decoding exactly; drafts are cut to fit
it, and a model without one never drafts. Where drafting runs, the answer is therefore
the one plain decoding gives, token for token.

Drafting is used only where it pays (:class:`LookupPolicy`, docs/performance.md): every
step is timed, and a request stops drafting when its drafted steps give fewer tokens per
second than its one-token steps; a model whose last requests did not gain drafts only
on every :data:`PROBE_EVERY`-th request, to notice when that changes.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections import deque
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from desktop_slm.config import app_paths
from desktop_slm.engine.grammar_sampling import reuse_cache
from desktop_slm.fsutil import atomic_write_text

log = logging.getLogger(__name__)

NGRAM_SIZES = (3, 2)
"""The answer's last tokens looked up, longest first (one token matches too often)."""
FIRST_DRAFT = 4
MAX_DRAFT = 12
"""A draft grows while it is accepted whole and shrinks to what was accepted."""
PLAIN_EVERY = 16
"""Every this many steps one is evaluated without a draft, to keep measuring plain speed."""
MIN_DRAFTED_STEPS = 6
"""Drafted steps measured before a request may decide that drafting does not pay."""
MODEL_MEMORY = 3
"""Requests remembered per model; when none of them gained, drafting pauses."""
PROBE_EVERY = 5
"""A paused model still drafts on every this many requests, to measure again."""
PROBE_TEXT = "The meeting on Tuesday was moved to Friday, because half of the team is travelling."
"""Tokens for :func:`exact_batch_size` (any text: only the arithmetic is compared)."""


class NgramDrafter:
    """Drafts from the latest earlier occurrence of the text's last n-gram.

    For every n of :data:`NGRAM_SIZES` it keeps where the tokens after each n-gram's
    latest occurrence start, updated as tokens are appended: a draft is a dictionary
    look-up, never a scan of the prompt.
    """

    def __init__(self, tokens: Sequence[int]) -> None:
        self._tokens: list[int] = []
        self._after: dict[int, dict[tuple[int, ...], int]] = {n: {} for n in NGRAM_SIZES}
        for token in tokens:
            self.append(token)

    def append(self, token: int) -> None:
        end = len(self._tokens)  # where ``token`` goes: it follows the n-grams ending here
        for n, after in self._after.items():
            if end >= n:
                after[tuple(self._tokens[end - n : end])] = end
        self._tokens.append(token)

    def draft(self, size: int) -> list[int]:
        """Up to ``size`` tokens that followed the text's last n-gram before ([] if none)."""
        for n, after in self._after.items():
            if len(self._tokens) < n:
                continue
            start = after.get(tuple(self._tokens[-n:]))
            if start is not None:
                return self._tokens[start : start + size]
        return []


@dataclass
class LookupStats:
    """What drafting did in one request: the figures the decision and the benchmark use."""

    drafting: bool = True
    """The request drafts (False: it asked, but the model's policy said no)."""
    drafted_steps: int = 0
    drafted_tokens: int = 0
    accepted_tokens: int = 0
    drafted_s: float = 0.0
    drafted_out: int = 0
    """Tokens the drafted steps produced (accepted + the one picked after them)."""
    plain_s: float = 0.0
    plain_out: int = 0
    stopped: bool = False
    """Drafting was stopped in this request because it did not pay."""

    @property
    def acceptance(self) -> float:
        return self.accepted_tokens / self.drafted_tokens if self.drafted_tokens else 0.0

    def speedup(self, plain_s_per_token: float | None = None) -> float | None:
        """Drafted tokens/s over plain tokens/s, None until both are measured."""
        plain = plain_s_per_token
        if self.plain_out:
            plain = self.plain_s / self.plain_out
        if not plain or not self.drafted_out or self.drafted_s <= 0:
            return None
        return plain / (self.drafted_s / self.drafted_out)

    def to_wire(self) -> dict[str, Any]:
        speedup = self.speedup()
        return {
            "drafting": self.drafting,
            "drafted_steps": self.drafted_steps,
            "drafted_tokens": self.drafted_tokens,
            "accepted_tokens": self.accepted_tokens,
            "acceptance": round(self.acceptance, 3),
            "speedup": None if speedup is None else round(speedup, 3),
            "stopped": self.stopped,
        }


@dataclass
class LookupPolicy:
    """Per model: whether drafting pays, from the requests that measured it."""

    exact_batch: int
    """The largest batch this model evaluates bit for bit like one token at a time
    (:func:`exact_batch_size`); below 2 the model never drafts."""
    gains: deque[bool] = field(default_factory=lambda: deque(maxlen=MODEL_MEMORY))
    plain_s_per_token: float | None = None
    """The latest measured one-token step of this model (seconds per token)."""
    _asked: int = 0

    @property
    def paused(self) -> bool:
        return len(self.gains) == MODEL_MEMORY and not any(self.gains)

    def start(self) -> bool:
        """Whether the next request that asks for drafting drafts."""
        if self.exact_batch < 2:
            return False
        self._asked += 1
        return not self.paused or self._asked % PROBE_EVERY == 0

    def record(self, stats: LookupStats) -> None:
        if stats.plain_out:
            self.plain_s_per_token = stats.plain_s / stats.plain_out
        speedup = stats.speedup(self.plain_s_per_token)
        if stats.drafted_steps >= MIN_DRAFTED_STEPS and speedup is not None:
            self.gains.append(speedup > 1.0)


def generate(
    llama: Any,
    prompt: list[int],
    sampling: dict[str, Any],
    stats: LookupStats,
    *,
    max_tokens: int,
    exact_batch: int,
    plain_s_per_token: float | None = None,
) -> Generator[int, None, None]:
    """``Llama.generate``'s tokens, found several at a time where the text repeats itself.

    Keeps the prompt cache as ``Llama.generate`` does (:func:`reuse_cache`), and when
    closed leaves the KV cache, ``n_tokens`` and ``input_ids`` holding exactly what
    ``Llama.generate`` would have evaluated (the prompt and every yielded token but the
    last), so the next request reuses the same prefix either way. A draft and the token
    before it fit ``exact_batch`` (:func:`exact_batch_size`), and drafts stop short of
    ``max_tokens`` answer tokens (the caller ends the answer there). ``stats`` is filled
    in as it runs; ``plain_s_per_token`` (the model's last measurement) lets a request
    judge its drafts before it has timed a plain step of its own.
    """
    chain = llama._init_sampler(grammar=None, **sampling)
    drafter = NgramDrafter(prompt)
    yielded = 0
    try:
        llama.eval(reuse_cache(llama, prompt))  # the prompt pass is not timed as a step
        token = chain.sample(llama._ctx, -1)
        size = FIRST_DRAFT
        step = 0
        while True:
            yielded += 1
            yield token
            drafter.append(token)
            step += 1
            draft: list[int] = []
            if not stats.stopped and step % PLAIN_EVERY:
                room = min(
                    max_tokens - yielded, llama.n_ctx() - llama.n_tokens - 2, exact_batch - 1
                )
                draft = drafter.draft(min(size, room)) if room > 0 else []
            started = time.perf_counter()
            if not draft:
                llama.eval([token])
                token = chain.sample(llama._ctx, -1)
                stats.plain_s += time.perf_counter() - started
                stats.plain_out += 1
                continue
            picked = _verify(llama, chain, token, draft)
            stats.drafted_s += time.perf_counter() - started
            stats.drafted_steps += 1
            stats.drafted_tokens += len(draft)
            stats.accepted_tokens += len(picked) - 1
            stats.drafted_out += len(picked)
            size = min(MAX_DRAFT, size * 2) if len(picked) > len(draft) else len(picked)
            size = max(size, 2)
            if stats.drafted_steps >= MIN_DRAFTED_STEPS:
                speedup = stats.speedup(plain_s_per_token)
                stats.stopped = speedup is not None and speedup <= 1.0
            for accepted in picked[:-1]:
                yielded += 1
                yield accepted
                drafter.append(accepted)
            token = picked[-1]
    finally:
        chain.close()
        _forget_unread(llama, len(prompt) + max(0, yielded - 1))


def _verify(llama: Any, chain: Any, token: int, draft: list[int]) -> list[int]:
    """Evaluate ``token`` and ``draft`` in one batch; the draft's agreed head and one more.

    The chain picks at each position in turn, as one-token decoding would; the first
    pick that differs from the draft ends the step. The cache keeps ``token`` and the
    accepted draft tokens only.
    """
    batch = [token, *draft]
    n_past = llama.n_tokens
    llama._ctx.kv_cache_seq_rm(-1, n_past, -1)
    llama._batch.set_batch(batch=batch, n_past=n_past, logits_all=True)
    llama._ctx.decode(llama._batch)  # raises RuntimeError when aborted: nothing changed
    llama.input_ids[n_past : n_past + len(batch)] = batch
    picked: list[int] = []
    for index, guess in enumerate([*draft, None]):
        chosen = int(chain.sample(llama._ctx, index))
        picked.append(chosen)
        if chosen != guess:
            break
    kept = n_past + len(picked)  # ``token`` and the accepted draft
    llama.n_tokens = kept
    if kept < n_past + len(batch):
        llama._ctx.kv_cache_seq_rm(-1, kept, -1)
    llama._requires_eval = True  # the context's last logits are not the last kept token's
    return picked


def _forget_unread(llama: Any, evaluated: int) -> None:
    """Roll the cache back to what plain decoding would hold after the yielded tokens."""
    if llama.n_tokens > evaluated:
        llama._ctx.kv_cache_seq_rm(-1, evaluated, -1)
        llama.n_tokens = evaluated
        llama._requires_eval = True


class ProbeCancelled(Exception):
    """The request was cancelled while :func:`exact_batch_size` measured."""


LONG_PROBE_AT = 520
"""Where the second half of the probe starts: past 512 cached positions, where llama.cpp's
CPU attention changes its kernel (with flash attention, one-token decoding on more than one
thread splits the cache between threads and sums the parts in another order)."""
LONG_PROBE_TOKENS = 24
PROBE_BATCH = 256


def exact_batch_size(
    llama: Any, cancelled: Callable[[], bool], *, threads: int, largest: int = MAX_DRAFT + 1
) -> int:
    """The largest batch size (up to ``largest``) such that batches of it and of every
    smaller size give logits equal bit for bit to one-token decoding on ``threads``
    threads; 0 if 2 already differ.

    Runs on a context of its own (same model, same settings, ``threads`` threads), so the
    request's prompt cache is untouched. The differences depend on the position (a kernel
    may tile rows in fours) and on how many positions are cached (measured with flash
    attention on: exact at 20 cached positions, not at 300 or 700 on two threads), so the
    probe compares twice: :data:`PROBE_TEXT` from the start, and :data:`LONG_PROBE_TOKENS`
    positions after :data:`LONG_PROBE_AT` cached ones, each decoded one token at a time
    and then cut into batches of ``b`` tokens, ``b`` = 2, 3, …, every position compared.
    The first half is cheap and rejects a model without exact batches before the long
    prefix is read. Raises :class:`ProbeCancelled` as soon as ``cancelled()`` says so
    (checked between decodes).
    """
    import llama_cpp
    from llama_cpp import _internals

    params = llama_cpp.llama_context_params.from_buffer_copy(llama.context_params)
    params.n_ctx = LONG_PROBE_AT + LONG_PROBE_TOKENS + 32
    params.n_batch = params.n_ubatch = PROBE_BATCH
    params.n_threads = params.n_threads_batch = threads
    context: Any = _internals.LlamaContext(model=llama._model, params=params, verbose=False)
    batch: Any = _internals.LlamaBatch(n_tokens=PROBE_BATCH, embd=0, n_seq_max=1, verbose=False)
    n_vocab = llama.n_vocab()
    text = PROBE_TEXT.encode("utf-8")
    short = llama.tokenize(text, add_bos=True, special=False)
    sentence = llama.tokenize(b" " + text, add_bos=False, special=False)
    long = short + sentence * (1 + (LONG_PROBE_AT + LONG_PROBE_TOKENS) // len(sentence))
    prefix, region = long[:LONG_PROBE_AT], long[LONG_PROBE_AT : LONG_PROBE_AT + LONG_PROBE_TOKENS]

    def decode(tokens: list[int], at: int, *, logits: bool) -> None:
        if cancelled():
            raise ProbeCancelled
        batch.set_batch(batch=tokens, n_past=at, logits_all=logits)
        context.decode(batch)

    def logits_in_batches(tokens: list[int], at: int, size: int) -> np.ndarray[Any, Any]:
        context.kv_cache_seq_rm(-1, at, -1)  # what a cached prefix leaves
        rows = []
        for start in range(0, len(tokens), size):
            part = tokens[start : start + size]
            decode(part, at + start, logits=True)
            flat = np.ctypeslib.as_array(context.get_logits(), shape=(len(part) * n_vocab,))
            rows.append(flat.reshape(len(part), n_vocab).copy())
        return np.concatenate(rows)

    def largest_exact(tokens: list[int], at: int, sizes: range) -> int:
        single = logits_in_batches(tokens, at, 1)
        exact = 1
        for size in sizes:
            if not np.array_equal(logits_in_batches(tokens, at, size), single):
                break
            exact = size
        return exact

    try:
        exact = largest_exact(short, 0, range(2, largest + 1))
        if exact >= 2:
            context.kv_cache_clear()
            for start in range(0, len(prefix), PROBE_BATCH):
                decode(prefix[start : start + PROBE_BATCH], start, logits=False)
            exact = largest_exact(region, LONG_PROBE_AT, range(2, exact + 1))
    finally:
        batch.close()
        context.close()
    return exact if exact >= 2 else 0


EXACT_FILE = "exact_batches.json"
EXACT_FORMAT = 1
MAX_REMEMBERED = 64


def probe_key(path: str, *, threads: int, flash_attn: bool) -> str:
    """What an exactness measurement depends on: the model file as it is now, the engine's
    build, flash attention and the thread count (``""`` when the file cannot be read)."""
    import llama_cpp

    try:
        stat = os.stat(path)
    except OSError:
        return ""
    flash = "on" if flash_attn else "off"
    return (
        f"{path}|{stat.st_size}|{stat.st_mtime_ns}|llama-cpp-python {llama_cpp.__version__}"
        f"|flash attention {flash}|{threads} threads"
    )


class ExactBatchBook:
    """:func:`exact_batch_size`'s results on this machine, so a model is probed once.

    Kept in ``exact_batches.json`` in the cache folder: bounded (:data:`MAX_REMEMBERED`),
    written atomically, a damaged file read as empty. A changed model file, engine build,
    flash attention or thread count is a new key, measured again.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def default(cls) -> ExactBatchBook:
        return cls(app_paths().cache_dir / EXACT_FILE)

    def _read(self) -> dict[str, int]:
        try:
            payload = json.loads(self.path.read_text(encoding="utf-8"))
            entries = payload["probes"] if payload.get("version") == EXACT_FORMAT else {}
            return {
                str(key): int(value)
                for key, value in entries.items()
                if isinstance(value, int) and 0 <= value <= MAX_DRAFT + 1
            }
        except (OSError, ValueError, TypeError, AttributeError, KeyError):
            return {}

    def get(self, key: str) -> int | None:
        return self._read().get(key) if key else None

    def record(self, key: str, exact: int) -> None:
        if not key:
            return
        entries = self._read()
        entries.pop(key, None)
        entries[key] = exact  # the newest last; the oldest forgotten first
        kept = dict(list(entries.items())[-MAX_REMEMBERED:])
        text = json.dumps({"version": EXACT_FORMAT, "probes": kept}, indent=1)
        try:
            atomic_write_text(self.path, text)
        except OSError as exc:
            log.warning("could not keep the exactness probe in %s: %s", self.path, exc)
