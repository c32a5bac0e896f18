"""The Summarize tab: a text or document of any length, summarized chunk by chunk if needed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from PySide6.QtWidgets import QComboBox, QFormLayout, QLineEdit

from desktop_slm.languages import LANGUAGES
from desktop_slm.tools import summarize
from desktop_slm.tools.jobs import JobResult
from desktop_slm.ui.bridge.jobs import JobFactory
from desktop_slm.ui.tool_tab import ToolTab, set_combo_data, state_text


class SummarizeTab(ToolTab):
    """Summarize pasted text or a document. Generate: Ctrl+Enter. Stop: Esc."""

    tab_id: ClassVar[str] = "summarize"
    output_kind: ClassVar[str] = "summary"
    input_title: ClassVar[str] = "Text to summarize"
    input_placeholder: ClassVar[str] = (
        "Paste a text, or open or drop a document (.txt, .md, .pdf, .docx, .html). "
        "Long documents are summarized part by part."
    )
    output_title: ClassVar[str] = "Summary"
    output_placeholder: ClassVar[str] = "The summary appears here. You can edit it."
    empty_hint: ClassVar[str] = "Paste a text or open a document, then press Ctrl+Enter."
    ready_hint: ClassVar[str] = "Press Ctrl+Enter to summarize."
    running_hint: ClassVar[str] = "Summarizing… press Esc to stop (what is done is kept)."
    save_name: ClassVar[str] = "summary.docx"

    def create_widgets(self) -> None:
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
        self.watch(
            self.length.currentIndexChanged,
            self.focus.textChanged,
            self.language.currentIndexChanged,
        )

    def build_options(self, form: QFormLayout) -> None:
        form.addRow("Length", self.length)
        form.addRow("Focus", self.focus)
        form.addRow("Language", self.language)

    def request(self) -> summarize.SummarizeRequest:
        return summarize.SummarizeRequest(
            text=self.input.toPlainText(),
            length=str(self.length.currentData()),
            focus=self.focus.text(),
            language=str(self.language.currentData() or ""),
        )

    def job_factory(self) -> JobFactory:
        request = self.request()
        request.check()
        return lambda limits: summarize.job(request, limits)

    def present(self, result: JobResult) -> str:
        return result.text.strip()

    def output_language(self) -> str:
        return str(self.language.currentData() or "")

    def take_text(self, text: str) -> None:
        """Text another tab found too long: summarize it here."""
        self.input.setPlainText(text)
        self.document_info.hide()
        self.set_output_text("")
        self.show_notice(
            "This text was too long for the other tool. Summarize it here, then use the "
            "summary there."
        )

    def final_stats(self, result: JobResult) -> str:
        text = super().final_stats(result)
        chunks = result.detail.get("chunks")
        if isinstance(chunks, int) and chunks > 1:
            done = result.detail.get("chunks_done", chunks)
            rounds = result.detail.get("rounds", 0)
            merged = f", merged in {rounds} round{'s' if rounds != 1 else ''}" if rounds else ""
            text += f" · {done} of {chunks} parts summarized{merged}"
        return text

    # ------------------------------------------------------------ drafts
    def options_state(self) -> dict[str, Any]:
        return {
            "length": self.length.currentData(),
            "focus": self.focus.text(),
            "language": self.language.currentData(),
        }

    def restore_options(self, state: Mapping[str, Any]) -> None:
        set_combo_data(self.length, state.get("length"))
        set_combo_data(self.language, state.get("language"))
        self.focus.setText(state_text(state, "focus"))
