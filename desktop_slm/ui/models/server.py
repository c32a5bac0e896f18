"""The Models tab's page for a team server: its models, while the server is the engine."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QPushButton, QVBoxLayout, QWidget

from desktop_slm.engine.remote import ServerModel
from desktop_slm.ui.bridge.background import Background, Failure
from desktop_slm.ui.bridge.engine import server_models


class ServerPage(QWidget):
    """Lists the server's models (asked off the GUI thread); Use switches to one.

    ``modelChosen(name)`` asks the window to use that model of the server. The list is
    asked for when the page is shown and on Refresh, never while ``busy()`` (the window's
    own request runs): llama-cpp-python's server stops a running answer for any other
    request.
    """

    modelChosen = Signal(str)

    def __init__(self, busy: Callable[[], bool], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.url: str | None = None
        self.current: str | None = None
        self._busy = busy
        self._stale = True
        self.about = QLabel()
        self.about.setObjectName("serverAbout")
        self.about.setWordWrap(True)
        self.models = QListWidget()
        self.models.setObjectName("serverModels")
        self.models.setAccessibleName("The server's models")
        self.use_button = QPushButton("Use this model")
        self.use_button.setObjectName("useServerModelButton")
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setObjectName("refreshServerModelsButton")
        self._background = Background(self)

        buttons = QHBoxLayout()
        buttons.addWidget(self.use_button)
        buttons.addWidget(self.refresh_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.about)
        layout.addWidget(self.models, 1)
        layout.addLayout(buttons)

        self.use_button.clicked.connect(self.use_selected)
        self.models.currentTextChanged.connect(self._refresh_buttons)
        self.refresh_button.clicked.connect(self.refresh)

    def show_server(self, url: str, current: str) -> None:
        """The engine is ``current`` on the server at ``url``: list that server's models."""
        if url != self.url:
            self.models.clear()
        self.url, self.current = url, current
        self._stale = True
        self._say_current()
        if self.isVisible():
            self.refresh()
        self._refresh_buttons()

    def showEvent(self, event: QShowEvent) -> None:  # Qt override
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def _say_current(self) -> None:
        self.about.setText(
            f"The engine is the server {self.url}, answering with {self.current}. "
            "What you send to the model goes to that server. The models on this computer "
            "are in the other pages: Use one to make this computer the engine again."
        )

    def refresh(self) -> None:
        """Ask the server for its models again."""
        url = self.url
        if url is None:
            return
        if self._busy():
            self.about.setText("The server is answering; Refresh lists its models afterwards.")
            return
        self._stale = False
        self.refresh_button.setEnabled(False)
        self._background.start(
            lambda: server_models(url),
            name="server-models",
            what_failed="Listing the server's models failed",
            done=self._listed,
            failed=self._not_listed,
        )

    def _listed(self, models: list[ServerModel]) -> None:
        self.refresh_button.setEnabled(True)
        self.models.clear()
        for model in models:
            size = f" (context {model.n_ctx:,} tokens)" if model.n_ctx else ""
            self.models.addItem(f"{model.id}{size}")
            self.models.item(self.models.count() - 1).setData(Qt.ItemDataRole.UserRole, model.id)
        self._say_current()
        self._refresh_buttons()

    def _not_listed(self, failure: Failure) -> None:
        self.refresh_button.setEnabled(True)
        self.about.setText(failure.message)

    def _selected(self) -> str | None:
        item = self.models.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def _refresh_buttons(self) -> None:
        selected = self._selected()
        self.use_button.setEnabled(selected is not None and selected != self.current)

    def use_selected(self) -> None:
        selected = self._selected()
        if selected is not None and selected != self.current:
            self.modelChosen.emit(selected)
