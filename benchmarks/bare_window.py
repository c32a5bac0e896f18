"""Baseline for the start-up benchmark: a bare PySide6 script that shows one empty window."""

import sys
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget


class FirstPaint(QObject):
    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        self.seen = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self.seen:
            self.seen = True
            QTimer.singleShot(0, self.report)
        return False

    def report(self) -> None:
        print(f"first-paint {time.monotonic():.6f}", flush=True)
        self.window.close()


app = QApplication(sys.argv[:1])
window = QWidget()
window.resize(1100, 720)
window.installEventFilter(FirstPaint(window))
window.show()
sys.exit(app.exec())
