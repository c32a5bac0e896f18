"""The Catalog page: the curated models, how well each fits and runs here, Files… and Download."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QLabel, QPushButton, QTableWidgetItem, QVBoxLayout, QWidget

from desktop_slm.engine.hardware import human_bytes
from desktop_slm.models.fit import speed_label
from desktop_slm.models.formatting import context_label
from desktop_slm.ui.bridge.models import (
    Action,
    CatalogRow,
    CatalogView,
    Failure,
    ModelManagerBridge,
)
from desktop_slm.ui.models.common import (
    buttons,
    fit_colour,
    item,
    row_data,
    table,
    warning_colour,
)
from desktop_slm.ui.models.downloads import DownloadsPanel

NEWER_ENGINE = "Needs a newer engine"
NEWER_ENGINE_TIP = (
    "This app's llama.cpp cannot load '{architecture}' models yet. Update Desktop SLM "
    "to use this model."
)


class CatalogPage(QWidget):
    """A row per catalog entry; ``show_files`` opens a repository's files on the Hub page."""

    def __init__(
        self,
        manager: ModelManagerBridge,
        downloads: DownloadsPanel,
        *,
        show_files: Callable[[str], None],
    ) -> None:
        super().__init__()
        self._downloads = downloads
        self._show_files = show_files
        self.view: CatalogView | None = None
        self.download_buttons: dict[str, QPushButton] = {}  # entry id -> its Download
        layout = QVBoxLayout(self)
        self.note = QLabel("Reading the catalog…")
        self.note.setObjectName("catalogNote")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.table = table(
            "catalogTable",
            [
                "Model",
                "Parameters",
                "License",
                "Languages",
                "Good at",
                "Context",
                "Fit here",
                "Speed here",
                "",
            ],
            spoken="Catalog of models",
        )
        self.table.itemDoubleClicked.connect(self._double_clicked)
        layout.addWidget(self.table, 1)
        manager.catalogLoaded.connect(self._on_catalog)
        manager.failed.connect(self._on_failed)
        downloads.statesChanged.connect(self._label_buttons)

    def _on_catalog(self, view: CatalogView) -> None:
        self.view = view
        self.download_buttons.clear()
        self.table.setRowCount(len(view.rows))
        recommended = view.recommended.id if view.recommended else None
        for number, row in enumerate(view.rows):
            self._show_entry(number, row, star=row.entry.id == recommended)
            self._show_fit(number, row)
        memory = human_bytes(view.memory.available)
        self.note.setText(
            f"Fit labels are for a context of {view.n_ctx:,} tokens (Preferences) with "
            f"{memory} of memory available now. Exact file sizes and checksums come from "
            "the Hub when you open an entry or download it. Speeds are what this computer's "
            "memory speed and cores allow for writing (reading a long text is faster). ⚠ marks "
            "licenses that are not open: read their terms before use."
        )
        self._label_buttons()

    def _show_entry(self, number: int, row: CatalogRow, *, star: bool) -> None:
        e = row.entry
        notes = e.notes
        if e.thinks_by_default:
            notes += " Thinks before answering by default: the writing tools turn it off."
        name = ("★ " if star else "") + e.display_name
        self.table.setItem(
            number, 0, item(name, tooltip=f"{e.repo}\n{notes}", bold=star, data=e.id)
        )
        self.table.setItem(number, 1, item(e.parameters_label, right=True))
        if e.open_license:
            license_cell = item(e.license)
        else:
            license_cell = item(
                f"⚠ {e.license}",
                tooltip=f"{e.license}: read its terms before use; it restricts some uses.",
                colour=warning_colour(),
            )
        self.table.setItem(number, 2, license_cell)
        languages = ", ".join(e.languages[:5]) + (
            f" +{len(e.languages) - 5}" if len(e.languages) > 5 else ""
        )
        self.table.setItem(number, 3, item(languages, tooltip=", ".join(e.languages)))
        self.table.setItem(number, 4, item(", ".join(e.strengths)))
        context = context_label(e.trained_context)
        tooltip = f"{e.trained_context:,} tokens"
        self.table.setItem(number, 5, item(context, tooltip=tooltip, right=True))
        files = QPushButton("Files…")
        files.setToolTip("List the quantized files on the Hub with sizes and fit")
        files.clicked.connect(lambda _=False, repo=e.repo: self._show_files(repo))
        get = QPushButton("Download")
        if row.engine_supported:
            get.setToolTip(f"{e.preferred_file} ({e.preferred_quant})")
            get.clicked.connect(
                lambda _=False, entry=e: self._downloads.download(entry.repo, entry.preferred_file)
            )
            self.download_buttons[e.id] = get
        else:  # never offered for one click: the engine could not load the file
            get.setEnabled(False)
            get.setToolTip(NEWER_ENGINE_TIP.format(architecture=e.architecture))
        self.table.setCellWidget(number, 8, buttons(files, get))

    def _show_fit(self, number: int, row: CatalogRow) -> None:
        if not row.engine_supported:
            tip = NEWER_ENGINE_TIP.format(architecture=row.entry.architecture)
            fit = item(NEWER_ENGINE, tooltip=tip, colour=warning_colour())
            self.table.setItem(number, 6, fit)
            self.table.setItem(number, 7, item(""))
            return
        self.table.setItem(number, 6, item(str(row.fit), colour=fit_colour(row.fit)))
        speed = speed_label(row.tokens_per_second)
        tip = "Expected writing speed on this computer, from its memory speed and cores"
        self.table.setItem(number, 7, item(speed, tooltip=tip, right=True))

    def _label_buttons(self) -> None:
        if self.view is None:
            return
        for row in self.view.rows:
            button = self.download_buttons.get(row.entry.id)
            if button is not None:
                self._downloads.label_button(button, row.entry.repo, row.entry.preferred_file)

    def _double_clicked(self, cell: QTableWidgetItem) -> None:
        entry_id = row_data(self.table, cell.row())
        if self.view is not None:
            for row in self.view.rows:
                if row.entry.id == entry_id:
                    self._show_files(row.entry.repo)

    def _on_failed(self, failure: Failure) -> None:
        if failure.action is Action.CATALOG:  # shown here and on the card, not in a dialog
            self.note.setText(failure.message)
