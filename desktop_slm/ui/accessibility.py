"""Keyboard and screen-reader access: every control named, Tab in reading order.

One pass over a finished tab (:func:`prepare`) does what would otherwise be hundreds of
scattered calls:

* :func:`name_controls` gives every unnamed input an accessible name from what a sighted
  user reads next to it: its row label in a form, a label whose buddy it is, a short
  heading label right above it, its placeholder text; a button without text gets its tool
  tip. A label found this way becomes the control's buddy, so an Alt+letter mnemonic in it
  works. Controls none of that names get ``setAccessibleName`` where they are created.
* :func:`set_reading_order` makes Tab follow the layouts (top to bottom, left to right,
  the panes of a splitter in turn) instead of the order the widgets were created in;
  Tab moves out of a text box instead of typing a tab character.
* :func:`unnamed_controls` is the rule the tests enforce: every input has an
  ``accessibleName``; every button has one or visible text (what Qt reads for a button).
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Iterator

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLayout,
    QLayoutItem,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QSlider,
    QSplitter,
    QStackedWidget,
    QTabBar,
    QTabWidget,
    QTextEdit,
    QWidget,
)

INPUTS: tuple[type[QWidget], ...] = (
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,  # and QTextBrowser
    QComboBox,
    QAbstractSpinBox,  # QSpinBox, QDoubleSpinBox
    QSlider,
    QAbstractItemView,  # QTableWidget/View, QListWidget
)
"""Controls that need a name of their own (a button's text is its name)."""

CONTROLS: tuple[type[QWidget], ...] = (*INPUTS, QAbstractButton)

# Qt's own parts of a composite control (a spin box's line edit, a combo box's list, a
# tab bar's scroll arrows, a line edit's clear button): Qt names them through the parent.
_COMPOSITES: tuple[type[QWidget], ...] = (
    QAbstractSpinBox,
    QComboBox,
    QTabBar,
    QLineEdit,
    QAbstractItemView,
)

_HEADING_MAX = 60
"""A label longer than this (or word-wrapped) is a message, not the heading of a control."""


def prepare(root: QWidget) -> None:
    """Name ``root``'s controls and put its Tab order in reading order (once it is built).

    Tab leaves a text box instead of typing a tab character: notes, emails and reports
    have no use for one, and a keyboard user could not get out of the box otherwise.
    """
    for editor in editors(root):
        editor.setTabChangesFocus(True)
    name_controls(root)
    set_reading_order(root)


def editors(root: QWidget) -> list[QPlainTextEdit | QTextEdit]:
    """The multi-line text boxes under ``root`` (a QTextBrowser is a QTextEdit)."""
    found: list[QPlainTextEdit | QTextEdit] = []
    found += root.findChildren(QPlainTextEdit)
    found += root.findChildren(QTextEdit)
    return found


# ---------------------------------------------------------------- names
def name_controls(root: QWidget) -> list[QWidget]:
    """Give each unnamed control under ``root`` a name from its visible label.

    Returns the controls named here. A control already named keeps its name.
    """
    named = []
    for widget in own_controls(root):
        if widget.accessibleName().strip():
            continue
        name = _visible_name(widget)
        if name:
            widget.setAccessibleName(name)
            named.append(widget)
    return named


def unnamed_controls(root: QWidget) -> list[QWidget]:
    """The controls under ``root`` (shown or hidden) a screen reader has no name for."""
    missing = []
    for widget in own_controls(root):
        if widget.accessibleName().strip():
            continue
        if isinstance(widget, QAbstractButton) and plain(widget.text()):
            continue
        missing.append(widget)
    return missing


def own_controls(root: QWidget) -> Iterator[QWidget]:
    """Inputs and buttons under ``root``, without the parts Qt builds inside its own controls."""
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, CONTROLS) or widget.objectName().startswith("qt_"):
            continue
        if _inside_composite(widget, root):
            continue
        yield widget


def _inside_composite(widget: QWidget, root: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None and parent is not root:
        if isinstance(parent, _COMPOSITES):
            return True
        parent = parent.parentWidget()
    return False


def plain(text: str) -> str:
    """Label text as spoken: no markup, no mnemonic ampersand, no trailing colon."""
    text = html.unescape(re.sub(r"<[^>]*>", "", text))
    text = re.sub(r"&(?=[^&\s])", "", text).replace("&&", "&")
    return " ".join(text.split()).rstrip(":").strip()


def _visible_name(widget: QWidget) -> str:
    label = _label_for(widget)
    if label is not None:
        if label.buddy() is None:
            label.setBuddy(widget)  # Alt+letter in the label now reaches the control
        return plain(label.text())
    if isinstance(widget, QAbstractButton) and plain(widget.text()):
        return plain(widget.text())
    group = widget.parentWidget()
    if isinstance(group, QGroupBox) and len(list(own_controls(group))) == 1:
        return plain(group.title())
    placeholder = _placeholder(widget)
    if placeholder:
        return placeholder
    return plain(widget.toolTip())


def _label_for(widget: QWidget) -> QLabel | None:
    """The label a sighted user reads as this control's name, if there is one."""
    parent = widget.parentWidget()
    if parent is None:
        return None
    for label in parent.findChildren(QLabel):
        if label.buddy() is widget and plain(label.text()):
            return label
    layout = _layout_holding(widget)
    if isinstance(layout, QFormLayout):
        found = layout.labelForField(widget)
        if isinstance(found, QLabel) and plain(found.text()):
            return found
    if layout is not None:
        heading = _heading_before(layout, widget)
        if heading is not None:
            return heading
    return None


def _layout_holding(widget: QWidget) -> QLayout | None:
    parent = widget.parentWidget()
    top = parent.layout() if parent is not None else None
    if top is None:
        return None
    for layout in _layouts(top):
        if layout.indexOf(widget) >= 0:
            return layout
    return None


def _layouts(layout: QLayout) -> Iterator[QLayout]:
    yield layout
    for index in range(layout.count()):
        item = layout.itemAt(index)
        inner = item.layout() if item is not None else None
        if inner is not None:
            yield from _layouts(inner)


def _heading_before(layout: QLayout, widget: QWidget) -> QLabel | None:
    """A short label right above ``widget`` (alone, or first in the row above)."""
    index = layout.indexOf(widget)
    if index <= 0 or isinstance(layout, QFormLayout):
        return None
    item = layout.itemAt(index - 1)
    if item is None:
        return None
    above = item.widget()
    row = item.layout()
    if above is None and row is not None and row.count():
        first = row.itemAt(0)
        above = first.widget() if first is not None else None
    if not isinstance(above, QLabel) or above.wordWrap():
        return None
    text = plain(above.text())
    return above if text and len(text) <= _HEADING_MAX else None


def _placeholder(widget: QWidget) -> str:
    if isinstance(widget, QLineEdit | QPlainTextEdit | QTextEdit):
        text = widget.placeholderText()
    elif isinstance(widget, QComboBox) and (line := widget.lineEdit()) is not None:
        text = line.placeholderText()
    else:
        return ""
    # "Search the Hub, e.g. qwen" says "Search the Hub"; the example is not the name.
    first = text.strip().split("\n", 1)[0]
    return plain(re.split(r",? e\.g\.", first, maxsplit=1)[0])


# ---------------------------------------------------------------- Tab order
def set_reading_order(root: QWidget) -> list[QWidget]:
    """Chain Tab through ``root``'s focusable controls in the order its layouts show them.

    Returns the chain. Widgets outside any layout (none in this app) keep Qt's order.
    """
    chain = [w for w in _in_reading_order(root) if w.focusPolicy() & Qt.FocusPolicy.TabFocus]
    for first, second in itertools.pairwise(chain):
        QWidget.setTabOrder(first, second)
    return chain


def _in_reading_order(widget: QWidget) -> Iterator[QWidget]:
    if isinstance(widget, (*CONTROLS, QTabBar)):
        yield widget
        return
    if isinstance(widget, QTabWidget):
        yield widget.tabBar()
    if isinstance(widget, QSplitter | QStackedWidget | QTabWidget):
        inner = [widget.widget(index) for index in range(widget.count())]
    elif isinstance(widget, QScrollArea):
        inner = [widget.widget()]
    else:
        layout = widget.layout()
        if layout is not None:
            yield from _layout_order(layout)
        return
    for child in inner:
        if child is not None:
            yield from _in_reading_order(child)


def _layout_order(layout: QLayout) -> Iterator[QWidget]:
    if isinstance(layout, QFormLayout):
        # Row by row, label column first (a row may hold a whole layout of controls).
        roles = (QFormLayout.ItemRole.LabelRole, QFormLayout.ItemRole.FieldRole)
        for row in range(layout.rowCount()):
            for role in (*roles, QFormLayout.ItemRole.SpanningRole):
                item = layout.itemAt(row, role)
                if item is not None:
                    yield from _item_order(item)
        return
    for index in range(layout.count()):
        item = layout.itemAt(index)
        if item is not None:
            yield from _item_order(item)


def _item_order(item: QLayoutItem) -> Iterator[QWidget]:
    widget, layout = item.widget(), item.layout()
    if widget is not None:
        yield from _in_reading_order(widget)
    elif layout is not None:
        yield from _layout_order(layout)
