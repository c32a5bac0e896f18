"""The Report tab: notes -> an editable outline -> the report written section by section."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
)

from desktop_slm.documents.markdown import to_html_document
from desktop_slm.errors import UserFacingError
from desktop_slm.languages import LANGUAGES
from desktop_slm.tools import report
from desktop_slm.tools.jobs import JobProgress, JobResult
from desktop_slm.ui.bridge.jobs import JobFactory
from desktop_slm.ui.tool_tab import ToolTab, set_combo_data, state_text

RENDER_DELAY_MS = 120


class ReportTab(ToolTab):
    """Plan (Ctrl+Enter), edit the outline, write the report; Esc stops either step."""

    tab_id: ClassVar[str] = "report"
    output_kind: ClassVar[str] = "report"
    generate_kind = "outline"
    input_title: ClassVar[str] = "Notes"
    input_placeholder: ClassVar[str] = (
        "Notes, bullet points or pasted material for the report, e.g.\n"
        "- login outage 09:10-09:55, about 40% of users\n- cause: expired certificate\n"
        "- fixed by renewing it; add expiry monitoring"
    )
    output_title: ClassVar[str] = "Report"
    output_placeholder: ClassVar[str] = "The report appears here, section by section."
    empty_hint: ClassVar[str] = "Write or paste your notes, then press Ctrl+Enter."
    ready_hint: ClassVar[str] = (
        "Press Ctrl+Enter to plan the sections; you can edit them before the report is written."
    )
    running_hint: ClassVar[str] = "Writing… press Esc to stop (finished sections are kept)."
    save_name: ClassVar[str] = "report.docx"

    def create_widgets(self) -> None:
        self._outline: report.Outline | None = None
        self.generate_button.setText("Plan outline")
        self.generate_button.setToolTip("Plan the report's sections (Ctrl+Enter)")
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
        self.rendered.setAccessibleName(f"{self.output_title}, formatted")
        self.rendered.setOpenExternalLinks(False)
        self.rendered.setPlaceholderText(self.output_placeholder)
        self.views = QStackedWidget()
        self.views.addWidget(self.rendered)
        self.views.addWidget(self.output)
        self.formatted_button = QPushButton("Formatted")
        self.formatted_button.setObjectName("reportShowFormatted")
        self.markdown_button = QPushButton("Edit Markdown")
        self.markdown_button.setObjectName("reportShowMarkdown")
        self._view_buttons = QButtonGroup(self)
        for index, button in enumerate((self.formatted_button, self.markdown_button)):
            button.setCheckable(True)
            self._view_buttons.addButton(button, index)
        self.formatted_button.setChecked(True)

        self._render_timer = QTimer(self)
        self._render_timer.setSingleShot(True)
        self._render_timer.setInterval(RENDER_DELAY_MS)
        self._render_timer.timeout.connect(self.render_markdown)
        self.watch(
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
        self.output.textChanged.connect(self._schedule_render)
        self._show_kind()

    def build_options(self, form: QFormLayout) -> None:
        form.addRow("Kind", self.kind)
        form.addRow("Instruction", self.instruction)
        form.addRow("Title", self.title)
        form.addRow("Language", self.language)
        form.addRow("Sections", self.sections)

    def build_output(self, layout: QVBoxLayout) -> None:
        header = QHBoxLayout()
        header.addWidget(QLabel("<b>Outline</b> — edit the section titles, one per line"))
        header.addStretch(1)
        header.addWidget(self.write_button)
        layout.addLayout(header)
        layout.addWidget(self.outline)
        title = QHBoxLayout()
        title.addWidget(QLabel(f"<b>{self.output_title}</b>"))
        title.addStretch(1)
        title.addWidget(self.formatted_button)
        title.addWidget(self.markdown_button)
        layout.addLayout(title)
        layout.addWidget(self.views, 1)

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
        at_end = bar.value() >= bar.maximum() - 4 and self.running
        position = bar.value()
        self.rendered.setHtml(to_html_document(self.output_text()))
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

    def job_factory(self) -> JobFactory:
        request = self.request()
        request.check()
        return lambda limits: report.outline_job(request, limits)

    def update_controls(self) -> None:
        super().update_controls()
        model = self._bridge.active_model
        can_run = not self.running and model is not None and not self._bridge.is_busy()
        has_outline = bool(self.outline.toPlainText().strip())
        self.write_button.setEnabled(can_run and self.has_input() and has_outline)
        self.outline.setReadOnly(self.running)
        if can_run and has_outline and self.has_input() and not self.output_text().strip():
            self.hint.setText("Edit the outline if you like, then press Write the report.")

    def generate(self) -> None:
        """Ctrl+Enter: in the outline it writes the report, elsewhere it plans one."""
        if self.outline.hasFocus() and self.outline.toPlainText().strip():
            self.write_report()
            return
        super().generate()

    def regenerate(self) -> None:
        """Write the report again from the current outline."""
        if self.regenerate_button.isEnabled():
            self.write_report()

    def write_report(self) -> None:
        if self.running or not self.write_button.isEnabled():
            return
        request = self.request()
        try:
            request.check()
            outline = report.outline_from_text(
                self.outline.toPlainText(), self.title.text() or self._outline_title()
            )
        except UserFacingError as exc:
            self.show_error(str(exc))
            return
        self._outline = outline
        self.start_job(
            lambda limits: report.sections_job(request, outline, limits),
            "generate",
            too_long_text=self.long_text(),
        )

    def _outline_title(self) -> str:
        if self._outline is not None:
            return self._outline.title
        return report.KINDS[str(self.kind.currentData())].title

    def clears_output(self, mode: str) -> bool:
        if mode == "outline":
            self.outline.clear()
            return False
        return True

    def job_done(self, mode: str, result: JobResult) -> None:
        if mode != "outline":
            return
        outline = result.detail.get("outline")
        if isinstance(outline, report.Outline):
            self._outline = outline
            self.outline.setPlainText(outline.as_text())
            self.outline.setFocus()
        elif result.text.strip():
            self.outline.setPlainText(result.text)

    def show_step_text(self, progress: JobProgress | None, step_text: str) -> bool:
        if progress is not None and progress.phase == "outline":
            self.outline.setPlainText(step_text.strip())
            return True
        return False

    def live_text(self, preview: str, progress: JobProgress | None, step_text: str) -> str | None:
        if progress is None or progress.phase != "section" or self._outline is None:
            return None
        sections = self._outline.sections
        if not 1 <= progress.step <= len(sections):
            return None
        done = preview.rstrip("\n") if preview else f"# {self._outline.title}"
        body = report.clean_section(step_text, sections[progress.step - 1])
        return f"{done}\n\n## {sections[progress.step - 1]}\n\n{body}"

    def present(self, result: JobResult) -> str:
        return result.text

    def output_language(self) -> str:
        return self.language.currentText()

    def save_title(self) -> str:
        return self.title.text().strip() or self._outline_title()

    def final_stats(self, result: JobResult) -> str:
        text = super().final_stats(result)
        outline = result.detail.get("outline")
        done = result.detail.get("sections_done")
        if isinstance(outline, report.Outline) and isinstance(done, int):
            text += f" · {done} of {len(outline.sections)} sections written"
        return text

    # ------------------------------------------------------------ drafts
    def inputs_state(self) -> dict[str, Any]:
        return {"notes": self.input.toPlainText(), "outline": self.outline.toPlainText()}

    def restore_inputs(self, state: Mapping[str, Any]) -> None:
        self.input.setPlainText(state_text(state, "notes"))
        self.outline.setPlainText(state_text(state, "outline"))

    def options_state(self) -> dict[str, Any]:
        return {
            "kind": self.kind.currentData(),
            "instruction": self.instruction.text(),
            "title": self.title.text(),
            "language": self.language.currentText(),
            "sections": self.sections.value(),
        }

    def restore_options(self, state: Mapping[str, Any]) -> None:
        set_combo_data(self.kind, state.get("kind"))
        self.instruction.setText(state_text(state, "instruction"))
        self.title.setText(state_text(state, "title"))
        if state_text(state, "language").strip():
            self.language.setCurrentText(state_text(state, "language"))
        sections = state.get("sections")
        if isinstance(sections, int):
            self.sections.setValue(sections)

    def restore_draft(self, state: Mapping[str, Any]) -> None:
        super().restore_draft(state)
        self.render_markdown()
