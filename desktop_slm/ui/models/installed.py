"""The Installed page: the library's models, and Use, Verify, Remove, Open folder, Import."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop_slm.config import Settings
from desktop_slm.engine.client import ActiveModel
from desktop_slm.engine.hardware import human_bytes
from desktop_slm.models.download import DownloadProgress, JobState
from desktop_slm.models.formatting import context_label, parameters_label
from desktop_slm.models.library import InstalledModel, VerifyResult
from desktop_slm.models.selection import ModelSelection
from desktop_slm.ui import messages, theme
from desktop_slm.ui.bridge.engine import EngineBridge
from desktop_slm.ui.bridge.models import Action, Failure, LibraryView, ModelManagerBridge
from desktop_slm.ui.models import dialogs
from desktop_slm.ui.models.common import item, row_data, show_failure, table, warning_colour

BASE_MODEL = "base model: not instruction-tuned"
BUSY_HINT = "Stop the current answer (Esc) to switch models."
COLUMNS = [
    "",
    "Model",
    "Quantization",
    "Size on disk",
    "Architecture",
    "Parameters",
    "Context",
    "Kind",
    "Source",
    "File",
]


class InstalledPage(QWidget):
    """The installed models, which one is active, and what can be done with the selected one.

    A model that arrives while none is loaded (the first download or import) is used at once.
    """

    statusMessage = Signal(str)
    importing = Signal(bool)  # an import started (True) or ended

    def __init__(
        self,
        engine: EngineBridge,
        manager: ModelManagerBridge,
        settings: Settings,
        selection: ModelSelection,
    ) -> None:
        super().__init__()
        self._engine = engine
        self._manager = manager
        self._settings = settings
        self._selection = selection
        self._load_when_installed: str | None = None  # a model id
        self.view: LibraryView | None = None

        layout = QVBoxLayout(self)
        self.models_info = QLabel("No model is open.")
        self.models_info.setObjectName("modelsInfo")
        self.models_info.setWordWrap(True)
        self.models_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.models_info)
        self.table = table("libraryTable", COLUMNS, spoken="Installed models")
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemDoubleClicked.connect(lambda _item: self.use_selected())
        layout.addWidget(self.table, 1)

        self.use_button = QPushButton("Use")
        self.use_button.setObjectName("useModel")
        self.use_button.setToolTip("Switch every tool to this model")
        self.use_button.clicked.connect(self.use_selected)
        self.verify_button = QPushButton("Verify")
        self.verify_button.setToolTip("Re-check the file against the sha256 recorded at install")
        self.verify_button.clicked.connect(self.verify_selected)
        self.remove_button = QPushButton("Remove…")
        self.remove_button.clicked.connect(self.remove_selected)
        self.folder_button = QPushButton("Open folder")
        self.folder_button.clicked.connect(self.open_folder)
        self.import_button = QPushButton("Import…")
        self.import_button.setToolTip("Add a .gguf file from this computer")
        self.import_button.clicked.connect(self.import_model)
        self.use_hint = QLabel()
        self.use_hint.setObjectName("useHint")
        theme.tone(self.use_hint, "muted")
        row = QHBoxLayout()
        for button in (
            self.use_button,
            self.verify_button,
            self.remove_button,
            self.folder_button,
            self.import_button,
        ):
            row.addWidget(button)
        row.addWidget(self.use_hint, 1)
        layout.addLayout(row)
        self.status = QLabel("Reading the library…")
        self.status.setObjectName("libraryStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)

        manager.libraryChanged.connect(self._on_library)
        manager.downloadProgress.connect(self._on_progress)
        manager.importProgress.connect(self._on_import_progress)
        manager.imported.connect(self._on_imported)
        manager.removed.connect(self._on_removed)
        manager.verified.connect(self._on_verified)
        manager.failed.connect(self._on_failed)
        engine.modelLoaded.connect(self._on_model_loaded)
        engine.modelFailed.connect(self._on_engine_changed)
        engine.busyChanged.connect(self._on_engine_changed)
        engine.stateChanged.connect(self._on_engine_changed)
        self._update_buttons()

    # ------------------------------------------------------------ the list
    def _on_library(self, view: LibraryView) -> None:
        self.view = view
        self._render()
        pending = self._load_when_installed
        if pending is not None:
            model = next((m for m in view.models if m.id == pending), None)
            if model is not None:
                self._load_when_installed = None
                self._load_if_none(model)

    def _render(self) -> None:
        view = self.view
        if view is None:
            return
        selected = self.selected_model()
        self.table.setRowCount(len(view.models))
        active = self._active_id()
        for number, m in enumerate(view.models):
            self._show_model(number, m, active=m.id == active)
        keep = selected.id if selected is not None else active
        if (keep is None or not self.select_model(keep)) and view.models:
            self.table.selectRow(0)
        count = len(view.models)
        if count:
            self.status.setText(
                f"{count} model{'s' if count != 1 else ''} installed, "
                f"{human_bytes(view.total_bytes)} on disk in {self._manager.library.folder}."
            )
        else:
            self.status.setText(
                "No model is installed yet. Download the recommended one above, pick one "
                "from the Catalog or the Hub, or import a .gguf file you already have."
            )
        self._update_buttons()

    def _show_model(self, number: int, m: InstalledModel, *, active: bool) -> None:
        kind = BASE_MODEL if m.is_base_model else "instruction-tuned"
        if m.source == "hub":
            source = "Hub, sha256 verified"
        else:
            source = "Imported, used in place" if m.in_place else "Imported, copied"
        about = f"{m.id}: {m.repo or 'a local file'}"
        context = context_label(m.trained_context)
        cells = [
            item("● Active" if active else "", bold=True),
            item(m.name, tooltip=about, data=m.id, bold=active),
            item(m.quant),
            item(human_bytes(m.size_bytes), right=True),
            item(m.architecture),
            item(parameters_label(m.parameters), right=True),
            item(context, tooltip=f"{m.trained_context:,} tokens", right=True),
            item(kind, colour=warning_colour() if m.is_base_model else None),
            item(source, tooltip=m.repo or m.path),
            item(m.path),
        ]
        for column, cell in enumerate(cells):
            self.table.setItem(number, column, cell)

    def _active_id(self) -> str | None:
        """The model the tools use: the one loaded in the engine, else the library's choice."""
        view = self.view
        if view is None:
            return None
        loaded = self._engine.active_model
        if loaded is not None:
            path = os.path.realpath(loaded.info.path)
            match = next((m for m in view.models if os.path.realpath(m.path) == path), None)
            return match.id if match else None
        return view.active_id

    def library_model(self, path: str) -> InstalledModel | None:
        """The library's entry for the model file at ``path``, if it has one."""
        if self.view is None:  # at start, before the library was read in the background
            return self._manager.library.resolve(path)
        wanted = os.path.realpath(path)
        return next((m for m in self.view.models if os.path.realpath(m.path) == wanted), None)

    def select_model(self, model_id: str) -> bool:
        for number in range(self.table.rowCount()):
            if row_data(self.table, number, 1) == model_id:
                self.table.selectRow(number)
                return True
        return False

    def selected_model(self) -> InstalledModel | None:
        view = self.view
        rows = self.table.selectionModel().selectedRows()
        if view is None or not rows:
            return None
        model_id = row_data(self.table, rows[0].row(), 1)
        return next((m for m in view.models if m.id == model_id), None)

    def _is_loaded(self, model: InstalledModel) -> bool:
        loaded = self._engine.active_model
        return loaded is not None and os.path.realpath(loaded.info.path) == os.path.realpath(
            model.path
        )

    def _update_buttons(self) -> None:
        model = self.selected_model()
        busy = self._engine.is_busy()
        loaded = model is not None and self._is_loaded(model)
        self.use_button.setEnabled(model is not None and not busy and not loaded)
        self.verify_button.setEnabled(model is not None)
        self.remove_button.setEnabled(model is not None and not loaded)
        self.remove_button.setText("Forget…" if model is not None and model.in_place else "Remove…")
        if model is None:
            hint = ""
        elif busy:
            hint = BUSY_HINT
        elif loaded:
            hint = "In use now. To remove it, switch to another model first."
        else:
            hint = ""
        self.use_hint.setText(hint)

    # ------------------------------------------------------------ using a model
    def _on_engine_changed(self, _what: object) -> None:
        self._update_buttons()

    def _on_model_loaded(self, active: ActiveModel) -> None:
        del active  # the window has recorded it as the active model
        self._manager.refresh_library()
        self._render()

    def _on_progress(self, p: DownloadProgress) -> None:
        if p.state is JobState.DONE:
            self._load_when_installed = p.model_id

    def _load_if_none(self, model: InstalledModel) -> None:
        """The first model gets used at once: one click from nothing to writing."""
        if self._engine.active_model is None and not self._engine.is_busy():
            self._use(model)

    def use_selected(self) -> None:
        model = self.selected_model()
        if model is not None and self.use_button.isEnabled():
            self._use(model)

    def _use(self, model: InstalledModel) -> None:
        tuning = self._selection.settings_for(model.path, self._settings)
        if not self._engine.load_model(model.path, n_ctx=tuning.n_ctx, n_threads=tuning.n_threads):
            self.use_hint.setText(BUSY_HINT)
            return
        self.use_hint.setText(f"Switching to {model.name}…")
        self._update_buttons()

    # ------------------------------------------------------------ verify, remove, import
    def verify_selected(self) -> None:
        model = self.selected_model()
        if model is None:
            return
        self.verify_button.setEnabled(False)
        self.status.setText(f"Checking {model.file} against its sha256…")
        self._manager.verify(model.id)

    def _on_verified(self, result: VerifyResult) -> None:
        self._update_buttons()
        if result.ok:
            self.status.setText(
                f"✓ {result.model.file} is intact: its sha256 matches the one recorded at install."
            )
        else:
            self.status.setText(f"✗ {result.model.file} failed verification.")
            messages.error(self, result.problem or f"{result.model.file} failed verification.")

    def remove_selected(self) -> None:
        model = self.selected_model()
        if model is None or self._is_loaded(model):
            return
        if model.in_place:
            text = f"Forget {model.name} ({model.quant})? The file stays where it is:\n{model.path}"
            action = "Forget"
        else:
            text = (
                f"Delete {model.name} ({model.quant}) from this computer? This frees "
                f"{human_bytes(model.size_bytes)}; you can download it again later."
            )
            action = "Delete"
        if dialogs.confirm(self, "Remove model", text, action):
            self.remove_button.setEnabled(False)
            self._manager.remove(model.id)

    def _on_removed(self, model: InstalledModel) -> None:
        what = "Forgot" if model.in_place else "Deleted"
        self.statusMessage.emit(f"{what} {model.name} ({model.quant}).")

    def open_folder(self) -> None:
        folder = self._manager.library.folder
        folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def import_model(self) -> None:
        path = dialogs.choose_gguf_file(self)
        if not path:
            return
        mode = dialogs.ask_import_mode(self, path)
        if mode is None:
            return
        self._set_importing(True)
        self.status.setText(f"Checking {Path(path).name}…")
        self._manager.import_file(path, in_place=mode == "in_place")

    def _set_importing(self, importing: bool) -> None:
        self.import_button.setEnabled(not importing)
        self.importing.emit(importing)

    def _on_import_progress(self, done: int, total: int) -> None:
        percent = int(100 * done / total) if total else 100
        self.status.setText(f"Importing… {percent}% ({human_bytes(done)})")

    def _on_imported(self, model: InstalledModel) -> None:
        self._set_importing(False)
        self.statusMessage.emit(f"Imported {model.name} ({model.quant}).")
        self._load_when_installed = model.id

    def _on_failed(self, failure: Failure) -> None:
        if failure.action is Action.IMPORT:
            self._set_importing(False)
            self.status.setText("Nothing was imported.")
        elif failure.action in (Action.REMOVE, Action.VERIFY):
            self._update_buttons()
        elif failure.action is not Action.LIBRARY:
            return
        show_failure(self, failure)
