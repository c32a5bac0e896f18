"""One text's analysis as a card: the sentiment badge, the text with its entities
highlighted by type (and a legend), the lists, and Copy as Markdown / JSON."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop_slm.tools.analyze import ENTITY_TYPES, Analysis, Entity
from desktop_slm.ui import theme

SENTIMENT_BANNERS: dict[str, theme.Banner] = {
    "positive": "success",
    "negative": "danger",
    "neutral": "info",
    "mixed": "notice",
}
"""The badge's colours; its text always says the label too (colour is never all)."""

ENTITY_NAMES = {
    "person": "Person",
    "organisation": "Organisation",
    "place": "Place",
    "date": "Date",
    "amount": "Amount",
    "product": "Product",
}


def entity_spans(text: str, entities: Sequence[Entity]) -> list[tuple[int, int, str]]:
    """Every occurrence of every entity in ``text`` as (start, end, type), in order.

    A longer entity wins where two would overlap ("Anna Berg" over "Anna").
    """
    taken: list[tuple[int, int, str]] = []
    for entity in sorted(entities, key=lambda e: -len(e.text)):
        if not entity.text:
            continue
        start = text.find(entity.text)
        while start >= 0:
            end = start + len(entity.text)
            if all(end <= s or start >= e for s, e, _t in taken):
                taken.append((start, end, entity.type))
            start = text.find(entity.text, end)
    return sorted(taken)


def _utf16(text: str, index: int) -> int:
    """A Python string index as a Qt text position (Qt counts UTF-16 code units)."""
    return len(text[:index].encode("utf-16-le")) // 2


def _bullets(items: Sequence[str], empty: str) -> str:
    if not items:
        return f"<i>{html.escape(empty)}</i>"
    return "<ul>" + "".join(f"<li>{html.escape(item)}</li>" for item in items) + "</ul>"


class AnalysisCard(QWidget):
    """Shows one :class:`Analysis`; ``copied(what)`` follows each Copy."""

    copied = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.analysis: Analysis | None = None
        self._text = ""
        self.spans: list[tuple[int, int, str]] = []
        """What is highlighted in the text: (start, end, entity type)."""

        self.placeholder = QLabel(
            "Paste a text or open a document, then press Analyze (Ctrl+Enter). "
            "Open a CSV file to analyse each of its rows."
        )
        self.placeholder.setObjectName("analyzePlaceholder")
        self.placeholder.setWordWrap(True)
        theme.tone(self.placeholder, "muted")
        self.badge = QLabel()
        self.badge.setObjectName("analyzeSentiment")
        self.badge.setWordWrap(True)
        self.badge.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.legend = QLabel()
        self.legend.setObjectName("analyzeLegend")
        self.legend.setWordWrap(True)
        self.text_view = QTextEdit()
        self.text_view.setObjectName("analyzeText")
        self.text_view.setReadOnly(True)
        self.text_view.setAccessibleName("Analysed text, entities highlighted")
        self.text_view.setMinimumHeight(120)
        self.entities = self._section("analyzeEntities")
        self.key_facts = self._section("analyzeKeyFacts")
        self.action_items = self._section("analyzeActionItems")
        self.copy_markdown = QPushButton("Copy as Markdown")
        self.copy_markdown.setObjectName("analyzeCopyMarkdown")
        self.copy_json = QPushButton("Copy as JSON")
        self.copy_json.setObjectName("analyzeCopyJson")

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(self.placeholder)
        self._details: list[QWidget] = [self.badge, self.legend, self.text_view]
        for title, label in (
            ("Entities", self.entities),
            ("Key facts", self.key_facts),
            ("Action items", self.action_items),
        ):
            heading = QLabel(f"<b>{title}</b>")
            heading.setBuddy(label)
            self._details += [heading, label]
        buttons = QWidget()
        row = QHBoxLayout(buttons)
        row.setContentsMargins(0, 0, 0, 0)
        row.addStretch(1)
        row.addWidget(self.copy_markdown)
        row.addWidget(self.copy_json)
        self._details.append(buttons)
        for widget in self._details:
            layout.addWidget(widget, 1 if widget is self.text_view else 0)
        layout.addStretch(0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

        self.copy_markdown.clicked.connect(self._copy_markdown)
        self.copy_json.clicked.connect(self._copy_json)
        theme.on_change(self, self._repaint)
        self.clear()

    @staticmethod
    def _section(name: str) -> QLabel:
        label = QLabel()
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def clear(self) -> None:
        self.analysis = None
        self._text = ""
        self.spans = []
        for widget in self._details:
            widget.setVisible(False)
        self.placeholder.show()

    def show_analysis(self, analysis: Analysis, text: str) -> None:
        """Show ``analysis`` of ``text``."""
        self.analysis = analysis
        self._text = text
        self.spans = entity_spans(text, analysis.entities)
        for widget in self._details:
            widget.setVisible(True)
        self.placeholder.hide()
        sentiment = analysis.sentiment
        reason = f" — {sentiment.reason}" if sentiment.reason else ""
        self.badge.setText(
            f"<b>{html.escape(sentiment.label.capitalize())}</b>{html.escape(reason)}"
        )
        self.badge.setAccessibleName(f"Sentiment: {sentiment.label}{reason}")
        theme.banner(self.badge, SENTIMENT_BANNERS.get(sentiment.label, "info"))
        self.badge.style().unpolish(self.badge)
        self.badge.style().polish(self.badge)
        self.entities.setText(
            _bullets(
                [
                    f"{e.text} — {ENTITY_NAMES.get(e.type, e.type).lower()}"
                    for e in analysis.entities
                ],
                "No names, places, dates, amounts or products.",
            )
        )
        self.key_facts.setText(_bullets(analysis.key_facts, "None found."))
        self.action_items.setText(_bullets(analysis.action_items, "Nothing to do."))
        self.text_view.setPlainText(text)
        self._repaint()

    def _repaint(self) -> None:
        """Highlights and legend in the colours of the scheme in use."""
        colours = theme.colours().entities
        types = sorted({t for _s, _e, t in self.spans}, key=ENTITY_TYPES.index)
        self.legend.setText(
            "Highlighted: "
            + " ".join(
                f"<span style='background:{colours.get(t, '#ffffff')};"
                f" color:{theme.colours().text}'>&nbsp;{ENTITY_NAMES.get(t, t)}&nbsp;</span>"
                for t in types
            )
            if types
            else "No entities to highlight."
        )
        selections = []
        for start, end, kind in self.spans:
            selection = QTextEdit.ExtraSelection()
            cursor = QTextCursor(self.text_view.document())
            cursor.setPosition(_utf16(self._text, start))
            cursor.setPosition(_utf16(self._text, end), QTextCursor.MoveMode.KeepAnchor)
            selection.cursor = cursor
            fmt = QTextCharFormat()
            fmt.setBackground(QColor(colours.get(kind, "#ffffff")))
            fmt.setForeground(QColor(theme.colours().text))
            fmt.setToolTip(ENTITY_NAMES.get(kind, kind))
            selection.format = fmt
            selections.append(selection)
        self.text_view.setExtraSelections(selections)

    def markdown(self) -> str:
        return self.analysis.to_markdown() if self.analysis is not None else ""

    def json_text(self) -> str:
        if self.analysis is None:
            return ""
        return json.dumps(self.analysis.to_json(), ensure_ascii=False, indent=2)

    def _copy_markdown(self) -> None:
        if self.analysis is not None:
            QGuiApplication.clipboard().setText(self.markdown())
            self.copied.emit("The analysis was copied as Markdown.")

    def _copy_json(self) -> None:
        if self.analysis is not None:
            QGuiApplication.clipboard().setText(self.json_text())
            self.copied.emit("The analysis was copied as JSON.")
