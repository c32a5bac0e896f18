"""The engine worker process: owns the one ``llama_cpp.Llama`` and answers JSON-line requests.

Started by the app as ``desktop-slm engine-worker``. Requests arrive on stdin and
are run one at a time on the main thread; a reader thread handles ``cancel`` at
once and exits the process when stdin closes (the app went away). Protocol:
:mod:`desktop_slm.engine.protocol`.
"""

from __future__ import annotations

import codecs
import contextlib
import ctypes
import logging
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Generator
from typing import IO, Any

from desktop_slm.engine import lookup, protocol
from desktop_slm.engine.chat_template import WRITING_CHAT_VARIABLES
from desktop_slm.engine.cpu_load import OtherLoad, choose_threads
from desktop_slm.engine.grammar_sampling import GrammarParseError, GrammarSampler, generate
from desktop_slm.engine.lanes import LANES, SUGGEST_N_CTX, SuggestionLane, fit
from desktop_slm.engine.lanes import common_prefix as _common_prefix
from desktop_slm.engine.protocol import SamplingOptions
from desktop_slm.engine.template_guard import (
    RenderCancelled,
    RenderTimedOut,
    limit_sentence,
    memory_cap,
    run_bounded,
)

log = logging.getLogger(__name__)

TOKEN_BATCH_S = 1 / 30
"""Streamed text is sent at most this often (the first token at once): 30 updates a
second look fluid, and fewer wake-ups of the app leave the CPU to llama.cpp."""

READ_BATCH_TOKENS = 256
"""A long prompt is read in batches of at most this many tokens, with a ``progress`` event
after each (the issue asks for one at least every 256 tokens). ``python -m
benchmarks.prompt_batches`` measures what smaller batches cost in prompt speed."""

FLASH_ATTENTION = False
"""llama.cpp's flash attention stays off: the same request must get the same answer.

Measured with llama-cpp-python 0.3.36 on both test models (``python -m
benchmarks.prompt_lookup``, docs/performance.md): with flash attention on, one-token
decoding on 2 threads gives other logits than on 1 thread once 512 positions are
cached (up to 1.5 apart), enough to change a greedy answer, and the worker changes its
thread count with the load on the CPU. With it off, every thread count gives the same
logits. The cost: no batch is then bit-exact against one-token decoding, so prompt
lookup (``engine/lookup.py``) never drafts here."""


class _Cancelled(Exception):
    pass


class AbortFlag:
    """A cancel flag llama.cpp polls from C while it evaluates, without taking the GIL.

    llama.cpp calls its abort callback after every graph node (hundreds of times per
    token). A Python callback would take the GIL each time; instead the callback is
    the C library's ``strlen`` pointed at a two-byte buffer: ``b"\\0\\0"`` gives 0
    (go on), ``b"\\1\\0"`` gives 1 (abort). Read as a C ``bool`` that is exactly the
    callback's contract, at the cost of one C call.
    """

    def __init__(self) -> None:
        self._buffer = ctypes.create_string_buffer(2)
        self._event = threading.Event()
        self._callback: Any = None

    def set(self) -> None:
        self._buffer[0] = b"\x01"
        self._event.set()

    def clear(self) -> None:
        self._buffer[0] = b"\x00"
        self._event.clear()

    def is_set(self) -> bool:
        return self._event.is_set()

    def install(self, llama_cpp: Any, ctx: Any) -> None:
        """Make ``ctx`` poll this flag; one flag may serve several contexts."""
        if self._callback is None:
            callback = _c_strlen_callback(llama_cpp)
            if callback is None:  # no C library found: a slower Python callback
                callback = llama_cpp.ggml_abort_callback(lambda _data: self._event.is_set())
            self._callback = callback  # alive as long as the flag: every context polls it
        llama_cpp.llama_set_abort_callback(ctx, self._callback, ctypes.addressof(self._buffer))


def _c_strlen_callback(llama_cpp: Any) -> Any:
    try:
        libc = ctypes.cdll.msvcrt if os.name == "nt" else ctypes.CDLL(None)
        address = ctypes.cast(libc.strlen, ctypes.c_void_p).value
    except (OSError, AttributeError):
        return None
    if not address:
        return None
    return llama_cpp.ggml_abort_callback(address)


class Worker:
    def __init__(self, out: IO[bytes]) -> None:
        self._out = out
        self._out_lock = threading.Lock()
        self._requests: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._abort = AbortFlag()
        self._cancel_early: set[int] = set()
        self._current_id: int | None = None
        self._current_op = ""
        self._current_lock = threading.Lock()
        self._llama: Any = None
        self._suggest: SuggestionLane | None = None
        self._model_path: str | None = None
        self._has_chat_template = False
        self._formatter: Any = None
        self._auto_threads = False
        self._max_threads = 1
        self._threads_now = 1
        self._cpu_load: OtherLoad | None = None
        self._lookup: dict[tuple[str, int], lookup.LookupPolicy] = {}
        """Per model file and thread count: whether prompt lookup drafts (engine/lookup.py)."""

    # ------------------------------------------------------------------ I/O
    def emit(self, message: dict[str, Any]) -> None:
        data = protocol.encode(message)
        with self._out_lock:
            self._out.write(data)
            self._out.flush()

    def read_requests(self, stdin: IO[bytes]) -> None:
        """Reader thread: queue requests, act on cancel at once, exit when the app is gone."""
        while True:
            try:
                raw = stdin.readline()
            except MemoryError:  # a template at its memory cap: this thread must live on
                time.sleep(0.01)
                continue
            if not raw:
                break
            try:
                message = protocol.decode(raw)
            except MemoryError:
                continue
            except ValueError:
                self.emit(
                    {
                        "event": "error",
                        "id": None,
                        "code": "protocol",
                        "message": "The engine received a malformed request.",
                    }
                )
                continue
            if message.get("op") == "cancel":
                with self._current_lock:
                    target = message.get("id")
                    if target in (None, self._current_id):
                        self._abort.set()
                    elif isinstance(target, int):
                        # Still queued (the cancel overtook it): stopped as it starts.
                        self._cancel_early.add(target)
                continue
            self._requests.put(message)
        # stdin closed: the app quit or died. Stop whatever runs, right now.
        self._abort.set()
        os._exit(0)

    # ------------------------------------------------------------------ loop
    def serve(self) -> None:
        import llama_cpp

        from desktop_slm.engine.backends import load_cpu_backend

        cpu_backend = load_cpu_backend()  # before llama.cpp looks in the current directory
        self.emit(
            {
                "event": "hello",
                "protocol": protocol.PROTOCOL_VERSION,
                "pid": os.getpid(),
                "llama_cpp_version": llama_cpp.__version__,
                "system_info": llama_cpp.llama_print_system_info().decode(errors="replace"),
                "cpu_backend": cpu_backend.as_dict(),
            }
        )
        while True:
            request = self._requests.get()
            if request is None:
                return
            request_id = request.get("id")
            op = request.get("op")
            self._current_op = str(op)
            with self._current_lock:
                self._current_id = request_id
                if request_id in self._cancel_early:
                    self._abort.set()
                else:
                    self._abort.clear()
                # Request ids only grow: a cancel for an id at or below this one is stale.
                if isinstance(request_id, int):
                    self._cancel_early = {i for i in self._cancel_early if i > request_id}
            try:
                if op == "load":
                    self._load(request)
                elif op in ("chat", "complete"):
                    self._generate(request)
                elif op == "count_tokens":
                    self._count_tokens(request)
                elif op == "prefill":
                    self._prefill(request)
                elif op == "unload":
                    self._unload()
                    self.emit({"event": "result", "id": request_id, "unloaded": True})
                elif op == "shutdown":
                    self._unload()
                    self.emit({"event": "result", "id": request_id, "shutdown": True})
                    return
                else:
                    self._error(request_id, "protocol", f"Unknown engine request {op!r}.")
            except _UserError as exc:
                self._error(request_id, exc.code, str(exc))
            except Exception as exc:  # a bug or a llama.cpp failure: report it, stay alive
                log.exception("engine request %s failed", op)
                self._error(request_id, "internal", f"The engine failed: {exc}")
            finally:
                with self._current_lock:
                    self._current_id = None

    def _error(self, request_id: Any, code: str, message: str) -> None:
        self.emit({"event": "error", "id": request_id, "code": code, "message": message})

    # ------------------------------------------------------------------ ops
    def _unload(self) -> None:
        if self._suggest is not None:
            self._suggest.close()  # its context goes before the model it uses
            self._suggest = None
        if self._llama is not None:
            self._llama.close()
        self._llama = None
        self._formatter = None
        self._model_path = None

    def _load(self, request: dict[str, Any]) -> None:
        import llama_cpp
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        path = str(request["path"])
        n_ctx = int(request.get("n_ctx") or 4096)
        n_threads = int(request.get("n_threads") or 1)
        # "auto": the thread count follows the load other programs put on the CPU.
        self._auto_threads = bool(request.get("auto_threads", False))
        self._max_threads = n_threads
        self._unload()
        started = time.perf_counter()
        try:
            llama = llama_cpp.Llama(
                model_path=path,
                n_ctx=n_ctx,
                n_batch=min(512, n_ctx),
                n_threads=n_threads,
                n_threads_batch=n_threads,
                flash_attn=FLASH_ATTENTION,
                # A base model has no template: never let llama-cpp-python guess one.
                chat_format="chat_template.default",
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise _UserError(
                "load_failed",
                f"llama.cpp could not load '{os.path.basename(path)}' ({exc}). "
                "The file may be damaged or need a newer version of Desktop SLM.",
            ) from exc
        self._abort.install(llama_cpp, llama._ctx.ctx)
        if self._auto_threads and self._cpu_load is None:
            self._cpu_load = OtherLoad()  # watching from now on
        template = llama.metadata.get("tokenizer.chat_template")
        self._formatter = None
        if template:
            eos_id, bos_id = llama.token_eos(), llama.token_bos()
            eos = llama._model.token_get_text(eos_id) if eos_id != -1 else ""
            bos = llama._model.token_get_text(bos_id) if bos_id != -1 else ""

            # Compiling runs template code too (Jinja folds constants such as 'x' * 10**9).
            def compile_template() -> Any:
                return Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos)

            try:
                with memory_cap():
                    self._formatter = run_bounded(
                        compile_template,
                        cancelled=lambda: False,
                        on_stuck=lambda _exc: os._exit(3),
                    )
            except (RenderTimedOut, MemoryError):
                llama.close()
                kind = "memory" if sys.exc_info()[0] is MemoryError else "time"
                raise _UserError(
                    "bad_chat_template", limit_sentence(os.path.basename(path), kind)
                ) from None
        self._llama = llama
        self._model_path = path
        self._threads_now = n_threads
        self.emit(
            {
                "event": "loaded",
                "id": request["id"],
                "path": path,
                "n_ctx": llama.n_ctx(),
                "n_ctx_train": llama._model.n_ctx_train(),
                "n_threads": n_threads,
                "has_chat_template": bool(template),
                "load_s": round(time.perf_counter() - started, 4),
            }
        )

    def _threads_for_request(self, llama_cpp: Any, llama: Any) -> int:
        if self._auto_threads:
            assert self._cpu_load is not None
            self._cpu_load.sample()
            wanted = choose_threads(self._max_threads, self._cpu_load.value)
            if wanted != self._threads_now:
                log.info(
                    "using %d thread(s): other programs keep %.1f cores busy",
                    wanted,
                    self._cpu_load.value,
                )
                llama_cpp.llama_set_n_threads(llama._ctx.ctx, wanted, wanted)
                if self._suggest is not None:  # every context follows the machine's load
                    self._suggest.set_threads(wanted)
                    for other in [self._llama, *self._suggest.contexts]:
                        llama_cpp.llama_set_n_threads(other._ctx.ctx, wanted, wanted)
                self._threads_now = wanted
        return self._threads_now

    def _require_model(self) -> Any:
        if self._llama is None:
            raise _UserError("no_model", "No model is loaded. Choose a model first.")
        return self._llama

    def _lane_llama(self, request: dict[str, Any], prompt: list[int]) -> Any:
        """The context ``request`` (with ``prompt``) runs on: the main one, or a suggestion one.

        The suggestion lane's contexts are made when first needed and freed with the model.
        """
        llama = self._require_model()
        lane = request.get("lane") or "main"
        if lane not in LANES:
            raise _UserError("protocol", f"Unknown engine lane {lane!r}.")
        if lane == "main":
            return llama
        return self._suggestion_lane().context_for(prompt)

    def _suggestion_lane(self) -> SuggestionLane:
        import llama_cpp

        if self._suggest is None:
            self._suggest = SuggestionLane(
                self._require_model(),
                n_ctx=SUGGEST_N_CTX,
                n_threads=self._threads_now,
                prepare=lambda made: self._abort.install(llama_cpp, made._ctx.ctx),
            )
        return self._suggest

    def _count_tokens(self, request: dict[str, Any]) -> None:
        llama = self._require_model()
        text = str(request.get("text", ""))
        tokens = llama.tokenize(text.encode("utf-8"), add_bos=False, special=False)
        self.emit({"event": "result", "id": request["id"], "tokens": len(tokens)})

    def _prompt_tokens(self, request: dict[str, Any]) -> list[int]:
        llama = self._require_model()
        if request["op"] == "chat" or "messages" in request:
            if self._formatter is None:
                raise _UserError(
                    "base_model",
                    "This is a base model (not instruction-tuned): it has no chat format. "
                    "Choose an instruction-tuned model for the writing tools.",
                )
            rendered = self._render_chat(list(request["messages"]), request.get("id"))
            return list(llama.tokenize(rendered.encode("utf-8"), add_bos=False, special=True))
        prompt = str(request.get("prompt", ""))
        return list(llama.tokenize(prompt.encode("utf-8"), add_bos=True, special=False))

    def _render_chat(self, messages: list[dict[str, str]], request_id: Any) -> str:
        """The model's own template applied to ``messages``, within its time and memory.

        Raises ``_Cancelled`` when the request is cancelled meanwhile.
        """
        formatter = self._formatter
        file_name = os.path.basename(self._model_path or "") or None

        def stuck(exc: type[BaseException]) -> None:
            # Stuck where the watchdog's exception cannot reach: answer, then give up
            # the process (the app starts a fresh worker for the next request).
            if exc is RenderCancelled:
                self._emit_cancelled_before_prompt(request_id)
            else:
                self._error(request_id, "bad_chat_template", limit_sentence(file_name, "time"))
            sys.stderr.flush()
            os._exit(3)

        try:
            with memory_cap():
                prompt: str = run_bounded(
                    lambda: formatter(messages=messages, **WRITING_CHAT_VARIABLES).prompt,
                    cancelled=self._abort.is_set,
                    on_stuck=stuck,
                )
                return prompt
        except RenderCancelled:
            raise _Cancelled from None
        except RenderTimedOut:
            raise _UserError("bad_chat_template", limit_sentence(file_name, "time")) from None
        except MemoryError:
            raise _UserError("bad_chat_template", limit_sentence(file_name, "memory")) from None
        except Exception as exc:  # Jinja raising inside the model's own template
            raise _UserError(
                "bad_chat_template", f"The model's chat template failed: {exc}"
            ) from exc

    def _grammar_sampler(
        self, llama_cpp: Any, llama: Any, text: str | None, sampling: dict[str, Any]
    ) -> GrammarSampler | None:
        """A sampler held to GBNF ``text`` (None for none); the caller closes it.

        A grammar that does not parse is refused with a sentence here, before anything
        is generated (llama.cpp's parser returns NULL, which must never reach sampling).
        """
        if not text:
            return None
        try:
            return GrammarSampler(llama_cpp, llama, text, sampling)
        except GrammarParseError:
            raise _UserError(
                "bad_grammar",
                "llama.cpp could not read the form this answer must follow (its grammar); "
                "this is a bug in Desktop SLM: please report it with the log.",
            ) from None

    def _emit_cancelled_before_prompt(self, request_id: Any) -> None:
        if self._current_op == "prefill":
            self.emit({"event": "result", "id": request_id, "cancelled": True})
            return
        self.emit(
            {
                "event": "done",
                "id": request_id,
                "finish_reason": "cancelled",
                "cancelled_during": "prompt",
                "prompt_tokens": 0,
                "cached_prompt_tokens": 0,
                "completion_tokens": 0,
                "n_threads": self._threads_now,
                "timings": {},
            }
        )

    def _read_prompt(self, llama: Any, request_id: Any, prompt: list[int], cached: int) -> bool:
        """Read all but the last token of a long prompt in batches, reporting progress.

        Only when more than one batch is left to read (``cached`` tokens are reused). Each
        batch ends in the KV cache (``n_tokens`` counts finished batches), so a cancel
        between or inside batches leaves it consistent and ``generate`` then reads only
        the last token. True when progress was reported.
        """
        last = len(prompt) - 1
        if last - cached <= READ_BATCH_TOKENS:
            return False
        llama.n_tokens = cached  # eval() drops whatever the cache held past this
        self._emit_progress(request_id, cached, len(prompt), cached)
        for start in range(cached, last, READ_BATCH_TOKENS):
            if self._abort.is_set():
                raise _Cancelled
            end = min(start + READ_BATCH_TOKENS, last)
            llama.eval(prompt[start:end])  # raises RuntimeError when aborted inside
            self._emit_progress(request_id, end, len(prompt), cached)
        return True

    def _emit_progress(self, request_id: Any, read: int, total: int, cached: int) -> None:
        self.emit(
            {"event": "progress", "id": request_id, "read": read, "total": total, "cached": cached}
        )

    def _prefill(self, request: dict[str, Any]) -> None:
        """Evaluate a prompt ahead of time, so the request that sends it starts at once.

        The KV cache keeps what llama.cpp has evaluated; a later request sharing the
        prefix evaluates only the rest (``Llama.generate`` compares the tokens). The
        prefix already in the cache is kept, exactly as ``generate`` would. Cancelling
        keeps the cache consistent: ``n_tokens`` only counts batches that finished.
        """
        import llama_cpp

        try:
            prompt = self._prompt_tokens(request)
        except _Cancelled:
            self._emit_cancelled_before_prompt(request["id"])
            return
        llama = self._lane_llama(request, prompt)
        if len(prompt) >= llama.n_ctx():
            self.emit({"event": "result", "id": request["id"], "evaluated_tokens": 0})
            return  # the real request will say what is wrong
        self._threads_for_request(llama_cpp, llama)
        # Keep the last token for the request itself: generate() re-evaluates one token.
        wanted = prompt[:-1]
        cached = _common_prefix(llama._input_ids, wanted) if llama.n_tokens > 0 else 0
        evaluated = 0
        cancelled = False
        if cached < len(wanted):
            llama.n_tokens = cached
            try:
                llama.eval(wanted[cached:])
                evaluated = len(wanted) - cached
            except RuntimeError:
                if not self._abort.is_set():
                    raise
                cancelled = True
        self.emit(
            {
                "event": "result",
                "id": request["id"],
                "prompt_tokens": len(prompt),
                "evaluated_tokens": evaluated,
                "cached_prompt_tokens": cached,
                "cancelled": cancelled,
            }
        )

    def _generate(self, request: dict[str, Any]) -> None:
        import llama_cpp

        request_id = request["id"]
        options = SamplingOptions.from_wire(request)
        try:
            prompt = self._prompt_tokens(request)
        except _Cancelled:
            self._emit_cancelled_before_prompt(request_id)
            return
        if request.get("lane") == "suggest":  # a suggestion continues the end of the text
            prompt = fit(prompt, self._suggestion_lane().n_ctx, options.max_tokens)
        llama = self._lane_llama(request, prompt)
        n_ctx = llama.n_ctx()
        if len(prompt) >= n_ctx:
            raise _UserError(
                "context_overflow",
                f"The input is {len(prompt)} tokens but the model's context holds {n_ctx}. "
                "Shorten the text or raise the context size in the settings.",
            )
        if options.seed is not None:
            llama.set_seed(options.seed)
        sampling: dict[str, Any] = {
            "top_k": options.top_k,
            "top_p": options.top_p,
            "min_p": options.min_p,
            "temp": options.temperature,
            "repeat_penalty": options.repeat_penalty,
        }
        constrained = self._grammar_sampler(llama_cpp, llama, options.grammar, sampling)
        try:
            self._sample(
                llama_cpp,
                llama,
                request_id,
                prompt,
                options=options,
                constrained=constrained,
                sampling=sampling,
            )
        finally:
            if constrained is not None:
                constrained.close()  # native: never carried into the next request

    def _sample(
        self,
        llama_cpp: Any,
        llama: Any,
        request_id: Any,
        prompt: list[int],
        *,
        options: SamplingOptions,
        constrained: GrammarSampler | None,
        sampling: dict[str, Any],
    ) -> None:
        n_ctx = llama.n_ctx()
        max_tokens = max(1, min(options.max_tokens, n_ctx - len(prompt)))
        threads = self._threads_for_request(llama_cpp, llama)
        vocab = llama._model.vocab
        cached = _common_prefix(llama._input_ids, prompt) if llama.n_tokens > 0 else 0
        cached = max(0, min(cached, len(prompt) - 1))  # llama.cpp re-evaluates the last one

        started = time.perf_counter()
        first_token_at: float | None = None
        completion_tokens = 0
        finish_reason = "length"
        cancelled_during: str | None = None
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        pending = ""  # text held back because it may be the start of a stop string
        stops = [s for s in options.stop if s]

        # Token events are batched: a new one goes out once TOKEN_BATCH_S has passed since
        # the last (the first at once). Every event wakes the app, and on a 2-core laptop
        # those wake-ups preempt llama.cpp's threads between graph nodes.
        batch: list[str] = []
        batch_tokens = 0
        last_sent = 0.0

        def flush(text: str, *, final: bool = False) -> None:
            nonlocal batch_tokens, last_sent
            if text:
                batch.append(text)
            now = time.perf_counter()
            if batch and (final or now - last_sent >= TOKEN_BATCH_S):
                message = {"event": "token", "id": request_id, "text": "".join(batch)}
                self.emit({**message, "n": batch_tokens})
                batch.clear()
                batch_tokens = 0
                last_sent = now

        drafting = self._drafting(llama, options)

        def free(tokens: list[int]) -> Generator[int, None, None]:
            if drafting is None or not drafting[1].drafting:
                plain: Generator[int, None, None] = llama.generate(tokens, **sampling)
                return plain
            policy, stats = drafting
            return lookup.generate(
                llama,
                tokens,
                sampling,
                stats,
                max_tokens=max_tokens - completion_tokens,
                exact_batch=policy.exact_batch,
                plain_s_per_token=policy.plain_s_per_token,
            )

        def tokens() -> Generator[int, None, None]:
            """The answer's tokens; free of the grammar once its head is written."""
            if constrained is None:
                yield from free(prompt)
                return
            head = options.grammar_until
            answer: list[int] = []
            text = ""
            generator = generate(llama, prompt, constrained)
            try:
                for token in generator:
                    yield token
                    if not head:
                        continue
                    answer.append(token)
                    text += _token_bytes(llama_cpp, vocab, token).decode("utf-8", "replace")
                    if head in text:
                        break
                else:
                    return
            finally:
                generator.close()
            # The same prompt and answer so far: llama.cpp reuses all but the last token.
            yield from free(prompt + answer)

        try:
            reported = self._read_prompt(llama, request_id, prompt, cached)
            generator = tokens()
            for token in generator:
                if first_token_at is None:
                    first_token_at = time.perf_counter()
                    if reported:  # the last prompt token is read with the first answer token
                        self._emit_progress(request_id, len(prompt), len(prompt), cached)
                if self._abort.is_set():
                    raise _Cancelled
                if llama_cpp.llama_vocab_is_eog(vocab, token):
                    finish_reason = "stop"
                    break
                completion_tokens += 1
                batch_tokens += 1
                pending += decoder.decode(_token_bytes(llama_cpp, vocab, token))
                hit = _find_stop(pending, stops)
                if hit is not None:
                    flush(pending[:hit])
                    pending = ""
                    finish_reason = "stop"
                    break
                keep = _stop_prefix_len(pending, stops)
                flush(pending[: len(pending) - keep])
                pending = pending[len(pending) - keep :]
                if completion_tokens >= max_tokens:
                    finish_reason = "length"
                    break
            generator.close()
        except (_Cancelled, RuntimeError) as exc:
            if not self._abort.is_set():
                raise
            del exc
            finish_reason = "cancelled"
            cancelled_during = "prompt" if first_token_at is None else "generation"
        if finish_reason != "cancelled" or cancelled_during == "generation":
            flush(pending + decoder.decode(b"", final=True), final=True)
        ended = time.perf_counter()
        prompt_s = (first_token_at or ended) - started
        generation_s = ended - first_token_at if first_token_at else 0.0
        evaluated_prompt = len(prompt) - cached
        drafted: dict[str, Any] = {}
        if drafting is not None:
            policy, stats = drafting
            if stats.drafting:
                policy.record(stats)
            drafted["lookup"] = {**stats.to_wire(), "exact_batch": policy.exact_batch}
        self.emit(
            {
                **drafted,
                "event": "done",
                "id": request_id,
                "finish_reason": finish_reason,
                "cancelled_during": cancelled_during,
                "prompt_tokens": len(prompt),
                "cached_prompt_tokens": cached,
                "n_threads": threads,
                "completion_tokens": completion_tokens,
                "timings": {
                    "ttft_s": round(prompt_s, 4),
                    "prompt_s": round(prompt_s, 4),
                    "generation_s": round(generation_s, 4),
                    "total_s": round(ended - started, 4),
                    # The first token comes out of the prompt pass; the rest are generation.
                    "tokens_per_s": round((completion_tokens - 1) / generation_s, 2)
                    if completion_tokens > 1 and generation_s > 0
                    else 0.0,
                    "prompt_tokens_per_s": round(evaluated_prompt / prompt_s, 2)
                    if prompt_s > 0 and first_token_at
                    else 0.0,
                },
            }
        )

    def _drafting(
        self, llama: Any, options: SamplingOptions
    ) -> tuple[lookup.LookupPolicy, lookup.LookupStats] | None:
        """This model's drafting policy and the request's figures; None: no drafting asked.

        Exactness depends on the thread count, so each count has its own policy, and the
        probe's result is kept on disk (:class:`lookup.ExactBatchBook`): a model is probed
        once per machine, engine build and thread count, not once per start.
        """
        if not options.prompt_lookup:
            return None
        path = self._model_path or ""
        threads = self._threads_now
        policy = self._lookup.get((path, threads))
        if policy is None:
            book = lookup.ExactBatchBook.default()
            key = lookup.probe_key(path, threads=threads, flash_attn=FLASH_ATTENTION)
            exact = book.get(key)
            if exact is None:
                try:
                    exact = lookup.exact_batch_size(llama, self._abort.is_set, threads=threads)
                except lookup.ProbeCancelled:  # measured again next time; the request stops
                    return None
                except (RuntimeError, ValueError, MemoryError):  # no room for a probe context
                    log.exception("prompt lookup: could not measure; no drafting")
                    exact = 0
                else:
                    book.record(key, exact)
            log.info("prompt lookup: batches up to %d tokens exact on %d threads", exact, threads)
            policy = self._lookup[(path, threads)] = lookup.LookupPolicy(exact_batch=exact)
        return policy, lookup.LookupStats(drafting=policy.start())


class _UserError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _token_bytes(llama_cpp: Any, vocab: Any, token: int) -> bytes:
    """The bytes of one token (llama-cpp-python's own helper returns a padded buffer)."""
    size = 64
    while True:
        buffer = ctypes.create_string_buffer(size)
        n = llama_cpp.llama_token_to_piece(vocab, token, buffer, size, 0, False)
        if n >= 0:
            return buffer.raw[:n]
        size = -n


def _find_stop(text: str, stops: list[str]) -> int | None:
    positions = [text.find(s) for s in stops]
    found = [p for p in positions if p >= 0]
    return min(found) if found else None


def _stop_prefix_len(text: str, stops: list[str]) -> int:
    """Length of the longest tail of ``text`` that could begin a stop string."""
    best = 0
    for stop in stops:
        for size in range(min(len(stop) - 1, len(text)), 0, -1):
            if text.endswith(stop[:size]):
                best = max(best, size)
                break
    return best


def main() -> int:
    """Entry point of ``desktop-slm engine-worker``."""
    # Ctrl+C in a terminal reaches the whole process group; the app decides what to cancel.
    with contextlib.suppress(ValueError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The protocol gets a private copy of stdout; fd 1 then points at stderr, so
    # anything native code prints can never corrupt the protocol stream.
    protocol_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=0)
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="worker %(levelname)s %(name)s: %(message)s"
    )
    worker = Worker(protocol_out)
    reader = threading.Thread(
        target=worker.read_requests, args=(sys.stdin.buffer,), name="engine-requests", daemon=True
    )
    reader.start()
    worker.serve()
    # Leave at once: the reader thread is blocked on stdin and must not delay the exit.
    sys.stderr.flush()
    os._exit(0)
