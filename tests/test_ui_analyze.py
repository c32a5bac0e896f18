"""The Analyze tab, driven like a person would: the card, a batch, Stop, export, resume.

The card and the chart are checked with analyses built here (exact about what is shown);
one text and the batches run the real SmolLM2 test model through the real window.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from desktop_slm.documents.table import read_table
from desktop_slm.tools.analyze import SENTIMENTS, Analysis, Entity, Sentiment
from desktop_slm.tools.batch import OUTPUT_COLUMNS, BatchRow
from desktop_slm.ui import theme
from desktop_slm.ui.analyze import AnalyzeTab, batch_view
from desktop_slm.ui.analyze import tab as analyze_tab
from desktop_slm.ui.analyze.batch_view import BatchPanel
from desktop_slm.ui.analyze.card import entity_spans
from desktop_slm.ui.analyze.chart import BatchChart
from desktop_slm.ui.main_window import MainWindow
from tests import test_ui, test_ui_tools
from tests.test_ui import FAST_SETTINGS, OpenWindow, Shown, wait_loaded
from tests.test_ui_tools import MakeWindow, ctrl_enter

# The window tests' fixtures: no dialog may block; real windows and workers are cleaned up.
shown = test_ui.shown
open_window = test_ui.open_window
make_window = test_ui_tools.make_window

REAL_MS = 120_000
# Analyses need room for their JSON: the tests' usual 40-token answers would cut it.
ANALYZE_SETTINGS: dict[str, Any] = {**FAST_SETTINGS, "max_tokens": 256, "n_ctx": 2048}

FEEDBACK = (
    "Anna Berg from Contoso wrote on 3 March: the X200 printer arrived broken in Berlin. "
    "She wants a refund of 89 euros."
)


def analysis_of_feedback() -> Analysis:
    return Analysis(
        Sentiment("negative", "the printer arrived broken"),
        (
            Entity("Anna Berg", "person", 0, 9),
            Entity("Contoso", "organisation", 15, 22),
            Entity("Berlin", "place", 76, 82),
            Entity("89 euros", "amount", 106, 114),
        ),
        ("The X200 printer arrived broken.",),
        ("Refund the 89 euros.",),
    )


def analyze_window(make_window: MakeWindow) -> tuple[MainWindow, AnalyzeTab]:
    window = make_window()
    tab = window.analyze_tab
    window.show_tab(tab)
    return window, tab


# ---------------------------------------------------------------- the card
def test_the_card_shows_the_badge_the_highlights_and_the_lists_and_copies_them(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    _window, tab = analyze_window(make_window)
    card = tab.card
    assert card.placeholder.isVisible()
    assert not card.badge.isVisible()

    card.show_analysis(analysis_of_feedback(), FEEDBACK)
    # The badge says the sentiment in words and in its colour.
    assert card.badge.isVisible()
    assert "Negative" in card.badge.text()
    assert "the printer arrived broken" in card.badge.text()
    assert card.badge.property("banner") == "danger"
    assert card.badge.accessibleName().startswith("Sentiment: negative")
    # Each entity is highlighted in the text, in its type's colour, with a legend.
    highlighted = {(FEEDBACK[start:end], kind) for start, end, kind in card.spans}
    assert highlighted == {
        ("Anna Berg", "person"),
        ("Contoso", "organisation"),
        ("Berlin", "place"),
        ("89 euros", "amount"),
    }
    selections = card.text_view.extraSelections()
    assert len(selections) == 4
    colours = {s.cursor.selectedText(): s.format.background().color().name() for s in selections}
    assert colours["Anna Berg"] == theme.colours().entities["person"]
    assert colours["89 euros"] == theme.colours().entities["amount"]
    for name in ("Person", "Organisation", "Place", "Amount"):
        assert name in card.legend.text()
    assert "Date" not in card.legend.text()  # only the types that occur
    assert card.text_view.toPlainText() == FEEDBACK
    # The lists.
    assert "Anna Berg — person" in card.entities.text()
    assert "The X200 printer arrived broken." in card.key_facts.text()
    assert "Refund the 89 euros." in card.action_items.text()

    qtbot.mouseClick(card.copy_json, Qt.MouseButton.LeftButton)
    copied = json.loads(QGuiApplication.clipboard().text())
    assert copied["sentiment"] == {"label": "negative", "reason": "the printer arrived broken"}
    assert {"text": "Berlin", "type": "place"} in copied["entities"]
    assert copied["action_items"] == ["Refund the 89 euros."]
    qtbot.mouseClick(card.copy_markdown, Qt.MouseButton.LeftButton)
    markdown = QGuiApplication.clipboard().text()
    assert "negative" in markdown
    assert "Refund the 89 euros." in markdown


def test_every_occurrence_is_highlighted_and_the_longer_entity_wins() -> None:
    text = "Anna met Anna Berg. Anna 😀 paid 5 €."
    spans = entity_spans(
        text, (Entity("Anna", "person"), Entity("Anna Berg", "person"), Entity("5 €", "amount"))
    )
    assert [text[s:e] for s, e, _t in spans] == ["Anna", "Anna Berg", "Anna", "5 €"]


def test_an_emoji_before_an_entity_does_not_shift_its_highlight(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    _window, tab = analyze_window(make_window)
    text = "Great 😀😀 service from Contoso"
    start = text.index("Contoso")
    analysis = Analysis(
        Sentiment("positive", "praise"), (Entity("Contoso", "organisation", start, start + 7),)
    )
    tab.card.show_analysis(analysis, text)
    (selection,) = tab.card.text_view.extraSelections()
    assert selection.cursor.selectedText() == "Contoso"


# ---------------------------------------------------------------- the chart and the table
def row(index: int, label: str, *entities: tuple[str, str]) -> BatchRow:
    analysis = Analysis(Sentiment(label, ""), tuple(Entity(t, k) for t, k in entities))
    return BatchRow(index, {"text": f"row {index}"}, analysis)


def test_the_chart_counts_sentiments_and_the_most_frequent_entities(qtbot: QtBot) -> None:
    chart = BatchChart()
    qtbot.addWidget(chart)
    chart.add(
        [
            row(0, "positive", ("Contoso", "organisation"), ("Berlin", "place")),
            row(1, "negative", ("contoso", "organisation"), ("Contoso", "organisation")),
            row(2, "negative", ("Berlin", "place")),
            row(3, "mixed"),
            BatchRow(4, {"text": ""}, None, "empty"),
        ]
    )
    assert dict(chart.sentiments) == {"positive": 1, "negative": 2, "mixed": 1}
    # Once per row, whatever its case; the first spelling is shown.
    assert chart.top_entities() == [("Contoso", "organisation", 2), ("Berlin", "place", 2)]
    assert "2 negative" in chart.accessibleDescription()
    assert "0 neutral" in chart.accessibleDescription()
    assert "Contoso (organisation) 2" in chart.accessibleDescription()
    chart.show()
    qtbot.waitExposed(chart)
    assert not chart.grab().isNull()
    chart.clear()
    assert sum(chart.sentiments.values()) == 0
    assert chart.top_entities() == []


def test_ten_thousand_rows_fill_the_table_without_a_widget_per_row(qtbot: QtBot) -> None:
    panel = BatchPanel()
    qtbot.addWidget(panel)
    panel.reset("text", 10_000)
    widgets = len(panel.findChildren(QWidget))
    # A resumed batch delivers its rows all at once: they are shown a few at a time, so
    # the window keeps answering in between.
    inserted: list[int] = []
    panel.model.rowsInserted.connect(lambda _parent, first, last: inserted.append(last - first + 1))
    panel.add_rows([row(i, SENTIMENTS[i % 4], ("Berlin", "place")) for i in range(10_000)])
    assert panel.model.rowCount() == 0
    assert len(panel.rows()) == 10_000  # what Export writes
    qtbot.waitUntil(lambda: panel.model.rowCount() == 10_000)
    assert max(inserted) <= batch_view.ROWS_PER_TURN
    assert len(panel.findChildren(QWidget)) == widgets
    assert panel.model.cell(panel.model.rows()[9_999], 0) == "10000"
    assert panel.chart.sentiments["positive"] == 2_500
    assert panel.bar.value() == 10_000


# ---------------------------------------------------------------- files
def test_a_batch_writes_next_to_its_table_or_in_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = tmp_path / "feedback.csv"
    assert analyze_tab.output_for(table, tmp_path / "data") == tmp_path / "feedback.analysis.csv"
    # A folder the user cannot write to (tests may run as root, who can write anywhere).
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(
        analyze_tab.os,
        "access",
        lambda path, mode: Path(path) != locked and real_access(path, mode),
    )
    output = analyze_tab.output_for(locked / "feedback.csv", tmp_path / "data")
    assert output.parent == tmp_path / "data" / "analyses"
    assert output.name.startswith("feedback-")
    assert output.name.endswith(".analysis.csv")


def test_a_file_that_is_not_a_table_says_why(
    qtbot: QtBot, make_window: MakeWindow, tmp_path: Path, shown: Shown
) -> None:
    _window, tab = analyze_window(make_window)
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    tab.open_file(str(empty))
    qtbot.waitUntil(lambda: bool(shown.calls))
    ((_title, message),) = shown.take()
    assert "empty.csv" in message
    assert not tab.batch_mode
    assert tab.input_panel.isVisible()


# ---------------------------------------------------------------- the real model
def write_feedback(path: Path, rows: int) -> None:
    texts = [
        "The delivery to Hamburg was two weeks late and nobody answered my emails.",
        "Great service from Lisa at the Munich store, thank you!",
        "The invoice of 120 euros was charged twice; please refund one payment.",
        "Product works as described.",
        "Love the new Acme app but it crashes when I open the settings.",
    ]
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["id", "feedback", "stars"])
        for i in range(rows):
            writer.writerow([i + 1, texts[i % len(texts)], (i % 5) + 1])


def open_csv(qtbot: QtBot, tab: AnalyzeTab, path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analyze_tab, "ask_open_path", lambda _parent, _title: str(path))
    control = tab.open_table_button if tab.batch_mode else tab.open_button
    qtbot.mouseClick(control, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.batch_mode and tab.opened is not None and tab.opened.path == path)


def test_real_model_analyses_a_pasted_text_into_a_card(
    qtbot: QtBot, open_window: OpenWindow, smollm2_path: Path
) -> None:
    window = open_window(smollm2_path, ANALYZE_SETTINGS)
    wait_loaded(qtbot, window, smollm2_path)
    tab = window.analyze_tab
    window.show_tab(tab)
    assert not tab.analyze_button.isEnabled()
    tab.input.setPlainText(FEEDBACK)
    qtbot.waitUntil(tab.analyze_button.isEnabled)
    ctrl_enter(qtbot, tab.input)
    assert tab.stop_button.isEnabled()
    qtbot.waitUntil(lambda: tab.card.analysis is not None, timeout=REAL_MS)
    qtbot.waitUntil(lambda: not tab.running and not window.bridge.is_busy())
    analysis = tab.card.analysis
    assert analysis is not None
    assert analysis.sentiment.label in SENTIMENTS
    assert analysis.sentiment.label.capitalize() in tab.card.badge.text()
    # Only what occurs in the text is highlighted.
    for start, end, kind in tab.card.spans:
        assert FEEDBACK[start:end] in {e.text for e in analysis.entities if e.type == kind}
    assert "Analysed in" in tab.status.text()


def test_real_model_batch_fills_the_table_stop_keeps_rows_export_and_continue(
    qtbot: QtBot,
    open_window: OpenWindow,
    smollm2_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    table = tmp_path / "feedback.csv"
    write_feedback(table, 8)
    window = open_window(smollm2_path, ANALYZE_SETTINGS)
    wait_loaded(qtbot, window, smollm2_path)
    tab = window.analyze_tab
    window.show_tab(tab)

    open_csv(qtbot, tab, table, monkeypatch)
    # The text column is guessed; the row count and where results go are shown.
    assert tab.column.currentText() == "feedback"
    assert "8 rows" in tab.table_info.text()
    output = tmp_path / "feedback.analysis.csv"
    assert str(output) in tab.output_info.text()
    assert not tab.resume.isVisible()
    assert tab.results.currentWidget() is tab.batch

    ctrl_enter(qtbot, tab.column)
    qtbot.waitUntil(lambda: tab.batch.model.rowCount() >= 2, timeout=REAL_MS)
    assert " of 8" in tab.batch.status.text()
    assert "rows/min" in tab.batch.status.text()
    qtbot.keyClick(tab.column, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not tab.running and not window.bridge.is_busy(), timeout=REAL_MS)
    qtbot.waitUntil(lambda: tab.batch.model.rowCount() == len(tab.batch.rows()))
    kept = tab.batch.model.rows()
    assert 2 <= len(kept) < 8
    assert "Stopped" in tab.batch.status.text()
    assert [r.index for r in kept] == list(range(len(kept)))
    # Every finished row is already in the output file, and only those.
    written = read_table(output)
    assert len(written.rows) == len(kept)
    assert written.columns == ("id", "feedback", "stars", *OUTPUT_COLUMNS)
    for shown_row in kept:
        assert shown_row.analysis is not None
        assert tab.batch.model.cell(shown_row, 2) == shown_row.analysis.sentiment.label
    assert sum(tab.batch.chart.sentiments.values()) == len(kept)
    # The finished rows offer to continue.
    assert tab.resume.isVisible()
    assert f"{len(kept)} of 8 rows are done" in tab.resume_text.text()

    # Export: CSV and JSON Lines read back with what the table shows.
    exported = tmp_path / "out.csv"
    monkeypatch.setattr(batch_view, "ask_export_path", lambda _p, _t, _s: str(exported))
    qtbot.mouseClick(tab.batch.export_csv, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(exported.exists)
    back = read_table(exported)
    assert [r["sentiment"] for r in back.rows] == [
        r.analysis.sentiment.label for r in kept if r.analysis is not None
    ]
    lines_path = tmp_path / "out.jsonl"
    monkeypatch.setattr(batch_view, "ask_export_path", lambda _p, _t, _s: str(lines_path))
    qtbot.mouseClick(tab.batch.export_jsonl, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lines_path.exists)
    lines = [json.loads(line) for line in lines_path.read_text("utf-8").splitlines()]
    assert [line["feedback"] for line in lines] == [r.values["feedback"] for r in kept]
    assert [line["sentiment"] for line in lines if line["sentiment"]] == [
        r.analysis.sentiment.label for r in kept if r.analysis is not None
    ]

    # Opening the same CSV again (as after a restart) offers to continue; Continue
    # analyses the rest: no row lost or repeated.
    tab.close_table()
    open_csv(qtbot, tab, table, monkeypatch)
    assert tab.resume.isVisible()
    assert f"{len(kept)} of 8 rows are done" in tab.resume_text.text()
    qtbot.mouseClick(tab.continue_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.running and not window.bridge.is_busy(), timeout=REAL_MS)
    assert "Done: 8 of 8 rows" in tab.batch.status.text()
    qtbot.waitUntil(lambda: tab.batch.model.rowCount() == 8)
    assert [r.index for r in tab.batch.model.rows()] == list(range(8))
    assert len(read_table(output).rows) == 8
    analysed = [r.analysis for r in tab.batch.model.rows() if r.analysis is not None]
    assert sum(tab.batch.chart.sentiments.values()) == len(analysed) >= len(kept)


def test_the_text_and_the_open_table_come_back_in_a_new_window(
    qtbot: QtBot, make_window: MakeWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window, tab = analyze_window(make_window)
    tab.input.setPlainText(FEEDBACK)
    table = tmp_path / "feedback.csv"
    write_feedback(table, 3)
    open_csv(qtbot, tab, table, monkeypatch)
    tab.column.setCurrentText("stars")  # not the guessed column
    store = window.store
    assert store is not None
    qtbot.waitUntil(
        lambda: store.drafts().get("analyze", {}).get("options", {}).get("column") == "stars",
        timeout=5_000,
    )
    window.close()

    again = make_window().analyze_tab
    assert again.input.toPlainText() == FEEDBACK
    qtbot.waitUntil(lambda: again.opened is not None)
    assert again.opened is not None
    assert again.opened.path == table.resolve()
    assert again.column.currentText() == "stars"
    assert "3 rows" in again.table_info.text()

    # A table deleted since is not reopened, and no dialog interrupts the start.
    again.close_table()
    again.open_file(str(table))
    qtbot.waitUntil(lambda: again.opened is not None)
    qtbot.waitUntil(lambda: again.window().store.drafts()["analyze"]["inputs"]["table"] != "")
    table.unlink()
    again.window().close()
    third = make_window()
    qtbot.waitUntil(lambda: "was not opened" in third.statusBar().currentMessage())
    assert not third.analyze_tab.batch_mode
    assert third.analyze_tab.input.toPlainText() == FEEDBACK
