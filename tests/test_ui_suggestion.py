"""Inline suggestions in the real window with the real SmolLM2 test model, typed like a person.

A suggestion is painted, not typed: until it is accepted the box's text, its undo history
and the tab's "changed" signal must not see it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QPlainTextEdit
from pytestqt.qtbot import QtBot

from desktop_slm.ui.main_window import MainWindow
from desktop_slm.ui.suggestion import InlineSuggestion
from tests import test_ui
from tests.test_ui import ANSWER_MS, FAST_SETTINGS, OpenWindow, press_generate, wait_loaded

# The window tests' fixtures: no dialog may block; real windows and workers are cleaned up.
shown = test_ui.shown
open_window = test_ui.open_window

SETTINGS = {**FAST_SETTINGS, "prepare_while_typing": False}
TYPED = "Thanks for sending the report. I will"
CTRL = Qt.KeyboardModifier.ControlModifier


def suggestion_of(window: MainWindow, editor: QPlainTextEdit) -> InlineSuggestion:
    found = [s for s in window.email_tab.suggestions if s.parent() is editor]
    assert len(found) == 1
    return found[0]


def type_into(qtbot: QtBot, editor: QPlainTextEdit, text: str) -> None:
    editor.setFocus()
    qtbot.waitUntil(editor.hasFocus)
    qtbot.keyClicks(editor, text)


def wait_suggestion(qtbot: QtBot, suggestion: InlineSuggestion) -> str:
    qtbot.waitUntil(lambda: suggestion.text != "", timeout=ANSWER_MS)
    return suggestion.text


def open_notes(
    qtbot: QtBot, open_window: OpenWindow, model: Path, settings: dict[str, object] = SETTINGS
) -> tuple[MainWindow, QPlainTextEdit, InlineSuggestion]:
    window = open_window(model, settings)
    wait_loaded(qtbot, window, model)
    notes = window.email_tab.form.notes
    return window, notes, suggestion_of(window, notes)


def test_a_pause_shows_a_grey_suggestion_that_tab_accepts_as_one_undo_step(
    qtbot: QtBot, open_window: OpenWindow, smollm2_path: Path
) -> None:
    window, notes, suggestion = open_notes(qtbot, open_window, smollm2_path)
    type_into(qtbot, notes, TYPED)
    changes: list[object] = []
    window.email_tab.changed.connect(lambda: changes.append(1))
    undo_steps = notes.document().availableUndoSteps()

    shown_text = wait_suggestion(qtbot, suggestion)
    assert shown_text.startswith(" ")  # "I will" + " …": a new word
    assert len(shown_text.split()) <= 12
    assert "\n" not in shown_text
    # Painted only: the text, its undo history and the draft never saw it.
    assert notes.toPlainText() == TYPED
    assert notes.document().availableUndoSteps() == undo_steps
    assert changes == []
    assert "Suggestion:" in notes.accessibleDescription()

    qtbot.keyClick(notes, Qt.Key.Key_Tab)
    assert notes.toPlainText() == TYPED + shown_text
    assert notes.hasFocus(), "Tab with a suggestion moved the focus instead of accepting"
    assert notes.textCursor().atEnd()
    assert suggestion.text == ""
    assert "Suggestion:" not in notes.accessibleDescription()
    assert changes, "accepting did not count as a change of the draft"

    qtbot.keyClick(notes, Qt.Key.Key_Z, CTRL)  # one undo takes the whole suggestion back
    assert notes.toPlainText() == TYPED


def test_ctrl_right_accepts_one_word_and_keeps_the_rest_on_show(
    qtbot: QtBot, open_window: OpenWindow, smollm2_path: Path
) -> None:
    _window, notes, suggestion = open_notes(qtbot, open_window, smollm2_path)
    type_into(qtbot, notes, TYPED)
    full = wait_suggestion(qtbot, suggestion)
    assert len(full.split()) >= 2, full
    first = " " + full.split()[0]

    qtbot.keyClick(notes, Qt.Key.Key_Right, CTRL)
    assert notes.toPlainText() == TYPED + first
    assert suggestion.text == full[len(first) :]
    qtbot.keyClick(notes, Qt.Key.Key_Tab)
    assert notes.toPlainText() == TYPED + full


def test_typing_dismisses_a_suggestion_and_cancels_the_one_in_flight(
    qtbot: QtBot, open_window: OpenWindow, smollm2_path: Path
) -> None:
    window, notes, suggestion = open_notes(qtbot, open_window, smollm2_path)
    shown_for: dict[int, str] = {}
    # Connected after the box's own slot: records what the box shows for each answer.
    window.bridge.suggested.connect(
        lambda ticket, _text, _final: shown_for.setdefault(ticket, suggestion.text)
    )
    type_into(qtbot, notes, TYPED)
    wait_suggestion(qtbot, suggestion)
    qtbot.keyClick(notes, Qt.Key.Key_Escape)  # Esc dismisses it
    assert suggestion.text == ""
    assert not window.email_tab.running
    qtbot.keyClicks(notes, " s")  # any other key is typed as usual
    assert notes.toPlainText() == TYPED + " s"

    # A keystroke while the request runs: what that request answers is never shown.
    qtbot.waitUntil(lambda: suggestion.ticket != 0)
    in_flight = suggestion.ticket
    qtbot.keyClicks(notes, "e")
    assert suggestion.ticket == 0
    later = wait_suggestion(qtbot, suggestion)
    assert shown_for.get(in_flight, "") == ""
    assert notes.toPlainText() == TYPED + " se"
    assert later.strip()


def test_tab_without_a_suggestion_moves_the_focus_on(
    qtbot: QtBot, open_window: OpenWindow, smollm2_path: Path
) -> None:
    _window, notes, suggestion = open_notes(qtbot, open_window, smollm2_path)
    type_into(qtbot, notes, TYPED)
    qtbot.keyClick(notes, Qt.Key.Key_Tab)  # before the pause: nothing is suggested
    assert suggestion.text == ""
    assert not notes.hasFocus()
    assert notes.toPlainText() == TYPED


def test_the_answer_box_gets_suggestions_too(
    qtbot: QtBot, open_window: OpenWindow, smollm2_path: Path
) -> None:
    window, _notes, _suggestion = open_notes(qtbot, open_window, smollm2_path)
    output = window.email_tab.output
    suggestion = suggestion_of(window, output)
    type_into(qtbot, output, "Dear Anna,")
    qtbot.keyClick(output, Qt.Key.Key_Return)  # keyClicks cannot type a newline
    qtbot.keyClicks(output, "The meeting is moved to")
    shown_text = wait_suggestion(qtbot, suggestion)
    qtbot.keyClick(output, Qt.Key.Key_Tab)
    assert output.toPlainText() == "Dear Anna,\nThe meeting is moved to" + shown_text


def test_suggestions_can_be_turned_off(
    qtbot: QtBot, open_window: OpenWindow, smollm2_path: Path
) -> None:
    window, notes, suggestion = open_notes(
        qtbot, open_window, smollm2_path, {**SETTINGS, "suggest_while_typing": False}
    )
    arrived: list[int] = []
    window.bridge.suggested.connect(lambda ticket, _text, _final: arrived.append(ticket))
    type_into(qtbot, notes, TYPED)
    qtbot.wait(1500)  # well past the pause that would ask for one
    assert arrived == []
    assert suggestion.text == ""
    assert not suggestion.pending


def test_a_running_generate_gets_no_suggestion_and_wins_over_one(
    qtbot: QtBot, open_window: OpenWindow, smollm2_path: Path
) -> None:
    window, notes, suggestion = open_notes(qtbot, open_window, smollm2_path)
    tab = window.email_tab
    arrived: list[int] = []
    window.bridge.suggested.connect(lambda ticket, _text, _final: arrived.append(ticket))
    type_into(qtbot, notes, TYPED)
    wait_suggestion(qtbot, suggestion)
    # Each receiver gets its own queued event: the test's may come a turn after the box's.
    qtbot.waitUntil(lambda: arrived != [], timeout=ANSWER_MS)
    last_asked = max(arrived)

    press_generate(qtbot, window)  # Ctrl+Enter with a suggestion on show
    assert tab.stop_button.isEnabled(), "Generate was refused"
    assert suggestion.text == "", "the suggestion stayed on show while Generate ran"
    assert notes.toPlainText() == TYPED
    qtbot.keyClicks(notes, " and")  # typing while the answer is written
    qtbot.wait(1000)
    assert tab.running
    assert max(arrived) == last_asked, "a suggestion was asked for while Generate ran"
    assert suggestion.text == ""
    qtbot.waitUntil(lambda: not tab.running, timeout=ANSWER_MS)


def test_preferences_turn_suggestions_off_and_on(qtbot: QtBot, open_window: OpenWindow) -> None:
    from desktop_slm.ui.preferences import PreferencesDialog

    window = open_window()
    assert window.settings.suggest_while_typing  # on by default
    dialog = PreferencesDialog(window.settings, window)
    qtbot.addWidget(dialog)
    box = dialog.findChild(QCheckBox, "suggestCheck")
    assert box is not None
    assert box.isChecked()
    assert box.accessibleName()
    box.setChecked(False)
    dialog.apply_to(window.settings)
    assert window.settings.suggest_while_typing is False
    assert not window.email_tab.suggestions[0]._enabled()


def test_every_text_box_a_user_types_in_gets_suggestions(
    qtbot: QtBot, open_window: OpenWindow, smollm2_path: Path
) -> None:
    window, _notes, _suggestion = open_notes(qtbot, open_window, smollm2_path)
    tabs = [*window.tool_tabs, window.analyze_tab]
    for tab in tabs:
        editable = [
            box
            for box in tab.findChildren(QPlainTextEdit)
            if not box.isReadOnly() and box.isVisibleTo(tab)
        ]
        assert editable, f"{tab.objectName()} has no text box"
        for box in editable:
            assert [s for s in tab.suggestions if s.parent() is box], (
                f"{box.objectName()} in {tab.objectName()} gets no suggestions"
            )
    # The Analyze tab's text: a pause shows one there too, and Tab takes it.
    window.show_tab(window.analyze_tab)
    text_box = window.analyze_tab.input
    (suggestion,) = [s for s in window.analyze_tab.suggestions if s.parent() is text_box]
    type_into(qtbot, text_box, "The delivery was late and the box")
    shown_text = wait_suggestion(qtbot, suggestion)
    qtbot.keyClick(text_box, Qt.Key.Key_Tab)
    assert text_box.toPlainText() == "The delivery was late and the box" + shown_text
