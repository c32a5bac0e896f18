"""Autosave: every tab's draft goes to the drafts database while the user types."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping
from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal, SignalInstance

from desktop_slm.storage.drafts import DraftStore

log = logging.getLogger(__name__)

SAVE_DELAY_MS = 1500
"""A change is saved at most this long after it was made, even while text keeps
streaming in (the timer is not restarted by later changes): a kill -9 loses at most
the last 1.5 seconds."""


class DraftTab(Protocol):
    """A tab whose inputs are kept (a writing tab, the Analyze tab)."""

    @property
    def changed(self) -> SignalInstance:
        """Emitted when the draft is due to be saved."""

    @property
    def tab_id(self) -> str: ...

    def draft_state(self) -> dict[str, Any]: ...

    def restore_draft(self, state: Mapping[str, Any]) -> None: ...


class DraftKeeper(QObject):
    """Puts each tab's draft back when the tab is added and saves it soon after it changes."""

    failed = Signal(str)  # a sentence for the status bar, once per run of failures

    def __init__(
        self, store: DraftStore, parent: QObject | None = None, *, delay_ms: int = SAVE_DELAY_MS
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._tabs: dict[str, DraftTab] = {}
        self._timers: dict[str, QTimer] = {}
        self._delay_ms = delay_ms
        self._warned = False
        self._closed = False

    def add(self, tab: DraftTab) -> bool:
        """Watch ``tab`` (built at any time) and put its draft back; True if it had one."""
        tab_id = tab.tab_id
        self._tabs[tab_id] = tab
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(self._delay_ms)
        timer.timeout.connect(lambda: self.save(tab_id))
        self._timers[tab_id] = timer
        tab.changed.connect(lambda: self._schedule(tab_id))
        try:
            state = self._store.load_draft(tab_id)
        except sqlite3.Error as exc:
            log.warning("could not read the %s draft: %s", tab_id, exc)
            self.failed.emit("Your saved draft could not be read; see the log for details.")
            return False
        if not state:
            return False
        try:
            tab.restore_draft(state)
        except Exception:  # one odd draft must not stop the window from opening
            log.exception("could not restore the %s draft", tab_id)
            return False
        finally:
            timer.stop()  # restoring is not a change worth saving again
        return True

    def pending(self) -> list[str]:
        return [tab_id for tab_id, timer in self._timers.items() if timer.isActive()]

    def _schedule(self, tab_id: str) -> None:
        timer = self._timers[tab_id]
        if not timer.isActive() and not self._closed:
            timer.start()

    def save(self, tab_id: str) -> None:
        self._timers[tab_id].stop()
        tab = self._tabs[tab_id]
        try:
            self._store.save_draft(tab_id, tab.draft_state())
        except (sqlite3.Error, OSError) as exc:
            log.warning("could not save the %s draft: %s", tab_id, exc)
            if not self._warned:
                self._warned = True
                self.failed.emit(
                    "Your draft could not be saved (is the disk full?). Copy your text "
                    "somewhere safe."
                )
            return
        self._warned = False

    def flush(self) -> None:
        """Save every tab with unsaved changes now."""
        for tab_id in self.pending():
            self.save(tab_id)

    def close(self) -> None:
        """Save what is pending and save nothing more (the database is about to close)."""
        self.flush()
        self._closed = True
