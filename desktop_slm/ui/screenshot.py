"""For installer tests: save a picture of the main window once it has painted, then close it.

``DESKTOP_SLM_SCREENSHOT=FILE.png desktop-slm`` opens the window as usual; a moment
after its first paint (``DESKTOP_SLM_SCREENSHOT_DELAY_MS``, default 1500) the window
is saved to FILE.png from the screen it is on (so under X11 the picture comes from the
X server) and closed. One line on stdout says where the file went.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QGuiApplication, QPixmap
from PySide6.QtWidgets import QApplication, QMainWindow

SCREENSHOT_ENV = "DESKTOP_SLM_SCREENSHOT"
DELAY_ENV = "DESKTOP_SLM_SCREENSHOT_DELAY_MS"


class _SaveWhenPainted(QObject):
    def __init__(self, app: QApplication, path: Path, delay_ms: int) -> None:
        super().__init__(app)
        self._path = path
        self._delay_ms = delay_ms
        self._window: QMainWindow | None = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt override
        if (
            self._window is None
            and event.type() == QEvent.Type.Paint
            and isinstance(watched, QMainWindow)
        ):
            self._window = watched
            QTimer.singleShot(self._delay_ms, self._save)
        return False

    def _save(self) -> None:
        window = self._window
        assert window is not None
        screen = window.screen()
        picture: QPixmap = screen.grabWindow(window.winId()) if screen else QPixmap()
        if picture.isNull():  # a platform that cannot read its screen back
            picture = window.grab()
        saved = picture.save(str(self._path))
        platform = QGuiApplication.platformName()
        size = f"{picture.width()}x{picture.height()}"
        status = "saved" if saved else "NOT saved"
        print(f"screenshot {status} ({platform}, {size}): {self._path}", flush=True)
        window.close()


def capture_main_window(path: Path) -> None:
    """Arrange for the main window to be saved to ``path`` after it first paints."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    delay_ms = int(os.environ.get(DELAY_ENV) or 1500)
    app.installEventFilter(_SaveWhenPainted(app, path, delay_ms))
