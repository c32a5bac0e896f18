"""A writing tab's output: the editable result, the actions on it and the follow-up rewrites.

Regenerate, Copy, Save as… (``ui/saving.py``), Undo rewrite, History, and the
follow-ups (Shorter, Longer, More formal, Friendlier, Fix grammar). Under the result,
the fact check's line (:class:`CheckLine`); the details it calls invented are highlighted
in the result, and clicking one selects it. The job view's status strip sits between
the result and the actions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QColor, QGuiApplication, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop_slm.errors import UserFacingError
from desktop_slm.tools import rewrite
from desktop_slm.ui import theme
from desktop_slm.ui.tool.check_line import CheckLine


def _ask_save_path(parent: QWidget, title: str, suggested: str) -> str:
    from desktop_slm.ui.saving import SAVE_FILTERS, suffix_for_filter

    path, chosen = QFileDialog.getSaveFileName(parent, title, suggested, ";;".join(SAVE_FILTERS))
    if path and not Path(path).suffix:
        path += suffix_for_filter(chosen) or ".txt"
    return path


ask_save_path: Callable[[QWidget, str, str], str] = _ask_save_path
"""The Save dialog; tests replace it (a real one would block them)."""


class OutputPanel(QWidget):
    """The result and what can be done with it.

    ``rewriteRequested(key)`` is a follow-up's click; ``saved(path)``, ``failed(message)``
    and ``statusMessage(text)`` report what Copy and Save as… did.
    """

    rewriteRequested = Signal(str)
    saved = Signal(str)
    failed = Signal(str)
    statusMessage = Signal(str)

    def __init__(self, tab_id: str, title: str, placeholder: str, status: QWidget) -> None:
        super().__init__()
        self.before_rewrite: str | None = None
        """The output before the last follow-up rewrite, for Undo rewrite."""
        self.output = QPlainTextEdit()
        self.output.setObjectName(f"{tab_id}Output")
        self.output.setPlaceholderText(placeholder)
        self.output.setAccessibleName(title)
        self.regenerate_button = QPushButton("Regenerate")
        self.regenerate_button.setObjectName(f"{tab_id}Regenerate")
        self.copy_button = QPushButton("Copy")
        self.copy_button.setObjectName(f"{tab_id}Copy")
        self.save_button = QPushButton("Save as…")
        self.save_button.setObjectName(f"{tab_id}Save")
        self.undo_button = QPushButton("Undo rewrite")
        self.undo_button.setObjectName(f"{tab_id}UndoRewrite")
        self.undo_button.hide()
        self.history_button = QPushButton("History")
        self.history_button.setObjectName(f"{tab_id}HistoryButton")
        self.history_button.setCheckable(True)
        self.check_line = CheckLine(tab_id)
        self._marked: list[tuple[int, int]] = []
        """Highlighted ranges of the result (Qt positions), for click-to-select."""
        self.follow_ups: dict[str, QPushButton] = {}
        for key, action in rewrite.ACTIONS.items():
            button = QPushButton(action.label)
            button.setObjectName(f"{tab_id}Rewrite_{key}")
            button.setToolTip(f"Rewrite the result: {action.label.lower()}")
            button.clicked.connect(lambda _checked=False, key=key: self.rewriteRequested.emit(key))
            self.follow_ups[key] = button

        self.title_row = QHBoxLayout()
        """The title, then room for a tool's own buttons (the Report's views)."""
        self.title_row.addWidget(QLabel(f"<b>{title}</b>"))
        self.upper = QVBoxLayout()
        """The title row and the result; a tool may add its own widgets around them."""
        self.upper.addLayout(self.title_row)
        self.upper.addWidget(self.output, 1)
        self.upper.addWidget(self.check_line)
        actions = QHBoxLayout()
        for button in (self.regenerate_button, self.copy_button, self.save_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.undo_button)
        actions.addWidget(self.history_button)
        follow = QHBoxLayout()
        follow.addWidget(QLabel("Rewrite:"))
        for button in self.follow_ups.values():
            follow.addWidget(button)
        follow.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.upper, 1)
        layout.addWidget(status)
        layout.addLayout(actions)
        layout.addLayout(follow)

        self.copy_button.clicked.connect(self.copy)
        self.output.viewport().installEventFilter(self)
        theme.on_change(self, self._repaint_marks)

    def replace_view(self, view: QWidget) -> None:
        """Show ``view`` where the result is (it holds the result, e.g. in a stack)."""
        self.upper.replaceWidget(self.output, view)

    # ------------------------------------------------------------ the text
    def text(self) -> str:
        return self.output.toPlainText()

    def set_text(self, text: str, *, keep_scroll: bool = False) -> None:
        """Replace the result; ``keep_scroll`` keeps the view where the reader is."""
        bar = self.output.verticalScrollBar()
        position = bar.value()
        self.output.setPlainText(text)
        if keep_scroll:
            bar.setValue(position)

    def append(self, text: str) -> None:
        """Add streamed text; the view follows it only if it was at the end."""
        bar = self.output.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 4
        cursor = QTextCursor(self.output.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(text)
        if at_end:
            bar.setValue(bar.maximum())

    # ------------------------------------------------------------ highlights
    def mark(self, spans: Sequence[tuple[int, int]]) -> None:
        """Highlight ``spans`` (start, end offsets in :meth:`text`); an empty list clears."""
        text = self.text()
        self._marked = [
            (_qt_position(text, start), _qt_position(text, end))
            for start, end in spans
            if 0 <= start < end <= len(text)
        ]
        self._repaint_marks()

    def _repaint_marks(self) -> None:
        background, foreground = theme.colours().banners["notice"]
        look = QTextCharFormat()
        look.setBackground(QColor(background))
        look.setForeground(QColor(foreground))
        look.setToolTip("Not in your input: check it, or click to select it")
        selections = []
        for start, end in self._marked:
            selection = QTextEdit.ExtraSelection()
            cursor = QTextCursor(self.output.document())
            cursor.setPosition(start)
            cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
            selection.cursor = cursor
            selection.format = look
            selections.append(selection)
        self.output.setExtraSelections(selections)

    def marked_texts(self) -> list[str]:
        """The highlighted texts, in order (what a reader sees marked)."""
        return [selection.cursor.selectedText() for selection in self.output.extraSelections()]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt override
        if (
            watched is self.output.viewport()
            and event.type() == QEvent.Type.MouseButtonRelease
            and self._marked
        ):
            self._select_mark_at_cursor()
        return super().eventFilter(watched, event)

    def _select_mark_at_cursor(self) -> None:
        cursor = self.output.textCursor()
        if cursor.hasSelection():
            return
        for start, end in self._marked:
            if start <= cursor.position() <= end:
                cursor.setPosition(start)
                cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
                self.output.setTextCursor(cursor)
                return

    def set_enabled(self, *, running: bool, can_run: bool, has_input: bool) -> None:
        has_output = bool(self.text().strip())
        self.regenerate_button.setEnabled(can_run and has_input and has_output)
        for button in self.follow_ups.values():
            button.setEnabled(can_run and has_output)
        self.check_line.set_enabled(can_run and has_output)
        self.copy_button.setEnabled(not running and has_output)
        self.save_button.setEnabled(not running and has_output)
        self.undo_button.setEnabled(not running)
        self.output.setReadOnly(running)

    # ------------------------------------------------------------ actions
    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text())
        self.statusMessage.emit("Copied to the clipboard.")

    def save_as(self, title: str, suggested: str) -> None:
        """Ask where, then save the result (.md, .txt, .html, .docx or .pdf)."""
        text = self.text()
        if not text.strip():
            return
        path = ask_save_path(self, "Save as", suggested)
        if not path:
            return
        try:
            from desktop_slm.ui.saving import save_output

            saved = save_output(path, text, title=title)
        except UserFacingError as exc:
            self.failed.emit(str(exc))
            return
        self.saved.emit(str(saved))

    def undo_rewrite(self) -> None:
        if self.before_rewrite is not None:
            self.set_text(self.before_rewrite)
            self.before_rewrite = None
            self.undo_button.hide()


def _qt_position(text: str, offset: int) -> int:
    """A Python string offset as a Qt text position (UTF-16 code units)."""
    return offset + sum(1 for char in text[:offset] if ord(char) > 0xFFFF)
