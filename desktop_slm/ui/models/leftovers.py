"""The Models tab's notice about files a crash left in the models folder, with Add / Delete."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from desktop_slm.models.leftovers import Leftover
from desktop_slm.ui import theme
from desktop_slm.ui.bridge.models import Action, Failure, ModelManagerBridge
from desktop_slm.ui.models import dialogs
from desktop_slm.ui.models.common import show_failure


class LeftoversNotice(QWidget):
    """Shown while leftovers exist; Add records the model files, Delete removes them all."""

    def __init__(self, manager: ModelManagerBridge) -> None:
        super().__init__()
        self.setObjectName("leftoversNotice")
        theme.banner(self, "notice")
        self._manager = manager
        self.leftovers: tuple[Leftover, ...] = ()
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.add_button = QPushButton("Add to library")
        self.add_button.setToolTip("Check the model files and list them as installed")
        self.add_button.clicked.connect(self.add)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Delete these files")
        self.delete_button.clicked.connect(self.delete)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(self.label, 1)
        row.addWidget(self.add_button)
        row.addWidget(self.delete_button)
        manager.leftoversFound.connect(self.show_leftovers)
        manager.failed.connect(self._on_failed)
        self.hide()

    def show_leftovers(self, leftovers: tuple[Leftover, ...]) -> None:
        self.leftovers = tuple(leftovers)
        if not self.leftovers:
            self.hide()
            return
        files = "; ".join(f"{x.path.name}: {x.describe()}" for x in self.leftovers)
        self.label.setText(
            f"An interrupted run left files in {self.leftovers[0].path.parent} ({files})."
        )
        self.add_button.setVisible(any(x.can_add for x in self.leftovers))
        self.show()

    def add(self) -> None:
        self.hide()
        self._manager.add_leftovers(self.leftovers)

    def delete(self) -> None:
        count = len(self.leftovers)
        if dialogs.confirm(
            self, "Delete leftovers", f"Delete {count} left over file(s)?", "Delete"
        ):
            self.hide()
            self._manager.delete_leftovers(self.leftovers)

    def _on_failed(self, failure: Failure) -> None:
        if failure.action in (Action.ADD_LEFTOVERS, Action.CLEAN):
            show_failure(self, failure)
