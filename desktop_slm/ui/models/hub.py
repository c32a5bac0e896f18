"""The Search the Hub page: GGUF repositories on the Hugging Face Hub and their files."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_slm.config import Settings
from desktop_slm.engine.hardware import human_bytes
from desktop_slm.models.formatting import file_set_notes
from desktop_slm.models.hub import GgufFileSet, HubModel, RepoFiles
from desktop_slm.ui.bridge.models import Action, Failure, ModelManagerBridge
from desktop_slm.ui.models.common import (
    buttons,
    fit_colour,
    item,
    row_data,
    show_failure,
    table,
    warning_colour,
)
from desktop_slm.ui.models.downloads import AskToken, DownloadsPanel


class HubPage(QWidget):
    """Search, a repository's files with sizes, fit and checksums, and Download.

    Nothing is sent to the Hub until the user searches, opens a repository or downloads.
    A gated repository's files are listed again once ``ask_token`` got a token.
    """

    def __init__(
        self,
        manager: ModelManagerBridge,
        downloads: DownloadsPanel,
        settings: Settings,
        *,
        ask_token: AskToken,
    ) -> None:
        super().__init__()
        self._manager = manager
        self._downloads = downloads
        self._settings = settings
        self._ask_token = ask_token
        self._files_repo: str | None = None
        self._file_sets: dict[str, GgufFileSet] = {}
        self.result_buttons: dict[str, QPushButton] = {}  # repo -> its Files…
        self.file_buttons: dict[str, QPushButton] = {}  # file set -> its Download

        layout = QVBoxLayout(self)
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
        self.results_table = table(
            "hubResults",
            ["Repository", "Downloads", "Likes", "Access", ""],
            spoken="Hub search results",
        )
        self.results_table.itemDoubleClicked.connect(self._result_double_clicked)
        layout.addWidget(self.results_table, 1)
        self.files_title = QLabel("Open a repository to see its model files.")
        self.files_title.setObjectName("filesTitle")
        self.files_title.setWordWrap(True)
        layout.addWidget(self.files_title)
        self.files_table = table(
            "hubFiles",
            ["File", "Quantization", "Size", "Fit here", "Note", ""],
            spoken="Model files in the repository",
        )
        layout.addWidget(self.files_table, 1)

        manager.searchFinished.connect(self._on_search_results)
        manager.filesListed.connect(self._on_files)
        manager.failed.connect(self._on_failed)
        downloads.statesChanged.connect(self._label_buttons)

    # ------------------------------------------------------------ search
    def search(self) -> None:
        query = self.search_edit.text().strip()
        self.search_button.setEnabled(False)
        self.search_status.setText(f"Searching the Hub for “{query}”…" if query else "Searching…")
        self._manager.search(query)

    def _on_search_results(self, query: str, results: tuple[HubModel, ...]) -> None:
        self.search_button.setEnabled(True)
        what = f"“{query}”" if query else "GGUF models"
        self.search_status.setText(
            f"{len(results)} repositories with GGUF files match {what}, most downloaded first. "
            "Open one to see its files."
            if results
            else f"No GGUF repository matches {what}."
        )
        self.result_buttons.clear()
        self.results_table.setRowCount(len(results))
        for number, model in enumerate(results):
            self.results_table.setItem(number, 0, item(model.repo, data=model.repo))
            self.results_table.setItem(number, 1, item(f"{model.downloads:,}", right=True))
            self.results_table.setItem(number, 2, item(f"{model.likes:,}", right=True))
            access = "Gated: needs a Hub token" if model.gated else "Public"
            colour = warning_colour() if model.gated else None
            self.results_table.setItem(number, 3, item(access, colour=colour))
            button = QPushButton("Files…")
            button.clicked.connect(lambda _=False, repo=model.repo: self.show_files(repo))
            self.result_buttons[model.repo] = button
            self.results_table.setCellWidget(number, 4, buttons(button))

    def _result_double_clicked(self, cell: QTableWidgetItem) -> None:
        repo = row_data(self.results_table, cell.row())
        if isinstance(repo, str):
            self.show_files(repo)

    # ------------------------------------------------------------ a repository's files
    def show_files(self, repo: str) -> None:
        """List ``repo``'s GGUF files (a Hub request)."""
        self._files_repo = repo
        self.files_table.setRowCount(0)
        self.file_buttons.clear()
        self.files_title.setText(f"Asking the Hub for the files of {repo}…")
        self._manager.list_files(repo, self._settings.n_ctx)

    def _on_files(self, listing: RepoFiles) -> None:
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
        self.files_table.setRowCount(len(sets))
        for number, s in enumerate(sets):
            recommended = s.name == listing.recommended
            note = "; ".join(file_set_notes(s, listing.recommended))
            checksums = "\n".join(f"{f.path}: sha256 {f.sha256 or 'none'}" for f in s.files)
            name = item(s.name, tooltip=checksums, data=s.name, bold=recommended)
            self.files_table.setItem(number, 0, name)
            self.files_table.setItem(number, 1, item(s.quant or "?"))
            self.files_table.setItem(number, 2, item(human_bytes(s.size), right=True))
            self.files_table.setItem(number, 3, item(str(s.fit), colour=fit_colour(s.fit)))
            self.files_table.setItem(number, 4, item(note[:1].upper() + note[1:]))
            button = QPushButton("Download")
            # A split set is offered like any file; the downloader refuses it with its reason.
            button.clicked.connect(
                lambda _=False, repo=s.repo, name=s.files[0].path: self._downloads.download(
                    repo, name
                )
            )
            self.file_buttons[s.name] = button
            self.files_table.setCellWidget(number, 5, buttons(button))
        self._label_buttons()

    def _label_buttons(self) -> None:
        for name, button in self.file_buttons.items():
            s = self._file_sets.get(name)
            if s is not None:
                self._downloads.label_button(button, s.repo, s.files[0].path)

    def _relist(self, repo: str) -> None:
        """After a token was saved: the gated repository's files, if they are still wanted."""
        if repo == self._files_repo:
            self.show_files(repo)

    # ------------------------------------------------------------ failures
    def _on_failed(self, failure: Failure) -> None:
        if failure.action is Action.SEARCH:
            self.search_button.setEnabled(True)
            if failure.code == "offline":
                self.search_status.setText("Offline: the Hub cannot be searched right now.")
            else:
                self.search_status.setText("The search did not work.")
        elif failure.action is Action.FILES:
            self.files_title.setText("The files could not be listed.")
        else:
            return
        if failure.code != "gated":
            show_failure(self, failure)
        elif failure.action is Action.FILES and (repo := self._files_repo) is not None:
            self._ask_token(failure.message, "files", lambda: self._relist(repo))
        else:
            self._ask_token(failure.message, "search", self.search)
