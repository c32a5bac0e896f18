"""The welcome page: a first launch with no model, led to one in a click.

It is built before the window's first paint, so it imports only Qt and light modules at
the top; the model manager's (psutil among them) are imported once it is attached.

It is a tab of its own, first in the window and in front, while no model is open: the
writing tabs (and their drafts) stay one click away, and the window removes the page as
soon as a model is loaded, whichever way it came. It offers the catalog's recommendation
for this computer and the user's language (name, size, licence, expected speed, one
Download button), "I already have a .gguf file…", and the models other apps keep on this
computer, each usable at once. It owns no model logic: it asks the Models tab's parts
(the download queue and its Download labels, the import, "use in place", the Hub token
bar), so the Models tab shows the same state.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_slm import APP_DISPLAY_NAME
from desktop_slm.languages import LANGUAGES
from desktop_slm.ui import theme

if TYPE_CHECKING:
    from desktop_slm.models.catalog import CatalogEntry, Recommendation
    from desktop_slm.models.discover import Discovery, FoundModel
    from desktop_slm.models.download import DownloadProgress
    from desktop_slm.ui.bridge.models import (
        Failure,
        LibraryView,
        ModelManagerBridge,
        RecommendationView,
    )
    from desktop_slm.ui.models import ModelsTab

FOUND_SHOWN = 5
"""Models of other apps listed here; the Models tab's Found page lists them all."""


def speed_text(tokens_per_second: float | None) -> str:
    """The expected writing speed in words (a token is about three quarters of a word)."""
    if tokens_per_second is None:
        return "speed here not known yet"
    words = tokens_per_second * 0.75
    if words < 1:
        return "writes less than a word a second here"
    return f"writes about {words:.0f} word{'s' if round(words) != 1 else ''} a second here"


class WelcomePage(QWidget):
    """The first tab of a window opened without a model.

    Built before the first paint with labels only; :meth:`attach` connects it to the
    model manager and the Models tab after the paint.
    """

    showModels = Signal()  # the user asked for the Models tab

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcomePage")
        self._tab: ModelsTab | None = None
        self.entry: CatalogEntry | None = None
        self.view: RecommendationView | None = None
        self.found: tuple[FoundModel, ...] = ()
        self.use_buttons: dict[str, QPushButton] = {}  # path -> Use
        self._installed: set[str] = set()  # real paths of the library's files

        title = QLabel(f"<h2>Welcome to {APP_DISPLAY_NAME}</h2>")
        intro = QLabel(
            "Write emails, reports, translations and summaries with a language model "
            "that runs on this computer: nothing you type leaves it. To start, get a model."
        )
        intro.setWordWrap(True)

        self.recommendation = QLabel("Reading the catalog…")
        self.recommendation.setObjectName("welcomeRecommendation")
        self.recommendation.setWordWrap(True)
        self.recommendation.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.recommendation.linkActivated.connect(lambda _link: self.showModels.emit())
        self.download_button = QPushButton("Download")
        self.download_button.setObjectName("welcomeDownload")
        self.download_button.setEnabled(False)
        self.download_button.clicked.connect(self.download)
        self.progress = QProgressBar()
        self.progress.setObjectName("welcomeProgress")
        self.progress.setAccessibleName("Download of the recommended model")
        self.progress.setRange(0, 1000)
        self.progress.hide()
        self.progress_text = QLabel()
        self.progress_text.setObjectName("welcomeProgressText")
        self.progress_text.setWordWrap(True)
        self.progress_text.hide()
        self.gated = QLabel()
        self.gated.setObjectName("welcomeGated")
        self.gated.setWordWrap(True)
        self.token_button = QPushButton("Add Hub token…")
        self.token_button.setObjectName("welcomeToken")
        self.token_button.clicked.connect(self.add_token)
        gated_row = QHBoxLayout()
        gated_row.addWidget(self.gated, 1)
        gated_row.addWidget(self.token_button)
        self.gated.hide()
        self.token_button.hide()

        card = QFrame()
        theme.banner(card, "success")
        card_layout = QVBoxLayout(card)
        card_layout.addWidget(QLabel("<b>Recommended for this computer</b>"))
        row = QHBoxLayout()
        row.addWidget(self.recommendation, 1)
        row.addWidget(self.download_button, 0, Qt.AlignmentFlag.AlignTop)
        card_layout.addLayout(row)
        card_layout.addWidget(self.progress)
        card_layout.addWidget(self.progress_text)
        card_layout.addLayout(gated_row)

        self.have_file_button = QPushButton("I already have a .gguf file…")
        self.have_file_button.setObjectName("welcomeHaveFile")
        self.have_file_button.setToolTip("Check a model file from this computer and use it")
        self.have_file_button.setEnabled(False)
        self.have_file_button.clicked.connect(self.import_model)

        self.found_status = QLabel("Looking for models other apps keep on this computer…")
        self.found_status.setObjectName("welcomeFoundStatus")
        self.found_status.setWordWrap(True)
        self._found_grid = QGridLayout()
        self._found_grid.setColumnStretch(1, 1)

        more = QLabel(
            "Every model, and a search of the Hugging Face Hub, is in the "
            "<a href='models'>Models tab</a>. The writing tabs keep your drafts meanwhile; "
            "this page goes away once a model is open."
        )
        more.setWordWrap(True)
        more.linkActivated.connect(lambda _link: self.showModels.emit())

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addWidget(card)
        have = QHBoxLayout()
        have.addWidget(self.have_file_button)
        have.addStretch(1)
        layout.addLayout(have)
        layout.addWidget(QLabel("<b>Found on this computer</b>"))
        layout.addWidget(self.found_status)
        layout.addLayout(self._found_grid)
        layout.addWidget(more)
        layout.addStretch(1)

    # ------------------------------------------------------------ wiring
    def attach(
        self, manager: ModelManagerBridge, models: ModelsTab, languages: tuple[str, ...]
    ) -> None:
        """Use the Models tab's parts; ask for the recommendation for ``languages`` (the
        user's, :func:`desktop_slm.models.user_languages.user_languages`) and for the
        other apps' models."""
        self._tab = models
        manager.recommended.connect(self._on_recommendation)
        manager.modelsFound.connect(self._on_found)
        manager.libraryChanged.connect(self._on_library)
        manager.downloadProgress.connect(self._on_progress)
        manager.failed.connect(self._on_failed)
        models.downloads.statesChanged.connect(self._label_download)
        models.installed.importing.connect(self._on_importing)
        self.have_file_button.setEnabled(True)
        manager.recommend(languages)
        models.found.find_other_apps()  # shown there too, searched once

    # Slots are bound methods, never lambdas: Qt drops them with the page when it leaves.
    def _on_importing(self, importing: bool) -> None:
        self.have_file_button.setEnabled(not importing)

    # ------------------------------------------------------------ actions
    def download(self) -> None:
        if self._tab is None or self.entry is None:
            return
        self.gated.hide()
        self.token_button.hide()
        self._tab.downloads.download(self.entry.repo, self.entry.preferred_file, self.entry)
        self._label_download()

    def import_model(self) -> None:
        """A file dialog, then checked and imported as the Models tab's Import… does."""
        if self._tab is not None:
            self._tab.installed.import_model()

    def use_found(self, found: FoundModel) -> None:
        if self._tab is None:
            return
        button = self.use_buttons.get(found.path)
        if button is not None:
            button.setEnabled(False)
            button.setText("Checking…")
        self._tab.found.use_found(found)

    def add_token(self) -> None:
        """The Models tab's token bar asks, saves, and retries the download that was refused."""
        if self._tab is not None:
            self._tab.gated_bar.add_token()

    # ------------------------------------------------------------ the recommendation
    def _on_recommendation(self, view: RecommendationView) -> None:
        from desktop_slm.engine.hardware import human_bytes

        self.view = view
        pick: Recommendation | None = view.recommendation
        if pick is None:
            self.entry = None
            self.download_button.hide()
            self.recommendation.setText(
                "None of the catalog's models runs well on this computer for "
                f"{_language_names(view.languages)} with the memory free now "
                f"({human_bytes(view.memory.available)}). Close other programs, or choose "
                "a smaller model in the <a href='models'>Models tab</a>."
            )
            return
        entry = self.entry = pick.entry
        license_text = (
            f"{entry.license} (an open licence)"
            if entry.open_license
            else f"{entry.license} (not an open licence: you read and accept it first)"
        )
        self.recommendation.setText(
            f"<b>{entry.display_name}</b> · {entry.parameters_label} parameters · "
            f"{human_bytes(entry.expected_size_bytes)} · licence {license_text} · "
            f"{speed_text(pick.tokens_per_second)}<br>{pick.reason}"
        )
        self.download_button.show()
        self._label_download()

    def _label_download(self) -> None:
        if self._tab is not None and self.entry is not None:
            self._tab.downloads.label_button(
                self.download_button, self.entry.repo, self.entry.preferred_file
            )

    def _on_progress(self, p: DownloadProgress) -> None:
        from desktop_slm.models.download import JobState
        from desktop_slm.models.formatting import describe_progress
        from desktop_slm.ui.models.banners import gated_sentence

        entry = self.entry
        if entry is None or (p.repo, p.filename) != (entry.repo, entry.preferred_file):
            return
        self.progress.show()
        self.progress_text.show()
        if p.state is JobState.DONE:
            self.progress.setValue(1000)
        elif p.total:
            self.progress.setValue(round(1000 * p.done / p.total))
        done = " Opening it…" if p.state is JobState.DONE else ""
        self.progress_text.setText(describe_progress(p) + done)
        gated = p.state is JobState.FAILED and p.error_code == "gated"
        if gated:
            self.gated.setText(gated_sentence(p.repo))
        self.gated.setVisible(gated)
        self.token_button.setVisible(gated)

    # ------------------------------------------------------------ models of other apps
    def _on_library(self, view: LibraryView) -> None:
        self._installed = {os.path.realpath(m.path) for m in view.models}
        self._label_found()

    def _on_found(self, discovery: Discovery) -> None:
        from desktop_slm.engine.hardware import human_bytes

        self.found = discovery.found
        while self._found_grid.count():
            taken = self._found_grid.takeAt(0)
            widget = taken.widget() if taken is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self.use_buttons.clear()
        for number, found in enumerate(discovery.found[:FOUND_SHOWN]):
            name = QLabel(f"<b>{found.name}</b>")
            name.setToolTip(found.path)
            about = QLabel(f"{found.source} · {human_bytes(found.size_bytes)}")
            theme.tone(about, "muted")
            button = QPushButton("Use")
            button.setAccessibleName(f"Use {found.name}")
            button.setToolTip("Check the file and use it where it is, without copying it")
            button.clicked.connect(lambda _=False, f=found: self.use_found(f))
            self.use_buttons[found.path] = button
            for column, widget in enumerate((name, about, button)):
                self._found_grid.addWidget(widget, number, column)
                widget.show()  # at once, not on a later turn of the loop
        count = len(discovery.found)
        if not count:
            text = "No models of other apps (LM Studio, GPT4All, Ollama, Hugging Face) were found."
        elif count > FOUND_SHOWN:
            text = (
                f"{count} models of other apps can be used where they are; the first "
                f"{FOUND_SHOWN} are below, all of them in the Models tab."
            )
        else:
            text = "Models of other apps, used where they are without copying them:"
        self.found_status.setText(text)
        self._label_found()

    def _label_found(self) -> None:
        from desktop_slm.ui.models.found import label_use_buttons

        label_use_buttons(self.use_buttons, self._installed, "Use")

    def _on_failed(self, failure: Failure) -> None:
        from desktop_slm.ui.bridge.models import Action

        if failure.action is Action.CATALOG:
            self.recommendation.setText(failure.message)
            self.download_button.hide()
        elif failure.action is Action.USE_FOUND:
            self._label_found()  # the Found page says why, once
        elif failure.action is Action.DISCOVER:
            self.found_status.setText("The search for models of other apps did not work.")


def _language_names(codes: tuple[str, ...]) -> str:
    names = {lang.code: lang.name for lang in LANGUAGES}
    return " and ".join(names.get(code, code) for code in codes) or "your language"
