"""Autosave: every tab's draft goes to the drafts database while the user types."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from desktop_slm.storage.drafts import DraftStore
from desktop_slm.ui.tool_tab import ToolTab

log = logging.getLogger(__name__)

SAVE_DELAY_MS = 1500
"""A change is saved at most this long after it was made, even while text keeps
streaming in (the timer is not restarted by later changes): a kill -9 loses at most
the last 1.5 seconds."""


class DraftKeeper(QObject):
    """Restores the tabs' drafts at start and saves each tab soon after it changes."""

    failed = Signal(str)  # a sentence for the status bar, once per run of failures

    def __init__(
        self,
        store: DraftStore,
        tabs: Sequence[ToolTab],
        parent: QObject | None = None,
        *,
        delay_ms: int = SAVE_DELAY_MS,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._tabs: dict[str, ToolTab] = {}
        self._timers: dict[str, QTimer] = {}
        self._delay_ms = delay_ms
        self._warned = False
        self._closed = False
        for tab in tabs:
            self._watch(tab)

    def _watch(self, tab: ToolTab) -> None:
        tab_id = tab.tab_id
        self._tabs[tab_id] = tab
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(self._delay_ms)
        timer.timeout.connect(lambda: self.save(tab_id))
        self._timers[tab_id] = timer
        tab.changed.connect(lambda: self._schedule(tab_id))

    def add(self, tab: ToolTab) -> bool:
        """Watch a tab built after the others and put its draft back; True if it had one."""
        self._watch(tab)
        try:
            state = self._store.drafts().get(tab.tab_id)
        except sqlite3.Error as exc:
            log.warning("could not read the %s draft: %s", tab.tab_id, exc)
            self.failed.emit("Your saved draft could not be read; see the log for details.")
            return False
        restored = state is not None and bool(state) and self._restore_one(tab, state)
        self._timers[tab.tab_id].stop()  # restoring is not a change worth saving again
        return restored

    def restore(self) -> list[str]:
        """Put every saved draft back; returns the ids of the tabs that had one."""
        try:
            drafts = self._store.drafts()
        except sqlite3.Error as exc:
            log.warning("could not read drafts: %s", exc)
            self.failed.emit("Your saved drafts could not be read; see the log for details.")
            return []
        restored = []
        for tab_id, state in drafts.items():
            tab = self._tabs.get(tab_id)
            if tab is not None and state and self._restore_one(tab, state):
                restored.append(tab_id)
        for timer in self._timers.values():
            timer.stop()  # restoring is not a change worth saving again
        return restored

    @staticmethod
    def _restore_one(tab: ToolTab, state: dict[str, Any]) -> bool:
        try:
            tab.restore_draft(state)
        except Exception:  # one odd draft must not stop the window from opening
            log.exception("could not restore the %s draft", tab.tab_id)
            return False
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
