"""Start the window: one instance, settings, logging, crash handler, the engine bridge."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSocketNotifier, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from desktop_slm import APP_DISPLAY_NAME, APP_NAME, __version__
from desktop_slm.config import app_paths, load_settings
from desktop_slm.logsetup import setup_logging
from desktop_slm.ui import messages, theme

if TYPE_CHECKING:
    from desktop_slm.engine.power import PowerSensor
    from desktop_slm.ui.main_window import MainWindow

log = logging.getLogger(__name__)


def resource_path(name: str) -> Path:
    """A file from ``resources/``: next to the package, or inside a frozen bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    base = Path(bundle) if bundle else Path(__file__).resolve().parents[2]
    return base / "resources" / name


def create_window(
    model: str | None = None, document: str | None = None, *, power: PowerSensor | None = None
) -> MainWindow:
    """Build the window for the running QApplication (used by the app and its tests).

    ``document`` is opened in the Summarize tab once the window has painted; ``power``
    replaces the battery sensor (tests).
    """
    # Imported here: a second launch hands its arguments over without loading any of it.
    from desktop_slm.ui.bridge.engine import EngineBridge
    from desktop_slm.ui.main_window import MainWindow, schedule_model_load

    paths = app_paths()
    setup_logging(paths)
    messages.install_excepthook(paths.log_file)
    loaded = load_settings(paths)
    settings = loaded.settings
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    theme.follow_system(app)  # light or dark as the system is, now and when it changes
    window = MainWindow(EngineBridge(), settings, paths, power=power)
    if loaded.notice:
        window.show_notice(loaded.notice)
    schedule_model_load(window, model or window.selection.active_path(), given=bool(model))
    if document:
        window.after_first_paint(lambda: window.open_document(document))
    return window


def run_app(model: str | None = None, document: str | None = None) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_DISPLAY_NAME)
    app.setApplicationVersion(__version__)
    # Matches the installed .desktop entry, so Wayland puts the window with its menu entry.
    app.setDesktopFileName("io.github.desktopslm.DesktopSLM")
    icon = resource_path("desktop-slm.svg")
    app.setWindowIcon(QIcon(str(icon)) if icon.exists() else QIcon.fromTheme(APP_NAME))
    from desktop_slm.ui import instance

    paths = setup_logging()
    request = instance.LaunchRequest(
        model=_absolute(model) if model and Path(model).expanduser().exists() else model,
        file=_absolute(document) if document else None,
    )
    server = instance.claim(request, paths.data_dir)
    if server is None:
        log.info("handed this launch to the window that is already open")
        print(
            f"{APP_NAME}: {APP_DISPLAY_NAME} is already open; its window has your request.",
            file=sys.stderr,
        )
        return 0
    window = create_window(model, document)
    server.serve(window)
    if os.environ.get(STARTUP_PROBE_ENV):
        _report_first_paint(window)
    window.show()
    log.info("window shown")
    # Nothing can be typed before the first paint, so nothing is lost by waiting.
    window.after_first_paint(lambda: _close_on_termination(window))
    return app.exec()


def _absolute(path: str) -> str:
    """``path`` as the running window, with its own working folder, can open it."""
    return str(Path(path).expanduser().absolute())


STARTUP_PROBE_ENV = "DESKTOP_SLM_STARTUP_PROBE"


class _FirstPaint(QObject):
    """For the start-up benchmark: print when the window has painted, then close it."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self._seen = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt override
        if event.type() == QEvent.Type.Paint and not self._seen:
            self._seen = True
            # After this paint has been handled and the loop is free again: usable.
            QTimer.singleShot(0, self._report)
        return False

    def _report(self) -> None:
        print(f"first-paint {time.monotonic():.6f}", flush=True)
        self._window.close()


def _report_first_paint(window: MainWindow) -> None:
    window.installEventFilter(_FirstPaint(window))


def _close_on_termination(window: MainWindow) -> None:
    """SIGTERM/SIGINT (logout, ``kill``, Ctrl+C) close the window properly: settings saved.

    Python runs signal handlers only when it gets control, which Qt's event loop does
    not give it; the wake-up fd makes the signal wake a socket notifier, whose slot
    lets Python run the handler.
    """
    if os.name != "posix":
        return
    import socket

    receive, send = socket.socketpair()
    receive.setblocking(False)
    send.setblocking(False)
    signal.set_wakeup_fd(send.fileno())
    notifier = QSocketNotifier(receive.fileno(), QSocketNotifier.Type.Read, window)

    def drain() -> None:
        with contextlib.suppress(OSError):
            receive.recv(512)

    notifier.activated.connect(drain)

    def close(signum: int, _frame: object) -> None:
        log.info("closing on signal %s", signal.Signals(signum).name)
        window.close()

    signal.signal(signal.SIGTERM, close)
    signal.signal(signal.SIGINT, close)
    window._termination = (receive, send, notifier)  # type: ignore[attr-defined]
