"""The one way the window reports errors, and the crash handler for everything else."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtWidgets import QMessageBox, QWidget

log = logging.getLogger(__name__)

# Tests replace this to see what would have been shown.
Presenter = Callable[[QWidget | None, str, str], None]


def _show_box(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.critical(parent, title, text)


presenter: Presenter = _show_box


def error(parent: QWidget | None, text: str, *, title: str = "Desktop SLM") -> None:
    """Show an error a person can act on; never a traceback."""
    log.warning("shown to user: %s", text)
    presenter(parent, title, text)


def unexpected(exc: BaseException, what_failed: str) -> str:
    """Log ``exc`` with its traceback; the sentence shown instead ("… (KeyError). Details …")."""
    log.error("%s", what_failed, exc_info=exc)
    return f"{what_failed} ({type(exc).__name__}). Details are in the log."


def install_excepthook(log_file: Path) -> None:
    """Uncaught exceptions: full traceback to the log, a short message on screen."""

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            return
        log.critical(
            "uncaught exception:\n%s", "".join(traceback.format_exception(kind, value, tb))
        )
        error(
            None,
            "Something went wrong inside Desktop SLM. Your text is still in the "
            f"window. Details were written to {log_file}.",
            title="Unexpected error",
        )

    sys.excepthook = hook
