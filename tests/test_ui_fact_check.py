"""The fact check in the window: the line under every answer, the highlights, the fixes.

The scripted engine makes the model's mistakes exact (an invented name and company, a
dropped date); one test runs the real SmolLM2 model to see the line under a real answer.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextCursor
from pytestqt.qtbot import QtBot

from desktop_slm.ui.tool.tab import ToolTab
from tests import test_ui
from tests.test_tools_jobs import Request
from tests.test_ui import FAST_SETTINGS, OpenWindow, wait_loaded
from tests.test_ui_tools import (
    REAL_MS,
    WAIT_MS,
    FakeClient,
    MakeWindow,
    finished,
    make_window,
    scripted_answer,
    show_tab,
)

# The window tests' fixtures, used by name.
__all__ = ["make_window"]
shown = test_ui.shown
open_window = test_ui.open_window

NOTES = "tell Anna the review moves to 14 March at 10:00 in room B12; budget is 4,800 euros"

INVENTED = (
    "Subject: Review on 14 March\n\nHi Anna,\n\nthe review moves to 14 March in room B12. "
    "The budget is 4,800 euros. John Smith from FoxBridge will join us.\n\nBest regards,\nSam"
)
"""An answer that drops 10:00 and invents John Smith and FoxBridge."""

FIXED = (
    "Subject: Review on 14 March\n\nHi Anna,\n\nthe review moves to 14 March at 10:00 in "
    "room B12. The budget is 4,800 euros.\n\nBest regards,\nSam"
)


def mistaken_model(request: Request) -> str:
    """Writes the email with mistakes; fixes them only when asked to."""
    if "drafts emails" in request.system:
        return INVENTED
    if "You are an editor" in request.system and (
        "John Smith" in request.user.split("Text:")[0] or "10:00" in request.user
    ):
        return FIXED
    if "professional translator" in request.system:
        return "\n".join(FRENCH.get(line, line) for line in request.user.splitlines())
    return scripted_answer(request)


FRENCH = {
    "Invoice INV-2024-017 is due on 3 May.": "La facture INV-2024-017 est due le 3 mai.",
    "Call Maria Lopez on 555-0142.": "Appelez Maria Lopez au 555-0142.",
}


def write_email(qtbot: QtBot, make_window: MakeWindow) -> tuple[FakeClient, ToolTab]:  # type: ignore[type-arg]
    client = FakeClient(answer=mistaken_model)
    window = make_window(client)
    tab = window.email_tab
    tab.form.notes.setPlainText(NOTES)
    tab.form.recipient.setText("Anna")
    tab.form.sign_off.setText("Sam")
    tab.generate()
    qtbot.waitUntil(finished(tab), timeout=WAIT_MS)
    return client, tab


def test_the_line_names_what_is_missing_and_what_is_invented_and_marks_the_invented(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    _client, tab = write_email(qtbot, make_window)
    line = tab.check_line.label.text()
    assert tab.check_line.isVisible()
    assert "1 missing: 10:00" in line
    assert "2 not in your notes: John Smith, FoxBridge" in line
    # The names the user gave (Anna, Sam) are not "invented".
    assert "Anna" not in line.split("·")[-1]
    assert "Sam" not in line
    assert tab.output_panel.marked_texts() == ["John Smith", "FoxBridge"]
    assert tab.check_line.buttons["add_missing"].isVisible()
    assert tab.check_line.buttons["remove_invented"].isVisible()

    # Clicking a marked name selects all of it.
    output = tab.output
    start = output.toPlainText().index("FoxBridge") + 3
    cursor = output.textCursor()
    cursor.setPosition(start)
    point = output.cursorRect(cursor).center()
    qtbot.mouseClick(output.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(point))
    assert output.textCursor().selectedText() == "FoxBridge"


def test_editing_the_answer_checks_it_again(qtbot: QtBot, make_window: MakeWindow) -> None:
    _client, tab = write_email(qtbot, make_window)
    text = tab.output.toPlainText().replace(" John Smith from FoxBridge will join us.", "")
    cursor = tab.output.textCursor()
    cursor.select(QTextCursor.SelectionType.Document)
    cursor.insertText(text.replace("14 March in", "14 March at 10:00 in"))
    qtbot.waitUntil(lambda: tab.check_line.label.text().startswith("✓"), timeout=WAIT_MS)
    assert "from your notes are in the draft" in tab.check_line.label.text()
    assert tab.output_panel.marked_texts() == []
    assert not tab.check_line.buttons["add_missing"].isVisible()
    assert not tab.check_line.buttons["remove_invented"].isVisible()


def test_the_fixes_ask_the_model_with_the_details_and_can_be_undone(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    client, tab = write_email(qtbot, make_window)
    before = tab.output.toPlainText()
    qtbot.mouseClick(tab.check_line.buttons["remove_invented"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(finished(tab), timeout=WAIT_MS)
    asked = client.requests[-1]
    assert "You are an editor" in asked.system
    assert '"John Smith"' in asked.user
    assert '"FoxBridge"' in asked.user
    assert tab.check_line.label.text().startswith("✓")
    assert tab.undo_button.isVisible()

    qtbot.mouseClick(tab.undo_button, Qt.MouseButton.LeftButton)
    assert tab.output.toPlainText() == before
    qtbot.waitUntil(lambda: "not in your notes" in tab.check_line.label.text(), timeout=WAIT_MS)

    qtbot.mouseClick(tab.check_line.buttons["add_missing"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(finished(tab), timeout=WAIT_MS)
    assert '"10:00"' in client.requests[-1].user
    assert "add" in client.requests[-1].user.lower()


def test_every_tool_checks_its_answer_against_its_own_input(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window(FakeClient(answer=mistaken_model))
    summarize = window.summarize_tab
    show_tab(window, summarize)
    summarize.input.setPlainText(
        "The Oslo office budget grows by ten percent next year, to 2.4 million kroner."
    )
    summarize.generate()
    qtbot.waitUntil(finished(summarize), timeout=WAIT_MS)
    assert summarize.check_line.isVisible()
    assert "missing: Oslo, 2.4 million kroner" in summarize.check_line.label.text()

    translate = window.translate_tab
    show_tab(window, translate)
    translate.input.setPlainText("Invoice INV-2024-017 is due on 3 May.")
    translate.form.target.setCurrentIndex(translate.form.target.findData("fr"))
    translate.generate()
    qtbot.waitUntil(finished(translate), timeout=WAIT_MS)
    assert translate.check_line.isVisible()
    assert translate.check_line.label.text().startswith("✓")

    # A new run hides the old line until its own answer is checked.
    translate.input.setPlainText("Call Maria Lopez on 555-0142.")
    translate.generate()
    assert not translate.check_line.isVisible()
    qtbot.waitUntil(finished(translate), timeout=WAIT_MS)
    assert translate.check_line.isVisible()


def test_a_real_answer_gets_its_line(
    qtbot: QtBot, open_window: OpenWindow, smollm2_path: Path
) -> None:
    window = open_window(smollm2_path, FAST_SETTINGS)
    wait_loaded(qtbot, window, smollm2_path)
    tab = window.email_tab
    show_tab(window, tab)
    tab.form.notes.setPlainText(NOTES)
    qtbot.waitUntil(tab.generate_button.isEnabled)
    tab.generate()
    qtbot.waitUntil(finished(tab), timeout=REAL_MS)
    line = tab.check_line.label.text()
    assert tab.check_line.isVisible()
    assert line.startswith("✓") or "missing" in line or "not in your notes" in line
    marked = tab.output_panel.marked_texts()
    assert all(text in tab.output.toPlainText() for text in marked)
    assert len(marked) == len(tab.check_line.check.invented if tab.check_line.check else [])
