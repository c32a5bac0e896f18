"""The Email tab: notes in, a streamed email out."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop_slm.config import Settings
from desktop_slm.engine.protocol import Completion, SamplingOptions
from desktop_slm.tools import email
from desktop_slm.ui.bridge import EngineBridge

LANGUAGES = (
    "English",
    "German",
    "French",
    "Spanish",
    "Italian",
    "Portuguese",
    "Dutch",
    "Polish",
    "Swedish",
    "Danish",
    "Norwegian",
    "Finnish",
    "Czech",
    "Turkish",
    "Russian",
    "Ukrainian",
    "Greek",
    "Japanese",
    "Chinese",
    "Korean",
    "Arabic",
    "Hindi",
)


class EmailTab(QWidget):
    """Write an email from notes. Generate: Ctrl+Enter. Stop: Esc."""

    statusMessage = Signal(str)

    def __init__(
        self, bridge: EngineBridge, settings: Settings, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._settings = settings
        self._generating = False
        self._tokens = 0

        self.notes = QPlainTextEdit()
        self.notes.setObjectName("emailNotes")
        self.notes.setPlaceholderText(
            "Notes for the email, e.g.\n- thank Anna for the quick review\n"
            "- the release moves to Friday\n- ask if the demo at 10:00 still works"
        )
        self.tone = QComboBox()
        self.tone.addItems(list(email.TONES))
        self.tone.setCurrentText(settings.email_tone)
        self.length = QComboBox()
        self.length.addItems(list(email.LENGTHS))
        self.length.setCurrentText(settings.email_length)
        self.language = QComboBox()
        self.language.setEditable(True)
        self.language.addItems(list(LANGUAGES))
        self.language.setCurrentText(settings.email_language)
        self.recipient = QLineEdit()
        self.recipient.setPlaceholderText("optional, e.g. my manager")
        self.sign_off = QLineEdit()
        self.sign_off.setPlaceholderText("optional, e.g. Sam")

        options = QFormLayout()
        options.addRow("Tone", self.tone)
        options.addRow("Length", self.length)
        options.addRow("Language", self.language)
        options.addRow("Recipient", self.recipient)
        options.addRow("Sign as", self.sign_off)

        self.generate_button = QPushButton("Generate")
        self.generate_button.setObjectName("generateButton")
        self.generate_button.setToolTip("Write the email (Ctrl+Enter)")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("stopButton")
        self.stop_button.setToolTip("Stop writing (Esc)")
        self.stop_button.setEnabled(False)
        self.hint = QLabel()
        self.hint.setObjectName("generateHint")
        self.hint.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.generate_button)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.hint, 1)

        self.output = QPlainTextEdit()
        self.output.setObjectName("emailOutput")
        self.output.setPlaceholderText("The email appears here. You can edit it.")
        self.error = QLabel()
        self.error.setObjectName("inlineError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        self.error.hide()
        self.stats = QLabel()
        self.stats.setObjectName("generationStats")

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel("Notes"))
        left_layout.addWidget(self.notes, 1)
        left_layout.addLayout(options)
        left_layout.addLayout(buttons)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(QLabel("Email"))
        right_layout.addWidget(self.output, 1)
        right_layout.addWidget(self.error)
        right_layout.addWidget(self.stats)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.generate)
        stop = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        stop.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        stop.activated.connect(self.stop)

        self.generate_button.clicked.connect(self.generate)
        self.stop_button.clicked.connect(self.stop)
        self.notes.textChanged.connect(self.update_controls)
        bridge.token.connect(self._on_token)
        bridge.throughput.connect(self._on_throughput)
        bridge.generationFinished.connect(self._on_finished)
        bridge.generationFailed.connect(self._on_failed)
        # Bound methods, not lambdas: Qt drops these connections when the tab is deleted.
        bridge.modelLoaded.connect(self._on_engine_changed)
        bridge.modelFailed.connect(self._on_engine_changed)
        bridge.stateChanged.connect(self._on_engine_changed)
        bridge.busyChanged.connect(self._on_engine_changed)
        self.update_controls()

    # ------------------------------------------------------------ state
    def update_controls(self) -> None:
        model = self._bridge.active_model
        if self._generating:
            hint = "Writing… press Esc to stop."
        elif model is None:
            hint = "Open a model first (File > Open model…)."
        elif not self.notes.toPlainText().strip():
            hint = "Write a few notes, then press Ctrl+Enter."
        elif model.info.is_base_model:
            hint = "Base model: not instruction-tuned, so drafts will be rough."
        else:
            hint = "Press Ctrl+Enter to write the email."
        ready = (
            not self._generating
            and model is not None
            and bool(self.notes.toPlainText().strip())
            and not self._bridge.is_busy()
        )
        self.generate_button.setEnabled(ready)
        self.stop_button.setEnabled(self._generating)
        self.hint.setText(hint)

    def _on_engine_changed(self, _what: object) -> None:
        self.update_controls()

    def request(self) -> email.EmailRequest:
        return email.EmailRequest(
            notes=self.notes.toPlainText(),
            tone=self.tone.currentText(),
            length=self.length.currentText(),
            language=self.language.currentText(),
            recipient=self.recipient.text(),
            sign_off=self.sign_off.text(),
        )

    # ------------------------------------------------------------ actions
    def generate(self) -> None:
        if self._generating or not self.generate_button.isEnabled():
            return
        try:
            prompt = email.build(self.request())
        except email.EmailOptionError as exc:
            self._show_error(str(exc))
            return
        options = SamplingOptions(
            max_tokens=min(self._settings.max_tokens, prompt.suggested_max_tokens)
            if self._settings.max_tokens
            else prompt.suggested_max_tokens,
            temperature=self._settings.temperature,
        )
        self._settings.email_tone = self.tone.currentText()
        self._settings.email_length = self.length.currentText()
        self._settings.email_language = self.language.currentText()
        if not self._bridge.generate(prompt, options):
            self._show_error("The model is busy; try again in a moment.")
            return
        self.error.hide()
        self.output.clear()
        self.stats.setText("Starting…")
        self._tokens = 0
        self._generating = True
        self.update_controls()

    def stop(self) -> None:
        if self._generating:
            self._bridge.stop()

    # ------------------------------------------------------------ engine events
    def _on_token(self, text: str) -> None:
        if not self._generating:
            return
        self._tokens += 1
        cursor = self.output.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(text)
        if self._tokens == 1:
            self.stats.setText("Writing…")

    def _on_throughput(self, rate: float) -> None:
        if self._generating:
            self.stats.setText(
                f"{_words(self.output.toPlainText())} words · "
                f"{self._tokens} tokens · {rate:.1f} tokens/s"
            )

    def _on_finished(self, result: Completion) -> None:
        if not self._generating:
            return
        self._generating = False
        words = _words(self.output.toPlainText())
        rate = result.timings.tokens_per_s
        text = f"{words} words · {result.completion_tokens} tokens · {rate:.1f} tokens/s"
        if result.cancelled:
            text = f"Stopped. {text}"
        elif result.finish_reason == "length":
            text = f"{text} · reached the length limit"
        self.stats.setText(text)
        self.update_controls()

    def _on_failed(self, message: str) -> None:
        if not self._generating:
            return
        self._generating = False
        self._show_error(message)
        self.stats.setText("")
        self.update_controls()

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        self.statusMessage.emit(message)


def _words(text: str) -> int:
    return len(text.split())
