"""The Email tab: a new email from notes, or a reply to a pasted one; Subject and body out."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from PySide6.QtCore import QUrl
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QFont,
    QGuiApplication,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
)

from desktop_slm.languages import LANGUAGES as ALL_LANGUAGES
from desktop_slm.tools import email
from desktop_slm.tools.jobs import JobResult
from desktop_slm.tools.prompt import ToolPrompt
from desktop_slm.ui import theme
from desktop_slm.ui.bridge.jobs import JobFactory
from desktop_slm.ui.tool_tab import ToolTab, state_text

LANGUAGES = tuple(language.name for language in ALL_LANGUAGES)


def _open_url(url: QUrl) -> bool:
    return QDesktopServices.openUrl(url)


open_url: Callable[[QUrl], bool] = _open_url
"""Hands a mailto: link to the system; tests replace it."""


class SubjectHighlighter(QSyntaxHighlighter):
    """Sets the 'Subject:' line apart from the body: bold, in the theme's subject colour."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self._format = QTextCharFormat()
        self._format.setFontWeight(QFont.Weight.Bold)
        self._recolour()
        theme.notifier().changed.connect(self._recolour)

    def _recolour(self) -> None:
        self._format.setForeground(QColor(theme.colours().subject))
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:  # Qt override
        block = self.currentBlock()
        if block.blockNumber() == 0 and email.split_subject(text).subject:
            self.setFormat(0, len(text), self._format)


class EmailTab(ToolTab):
    """Write an email from notes, or reply to one. Generate: Ctrl+Enter. Stop: Esc."""

    tab_id: ClassVar[str] = "email"
    output_kind: ClassVar[str] = "email"
    input_title: ClassVar[str] = "Notes"
    input_placeholder: ClassVar[str] = (
        "Notes for the email, e.g.\n- thank Anna for the quick review\n"
        "- the release moves to Friday\n- ask if the demo at 10:00 still works"
    )
    output_title: ClassVar[str] = "Email"
    output_placeholder: ClassVar[str] = (
        "The email appears here: a Subject line, then the body. You can edit it."
    )
    empty_hint: ClassVar[str] = "Write a few notes, then press Ctrl+Enter."
    ready_hint: ClassVar[str] = "Press Ctrl+Enter to write the email."
    save_name: ClassVar[str] = "email.txt"

    # ------------------------------------------------------------ widgets
    def create_widgets(self) -> None:
        self.notes = self.input
        self._request: email.EmailRequest | None = None
        self.new_mode = QRadioButton("New email")
        self.new_mode.setObjectName("emailModeNew")
        self.reply_mode = QRadioButton("Reply to an email")
        self.reply_mode.setObjectName("emailModeReply")
        self.new_mode.setChecked(True)
        self._modes = QButtonGroup(self)
        self._modes.addButton(self.new_mode)
        self._modes.addButton(self.reply_mode)
        self.original = QPlainTextEdit()
        self.original.setObjectName("emailOriginal")
        self.original.setPlaceholderText(
            "Paste the email you are answering (with its Subject line if it has one)."
        )
        self.original_label = QLabel("<b>The email you are answering</b>")

        self.tone = QComboBox()
        self.tone.setObjectName("emailTone")
        self.tone.addItems(list(email.TONES))
        self.tone.setCurrentText(self._settings.email_tone)
        self.length = QComboBox()
        self.length.setObjectName("emailLength")
        self.length.addItems(list(email.LENGTHS))
        self.length.setCurrentText(self._settings.email_length)
        self.language = QComboBox()
        self.language.setObjectName("emailLanguage")
        self.language.setEditable(True)
        self.language.addItems(list(LANGUAGES))
        self.language.setCurrentText(self._settings.email_language)
        self.recipient = QLineEdit()
        self.recipient.setObjectName("emailRecipient")
        self.recipient.setPlaceholderText("optional, e.g. Anna")
        self.relationship = QLineEdit()
        self.relationship.setObjectName("emailRelationship")
        self.relationship.setPlaceholderText("optional, e.g. my manager, a customer")
        self.sign_off = QLineEdit()
        self.sign_off.setObjectName("emailSignOff")
        self.sign_off.setPlaceholderText("optional, e.g. Sam")

        self.to_address = QLineEdit()
        self.to_address.setObjectName("emailToAddress")
        self.to_address.setPlaceholderText("address (optional)")
        self.mail_button = QPushButton("Open in mail client")
        self.mail_button.setObjectName("emailOpenMail")
        self.mail_button.setToolTip("Open a new message in your mail program with this email")
        self.copy_subject = QPushButton("Copy subject")
        self.copy_subject.setObjectName("emailCopySubject")
        self.copy_body = QPushButton("Copy body")
        self.copy_body.setObjectName("emailCopyBody")
        self.subject_view = QLabel()
        self.subject_view.setObjectName("emailSubject")
        self.subject_view.setWordWrap(True)
        self.body_words = QLabel()

        self._highlighter = SubjectHighlighter(self.output.document())
        self.watch(
            self.tone.currentTextChanged,
            self.length.currentTextChanged,
            self.language.currentTextChanged,
            self.recipient.textChanged,
            self.relationship.textChanged,
            self.sign_off.textChanged,
            self.original.textChanged,
            self.new_mode.toggled,
            self.to_address.textChanged,
        )
        self.new_mode.toggled.connect(lambda _on: self._show_mode())
        self.mail_button.clicked.connect(self.open_in_mail_client)
        self.copy_subject.clicked.connect(lambda: self._copy(self.draft().subject, "Subject"))
        self.copy_body.clicked.connect(lambda: self._copy(self.draft().body, "Body"))
        self.output.textChanged.connect(self._show_parts)
        theme.notifier().changed.connect(self._show_parts)

    def build_inputs(self, layout: QVBoxLayout) -> None:
        modes = QHBoxLayout()
        modes.addWidget(self.new_mode)
        modes.addWidget(self.reply_mode)
        modes.addStretch(1)
        modes.addWidget(self.open_button)
        layout.addLayout(modes)
        layout.addWidget(self.original_label)
        layout.addWidget(self.original, 2)
        layout.addWidget(QLabel(f"<b>{self.input_title}</b>"))
        layout.addWidget(self.input, 1)
        layout.addWidget(self.document_info)
        self._show_mode()

    def build_options(self, form: QFormLayout) -> None:
        form.addRow("Tone", self.tone)
        form.addRow("Length", self.length)
        form.addRow("Language", self.language)
        form.addRow("Recipient", self.recipient)
        form.addRow("Relationship", self.relationship)
        form.addRow("Sign as", self.sign_off)

    def build_output(self, layout: QVBoxLayout) -> None:
        layout.addWidget(QLabel(f"<b>{self.output_title}</b>"))
        layout.addWidget(self.subject_view)
        layout.addWidget(self.output, 1)
        mail = QHBoxLayout()
        mail.addWidget(QLabel("To:"))
        mail.addWidget(self.to_address, 1)
        mail.addWidget(self.mail_button)
        mail.addWidget(self.copy_subject)
        mail.addWidget(self.copy_body)
        layout.addLayout(mail)

    def _show_mode(self) -> None:
        reply = self.reply_mode.isChecked()
        self.original.setVisible(reply)
        self.original_label.setVisible(reply)
        self.input.setPlaceholderText(
            "What should the reply say? e.g.\n- yes to Tuesday\n- ask for the agenda"
            if reply
            else self.input_placeholder
        )

    def _show_parts(self) -> None:
        draft = self.draft()
        muted = theme.colours().muted
        if draft.subject:
            self.subject_view.setText(
                f"<b>Subject:</b> {_escape(draft.subject)} &nbsp; "
                f"<span style='color:{muted}'>· body {len(draft.body.split())} words</span>"
            )
        else:
            self.subject_view.setText(f"<b>Subject:</b> <span style='color:{muted}'>—</span>")
        has = bool(self.output_text().strip()) and not self.running
        for button in (self.mail_button, self.copy_subject, self.copy_body):
            button.setEnabled(has)
        self.copy_subject.setEnabled(has and bool(draft.subject))

    # ------------------------------------------------------------ the request
    @property
    def is_reply(self) -> bool:
        return self.reply_mode.isChecked()

    def has_input(self) -> bool:
        if self.is_reply:
            return bool(self.original.toPlainText().strip() or self.input.toPlainText().strip())
        return bool(self.input.toPlainText().strip())

    def update_controls(self) -> None:
        super().update_controls()
        idle = not self.running and self._bridge.active_model is not None
        if idle and self.is_reply and not self.has_input():
            self.hint.setText("Paste the email you are answering, then press Ctrl+Enter.")
        self._show_parts()

    def prefill_prompt(self) -> ToolPrompt | None:
        return email.build(self.request()) if self.has_input() else None

    def request(self) -> email.EmailRequest:
        return email.EmailRequest(
            notes=self.input.toPlainText(),
            tone=self.tone.currentText(),
            length=self.length.currentText(),
            language=self.language.currentText(),
            recipient=self.recipient.text(),
            sign_off=self.sign_off.text(),
            original_email=self.original.toPlainText() if self.is_reply else "",
            relationship=self.relationship.text(),
        )

    def job_factory(self) -> JobFactory:
        request = self.request()
        email.build(request)  # checks the options here, where they can be shown
        self._settings.email_tone = request.tone
        self._settings.email_length = request.length
        self._settings.email_language = request.language
        self._request = request
        return lambda limits: email.job(request, limits)

    def present(self, result: JobResult) -> str:
        if result.cancelled or not result.text.strip():
            return result.text
        draft = email.finish(result.text, self._request or self.request())
        return _compose(draft)

    def long_text(self) -> str:
        notes, original = self.input.toPlainText(), self.original.toPlainText()
        return original if self.is_reply and len(original) > len(notes) else notes

    def document_target(self) -> QPlainTextEdit:
        return self.original if self.is_reply else self.input

    def output_language(self) -> str:
        return self.language.currentText()

    def save_title(self) -> str:
        return self.draft().subject

    # ------------------------------------------------------------ drafts
    def inputs_state(self) -> dict[str, Any]:
        return {
            "notes": self.input.toPlainText(),
            "original_email": self.original.toPlainText(),
        }

    def restore_inputs(self, state: Mapping[str, Any]) -> None:
        self.original.setPlainText(state_text(state, "original_email"))
        self.input.setPlainText(state_text(state, "notes"))

    def options_state(self) -> dict[str, Any]:
        return {
            "mode": "reply" if self.is_reply else "new",
            "tone": self.tone.currentText(),
            "length": self.length.currentText(),
            "language": self.language.currentText(),
            "recipient": self.recipient.text(),
            "relationship": self.relationship.text(),
            "sign_off": self.sign_off.text(),
            "to": self.to_address.text(),
        }

    def restore_options(self, state: Mapping[str, Any]) -> None:
        (self.reply_mode if state.get("mode") == "reply" else self.new_mode).setChecked(True)
        if state_text(state, "tone") in email.TONES:
            self.tone.setCurrentText(state_text(state, "tone"))
        if state_text(state, "length") in email.LENGTHS:
            self.length.setCurrentText(state_text(state, "length"))
        if state_text(state, "language").strip():
            self.language.setCurrentText(state_text(state, "language"))
        self.recipient.setText(state_text(state, "recipient"))
        self.relationship.setText(state_text(state, "relationship"))
        self.sign_off.setText(state_text(state, "sign_off"))
        self.to_address.setText(state_text(state, "to"))

    # ------------------------------------------------------------ sending
    def draft(self) -> email.EmailDraft:
        return email.split_subject(self.output_text())

    def open_in_mail_client(self) -> None:
        draft = self.draft()
        if not (draft.subject or draft.body):
            return
        link = email.mailto_url(draft, to=self.to_address.text())
        if not open_url(QUrl(link.url, QUrl.ParsingMode.StrictMode)):
            self.show_error(
                "No mail program opened the email. Set a default mail app in your system "
                "settings, or copy the subject and body into your mail yourself."
            )
            return
        self.show_notice(link.notice)
        self.statusMessage.emit("Opened the email in your mail program.")

    def _copy(self, text: str, what: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.statusMessage.emit(f"{what} copied to the clipboard.")


def _compose(draft: email.EmailDraft) -> str:
    """The email as the tab shows it; an empty Subject line is kept for the user to fill."""
    return f"Subject: {draft.subject}\n\n{draft.body}"


def _escape(text: str) -> str:
    return html.escape(text)
