"""Preferences: threads, context size, how answers are sampled, the user's languages,
work ahead and the battery."""

from __future__ import annotations

import dataclasses

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from desktop_slm.config import Settings
from desktop_slm.engine import hardware
from desktop_slm.engine.power import LOW_BATTERY_PERCENT, PowerState
from desktop_slm.languages import UnknownLanguage
from desktop_slm.models.user_languages import language_names, parse_languages, user_languages
from desktop_slm.ui import accessibility

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
        return reload


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
