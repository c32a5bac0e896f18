"""Keyboard, screen-reader names, light and dark, and the editors' zoom, in the real window.

The naming rule enforced here (``accessibility.unnamed_controls``): every input (text
box, list, table, combo box, spin box, check box, radio button, slider) has an
``accessibleName``, shown or hidden; a button may instead have visible text, which is
what Qt reads for a button, so an icon-only button needs an explicit name. Qt's own parts
of a control (a spin box's line edit, a tab bar's arrows) are named by Qt.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QLabel, QTabWidget, QWidget
from pytestqt.qtbot import QtBot

from desktop_slm.config import Settings
from desktop_slm.ui import accessibility, theme
from desktop_slm.ui.main_window import MainWindow
from desktop_slm.ui.preferences import PreferencesDialog
from tests import test_ui
from tests.test_ui import FAST_SETTINGS, OpenWindow, type_notes, wait_finished, wait_loaded

# The window tests' fixtures: no dialog may block; real windows and workers are cleaned up.
shown = test_ui.shown
open_window = test_ui.open_window


@pytest.fixture(autouse=True)
def light_again() -> Iterator[None]:
    """A test that switches to dark leaves the app light for the next one."""
    yield
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    theme.apply(app, Qt.ColorScheme.Light)


# ---------------------------------------------------------------- WCAG contrast
def luminance(colour: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(v) for v in (colour.redF(), colour.greenF(), colour.blueF()))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: QColor, second: QColor) -> float:
    """WCAG 2 contrast ratio: 1 (none) to 21 (black on white); body text needs 4.5."""
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def pixels(widget: QWidget) -> Counter[str]:
    image: QImage = widget.grab().toImage()
    return Counter(
        QColor(image.pixel(x, y)).name()
        for x in range(image.width())
        for y in range(image.height())
    )


def text_contrast(widget: QWidget) -> tuple[QColor, float]:
    """The background a widget is drawn on, and how well its text stands out from it.

    The background is the commonest pixel; the text, the pixel that differs most from it
    (antialiased glyphs are never more contrasted than their colour: a lower bound).
    """
    counts = pixels(widget)
    background = QColor(counts.most_common(1)[0][0])
    best = max(contrast(QColor(name), background) for name in counts)
    return background, best


# ---------------------------------------------------------------- names
def test_every_control_of_every_tab_and_of_preferences_has_a_name(
    qtbot: QtBot, open_window: OpenWindow
) -> None:
    window = open_window()
    assert len(window.tool_tabs) == 4  # builds every writing tab
    analyze = window.analyze_tab
    models = window.models_tab
    pages = models.findChild(QTabWidget, "modelSections")
    assert pages is not None
    assert pages.count() == 4  # Installed, Catalog, Hub, Found
    qtbot.waitUntil(lambda: models.catalog.table.rowCount() > 0)  # its buttons are built
    dialog = PreferencesDialog(Settings(), window)

    for root in (window, dialog):
        missing = [
            f"{type(w).__name__} {w.objectName() or '(no object name)'}"
            for w in accessibility.unnamed_controls(root)
        ]
        assert missing == [], f"controls without an accessible name: {missing}"

    tab = window.email_tab
    # Names come from what a sighted user reads next to the control.
    assert tab.form.tone.accessibleName() == "Tone"
    assert tab.form.notes.accessibleName() == "Notes"
    assert tab.output.accessibleName() == "Email"
    assert tab.form.to_address.accessibleName() == "To"
    assert dialog.threads.accessibleName() == "Threads"
    assert window.translate_tab.form.source.accessibleName() == "Translate from"
    assert models.hub.search_edit.accessibleName() == "Search GGUF models on the Hugging Face Hub"
    assert models.installed.table.accessibleName() == "Installed models"
    assert analyze.column.accessibleName() == "Text column"
    assert analyze.batch.table.accessibleName() == "Analysed rows"
    # Every control is really checked: a control without a label is reported.
    orphan = QWidget()
    orphan_box = type(tab.form.recipient)(orphan)
    assert accessibility.unnamed_controls(orphan) == [orphan_box]
    orphan.deleteLater()


def test_a_label_found_for_a_control_becomes_its_buddy(open_window: OpenWindow) -> None:
    tab = open_window().email_tab
    buddies = {label.buddy() for label in tab.findChildren(QLabel) if label.buddy() is not None}
    assert {
        tab.form.tone,
        tab.form.length,
        tab.form.recipient,
        tab.form.to_address,
        tab.form.original,
    } <= buddies


# ---------------------------------------------------------------- keyboard
def test_tab_goes_from_the_notes_through_the_options_to_generate_then_to_the_output(
    qtbot: QtBot, open_window: OpenWindow, smollm2_path: Path
) -> None:
    window = open_window(smollm2_path, FAST_SETTINGS)
    wait_loaded(qtbot, window, smollm2_path)
    tab = window.email_tab
    type_notes(qtbot, window)

    def tab_key() -> QWidget:
        focused = QApplication.focusWidget()
        assert focused is not None
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
        after = QApplication.focusWidget()
        assert after is not None
        return after

    visited = [tab_key() for _ in range(7)]
    assert tab.form.notes.toPlainText() == test_ui.NOTES  # Tab left the notes, typed nothing
    assert visited == [
        tab.form.tone,
        tab.form.length,
        tab.form.language,
        tab.form.recipient,
        tab.form.relationship,
        tab.form.sign_off,
        tab.generate_button,
    ]
    qtbot.keyClick(tab.generate_button, Qt.Key.Key_Space)  # Generate, from the keyboard
    wait_finished(qtbot, window)
    assert tab.output.toPlainText().startswith("Subject:")
    tab.generate_button.setFocus()
    assert tab_key() is tab.output  # Stop is disabled again: next comes the result
    # Shift+Tab walks back.
    qtbot.keyClick(tab.output, Qt.Key.Key_Backtab)
    assert QApplication.focusWidget() is tab.generate_button


@pytest.mark.parametrize("scheme", [Qt.ColorScheme.Light, Qt.ColorScheme.Dark])
def test_the_focused_control_has_an_outline_in_both_schemes(
    qtbot: QtBot, open_window: OpenWindow, scheme: Qt.ColorScheme
) -> None:
    window = open_window()
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    colours = theme.apply(app, scheme)
    tab = window.email_tab
    focus = QColor(colours.focus).name()
    for control in (tab.form.tone, tab.form.recipient, tab.open_button):
        tab.form.notes.setFocus()
        qtbot.waitUntil(tab.form.notes.hasFocus)
        assert pixels(control)[focus] == 0
        control.setFocus()
        qtbot.waitUntil(control.hasFocus)
        drawn = pixels(control)
        assert drawn[focus] > control.width()  # an outline around the control
        # ... that stands out from what is around it (WCAG: 3:1 for a focus indicator).
        assert contrast(QColor(focus), QColor(colours.window)) >= 3
        assert contrast(QColor(focus), QColor(colours.base)) >= 3


# ---------------------------------------------------------------- light and dark
def test_dark_scheme_keeps_the_banners_and_the_subject_readable(
    qtbot: QtBot, open_window: OpenWindow
) -> None:
    window = open_window()
    message = "Your drafts cannot be saved in this session; see the log for details."
    window.show_notice(message)
    qtbot.waitUntil(window.notice.isVisible)
    app = QApplication.instance()
    assert isinstance(app, QApplication)

    light_background, light_ratio = text_contrast(window.notice)
    assert light_ratio >= 4.5

    theme.apply(app, Qt.ColorScheme.Dark)  # what the system's colorSchemeChanged calls
    QApplication.processEvents()
    dark_background, dark_ratio = text_contrast(window.notice)
    assert luminance(dark_background) < 0.1 < luminance(light_background)
    assert dark_ratio >= 4.5, f"notice text contrast {dark_ratio:.2f} on {dark_background.name()}"
    # The whole window follows: text boxes are dark with light text.
    tab = window.email_tab
    palette = tab.form.notes.palette()
    assert luminance(palette.base().color()) < 0.1
    assert contrast(palette.text().color(), palette.base().color()) >= 4.5
    # The Models tab's banners and the Email tab's Subject line too.
    models = window.models_tab
    window.show_models_tab()
    qtbot.waitUntil(models.card.title.isVisible)
    card_background, card_ratio = text_contrast(models.card.title)
    assert luminance(card_background) < 0.1
    assert card_ratio >= 4.5
    subject = tab.form._highlighter._format.foreground().color()
    assert contrast(subject, palette.base().color()) >= 4.5
    # Back to light: the same banner is light again.
    theme.apply(app, Qt.ColorScheme.Light)
    QApplication.processEvents()
    assert text_contrast(window.notice)[0] == light_background
    assert tab.form._highlighter._format.foreground().color() == QColor(theme.LIGHT.subject)


@pytest.mark.parametrize("colours", [theme.LIGHT, theme.DARK], ids=["light", "dark"])
def test_every_banner_and_text_tone_reads_well(colours: theme.Colours) -> None:
    for kind, (background, text) in colours.banners.items():
        assert contrast(QColor(text), QColor(background)) >= 4.5, kind
    for name in ("text", "muted", "error", "warning", "subject", "link"):
        foreground = QColor(getattr(colours, name))
        for surface in (colours.base, colours.window):
            assert contrast(foreground, QColor(surface)) >= 4.5, (name, surface)
    # The Analyze tab's entity highlights keep the text under them readable.
    for kind, background in colours.entities.items():
        assert contrast(QColor(colours.text), QColor(background)) >= 4.5, kind


# ---------------------------------------------------------------- zoom
def test_ctrl_plus_and_minus_scale_every_editor_and_the_size_is_remembered(
    qtbot: QtBot, open_window: OpenWindow, app_home: Path
) -> None:
    window = open_window()
    tab = window.email_tab
    normal = tab.form.notes.font().pointSizeF()
    tab.form.notes.setFocus()
    qtbot.waitUntil(tab.form.notes.hasFocus)
    ctrl = Qt.KeyboardModifier.ControlModifier

    def sizes(window: MainWindow) -> set[float]:
        editors = [t.input for t in window.tool_tabs] + [t.output for t in window.tool_tabs]
        editors += [window.email_tab.form.original, window.report_tab.form.outline]
        return {round(e.font().pointSizeF(), 2) for e in editors}

    qtbot.keyClick(tab.form.notes, Qt.Key.Key_Plus, ctrl)
    qtbot.keyClick(tab.form.notes, Qt.Key.Key_Plus, ctrl)
    assert sizes(window) == {round(normal * 1.2, 2)}
    assert tab.form.notes.toPlainText() == ""  # the keys zoomed, they typed nothing
    qtbot.keyClick(tab.form.notes, Qt.Key.Key_Minus, ctrl)
    assert sizes(window) == {round(normal * 1.1, 2)}
    window.close()
    saved = json.loads((app_home / "config" / "settings.json").read_text(encoding="utf-8"))
    assert saved["editor_zoom"] == 110

    again = open_window()
    assert sizes(again) == {round(normal * 1.1, 2)}  # applied at start
    output = again.email_tab.output
    output.setFocus()
    qtbot.waitUntil(output.hasFocus)
    qtbot.keyClick(output, Qt.Key.Key_0, ctrl)
    assert sizes(again) == {round(normal, 2)}
