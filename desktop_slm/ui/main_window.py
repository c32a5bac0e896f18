"""The main window: the tool tabs, the File menu and a status bar with model and engine state."""

from __future__ import annotations

import dataclasses
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QPaintEvent
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
from desktop_slm.engine.power import PowerSensor, PowerState, SystemPower
from desktop_slm.models.selection import ModelSelection, ModelSettings
from desktop_slm.storage.drafts import DraftStore, StorageError, open_store
from desktop_slm.ui import accessibility, messages, theme
from desktop_slm.ui.bridge.engine import EngineBridge
from desktop_slm.ui.bridge.power import PowerBridge
from desktop_slm.ui.drafts import DraftKeeper
from desktop_slm.ui.zoom import EditorZoom

if TYPE_CHECKING:
    from desktop_slm.engine.gguf_check import ModelInfo
    from desktop_slm.engine.remote import ServerModelInfo
    from desktop_slm.ui.analyze import AnalyzeTab
    from desktop_slm.ui.bridge.models import ModelManagerBridge
    from desktop_slm.ui.email_tab import EmailForm
    from desktop_slm.ui.models import ModelsTab
    from desktop_slm.ui.preferences import PreferencesDialog
    from desktop_slm.ui.report_tab import ReportForm
    from desktop_slm.ui.summarize_tab import SummarizeForm
    from desktop_slm.ui.tool.spec import ToolForm, ToolSpec
    from desktop_slm.ui.tool.tab import ToolTab
    from desktop_slm.ui.translate_tab import TranslateForm
    from desktop_slm.ui.welcome import WelcomePage

log = logging.getLogger(__name__)

TABS: tuple[tuple[str, str], ...] = (
    ("email", "Email"),
    ("report", "Report"),
    ("translate", "Translate"),
    ("summarize", "Summarize"),
    ("analyze", "Analyze"),
    ("models", "Models"),
)
"""The tabs in order: key and title."""

NOT_WRITING = ("analyze", "models")
"""Tabs that are not a writing tool (:class:`ToolTab`)."""

STATE_TEXT = {
    "idle": "Idle",
    "starting": "Starting engine…",
    "loading": "Loading model…",
    "generating": "Generating…",
}


class MainWindow(QMainWindow):
    def __init__(
        self,
        bridge: EngineBridge,
        settings: Settings,
        paths: AppPaths,
        *,
        power: PowerSensor | None = None,
    ) -> None:
        super().__init__()
        self.bridge = bridge
        self.settings = settings
        self.paths = paths
        self.selection = ModelSelection(paths)
        """The one home of the active model and each model's own settings."""
        self.setWindowTitle(APP_DISPLAY_NAME)
        self.resize(1100, 720)

        self.notice = QLabel()
        self.notice.setObjectName("noticeBanner")
        self.notice.setWordWrap(True)
        theme.banner(self.notice, "notice")
        self.notice.hide()

        # Only the Email tab is built before the first paint; the others are built right
        # after it, one per turn of the event loop (or at once when something needs one).
        self.tabs = QTabWidget()
        self._pages: dict[str, QWidget] = {}
        self._built: dict[str, QWidget] = {}
        for key, title in TABS:
            page = QWidget()
            page_layout = QVBoxLayout(page)
            page_layout.setContentsMargins(0, 0, 0, 0)
            self._pages[key] = page
            self.tabs.addTab(page, title)
        self._no_model_hint: str | None = None
        self._painted = False
        self._after_paint: list[Callable[[], None]] = []
        self._model_manager: ModelManagerBridge | None = None
        self._closing = False
        self.welcome: WelcomePage | None = None
        """The first tab while the window has no model (:meth:`show_welcome`)."""

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
        self.power_label = QLabel()
        self.power_label.setObjectName("powerState")
        self.power_label.hide()
        self.statusBar().addWidget(self.model_label, 1)
        self.statusBar().addPermanentWidget(self.power_label)
        self.statusBar().addPermanentWidget(self.state_label)
        self.power = PowerBridge(power or SystemPower(), settings, self)
        """Battery and power-saver mode: while saving power, nothing works ahead."""
        self.power.changed.connect(self._on_power)

        self._build_menus()
        self.zoom = EditorZoom(self, settings)
        """Ctrl+Plus / Ctrl+Minus / Ctrl+0: the text size of every writing tab's text boxes."""
        bridge.stateChanged.connect(self._on_state)
        bridge.throughput.connect(self._on_throughput)
        bridge.jobProgress.connect(self._on_job_progress)
        self._job_line = ""
        """The running job's progress line (reading, time left), shown with the speed."""
        bridge.ask_before_sending = self.may_send_to
        bridge.modelLoading.connect(self._on_model_loading)
        bridge.modelLoaded.connect(self._on_model_loaded)
        bridge.modelFailed.connect(self._on_model_failed)
        if settings.window_geometry:
            self.restoreGeometry(QByteArray.fromBase64(settings.window_geometry.encode()))
        self.store: DraftStore | None = None
        self.drafts = self._open_drafts()
        self._tab("email")
        self.tabs.currentChanged.connect(self._on_current_tab)
        self.after_first_paint(self._build_remaining_tabs)

    # ------------------------------------------------------------ tabs, built on first use
    @property
    def email_tab(self) -> ToolTab[EmailForm]:
        return cast("ToolTab[EmailForm]", self._tab("email"))

    @property
    def report_tab(self) -> ToolTab[ReportForm]:
        return cast("ToolTab[ReportForm]", self._tab("report"))

    @property
    def translate_tab(self) -> ToolTab[TranslateForm]:
        return cast("ToolTab[TranslateForm]", self._tab("translate"))

    @property
    def summarize_tab(self) -> ToolTab[SummarizeForm]:
        return cast("ToolTab[SummarizeForm]", self._tab("summarize"))

    @property
    def analyze_tab(self) -> AnalyzeTab:
        return cast("AnalyzeTab", self._tab("analyze"))

    @property
    def models_tab(self) -> ModelsTab:
        return cast("ModelsTab", self._tab("models"))

    @property
    def models_info(self) -> QLabel:
        return self.models_tab.installed.models_info

    @property
    def model_manager(self) -> ModelManagerBridge:
        if self._model_manager is None:
            from desktop_slm.ui.bridge.models import ModelManagerBridge

            self._model_manager = ModelManagerBridge(self.paths)
        return self._model_manager

    @property
    def tool_tabs(self) -> tuple[ToolTab[Any], ...]:
        """The four writing tabs (built now if they were not yet)."""
        return tuple(
            cast("ToolTab[Any]", self._tab(key)) for key, _title in TABS if key not in NOT_WRITING
        )

    def show_tab(self, tab: QWidget) -> None:
        """Bring one of the window's tabs (e.g. ``window.summarize_tab``) to the front."""
        if self.welcome is not None and tab is self.welcome:
            self.tabs.setCurrentWidget(tab)
            return
        keys = [key for key, built in self._built.items() if built is tab]
        if not keys:
            raise ValueError("not one of this window's tabs")
        self.tabs.setCurrentWidget(self._pages[keys[0]])

    def current_tab(self) -> QWidget:
        """The tab in front (the welcome page while it is)."""
        page = self.tabs.currentWidget()
        key = self._key_of(page)
        return page if key is None else self._tab(key)

    def _key_of(self, page: QWidget | None) -> str | None:
        return next((key for key, p in self._pages.items() if p is page), None)

    def _on_current_tab(self, index: int) -> None:
        key = self._key_of(self.tabs.widget(index))
        if key is not None:
            self._tab(key)

    # ------------------------------------------------------------ the welcome page
    def show_welcome(self) -> None:
        """Put the welcome page first and in front: a start with no model to open.

        It uses the Models tab's parts, so it is connected once the window has painted;
        :meth:`leave_welcome` removes it once a model is loaded.
        """
        from desktop_slm.ui.welcome import WelcomePage

        if self.welcome is not None:
            return
        page = self.welcome = WelcomePage()
        page.showModels.connect(self.show_models_tab)
        self.tabs.insertTab(0, page, "Welcome")
        self.tabs.setCurrentWidget(page)
        accessibility.prepare(page)
        self.after_first_paint(lambda: self._attach_welcome(page))

    def _attach_welcome(self, page: WelcomePage) -> None:
        if page is self.welcome:
            from desktop_slm.models.user_languages import user_languages

            page.attach(self.model_manager, self.models_tab, user_languages(self.settings))

    def leave_welcome(self) -> None:
        """Remove the welcome page; the Email tab comes to the front if it was in front."""
        page, self.welcome = self.welcome, None
        if page is None:
            return
        in_front = self.tabs.currentWidget() is page
        self.tabs.removeTab(self.tabs.indexOf(page))
        page.deleteLater()
        if in_front:
            self.show_tab(self.email_tab)

    def _built_tool_tabs(self) -> list[ToolTab[Any]]:
        return [
            cast("ToolTab[Any]", tab) for key, tab in self._built.items() if key not in NOT_WRITING
        ]

    def _tab(self, key: str) -> QWidget:
        tab = self._built.get(key)
        if tab is None:
            tab = self._make_tab(key)
            self._built[key] = tab
            layout = self._pages[key].layout()
            assert layout is not None
            layout.addWidget(tab)
            self._attach(key, tab)
        return tab

    def _make_tab(self, key: str) -> QWidget:
        # Imported here: a tab's module is loaded when the tab is built, after the paint.
        if key == "analyze":
            from desktop_slm.ui.analyze import AnalyzeTab

            return AnalyzeTab(
                self.bridge,
                self.settings,
                self.paths,
                background_allowed=self.power.background_allowed,
            )
        if key != "models":
            from desktop_slm.ui.tool.tab import ToolTab

            spec, form = self._tool(key)
            return ToolTab(
                self.bridge,
                self.settings,
                spec,
                form,
                tuning=self.model_settings,
                background_allowed=self.power.background_allowed,
            )
        from desktop_slm.ui.models import ModelsTab

        return ModelsTab(self.bridge, self.model_manager, self.settings, self.selection)

    @staticmethod
    def _tool(key: str) -> tuple[ToolSpec, Callable[[ToolTab[Any]], ToolForm]]:
        if key == "email":
            from desktop_slm.ui.email_tab import EMAIL, EmailForm

            return EMAIL, EmailForm
        if key == "report":
            from desktop_slm.ui.report_tab import REPORT, ReportForm

            return REPORT, ReportForm
        if key == "translate":
            from desktop_slm.ui.translate_tab import TRANSLATE, TranslateForm

            return TRANSLATE, TranslateForm
        from desktop_slm.ui.summarize_tab import SUMMARIZE, SummarizeForm

        return SUMMARIZE, SummarizeForm

    def _attach(self, key: str, tab: QWidget) -> None:
        accessibility.prepare(tab)
        if key == "models":
            models = cast("ModelsTab", tab)
            models.statusMessage.connect(lambda text: self.statusBar().showMessage(text, 8000))
            models.notice.connect(self.show_notice)
            models.installedChanged.connect(self._on_installed_count)
            models.serverModelChosen.connect(self.choose_server_model)
            return
        if key == "analyze":
            analyze = cast("AnalyzeTab", tab)
            analyze.statusMessage.connect(self.show_status)
            analyze.hint.linkActivated.connect(self._hint_link)
            if self._no_model_hint is not None:
                analyze.no_model_hint = self._no_model_hint
                analyze.update_controls()
            if self.drafts is not None and self.drafts.add(analyze) and analyze.has_input():
                self.show_status("Your drafts were restored.")
            return
        tool = cast("ToolTab[Any]", tab)
        self.zoom.adopt(tool)
        tool.statusMessage.connect(self.show_status)
        tool.hint.linkActivated.connect(self._hint_link)
        tool.summarizeRequested.connect(self.summarize_first)
        if key == "summarize":
            cast("ToolTab[SummarizeForm]", tool).form.use_button.clicked.connect(self.use_summary)
        if self._no_model_hint is not None:
            tool.no_model_hint = self._no_model_hint
            tool.update_controls()
        if self.store is not None and self.drafts is not None:
            tool.set_store(self.store)
            # Said only when text came back, not for a draft of empty fields.
            if self.drafts.add(tool) and (tool.has_input() or tool.output_text().strip()):
                self.show_status("Your drafts were restored.")

    def _build_remaining_tabs(self) -> None:
        """One tab per turn of the event loop, so input is never held up for long."""
        missing = [key for key, _title in TABS if key not in self._built]
        if missing and not self._closing:
            self._tab(missing[0])
            QTimer.singleShot(0, self._build_remaining_tabs)

    def after_first_paint(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the window has painted (at once if it already has)."""
        if self._painted:
            QTimer.singleShot(0, callback)
        else:
            self._after_paint.append(callback)

    def paintEvent(self, event: QPaintEvent) -> None:  # Qt override
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            QTimer.singleShot(0, self._run_after_paint)

    def _run_after_paint(self) -> None:
        callbacks, self._after_paint = self._after_paint, []
        if self._closing:  # closed at once (the start-up benchmark does): nothing to do
            return
        for callback in callbacks:
            callback()

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
        self.show_tab(self.models_tab)

    def _on_installed_count(self, count: int) -> None:
        """With nothing installed, the writing tools point to the Models tab."""
        from desktop_slm.ui.tool.tab import ToolTab

        self._no_model_hint = (
            ToolTab.no_model_hint
            if count
            else "Open a model first: none is installed yet, so get one in the "
            "<a href='models'>Models tab</a>."
        )
        for tool in self._built_tool_tabs():
            tool.no_model_hint = self._no_model_hint
            tool.update_controls()
        analyze = self._built.get("analyze")
        if analyze is not None:
            cast("AnalyzeTab", analyze).no_model_hint = self._no_model_hint
            cast("AnalyzeTab", analyze).update_controls()

    def _hint_link(self, _link: str) -> None:
        self.show_models_tab()

    def show_status(self, text: str) -> None:
        if not self._painted:
            # Shown before the window is, the message would be drawn over the model
            # name instead of hiding it for its 8 seconds.
            self.after_first_paint(lambda: self.show_status(text))
            return
        self.statusBar().showMessage(text, 8000)

    def open_document(self, path: str) -> None:
        """Open a document in the Summarize tab (read off the GUI thread) and show it."""
        self.summarize_tab.load_document(path)
        self.show_tab(self.summarize_tab)

    def handle_launch(self, *, model: str | None, document: str | None) -> None:
        """Another launch's arguments: switch model, open the document, come to the front."""
        self.bring_to_front()
        if model:
            log.info("switching model for another launch: %s", model)
            self.open_model(model)
        if document:
            log.info("opening a document for another launch: %s", document)
            self.open_document(document)

    def bring_to_front(self) -> None:
        """Show the window above the others and give it the focus; a minimized one is restored."""
        if self.isMinimized():
            self.setWindowState(self.windowState() & ~Qt.WindowState.WindowMinimized)
        self.show()
        self.raise_()
        self.activateWindow()

    def summarize_first(self, text: str, origin: str = "") -> None:
        """A tool's input is too long: summarize it in the Summarize tab, starting now.

        ``origin`` is the tab it came from ("email", ...): the finished summary offers
        to go back there (:meth:`use_summary`).
        """
        summarize = self.summarize_tab
        writing = origin in dict(TABS) and origin not in (*NOT_WRITING, "summarize")
        sender = self._tab(origin) if writing else None
        if summarize.running:
            self.show_status("The Summarize tab is busy; stop it first.")
            if sender is not None:  # its error and "Summarize first" stay
                tool = cast("ToolTab[Any]", sender)
                tool.job_view.show_error(tool.error.text(), summarize_first=True)
            return
        title = dict(TABS)[origin] if sender is not None else ""
        notice = summarize.form.take_text(text, return_to=origin if title else "", title=title)
        self.show_tab(summarize)
        summarize.input.setFocus()
        # Not started (no model, the engine busy): the tab says why; Generate starts it later.
        if summarize.start(lambda: summarize.form.run(again=False)):
            summarize.show_notice(notice)

    def use_summary(self) -> None:
        """Put the finished summary into the tool that asked for it and switch back to it."""
        summarize = self.summarize_tab
        origin = summarize.form.return_to
        summary = summarize.output_text().strip()
        if not origin:
            return
        if not summary:
            self.show_status("The summary is empty; summarize again or write one first.")
            return
        target = cast("ToolTab[Any]", self._tab(origin))
        title = dict(TABS)[origin]
        if target.running:
            self.show_status(f"The {title} tab is busy; stop it first.")
            return
        box = target.form.take_summary(summary)
        summarize.form.used()
        if self.drafts is not None:
            self.drafts.save(origin)  # now: the long text it replaced is in Summarize's draft
        self.show_tab(target)
        target.show_notice(
            "The summary replaced the text that was too long; Ctrl+Z in the box brings "
            "that text back."
        )
        box.setFocus()

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
        keeper = DraftKeeper(opened.store, self)  # each tab joins when it is built
        keeper.failed.connect(self.show_status)
        return keeper

    # ------------------------------------------------------------ model
    def show_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.show()

    def choose_model(self) -> None:
        active = self.selection.active_path()
        start = str(Path(active).parent) if active else ""
        path, _ = QFileDialog.getOpenFileName(
            self, "Open model", start, "GGUF models (*.gguf);;All files (*)"
        )
        if path:
            self.open_model(path)

    def open_model(self, path: str) -> None:
        # The model's own remembered context size and threads, else the global ones.
        tuning = self.selection.settings_for(path, self.settings)
        if not self.bridge.load_model(path, n_ctx=tuning.n_ctx, n_threads=tuning.n_threads):
            messages.error(self, "The model is busy. Stop the current answer, then try again.")

    def edit_preferences(self) -> None:
        from desktop_slm.ui.preferences import PreferencesDialog

        self.power.check()  # the dialog says whether power is being saved
        dialog = PreferencesDialog(self.preferences_settings(), self, power=self.power.state)
        if dialog.exec() != PreferencesDialog.DialogCode.Accepted:
            return
        self.apply_preferences(dialog)

    def model_settings(self) -> ModelSettings:
        """What the active model runs with: its own remembered values, else Preferences."""
        active = self.bridge.active_model
        return self.selection.settings_for(active.info.path if active else None, self.settings)

    def preferences_settings(self) -> Settings:
        """The settings as Preferences shows them: with the active model's own values.

        A copy: ``settings`` itself keeps the global values.
        """
        tuning = self.model_settings()
        return dataclasses.replace(
            self.settings,
            n_ctx=tuning.n_ctx,
            temperature=tuning.temperature,
            max_tokens=tuning.max_tokens,
            n_threads=tuning.n_threads,
        )

    def apply_preferences(self, dialog: PreferencesDialog) -> None:
        """Keep what the dialog changed: for the active model, and as the global values.

        A changed engine is switched to: the server is connected (off the GUI thread), or
        this computer's last model loaded again.
        """
        edited = self.preferences_settings()
        engine_before = _engine_choice(self.settings)
        reload = dialog.apply_to(edited)
        chosen = ModelSettings.of(edited)
        for f in dataclasses.fields(Settings):  # in place: every tab holds this object
            setattr(self.settings, f.name, getattr(edited, f.name))
        active = self.bridge.active_model
        if active is not None and self.bridge.server is None:  # a file's own values
            self.selection.remember(active.info.path, chosen)
        self._save_settings()
        if "models" in self._built:  # its fit labels depend on the context size
            self.models_tab.settings_changed()
        self._on_power(self.power.state)  # the override may have changed
        if self.settings.engine == "server":
            changed = _engine_choice(self.settings) != engine_before or dialog.engine.key_changed
            if changed or self.bridge.server is None:
                self.connect_server()
            return
        if self.bridge.server is not None:
            self.use_this_computer()
        elif reload and active is not None:
            self.open_model(active.info.path)

    # ------------------------------------------------------------ a team server
    def connect_server(self) -> None:
        """Make the server in the settings the engine (connecting off the GUI thread)."""
        settings = self.settings
        if not self.bridge.connect_server(settings.server_url, settings.server_model):
            messages.error(self, "The model is busy. Stop the current answer, then try again.")

    def use_this_computer(self) -> None:
        """This computer is the engine again: its last model is loaded."""
        path = self.selection.active_path()
        if path:
            self.open_model(path)
        else:
            self.show_status("This computer has no model yet: get one in the Models tab.")

    def choose_server_model(self, model: str) -> None:
        """The Models tab's choice of the server's model: the server now answers with it."""
        self.settings.server_model = model
        self._save_settings()
        self.connect_server()

    def may_send_to(self, url: str) -> bool:
        """Before text first goes to the server at ``url``: say so, once per server."""
        if url in self.settings.servers_told:
            return True
        if not messages.ask(
            self,
            f"What you send to the model (your notes, texts and documents) will be sent "
            f"to the server at {url}, not kept on this computer. Send it?",
            action="Send",
            title="Send text to the server?",
        ):
            return False
        self.settings.servers_told.append(url)
        self._save_settings()
        return True

    def _on_model_loading(self, path: str) -> None:
        if "://" in path:  # a server's address
            self.model_label.setText(f"Connecting to {server_name(path)}…")
            return
        self.model_label.setText(f"Loading {Path(path).name}…")

    def _on_model_loaded(self, active: ActiveModel) -> None:
        from desktop_slm.engine.remote import ServerModelInfo
        from desktop_slm.models.formatting import parameters_label

        info = active.info
        self.leave_welcome()
        if isinstance(info, ServerModelInfo):
            self._on_server_model(active, info)
            return
        self.models_tab.show_server(None)
        if self.settings.engine == "server":  # a local model chosen: this computer answers
            self.settings.engine = "local"
            self._save_settings()
        known = self.models_tab.library_model(info.path)  # e.g. "gemma3:270m", not "sha256-…"
        self.model_label.setText(known.display_name if known else info.display_name())
        self.model_label.setToolTip(info.path)
        if not self.selection.is_active(info.path):
            try:
                self.selection.choose(info.path)  # for the next start and for the CLI
            except OSError as exc:
                log.warning("could not record the active model: %s", exc)
        kind = (
            "base model: not instruction-tuned — the writing tools use plain text "
            "continuation for it, so results are rough"
            if info.is_base_model
            else "instruction-tuned"
        )
        self.models_info.setText(
            f"<b>{info.display_name()}</b><br>{info.path}<br>"
            f"Architecture {info.architecture}, {info.quantization}, "
            f"{parameters_label(info.parameter_count)} parameters, {kind}.<br>"
            f"Context {active.loaded.n_ctx} tokens (trained for {info.context_length}), "
            f"{active.loaded.n_threads} threads, loaded in {active.loaded.load_s:.2f} s."
        )

    def _on_server_model(self, active: ActiveModel, info: ServerModelInfo) -> None:
        self.model_label.setText(model_name(info))
        self.model_label.setToolTip(f"What you send to the model goes to {info.server}.")
        self.models_tab.show_server(info.server, info.name)
        self.models_info.setText(
            f"<b>{info.name}</b> on the server {info.server}<br>"
            f"Context {active.loaded.n_ctx} tokens. The models on this computer stay "
            "here; Use one of them to make this computer the engine again."
        )

    def _on_model_failed(self, message: str) -> None:
        active = self.bridge.active_model
        self.model_label.setText(model_name(active.info) if active else "No model")
        messages.error(self, message)

    def _on_power(self, state: PowerState) -> None:
        """Say in the status bar while work ahead waits to save power."""
        paused = self.power.paused()
        if paused:
            self.bridge.cancel_suggestion()  # one being written now stops too
            self.power_label.setText(f"Saving power: {state.reason()}")
            self.power_label.setToolTip(
                f"While the computer is {state.reason()}, answers are not prepared while "
                "you type and no suggestions appear. Preferences can change this."
            )
            self.power_label.setAccessibleName(self.power_label.text())
        self.power_label.setVisible(paused)

    def _on_state(self, state: str) -> None:
        if state == "idle":
            self._job_line = ""
        self.state_label.setText(STATE_TEXT.get(state, state))

    def _on_throughput(self, rate: float) -> None:
        speed = f"Generating… {rate:.1f} tokens/s"
        self.state_label.setText(f"{speed} · {self._job_line}" if self._job_line else speed)

    def _on_job_progress(self, line: str) -> None:
        self._job_line = line
        if line:
            self.state_label.setText(line)

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
        self._closing = True
        self.power.close()
        self._save_settings()
        if self.drafts is not None:
            self.drafts.close()
        for tool in self._built_tool_tabs():
            tool.shutdown()
        analyze = self._built.get("analyze")
        if analyze is not None:
            cast("AnalyzeTab", analyze).shutdown()
        if self._model_manager is not None:
            self._model_manager.shutdown()  # pauses a running download; offered next time
        self.bridge.shutdown()
        if self.store is not None:
            for tool in self._built_tool_tabs():
                tool.set_store(None)
            self.store.close()
            self.store, self.drafts = None, None
        event.accept()


def model_name(info: ModelInfo) -> str:
    """The model as the status bar names it: a server's with the server first."""
    from desktop_slm.engine.remote import ServerModelInfo

    if isinstance(info, ServerModelInfo):
        return f"Server {server_name(info.server)} · {info.name}"
    return info.display_name()


def server_name(url: str) -> str:
    """A server as the status bar names it: ``gpu01:8000`` for ``http://gpu01:8000``."""
    return url.split("://", 1)[-1].rstrip("/")


def _engine_choice(settings: Settings) -> tuple[str, str, str | None]:
    return settings.engine, settings.server_url, settings.server_model


def schedule_model_load(window: MainWindow, path: str | None, *, given: bool = False) -> None:
    """Load once the window has painted, so a model never delays the window.

    Checking the file imports gguf and numpy on the bridge's thread; started any
    earlier, that work competes with the first paint for the interpreter. With no
    model to open, the window starts on its welcome page. With a server as the engine
    in the settings, the window connects to it instead, unless a model was ``given``
    (``--model``, a second launch).
    """
    if window.settings.engine == "server" and not given:
        window.after_first_paint(window.connect_server)
        return
    if path:
        window.after_first_paint(lambda: window.open_model(path))
    else:
        window.show_welcome()
