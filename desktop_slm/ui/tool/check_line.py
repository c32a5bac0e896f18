"""The fact check under an answer: one line, and the two follow-ups that fix what it found.

"✓ All 7 details from your notes are in the draft", or "2 missing: 14 March, 10:00 ·
2 not in your notes: John Smith, FoxBridge" with "Add the missing details" and "Remove
what is not in my notes". The output panel highlights the invented details themselves.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from desktop_slm.checking.facts import FactCheck
from desktop_slm.tools import rewrite
from desktop_slm.ui import theme


class CheckLine(QWidget):
    """Shows a :class:`FactCheck`; ``fixRequested(action)`` is a click on a follow-up."""

    fixRequested = Signal(str)

    def __init__(self, tab_id: str) -> None:
        super().__init__()
        self.setObjectName(f"{tab_id}CheckLine")
        self.label = QLabel()
        self.label.setObjectName(f"{tab_id}Check")
        self.label.setWordWrap(True)
        self.label.setAccessibleName("Fact check of the answer")
        self.buttons: dict[str, QPushButton] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        for key, name in (("add_missing", "AddMissing"), ("remove_invented", "RemoveInvented")):
            button = QPushButton(rewrite.FIXES[key].label)
            button.setObjectName(f"{tab_id}{name}")
            button.clicked.connect(lambda _checked=False, key=key: self.fixRequested.emit(key))
            button.hide()
            layout.addWidget(button)
            self.buttons[key] = button
        self.check: FactCheck | None = None
        self.hide()

    def show_check(self, check: FactCheck | None) -> None:
        """Show ``check``; None hides the line (nothing was checked)."""
        self.check = check
        if check is None:
            self.hide()
            return
        self.label.setText(check.summary())
        theme.tone(self.label, "muted" if check.clean else "warning")
        self.label.style().unpolish(self.label)  # the tone is a style-sheet property
        self.label.style().polish(self.label)
        self.buttons["add_missing"].setVisible(bool(check.missing))
        self.buttons["remove_invented"].setVisible(bool(check.invented))
        self.show()

    def set_enabled(self, enabled: bool) -> None:
        for button in self.buttons.values():
            button.setEnabled(enabled)
