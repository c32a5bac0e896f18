"""The one way the window reports errors (and asks before something it cannot take
back), and the crash handler for everything else."""

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

# (parent, title, text, action) -> whether the user chose ``action``; tests replace it.
Asker = Callable[[QWidget | None, str, str, str], bool]


def question_box(
    parent: QWidget | None,
    title: str,
    text: str,
    action: str,
    role: QMessageBox.ButtonRole = QMessageBox.ButtonRole.AcceptRole,
) -> bool:
    """A question with ``action`` and Cancel (the default); True if ``action`` was chosen."""
    box = QMessageBox(
        QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Cancel, parent
    )
    chosen = box.addButton(action, role)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is chosen


def _ask_box(parent: QWidget | None, title: str, text: str, action: str) -> bool:
    return question_box(parent, title, text, action)


asker: Asker = _ask_box


def error(parent: QWidget | None, text: str, *, title: str = "Desktop SLM") -> None:
    """Show an error a person can act on; never a traceback."""
    log.warning("shown to user: %s", text)
    presenter(parent, title, text)


def ask(parent: QWidget | None, text: str, *, action: str, title: str = "Desktop SLM") -> bool:
    """Ask before doing something the user may not want: True if they chose ``action``
    (Cancel is the default)."""
    answer = asker(parent, title, text, action)
    log.info("asked %r: %s", title, "yes" if answer else "no")
    return answer


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
