"""The battery rule in the real window, with the real SmolLM2 model and a stand-in sensor.

On battery below 30 % (or in power-saver mode) nothing is prepared or suggested while the
user types, and the status bar says so; plugged in, or with the Preferences override,
both work again.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtWidgets import QCheckBox, QLabel
from pytestqt.qtbot import QtBot

from desktop_slm.engine.power import PowerState
from desktop_slm.ui.main_window import MainWindow
from desktop_slm.ui.preferences import PreferencesDialog
from desktop_slm.ui.tool.tab import PREFILL_DELAY_SUGGESTING_MS
from tests import test_ui
from tests.test_ui import ANSWER_MS, FAST_SETTINGS, OpenWindow, type_notes, wait_loaded
from tests.test_ui_suggestion import suggestion_of

# The window tests' fixtures: no dialog may block; real windows and workers are cleaned up.
shown = test_ui.shown
open_window = test_ui.open_window

LOW = PowerState(on_battery=True, battery_percent=20.0)
SAVER = PowerState(on_battery=False, battery_percent=100.0, power_saver=True)
PLUGGED = PowerState(on_battery=False, battery_percent=20.0)


class StandInSensor:
    """Says what the test sets; read on the window's sensor thread."""

    def __init__(self, state: PowerState) -> None:
        self._lock = threading.Lock()
        self._state = state

    def set(self, state: PowerState) -> None:
        with self._lock:
            self._state = state

    def read(self) -> PowerState:
        with self._lock:
            return self._state


class Watched:
    """Counts what the engine prepared and suggested for the window."""

    def __init__(self, window: MainWindow) -> None:
        self.prepared: list[object] = []
        self.suggested: list[int] = []
        window.bridge.prefilled.connect(self.prepared.append)
        window.bridge.suggested.connect(lambda ticket, _text, _final: self.suggested.append(ticket))


def open_on(
    qtbot: QtBot, open_window: OpenWindow, model: Path, sensor: StandInSensor, **settings: object
) -> MainWindow:
    window = open_window(model, {**FAST_SETTINGS, **settings}, power=sensor)
    wait_loaded(qtbot, window, model)
    qtbot.waitUntil(lambda: window.power.state == sensor.read())  # the first reading is in
    return window


def background_allowed_everywhere(window: MainWindow) -> set[bool]:
    """Whether each text box of every tab (Analyze too) would ask for a suggestion."""
    boxes = [s for tab in window.tool_tabs for s in tab.suggestions]
    boxes += window.analyze_tab.suggestions
    return {box._enabled() for box in boxes}


def test_on_a_low_battery_nothing_is_prepared_or_suggested_until_plugged_in(
    qtbot: QtBot, open_window: OpenWindow, smollm2_path: Path
) -> None:
    sensor = StandInSensor(LOW)
    window = open_on(qtbot, open_window, smollm2_path, sensor)
    assert window.settings.prepare_while_typing
    assert window.settings.suggest_while_typing
    assert window.power_label.isVisible()
    assert window.power_label.text() == "Saving power: on battery at 20 %"
    assert "no suggestions" in window.power_label.toolTip()
    assert background_allowed_everywhere(window) == {False}
    watched = Watched(window)
    type_notes(qtbot, window)  # then the user pauses, well past both delays
    qtbot.wait(PREFILL_DELAY_SUGGESTING_MS + 1000)
    assert watched.prepared == [], "the answer was prepared on a low battery"
    assert watched.suggested == [], "a suggestion was asked for on a low battery"
    notes = window.email_tab.form.notes
    assert suggestion_of(window, notes).text == ""

    sensor.set(PLUGGED)
    with qtbot.waitSignal(window.power.changed):
        window.power.check()
    assert not window.power_label.isVisible()
    assert background_allowed_everywhere(window) == {True}
    with qtbot.waitSignal(window.bridge.prefilled, timeout=ANSWER_MS):
        qtbot.keyClicks(notes, " Thanks for the report. I will")
        qtbot.waitUntil(lambda: watched.suggested != [], timeout=ANSWER_MS)


def test_power_saver_mode_pauses_work_ahead_even_plugged_in(
    qtbot: QtBot, open_window: OpenWindow, smollm2_path: Path
) -> None:
    sensor = StandInSensor(SAVER)
    window = open_on(qtbot, open_window, smollm2_path, sensor, prepare_while_typing=True)
    assert window.power_label.text() == "Saving power: in power-saver mode"
    watched = Watched(window)
    type_notes(qtbot, window)
    qtbot.wait(PREFILL_DELAY_SUGGESTING_MS + 1000)
    assert watched.prepared == []
    assert watched.suggested == []


def test_the_preferences_override_prepares_and_suggests_on_battery(
    qtbot: QtBot, open_window: OpenWindow, smollm2_path: Path
) -> None:
    sensor = StandInSensor(LOW)
    window = open_on(qtbot, open_window, smollm2_path, sensor)
    assert window.power_label.isVisible()

    # Preferences explains the rule, says it is in effect now, and offers the override.
    dialog = PreferencesDialog(window.preferences_settings(), window, power=window.power.state)
    qtbot.addWidget(dialog)
    box = dialog.findChild(QCheckBox, "batteryCheck")
    note = dialog.findChild(QLabel, "batteryNote")
    assert box is not None
    assert note is not None
    assert box.text() == "Prepare answers and suggest while on battery"
    assert box.accessibleName()
    assert not box.isChecked()
    assert "below 30 %" in note.text()
    assert "power-saver mode" in note.text()
    assert "In effect now: on battery at 20 %." in note.text()
    box.setChecked(True)
    assert "this setting keeps them on" in note.text()
    window.apply_preferences(dialog)
    assert window.settings.prepare_on_battery
    assert not window.power_label.isVisible()
    assert background_allowed_everywhere(window) == {True}

    watched = Watched(window)
    with qtbot.waitSignal(window.bridge.prefilled, timeout=ANSWER_MS):
        type_notes(qtbot, window, "Thanks for sending the report. I will")
        qtbot.waitUntil(lambda: watched.suggested != [], timeout=ANSWER_MS)
    assert watched.prepared


def test_the_override_is_remembered(
    qtbot: QtBot, open_window: OpenWindow, smollm2_path: Path
) -> None:
    from desktop_slm.config import app_paths, load_settings

    window = open_on(qtbot, open_window, smollm2_path, StandInSensor(LOW), prepare_on_battery=True)
    assert not window.power_label.isVisible()
    assert background_allowed_everywhere(window) == {True}
    window.close()
    assert load_settings(app_paths()).settings.prepare_on_battery
