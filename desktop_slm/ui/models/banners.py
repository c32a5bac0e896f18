"""The notices at the top of the Models tab: offline, and a gated repository's Hub token."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

from desktop_slm.models.download import DownloadProgress, JobState
from desktop_slm.ui import theme
from desktop_slm.ui.bridge.models import Action, Failure, ModelManagerBridge
from desktop_slm.ui.models import dialogs
from desktop_slm.ui.models.common import banner, show_failure


def gated_sentence(repo: str) -> str:
    """The one sentence a gated download gets in the window: accept the licence, add a token.

    (A token withheld from a plain-http ``HF_ENDPOINT`` is another failure,
    ``token_withheld``: a new token would not help there.)
    """
    return (
        f"{repo} is gated: accept its licence on huggingface.co/{repo} while signed in, "
        "then add your Hub access token with “Add Hub token…” and the download goes on."
    )


class OfflineBanner(QLabel):
    """Shown while the Hub cannot be reached, hidden as soon as it answers again.

    It listens for itself: any failure or failed download with the code ``offline``
    shows it, a search result, a file listing or a running download hides it.
    """

    def __init__(self, manager: ModelManagerBridge) -> None:
        super().__init__()
        self.setObjectName("offlineBanner")
        self.setWordWrap(True)
        theme.banner(self, "danger")
        self.hide()
        manager.failed.connect(self._on_failed)
        manager.searchFinished.connect(lambda *_: self.say(None))
        manager.filesListed.connect(lambda *_: self.say(None))
        manager.downloadProgress.connect(self._on_progress)

    def say(self, message: str | None) -> None:
        """Show ``message`` as the reason the Hub cannot be reached; None hides the banner."""
        if message is None:
            self.hide()
            return
        self.setText(f"<b>Offline</b> — {message}")
        self.show()

    def _on_failed(self, failure: Failure) -> None:
        if failure.code == "offline":
            self.say(failure.message)

    def _on_progress(self, p: DownloadProgress) -> None:
        if p.state is JobState.DOWNLOADING:
            self.say(None)
        elif p.state is JobState.FAILED and p.error_code == "offline":
            self.say(p.message or f"The download of {p.filename} failed.")


class GatedBar(QFrame):
    """A gated repository needs a Hub token: says so, asks for one, then retries what failed."""

    def __init__(self, manager: ModelManagerBridge) -> None:
        super().__init__()
        banner(self, "gatedBar", "notice")
        self._manager = manager
        self._retries: dict[str, Callable[[], None]] = {}
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.token_button = QPushButton("Add Hub token…")
        self.token_button.clicked.connect(self.add_token)
        close = QPushButton("Dismiss")
        close.clicked.connect(self.hide)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(self.label, 1)
        row.addWidget(self.token_button)
        row.addWidget(close)
        self.hide()
        manager.tokenSaved.connect(self._on_token_saved)
        manager.failed.connect(self._on_failed)

    def ask(self, message: str, key: str, retry: Callable[[], None]) -> None:
        """Show why a token is needed; ``retry`` runs once a token is saved (one per ``key``)."""
        self._retries[key] = retry
        self.label.setText(message)
        self.show()

    def add_token(self) -> None:
        token = dialogs.ask_token(self)
        if token:
            self.label.setText("Saving your Hub token in the system keyring…")
            self._manager.save_token(token)

    def _on_token_saved(self, stored: bool) -> None:
        if not stored:
            return
        self.label.setText(
            "Your Hub token is saved in the system keyring. Retrying; if the Hub still "
            "refuses, accept the model's terms on its Hub page first."
        )
        retries, self._retries = self._retries, {}
        for retry in retries.values():
            retry()

    def _on_failed(self, failure: Failure) -> None:
        if failure.action is Action.TOKEN:
            self.label.setText("The token was not saved.")
            show_failure(self, failure)
