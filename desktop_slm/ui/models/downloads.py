"""Downloads: a row per download, offers to resume what a previous run left, Download buttons."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop_slm.engine.hardware import human_bytes
from desktop_slm.models.catalog import CatalogEntry
from desktop_slm.models.download import DownloadProgress, JobState
from desktop_slm.models.formatting import describe_progress
from desktop_slm.models.partials import PartialDownload
from desktop_slm.ui import messages, theme
from desktop_slm.ui.bridge.models import (
    Action,
    CatalogView,
    Failure,
    LibraryView,
    ModelManagerBridge,
)
from desktop_slm.ui.models import dialogs
from desktop_slm.ui.models.banners import gated_sentence
from desktop_slm.ui.models.common import show_failure

AskToken = Callable[[str, str, Callable[[], None]], None]
"""``(message, key, retry)``: show why a Hub token is needed; ``retry`` once one is saved."""

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


def accept_license(parent: QWidget, entry: CatalogEntry) -> bool:
    """Show a restrictive licence before its model is downloaded; True if the user accepts."""
    return dialogs.confirm(
        parent,
        f"The licence of {entry.display_name}",
        f"{entry.display_name} is released under the “{entry.license}” licence, which is "
        "not an open licence: it limits how you may use the model and what it writes. "
        f"Read it on huggingface.co/{entry.repo} before you accept.\n\n"
        "Download it under these terms?",
        "Accept and download",
    )


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
            f"<b>{progress.filename}</b> "
            f"<span style='color:{theme.colours().muted}'>from {progress.repo}</span>"
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
        if failed:
            theme.tone(self.detail, "error")
        else:
            self.detail.setProperty("tone", None)
        self.detail.style().polish(self.detail)  # a changed property restyles only so
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


class DownloadsPanel(QFrame):
    """The downloads of this session (a row each) and the offers to resume older ones.

    The rows sit at the bottom of the tab (this frame, hidden while empty); the offers
    in :attr:`offers`, which the tab puts at the top. The pages start downloads with
    :meth:`download` and label their Download buttons with :meth:`label_button` whenever
    :attr:`statesChanged` says a download or the library changed.
    """

    statesChanged = Signal()
    statusMessage = Signal(str)

    def __init__(self, manager: ModelManagerBridge, ask_token: AskToken) -> None:
        super().__init__()
        self.setObjectName("downloads")
        self._manager = manager
        self._ask_token = ask_token
        self._installed: set[tuple[str | None, str | None]] = set()
        self._catalog: dict[str, CatalogEntry] = {}  # lower-case repo -> entry
        self.rows: dict[int, DownloadRow] = {}
        self.resume_offers: list[ResumeOffer] = []

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 4, 0, 0)
        column.addWidget(QLabel("<b>Downloads</b> — they continue while you write in other tabs."))
        inner = QWidget()
        self._rows_layout = QVBoxLayout(inner)
        self._rows_layout.setContentsMargins(0, 0, 0, 0)
        self._rows_layout.setSpacing(4)
        self._rows_layout.addStretch(1)
        self._scroll = QScrollArea()
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setWidget(inner)
        self._scroll.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        column.addWidget(self._scroll)
        self.hide()

        self.offers = QWidget()
        self.offers.setObjectName("resumeOffers")
        self._offers_layout = QVBoxLayout(self.offers)
        self._offers_layout.setContentsMargins(0, 0, 0, 0)
        self._offers_layout.setSpacing(4)

        manager.downloadProgress.connect(self._on_progress)
        manager.partialsFound.connect(self._on_partials)
        manager.libraryChanged.connect(self._on_library)
        manager.catalogLoaded.connect(self._on_catalog)
        manager.failed.connect(self._on_failed)

    # ------------------------------------------------------------ for the pages
    def download(self, repo: str, filename: str, entry: CatalogEntry | None = None) -> bool:
        """Queue a download; a catalog model under a restrictive licence is confirmed first.

        ``entry`` is the catalog's model when the caller has it; otherwise the loaded
        catalog is asked for ``repo``. False if the user declined the licence.
        """
        entry = entry or self._catalog.get(repo.lower())
        if entry is not None and not entry.open_license and not accept_license(self, entry):
            self.statusMessage.emit(f"{filename} was not downloaded.")
            return False
        self._manager.download(repo, filename)
        self.statusMessage.emit(f"Downloading {filename}…")
        return True

    def label_button(self, button: QPushButton, repo: str, filename: str) -> None:
        """Download, Downloading…, Paused or Installed, for the file ``filename`` of ``repo``."""
        state = self._job_state(repo, filename)
        if (repo, filename) in self._installed:
            text, enabled = "Installed", False
        elif state in ACTIVE_JOB_STATES:
            text, enabled = "Downloading…", False
        elif state is JobState.PAUSED:
            text, enabled = "Paused", False
        else:
            text, enabled = "Download", True
        button.setText(text)
        button.setEnabled(enabled)

    def _job_state(self, repo: str, filename: str) -> JobState | None:
        states = [
            r.state
            for r in self.rows.values()
            if (r.progress.repo, r.progress.filename) == (repo, filename)
        ]
        return states[-1] if states else None

    def _on_catalog(self, view: CatalogView) -> None:
        self._catalog = {row.entry.repo.lower(): row.entry for row in view.rows}

    def _on_library(self, view: LibraryView) -> None:
        self._installed = {(m.repo, m.file) for m in view.models}
        self.statesChanged.emit()

    # ------------------------------------------------------------ rows
    def _on_progress(self, p: DownloadProgress) -> None:
        row = self.rows.get(p.job_id)
        previous = row.state if row is not None else None
        if row is None:
            self._clear_older_rows(p)
            row = DownloadRow(p, self._manager)
            row.cleared.connect(self._clear_row)
            self.rows[p.job_id] = row
            self._rows_layout.insertWidget(self._rows_layout.count() - 1, row)
            self._fit()
        else:
            row.update_progress(p)
        if p.state is previous:
            return
        if p.state is JobState.DONE:
            self.statusMessage.emit(f"{p.filename} is installed and verified.")
        elif p.state is JobState.FAILED:
            self._download_failed(p)
        self.statesChanged.emit()

    def _clear_older_rows(self, p: DownloadProgress) -> None:
        """A new download of a file replaces its finished or failed rows and its resume offer.

        It continues the same partial file, so nothing is lost.
        """
        for offer in list(self.resume_offers):
            if (offer.partial.remote.repo, offer.partial.remote.filename) == (p.repo, p.filename):
                self._drop_offer(offer)
        for job_id, row in list(self.rows.items()):
            same = (row.progress.repo, row.progress.filename) == (p.repo, p.filename)
            if same and row.state in (JobState.DONE, JobState.FAILED, JobState.CANCELLED):
                self._clear_row(job_id)

    def _download_failed(self, p: DownloadProgress) -> None:
        message = p.message or f"The download of {p.filename} failed."
        if p.error_code == "gated":
            job_id = p.job_id
            self._ask_token(
                gated_sentence(p.repo),
                f"download {job_id}",
                lambda: self._manager.resume(job_id),
            )
        elif p.error_code != "offline":  # the offline banner says it
            messages.error(self, message)

    def _clear_row(self, job_id: int) -> None:
        row = self.rows.pop(job_id, None)
        if row is not None:
            row.hide()
            row.deleteLater()
        self._fit()

    def _fit(self) -> None:
        """Show up to about two and a half downloads; more scroll."""
        rows = list(self.rows.values())
        self.setVisible(bool(rows))
        if rows:
            spacing = self._rows_layout.spacing()
            height = sum(r.sizeHint().height() + spacing for r in rows[:3])
            if len(rows) > 2:
                height -= rows[2].sizeHint().height() // 2
            self._scroll.setFixedHeight(height)

    # ------------------------------------------------------------ offers
    def _on_partials(self, partials: tuple[PartialDownload, ...]) -> None:
        offered = {o.partial.part_path for o in self.resume_offers}
        for partial in partials:
            if partial.part_path in offered:
                continue
            offer = ResumeOffer(partial, self._resume_offer, self._discard_offer)
            self.resume_offers.append(offer)
            self._offers_layout.addWidget(offer)
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

    def _on_failed(self, failure: Failure) -> None:
        if failure.action is Action.DISCARD:
            show_failure(self, failure)
