"""Preferences: the engine (this computer or a team server), threads, context size, how
answers are sampled, the user's languages, work ahead and the battery."""

from __future__ import annotations

import dataclasses

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QWidget,
)

from desktop_slm.config import Settings
from desktop_slm.engine import hardware
from desktop_slm.engine.power import LOW_BATTERY_PERCENT, PowerState
from desktop_slm.engine.remote import ServerModel, normalize_url, server_key, set_server_key
from desktop_slm.errors import UserFacingError
from desktop_slm.languages import UnknownLanguage
from desktop_slm.models.user_languages import language_names, parse_languages, user_languages
from desktop_slm.ui import accessibility
from desktop_slm.ui.bridge.background import Background, Failure
from desktop_slm.ui.bridge.engine import server_models

MAX_CONTEXT = 131_072


class PreferencesDialog(QDialog):
    """Edits a copy of the values; :meth:`apply_to` writes them back on OK."""

    def __init__(
        self,
        settings: Settings,
        parent: QWidget | None = None,
        *,
        power: PowerState | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        cores = hardware.physical_cores()
        self.engine = EngineSection(settings)

        self.threads = QSpinBox()
        self.threads.setObjectName("threadsSpin")
        self.threads.setRange(0, max(64, cores * 2))
        self.threads.setSpecialValueText(f"Automatic (up to {cores}, fewer when the CPU is busy)")
        self.threads.setValue(settings.n_threads or 0)

        self.context = QSpinBox()
        self.context.setObjectName("contextSpin")
        self.context.setRange(0, MAX_CONTEXT)
        self.context.setSingleStep(512)
        self.context.setSuffix(" tokens")
        self.context.setSpecialValueText("Automatic (up to 4096, limited by memory)")
        self.context.setValue(settings.n_ctx or 0)

        self.temperature = QDoubleSpinBox()
        self.temperature.setObjectName("temperatureSpin")
        self.temperature.setRange(0.0, 2.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setDecimals(2)
        self.temperature.setValue(settings.temperature)

        self.max_tokens = QSpinBox()
        self.max_tokens.setObjectName("maxTokensSpin")
        self.max_tokens.setRange(16, 32_768)
        self.max_tokens.setSingleStep(64)
        self.max_tokens.setSuffix(" tokens")
        self.max_tokens.setValue(settings.max_tokens)

        self.prepare = _check_box(
            "Prepare the answer while I type",
            "prepareCheck",
            "When you pause typing, the model reads your request ahead of time, so the "
            "answer starts as soon as you press Generate. Uses the processor while you pause.",
            settings.prepare_while_typing,
        )
        self.suggest = _check_box(
            "Suggest how my sentence goes on",
            "suggestCheck",
            "When you pause typing, a grey continuation appears at the cursor: Tab accepts "
            "it, Ctrl+Right takes its next word, any other key dismisses it.",
            settings.suggest_while_typing,
        )

        self.languages = QLineEdit(language_names(tuple(settings.languages or ())))
        self.languages.setObjectName("languagesEdit")
        automatic = user_languages(dataclasses.replace(settings, languages=None))
        self.languages.setPlaceholderText(f"Automatic: {language_names(automatic)}")
        self.languages.setToolTip(
            "The languages you write in and translate into, separated by commas (names or "
            "codes: German, fr). The recommended model must know all of them."
        )
        self.languages_problem = QLabel()
        self.languages_problem.setObjectName("languagesProblem")
        self.languages_problem.setWordWrap(True)
        self.languages_problem.hide()
        self.on_battery = _check_box(
            "Prepare answers and suggest while on battery",
            "batteryCheck",
            "Also prepare answers and suggest while saving power.",
            settings.prepare_on_battery,
        )
        self.battery_note = QLabel(battery_text(power, override=settings.prepare_on_battery))
        self.battery_note.setObjectName("batteryNote")
        self.battery_note.setWordWrap(True)
        self.on_battery.toggled.connect(
            lambda on: self.battery_note.setText(battery_text(power, override=on))
        )

        note = QLabel(
            "Threads and context size apply when the model is next loaded; changing them "
            "reloads the current model. A larger context holds longer texts but needs more "
            "memory. Temperature 0 gives the same answer every time; higher is more varied."
        )
        note.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        form = QFormLayout(self)
        form.addRow(self.engine)
        form.addRow("Threads", self.threads)
        form.addRow("Context size", self.context)
        form.addRow("Temperature", self.temperature)
        form.addRow("Longest answer", self.max_tokens)
        form.addRow("My languages", self.languages)
        form.addRow("", self.languages_problem)
        form.addRow("", self.prepare)
        form.addRow("", self.suggest)
        form.addRow("", self.on_battery)
        form.addRow("", self.battery_note)
        form.addRow(note)
        form.addRow(buttons)
        accessibility.prepare(self)

    def accept(self) -> None:
        """Close only with languages the app knows; otherwise say which one it does not."""
        try:
            parse_languages(self.languages.text())
        except UnknownLanguage as exc:
            self.languages_problem.setText(str(exc))
            self.languages_problem.show()
            self.languages.setFocus()
            return
        if not self.engine.keep_key():
            return
        super().accept()

    def apply_to(self, settings: Settings) -> bool:
        """Copy the values into ``settings``; True if the model must be reloaded."""
        n_threads = self.threads.value() or None
        n_ctx = self.context.value() or None
        reload = (n_threads, n_ctx) != (settings.n_threads, settings.n_ctx)
        settings.n_threads = n_threads
        settings.n_ctx = n_ctx
        settings.temperature = round(self.temperature.value(), 2)
        settings.max_tokens = self.max_tokens.value()
        settings.prepare_while_typing = self.prepare.isChecked()
        settings.suggest_while_typing = self.suggest.isChecked()
        settings.languages = list(parse_languages(self.languages.text())) or None
        settings.prepare_on_battery = self.on_battery.isChecked()
        self.engine.apply_to(settings)
        return reload


class EngineSection(QGroupBox):
    """Preferences > Engine: "This computer" or "A server" (address, API key, model).

    "Test connection" lists the server's models off the GUI thread and says in one
    sentence how it went. The key is kept in the keyring on OK (:meth:`keep_key`), never
    in the settings: an empty field keeps the key already kept, "Forget the kept key"
    removes it.
    """

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__("Engine", parent)
        self.setObjectName("engineSection")
        self.local = QRadioButton("This computer")
        self.local.setObjectName("engineLocal")
        self.local.setToolTip("The model runs on this computer; nothing you write leaves it.")
        self.server = QRadioButton("A server")
        self.server.setObjectName("engineServer")
        self.server.setToolTip(
            "Your organisation's OpenAI-compatible server (llama-server, vLLM, Ollama, LM "
            "Studio) answers: what you send to the model goes to that server."
        )
        choice = QButtonGroup(self)
        choice.addButton(self.local)
        choice.addButton(self.server)
        (self.server if settings.engine == "server" else self.local).setChecked(True)

        self.url = QLineEdit(settings.server_url)
        self.url.setObjectName("serverUrlEdit")
        self.url.setPlaceholderText("http://server:8080")
        self.key = QLineEdit()
        self.key.setObjectName("serverKeyEdit")
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setToolTip("Kept in the system keyring, never in the settings file.")
        self.forget_key = QCheckBox("Forget the kept key")
        self.forget_key.setObjectName("forgetKeyCheck")
        self.model = QComboBox()
        self.model.setObjectName("serverModelCombo")
        self.model.setToolTip("The server's model the tools use; Test connection lists them.")
        if settings.server_model:
            self.model.addItem(settings.server_model)
        self.test_button = QPushButton("Test connection")
        self.test_button.setObjectName("testConnectionButton")
        self.result = QLabel()
        self.result.setObjectName("connectionResult")
        self.result.setWordWrap(True)
        self._background = Background(self)
        self.key_changed = False
        """True once OK kept a new key or forgot the kept one (the server is connected again)."""

        choice_row = QHBoxLayout()
        choice_row.addWidget(self.local)
        choice_row.addWidget(self.server)
        choice_row.addStretch(1)
        test_row = QHBoxLayout()
        test_row.addWidget(self.model, 1)
        test_row.addWidget(self.test_button)
        form = QFormLayout(self)
        form.addRow(choice_row)
        form.addRow("Server address", self.url)
        form.addRow("API key", self.key)
        form.addRow("", self.forget_key)
        form.addRow("Model", test_row)
        form.addRow("", self.result)

        self.server.toggled.connect(self._refresh)
        self.url.textChanged.connect(self._refresh)
        self.test_button.clicked.connect(self.test_connection)
        self._refresh()

    def _refresh(self) -> None:
        on_server = self.server.isChecked()
        for widget in (self.url, self.key, self.forget_key, self.model, self.test_button):
            widget.setEnabled(on_server)
        self.test_button.setEnabled(on_server and bool(self.url.text().strip()))
        kept = self._kept_key()
        self.forget_key.setVisible(kept)
        self.key.setPlaceholderText(
            "A key is kept: leave empty to keep it" if kept else "None (the server needs none)"
        )

    def _address(self) -> str | None:
        try:
            return normalize_url(self.url.text())
        except UserFacingError:
            return None

    def _kept_key(self) -> bool:
        address = self._address()
        return address is not None and server_key(address) is not None

    def test_connection(self) -> None:
        """List the server's models in the combo, off the GUI thread."""
        try:
            address = normalize_url(self.url.text())
        except UserFacingError as exc:
            self.result.setText(str(exc))
            return
        key = self.key.text().strip() or None
        self.test_button.setEnabled(False)
        self.result.setText(f"Connecting to {address}…")
        self._background.start(
            lambda: server_models(address, key),
            name="server-test",
            what_failed="Testing the connection failed",
            done=self._listed,
            failed=self._not_listed,
        )

    def _listed(self, models: list[ServerModel]) -> None:
        self._refresh()
        chosen = self.model.currentText()
        self.model.clear()
        self.model.addItems([m.id for m in models])
        if chosen in [m.id for m in models]:
            self.model.setCurrentText(chosen)
        count = len(models)
        self.result.setText(
            f"Connected: {count} model{'' if count == 1 else 's'}."
            if count
            else "Connected, but the server offers no model."
        )

    def _not_listed(self, failure: Failure) -> None:
        self._refresh()
        if failure.code == "server_key":
            self.result.setText("The server refused the API key.")
        else:
            self.result.setText(failure.message)

    def keep_key(self) -> bool:
        """On OK: the address is checked, the typed key kept (or the kept one forgotten)
        in the keyring. False, with the reason shown, if that cannot be done."""
        if not self.server.isChecked():
            return True
        try:
            address = normalize_url(self.url.text())
            key = self.key.text().strip()
            if key:
                set_server_key(address, key)
            elif self.forget_key.isChecked():
                set_server_key(address, None)
            self.key_changed = bool(key) or self.forget_key.isChecked()
        except UserFacingError as exc:
            self.result.setText(str(exc))
            self.url.setFocus()
            return False
        return True

    def apply_to(self, settings: Settings) -> None:
        """Copy the engine choice into ``settings`` (never the key)."""
        on_server = self.server.isChecked()
        settings.engine = "server" if on_server else "local"
        if on_server:
            settings.server_url = self._address() or settings.server_url
            settings.server_model = self.model.currentText().strip() or None


def _check_box(text: str, name: str, tip: str, checked: bool) -> QCheckBox:
    box = QCheckBox(text)
    box.setObjectName(name)
    box.setToolTip(tip)
    box.setChecked(checked)
    return box


def battery_text(power: PowerState | None, *, override: bool) -> str:
    """What the battery setting does, and whether it is in effect now."""
    rule = (
        f"On battery below {LOW_BATTERY_PERCENT:.0f} % or in the system's power-saver mode, "
        "answers are not prepared and no suggestions appear while you type, to save the "
        "battery; Generate works as always."
    )
    if power is None:
        return rule
    if not power.save_power:
        return f"{rule} Now: {power.describe()}, so nothing waits."
    if override:
        return f"{rule} Now: {power.reason()}, but this setting keeps them on."
    return f"{rule} In effect now: {power.reason()}."
