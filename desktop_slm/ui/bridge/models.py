"""The model manager (catalog, Hub, downloads, library) adapted to Qt signals."""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal, SignalInstance

from desktop_slm.config import AppPaths
from desktop_slm.engine import hardware
from desktop_slm.models import discover, hub
from desktop_slm.models.catalog import CatalogEntry, Recommendation, load_catalog, recommend
from desktop_slm.models.discover import FoundModel
from desktop_slm.models.download import DownloadProgress, DownloadRequest, JobState
from desktop_slm.models.download_queue import DownloadQueue
from desktop_slm.models.fit import Fit, Memory, measured_bandwidth
from desktop_slm.models.leftovers import Leftover, delete_leftover, find_leftovers
from desktop_slm.models.library import InstalledModel, ModelLibrary
from desktop_slm.models.partials import PartialDownload, discard_partial, partial_downloads
from desktop_slm.models.selection import ModelSelection
from desktop_slm.ui.bridge.background import Background

log = logging.getLogger(__name__)


class Action(enum.Enum):
    """What the model manager was doing when it failed; one part of the Models tab owns each."""

    CATALOG = "catalog"  # the recommendation card and the Catalog page
    LIBRARY = "library"  # the Installed page
    IMPORT = "import"
    REMOVE = "remove"
    VERIFY = "verify"
    SEARCH = "search"  # the Hub page
    FILES = "files"
    TOKEN = "token"  # the bar that asks for a Hub token
    DISCARD = "discard"  # the downloads panel: a partial download
    DISCOVER = "discover"  # the Found page
    USE_FOUND = "use_found"
    ADD_LEFTOVERS = "add_leftovers"  # the leftovers notice
    CLEAN = "clean"


@dataclass(frozen=True)
class Failure:
    """A model manager call that did not work: ``message`` is for people, ``code`` for code."""

    action: Action
    message: str
    code: str
    """The core's error code, e.g. ``offline`` or ``gated``; ``bug`` for an unexpected error."""


@dataclass(frozen=True)
class CatalogRow:
    """One curated model and how well it fits this computer at the chosen context."""

    entry: CatalogEntry
    fit: Fit
    tokens_per_second: float | None = None
    """Expected writing speed here; None where it cannot be estimated."""
    engine_supported: bool = True
    """False: the bundled llama.cpp cannot load it ("Needs a newer engine")."""


@dataclass(frozen=True)
class CatalogView:
    rows: tuple[CatalogRow, ...]
    recommended: CatalogEntry | None
    n_ctx: int
    """The context size the fit labels were computed for."""
    memory: Memory
    recommendation: Recommendation | None = None
    """Why ``recommended`` is the pick (:func:`desktop_slm.models.catalog.recommend`)."""


@dataclass(frozen=True)
class RecommendationView:
    """The model to start with on this computer for the user's languages (the welcome page)."""

    recommendation: Recommendation | None
    languages: tuple[str, ...]
    memory: Memory


@dataclass(frozen=True)
class LibraryView:
    """The installed models as the Models tab shows them."""

    models: tuple[InstalledModel, ...]
    active_id: str | None
    total_bytes: int
    notice: str | None = None


class ModelManagerBridge(QObject):
    """The model manager (catalog, Hub, downloads, library) adapted to Qt signals.

    Every core call blocks, so each runs on a Python thread; downloads run on the
    :class:`DownloadQueue`'s own thread. Results come back as signals carrying plain
    data (the core's frozen dataclasses). A failure arrives as ``failed(Failure)``: its
    :class:`Action` says which part of the tab handles it. Nothing touches the
    network until :meth:`search`, :meth:`list_files` or a download is asked for, and
    nothing is emitted once :meth:`shutdown` has begun.
    """

    catalogLoaded = Signal(object)  # CatalogView
    recommended = Signal(object)  # RecommendationView
    libraryChanged = Signal(object)  # LibraryView
    partialsFound = Signal(object)  # tuple[PartialDownload, ...]
    leftoversFound = Signal(object)  # tuple[Leftover, ...] in the models folder
    searchFinished = Signal(str, object)  # query, tuple[HubModel, ...]
    filesListed = Signal(object)  # RepoFiles
    downloadProgress = Signal(object)  # DownloadProgress
    importProgress = Signal(int, int)  # bytes done, total
    imported = Signal(object)  # InstalledModel
    removed = Signal(object)  # InstalledModel
    verified = Signal(object)  # VerifyResult
    tokenSaved = Signal(bool)  # True: stored, False: forgotten
    modelsFound = Signal(object)  # Discovery: models other apps keep
    failed = Signal(object)  # Failure

    def __init__(self, paths: AppPaths | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._library = ModelLibrary(paths)
        self._selection = ModelSelection(self._library.paths)
        self._queue: DownloadQueue | None = None
        self._queue_lock = threading.Lock()
        self._closing = False
        self._background = Background(self)

    @property
    def library(self) -> ModelLibrary:
        return self._library

    # ------------------------------------------------------------- reading (local only)
    def load_overview(self, n_ctx: int | None, languages: tuple[str, ...] = ()) -> None:
        """The catalog with fit labels, the library, and downloads a previous run left."""

        def work() -> None:
            self._emit(self.libraryChanged, self._library_view())
            self._emit(self.partialsFound, tuple(partial_downloads(self._library.paths)))
            self._emit_leftovers()
            self._emit(self.catalogLoaded, self._catalog_view(n_ctx, languages))

        self._spawn(Action.CATALOG, work)

    def recommend(self, languages: tuple[str, ...]) -> None:
        """The catalog's recommendation for this computer and ``languages`` (local only).

        A catalog that cannot be read fails as :attr:`Action.CATALOG`, said where the
        catalog would be shown, like :meth:`load_overview`'s.
        """

        def work() -> None:
            memory = Memory.detect()
            pick = recommend(
                load_catalog(),
                memory=memory,
                physical_cores=hardware.physical_cores(),
                languages=languages or None,
                bandwidth=measured_bandwidth(self._library.paths),
            )
            self._emit(self.recommended, RecommendationView(pick, languages, memory))

        self._spawn(Action.CATALOG, work)

    def refresh_catalog(self, n_ctx: int | None, languages: tuple[str, ...] = ()) -> None:
        """The catalog's fit labels and pick again, e.g. for a new context size."""
        self._spawn(
            Action.CATALOG,
            lambda: self._emit(self.catalogLoaded, self._catalog_view(n_ctx, languages)),
        )

    def _catalog_view(self, n_ctx: int | None, languages: tuple[str, ...]) -> CatalogView:
        catalog = load_catalog()
        memory = Memory.detect()
        ctx = n_ctx or hardware.DEFAULT_CONTEXT
        bandwidth = measured_bandwidth(self._library.paths)
        cores = hardware.physical_cores()
        rows = tuple(
            CatalogRow(
                e,
                e.fit(n_ctx=ctx, memory=memory),
                e.tokens_per_second(bandwidth=bandwidth, cores=cores),
                e.engine_supported,  # reads the engine's library: here, off the GUI thread
            )
            for e in catalog.entries
        )
        pick = recommend(
            catalog,
            memory=memory,
            physical_cores=cores,
            languages=languages or None,
            bandwidth=bandwidth,
            n_ctx=ctx,
        )
        return CatalogView(rows, pick.entry if pick else None, ctx, memory, pick)

    def refresh_library(self) -> None:
        self._spawn(Action.LIBRARY, lambda: self._emit(self.libraryChanged, self._library_view()))

    def _library_view(self) -> LibraryView:
        models = tuple(self._library.models())
        notice, self._library.notice = self._library.notice, None
        active = next((m.id for m in models if self._selection.is_active(m.path)), None)
        return LibraryView(models, active, self._library.total_bytes(), notice)

    # ------------------------------------------------------------- the Hub (network)
    def search(self, query: str) -> None:
        def work() -> None:
            found = hub.HubClient().search(query)
            self._emit(self.searchFinished, query, tuple(found))

        self._spawn(Action.SEARCH, work)

    def list_files(self, repo: str, n_ctx: int | None = None) -> None:
        self._spawn(
            Action.FILES,
            lambda: self._emit(self.filesListed, hub.HubClient().list_files(repo, n_ctx=n_ctx)),
        )

    def save_token(self, token: str | None) -> None:
        """Store the Hub token in the OS keyring (never in settings); None forgets it."""

        def work() -> None:
            hub.set_token(token)
            self._emit(self.tokenSaved, bool(token))

        self._spawn(Action.TOKEN, work)

    # ------------------------------------------------------------- downloads
    def _downloads(self) -> DownloadQueue | None:
        """The queue, started with the first download; None once shutting down."""
        with self._queue_lock:
            if self._queue is None and not self._closing:
                self._queue = DownloadQueue(self._library, on_progress=self._on_progress)
            return self._queue

    def download(self, repo: str, filename: str) -> None:
        """Queue a download (the job already fetching this file goes on instead)."""
        if queue := self._downloads():
            queue.add(DownloadRequest(repo, filename))

    def resume_partial(self, partial: PartialDownload) -> None:
        if queue := self._downloads():
            queue.add(DownloadRequest.from_partial(partial))

    def discard_partial(self, partial: PartialDownload) -> None:
        self._spawn(Action.DISCARD, lambda: discard_partial(partial.part_path))

    def pause(self, job_id: int) -> None:
        if queue := self._downloads():
            queue.pause(job_id)

    def resume(self, job_id: int) -> None:
        if queue := self._downloads():
            queue.resume(job_id)

    def cancel(self, job_id: int) -> None:
        if queue := self._downloads():
            queue.cancel(job_id)

    def _on_progress(self, progress: DownloadProgress) -> None:
        """On the queue's thread."""
        self._emit(self.downloadProgress, progress)
        if progress.state is JobState.DONE:
            self._emit(self.libraryChanged, self._library_view())

    # ------------------------------------------------------------- the library
    def import_file(self, path: str, *, in_place: bool) -> None:
        def work() -> None:
            model = self._library.import_file(
                path,
                in_place=in_place,
                on_progress=lambda done, total: self._emit(self.importProgress, done, total),
            )
            self._emit(self.imported, model)
            self._emit(self.libraryChanged, self._library_view())

        self._spawn(Action.IMPORT, work)

    def _emit_leftovers(self) -> None:
        # Partial downloads are offered for resuming by partialsFound already.
        self._emit(self.leftoversFound, tuple(find_leftovers(self._library, downloads=False)))

    def add_leftovers(self, leftovers: tuple[Leftover, ...]) -> None:
        """Check and record the unlisted model files where they are (no copy)."""

        def work() -> None:
            try:
                for leftover in leftovers:
                    if leftover.can_add:
                        self._library.import_file(leftover.path)
            finally:
                self._emit(self.libraryChanged, self._library_view())
                self._emit_leftovers()

        self._spawn(Action.ADD_LEFTOVERS, work)

    def delete_leftovers(self, leftovers: tuple[Leftover, ...]) -> None:
        def work() -> None:
            try:
                for leftover in leftovers:
                    delete_leftover(self._library, leftover.path)
            finally:
                self._emit_leftovers()

        self._spawn(Action.CLEAN, work)

    def find_other_apps(self) -> None:
        """Look for the GGUF models other apps keep (local folders only, time-limited)."""

        def work() -> None:
            paths = [m.path for m in self._library.models()]
            self._emit(self.modelsFound, discover.find_models(installed_paths=paths))

        self._spawn(Action.DISCOVER, work)

    def use_found(self, found: FoundModel) -> None:
        """Add a model another app keeps to the library, where it is (checked first)."""

        def work() -> None:
            model = self._library.import_file(
                found.path,
                in_place=True,
                on_progress=lambda done, total: self._emit(self.importProgress, done, total),
                # Ollama's file is "sha256-…": its own name is the one people know.
                name=found.name if found.source == discover.OLLAMA else None,
                repo=found.repo,
                file=found.file,
            )
            self._emit(self.imported, model)
            self._emit(self.libraryChanged, self._library_view())

        self._spawn(Action.USE_FOUND, work)

    def remove(self, model_id: str) -> None:
        def work() -> None:
            model = self._library.remove(model_id)
            self._emit(self.removed, model)
            self._emit(self.libraryChanged, self._library_view())

        self._spawn(Action.REMOVE, work)

    def verify(self, model_id: str) -> None:
        self._spawn(
            Action.VERIFY, lambda: self._emit(self.verified, self._library.verify(model_id))
        )

    # ------------------------------------------------------------- plumbing
    def _spawn(self, action: Action, work: Callable[[], None]) -> None:
        self._background.start(
            work,
            name=f"models-{action.value}",
            what_failed="Something went wrong in the model manager",
            failed=lambda failure: self._emit(
                self.failed, Failure(action, failure.message, failure.code)
            ),
        )

    def _emit(self, signal: SignalInstance, *args: object) -> None:
        self._background.relay(signal, *args)

    def shutdown(self) -> None:
        """Pause the running download (its part is kept and offered next time); stop."""
        self._background.close()
        with self._queue_lock:
            self._closing = True
            queue, self._queue = self._queue, None
        if queue is not None:
            queue.close()
