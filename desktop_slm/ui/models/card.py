"""The card at the top of the Models tab: the one model to download for this computer."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from desktop_slm.engine.hardware import human_bytes
from desktop_slm.models.discover import Discovery
from desktop_slm.ui.bridge.models import (
    Action,
    CatalogView,
    Failure,
    LibraryView,
    ModelManagerBridge,
)
from desktop_slm.ui.models.common import banner, fit_colour
from desktop_slm.ui.models.downloads import DownloadsPanel


class RecommendedCard(QFrame):
    """The catalog's pick for this computer with one Download button.

    With nothing installed it is the welcome page: it also offers to import a .gguf the
    user has (``import_model``) and points to models other apps keep (``show_found``).
    """

    def __init__(
        self,
        manager: ModelManagerBridge,
        downloads: DownloadsPanel,
        *,
        import_model: Callable[[], None],
        show_found: Callable[[], None],
    ) -> None:
        super().__init__()
        banner(self, "recommendedCard", "success")
        self._downloads = downloads
        self.catalog: CatalogView | None = None
        self._library: LibraryView | None = None
        self._found: Discovery | None = None
        self.title = QLabel("<b>Recommended for this computer</b>")
        self.title.setObjectName("recommendedTitle")
        self.text = QLabel("Reading the catalog…")
        self.text.setObjectName("recommendedText")
        self.text.setWordWrap(True)
        self.download_button = QPushButton("Download")
        self.download_button.setObjectName("recommendedDownload")
        self.download_button.setEnabled(False)
        self.download_button.clicked.connect(self.download)
        self.have_file_button = QPushButton("I already have a .gguf file…")
        self.have_file_button.clicked.connect(import_model)
        self.found_hint = QLabel()
        self.found_hint.setObjectName("foundHint")
        self.found_hint.setWordWrap(True)
        self.found_hint.linkActivated.connect(lambda _link: show_found())
        self.found_hint.hide()
        text = QVBoxLayout()
        text.addWidget(self.title)
        text.addWidget(self.text)
        text.addWidget(self.found_hint)
        buttons = QVBoxLayout()
        buttons.addWidget(self.download_button)
        buttons.addWidget(self.have_file_button)
        buttons.addStretch(1)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 8, 10, 8)
        row.addLayout(text, 1)
        row.addLayout(buttons)

        manager.catalogLoaded.connect(self._on_catalog)
        manager.libraryChanged.connect(self._on_library)
        manager.modelsFound.connect(self._on_found)
        manager.failed.connect(self._on_failed)
        downloads.statesChanged.connect(self._label_button)

    def set_importing(self, importing: bool) -> None:
        """While a file is imported, a second import cannot start."""
        self.have_file_button.setEnabled(not importing)

    def download(self) -> None:
        if self.catalog is not None and self.catalog.recommended is not None:
            entry = self.catalog.recommended
            self._downloads.download(entry.repo, entry.preferred_file)

    def _on_catalog(self, view: CatalogView) -> None:
        self.catalog = view
        self._refresh()

    def _on_library(self, view: LibraryView) -> None:
        self._library = view
        self._refresh()

    def _on_found(self, discovery: Discovery) -> None:
        self._found = discovery
        self._refresh()

    def _on_failed(self, failure: Failure) -> None:
        if failure.action is Action.CATALOG:  # the Catalog page says it too; no dialog
            self.text.setText(failure.message)

    def _label_button(self) -> None:
        if self.catalog is not None and self.catalog.recommended is not None:
            e = self.catalog.recommended
            self._downloads.label_button(self.download_button, e.repo, e.preferred_file)

    def _refresh(self) -> None:
        view = self.catalog
        welcome = self._library is not None and not self._library.models
        self.have_file_button.setVisible(welcome)
        usable = [f for f in self._found.found if not f.installed] if self._found else []
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
        self.title.setText(f"<b>{title}</b>")
        if view is None:
            return
        entry = view.recommended
        if entry is None:
            self.text.setText(
                "None of the catalog's models runs well with the memory free now "
                f"({human_bytes(view.memory.available)}). Close other programs, choose a "
                "smaller context in Preferences, or search the Hub for a smaller model."
            )
            self.download_button.hide()
            return
        fit = next((r.fit for r in view.rows if r.entry.id == entry.id), entry.fit())
        license_text = (
            entry.license if entry.open_license else f"{entry.license} (not an open license)"
        )
        lead = (
            "One click downloads it and checks it; then write your first email. " if welcome else ""
        )
        self.text.setText(
            f"<b>{entry.display_name}</b> · {entry.parameters_label} parameters · {license_text} · "
            f"about {human_bytes(entry.expected_size_bytes)} · "
            f"<span style='color:{fit_colour(fit)}'>{fit}</span><br>"
            f"{lead}Good at {', '.join(entry.strengths)}. {entry.notes}"
        )
        self.download_button.show()
        self._label_button()
