"""The Translate tab: source and translation side by side, paragraph by paragraph."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton

from desktop_slm.languages import LANGUAGES, Detection, detect_language, find_language
from desktop_slm.tools import translate
from desktop_slm.tools.jobs import JobResult
from desktop_slm.ui import theme
from desktop_slm.ui.bridge.background import Background
from desktop_slm.ui.tool.input_panel import replace_text
from desktop_slm.ui.tool.spec import (
    Finished,
    FormState,
    OutputInfo,
    Run,
    RunMode,
    TextForm,
    ToolSpec,
    set_combo_data,
    state_text,
)
from desktop_slm.ui.tool.tab import ToolTab

FORMALITY_LABELS = {
    "default": "As the text suggests",
    "formal": "Formal (vous, Sie, usted)",
    "informal": "Informal (tu, du, tú)",
}
DETECT_DELAY_MS = 600


def describe_detection(detection: Detection | None) -> str:
    """The "Detected: French" line and how sure the detector is, for the label under the source."""
    if detection is None:
        return "Detected: nothing to go on yet"
    if detection.language is None:
        return (
            f"Detected: a language not in the list ({detection.code}); choose the source "
            "language yourself"
        )
    if detection.reliable:
        return f"Detected: {detection.language.name}"
    return f"Detected: perhaps {detection.language.name} (not sure; the model is not told)"


TRANSLATE = ToolSpec(
    tab_id="translate",
    output_kind="translation",
    input_title="Source text",
    input_placeholder=(
        "Paste the text to translate, or open or drop a document. Paragraphs, lists and "
        "Markdown are kept."
    ),
    output_title="Translation",
    output_placeholder="The translation appears here, paragraph by paragraph.",
    empty_hint="Paste a text to translate, then press Ctrl+Enter.",
    ready_hint="Press Ctrl+Enter to translate.",
    running_hint="Translating… press Esc to stop (done paragraphs are kept).",
    save_name="translation.docx",
)


class TranslateForm(TextForm):
    """Translate text, keeping its layout. Generate: Ctrl+Enter. Stop: Esc."""

    def __init__(self, tab: ToolTab[TranslateForm]) -> None:
        super().__init__(tab)
        self._background = Background(tab)
        self._detection: Detection | None = None
        self._detect_serial = 0
        self.source = QComboBox()
        self.source.setObjectName("translateSource")
        self.source.setAccessibleName("Translate from")
        self.source.addItem("Detect automatically", translate.AUTO)
        self.target = QComboBox()
        self.target.setObjectName("translateTarget")
        self.target.setAccessibleName("Translate to")
        for language in LANGUAGES:
            label = (
                language.name
                if language.native == language.name
                else f"{language.name} — {language.native}"
            )
            self.source.addItem(label, language.code)
            self.target.addItem(label, language.code)
        set_combo_data(self.target, "en")
        self.swap_button = QPushButton("⇄ Swap")
        self.swap_button.setObjectName("translateSwap")
        self.swap_button.setToolTip("Swap the languages (and put the translation in as source)")
        self.detected = QLabel()
        self.detected.setObjectName("translateDetected")
        theme.tone(self.detected, "muted")
        self.formality = QComboBox()
        self.formality.setObjectName("translateFormality")
        for key in translate.FORMALITIES:
            self.formality.addItem(FORMALITY_LABELS.get(key, key), key)

        self._detect_timer = QTimer(tab)
        self._detect_timer.setSingleShot(True)
        self._detect_timer.setInterval(DETECT_DELAY_MS)
        self._detect_timer.timeout.connect(self.detect_now)
        tab.watch(
            self.source.currentIndexChanged,
            self.target.currentIndexChanged,
            self.formality.currentIndexChanged,
        )
        self.source.currentIndexChanged.connect(lambda _index: self._show_detection())
        self.input.textChanged.connect(self._detect_timer.start)
        self.swap_button.clicked.connect(self.swap)

        languages = QHBoxLayout()
        languages.addWidget(self.source, 1)
        languages.addWidget(self.swap_button)
        languages.addWidget(self.target, 1)
        tab.options.addRow("From / to", languages)
        tab.options.addRow("", self.detected)
        tab.options.addRow("Formality", self.formality)
        self._show_detection()

    # ------------------------------------------------------------ detection
    def detect_now(self) -> None:
        """Run the language detector on the source text, off the GUI thread."""
        self._detect_timer.stop()
        text = self.input.toPlainText()
        self._detect_serial += 1
        serial = self._detect_serial
        if not text.strip():
            self._detected_result(serial, None)
            return
        self._background.start(
            lambda: detect_language(text),
            name="detect-language",
            what_failed="Detecting the language failed",
            done=lambda detection: self._detected_result(serial, detection),
            failed=lambda _failure: self._detected_result(serial, None),
        )

    def _detected_result(self, serial: int, detection: Detection | None) -> None:
        if serial != self._detect_serial:
            return  # the text changed again meanwhile
        self._detection = detection
        self._show_detection()

    def _show_detection(self) -> None:
        auto = self.source.currentData() == translate.AUTO
        text = self.input.toPlainText().strip()
        self.detected.setVisible(auto and bool(text))
        if auto and text:
            message = describe_detection(self._detection)
            detected = self._detection
            target = self.target.currentData()
            if detected is not None and detected.reliable and detected.code == target:
                message += " — the same as the target; choose another target language"
            self.detected.setText(message)

    @property
    def detection(self) -> Detection | None:
        return self._detection

    # ------------------------------------------------------------ the request
    def request(self) -> translate.TranslateRequest:
        return translate.TranslateRequest(
            text=self.input.toPlainText(),
            target=str(self.target.currentData()),
            source=str(self.source.currentData()),
            formality=str(self.formality.currentData()),
        )

    def run(self, *, again: bool) -> Run:
        """Generate and Regenerate both translate the source text as it is."""
        request = self.request()
        request.check()
        return Run(
            lambda limits: translate.job(request, limits),
            too_long_text=request.text,
            request=request,
        )

    def finish(self, mode: RunMode, result: JobResult) -> Finished:
        blocks = result.detail.get("blocks")
        done = result.detail.get("blocks_done")
        note = ""
        if isinstance(blocks, int) and isinstance(done, int) and blocks > 1:
            note += f" · {done} of {blocks} paragraphs translated"
        name = result.detail.get("source_name")
        if isinstance(name, str) and name and self.source.currentData() == translate.AUTO:
            note += f" · from {name}"
        return Finished(result.text, note)

    def output_info(self) -> OutputInfo:
        return OutputInfo(language=find_language(str(self.target.currentData())).name)

    def swap(self) -> None:
        """Target becomes source and source target; the translation becomes the source text."""
        if self._tab.running:
            return
        source = self.source.currentData()
        if source == translate.AUTO:
            detected = self._detection
            if detected is None or not detected.reliable or detected.language is None:
                self._tab.show_error(
                    "The source language is not known yet, so it cannot become the target. "
                    "Choose the source language, then swap."
                )
                return
            source = detected.language.code
        target = self.target.currentData()
        set_combo_data(self.target, source)
        set_combo_data(self.source, target)
        translation = self._tab.output_text()
        if translation.strip():
            replace_text(self.input, translation)
            self._tab.set_output_text("")
        self._tab.error.hide()

    # ------------------------------------------------------------ drafts
    def state(self) -> FormState:
        options = {
            "source": self.source.currentData(),
            "target": self.target.currentData(),
            "formality": self.formality.currentData(),
        }
        return FormState({"input": self.input.toPlainText()}, options)

    def restore(self, state: FormState) -> None:
        set_combo_data(self.source, state.options.get("source"))
        set_combo_data(self.target, state.options.get("target"))
        set_combo_data(self.formality, state.options.get("formality"))
        self.input.setPlainText(state_text(state.inputs, "input"))
