"""What every command shares: exit codes, argument types, messages on stderr, input, Ctrl+C.

``cli.py`` builds the parser from the command modules; they import this module, never
``cli`` (which imports them).
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from desktop_slm import APP_NAME
from desktop_slm.errors import UserFacingError

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class UsageError(Exception):
    """A command was used wrongly in a way argparse cannot see; exit code 2."""


def note(message: str) -> None:
    """A message for the person at the terminal (stderr; stdout holds the result)."""
    print(f"{APP_NAME}: {message}", file=sys.stderr)


def fail(message: str) -> None:
    print(f"{APP_NAME}: error: {' '.join(message.split())}", file=sys.stderr)


def usage(command: str, message: str) -> int:
    """Report a usage error of ``command`` (e.g. "run email") and return its exit code."""
    print(f"{APP_NAME} {command}: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def number_between(value: str, low: float, high: float) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not low <= number <= high:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be between {low:g} and {high:g}")
    return number


def temperature(value: str) -> float:
    return number_between(value, 0.0, 2.0)


def read_notes(source: str | None) -> str:
    """UTF-8 text from a file, or from standard input for ``-`` (or nothing given)."""
    if source in (None, "-"):
        if source is None and sys.stdin.isatty():
            raise UsageError("give the notes with --input FILE or on standard input")
        try:
            # Bytes, decoded strictly: a C/POSIX locale would let bad bytes through as
            # surrogates that only fail later, deep inside the engine.
            buffer = getattr(sys.stdin, "buffer", None)
            if buffer is None:
                return sys.stdin.read()
            text: str = buffer.read().decode("utf-8")
            return text.replace("\r\n", "\n")  # as text mode would
        except UnicodeDecodeError:
            raise UserFacingError("The notes on standard input are not UTF-8 text.") from None
    path = Path(source)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserFacingError(f"Input file {path} does not exist.") from None
    except UnicodeDecodeError:
        raise UserFacingError(f"Input file {path} is not UTF-8 text.") from None
    except OSError as exc:
        raise UserFacingError(f"Cannot read input file {path}: {exc.strerror}.") from None


def read_input(source: str | None) -> str:
    """Standard input, or a document of any supported kind (PDF, Word, HTML, text)."""
    if source in (None, "-"):
        return read_notes(source)
    from desktop_slm.documents import read_document

    document = read_document(source)
    if document.notice:
        note(document.notice)
    return document.text


@contextlib.contextmanager
def cancel_on_sigint(cancel: Callable[[], None]) -> Iterator[threading.Event]:
    """While inside, Ctrl+C calls ``cancel`` and sets the event; a second Ctrl+C aborts.

    ``cancel`` runs on a thread of its own: it may block, a signal handler must not.
    """
    interrupted = threading.Event()

    def on_sigint(_signum: int, _frame: object) -> None:
        if interrupted.is_set():
            raise KeyboardInterrupt
        interrupted.set()
        threading.Thread(target=cancel, daemon=True).start()

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield interrupted
    finally:
        signal.signal(signal.SIGINT, previous)
