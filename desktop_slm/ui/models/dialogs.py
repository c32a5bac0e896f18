"""The Models tab's questions to the user; tests replace these functions with monkeypatch.

Callers look them up on this module when they ask (``dialogs.confirm(...)``), so a
replacement made after the tab was built still answers.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox, QWidget

from desktop_slm.engine.hardware import human_bytes
from desktop_slm.ui import messages


def confirm(parent: QWidget, title: str, text: str, action: str) -> bool:
    """Ask before something that cannot be undone; True if the user chose ``action``."""
    return messages.question_box(
        parent, title, text, action, QMessageBox.ButtonRole.DestructiveRole
    )


def choose_gguf_file(parent: QWidget) -> str | None:
    path, _ = QFileDialog.getOpenFileName(
        parent, "Import a model", str(Path.home()), "GGUF models (*.gguf);;All files (*)"
    )
    return path or None


def ask_import_mode(parent: QWidget, path: str) -> str | None:
    """ "copy", "in_place", or None if the user cancelled."""
    try:
        size = f" ({human_bytes(os.path.getsize(path))})"
    except OSError:
        size = ""
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "Import a model",
        f"Copy {Path(path).name}{size} into the app's model folder, or use it where it is?\n\n"
        "Using it in place saves disk space; the model stops working if the file is moved.",
        QMessageBox.StandardButton.Cancel,
        parent,
    )
    copy = box.addButton("Copy into the library", QMessageBox.ButtonRole.AcceptRole)
    in_place = box.addButton("Use where it is", QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(copy)
    box.exec()
    clicked = box.clickedButton()
    return "copy" if clicked is copy else "in_place" if clicked is in_place else None


def ask_token(parent: QWidget) -> str | None:
    """A Hugging Face access token typed by the user, or None."""
    text, ok = QInputDialog.getText(
        parent,
        "Hugging Face access token",
        "Paste a read token from huggingface.co/settings/tokens.\n"
        "It is kept in the system keyring, never in the settings file.\n"
        "It is sent only to huggingface.co over https, or to the mirror in\n"
        "HF_ENDPOINT if that uses https (or is on this computer);\n"
        "a mirror reached over plain http gets no token.",
        QLineEdit.EchoMode.Password,
    )
    return text.strip() if ok and text.strip() else None
