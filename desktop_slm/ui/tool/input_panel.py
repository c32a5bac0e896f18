"""A writing tab's input: the text box (files may be dropped on it), Open file…, the document line.

A document is read off the GUI thread; what it says goes to the form's target box.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QTextCursor
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_slm.ui import theme
from desktop_slm.ui.bridge.background import Background, Failure

if TYPE_CHECKING:
    from desktop_slm.documents.reader import Document

# Documents are imported when first used: they load the PDF and Word libraries, which
# the window's first paint does not need.


def open_filter() -> str:
    from desktop_slm.documents.reader import SUPPORTED_SUFFIXES

    return "Documents (" + " ".join(f"*{s}" for s in SUPPORTED_SUFFIXES) + ");;All files (*)"


def _ask_open_path(parent: QWidget, title: str) -> str:
    path, _ = QFileDialog.getOpenFileName(parent, title, "", open_filter())
    return path


ask_open_path: Callable[[QWidget, str], str] = _ask_open_path
"""The Open dialog; tests replace it (a real one would block them)."""


def replace_text(editor: QPlainTextEdit, text: str) -> None:
    """Put ``text`` in ``editor`` as one edit that Ctrl+Z takes back.

    ``setPlainText`` would also clear the undo history: what the user had typed there
    would be gone for good once the draft is saved again.
    """
    cursor = QTextCursor(editor.document())
    cursor.beginEditBlock()
    cursor.select(QTextCursor.SelectionType.Document)
    cursor.insertText(text)
    cursor.endEditBlock()


class InputEdit(QPlainTextEdit):
    """A text box that also takes files dropped on it (text drops work as usual)."""

    fileDropped = Signal(str)

    @staticmethod
    def _local_file(data: QMimeData) -> str | None:
        if not data.hasUrls():
            return None
        for url in data.urls():
            if url.isLocalFile():
                return url.toLocalFile()
        return None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # Qt override
        if self._local_file(event.mimeData()):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # Qt override
        if self._local_file(event.mimeData()):
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # Qt override
        path = self._local_file(event.mimeData())
        if path:
            event.acceptProposedAction()
            self.fileDropped.emit(path)
        else:
            super().dropEvent(event)


class InputPanel(QWidget):
    """Title row with Open file…, the text box, and what the opened document is.

    ``openRequested(path)`` asks to read a document (chosen or dropped); the tab calls
    :meth:`read` when it may. ``readingChanged`` follows the start and end of a read;
    ``documentRead`` (with the document's notice, or "") and ``failed`` (a sentence)
    say how it went.
    """

    openRequested = Signal(str)
    readingChanged = Signal()
    documentRead = Signal(str)  # the document's notice, or ""
    failed = Signal(str)

    def __init__(self, tab_id: str, title: str, placeholder: str) -> None:
        super().__init__()
        self._background = Background(self)
        self._reading = 0
        self.target: Callable[[], QPlainTextEdit] = lambda: self.input
        """Where a document goes (the Email tab's reply puts it in the original email)."""

        self.input = InputEdit()
        self.input.setObjectName(f"{tab_id}Input")
        self.input.setPlaceholderText(placeholder)
        self.input.setAccessibleName(title)
        self.open_button = QPushButton("Open file…")
        self.open_button.setObjectName(f"{tab_id}OpenButton")
        self.open_button.setToolTip(
            "Open a .txt, .md, .pdf, .docx or .html file (or drop it on the text box)"
        )
        self.document_info = QLabel()
        self.document_info.setObjectName(f"{tab_id}DocumentInfo")
        theme.tone(self.document_info, "muted")
        self.document_info.setWordWrap(True)
        self.document_info.hide()

        self.header = QHBoxLayout()
        if title:
            self.header.addWidget(QLabel(f"<b>{title}</b>"))
        self.header.addStretch(1)
        self.header.addWidget(self.open_button)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addLayout(self.header)
        self._layout.addWidget(self.input, 1)
        self._layout.addWidget(self.document_info)

        self.open_button.clicked.connect(self._choose)
        self.input.fileDropped.connect(self.openRequested)

    def add_to_header(self, widget: QWidget) -> None:
        """Put ``widget`` in the title row, before Open file…."""
        self.header.insertWidget(self.header.count() - 2, widget)

    def add_above(self, widget: QWidget, stretch: int = 0) -> None:
        """Put ``widget`` between the title row and the text box."""
        self._layout.insertWidget(self._layout.indexOf(self.input), widget, stretch)

    @property
    def reading(self) -> bool:
        return self._reading > 0

    def text(self) -> str:
        return self.input.toPlainText()

    def _choose(self) -> None:
        path = ask_open_path(self, "Open a document")
        if path:
            self.openRequested.emit(path)

    def read(self, path: str) -> None:
        """Read ``path`` off the GUI thread into :attr:`target`."""
        from desktop_slm.documents.reader import read_document

        self._reading += 1
        self.document_info.setText(f"Opening {Path(path).name}…")
        self.document_info.show()
        self.readingChanged.emit()
        self._background.start(
            lambda: read_document(path),
            name="read-document",
            what_failed="The file could not be opened",
            done=self._read,
            failed=self._not_read,
        )

    def _read(self, document: Document) -> None:
        self._reading -= 1
        replace_text(self.target(), document.text)
        plural = "page" if document.pages == 1 else "pages"
        pages = f" · {document.pages} {plural}" if document.pages else ""
        self.document_info.setText(f"{document.path.name}{pages} · {document.words:,} words")
        self.document_info.show()
        self.documentRead.emit(document.notice or "")
        self.readingChanged.emit()

    def _not_read(self, failure: Failure) -> None:
        self._reading -= 1
        self.document_info.hide()
        self.failed.emit(failure.message)
        self.readingChanged.emit()
