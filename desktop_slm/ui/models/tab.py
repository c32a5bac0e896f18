"""The Models tab: composes the card, the four pages, the banners and the downloads panel.

Everything slow (files, hashing, the network) runs in :class:`ModelManagerBridge`; the
parts only show its signals. Opening the tab reads the catalog, the library and the
partial downloads on disk; the Hub is contacted only when the user searches, opens a
repository's files or downloads.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from desktop_slm.config import Settings
from desktop_slm.models.library import InstalledModel
from desktop_slm.models.selection import ModelSelection
from desktop_slm.models.user_languages import user_languages
from desktop_slm.ui.bridge.engine import EngineBridge
from desktop_slm.ui.bridge.models import LibraryView, ModelManagerBridge
from desktop_slm.ui.models.banners import GatedBar, OfflineBanner
from desktop_slm.ui.models.card import RecommendedCard
from desktop_slm.ui.models.catalog import CatalogPage
from desktop_slm.ui.models.downloads import DownloadsPanel
from desktop_slm.ui.models.found import FoundPage
from desktop_slm.ui.models.hub import HubPage
from desktop_slm.ui.models.installed import InstalledPage
from desktop_slm.ui.models.leftovers import LeftoversNotice
from desktop_slm.ui.models.server import ServerPage


class ModelsTab(QWidget):
    """Find, download, import, verify, remove and switch models."""

    installedChanged = Signal(int)  # number of installed models
    statusMessage = Signal(str)
    notice = Signal(str)  # a one-time message, e.g. a damaged library file was rebuilt
    serverModelChosen = Signal(str)  # a model of the server in use, to switch to

    def __init__(
        self,
        engine: EngineBridge,
        manager: ModelManagerBridge,
        settings: Settings,
        selection: ModelSelection,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.offline_banner = OfflineBanner(manager)
        self.gated_bar = GatedBar(manager)
        self.leftovers = LeftoversNotice(manager)
        self.downloads = DownloadsPanel(manager, ask_token=self.gated_bar.ask)
        self.installed = InstalledPage(engine, manager, settings, selection)
        self.catalog = CatalogPage(manager, self.downloads, show_files=self.show_files)
        self.hub = HubPage(manager, self.downloads, settings, ask_token=self.gated_bar.ask)
        self.found = FoundPage(manager)
        self.server = ServerPage(busy=engine.is_busy, parent=self)
        self.server.hide()  # a page of its own while a server is the engine
        self.server.modelChosen.connect(self.serverModelChosen)
        self.card = RecommendedCard(
            manager,
            self.downloads,
            import_model=self.installed.import_model,
            show_found=lambda: self.sections.setCurrentWidget(self.found),
        )
        self.installed.importing.connect(self.card.set_importing)

        self.sections = QTabWidget()
        self.sections.setObjectName("modelSections")
        self.sections.setDocumentMode(True)
        self.sections.addTab(self.installed, "Installed")
        self.sections.addTab(self.catalog, "Catalog")
        self.sections.addTab(self.hub, "Search the Hub")
        self.sections.addTab(self.found, "Found on this computer")

        layout = QVBoxLayout(self)
        for notice in (self.offline_banner, self.gated_bar, self.downloads.offers, self.leftovers):
            layout.addWidget(notice)
        layout.addWidget(self.card)
        layout.addWidget(self.sections, 1)
        layout.addWidget(self.downloads)

        for part in (self.installed, self.downloads):
            part.statusMessage.connect(self.statusMessage)
        manager.libraryChanged.connect(self._on_library)
        # A new model is shown where it is listed.
        manager.imported.connect(lambda _model: self.sections.setCurrentWidget(self.installed))
        self._manager = manager
        self._settings = settings
        # Local files only: the catalog, library.json and partial downloads.
        manager.load_overview(settings.n_ctx, user_languages(settings))

    def show_server(self, url: str | None, current: str | None = None) -> None:
        """A server is the engine (``url``, with its model ``current``): its models come
        first, in their own page; None: this computer is the engine, the page goes."""
        index = self.sections.indexOf(self.server)
        if url is None or current is None:
            if index >= 0:
                self.sections.removeTab(index)
            return
        if index < 0:
            self.sections.insertTab(0, self.server, "On the server")
        self.server.show_server(url, current)
        self.sections.setCurrentWidget(self.server)

    def settings_changed(self) -> None:
        """Fit labels, speeds and the pick again, for the context size and languages now set."""
        self._manager.refresh_catalog(self._settings.n_ctx, user_languages(self._settings))

    def show_files(self, repo: str) -> None:
        """List ``repo``'s GGUF files (a Hub request) on the Hub page."""
        self.sections.setCurrentWidget(self.hub)
        self.hub.show_files(repo)

    def library_model(self, path: str) -> InstalledModel | None:
        """The library's entry for the model file at ``path``, if it has one."""
        return self.installed.library_model(path)

    def _on_library(self, view: LibraryView) -> None:
        if view.notice:
            self.notice.emit(view.notice)
        self.installedChanged.emit(len(view.models))
