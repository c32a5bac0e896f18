"""The main window: the tool tabs, the File menu and a status bar with model and engine state."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_slm import APP_DISPLAY_NAME, __version__
from desktop_slm.config import AppPaths, Settings, save_settings
from desktop_slm.engine.client import ActiveModel
from desktop_slm.ui import messages
from desktop_slm.ui.bridge import EngineBridge
from desktop_slm.ui.email_tab import EmailTab
from desktop_slm.ui.preferences import PreferencesDialog

log = logging.getLogger(__name__)

STATE_TEXT = {
    "idle": "Idle",
    "starting": "Starting engine…",
    "loading": "Loading model…",
    "generating": "Generating…",
}

COMING = {
    "Report": "Status updates, meeting minutes, incident reports and proposals, "
    "written section by section from your notes.",
    "Translate": "Translate text between more than 20 languages, keeping paragraphs, "
    "lists and Markdown.",
    "Summarize": "Summaries of long documents, from a one-line TL;DR to detailed key points.",
}


class MainWindow(QMainWindow):
    def __init__(self, bridge: EngineBridge, settings: Settings, paths: AppPaths) -> None:
        super().__init__()
        self.bridge = bridge
        self.settings = settings
        self.paths = paths
        self.setWindowTitle(APP_DISPLAY_NAME)
        self.resize(1100, 720)

        self.notice = QLabel()
        self.notice.setObjectName("noticeBanner")
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("background: #fff4ce; padding: 6px;")
        self.notice.hide()

        self.tabs = QTabWidget()
        self.email_tab = EmailTab(bridge, settings)
        self.tabs.addTab(self.email_tab, "Email")
        for name, text in COMING.items():
            self.tabs.addTab(_coming_soon(name, text), name)
        self.tabs.addTab(self._models_tab(), "Models")

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.notice)
        layout.addWidget(self.tabs)
        self.setCentralWidget(central)

        self.model_label = QLabel("No model")
        self.model_label.setObjectName("modelLabel")
        self.state_label = QLabel(STATE_TEXT["idle"])
        self.state_label.setObjectName("engineState")
        self.statusBar().addWidget(self.model_label, 1)
        self.statusBar().addPermanentWidget(self.state_label)

        self._build_menus()
        bridge.stateChanged.connect(self._on_state)
        bridge.throughput.connect(self._on_throughput)
        bridge.modelLoading.connect(self._on_model_loading)
        bridge.modelLoaded.connect(self._on_model_loaded)
        bridge.modelFailed.connect(self._on_model_failed)
        self.email_tab.statusMessage.connect(lambda text: self.statusBar().showMessage(text, 8000))
        if settings.window_geometry:
            self.restoreGeometry(QByteArray.fromBase64(settings.window_geometry.encode()))

    # ------------------------------------------------------------ building
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        open_action = QAction("&Open model…", self)
        open_action.setShortcut(QKeySequence.StandardKey.Open)
        open_action.triggered.connect(self.choose_model)
        file_menu.addAction(open_action)
        preferences = QAction("&Preferences…", self)
        preferences.setShortcut(QKeySequence.StandardKey.Preferences)
        preferences.setMenuRole(QAction.MenuRole.PreferencesRole)
        preferences.triggered.connect(self.edit_preferences)
        file_menu.addAction(preferences)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About Desktop SLM", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)
        self.open_model_action = open_action

    def _models_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.models_info = QLabel("No model is open.")
        self.models_info.setObjectName("modelsInfo")
        self.models_info.setWordWrap(True)
        self.models_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        button = QPushButton("Open a model file (.gguf)…")
        button.clicked.connect(self.choose_model)
        layout.addWidget(self.models_info)
        layout.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(
            QLabel("Downloading models from the Hugging Face Hub comes in the next release.")
        )
        layout.addStretch(1)
        return page

    # ------------------------------------------------------------ model
    def show_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.show()

    def choose_model(self) -> None:
        start = str(Path(self.settings.model_path).parent) if self.settings.model_path else ""
        path, _ = QFileDialog.getOpenFileName(
            self, "Open model", start, "GGUF models (*.gguf);;All files (*)"
        )
        if path:
            self.open_model(path)

    def open_model(self, path: str) -> None:
        if not self.bridge.load_model(
            path, n_ctx=self.settings.n_ctx, n_threads=self.settings.n_threads
        ):
            messages.error(self, "The model is busy. Stop the current answer, then try again.")

    def edit_preferences(self) -> None:
        dialog = PreferencesDialog(self.settings, self)
        if dialog.exec() != PreferencesDialog.DialogCode.Accepted:
            return
        self.apply_preferences(dialog)

    def apply_preferences(self, dialog: PreferencesDialog) -> None:
        reload = dialog.apply_to(self.settings)
        self._save_settings()
        active = self.bridge.active_model
        if reload and active is not None:
            self.open_model(active.info.path)

    def _on_model_loading(self, path: str) -> None:
        self.model_label.setText(f"Loading {Path(path).name}…")

    def _on_model_loaded(self, active: ActiveModel) -> None:
        info = active.info
        self.model_label.setText(info.display_name())
        self.model_label.setToolTip(info.path)
        self.settings.model_path = info.path
        self._save_settings()
        kind = (
            "base model: not instruction-tuned — the writing tools use plain text "
            "continuation for it, so results are rough"
            if info.is_base_model
            else "instruction-tuned"
        )
        self.models_info.setText(
            f"<b>{info.display_name()}</b><br>{info.path}<br>"
            f"Architecture {info.architecture}, {info.quantization}, "
            f"{info.parameter_count / 1e6:.0f}M parameters, {kind}.<br>"
            f"Context {active.loaded.n_ctx} tokens (trained for {info.context_length}), "
            f"{active.loaded.n_threads} threads, loaded in {active.loaded.load_s:.2f} s."
        )

    def _on_model_failed(self, message: str) -> None:
        active = self.bridge.active_model
        self.model_label.setText(active.info.display_name() if active else "No model")
        messages.error(self, message)

    def _on_state(self, state: str) -> None:
        self.state_label.setText(STATE_TEXT.get(state, state))

    def _on_throughput(self, rate: float) -> None:
        self.state_label.setText(f"Generating… {rate:.1f} tokens/s")

    def _about(self) -> None:
        QMessageBox.about(
            self,
            f"About {APP_DISPLAY_NAME}",
            f"{APP_DISPLAY_NAME} {__version__}\nA private writing assistant. "
            "Everything runs on this computer; nothing you write leaves it.",
        )

    # ------------------------------------------------------------ closing
    def _save_settings(self) -> None:
        try:
            save_settings(self.settings, self.paths)
        except OSError as exc:
            log.warning("could not save settings: %s", exc)
            self.statusBar().showMessage(f"Settings could not be saved: {exc.strerror}", 8000)

    def closeEvent(self, event: QCloseEvent) -> None:  # Qt override
        self.settings.window_geometry = bytes(self.saveGeometry().toBase64().data()).decode()
        self._save_settings()
        self.bridge.shutdown()
        event.accept()


def _coming_soon(name: str, text: str) -> QWidget:
    page = QWidget()
    layout = QVBoxLayout(page)
    title = QLabel(f"<h3>{name}</h3>")
    body = QLabel(
        f"{text}<br><br><i>This tool arrives in the next release; the Email tab works today.</i>"
    )
    body.setWordWrap(True)
    layout.addWidget(title)
    layout.addWidget(body)
    layout.addStretch(1)
    return page


def schedule_model_load(window: MainWindow, path: str | None) -> None:
    """Load after the first paint, so a model never delays the window."""
    if path:
        QTimer.singleShot(0, lambda: window.open_model(path))
