"""The Found on this computer page: GGUF models other apps keep, used where they are."""

from __future__ import annotations

import os

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop_slm.engine.hardware import human_bytes
from desktop_slm.models.discover import Discovery, FoundModel
from desktop_slm.models.library import InstalledModel
from desktop_slm.ui.bridge.models import Action, Failure, LibraryView, ModelManagerBridge
from desktop_slm.ui.models.common import buttons, item, show_failure, table


def label_use_buttons(buttons: dict[str, QPushButton], installed: set[str], use: str) -> None:
    """ "In the library" (disabled) for files the library has (real paths), else ``use``."""
    for path, button in buttons.items():
        inside = os.path.realpath(path) in installed
        button.setText("In the library" if inside else use)
        button.setEnabled(not inside)


class FoundPage(QWidget):
    """Models from the Hugging Face cache, LM Studio, GPT4All and Ollama, with Use in place.

    It looks only when asked, or by itself once when the library is empty (the welcome page).
    """

    def __init__(self, manager: ModelManagerBridge) -> None:
        super().__init__()
        self._manager = manager
        self._installed: set[str] = set()  # real paths of the library's files
        self._looked = False
        self.view: Discovery | None = None
        self.buttons: dict[str, QPushButton] = {}  # path -> "Use in place"

        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.find_button = QPushButton("Look for models from other apps")
        self.find_button.setObjectName("findOtherApps")
        self.find_button.setToolTip(
            "Look in the folders of the Hugging Face cache, LM Studio, GPT4All and Ollama"
        )
        self.find_button.clicked.connect(self.find_other_apps)
        row.addWidget(self.find_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.status = QLabel(
            "Models you already downloaded with LM Studio, GPT4All, Ollama or the Hugging "
            "Face tools can be used where they are, without copying them. Nothing is "
            "searched until you ask."
        )
        self.status.setObjectName("foundStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.table = table(
            "foundTable",
            ["From", "Model", "Size", "Where", ""],
            spoken="Models found on this computer",
        )
        layout.addWidget(self.table, 1)

        manager.modelsFound.connect(self._on_found)
        manager.libraryChanged.connect(self._on_library)
        manager.imported.connect(self._on_imported)
        manager.failed.connect(self._on_failed)

    def find_other_apps(self) -> None:
        """Look through the other apps' folders, off the GUI thread."""
        self._looked = True
        self.find_button.setEnabled(False)
        self.status.setText("Looking in the folders of other apps…")
        self._manager.find_other_apps()

    def use_found(self, found: FoundModel) -> None:
        button = self.buttons.get(found.path)
        if button is not None:
            button.setEnabled(False)
            button.setText("Checking…")
        self.status.setText(f"Checking {found.name}…")
        self._manager.use_found(found)

    def _on_library(self, view: LibraryView) -> None:
        self._installed = {os.path.realpath(m.path) for m in view.models}
        self._label_buttons()
        if not view.models and not self._looked:
            self.find_other_apps()  # the welcome page: maybe the user has one already

    def _on_found(self, discovery: Discovery) -> None:
        self.find_button.setEnabled(True)
        self.view = discovery
        self.buttons.clear()
        self.table.setRowCount(len(discovery.found))
        for number, found in enumerate(discovery.found):
            about = f"{found.repo}/{found.file}" if found.repo and found.file else found.name
            self.table.setItem(number, 0, item(found.source))
            self.table.setItem(number, 1, item(found.name, tooltip=about, data=found.path))
            self.table.setItem(number, 2, item(human_bytes(found.size_bytes), right=True))
            self.table.setItem(number, 3, item(found.path))
            button = QPushButton("Use in place")
            button.setToolTip("Check the file and add it to the library without copying it")
            button.clicked.connect(lambda _=False, f=found: self.use_found(f))
            self.buttons[found.path] = button
            self.table.setCellWidget(number, 4, buttons(button))
        self._label_buttons()
        count = len(discovery.found)
        if count:
            text = (
                f"{count} model{'s' if count != 1 else ''} from other apps. "
                "“Use in place” checks the file and adds it without copying it; "
                "it stops working if that app deletes or moves it."
            )
        else:
            text = "No GGUF models from other apps were found on this computer."
        if discovery.stopped_early:
            text += " The search stopped at its time limit; some folders were not looked at."
        self.status.setText(text)

    def _label_buttons(self) -> None:
        label_use_buttons(self.buttons, self._installed, "Use in place")

    def _on_imported(self, model: InstalledModel) -> None:
        if self.view is not None and model.in_place:
            self.status.setText(f"{model.name} is in the library, used where it is.")

    def _on_failed(self, failure: Failure) -> None:
        if failure.action is Action.USE_FOUND:
            self._label_buttons()
            self.status.setText("That model was not added.")
        elif failure.action is Action.DISCOVER:
            self.find_button.setEnabled(True)
            self.status.setText("The search for models from other apps did not work.")
        else:
            return
        show_failure(self, failure)
