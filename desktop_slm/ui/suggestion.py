"""Inline suggestions: after a short pause in typing, a grey continuation at the cursor.

The suggestion is painted over the editor, never put in its document: the undo history,
the drafts, the fact check and "text changed" never see it. Tab accepts it (one undo
step), Ctrl+Right accepts its next word, any other key, a click or leaving the box
dismisses it. Tab with nothing suggested still moves the focus on. A keystroke cancels
the request in flight; a running Generate always wins (``EngineBridge.suggest``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QRect, Qt, QTimer
from PySide6.QtGui import QFontMetrics, QKeyEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from desktop_slm.tools import predict
from desktop_slm.ui.bridge.engine import EngineBridge

SUGGEST_DELAY_MS = 350
"""A pause in typing this long asks for a suggestion."""

_NEXT_WORD = re.compile(r"\s*\S+")
_MODIFIERS = frozenset(
    {Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Meta, Qt.Key.Key_AltGr}
)
_ERASING = frozenset({Qt.Key.Key_Backspace, Qt.Key.Key_Delete})
_NO_MODIFIER = Qt.KeyboardModifier.NoModifier
_CTRL = Qt.KeyboardModifier.ControlModifier


class InlineSuggestion(QObject):
    """Suggestions for one text box; ``enabled()`` is read at every pause (Preferences)."""

    def __init__(
        self, editor: QPlainTextEdit, bridge: EngineBridge, enabled: Callable[[], bool]
    ) -> None:
        super().__init__(editor)
        self._editor = editor
        self._bridge = bridge
        self._enabled = enabled
        self._text = ""
        """The suggestion on show ("" for none)."""
        self._ticket = 0
        """The request in flight (0 for none)."""
        self._anchor = (-1, -1)
        """(cursor position, document revision) the suggestion was asked for."""
        self._description = editor.accessibleDescription()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SUGGEST_DELAY_MS)
        self._timer.timeout.connect(self._ask)
        self._overlay = _Overlay(self, editor.viewport())
        editor.installEventFilter(self)
        editor.viewport().installEventFilter(self)
        editor.cursorPositionChanged.connect(self._check_anchor)
        editor.document().contentsChanged.connect(self._check_anchor)
        for bar in (editor.verticalScrollBar(), editor.horizontalScrollBar()):
            bar.valueChanged.connect(self._follow_scroll)
        bridge.suggested.connect(self._arrived)
        bridge.busyChanged.connect(self._busy_changed)

    # ------------------------------------------------------------ state
    @property
    def text(self) -> str:
        """The suggestion on show, as it would be inserted ("" when none is shown)."""
        return self._text

    @property
    def ticket(self) -> int:
        """The ticket of the request in flight (``EngineBridge.suggest``), 0 for none."""
        return self._ticket

    @property
    def pending(self) -> bool:
        """A pause in typing is being waited for, or a suggestion is being asked for."""
        return self._timer.isActive() or self._ticket != 0

    def _here(self) -> tuple[int, int]:
        return self._editor.textCursor().position(), self._editor.document().revision()

    def _can_suggest(self) -> bool:
        editor = self._editor
        if not (
            self._enabled()
            and editor.hasFocus()
            and editor.isEnabled()
            and not editor.isReadOnly()
            and self._bridge.active_model is not None
            and not self._bridge.is_busy()
        ):
            return False
        cursor = editor.textCursor()
        if cursor.hasSelection():
            return False
        after = cursor.block().text()[cursor.positionInBlock() :]
        return not after.strip()  # only at the end of a line: never over the user's text

    # ------------------------------------------------------------ asking
    def _ask(self) -> None:
        self._ticket = 0
        if not self._can_suggest():
            return
        before = _text_before_cursor(self._editor)
        if not predict.wants_suggestion(before):
            return
        self._anchor = self._here()
        self._ticket = self._bridge.suggest(before)

    def _arrived(self, ticket: int, continuation: str, final: bool) -> None:
        if ticket != self._ticket or ticket == 0:
            return  # another box's, or one asked for before the last keystroke
        if final:
            self._ticket = 0
        if self._here() != self._anchor or not self._can_suggest():
            self.cancel()
        elif continuation:
            self._show(continuation)  # it grows while the model writes it

    def cancel(self) -> None:
        """Dismiss the suggestion and drop the one being asked for."""
        self._timer.stop()
        if self._ticket:
            self._ticket = 0
            self._bridge.cancel_suggestion()
        self._show("")

    def _busy_changed(self, busy: bool) -> None:
        if busy:
            self.cancel()  # a Generate started: it has the engine, and the text may change

    def _check_anchor(self) -> None:
        if (self._text or self._ticket) and self._here() != self._anchor:
            self.cancel()  # the text or the cursor moved by other means than typing

    def _follow_scroll(self) -> None:
        # Scrolling moves the viewport's children too: put the overlay back over it.
        self._overlay.setGeometry(self._editor.viewport().rect())
        self._overlay.update()

    # ------------------------------------------------------------ showing
    def _show(self, text: str) -> None:
        if text == self._text:
            return
        self._text = text
        if text:
            self._editor.setAccessibleDescription(
                f"Suggestion: {text.strip()}. Tab accepts it, Ctrl+Right its next word."
            )
        else:
            self._editor.setAccessibleDescription(self._description)
        self._overlay.update()

    def accept(self, *, one_word: bool = False) -> bool:
        """Insert the suggestion (or its next word) at the cursor as one undo step."""
        text = self._text
        if not text:
            return False
        part = text
        if one_word:
            match = _NEXT_WORD.match(text)
            part = match.group(0) if match else text
        rest = text[len(part) :]
        if self._ticket:  # still being written: what is on show is what is accepted
            self._ticket = 0
            self._bridge.cancel_suggestion()
        self._show("")
        cursor = self._editor.textCursor()
        cursor.beginEditBlock()
        cursor.insertText(part)
        cursor.endEditBlock()
        self._editor.setTextCursor(cursor)
        self._editor.ensureCursorVisible()
        if rest.strip():
            self._anchor = self._here()
            self._show(rest)
        return True

    # ------------------------------------------------------------ events
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt override
        kind = event.type()
        if watched is self._editor:
            if kind == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
                if self._text and _is_ours(event):
                    event.accept()  # the key comes to the box, not to a shortcut
                    return True
            elif kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
                return self._key(event)
            elif kind == QEvent.Type.InputMethod:
                self.cancel()
                self._timer.start()
            elif kind == QEvent.Type.FocusOut:
                self.cancel()
        elif kind == QEvent.Type.MouseButtonPress:
            self.cancel()
        elif kind == QEvent.Type.Resize:
            self._overlay.setGeometry(self._editor.viewport().rect())
        return False

    def _key(self, event: QKeyEvent) -> bool:
        """True when the key was the suggestion's (Tab, Ctrl+Right, Esc)."""
        key = event.key()
        if key in _MODIFIERS:
            return False  # Ctrl on its way to Ctrl+Right
        if self._text and _is_ours(event):
            if key == Qt.Key.Key_Escape:
                self.cancel()
            else:
                self.accept(one_word=key == Qt.Key.Key_Right)
            return True
        self.cancel()
        if (event.text().isprintable() and event.text()) or key in _ERASING:
            self._timer.start()  # (re)started: only a pause in typing asks
        return False

    def paint(self, painter: QPainter) -> None:
        """Draw the suggestion after the cursor, wrapped at the box's right edge."""
        if not self._text:
            return
        editor = self._editor
        painter.setFont(editor.font())
        painter.setPen(editor.palette().color(QPalette.ColorRole.PlaceholderText))
        metrics = QFontMetrics(editor.font())
        caret = editor.cursorRect()
        right = editor.viewport().width() - 2
        left = int(editor.contentOffset().x() + editor.document().documentMargin())
        last_line = editor.textCursor().atEnd()
        x, y = caret.left() + editor.cursorWidth() + 1, caret.top()
        for line in _wrap(self._text, metrics, right - x, right - left):
            if not last_line and y > caret.top():
                break  # text follows below: the suggestion stays on the cursor's line
            painter.drawText(
                QRect(x, y, right - x, caret.height()), Qt.AlignmentFlag.AlignVCenter, line
            )
            x, y = left, y + metrics.lineSpacing()


def _is_ours(event: QKeyEvent) -> bool:
    key, modifiers = event.key(), event.modifiers()
    if key in (Qt.Key.Key_Tab, Qt.Key.Key_Escape):
        return modifiers == _NO_MODIFIER
    return key == Qt.Key.Key_Right and modifiers == _CTRL


def _wrap(text: str, metrics: QFontMetrics, first: int, width: int) -> list[str]:
    """``text`` in lines: the first ``first`` pixels wide, the others ``width``."""
    lines: list[str] = []
    line, room = "", first
    for word in _NEXT_WORD.findall(text):
        if line and metrics.horizontalAdvance(line + word) > room:
            lines.append(line)
            line, room = word.lstrip(), width
        else:
            line += word
    if line:
        lines.append(line)
    if lines and metrics.horizontalAdvance(lines[0]) > first:
        lines[0] = metrics.elidedText(lines[0], Qt.TextElideMode.ElideRight, max(first, 0))
    return lines


def _text_before_cursor(editor: QPlainTextEdit) -> str:
    """The editor's text up to the cursor (Qt counts UTF-16 units, Python characters)."""
    text = editor.toPlainText()
    position = editor.textCursor().position()
    if text.isascii():
        return text[:position]
    return text.encode("utf-16-le")[: 2 * position].decode("utf-16-le", errors="ignore")


class _Overlay(QWidget):
    """Paints the suggestion over the editor's text; clicks go through to the editor."""

    def __init__(self, owner: InlineSuggestion, viewport: QWidget) -> None:
        super().__init__(viewport)
        self._owner = owner
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setGeometry(viewport.rect())
        self.show()

    def paintEvent(self, event: QPaintEvent) -> None:  # Qt override
        painter = QPainter(self)
        try:
            self._owner.paint(painter)
        finally:
            painter.end()


def attach(
    root: QWidget, bridge: EngineBridge, enabled: Callable[[], bool]
) -> list[InlineSuggestion]:
    """Suggestions in every plain-text box under ``root`` (each box gets one)."""
    return [
        InlineSuggestion(editor, bridge, enabled) for editor in root.findChildren(QPlainTextEdit)
    ]
