"""The batch's chart: how many rows of each sentiment, and the most frequent entities.

A small painted bar chart (the PySide6 wheel has no QtCharts). It counts rows as they are
added, so a 10,000-row batch costs a few dictionary updates per row, and it says the
same in words (its accessible description and tool tip) for screen readers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop_slm.tools.analyze import SENTIMENTS
from desktop_slm.tools.batch import BatchRow
from desktop_slm.ui import theme

TOP_ENTITIES = 8
ROW_HEIGHT = 20
GAP = 6


class BatchChart(QWidget):
    """Bars of the sentiment distribution and the :data:`TOP_ENTITIES` most frequent entities."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("analyzeChart")
        self.setAccessibleName("Sentiment and entity chart")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.sentiments: Counter[str] = Counter()
        self._entities: Counter[tuple[str, str]] = Counter()
        self._spelling: dict[tuple[str, str], str] = {}
        self._describe()
        theme.on_change(self, self.update)

    def clear(self) -> None:
        self.sentiments.clear()
        self._entities.clear()
        self._spelling.clear()
        self._changed()

    def add(self, rows: Iterable[BatchRow]) -> None:
        """Count the analyses of ``rows`` (rows without one are not counted)."""
        for row in rows:
            if row.analysis is None:
                continue
            self.sentiments[row.analysis.sentiment.label] += 1
            # An entity counts once per row; spellings that differ only in case are one.
            for entity in {(e.text.casefold(), e.type): e for e in row.analysis.entities}.values():
                key = (entity.text.casefold(), entity.type)
                self._entities[key] += 1
                self._spelling.setdefault(key, entity.text)
        self._changed()

    def top_entities(self) -> list[tuple[str, str, int]]:
        """(text, type, rows it occurs in), most frequent first."""
        return [
            (self._spelling[key], key[1], count)
            for key, count in self._entities.most_common(TOP_ENTITIES)
        ]

    def _changed(self) -> None:
        self._describe()
        self.updateGeometry()
        self.update()

    def _describe(self) -> None:
        parts = [f"{self.sentiments[label]} {label}" for label in SENTIMENTS]
        text = "Sentiment: " + ", ".join(parts) + "."
        top = self.top_entities()
        if top:
            text += " Most frequent entities: " + ", ".join(
                f"{name} ({kind}) {count}" for name, kind, count in top
            )
            text += "."
        self.setAccessibleDescription(text)
        self.setToolTip(text)

    def _lines(self) -> int:
        entities = len(self._entities.most_common(TOP_ENTITIES))
        return 1 + len(SENTIMENTS) + (1 + entities if entities else 0)

    def sizeHint(self) -> QSize:  # Qt override
        return QSize(320, self._lines() * (ROW_HEIGHT + GAP) + GAP)

    def minimumSizeHint(self) -> QSize:  # Qt override
        return self.sizeHint()

    def paintEvent(self, _event: QPaintEvent) -> None:  # Qt override
        colours = theme.colours()
        bar_colours = {
            "positive": colours.good,
            "negative": colours.error,
            "neutral": colours.muted,
            "mixed": colours.warning,
        }
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = QFontMetrics(self.font())
        y = GAP
        rows: list[tuple[str, int, str] | str] = ["Sentiment"]
        rows += [
            (label.capitalize(), self.sentiments[label], bar_colours[label]) for label in SENTIMENTS
        ]
        top = self.top_entities()
        if top:
            rows.append("Most frequent entities")
            rows += [(f"{name} ({kind})", count, colours.highlight) for name, kind, count in top]
        label_width = min(
            self.width() // 2,
            max(metrics.horizontalAdvance(r[0]) for r in rows if not isinstance(r, str)) + 12,
        )
        largest = max([r[1] for r in rows if not isinstance(r, str)] + [1])
        bar_room = max(10, self.width() - label_width - 60)
        for row in rows:
            if isinstance(row, str):
                font = painter.font()
                font.setBold(True)
                painter.setFont(font)
                painter.setPen(QColor(colours.text))
                painter.drawText(
                    QRectF(0, y, self.width(), ROW_HEIGHT), Qt.AlignmentFlag.AlignVCenter, row
                )
                font.setBold(False)
                painter.setFont(font)
            else:
                name, count, colour = row
                painter.setPen(QColor(colours.text))
                shown = metrics.elidedText(name, Qt.TextElideMode.ElideRight, label_width - 8)
                painter.drawText(
                    QRectF(0, y, label_width - 8, ROW_HEIGHT), Qt.AlignmentFlag.AlignVCenter, shown
                )
                width = bar_room * count / largest
                painter.fillRect(QRectF(label_width, y + 3, width, ROW_HEIGHT - 6), QColor(colour))
                painter.drawText(
                    QRectF(label_width + width + 6, y, 60, ROW_HEIGHT),
                    Qt.AlignmentFlag.AlignVCenter,
                    str(count),
                )
            y += ROW_HEIGHT + GAP
        painter.end()
