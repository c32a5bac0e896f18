"""The Summarize tab: a text or document of any length, summarized chunk by chunk if needed.

It also does the round trip of "Summarize first": a tool whose input is too long sends
it here (:meth:`SummarizeForm.take_text`), the summary starts at once, and the finished
summary offers "Use in Email" (or the tool that sent it): :attr:`SummarizeForm.use_button`,
which the window connects. The offer stays until it is used or another job starts here.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from desktop_slm.languages import LANGUAGES
from desktop_slm.tools import summarize
from desktop_slm.tools.jobs import JobResult
from desktop_slm.ui.tool.input_panel import replace_text
from desktop_slm.ui.tool.spec import (
    Controls,
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

        self.return_to = ""
        """The tab ("email", ...) whose too-long text this summary is for ("" for none)."""
        self._return_title = ""
        self.use_button = QPushButton("Use the summary")  # "Use in Email" once offered
        self.use_button.setObjectName("summarizeUseSummary")
        self.use_button.setAccessibleName("Use the summary")
        self.use_label = QLabel()
        self.use_label.setObjectName("summarizeUseSummaryNote")
        self.use_label.setWordWrap(True)
        self.offer = QWidget()
        self.offer.setObjectName("summarizeUseOffer")
        row = QHBoxLayout(self.offer)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.use_button)
        row.addWidget(self.use_label, 1)
        self.offer.hide()
        tab.output_panel.upper.addWidget(self.offer)

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
        if mode is RunMode.GENERATE and not result.cancelled and result.text.strip():
            self._show_offer()
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

    def take_text(self, text: str, *, return_to: str = "", title: str = "") -> str:
        """Text the tab ``return_to`` (titled ``title``) found too long: summarize it here.

        What this tab held before is kept in its history (and Ctrl+Z in the text box
        brings it back). Returns the sentence the tab's notice line shows about it.
        """
        own = self.input.toPlainText()
        kept = own == text or self._tab.set_aside()
        replace_text(self.input, text)
        self._tab.document_info.hide()
        self._tab.set_output_text("")
        self.return_to, self._return_title = return_to, title
        self.offer.hide()
        if title:
            notice = (
                f"This text was too long for {title}, so it is summarized here; "
                f"Use in {title} then puts the summary there."
            )
        else:
            notice = (
                "This text was too long for the other tool. Summarize it here, then use "
                "the summary there."
            )
        if own.strip() and own != text:
            notice += (
                " The text you had here is kept in History."
                if kept
                else " Ctrl+Z in the text box brings back the text you had here."
            )
        self._tab.show_notice(notice)
        return notice

    def refresh(self, controls: Controls) -> str | None:
        if controls.running and not self.offer.isHidden():
            self.used()  # a new job: this summary is no longer the one asked for
        return None

    def _show_offer(self) -> None:
        if not self.return_to:
            return
        title = self._return_title or self.return_to
        self.use_button.setText(f"Use in {title}")
        self.use_button.setAccessibleName(f"Use in {title}")
        where = "its text" if self.return_to == "translate" else "its notes"
        self.use_button.setToolTip(f"Put this summary into {where} and go back to {title}")
        self.use_button.setAccessibleDescription(self.use_button.toolTip())
        self.use_label.setText(f"The summary of your text from {title}, ready to use there.")
        self.offer.show()

    def used(self) -> None:
        """The offer was taken (or is out of date): it goes."""
        self.return_to = ""
        self.offer.hide()

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
