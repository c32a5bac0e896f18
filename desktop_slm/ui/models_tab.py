"""The Models tab: the model for this computer, the catalog, Hub search, downloads, the library.

Everything slow (files, hashing, the network) runs in :class:`ModelManagerBridge`; this
module only shows its signals. Opening the tab reads the catalog, the library and the
partial downloads on disk; the Hub is contacted only when the user searches, opens a
repository's files or downloads. Dialogs go through the module functions :func:`confirm`,
:func:`choose_gguf_file`, :func:`ask_import_mode` and :func:`ask_token`, which tests replace.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_slm.config import Settings
from desktop_slm.engine.client import ActiveModel
from desktop_slm.engine.hardware import human_bytes
from desktop_slm.models.catalog import CatalogEntry
from desktop_slm.models.discover import Discovery, FoundModel
from desktop_slm.models.download import DownloadProgress, JobState, PartialDownload
from desktop_slm.models.fit import Fit
from desktop_slm.models.hub import GgufFileSet, HubModel, RepoFiles
from desktop_slm.models.library import InstalledModel, VerifyResult
from desktop_slm.models.selection import ModelSelection
from desktop_slm.ui import messages, theme
from desktop_slm.ui.bridge.engine import EngineBridge
from desktop_slm.ui.bridge.models import CatalogView, LibraryView, ModelManagerBridge
from desktop_slm.ui.leftovers import LeftoversNotice

log = logging.getLogger(__name__)

BASE_MODEL = "base model: not instruction-tuned"
FIT_COLOURS = {Fit.RUNS_WELL: "#1b7f3b", Fit.TIGHT: "#9a5b00", Fit.TOO_LARGE: "#b00020"}
ERROR_COLOUR = "#b00020"
BUSY_HINT = "Stop the current answer (Esc) to switch models."
ACTIVE_JOB_STATES = frozenset(
    {
        JobState.QUEUED,
        JobState.RESOLVING,
        JobState.CHECKING,
        JobState.DOWNLOADING,
        JobState.RETRYING,
        JobState.VERIFYING,
        JobState.INSTALLING,
    }
)


# ---------------------------------------------------------------- dialogs (tests replace these)
def confirm(parent: QWidget, title: str, text: str, action: str) -> bool:
    """Ask before something that cannot be undone; True if the user chose ``action``."""
    box = QMessageBox(
        QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Cancel, parent
    )
    chosen = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is chosen


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


# ---------------------------------------------------------------- small formatting helpers
def parameters_label(count: int) -> str:
    if count <= 0:
        return "unknown"
    return f"{count / 1e9:.1f}B" if count >= 1_000_000_000 else f"{round(count / 1e6)}M"


def context_label(tokens: int) -> str:
    """32768 -> "32K tokens", as model cards write trained context sizes."""
    if tokens >= 1024 and tokens % 1024 == 0:
        return f"{tokens // 1024}K tokens"
    return f"{tokens:,} tokens"


def duration_label(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def describe_progress(p: DownloadProgress) -> str:  # noqa: PLR0911 (one line per state)
    """One line: bytes, speed, time left and state, as the downloads list shows it."""
    amount = f"{human_bytes(p.done)} of {human_bytes(p.total)}" if p.total else ""
    match p.state:
        case JobState.QUEUED:
            return "Waiting for the download before it…" if not p.done else f"Waiting · {amount}"
        case JobState.RESOLVING:
            return "Looking up the file on the Hub…"
        case JobState.CHECKING:
            return f"Checking the part downloaded before · {amount}"
        case JobState.DOWNLOADING:
            parts = [amount]
            if p.speed > 0:
                parts.append(f"{human_bytes(p.speed)}/s")
            if p.eta_s is not None:
                parts.append(f"{duration_label(p.eta_s)} left")
            return " · ".join(parts)
        case JobState.RETRYING:
            return f"{p.message or 'Retrying…'} · {amount}"
        case JobState.VERIFYING:
            return f"Verifying the checksum · {human_bytes(p.total)}"
        case JobState.INSTALLING:
            return "Installing…"
        case JobState.PAUSED:
            return f"Paused · {amount}" if p.total else "Paused"
        case JobState.DONE:
            return f"Installed and verified (sha256) · {human_bytes(p.total)}"
        case JobState.CANCELLED:
            return "Cancelled; the partial file was deleted."
        case _:  # failed
            return p.message or "The download failed."


def _item(
    text: str,
    *,
    tooltip: str | None = None,
    colour: str | None = None,
    bold: bool = False,
    data: object = None,
    right: bool = False,
) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setToolTip(tooltip or text)
    if colour:
        item.setForeground(QColor(colour))
    if bold:
        font = QFont(item.font())
        font.setBold(True)
        item.setFont(font)
    if data is not None:
        item.setData(Qt.ItemDataRole.UserRole, data)
    if right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def _row_data(table: QTableWidget, row: int, column: int = 0) -> object:
    item = table.item(row, column)
    return item.data(Qt.ItemDataRole.UserRole) if item is not None else None


def _table(name: str, headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


def _buttons(*buttons: QPushButton) -> QWidget:
    holder = QWidget()
    row = QHBoxLayout(holder)
    row.setContentsMargins(2, 0, 2, 0)
    row.setSpacing(4)
    for button in buttons:
        row.addWidget(button)
    row.addStretch(1)
    return holder


def _banner(name: str, kind: theme.Banner) -> QFrame:
    frame = QFrame()
    frame.setObjectName(name)
    theme.banner(frame, kind)
    return frame


# ---------------------------------------------------------------- pieces
class DownloadRow(QFrame):
    """One download: name, progress bar, bytes/speed/time left, Pause/Resume and Cancel."""

    cleared = Signal(int)  # job id

    def __init__(self, progress: DownloadProgress, manager: ModelManagerBridge) -> None:
        super().__init__()
        self.setObjectName("downloadRow")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.job_id = progress.job_id
        self._manager = manager
        self.title = QLabel(
            f"<b>{progress.filename}</b> <span style='color:gray'>from {progress.repo}</span>"
        )
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(True)
        self.detail = QLabel()
        self.detail.setObjectName("downloadDetail")
        self.detail.setWordWrap(True)
        self.pause_button = QPushButton("Pause")
        self.pause_button.clicked.connect(self._pause_or_resume)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(lambda: self._manager.cancel(self.job_id))
        self.clear_button = QPushButton("Clear")
        self.clear_button.clicked.connect(lambda: self.cleared.emit(self.job_id))

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.pause_button)
        top.addWidget(self.cancel_button)
        top.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.bar)
        layout.addWidget(self.detail)
        self.progress = progress
        self.update_progress(progress)

    @property
    def state(self) -> JobState:
        return self.progress.state

    def update_progress(self, p: DownloadProgress) -> None:
        self.progress = p
        if p.state is JobState.DONE:
            self.bar.setValue(1000)
        elif p.total:
            self.bar.setValue(round(1000 * p.done / p.total))
        self.bar.setFormat("%p%" if p.total else "")
        self.detail.setText(describe_progress(p))
        failed = p.state is JobState.FAILED
        self.detail.setStyleSheet(f"color: {ERROR_COLOUR};" if failed else "")
        finished = p.state in (JobState.DONE, JobState.CANCELLED)
        self.pause_button.setVisible(not finished)
        if p.state in (JobState.PAUSED, JobState.FAILED):
            resumable = p.state is JobState.PAUSED or p.resumable
            self.pause_button.setText("Resume" if resumable else "Try again")
        else:
            self.pause_button.setText("Pause")
        self.pause_button.setEnabled(p.state not in (JobState.VERIFYING, JobState.INSTALLING))
        self.cancel_button.setVisible(not finished)
        self.cancel_button.setEnabled(p.state not in (JobState.VERIFYING, JobState.INSTALLING))
        self.cancel_button.setText("Discard" if failed and p.resumable else "Cancel")
        self.clear_button.setVisible(finished)

    def _pause_or_resume(self) -> None:
        # Until the job reports its new state: a second click would undo the first.
        self.pause_button.setEnabled(False)
        if self.progress.state in (JobState.PAUSED, JobState.FAILED):
            self._manager.resume(self.job_id)
        else:
            self._manager.pause(self.job_id)


class ResumeOffer(QFrame):
    """An inline offer to continue a download a previous run left unfinished."""

    def __init__(
        self,
        partial: PartialDownload,
        on_resume: Callable[[ResumeOffer], None],
        on_discard: Callable[[ResumeOffer], None],
    ) -> None:
        super().__init__()
        self.setObjectName("resumeOffer")
        theme.banner(self, "info")
        self.partial = partial
        size = partial.remote.size
        percent = int(100 * partial.done / size) if size else 0
        self.label = QLabel(
            f"Resume download of {partial.remote.filename} ({percent}%)? "
            f"{human_bytes(partial.done)} of {human_bytes(size)} are already on this computer."
        )
        self.label.setWordWrap(True)
        self.resume_button = QPushButton("Resume")
        self.resume_button.clicked.connect(lambda: on_resume(self))
        self.discard_button = QPushButton("Discard")
        self.discard_button.setToolTip("Delete the partial file")
        self.discard_button.clicked.connect(lambda: on_discard(self))
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(self.label, 1)
        row.addWidget(self.resume_button)
        row.addWidget(self.discard_button)


# ---------------------------------------------------------------- the tab
class ModelsTab(QWidget):
    """Find, download, import, verify, remove and switch models."""

    installedChanged = Signal(int)  # number of installed models
    statusMessage = Signal(str)
    notice = Signal(str)  # a one-time message, e.g. a damaged library file was rebuilt

    def __init__(
        self,
        engine: EngineBridge,
        manager: ModelManagerBridge,
        settings: Settings,
        selection: ModelSelection,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._engine = engine
        self._manager = manager
        self._settings = settings
        self._selection = selection
        self.catalog_view: CatalogView | None = None
        self.library_view: LibraryView | None = None
        self.download_rows: dict[int, DownloadRow] = {}
        self.resume_offers: list[ResumeOffer] = []
        self.catalog_buttons: dict[str, QPushButton] = {}
        self.catalog_files_buttons: dict[str, QPushButton] = {}
        self.result_buttons: dict[str, QPushButton] = {}
        self.file_buttons: dict[str, QPushButton] = {}
        self.offline = False
        self._files_repo: str | None = None
        self._file_sets: dict[str, GgufFileSet] = {}
        self._load_when_installed: str | None = None
        self._gated_jobs: set[int] = set()
        self._gated_repo: str | None = None
        self.found_view: Discovery | None = None
        self.found_buttons: dict[str, QPushButton] = {}  # path -> "Use in place"
        self._looked_for_found = False

        layout = QVBoxLayout(self)
        layout.addWidget(self._build_banners())
        layout.addWidget(self._build_card())
        self.sections = QTabWidget()
        self.sections.setObjectName("modelSections")
        self.sections.setDocumentMode(True)
        self.installed_page = self._build_library()
        self.catalog_page = self._build_catalog()
        self.hub_page = self._build_hub()
        self.found_page = self._build_found()
        self.sections.addTab(self.installed_page, "Installed")
        self.sections.addTab(self.catalog_page, "Catalog")
        self.sections.addTab(self.hub_page, "Search the Hub")
        self.sections.addTab(self.found_page, "Found on this computer")
        layout.addWidget(self.sections, 1)
        layout.addWidget(self._build_downloads())

        manager.catalogLoaded.connect(self._on_catalog)
        manager.libraryChanged.connect(self._on_library)
        manager.partialsFound.connect(self._on_partials)
        manager.searchFinished.connect(self._on_search_results)
        manager.filesListed.connect(self._on_files)
        manager.downloadProgress.connect(self._on_progress)
        manager.importProgress.connect(self._on_import_progress)
        manager.imported.connect(self._on_imported)
        manager.removed.connect(self._on_removed)
        manager.verified.connect(self._on_verified)
        manager.tokenSaved.connect(self._on_token_saved)
        manager.modelsFound.connect(self._on_found)
        manager.failed.connect(self._on_failed)
        engine.modelLoaded.connect(self._on_model_loaded)
        engine.modelFailed.connect(self._on_engine_changed)
        engine.busyChanged.connect(self._on_engine_changed)
        engine.stateChanged.connect(self._on_engine_changed)
        self._update_library_buttons()
        # Local files only: the catalog, library.json and partial downloads.
        manager.load_overview(settings.n_ctx)

    # ------------------------------------------------------------ building
    def _build_banners(self) -> QWidget:
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)

        self.offline_banner = QLabel()
        self.offline_banner.setObjectName("offlineBanner")
        self.offline_banner.setWordWrap(True)
        theme.banner(self.offline_banner, "danger")
        self.offline_banner.hide()
        column.addWidget(self.offline_banner)

        self.gated_bar = _banner("gatedBar", "notice")
        self.gated_label = QLabel()
        self.gated_label.setWordWrap(True)
        self.token_button = QPushButton("Add Hub token…")
        self.token_button.clicked.connect(self.add_token)
        close = QPushButton("Dismiss")
        close.clicked.connect(self.gated_bar.hide)
        row = QHBoxLayout(self.gated_bar)
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(self.gated_label, 1)
        row.addWidget(self.token_button)
        row.addWidget(close)
        self.gated_bar.hide()
        column.addWidget(self.gated_bar)

        self.offers_box = QVBoxLayout()
        self.offers_box.setSpacing(4)
        column.addLayout(self.offers_box)

        # confirm is looked up when used: tests answer it
        self.leftovers = LeftoversNotice(self._manager, lambda *args: confirm(*args))  # noqa: PLW0108
        column.addWidget(self.leftovers)
        return holder

    def _build_card(self) -> QWidget:
        self.card = _banner("recommendedCard", "success")
        self.card_title = QLabel("<b>Recommended for this computer</b>")
        self.card_title.setObjectName("recommendedTitle")
        self.card_text = QLabel("Reading the catalog…")
        self.card_text.setObjectName("recommendedText")
        self.card_text.setWordWrap(True)
        self.recommended_button = QPushButton("Download")
        self.recommended_button.setObjectName("recommendedDownload")
        self.recommended_button.setEnabled(False)
        self.recommended_button.clicked.connect(self.download_recommended)
        self.have_file_button = QPushButton("I already have a .gguf file…")
        self.have_file_button.clicked.connect(self.import_model)
        self.found_hint = QLabel()
        self.found_hint.setObjectName("foundHint")
        self.found_hint.setWordWrap(True)
        self.found_hint.linkActivated.connect(
            lambda _link: self.sections.setCurrentWidget(self.found_page)
        )
        self.found_hint.hide()
        text = QVBoxLayout()
        text.addWidget(self.card_title)
        text.addWidget(self.card_text)
        text.addWidget(self.found_hint)
        buttons = QVBoxLayout()
        buttons.addWidget(self.recommended_button)
        buttons.addWidget(self.have_file_button)
        buttons.addStretch(1)
        row = QHBoxLayout(self.card)
        row.setContentsMargins(10, 8, 10, 8)
        row.addLayout(text, 1)
        row.addLayout(buttons)
        return self.card

    def _build_library(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.models_info = QLabel("No model is open.")
        self.models_info.setObjectName("modelsInfo")
        self.models_info.setWordWrap(True)
        self.models_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.models_info)
        self.library_table = _table(
            "libraryTable",
            [
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
            ],
        )
        self.library_table.setAccessibleName("Installed models")
        self.library_table.itemSelectionChanged.connect(self._update_library_buttons)
        self.library_table.itemDoubleClicked.connect(lambda _item: self.use_selected())
        layout.addWidget(self.library_table, 1)

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
        buttons = QHBoxLayout()
        for button in (
            self.use_button,
            self.verify_button,
            self.remove_button,
            self.folder_button,
            self.import_button,
        ):
            buttons.addWidget(button)
        buttons.addWidget(self.use_hint, 1)
        layout.addLayout(buttons)
        self.library_status = QLabel("Reading the library…")
        self.library_status.setObjectName("libraryStatus")
        self.library_status.setWordWrap(True)
        layout.addWidget(self.library_status)
        return page

    def _build_catalog(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.catalog_note = QLabel("Reading the catalog…")
        self.catalog_note.setObjectName("catalogNote")
        self.catalog_note.setWordWrap(True)
        layout.addWidget(self.catalog_note)
        self.catalog_table = _table(
            "catalogTable",
            [
                "Model",
                "Parameters",
                "License",
                "Languages",
                "Good at",
                "Context",
                "Fit here",
                "",
            ],
        )
        self.catalog_table.setAccessibleName("Catalog of models")
        self.catalog_table.itemDoubleClicked.connect(self._catalog_double_clicked)
        layout.addWidget(self.catalog_table, 1)
        return page

    def _build_hub(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        row = QHBoxLayout()
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("hubSearch")
        self.search_edit.setPlaceholderText(
            "Search GGUF models on the Hugging Face Hub, e.g. qwen2.5 instruct"
        )
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.returnPressed.connect(self.search)
        self.search_button = QPushButton("Search")
        self.search_button.clicked.connect(self.search)
        row.addWidget(self.search_edit, 1)
        row.addWidget(self.search_button)
        layout.addLayout(row)
        self.search_status = QLabel(
            "Nothing is sent to the Hub until you search, open a repository or download."
        )
        self.search_status.setObjectName("searchStatus")
        self.search_status.setWordWrap(True)
        layout.addWidget(self.search_status)
        self.results_table = _table(
            "hubResults", ["Repository", "Downloads", "Likes", "Access", ""]
        )
        self.results_table.setAccessibleName("Hub search results")
        self.results_table.itemDoubleClicked.connect(self._result_double_clicked)
        layout.addWidget(self.results_table, 1)
        self.files_title = QLabel("Open a repository to see its model files.")
        self.files_title.setObjectName("filesTitle")
        self.files_title.setWordWrap(True)
        layout.addWidget(self.files_title)
        self.files_table = _table(
            "hubFiles", ["File", "Quantization", "Size", "Fit here", "Note", ""]
        )
        self.files_table.setAccessibleName("Model files in the repository")
        layout.addWidget(self.files_table, 1)
        return page

    def _build_found(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
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
        self.found_status = QLabel(
            "Models you already downloaded with LM Studio, GPT4All, Ollama or the Hugging "
            "Face tools can be used where they are, without copying them. Nothing is "
            "searched until you ask."
        )
        self.found_status.setObjectName("foundStatus")
        self.found_status.setWordWrap(True)
        layout.addWidget(self.found_status)
        self.found_table = _table("foundTable", ["From", "Model", "Size", "Where", ""])
        self.found_table.setAccessibleName("Models found on this computer")
        layout.addWidget(self.found_table, 1)
        return page

    def _build_downloads(self) -> QWidget:
        self.downloads_box = QFrame()
        self.downloads_box.setObjectName("downloads")
        column = QVBoxLayout(self.downloads_box)
        column.setContentsMargins(0, 4, 0, 0)
        title = QLabel("<b>Downloads</b> — they continue while you write in other tabs.")
        column.addWidget(title)
        inner = QWidget()
        self.rows_layout = QVBoxLayout(inner)
        self.rows_layout.setContentsMargins(0, 0, 0, 0)
        self.rows_layout.setSpacing(4)
        self.rows_layout.addStretch(1)
        self.downloads_scroll = QScrollArea()
        self.downloads_scroll.setWidgetResizable(True)
        self.downloads_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.downloads_scroll.setWidget(inner)
        self.downloads_scroll.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        column.addWidget(self.downloads_scroll)
        self.downloads_box.hide()
        return self.downloads_box

    # ------------------------------------------------------------ catalog and card
    def _on_catalog(self, view: CatalogView) -> None:
        self.catalog_view = view
        self.catalog_buttons.clear()
        self.catalog_files_buttons.clear()
        table = self.catalog_table
        table.setRowCount(len(view.rows))
        recommended = view.recommended.id if view.recommended else None
        for number, row in enumerate(view.rows):
            e = row.entry
            star = e.id == recommended
            notes = e.notes
            if e.thinks_by_default:
                notes += " Thinks before answering; the writing tools never show that part."
            name = ("★ " if star else "") + e.display_name
            table.setItem(
                number, 0, _item(name, tooltip=f"{e.repo}\n{notes}", bold=star, data=e.id)
            )
            table.setItem(number, 1, _item(e.parameters_label, right=True))
            license_text = e.license if e.open_license else f"⚠ {e.license}"
            table.setItem(
                number,
                2,
                _item(
                    license_text,
                    tooltip=None
                    if e.open_license
                    else f"{e.license}: read its terms before use; it restricts some uses.",
                    colour=None if e.open_license else FIT_COLOURS[Fit.TIGHT],
                ),
            )
            languages = ", ".join(e.languages[:5]) + (
                f" +{len(e.languages) - 5}" if len(e.languages) > 5 else ""
            )
            table.setItem(number, 3, _item(languages, tooltip=", ".join(e.languages)))
            table.setItem(number, 4, _item(", ".join(e.strengths)))
            table.setItem(
                number,
                5,
                _item(
                    context_label(e.trained_context),
                    tooltip=f"{e.trained_context:,} tokens",
                    right=True,
                ),
            )
            table.setItem(number, 6, _item(str(row.fit), colour=FIT_COLOURS[row.fit]))
            files = QPushButton("Files…")
            files.setToolTip("List the quantized files on the Hub with sizes and fit")
            files.clicked.connect(lambda _=False, repo=e.repo: self.show_files(repo))
            get = QPushButton("Download")
            get.setToolTip(f"{e.preferred_file} ({e.preferred_quant})")
            get.clicked.connect(lambda _=False, entry=e: self.download_entry(entry))
            self.catalog_files_buttons[e.id] = files
            self.catalog_buttons[e.id] = get
            table.setCellWidget(number, 7, _buttons(files, get))
        memory = human_bytes(view.memory.available)
        self.catalog_note.setText(
            f"Fit labels are for a context of {view.n_ctx:,} tokens (Preferences) with "
            f"{memory} of memory available now. Exact file sizes and checksums come from "
            "the Hub when you open an entry or download it. ⚠ marks licenses that are not "
            "open: read their terms before use."
        )
        self._refresh_card()
        self._refresh_download_buttons()

    def _refresh_card(self) -> None:
        view = self.catalog_view
        installed = self.library_view is not None and bool(self.library_view.models)
        welcome = self.library_view is not None and not installed
        self.have_file_button.setVisible(welcome)
        usable = [f for f in self.found_view.found if not f.installed] if self.found_view else []
        self.found_hint.setVisible(welcome and bool(usable))
        if usable:
            apps = ", ".join(sorted({f.source for f in usable}))
            self.found_hint.setText(
                f"Or use a model you already have: {len(usable)} found ({apps}). "
                "<a href='found'>Show them</a>"
            )
        title = "Recommended for this computer"
        if welcome:
            title = "Welcome! Start with the model recommended for this computer"
        self.card_title.setText(f"<b>{title}</b>")
        if view is None:
            return
        entry = view.recommended
        if entry is None:
            self.card_text.setText(
                "None of the catalog's models runs well with the memory free now "
                f"({human_bytes(view.memory.available)}). Close other programs, choose a "
                "smaller context in Preferences, or search the Hub for a smaller model."
            )
            self.recommended_button.hide()
            return
        fit = next((r.fit for r in view.rows if r.entry.id == entry.id), entry.fit())
        license_text = (
            entry.license if entry.open_license else f"{entry.license} (not an open license)"
        )
        lead = (
            "One click downloads it and checks it; then write your first email. " if welcome else ""
        )
        self.card_text.setText(
            f"<b>{entry.display_name}</b> · {entry.parameters_label} parameters · {license_text} · "
            f"about {human_bytes(entry.expected_size_bytes)} · "
            f"<span style='color:{FIT_COLOURS[fit]}'>{fit}</span><br>"
            f"{lead}Good at {', '.join(entry.strengths)}. {entry.notes}"
        )
        self.recommended_button.show()

    def download_recommended(self) -> None:
        if self.catalog_view is not None and self.catalog_view.recommended is not None:
            self.download_entry(self.catalog_view.recommended)

    def download_entry(self, entry: CatalogEntry) -> None:
        self.download(entry.repo, entry.preferred_file)

    def _catalog_double_clicked(self, item: QTableWidgetItem) -> None:
        entry_id = _row_data(self.catalog_table, item.row())
        if self.catalog_view is not None:
            for row in self.catalog_view.rows:
                if row.entry.id == entry_id:
                    self.show_files(row.entry.repo)

    # ------------------------------------------------------------ the Hub
    def search(self) -> None:
        query = self.search_edit.text().strip()
        self.search_button.setEnabled(False)
        self.search_status.setText(f"Searching the Hub for “{query}”…" if query else "Searching…")
        self._manager.search(query)

    def _on_search_results(self, query: str, results: tuple[HubModel, ...]) -> None:
        self._set_offline(None)
        self.search_button.setEnabled(True)
        what = f"“{query}”" if query else "GGUF models"
        self.search_status.setText(
            f"{len(results)} repositories with GGUF files match {what}, most downloaded first. "
            "Open one to see its files."
            if results
            else f"No GGUF repository matches {what}."
        )
        self.result_buttons.clear()
        table = self.results_table
        table.setRowCount(len(results))
        for number, model in enumerate(results):
            table.setItem(number, 0, _item(model.repo, data=model.repo))
            table.setItem(number, 1, _item(f"{model.downloads:,}", right=True))
            table.setItem(number, 2, _item(f"{model.likes:,}", right=True))
            access = "Gated: needs a Hub token" if model.gated else "Public"
            table.setItem(
                number, 3, _item(access, colour=FIT_COLOURS[Fit.TIGHT] if model.gated else None)
            )
            button = QPushButton("Files…")
            button.clicked.connect(lambda _=False, repo=model.repo: self.show_files(repo))
            self.result_buttons[model.repo] = button
            table.setCellWidget(number, 4, _buttons(button))

    def _result_double_clicked(self, item: QTableWidgetItem) -> None:
        repo = _row_data(self.results_table, item.row())
        if isinstance(repo, str):
            self.show_files(repo)

    def show_files(self, repo: str) -> None:
        """List ``repo``'s GGUF files (a Hub request) on the Hub page."""
        self.sections.setCurrentWidget(self.hub_page)
        self._files_repo = repo
        self.files_table.setRowCount(0)
        self.file_buttons.clear()
        self.files_title.setText(f"Asking the Hub for the files of {repo}…")
        self._manager.list_files(repo, self._settings.n_ctx)

    def _on_files(self, listing: RepoFiles) -> None:
        self._set_offline(None)
        if listing.repo != self._files_repo:
            return
        sets = list(listing.sets)
        self._file_sets = {s.name: s for s in sets}
        self.file_buttons.clear()
        if not sets:
            self.files_title.setText(f"<b>{listing.repo}</b> has no .gguf model files.")
        else:
            self.files_title.setText(
                f"<b>{listing.repo}</b>: {len(sets)} GGUF files. Sizes and checksums are "
                "the Hub's; every download is checked against them."
            )
        table = self.files_table
        table.setRowCount(len(sets))
        for number, s in enumerate(sets):
            note = ""
            if s.is_split:
                note = f"In {s.expected_parts} parts" + ("" if s.is_complete else " (incomplete)")
            elif s.is_projector:
                note = "Image encoder (mmproj), not a language model"
            elif s.name == listing.recommended:
                note = "★ Recommended"
            checksums = "\n".join(f"{f.path}: sha256 {f.sha256 or 'none'}" for f in s.files)
            table.setItem(
                number,
                0,
                _item(s.name, tooltip=checksums, data=s.name, bold=s.name == listing.recommended),
            )
            table.setItem(number, 1, _item(s.quant or "?"))
            table.setItem(number, 2, _item(human_bytes(s.size), right=True))
            table.setItem(number, 3, _item(str(s.fit), colour=FIT_COLOURS[s.fit]))
            table.setItem(number, 4, _item(note))
            button = QPushButton("Download")
            # A split set is offered like any file; the downloader refuses it with its reason.
            button.clicked.connect(
                lambda _=False, repo=s.repo, name=s.files[0].path: self.download(repo, name)
            )
            self.file_buttons[s.name] = button
            table.setCellWidget(number, 5, _buttons(button))
        self._refresh_download_buttons()

    def add_token(self) -> None:
        token = ask_token(self)
        if token:
            self.gated_label.setText("Saving your Hub token in the system keyring…")
            self._manager.save_token(token)

    def _on_token_saved(self, stored: bool) -> None:
        if not stored:
            return
        self.gated_label.setText(
            "Your Hub token is saved in the system keyring. Retrying; if the Hub still "
            "refuses, accept the model's terms on its Hub page first."
        )
        for job_id in sorted(self._gated_jobs):
            self._manager.resume(job_id)
        self._gated_jobs.clear()
        if self._gated_repo is not None and self._gated_repo == self._files_repo:
            self.show_files(self._gated_repo)
        self._gated_repo = None

    # ------------------------------------------------------------ downloads
    def download(self, repo: str, filename: str) -> None:
        self._manager.download(repo, filename)
        self.statusMessage.emit(f"Downloading {filename}…")

    def _on_progress(self, p: DownloadProgress) -> None:
        row = self.download_rows.get(p.job_id)
        previous = row.state if row is not None else None
        if row is None:
            self._clear_older_rows(p)
            row = DownloadRow(p, self._manager)
            row.cleared.connect(self._clear_row)
            self.download_rows[p.job_id] = row
            self.rows_layout.insertWidget(self.rows_layout.count() - 1, row)
            self._fit_downloads()
        else:
            row.update_progress(p)
        if p.state is previous:
            return
        if p.state is JobState.DOWNLOADING:
            self._set_offline(None)
        elif p.state is JobState.DONE:
            self._load_when_installed = p.model_id
            self.statusMessage.emit(f"{p.filename} is installed and verified.")
        elif p.state is JobState.FAILED:
            self._download_failed(p)
        self._refresh_download_buttons()

    def _clear_older_rows(self, p: DownloadProgress) -> None:
        """A new download of a file replaces its finished or failed rows and its resume offer.

        It continues the same partial file, so nothing is lost.
        """
        for offer in list(self.resume_offers):
            if (offer.partial.remote.repo, offer.partial.remote.filename) == (p.repo, p.filename):
                self._drop_offer(offer)
        for job_id, row in list(self.download_rows.items()):
            same = (row.progress.repo, row.progress.filename) == (p.repo, p.filename)
            if same and row.state in (JobState.DONE, JobState.FAILED, JobState.CANCELLED):
                self._clear_row(job_id)

    def _download_failed(self, p: DownloadProgress) -> None:
        message = p.message or f"The download of {p.filename} failed."
        if p.error_code == "offline":
            self._set_offline(message)
        elif p.error_code == "gated":
            self._gated_jobs.add(p.job_id)
            self._show_gated(message)
        else:
            messages.error(self, message)

    def _clear_row(self, job_id: int) -> None:
        row = self.download_rows.pop(job_id, None)
        if row is not None:
            row.hide()
            row.deleteLater()
        self._fit_downloads()

    def _fit_downloads(self) -> None:
        """Show up to about two and a half downloads; more scroll."""
        rows = list(self.download_rows.values())
        self.downloads_box.setVisible(bool(rows))
        if rows:
            spacing = self.rows_layout.spacing()
            height = sum(r.sizeHint().height() + spacing for r in rows[:3])
            if len(rows) > 2:
                height -= rows[2].sizeHint().height() // 2
            self.downloads_scroll.setFixedHeight(height)

    def _job_state(self, repo: str, filename: str) -> JobState | None:
        states = [
            r.state
            for r in self.download_rows.values()
            if (r.progress.repo, r.progress.filename) == (repo, filename)
        ]
        return states[-1] if states else None

    def _installed(self, repo: str, filename: str) -> bool:
        view = self.library_view
        return view is not None and any((m.repo, m.file) == (repo, filename) for m in view.models)

    def _set_download_button(self, button: QPushButton, repo: str, filename: str) -> None:
        state = self._job_state(repo, filename)
        if self._installed(repo, filename):
            text, enabled = "Installed", False
        elif state in ACTIVE_JOB_STATES:
            text, enabled = "Downloading…", False
        elif state is JobState.PAUSED:
            text, enabled = "Paused", False
        else:
            text, enabled = "Download", True
        button.setText(text)
        button.setEnabled(enabled)

    def _refresh_download_buttons(self) -> None:
        view = self.catalog_view
        if view is not None:
            for row in view.rows:
                button = self.catalog_buttons.get(row.entry.id)
                if button is not None:
                    self._set_download_button(button, row.entry.repo, row.entry.preferred_file)
            if view.recommended is not None:
                e = view.recommended
                self._set_download_button(self.recommended_button, e.repo, e.preferred_file)
        for name, button in self.file_buttons.items():
            s = self._file_sets.get(name)
            if s is not None:
                self._set_download_button(button, s.repo, s.files[0].path)

    def _on_partials(self, partials: tuple[PartialDownload, ...]) -> None:
        offered = {o.partial.part_path for o in self.resume_offers}
        for partial in partials:
            if partial.part_path in offered:
                continue
            offer = ResumeOffer(partial, self._resume_offer, self._discard_offer)
            self.resume_offers.append(offer)
            self.offers_box.addWidget(offer)
            offer.show()  # at once, not on a later turn of the loop (the tab may be visible)

    def _resume_offer(self, offer: ResumeOffer) -> None:
        self._drop_offer(offer)
        self._manager.resume_partial(offer.partial)

    def _discard_offer(self, offer: ResumeOffer) -> None:
        self._drop_offer(offer)
        self._manager.discard_partial(offer.partial)

    def _drop_offer(self, offer: ResumeOffer) -> None:
        if offer in self.resume_offers:
            self.resume_offers.remove(offer)
        offer.hide()
        offer.deleteLater()

    # ------------------------------------------------------------ the library
    def _on_library(self, view: LibraryView) -> None:
        self.library_view = view
        self._render_library()
        self._refresh_found_buttons()
        if not view.models and not self._looked_for_found:
            self.find_other_apps()  # the welcome page: maybe the user has one already
        if view.notice:
            self.notice.emit(view.notice)
        self.installedChanged.emit(len(view.models))
        pending = self._load_when_installed
        if pending is not None:
            model = next((m for m in view.models if m.id == pending), None)
            if model is not None:
                self._load_when_installed = None
                self._load_if_none(model)

    def _render_library(self) -> None:
        view = self.library_view
        if view is None:
            return
        selected = self.selected_model()
        table = self.library_table
        table.setRowCount(len(view.models))
        active = self._active_id()
        for number, m in enumerate(view.models):
            is_active = m.id == active
            kind = BASE_MODEL if m.is_base_model else "instruction-tuned"
            if m.source == "hub":
                source = "Hub, sha256 verified"
            else:
                source = "Imported, used in place" if m.in_place else "Imported, copied"
            about = f"{m.id}: {m.repo or 'a local file'}"
            table.setItem(number, 0, _item("● Active" if is_active else "", bold=True))
            table.setItem(number, 1, _item(m.name, tooltip=about, data=m.id, bold=is_active))
            table.setItem(number, 2, _item(m.quant))
            table.setItem(number, 3, _item(human_bytes(m.size_bytes), right=True))
            table.setItem(number, 4, _item(m.architecture))
            table.setItem(number, 5, _item(parameters_label(m.parameters), right=True))
            table.setItem(
                number,
                6,
                _item(
                    context_label(m.trained_context),
                    tooltip=f"{m.trained_context:,} tokens",
                    right=True,
                ),
            )
            base_colour = FIT_COLOURS[Fit.TIGHT] if m.is_base_model else None
            table.setItem(number, 7, _item(kind, colour=base_colour))
            table.setItem(number, 8, _item(source, tooltip=m.repo or m.path))
            table.setItem(number, 9, _item(m.path))
        keep = selected.id if selected is not None else active
        if (keep is None or not self.select_model(keep)) and view.models:
            table.selectRow(0)
        count = len(view.models)
        if count:
            self.library_status.setText(
                f"{count} model{'s' if count != 1 else ''} installed, "
                f"{human_bytes(view.total_bytes)} on disk in {self._manager.library.folder}."
            )
        else:
            self.library_status.setText(
                "No model is installed yet. Download the recommended one above, pick one "
                "from the Catalog or the Hub, or import a .gguf file you already have."
            )
        self._update_library_buttons()
        self._refresh_card()
        self._refresh_download_buttons()

    def _load_if_none(self, model: InstalledModel) -> None:
        """The first model gets used at once: one click from nothing to writing."""
        if self._engine.active_model is None and not self._engine.is_busy():
            self._use(model)

    def _active_id(self) -> str | None:
        """The model the tools use: the one loaded in the engine, else the library's choice."""
        view = self.library_view
        if view is None:
            return None
        loaded = self._engine.active_model
        if loaded is not None:
            path = os.path.realpath(loaded.info.path)
            match = next((m for m in view.models if os.path.realpath(m.path) == path), None)
            return match.id if match else None
        return view.active_id

    def select_model(self, model_id: str) -> bool:
        for number in range(self.library_table.rowCount()):
            if _row_data(self.library_table, number, 1) == model_id:
                self.library_table.selectRow(number)
                return True
        return False

    def selected_model(self) -> InstalledModel | None:
        view = self.library_view
        rows = self.library_table.selectionModel().selectedRows()
        if view is None or not rows:
            return None
        model_id = _row_data(self.library_table, rows[0].row(), 1)
        return next((m for m in view.models if m.id == model_id), None)

    def _is_loaded(self, model: InstalledModel) -> bool:
        loaded = self._engine.active_model
        return loaded is not None and os.path.realpath(loaded.info.path) == os.path.realpath(
            model.path
        )

    def _update_library_buttons(self) -> None:
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

    def _on_engine_changed(self, _what: object) -> None:
        self._update_library_buttons()

    def _on_model_loaded(self, active: ActiveModel) -> None:
        del active  # the window has recorded it as the active model
        self._manager.refresh_library()
        self._render_library()

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
        self._update_library_buttons()

    def verify_selected(self) -> None:
        model = self.selected_model()
        if model is None:
            return
        self.verify_button.setEnabled(False)
        self.library_status.setText(f"Checking {model.file} against its sha256…")
        self._manager.verify(model.id)

    def _on_verified(self, result: VerifyResult) -> None:
        self._update_library_buttons()
        if result.ok:
            self.library_status.setText(
                f"✓ {result.model.file} is intact: its sha256 matches the one recorded at install."
            )
        else:
            self.library_status.setText(f"✗ {result.model.file} failed verification.")
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
        if confirm(self, "Remove model", text, action):
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
        path = choose_gguf_file(self)
        if not path:
            return
        mode = ask_import_mode(self, path)
        if mode is None:
            return
        self.import_button.setEnabled(False)
        self.have_file_button.setEnabled(False)
        self.library_status.setText(f"Checking {Path(path).name}…")
        self._manager.import_file(path, in_place=mode == "in_place")

    def _on_import_progress(self, done: int, total: int) -> None:
        percent = int(100 * done / total) if total else 100
        self.library_status.setText(f"Importing… {percent}% ({human_bytes(done)})")

    def _on_imported(self, model: InstalledModel) -> None:
        self.import_button.setEnabled(True)
        self.have_file_button.setEnabled(True)
        self.sections.setCurrentWidget(self.installed_page)
        self.statusMessage.emit(f"Imported {model.name} ({model.quant}).")
        self._load_when_installed = model.id
        if self.found_view is not None and model.in_place:
            self.found_status.setText(f"{model.name} is in the library, used where it is.")

    # ------------------------------------------------------------ models of other apps
    def find_other_apps(self) -> None:
        """Look through the other apps' folders, off the GUI thread."""
        self._looked_for_found = True
        self.find_button.setEnabled(False)
        self.found_status.setText("Looking in the folders of other apps…")
        self._manager.find_other_apps()

    def _on_found(self, discovery: Discovery) -> None:
        self.find_button.setEnabled(True)
        self.found_view = discovery
        self._render_found()
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
        self.found_status.setText(text)
        self._refresh_card()

    def _render_found(self) -> None:
        discovery = self.found_view
        if discovery is None:
            return
        self.found_buttons.clear()
        table = self.found_table
        table.setRowCount(len(discovery.found))
        for number, found in enumerate(discovery.found):
            about = f"{found.repo}/{found.file}" if found.repo and found.file else found.name
            table.setItem(number, 0, _item(found.source))
            table.setItem(number, 1, _item(found.name, tooltip=about, data=found.path))
            table.setItem(number, 2, _item(human_bytes(found.size_bytes), right=True))
            table.setItem(number, 3, _item(found.path))
            button = QPushButton("Use in place")
            button.setToolTip("Check the file and add it to the library without copying it")
            button.clicked.connect(lambda _=False, f=found: self.use_found(f))
            self.found_buttons[found.path] = button
            table.setCellWidget(number, 4, _buttons(button))
        self._refresh_found_buttons()

    def _refresh_found_buttons(self) -> None:
        """ "In the library" for files the library has, else "Use in place"."""
        discovery = self.found_view
        if discovery is None:
            return
        view = self.library_view
        installed = {os.path.realpath(m.path) for m in view.models} if view else set()
        for found in discovery.found:
            button = self.found_buttons.get(found.path)
            if button is None:
                continue
            inside = os.path.realpath(found.path) in installed
            button.setText("In the library" if inside else "Use in place")
            button.setEnabled(not inside)

    def use_found(self, found: FoundModel) -> None:
        button = self.found_buttons.get(found.path)
        if button is not None:
            button.setEnabled(False)
            button.setText("Checking…")
        self.found_status.setText(f"Checking {found.name}…")
        self._manager.use_found(found)

    # ------------------------------------------------------------ per-model defaults
    def library_model(self, path: str) -> InstalledModel | None:
        """The library's entry for the model file at ``path``, if it has one."""
        view = self.library_view
        if view is None:  # at start, before the library was read in the background
            return self._manager.library.resolve(path)
        wanted = os.path.realpath(path)
        return next((m for m in view.models if os.path.realpath(m.path) == wanted), None)

    # ------------------------------------------------------------ errors and states
    def _on_failed(self, action: str, message: str, code: str) -> None:
        if action == "catalog":
            self.catalog_note.setText(message)
            self.card_text.setText(message)
            return
        if action == "search":
            self.search_button.setEnabled(True)
            self.search_status.setText("The search did not work.")
        elif action == "files":
            self.files_title.setText("The files could not be listed.")
        elif action == "import":
            self.import_button.setEnabled(True)
            self.have_file_button.setEnabled(True)
            self.library_status.setText("Nothing was imported.")
        elif action == "use_found":
            self._refresh_found_buttons()
            self.found_status.setText("That model was not added.")
        elif action == "discover":
            self.find_button.setEnabled(True)
            self.found_status.setText("The search for models from other apps did not work.")
        elif action in ("remove", "verify"):
            self._update_library_buttons()
        elif action == "token":
            self.gated_label.setText("The token was not saved.")
        if code == "offline":
            self._set_offline(message)
            if action == "search":
                self.search_status.setText("Offline: the Hub cannot be searched right now.")
            return
        if code == "gated":
            if action == "files":
                self._gated_repo = self._files_repo
            self._show_gated(message)
            return
        messages.error(self, message)

    def _set_offline(self, message: str | None) -> None:
        self.offline = message is not None
        if message is None:
            self.offline_banner.hide()
            return
        self.offline_banner.setText(f"<b>Offline</b> — {message}")
        self.offline_banner.show()

    def _show_gated(self, message: str) -> None:
        self.gated_label.setText(message)
        self.gated_bar.show()
