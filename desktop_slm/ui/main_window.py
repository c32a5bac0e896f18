"""The main window: the tool tabs, the File menu and a status bar with model and engine state."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from PySide6.QtCore import QByteArray, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_slm import APP_DISPLAY_NAME, __version__
from desktop_slm.config import AppPaths, Settings, save_settings
from desktop_slm.engine.client import ActiveModel
from desktop_slm.storage.drafts import DraftStore, StorageError, open_store
from desktop_slm.ui import messages
from desktop_slm.ui.bridge import EngineBridge, ModelManagerBridge
from desktop_slm.ui.drafts import DraftKeeper
from desktop_slm.ui.email_tab import EmailTab
from desktop_slm.ui.models_tab import ModelsTab
from desktop_slm.ui.preferences import PreferencesDialog
from desktop_slm.ui.report_tab import ReportTab
from desktop_slm.ui.summarize_tab import SummarizeTab
from desktop_slm.ui.tool_tab import ToolTab
from desktop_slm.ui.translate_tab import TranslateTab

log = logging.getLogger(__name__)

STATE_TEXT = {
    "idle": "Idle",
    "starting": "Starting engine…",
    "loading": "Loading model…",
    "generating": "Generating…",
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
        self.report_tab = ReportTab(bridge, settings)
        self.tabs.addTab(self.report_tab, "Report")
        self.translate_tab = TranslateTab(bridge, settings)
        self.tabs.addTab(self.translate_tab, "Translate")
        self.summarize_tab = SummarizeTab(bridge, settings)
        self.tabs.addTab(self.summarize_tab, "Summarize")
        self.tool_tabs: tuple[ToolTab, ...] = (
            self.email_tab,
            self.report_tab,
            self.translate_tab,
            self.summarize_tab,
        )
        self.model_manager = ModelManagerBridge(paths)
        self.models_tab = ModelsTab(bridge, self.model_manager, settings)
        self.models_info = self.models_tab.models_info
        self.tabs.addTab(self.models_tab, "Models")

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
        for tool in self.tool_tabs:
            tool.statusMessage.connect(self.show_status)
            tool.hint.linkActivated.connect(self._hint_link)
            tool.summarizeRequested.connect(self.summarize_first)
        self.models_tab.statusMessage.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.models_tab.notice.connect(self.show_notice)
        self.models_tab.installedChanged.connect(self._on_installed_count)
        if settings.window_geometry:
            self.restoreGeometry(QByteArray.fromBase64(settings.window_geometry.encode()))
        self.store: DraftStore | None = None
        self.drafts = self._open_drafts()

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

    def show_models_tab(self) -> None:
        self.tabs.setCurrentWidget(self.models_tab)

    def _on_installed_count(self, count: int) -> None:
        """With nothing installed, the writing tools point to the Models tab."""
        for tool in self.tool_tabs:
            tool.no_model_hint = (
                ToolTab.no_model_hint
                if count
                else "Open a model first: none is installed yet, so get one in the "
                "<a href='models'>Models tab</a>."
            )
            tool.update_controls()

    def _hint_link(self, _link: str) -> None:
        self.show_models_tab()

    def show_status(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)

    def summarize_first(self, text: str) -> None:
        """A tool's input is too long: move it to the Summarize tab."""
        if self.summarize_tab.running:
            self.show_status("The Summarize tab is busy; stop it first.")
            return
        self.summarize_tab.take_text(text)
        self.tabs.setCurrentWidget(self.summarize_tab)
        self.summarize_tab.input.setFocus()

    # ------------------------------------------------------------ drafts and history
    def _open_drafts(self) -> DraftKeeper | None:
        """Open the drafts database and put every tab's draft back."""
        try:
            opened = open_store(self.paths)
        except (StorageError, sqlite3.Error, OSError) as exc:
            log.warning("drafts database unusable: %s", exc)
            self.show_notice(
                str(exc)
                if isinstance(exc, StorageError)
                else "Your drafts cannot be saved in this session (the drafts database "
                "cannot be opened); see the log for details."
            )
            return None
        if opened.notice:
            self.show_notice(opened.notice)
        self.store = opened.store
        for tool in self.tool_tabs:
            tool.set_store(opened.store)
        keeper = DraftKeeper(opened.store, self.tool_tabs, self)
        keeper.failed.connect(self.show_status)
        if keeper.restore():
            self.show_status("Your drafts were restored.")
        return keeper

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
        # The model's own remembered context size, else the global one.
        n_ctx = self.models_tab.context_for(path)
        if not self.bridge.load_model(path, n_ctx=n_ctx, n_threads=self.settings.n_threads):
            messages.error(self, "The model is busy. Stop the current answer, then try again.")

    def edit_preferences(self) -> None:
        dialog = PreferencesDialog(self.settings, self)
        if dialog.exec() != PreferencesDialog.DialogCode.Accepted:
            return
        self.apply_preferences(dialog)

    def apply_preferences(self, dialog: PreferencesDialog) -> None:
        reload = dialog.apply_to(self.settings)
        self.models_tab.remember_preferences()  # for the active model, and as the global ones
        self._save_settings()
        active = self.bridge.active_model
        if reload and active is not None:
            self.open_model(active.info.path)

    def _on_model_loading(self, path: str) -> None:
        self.model_label.setText(f"Loading {Path(path).name}…")

    def _on_model_loaded(self, active: ActiveModel) -> None:
        info = active.info
        known = self.models_tab.library_model(info.path)  # e.g. "gemma3:270m", not "sha256-…"
        self.model_label.setText(known.display_name if known else info.display_name())
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
            # The global context size and temperature, not the active model's own.
            save_settings(self.models_tab.settings_to_save(), self.paths)
        except OSError as exc:
            log.warning("could not save settings: %s", exc)
            self.statusBar().showMessage(f"Settings could not be saved: {exc.strerror}", 8000)

    def closeEvent(self, event: QCloseEvent) -> None:  # Qt override
        self.settings.window_geometry = bytes(self.saveGeometry().toBase64().data()).decode()
        self._save_settings()
        if self.drafts is not None:
            self.drafts.close()
        for tool in self.tool_tabs:
            tool.shutdown()
        self.model_manager.shutdown()  # pauses a running download; it is offered next time
        self.bridge.shutdown()
        if self.store is not None:
            for tool in self.tool_tabs:
                tool.set_store(None)
            self.store.close()
            self.store, self.drafts = None, None
        event.accept()


def schedule_model_load(window: MainWindow, path: str | None) -> None:
    """Load after the first paint, so a model never delays the window."""
    if path:
        QTimer.singleShot(0, lambda: window.open_model(path))
