"""The app's side of the engine: starts the worker process and streams its answers.

Plain Python (no Qt). One request runs at a time; :meth:`EngineClient.cancel` may
be called from any thread. If the worker dies, the running request raises
:class:`EngineCrashed` and the next request starts a fresh worker and reloads
the model.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from desktop_slm.engine import protocol
from desktop_slm.engine.protocol import (
    Completion,
    Lane,
    LoadedModel,
    ProgressCallback,
    ReadProgress,
    SamplingOptions,
    TokenEvent,
)
from desktop_slm.errors import EngineCrashed, EngineError

if TYPE_CHECKING:
    from desktop_slm.engine.gguf_check import ModelInfo

log = logging.getLogger(__name__)

HELLO_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 5.0
CANCEL_GRACE_S = 1.0
"""A worker that has not answered a cancel within this is stuck (in native code or a
template) and is killed; the next request starts a fresh one."""
EVENT_TIMEOUT_ENV = "DESKTOP_SLM_ENGINE_TIMEOUT_S"
DEFAULT_EVENT_TIMEOUT_S = 900.0
"""Longest a request may go without any event from the worker (a long prompt on a
large model on two cores takes minutes; a quarter of an hour of silence is a hang)."""
_CANCELLABLE_OPS = frozenset({"chat", "complete", "prefill"})

_EXITED = object()


@dataclass(frozen=True)
class Prefilled:
    """What :meth:`EngineClient.prefill` did."""

    prompt_tokens: int
    evaluated_tokens: int
    """Tokens evaluated now; the rest were in the cache already (or cancelled)."""
    cached_prompt_tokens: int
    cancelled: bool


@dataclass(frozen=True)
class ActiveModel:
    info: ModelInfo
    loaded: LoadedModel


StateCallback = Callable[[str], None]


def worker_command(subcommand: str = "engine-worker") -> list[str]:
    """The command that starts a worker: the same program, hidden subcommand.

    ``-P`` keeps the current folder off ``sys.path`` (``python -m`` would put it first,
    so a ``llama_cpp/`` folder where the app was started would be imported) and ``-E``
    ignores PYTHON* variables. ``-s`` (the rest of ``-I``) is left out: the worker sees
    the same site-packages as the app, including a ``pip install --user``.
    """
    if getattr(sys, "frozen", False):
        return [sys.executable, subcommand]
    return [sys.executable, "-E", "-P", "-u", "-m", "desktop_slm", subcommand]


def worker_environment() -> dict[str, str]:
    """The app's environment without PYTHON* variables (a frozen build may not ignore them)."""
    return {k: v for k, v in os.environ.items() if not k.upper().startswith("PYTHON")}


def _event_timeout_from_environment() -> float:
    try:
        value = float(os.environ.get(EVENT_TIMEOUT_ENV, DEFAULT_EVENT_TIMEOUT_S))
    except ValueError:
        return DEFAULT_EVENT_TIMEOUT_S
    return value if value > 0 else DEFAULT_EVENT_TIMEOUT_S


def _duration(seconds: float) -> str:
    if seconds >= 120:
        return f"{seconds / 60:g} minutes"
    return f"{seconds:g} seconds"


def _log_usage(op: str, event: dict[str, Any], lane: str) -> None:
    """One debug line per finished request: how much of its prompt came from the cache.

    The figures are also attached as ``record.engine_usage`` (benchmarks read them).
    """
    prompt = int(event.get("prompt_tokens", 0))
    cached = int(event.get("cached_prompt_tokens", 0))
    evaluated = int(event.get("evaluated_tokens", prompt - cached))
    during = event.get("cancelled_during") or ("prompt" if event.get("cancelled") else None)
    usage = {
        "op": op,
        "lane": lane,
        "prompt": prompt,
        "evaluated": evaluated,
        "cached": cached,
        "cancelled_during": during,
    }
    log.debug(
        "%s on the %s lane: %d prompt tokens, %d to evaluate, %d from the cache%s",
        op,
        lane,
        prompt,
        evaluated,
        cached,
        f" (cancelled during the {during})" if during else "",
        extra={"engine_usage": usage},
    )


def _signal_name(returncode: int) -> str:
    if returncode >= 0:
        return f"exit code {returncode}"
    try:
        return f"signal {signal.Signals(-returncode).name}"
    except ValueError:
        return f"signal {-returncode}"


class EngineClient:
    def __init__(
        self,
        *,
        on_state: StateCallback | None = None,
        command: list[str] | None = None,
        event_timeout_s: float | None = None,
    ) -> None:
        self._command = command or worker_command()
        self._event_timeout_s = event_timeout_s or _event_timeout_from_environment()
        self._on_state = on_state
        self._proc: subprocess.Popen[bytes] | None = None
        self._events: queue.Queue[Any] = queue.Queue()
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=30)
        self._stderr_thread: threading.Thread | None = None
        self._write_lock = threading.Lock()
        self._request_lock = threading.RLock()
        self._next_id = 0
        self._current_id: int | None = None
        self._current_op = ""
        self._answered_id = 0  # the last request whose final event arrived
        self._killed_id = 0  # the last request whose worker was killed by cancel()
        self._active: ActiveModel | None = None
        self._worker_has_model = False
        self._wanted: tuple[Path, int | None, int | None] | None = None
        self.hello: dict[str, Any] = {}

    # ------------------------------------------------------------- lifecycle
    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc and self._proc.poll() is None else None

    @property
    def active_model(self) -> ActiveModel | None:
        """The model requests use: after a crash, the one the next request reloads."""
        return self._active

    def _state(self, state: str) -> None:
        if self._on_state is not None:
            self._on_state(state)

    def _start(self) -> None:
        self._stop_process()
        self._events = queue.Queue()
        self._stderr_tail.clear()
        log.info("starting engine worker: %s", self._command)
        creationflags = getattr(subprocess, "CREATE_NO_WINDOW", 0)
        proc = subprocess.Popen(
            self._command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=-1,  # buffered reads: one read() per burst of lines, not per byte
            creationflags=creationflags,
            env=worker_environment(),
        )
        self._proc = proc
        assert proc.stdout is not None
        assert proc.stderr is not None
        threading.Thread(
            target=self._read_events,
            args=(proc.stdout, self._events),
            name="engine-events",
            daemon=True,
        ).start()
        self._stderr_thread = threading.Thread(
            target=self._read_stderr, args=(proc.stderr,), name="engine-stderr", daemon=True
        )
        self._stderr_thread.start()
        hello = self._next_event(timeout=HELLO_TIMEOUT_S)
        if hello.get("event") != "hello" or hello.get("protocol") != protocol.PROTOCOL_VERSION:
            self._stop_process()
            raise EngineError(f"The engine answered with an unexpected protocol ({hello}).")
        self.hello = hello
        self._worker_has_model = False

    def _read_events(self, stream: IO[bytes], events: queue.Queue[Any]) -> None:
        for line in stream:
            try:
                event = protocol.decode(line)
            except ValueError:
                log.warning("engine wrote a malformed line: %r", line[:200])
                continue
            request_id = event.get("id")
            if event.get("event") in protocol.FINAL_EVENTS and isinstance(request_id, int):
                self._answered_id = max(self._answered_id, request_id)
            events.put(event)
        events.put(_EXITED)

    def _read_stderr(self, stream: IO[bytes]) -> None:
        for raw in stream:
            line = raw.decode("utf-8", errors="replace").rstrip()
            if line:
                self._stderr_tail.append(line)
                log.info("worker: %s", line)

    def _stop_process(self) -> None:
        proc, self._proc = self._proc, None
        self._worker_has_model = False  # self._active stays: the next request reloads it
        if proc is None:
            return
        if proc.poll() is None:
            try:
                assert proc.stdin is not None
                proc.stdin.close()  # the worker exits when its stdin closes
                proc.wait(timeout=STOP_TIMEOUT_S)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
                proc.wait()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):  # stdin of a dead worker: broken pipe
                    stream.close()

    def close(self) -> None:
        """Stop the worker; the client may be used again afterwards."""
        self.cancel()
        # A request thread that does not let go in time must not keep the app from quitting.
        got_lock = self._request_lock.acquire(timeout=STOP_TIMEOUT_S)
        try:
            self._wanted = None
            self._active = None
            self._stop_process()
        finally:
            if got_lock:
                self._request_lock.release()
        self._state("idle")

    # ------------------------------------------------------------- plumbing
    def _crash_message(self) -> str:
        proc = self._proc
        code = None
        if proc is not None:
            try:
                code = proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                code = proc.wait()
        how = _signal_name(code) if code is not None else "unknown cause"
        if self._stderr_thread is not None:
            self._stderr_thread.join(timeout=1.0)  # its last lines may say why
        self._stop_process()
        reason = next(
            (
                line
                for line in reversed(self._stderr_tail)
                if "error" in line.lower() or "assert" in line.lower()
            ),
            None,
        )
        detail = f" Last message: {reason[:200]}" if reason else ""
        return (
            f"The model engine stopped unexpectedly ({how}). Your text is kept; "
            f"the next request starts the engine again.{detail}"
        )

    def _next_event(self, timeout: float | None = None) -> dict[str, Any]:
        try:
            event = self._events.get(timeout=timeout or self._event_timeout_s)
        except queue.Empty:
            self._stop_process()
            waited = timeout or self._event_timeout_s
            raise EngineError(
                f"The model engine did not answer for {_duration(waited)} and was restarted. "
                "Your text is kept; try again, with a shorter text or a smaller model.",
                code="engine_timeout",
            ) from None
        if event is _EXITED:
            raise EngineCrashed(self._crash_message())
        if not isinstance(event, dict):
            raise EngineError("The engine sent an unexpected event.")
        return event

    def _send(self, message: dict[str, Any]) -> None:
        proc = self._proc
        if proc is None or proc.stdin is None:
            raise EngineCrashed("The model engine is not running; the next request starts it.")
        data = protocol.encode(message)
        with self._write_lock:
            try:
                proc.stdin.write(data)
                proc.stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                raise EngineCrashed(self._crash_message()) from None

    def _request(self, op: str, **fields: Any) -> int:
        self._next_id += 1
        request_id = self._next_id
        self._current_id = request_id
        self._current_op = op
        self._send({"op": op, "id": request_id, **fields})
        return request_id

    def _final(self, request_id: int, timeout: float | None = None) -> dict[str, Any]:
        while True:
            event = self._next_event(timeout)
            if event.get("id") != request_id:
                continue  # a stale event from a request that was abandoned
            if event.get("event") == "error":
                raise EngineError(str(event.get("message")), code=str(event.get("code")))
            if event.get("event") in protocol.FINAL_EVENTS:
                return event

    def _ensure_worker(self) -> None:
        if self._proc is None or self._proc.poll() is not None:
            self._state("starting")
            self._start()

    def _ensure_model(self) -> ActiveModel:
        self._ensure_worker()
        if self._active is None or not self._worker_has_model:
            if self._wanted is None:
                raise EngineError("No model is loaded. Choose a model first.", code="no_model")
            self._load_now(*self._wanted)
        assert self._active is not None
        return self._active

    # ------------------------------------------------------------- public API
    def load(
        self,
        path: str | os.PathLike[str],
        *,
        n_ctx: int | None = None,
        n_threads: int | None = None,
    ) -> ActiveModel:
        """Validate ``path`` here, then load it in the worker. Raises UserFacingError."""
        with self._request_lock:
            resolved = Path(path).expanduser().absolute()
            from desktop_slm.engine.gguf_check import inspect_model

            info = inspect_model(resolved)  # fails fast, in this process, on a bad file
            previous, previous_active = self._wanted, self._active
            self._wanted = (resolved, n_ctx, n_threads)
            try:
                self._ensure_worker()
                return self._load_now(resolved, n_ctx, n_threads, info)
            except BaseException:
                # The worker drops its model before loading the next one: the previous
                # model is reloaded by the next request, as after a crash.
                self._wanted, self._active = previous, previous_active
                self._worker_has_model = False
                raise

    def _load_now(
        self,
        path: Path,
        n_ctx: int | None,
        n_threads: int | None,
        info: ModelInfo | None = None,
    ) -> ActiveModel:
        """Load ``path`` in the worker; ``info`` is its check if it was just done."""
        # Imported on first use: they pull psutil, gguf and numpy, which the window's
        # first paint does not need.
        from desktop_slm.engine import hardware
        from desktop_slm.engine.gguf_check import inspect_model

        if info is None:  # reloading after a crash: the file may have changed meanwhile
            info = inspect_model(path)
        context = hardware.choose_context(
            trained_context=info.context_length,
            model_file_size=info.file_size,
            kv_bytes_per_token=info.kv_cache_bytes(1),
            requested=n_ctx,
        )
        threads = n_threads or hardware.physical_cores()
        self._worker_has_model = False  # the worker drops its model first
        self._state("loading")
        try:
            request_id = self._request(
                "load",
                path=str(path),
                n_ctx=context,
                n_threads=threads,
                auto_threads=n_threads is None,
            )
            event = self._final(request_id)
        finally:
            self._state("idle")
        loaded = LoadedModel(
            path=str(path),
            n_ctx=int(event["n_ctx"]),
            n_ctx_train=int(event.get("n_ctx_train") or info.context_length),
            n_threads=int(event["n_threads"]),
            load_s=float(event["load_s"]),
        )
        self._active = ActiveModel(info=info, loaded=loaded)
        self._worker_has_model = True
        return self._active

    def chat(
        self,
        messages: list[dict[str, str]],
        options: SamplingOptions | None = None,
        *,
        on_progress: ProgressCallback | None = None,
    ) -> Iterator[TokenEvent | Completion]:
        """Stream an answer to chat ``messages`` (models with a chat template).

        ``on_progress`` gets a :class:`ReadProgress` while a long prompt is read.
        """
        options = options or SamplingOptions()
        return self._generate("chat", {"messages": messages}, options, on_progress)

    def complete(
        self,
        prompt: str,
        options: SamplingOptions | None = None,
        *,
        on_progress: ProgressCallback | None = None,
        lane: Lane = "main",
    ) -> Iterator[TokenEvent | Completion]:
        """Stream a plain continuation of ``prompt`` (works for base models).

        ``lane="suggest"`` runs it on the worker's suggestion context, whose cached
        prompt no main request replaces (and which replaces none of theirs).
        """
        payload: dict[str, Any] = {"prompt": prompt}
        if lane != "main":
            payload["lane"] = lane
        return self._generate("complete", payload, options or SamplingOptions(), on_progress)

    def _generate(
        self,
        op: str,
        payload: dict[str, Any],
        options: SamplingOptions,
        on_progress: ProgressCallback | None = None,
    ) -> Iterator[TokenEvent | Completion]:
        with self._request_lock:
            self._ensure_model()
            request_id = self._request(op, **payload, **options.to_wire())
            self._state("generating")
            finished = False
            parts: list[str] = []
            try:
                while True:
                    event = self._next_event()
                    if event.get("id") != request_id:
                        continue
                    kind = event.get("event")
                    if kind == "token":
                        text = str(event["text"])
                        parts.append(text)
                        yield TokenEvent(request_id, text, int(event.get("n", 1)))
                    elif kind == "progress":
                        if on_progress is not None:
                            on_progress(
                                ReadProgress(
                                    request_id,
                                    read=int(event["read"]),
                                    total=int(event["total"]),
                                    cached=int(event.get("cached", 0)),
                                )
                            )
                    elif kind == "done":
                        finished = True
                        _log_usage(op, event, payload.get("lane", "main"))
                        timings = protocol.Timings(**event.get("timings", {}))
                        yield Completion(
                            request_id=request_id,
                            text="".join(parts),
                            finish_reason=str(event["finish_reason"]),
                            prompt_tokens=int(event["prompt_tokens"]),
                            completion_tokens=int(event["completion_tokens"]),
                            timings=timings,
                            cancelled_during=event.get("cancelled_during"),
                            cached_prompt_tokens=int(event.get("cached_prompt_tokens", 0)),
                            n_threads=int(event.get("n_threads", 0)),
                            lookup=event.get("lookup"),
                        )
                        return
                    elif kind == "error":
                        finished = True
                        raise EngineError(str(event.get("message")), code=str(event.get("code")))
            except EngineCrashed:
                finished = True
                if self._killed_id != request_id:
                    raise
                # Killed because it did not answer a cancel: stopped, and what was
                # written so far is kept. The next request starts a fresh worker.
                yield Completion(
                    request_id=request_id,
                    text="".join(parts),
                    finish_reason="cancelled",
                    prompt_tokens=0,
                    completion_tokens=0,
                    cancelled_during="generation" if parts else "prompt",
                )
            finally:
                self._current_id = None
                if not finished:
                    # The caller stopped listening early: cancel and drain so the
                    # next request starts on a clean stream.
                    final = self._abandon(request_id)
                    if final is not None and final.get("event") == "done":
                        _log_usage(op, final, payload.get("lane", "main"))
                self._state("idle")

    def _abandon(self, request_id: int) -> dict[str, Any] | None:
        """Cancel ``request_id`` and wait for its final event (None if the worker was stopped)."""
        try:
            self._send({"op": "cancel", "id": request_id})
            deadline = time.monotonic() + STOP_TIMEOUT_S
            while True:
                event = self._next_event(timeout=max(0.1, deadline - time.monotonic()))
                if event.get("id") == request_id and event.get("event") in protocol.FINAL_EVENTS:
                    return event
        except EngineError:
            self._stop_process()
        return None

    def cancel(self) -> None:
        """Stop the running request (generation or prompt evaluation). Thread-safe.

        A worker that does not answer within ``CANCEL_GRACE_S`` (stuck in native code or
        in a chat template) is killed; the request then ends as cancelled.
        """
        request_id, proc = self._current_id, self._proc
        if request_id is None or proc is None:
            return
        with contextlib.suppress(EngineCrashed):
            self._send({"op": "cancel", "id": request_id})
        if self._current_op in _CANCELLABLE_OPS:
            timer = threading.Timer(
                CANCEL_GRACE_S, self._kill_if_unanswered, args=(proc, request_id)
            )
            timer.daemon = True
            timer.start()

    def _kill_if_unanswered(self, proc: subprocess.Popen[bytes], request_id: int) -> None:
        if self._answered_id >= request_id or proc.poll() is not None:
            return
        log.warning("the engine did not answer a cancel within %.1f s: killed", CANCEL_GRACE_S)
        self._killed_id = request_id
        proc.kill()

    def prefill(
        self,
        *,
        messages: list[dict[str, str]] | None = None,
        prompt: str | None = None,
        stop: threading.Event | None = None,
        lane: Lane = "main",
    ) -> Prefilled:
        """Evaluate a chat or a plain prompt ahead of time.

        The next :meth:`chat` or :meth:`complete` that starts with the same tokens
        evaluates only what differs, so its first token comes almost at once.
        :meth:`cancel` stops it once it runs; ``stop`` (set, then :meth:`cancel`) also
        stops one that has not been sent yet. ``lane`` as for :meth:`complete`.
        """
        if (messages is None) == (prompt is None):
            raise ValueError("give messages or prompt, not both")
        payload: dict[str, Any] = {"messages": messages} if messages is not None else {}
        if prompt is not None:
            payload["prompt"] = prompt
        if lane != "main":
            payload["lane"] = lane
        with self._request_lock:
            self._ensure_model()
            request_id = self._request("prefill", **payload)
            if stop is not None and stop.is_set():  # set before the request had an id
                self.cancel()
            try:
                event = self._final(request_id)
            except EngineCrashed:
                if self._killed_id != request_id:
                    raise
                event = {"cancelled": True}  # stuck and killed: a fresh worker comes next
            finally:
                self._current_id = None
        _log_usage("prefill" if messages is None else "prefill chat", event, lane)
        return Prefilled(
            prompt_tokens=int(event.get("prompt_tokens", 0)),
            evaluated_tokens=int(event.get("evaluated_tokens", 0)),
            cached_prompt_tokens=int(event.get("cached_prompt_tokens", 0)),
            cancelled=bool(event.get("cancelled", False)),
        )

    def count_tokens(self, text: str) -> int:
        with self._request_lock:
            self._ensure_model()
            request_id = self._request("count_tokens", text=text)
            return int(self._final(request_id)["tokens"])

    def unload(self) -> None:
        with self._request_lock:
            self._wanted = None
            if self._proc is not None and self._proc.poll() is None:
                request_id = self._request("unload")
                self._final(request_id, timeout=STOP_TIMEOUT_S * 4)
            self._active = None

    def __enter__(self) -> EngineClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
