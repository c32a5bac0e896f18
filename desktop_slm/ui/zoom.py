"""Editor text size: Ctrl+Plus, Ctrl+Minus and Ctrl+0 in the writing tabs, remembered."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QWidget

from desktop_slm.config import EDITOR_ZOOM_MAX, EDITOR_ZOOM_MIN, Settings
from desktop_slm.ui.accessibility import editors

ZOOM_STEP = 10
"""Percent of the normal size per Ctrl+Plus or Ctrl+Minus."""

ZOOM_IN_KEYS = (QKeySequence.StandardKey.ZoomIn, "Ctrl+=")  # Ctrl+= : "+" without Shift
ZOOM_OUT_KEYS = (QKeySequence.StandardKey.ZoomOut,)
RESET_KEYS = ("Ctrl+0",)


class EditorZoom(QObject):
    """Scales the text boxes of the tabs given to :meth:`adopt`; ``settings.editor_zoom``."""

    def __init__(self, window: QWidget, settings: Settings) -> None:
        super().__init__(window)
        self._settings = settings
        self._editors: list[tuple[QPlainTextEdit | QTextEdit, float]] = []
        """Each editor with its normal point size."""
        for keys, step in ((ZOOM_IN_KEYS, 1), (ZOOM_OUT_KEYS, -1), (RESET_KEYS, 0)):
            for key in keys:
                shortcut = QShortcut(QKeySequence(key), window)
                shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
                shortcut.activated.connect(lambda step=step: self.step(step))

    @property
    def percent(self) -> int:
        return self._settings.editor_zoom

    def adopt(self, tab: QWidget) -> None:
        """Scale ``tab``'s text boxes (input, output, outline…) with the others."""
        for editor in editors(tab):
            normal = editor.font().pointSizeF()
            self._editors.append((editor, normal))
            self._resize(editor, normal)

    def step(self, direction: int) -> None:
        """One step larger (1), smaller (-1), or back to the normal size (0)."""
        percent = self.percent + direction * ZOOM_STEP if direction else 100
        self._settings.editor_zoom = max(EDITOR_ZOOM_MIN, min(EDITOR_ZOOM_MAX, percent))
        for editor, normal in self._editors:
            self._resize(editor, normal)

    def _resize(self, editor: QPlainTextEdit | QTextEdit, normal: float) -> None:
        font = editor.font()
        font.setPointSizeF(normal * self.percent / 100)
        editor.setFont(font)
