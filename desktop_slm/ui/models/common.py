"""What the Models tab's parts share: table cells, rows of buttons, banners, colours, errors."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from desktop_slm.models.fit import Fit
from desktop_slm.ui import messages, theme
from desktop_slm.ui.bridge.models import Failure


def fit_colour(fit: Fit) -> str:
    """How a fit label is coloured, in the scheme in use (ui.theme)."""
    c = theme.colours()
    return {Fit.RUNS_WELL: c.good, Fit.TIGHT: c.warning, Fit.TOO_LARGE: c.error}[fit]


def warning_colour() -> str:
    return theme.colours().warning


def item(
    text: str,
    *,
    tooltip: str | None = None,
    colour: str | None = None,
    bold: bool = False,
    data: object = None,
    right: bool = False,
) -> QTableWidgetItem:
    """A read-only table cell; ``data`` is what :func:`row_data` gives back."""
    cell = QTableWidgetItem(text)
    cell.setToolTip(tooltip or text)
    if colour:
        cell.setForeground(QColor(colour))
    if bold:
        font = QFont(cell.font())
        font.setBold(True)
        cell.setFont(font)
    if data is not None:
        cell.setData(Qt.ItemDataRole.UserRole, data)
    if right:
        cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return cell


def row_data(table: QTableWidget, row: int, column: int = 0) -> object:
    cell = table.item(row, column)
    return cell.data(Qt.ItemDataRole.UserRole) if cell is not None else None


def table(name: str, headers: list[str], *, spoken: str) -> QTableWidget:
    """A list of rows chosen one at a time, never edited in place; ``spoken`` names it."""
    widget = QTableWidget(0, len(headers))
    widget.setObjectName(name)
    widget.setAccessibleName(spoken)
    widget.setHorizontalHeaderLabels(headers)
    widget.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    widget.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    widget.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    widget.setAlternatingRowColors(True)
    widget.setWordWrap(False)
    widget.verticalHeader().setVisible(False)
    header = widget.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return widget


def buttons(*pushes: QPushButton) -> QWidget:
    """Buttons side by side, for a table cell."""
    holder = QWidget()
    row = QHBoxLayout(holder)
    row.setContentsMargins(2, 0, 2, 0)
    row.setSpacing(4)
    for button in pushes:
        row.addWidget(button)
    row.addStretch(1)
    return holder


def banner(frame: QFrame, name: str, kind: theme.Banner) -> None:
    """Give ``frame`` the rounded, coloured background of a banner of ``kind``."""
    frame.setObjectName(name)
    theme.banner(frame, kind)


def show_failure(parent: QWidget, failure: Failure) -> None:
    """The one dialog for a failure, unless the offline banner already says it."""
    if failure.code != "offline":
        messages.error(parent, failure.message)
