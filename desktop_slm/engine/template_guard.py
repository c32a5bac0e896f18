"""Run a model's own chat template with a deadline and a memory cap.

A chat template is code that comes with the model file. Jinja's sandbox stops it from
touching the system, but not from looping for hours (nested ``range(99999)``) or
building a gigabyte string (``'x' * 999999999``). Two places render templates:

* the load-time check (:mod:`desktop_slm.engine.chat_template`), in the app's own
  process and in ``models import``: it renders in a short-lived child process
  (:func:`check_in_child`) with ``RLIMIT_AS`` set and a wall-clock deadline, so
  nothing the template does can hang or bloat the app;
* every chat request in the worker (:func:`run_bounded` under :func:`memory_cap`):
  in-process, because a spawn would add about 0.1 s to each request. A watchdog
  thread raises an exception in the rendering thread past the deadline or on
  cancel, and the address space is capped while the template runs. If the render is
  stuck where no exception can reach it, the worker gives up its process: the app
  restarts workers anyway.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import IO, Final, TypeVar

TEMPLATE_DEADLINE_S: Final = 2.0
"""Longest a chat template may take to render one prompt."""
TEMPLATE_MEMORY_BYTES: Final = 512 * 1024 * 1024
"""Most memory a chat template may take on top of what its process already uses."""
CHILD_START_TIMEOUT_S: Final = 60.0
"""The checker's start-up (not the template) on a very busy machine."""
STUCK_GRACE_S: Final = 2.0
"""How long a render may ignore the watchdog's exception before its process gives up."""
_POLL_S: Final = 0.02
_READY: Final = "ready"

_T = TypeVar("_T")

log = logging.getLogger(__name__)


class TemplateLimitExceeded(Exception):
    """The template ran past a bound; ``kind`` is "time", "memory" or "crash"."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def limit_sentence(file_name: str | None, kind: str) -> str:
    """The one sentence people see when a template ran past a bound."""
    if kind == "time":
        what = f"did not finish within {TEMPLATE_DEADLINE_S:g} seconds"
    elif kind == "memory":
        what = f"needed more than {TEMPLATE_MEMORY_BYTES // (1024 * 1024)} MB of memory"
    else:
        what = "made the check of it fail"
    subject = f"The chat template of '{file_name}'" if file_name else "This model's chat template"
    return f"{subject} {what}; the file cannot be used. Choose a different model file."


# ---------------------------------------------------------------- the app: a child process


def check_in_child(template: str) -> str | None:
    """Why ``template`` cannot format a chat (None: it can), rendered in a child process.

    Raises :class:`TemplateLimitExceeded` when the render runs past the deadline, past
    the memory cap, or kills its process.
    """
    from desktop_slm.engine.client import worker_command, worker_environment

    proc = subprocess.Popen(
        worker_command("check-template"),  # a hidden command, like "engine-worker"
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=worker_environment(),
        creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    lines: queue.Queue[bytes] = queue.Queue()
    threading.Thread(
        target=_write_and_close, args=(proc.stdin, template.encode("utf-8")), daemon=True
    ).start()
    threading.Thread(target=_read_lines, args=(proc.stdout, lines), daemon=True).start()
    try:
        first = lines.get(timeout=CHILD_START_TIMEOUT_S)
        if first.strip() != _READY.encode():
            raise TemplateLimitExceeded("crash")
        # The deadline counts from the start of the render, not of the interpreter.
        answer = lines.get(timeout=TEMPLATE_DEADLINE_S)
        if not answer:
            raise TemplateLimitExceeded("crash")
        result = json.loads(answer)
    except queue.Empty:
        raise TemplateLimitExceeded("time") from None
    except TemplateLimitExceeded:
        log.warning("the chat template checker ended without an answer (%s)", proc.poll())
        raise
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()
    if result.get("limit"):
        raise TemplateLimitExceeded(str(result["limit"]))
    problem = result.get("problem")
    return None if problem is None else str(problem)


def _write_and_close(stream: IO[bytes], data: bytes) -> None:
    with contextlib.suppress(OSError):
        stream.write(data)
    with contextlib.suppress(OSError):
        stream.close()


def _read_lines(stream: IO[bytes], lines: queue.Queue[bytes]) -> None:
    with contextlib.suppress(OSError, ValueError):
        for line in stream:
            lines.put(line)
    lines.put(b"")  # end of output


def child_main() -> int:
    """Entry point of the hidden ``desktop-slm check-template`` (the template on stdin)."""
    with contextlib.suppress(ValueError):  # Ctrl+C in a terminal: the app decides
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    _limit_child()
    from desktop_slm.engine import chat_template

    chat_template.render_problem("{{ messages[0].content }}")  # imports and set-up before "ready"
    template = sys.stdin.buffer.read().decode("utf-8", errors="replace")
    out = sys.stdout
    out.write(_READY + "\n")
    out.flush()
    try:
        result: dict[str, str | None] = {"problem": chat_template.render_problem(template)}
    except MemoryError:
        result = {"limit": "memory"}
    out.write(json.dumps(result) + "\n")
    out.flush()
    return 0


def _limit_child() -> None:
    try:
        import resource
    except ImportError:  # Windows: the parent's deadline still applies
        return
    _set_soft_limit(resource.RLIMIT_AS, TEMPLATE_MEMORY_BYTES + _address_space_bytes())
    # A backstop should the parent be gone: the render cannot outlive a few CPU seconds.
    _set_soft_limit(resource.RLIMIT_CPU, int(CHILD_START_TIMEOUT_S))


def _set_soft_limit(which: int, value: int) -> None:
    import resource

    soft, hard = resource.getrlimit(which)
    for limit in (soft, hard):  # only ever lowered
        if limit != resource.RLIM_INFINITY:
            value = min(value, limit)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(which, (value, hard))


def _address_space_bytes() -> int:
    """This process's current virtual size (0 where /proc is not available)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            pages = int(statm.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


# ---------------------------------------------------------------- the worker: in-process


class RenderTimedOut(BaseException):
    """Raised inside the render past the deadline (a BaseException: templates' own
    ``except Exception`` handlers in the formatter must not swallow it)."""


class RenderCancelled(BaseException):
    """Raised inside the render when the request was cancelled."""


def _raise_in_thread(thread_id: int, exc: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc is not None else None
    )


def run_bounded(
    render: Callable[[], _T],
    *,
    cancelled: Callable[[], bool],
    on_stuck: Callable[[type[BaseException]], None],
    deadline_s: float = TEMPLATE_DEADLINE_S,
) -> _T:
    """``render()`` on this thread, stopped by :class:`RenderTimedOut` past ``deadline_s``
    or :class:`RenderCancelled` once ``cancelled()``.

    The exception is raised asynchronously, so it reaches Python code (every Jinja
    template is compiled to Python) but not a long C call. If the render has not
    ended ``STUCK_GRACE_S`` later, ``on_stuck`` is called on the watchdog thread with
    the exception it should have ended with; it is expected to end the process.
    """
    target = threading.get_ident()
    lock = threading.Lock()
    finished = threading.Event()
    raised: list[type[BaseException]] = []

    def watch() -> None:
        deadline = time.monotonic() + deadline_s
        while not finished.wait(_POLL_S):
            if cancelled():
                exc: type[BaseException] = RenderCancelled
            elif time.monotonic() >= deadline:
                exc = RenderTimedOut
            else:
                continue
            with lock:
                if finished.is_set():
                    return
                raised.append(exc)
                _raise_in_thread(target, exc)
            if not finished.wait(STUCK_GRACE_S):
                on_stuck(exc)
            return

    threading.Thread(target=watch, name="template-watchdog", daemon=True).start()
    try:
        return render()
    finally:
        # Once this runs under the lock the watchdog raises nothing more; an exception
        # it raised that has not fired yet is withdrawn.
        with lock:
            finished.set()
            if raised:
                _raise_in_thread(target, None)


@contextlib.contextmanager
def memory_cap(extra_bytes: int = TEMPLATE_MEMORY_BYTES) -> Iterator[None]:
    """While inside, this process may grow by at most ``extra_bytes`` (Linux).

    An allocation past it raises MemoryError. Meant for a stretch of Python code
    (a template render) while llama.cpp's threads are idle.
    """
    current = _address_space_bytes()
    try:
        import resource
    except ImportError:
        current = 0
    if not current:  # no /proc (macOS does not enforce RLIMIT_AS anyway), or Windows
        yield
        return
    previous = resource.getrlimit(resource.RLIMIT_AS)
    _set_soft_limit(resource.RLIMIT_AS, current + extra_bytes)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, previous)
