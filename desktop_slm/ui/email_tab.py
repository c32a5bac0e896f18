"""The Email tab: a new email from notes, or a reply to a pasted one; Subject and body out."""

from __future__ import annotations

import html
from collections.abc import Callable

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
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
)

from desktop_slm import config
from desktop_slm.languages import LANGUAGES as ALL_LANGUAGES
from desktop_slm.tools import email
from desktop_slm.tools.jobs import JobResult
from desktop_slm.tools.prompt import ToolPrompt
from desktop_slm.ui import theme
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
    state_text,
)
from desktop_slm.ui.tool.tab import ToolTab

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
        theme.on_change(self, self._recolour)

    def _recolour(self) -> None:
        self._format.setForeground(QColor(theme.colours().subject))
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:  # Qt override
        block = self.currentBlock()
        if block.blockNumber() == 0 and email.split_subject(text).subject:
            self.setFormat(0, len(text), self._format)


EMAIL = ToolSpec(
    tab_id="email",
    output_kind="email",
    input_title="",  # "Notes" stands under the email being answered
    input_placeholder=(
        "Notes for the email, e.g.\n- thank Anna for the quick review\n"
        "- the release moves to Friday\n- ask if the demo at 10:00 still works"
    ),
    output_title="Email",
    output_placeholder="The email appears here: a Subject line, then the body. You can edit it.",
    empty_hint="Write a few notes, then press Ctrl+Enter.",
    ready_hint="Press Ctrl+Enter to write the email.",
    running_hint="Writing… press Esc to stop.",
    save_name="email.txt",
)


class EmailForm(TextForm):
    """Write an email from notes, or reply to one. Generate: Ctrl+Enter. Stop: Esc."""

    def __init__(self, tab: ToolTab[EmailForm]) -> None:
        super().__init__(tab)
        settings = tab.settings
        self.notes = self.input
        self._request: email.EmailRequest | None = None
        self.new_mode = QRadioButton("New email")
        self.new_mode.setObjectName("emailModeNew")
        self.reply_mode = QRadioButton("Reply to an email")
        self.reply_mode.setObjectName("emailModeReply")
        self.new_mode.setChecked(True)
        self._modes = QButtonGroup(tab)
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
        self.tone.setCurrentText(settings.email_tone)
        self.length = QComboBox()
        self.length.setObjectName("emailLength")
        self.length.addItems(list(email.LENGTHS))
        self.length.setCurrentText(settings.email_length)
        self.language = QComboBox()
        self.language.setObjectName("emailLanguage")
        self.language.setEditable(True)
        self.language.addItems(list(LANGUAGES))
        self.language.setCurrentText(settings.email_language)
        self.recipient = QLineEdit()
        self.recipient.setObjectName("emailRecipient")
        self.recipient.setPlaceholderText("optional, e.g. Anna")
        self.relationship = QLineEdit()
        self.relationship.setObjectName("emailRelationship")
        self.relationship.setPlaceholderText("optional, e.g. my manager, a customer")
        self.sign_off = QLineEdit()
        self.sign_off.setObjectName("emailSignOff")
        self.sign_off.setPlaceholderText("optional, e.g. Sam")
        self.sign_off.setToolTip(
            "The name under the closing; empty: the closing alone. Remembered."
        )
        # The account's full name until the user types another (or clears it on purpose).
        self._account_name = config.account_full_name()
        self.sign_off.setText(
            settings.email_sign_off if settings.email_sign_off is not None else self._account_name
        )
        self.sign_off.textChanged.connect(self._remember_sign_off)

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

        self._highlighter = SubjectHighlighter(tab.output.document())
        self._lay_out()
        tab.watch(
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
        tab.output.textChanged.connect(self._show_parts)
        theme.on_change(self.subject_view, self._show_parts)

    def _lay_out(self) -> None:
        inputs = self._tab.input_panel
        inputs.add_to_header(self.new_mode)
        inputs.add_to_header(self.reply_mode)
        inputs.add_above(self.original_label)
        inputs.add_above(self.original, 2)
        inputs.add_above(QLabel("<b>Notes</b>"))
        form = self._tab.options
        form.addRow("Tone", self.tone)
        form.addRow("Length", self.length)
        form.addRow("Language", self.language)
        form.addRow("Recipient", self.recipient)
        form.addRow("Relationship", self.relationship)
        form.addRow("Sign as", self.sign_off)
        output = self._tab.output_panel
        output.upper.insertWidget(1, self.subject_view)
        mail = QHBoxLayout()
        mail.addWidget(QLabel("To:"))
        mail.addWidget(self.to_address, 1)
        mail.addWidget(self.mail_button)
        mail.addWidget(self.copy_subject)
        mail.addWidget(self.copy_body)
        output.upper.addLayout(mail)
        self._show_mode()

    def _remember_sign_off(self, text: str) -> None:
        settings = self._tab.settings
        if settings.email_sign_off is None and text == self._account_name:
            return  # still the account's name: it keeps following the account
        settings.email_sign_off = text

    def _show_mode(self) -> None:
        reply = self.reply_mode.isChecked()
        self.original.setVisible(reply)
        self.original_label.setVisible(reply)
        self.input.setPlaceholderText(
            "What should the reply say? e.g.\n- yes to Tuesday\n- ask for the agenda"
            if reply
            else EMAIL.input_placeholder
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
        has = bool(self._tab.output_text().strip()) and not self._tab.running
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

    def refresh(self, controls: Controls) -> str | None:
        self._show_parts()
        idle = not controls.running and controls.model_open
        if idle and self.is_reply and not self.has_input():
            return "Paste the email you are answering, then press Ctrl+Enter."
        return None

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

    def run(self, *, again: bool) -> Run:
        """Generate and Regenerate both write the email from the form as it is."""
        request = self.request()
        email.build(request)  # checks the options here, where they can be shown
        settings = self._tab.settings
        settings.email_tone = request.tone
        settings.email_length = request.length
        settings.email_language = request.language
        self._request = request
        return Run(
            lambda limits: email.job(request, limits),
            too_long_text=self._long_text(),
            request=request,
        )

    def _long_text(self) -> str:
        return self._long_box().toPlainText()

    def _long_box(self) -> QPlainTextEdit:
        """The longer of notes and (in a reply) the email answered: what may not fit."""
        notes, original = self.input.toPlainText(), self.original.toPlainText()
        return self.original if self.is_reply and len(original) > len(notes) else self.input

    def take_summary(self, summary: str) -> QPlainTextEdit:
        """The summary replaces the box that was too long: the notes, or the email answered."""
        box = self._long_box()
        replace_text(box, summary)
        return box

    def finish(self, mode: RunMode, result: JobResult) -> Finished:
        """The email with the names filled in (a rewrite's too)."""
        if result.cancelled or not result.text.strip():
            return Finished(result.text)
        draft = email.finish(result.text, self._request or self.request())
        return Finished(_compose(draft))

    def document_target(self) -> QPlainTextEdit:
        return self.original if self.is_reply else self.input

    def output_info(self) -> OutputInfo:
        return OutputInfo(language=self.language.currentText(), title=self.draft().subject)

    # ------------------------------------------------------------ drafts
    def state(self) -> FormState:
        inputs = {"notes": self.input.toPlainText(), "original_email": self.original.toPlainText()}
        options = {
            "mode": "reply" if self.is_reply else "new",
            "tone": self.tone.currentText(),
            "length": self.length.currentText(),
            "language": self.language.currentText(),
            "recipient": self.recipient.text(),
            "relationship": self.relationship.text(),
            "sign_off": self.sign_off.text(),
            "to": self.to_address.text(),
        }
        return FormState(inputs, options)

    def restore(self, state: FormState) -> None:
        options, inputs = state.options, state.inputs
        (self.reply_mode if options.get("mode") == "reply" else self.new_mode).setChecked(True)
        if state_text(options, "tone") in email.TONES:
            self.tone.setCurrentText(state_text(options, "tone"))
        if state_text(options, "length") in email.LENGTHS:
            self.length.setCurrentText(state_text(options, "length"))
        if state_text(options, "language").strip():
            self.language.setCurrentText(state_text(options, "language"))
        self.recipient.setText(state_text(options, "recipient"))
        self.relationship.setText(state_text(options, "relationship"))
        sign_off = state_text(options, "sign_off")
        # A draft from before the name was remembered has an empty field: not a choice.
        if sign_off or self._tab.settings.email_sign_off is not None:
            self.sign_off.setText(sign_off)
        self.to_address.setText(state_text(options, "to"))
        self.original.setPlainText(state_text(inputs, "original_email"))
        self.input.setPlainText(state_text(inputs, "notes"))

    # ------------------------------------------------------------ sending
    def draft(self) -> email.EmailDraft:
        return email.split_subject(self._tab.output_text())

    def open_in_mail_client(self) -> None:
        draft = self.draft()
        if not (draft.subject or draft.body):
            return
        link = email.mailto_url(draft, to=self.to_address.text())
        if not open_url(QUrl(link.url, QUrl.ParsingMode.StrictMode)):
            self._tab.show_error(
                "No mail program opened the email. Set a default mail app in your system "
                "settings, or copy the subject and body into your mail yourself."
            )
            return
        self._tab.show_notice(link.notice)
        self._tab.statusMessage.emit("Opened the email in your mail program.")

    def _copy(self, text: str, what: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self._tab.statusMessage.emit(f"{what} copied to the clipboard.")


def _compose(draft: email.EmailDraft) -> str:
    """The email as the tab shows it: the subject line, a blank line, the body."""
    return f"Subject: {draft.subject}\n\n{draft.body}"


def _escape(text: str) -> str:
    return html.escape(text)
