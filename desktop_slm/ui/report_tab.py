"""The Report tab: notes -> an editable outline -> the report written section by section."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTextBrowser,
)

from desktop_slm.documents.markdown import to_html_document
from desktop_slm.languages import LANGUAGES
from desktop_slm.tools import report
from desktop_slm.tools.jobs import JobProgress, JobResult
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

RENDER_DELAY_MS = 120


REPORT = ToolSpec(
    tab_id="report",
    output_kind="report",
    input_title="Notes",
    input_placeholder=(
        "Notes, bullet points or pasted material for the report, e.g.\n"
        "- login outage 09:10-09:55, about 40% of users\n- cause: expired certificate\n"
        "- fixed by renewing it; add expiry monitoring"
    ),
    output_title="Report",
    output_placeholder="The report appears here, section by section.",
    empty_hint="Write or paste your notes, then press Ctrl+Enter.",
    ready_hint=(
        "Press Ctrl+Enter to plan the sections; you can edit them before the report is written."
    ),
    running_hint="Writing… press Esc to stop (finished sections are kept).",
    save_name="report.docx",
    generate_label="Plan outline",
    generate_tip="Plan the report's sections (Ctrl+Enter)",
)


class ReportForm(TextForm):
    """Plan (Ctrl+Enter), edit the outline, write the report; Esc stops either step."""

    def __init__(self, tab: ToolTab[ReportForm]) -> None:
        super().__init__(tab)
        self._outline: report.Outline | None = None
        self.kind = QComboBox()
        self.kind.setObjectName("reportKind")
        for key, kind in report.KINDS.items():
            self.kind.addItem("Custom (your instruction)" if key == "custom" else kind.title, key)
        self.instruction = QLineEdit()
        self.instruction.setObjectName("reportInstruction")
        self.title = QLineEdit()
        self.title.setObjectName("reportTitle")
        self.title.setPlaceholderText("optional; the outline suggests one")
        self.language = QComboBox()
        self.language.setObjectName("reportLanguage")
        self.language.setEditable(True)
        self.language.addItems([language.name for language in LANGUAGES])
        self.language.setCurrentText("English")
        self.sections = QSpinBox()
        self.sections.setObjectName("reportSections")
        self.sections.setRange(1, report.MAX_SECTIONS)
        self.sections.setValue(5)

        self.outline = QPlainTextEdit()
        self.outline.setObjectName("reportOutline")
        self.outline.setPlaceholderText(
            "The planned sections appear here, one title per line. Edit, add or remove "
            "lines, then write the report."
        )
        self.outline.setMaximumHeight(150)
        self.write_button = QPushButton("Write the report")
        self.write_button.setObjectName("reportWriteButton")
        self.write_button.setToolTip(
            "Write every section of the outline (Ctrl+Enter in the outline)"
        )
        self.rendered = QTextBrowser()
        self.rendered.setObjectName("reportRendered")
        self.rendered.setAccessibleName(f"{REPORT.output_title}, formatted")
        self.rendered.setOpenExternalLinks(False)
        self.rendered.setPlaceholderText(REPORT.output_placeholder)
        self.views = QStackedWidget()
        self.formatted_button = QPushButton("Formatted")
        self.formatted_button.setObjectName("reportShowFormatted")
        self.markdown_button = QPushButton("Edit Markdown")
        self.markdown_button.setObjectName("reportShowMarkdown")
        self._view_buttons = QButtonGroup(tab)
        for index, button in enumerate((self.formatted_button, self.markdown_button)):
            button.setCheckable(True)
            self._view_buttons.addButton(button, index)
        self.formatted_button.setChecked(True)
        self._lay_out()

        self._render_timer = QTimer(tab)
        self._render_timer.setSingleShot(True)
        self._render_timer.setInterval(RENDER_DELAY_MS)
        self._render_timer.timeout.connect(self.render_markdown)
        tab.watch(
            self.kind.currentIndexChanged,
            self.instruction.textChanged,
            self.title.textChanged,
            self.language.currentTextChanged,
            self.sections.valueChanged,
            self.outline.textChanged,
        )
        self.kind.currentIndexChanged.connect(lambda _index: self._show_kind())
        self.write_button.clicked.connect(self.write_report)
        self._view_buttons.idClicked.connect(self.views.setCurrentIndex)
        tab.output.textChanged.connect(self._schedule_render)
        self._show_kind()

    def _lay_out(self) -> None:
        form = self._tab.options
        form.addRow("Kind", self.kind)
        form.addRow("Instruction", self.instruction)
        form.addRow("Title", self.title)
        form.addRow("Language", self.language)
        form.addRow("Sections", self.sections)
        output = self._tab.output_panel
        output.replace_view(self.views)
        self.views.addWidget(self.rendered)
        self.views.addWidget(self._tab.output)
        header = QHBoxLayout()
        header.addWidget(QLabel("<b>Outline</b> — edit the section titles, one per line"))
        header.addStretch(1)
        header.addWidget(self.write_button)
        output.upper.insertLayout(0, header)
        output.upper.insertWidget(1, self.outline)
        output.title_row.addStretch(1)
        output.title_row.addWidget(self.formatted_button)
        output.title_row.addWidget(self.markdown_button)

    def _show_kind(self) -> None:
        custom = self.kind.currentData() == "custom"
        self.instruction.setPlaceholderText(
            "required: what kind of report to write, e.g. a quarterly review for the board"
            if custom
            else "optional: an extra wish, e.g. keep it under one page"
        )

    def _schedule_render(self) -> None:
        # Not restarted by later changes: a streaming report is redrawn a few times a second.
        if not self._render_timer.isActive():
            self._render_timer.start()

    def render_markdown(self) -> None:
        """Show the Markdown as a formatted document (headings, lists, tables).

        With the same renderer as .html, .pdf and .docx export: what is shown is saved.
        """
        self._render_timer.stop()
        bar = self.rendered.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 4 and self._tab.running
        position = bar.value()
        self.rendered.setHtml(to_html_document(self._tab.output_text()))
        bar.setValue(bar.maximum() if at_end else position)

    # ------------------------------------------------------------ the request
    def request(self) -> report.ReportRequest:
        return report.ReportRequest(
            notes=self.input.toPlainText(),
            kind=str(self.kind.currentData()),
            instruction=self.instruction.text(),
            language=self.language.currentText(),
            title=self.title.text(),
            max_sections=self.sections.value(),
        )

    def refresh(self, controls: Controls) -> str | None:
        has_outline = bool(self.outline.toPlainText().strip())
        ready = controls.can_run and has_outline and self.has_input()
        self.write_button.setEnabled(ready)
        self.outline.setReadOnly(controls.running)
        if ready and not controls.has_output:
            return "Edit the outline if you like, then press Write the report."
        return None

    def run(self, *, again: bool) -> Run:
        """Generate plans an outline (in the outline, Ctrl+Enter writes the report);
        Regenerate writes the report again from the outline."""
        if again or (self.outline.hasFocus() and self.outline.toPlainText().strip()):
            return self._write_run()
        request = self.request()
        request.check()
        return Run(
            lambda limits: report.outline_job(request, limits),
            RunMode.PLAN,
            self.input.toPlainText(),
            on_start=self.outline.clear,
        )

    def write_report(self) -> None:
        if not self._tab.running and self.write_button.isEnabled():
            self._tab.start(self._write_run)

    def _write_run(self) -> Run:
        request = self.request()
        request.check()
        outline = report.outline_from_text(
            self.outline.toPlainText(), self.title.text() or self._outline_title()
        )
        self._outline = outline
        return Run(
            lambda limits: report.sections_job(request, outline, limits),
            too_long_text=self.input.toPlainText(),
            request=request,
        )

    def _outline_title(self) -> str:
        if self._outline is not None:
            return self._outline.title
        return report.KINDS[str(self.kind.currentData())].title

    def show_step(self, progress: JobProgress | None, preview: str, step_text: str) -> bool:
        """The outline streams into its box; a section into the report after those done."""
        if progress is not None and progress.phase == "outline":
            self.outline.setPlainText(step_text.strip())
            return True
        if progress is None or progress.phase != "section" or self._outline is None:
            return False
        sections = self._outline.sections
        if not 1 <= progress.step <= len(sections):
            return False
        done = preview.rstrip("\n") if preview else f"# {self._outline.title}"
        body = report.clean_section(step_text, sections[progress.step - 1])
        self._tab.set_output_text(f"{done}\n\n## {sections[progress.step - 1]}\n\n{body}")
        return True

    def finish(self, mode: RunMode, result: JobResult) -> Finished:
        outline = result.detail.get("outline")
        done = result.detail.get("sections_done")
        note = ""
        if isinstance(outline, report.Outline) and isinstance(done, int):
            note = f" · {done} of {len(outline.sections)} sections written"
        if mode is not RunMode.PLAN:
            return Finished(result.text, note)
        if isinstance(outline, report.Outline):
            self._outline = outline
            self.outline.setPlainText(outline.as_text())
            self.outline.setFocus()
        elif result.text.strip():
            self.outline.setPlainText(result.text)
        return Finished(None, note)

    def output_info(self) -> OutputInfo:
        title = self.title.text().strip() or self._outline_title()
        return OutputInfo(language=self.language.currentText(), title=title)

    # ------------------------------------------------------------ drafts
    def state(self) -> FormState:
        inputs = {"notes": self.input.toPlainText(), "outline": self.outline.toPlainText()}
        options = {
            "kind": self.kind.currentData(),
            "instruction": self.instruction.text(),
            "title": self.title.text(),
            "language": self.language.currentText(),
            "sections": self.sections.value(),
        }
        return FormState(inputs, options)

    def restore(self, state: FormState) -> None:
        options, inputs = state.options, state.inputs
        set_combo_data(self.kind, options.get("kind"))
        self.instruction.setText(state_text(options, "instruction"))
        self.title.setText(state_text(options, "title"))
        if state_text(options, "language").strip():
            self.language.setCurrentText(state_text(options, "language"))
        sections = options.get("sections")
        if isinstance(sections, int):
            self.sections.setValue(sections)
        self.input.setPlainText(state_text(inputs, "notes"))
        self.outline.setPlainText(state_text(inputs, "outline"))
        self.render_markdown()
