"""The one way the window runs work off the GUI thread.

A :class:`Background` belongs to one owner (a bridge, a tab, a panel). ``start`` runs a
callable on a thread and hands its value, or a :class:`Failure` (plain data: a
sentence for people and a code), to a callback on the GUI thread; ``relay`` lets work
that reports as it goes (a token stream) send its signals. Once the owner closes
(:meth:`Background.close`) or is destroyed, nothing more is emitted or delivered, so a
closing window never receives late events. Exceptions that are not a
:class:`UserFacingError` are logged with their traceback through :mod:`ui.messages`.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal, SignalInstance

from desktop_slm.errors import UserFacingError
from desktop_slm.ui import messages

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Failure:
    """Why background work failed, as the window shows it."""

    message: str
    """One or two sentences a person can act on (never a traceback)."""
    code: str
    """The :class:`UserFacingError`'s code (e.g. ``input_too_long``), or ``bug``."""


def failure_of(exc: BaseException, what_failed: str) -> Failure:
    """``exc`` as a :class:`Failure`; anything unexpected is logged with its traceback.

    ``what_failed`` is the start of the sentence for an unexpected error, e.g. "The
    file could not be opened".
    """
    if isinstance(exc, UserFacingError):
        return Failure(str(exc), exc.code)
    return Failure(messages.unexpected(exc, what_failed), "bug")


_Callbacks = tuple[Callable[[Any], None] | None, Callable[[Failure], None] | None]


class Background(QObject):
    """Runs work on threads for one owner; results come back on the GUI thread."""

    # (call id, succeeded, value or Failure): queued to the GUI thread, where this lives.
    _outcome = Signal(int, bool, object)

    def __init__(self, owner: QObject) -> None:
        super().__init__(owner)
        self._closing = False
        self._calls: dict[int, _Callbacks] = {}
        self._ids = itertools.count(1)
        self._outcome.connect(self._deliver)

    @property
    def closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        """The owner is going away: emit and deliver nothing more (from now on)."""
        self._closing = True
        self._calls.clear()

    def start(
        self,
        work: Callable[[], T],
        *,
        name: str,
        what_failed: str = "Something went wrong",
        done: Callable[[T], None] | None = None,
        failed: Callable[[Failure], None] | None = None,
    ) -> threading.Thread | None:
        """Run ``work`` on a new thread; None (nothing started) once closing.

        ``work`` must not touch widgets. ``done`` gets its value and ``failed`` a
        :class:`Failure`, both on the GUI thread; an unexpected exception is logged
        whether or not ``failed`` is given.
        """
        if self._closing:
            return None
        call = next(self._ids)
        if done is not None or failed is not None:
            self._calls[call] = (done, failed)

        def target() -> None:
            try:
                value: object = work()
            except Exception as exc:
                failure = failure_of(exc, what_failed)
                if call in self._calls:
                    self._send(call, False, failure)
                elif failure.code != "bug":
                    log.info("%s: %s", name, failure.message)
            else:
                if call in self._calls:
                    self._send(call, True, value)

        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        return thread

    def relay(self, signal: SignalInstance, *args: object) -> None:
        """Emit ``signal`` from background work, unless the owner is closing or gone."""
        if self._closing:
            return
        try:
            signal.emit(*args)
        except RuntimeError:  # the owner was deleted while the work ran
            log.debug("dropped a background event: its receiver is gone")

    def _send(self, call: int, ok: bool, value: object) -> None:
        self.relay(self._outcome, call, ok, value)

    def _deliver(self, call: int, ok: bool, value: object) -> None:
        callbacks = self._calls.pop(call, None)
        if callbacks is None or self._closing:
            return
        done, failed = callbacks
        if ok and done is not None:
            done(value)
        elif not ok and failed is not None:
            assert isinstance(value, Failure)
            failed(value)
