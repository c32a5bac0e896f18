"""The Summarize tab: a text or document of any length, summarized chunk by chunk if needed."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLineEdit

from desktop_slm.languages import LANGUAGES
from desktop_slm.tools import summarize
from desktop_slm.tools.jobs import JobResult
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

SUMMARIZE = ToolSpec(
    tab_id="summarize",
    output_kind="summary",
    input_title="Text to summarize",
    input_placeholder=(
        "Paste a text, or open or drop a document (.txt, .md, .pdf, .docx, .html). "
        "Long documents are summarized part by part."
    ),
    output_title="Summary",
    output_placeholder="The summary appears here. You can edit it.",
    empty_hint="Paste a text or open a document, then press Ctrl+Enter.",
    ready_hint="Press Ctrl+Enter to summarize.",
    running_hint="Summarizing… press Esc to stop (what is done is kept).",
    save_name="summary.docx",
)


class SummarizeForm(TextForm):
    """Summarize pasted text or a document. Generate: Ctrl+Enter. Stop: Esc."""

    def __init__(self, tab: ToolTab[SummarizeForm]) -> None:
        super().__init__(tab)
        self.length = QComboBox()
        self.length.setObjectName("summarizeLength")
        for key, length in summarize.LENGTHS.items():
            self.length.addItem(length.label, key)
        set_combo_data(self.length, "short")
        self.focus = QLineEdit()
        self.focus.setObjectName("summarizeFocus")
        self.focus.setPlaceholderText('optional, e.g. "what does this mean for the budget?"')
        self.language = QComboBox()
        self.language.setObjectName("summarizeLanguage")
        self.language.addItem("Same as the text", "")
        for language in LANGUAGES:
            self.language.addItem(language.name, language.name)
        tab.watch(
            self.length.currentIndexChanged,
            self.focus.textChanged,
            self.language.currentIndexChanged,
        )
        tab.options.addRow("Length", self.length)
        tab.options.addRow("Focus", self.focus)
        tab.options.addRow("Language", self.language)

    def request(self) -> summarize.SummarizeRequest:
        return summarize.SummarizeRequest(
            text=self.input.toPlainText(),
            length=str(self.length.currentData()),
            focus=self.focus.text(),
            language=str(self.language.currentData() or ""),
        )

    def run(self, *, again: bool) -> Run:
        """Generate and Regenerate both summarize the text as it is."""
        request = self.request()
        request.check()
        return Run(
            lambda limits: summarize.job(request, limits),
            too_long_text=request.text,
            request=request,
        )

    def finish(self, mode: RunMode, result: JobResult) -> Finished:
        chunks = result.detail.get("chunks")
        note = ""
        if isinstance(chunks, int) and chunks > 1:
            done = result.detail.get("chunks_done", chunks)
            rounds = result.detail.get("rounds", 0)
            merged = f", merged in {rounds} round{'s' if rounds != 1 else ''}" if rounds else ""
            note = f" · {done} of {chunks} parts summarized{merged}"
        return Finished(result.text.strip(), note)

    def output_info(self) -> OutputInfo:
        return OutputInfo(language=str(self.language.currentData() or ""))

    def take_text(self, text: str) -> None:
        """Text another tab found too long: summarize it here."""
        replace_text(self.input, text)
        self._tab.document_info.hide()
        self._tab.set_output_text("")
        self._tab.show_notice(
            "This text was too long for the other tool. Summarize it here, then use the "
            "summary there."
        )

    # ------------------------------------------------------------ drafts
    def state(self) -> FormState:
        options = {
            "length": self.length.currentData(),
            "focus": self.focus.text(),
            "language": self.language.currentData(),
        }
        return FormState({"input": self.input.toPlainText()}, options)

    def restore(self, state: FormState) -> None:
        set_combo_data(self.length, state.options.get("length"))
        set_combo_data(self.language, state.options.get("language"))
        self.focus.setText(state_text(state.options, "focus"))
        self.input.setPlainText(state_text(state.inputs, "input"))
