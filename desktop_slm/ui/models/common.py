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
from desktop_slm.ui import messages
from desktop_slm.ui.bridge.models import Failure

FIT_COLOURS = {Fit.RUNS_WELL: "#1b7f3b", Fit.TIGHT: "#9a5b00", Fit.TOO_LARGE: "#b00020"}
WARNING_COLOUR = FIT_COLOURS[Fit.TIGHT]
ERROR_COLOUR = "#b00020"


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


def table(name: str, headers: list[str]) -> QTableWidget:
    """A list of rows chosen one at a time, never edited in place."""
    widget = QTableWidget(0, len(headers))
    widget.setObjectName(name)
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


def banner(frame: QFrame, name: str, colour: str) -> None:
    """Give ``frame`` the rounded, coloured background of a notice."""
    frame.setObjectName(name)
    frame.setStyleSheet(f"QFrame#{name} {{ background: {colour}; border-radius: 4px; }}")


def show_failure(parent: QWidget, failure: Failure) -> None:
    """The one dialog for a failure, unless the offline banner already says it."""
    if failure.code != "offline":
        messages.error(parent, failure.message)
