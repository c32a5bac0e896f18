"""A tab's history of finished generations: search, reopen, delete, clear all."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_slm.storage.drafts import DraftStore, HistoryEntry, StorageError
from desktop_slm.ui import messages, theme

log = logging.getLogger(__name__)

Confirm = Callable[[QWidget | None, str, str], bool]


def _ask(parent: QWidget | None, title: str, text: str) -> bool:
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes


confirm: Confirm = _ask
"""Asks before something is deleted for good; tests replace it."""


def when(created: float, now: float | None = None) -> str:
    """``14:05`` today, ``Mon 14:05`` this week, else ``2024-03-01``."""
    now = time.time() if now is None else now
    local, today = time.localtime(created), time.localtime(now)
    if local[:3] == today[:3]:
        return time.strftime("%H:%M", local)
    if now - created < 6 * 86_400:
        return time.strftime("%a %H:%M", local)
    return time.strftime("%Y-%m-%d", local)


class HistoryPanel(QWidget):
    """The finished generations of one tab, newest first."""

    reopen = Signal(object)  # HistoryEntry
    failed = Signal(str)

    def __init__(self, tab_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tab_id = tab_id
        self._store: DraftStore | None = None
        prefix = tab_id

        self.search = QLineEdit()
        self.search.setObjectName(f"{prefix}HistorySearch")
        self.search.setPlaceholderText("Search history")
        self.search.setAccessibleName("Search history")
        self.search.setClearButtonEnabled(True)
        self.entries = QListWidget()
        self.entries.setObjectName(f"{prefix}HistoryList")
        self.entries.setAccessibleName("History entries")
        self.entries.setWordWrap(True)
        self.empty = QLabel("Finished results appear here.")
        self.empty.setWordWrap(True)
        theme.tone(self.empty, "muted")
        self.reopen_button = QPushButton("Reopen")
        self.reopen_button.setToolTip("Put this entry's inputs, options and result back in the tab")
        self.delete_button = QPushButton("Delete")
        self.clear_button = QPushButton("Clear all…")
        buttons = QHBoxLayout()
        buttons.addWidget(self.reopen_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        buttons.addWidget(self.clear_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("<b>History</b>"))
        layout.addWidget(self.search)
        layout.addWidget(self.entries, 1)
        layout.addWidget(self.empty)
        layout.addLayout(buttons)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(200)
        self._search_timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.entries.itemActivated.connect(lambda _item: self.reopen_selected())
        self.entries.currentRowChanged.connect(lambda _row: self._update_buttons())
        self.reopen_button.clicked.connect(self.reopen_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.clear_button.clicked.connect(self.clear_all)
        self._update_buttons()

    def set_store(self, store: DraftStore | None) -> None:
        self._store = store
        self.refresh()

    def refresh(self) -> None:
        self._search_timer.stop()
        self.entries.clear()
        found: list[HistoryEntry] = []
        if self._store is not None:
            try:
                found = self._store.history(self.tab_id, self.search.text())
            except sqlite3.Error as exc:
                log.warning("reading history failed: %s", exc)
                self.failed.emit("The history could not be read; see the log for details.")
        for entry in found:
            item = QListWidgetItem(f"{entry.title or '(untitled)'}\n{when(entry.created)}")
            item.setData(Qt.ItemDataRole.UserRole, entry.id)
            item.setToolTip(entry.output[:400])
            self.entries.addItem(item)
        if found:
            self.entries.setCurrentRow(0)
        searching = bool(self.search.text().strip())
        self.empty.setText("Nothing matches." if searching else "Finished results appear here.")
        self.empty.setVisible(not found)
        self._update_buttons()

    def _selected_id(self) -> int | None:
        item = self.entries.currentItem()
        return int(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def _update_buttons(self) -> None:
        chosen = self._selected_id() is not None
        self.reopen_button.setEnabled(chosen)
        self.delete_button.setEnabled(chosen)
        self.clear_button.setEnabled(self.entries.count() > 0 or bool(self.search.text()))

    def reopen_selected(self) -> None:
        entry_id = self._selected_id()
        if entry_id is None or self._store is None:
            return
        entry = self._store.get_history(entry_id)
        if entry is None:
            self.refresh()
            return
        self.reopen.emit(entry)

    def delete_selected(self) -> None:
        entry_id = self._selected_id()
        if entry_id is None or self._store is None:
            return
        row = self.entries.currentRow()
        try:
            self._store.delete_history(entry_id)
        except StorageError as exc:  # another program holds the database
            messages.error(self, str(exc))
            return
        self.refresh()
        if self.entries.count():
            self.entries.setCurrentRow(min(row, self.entries.count() - 1))

    def clear_all(self) -> None:
        if self._store is None:
            return
        if not confirm(
            self,
            "Clear history",
            "Delete every entry in this tab's history? This cannot be undone.",
        ):
            return
        try:
            self._store.clear_history(self.tab_id)
        except StorageError as exc:
            messages.error(self, str(exc))
            return
        self.search.clear()
        self.refresh()
