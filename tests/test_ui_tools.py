"""The writing-tool tabs, driven like a person would.

Most tests run the real window with a scripted fake engine (``FakeClient``, built on
the ``FakeEngine`` of ``test_tools_jobs``): fast and exact about what the model was
asked. One test per tab path runs the real SmolLM2 test model with short answers,
and one kills the real app process to check that drafts survive a ``kill -9``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import docx
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QGuiApplication
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop_slm.config import Settings, app_paths, load_settings
from desktop_slm.storage.drafts import DB_NAME, open_store
from desktop_slm.tools import email, report
from desktop_slm.tools.guards import ends_mid_sentence
from desktop_slm.tools.jobs import SHORTENED
from desktop_slm.ui import email_tab, history
from desktop_slm.ui.bridge.engine import EngineBridge
from desktop_slm.ui.main_window import MainWindow
from desktop_slm.ui.tool import input_panel, output_panel
from desktop_slm.ui.tool.tab import ToolTab
from tests import test_ui
from tests.test_storage import LockHolder
from tests.test_tools_jobs import FakeEngine, Request
from tests.test_ui import FAST_SETTINGS, OpenWindow, wait_loaded

# The window tests' fixtures: no dialog may block; real windows and workers are cleaned up.
shown = test_ui.shown
open_window = test_ui.open_window

WAIT_MS = 10_000
REAL_MS = 90_000


# ---------------------------------------------------------------- a scripted engine
def section_of(request: Request) -> str:
    found = re.search(r'Write the section "(.+)"\.', request.user)
    return found.group(1) if found else "?"


def scripted_answer(request: Request) -> str:  # noqa: PLR0911 - one answer per tool
    """What the fake model says, by what it was asked (see the tools' system prompts)."""
    system = request.system
    if "drafts replies" in system:
        return "Hi Bob,\n\nyes, Tuesday at 10:00 works for me.\n\nBest regards"
    if "drafts emails" in system:
        return (
            "Subject: Release moves to Friday\n\nHi Anna,\n\nthank you for the quick "
            "review. The release moves to Friday.\n\nBest regards,\n[Your Name]"
        )
    if "You are an editor" in system:
        text = request.user.split("Text:\n", 1)[1]
        if "half as long" in request.user:
            return "Subject: Friday\n\nHi Anna, the release is on Friday. Thanks!"
        return text.upper()
    if "one part of a longer document" in system:
        part = re.search(r"Part (\d+) of (\d+)", request.user)
        return f"Part {part.group(1) if part else '?'} says the budget grows."
    if "merge summaries" in system:
        return "The parts say the budget grows."
    if "summarize" in system.lower() or "summary of the whole" in system:
        return "The budget grows by ten percent next year."
    if "professional translator" in system:
        return "\n".join(f"[fr] {line}" for line in request.user.splitlines())
    if "You plan reports" in system:
        return "1. Summary\n2. Impact\n3. Root cause"
    if "one section of a report" in system:
        return f"Body of {section_of(request)}, from the notes."
    return "fine"


@dataclass
class FakeClient(FakeEngine):
    """The fake engine as the window's bridge sees a client; can hold a request mid-way.

    ``hold(request_number, tokens_sent)`` True makes the engine wait (``holding`` is
    set) until the test stops the job or calls :meth:`go_on`.
    """

    answer: Callable[[Request], str] = scripted_answer
    loaded: bool = True
    pid: int | None = None
    hold: Callable[[int, int], bool] | None = None
    holding: threading.Event = field(default_factory=threading.Event)
    _wake: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.on_token = self._maybe_hold

    @property
    def active_model(self) -> Any:
        if not self.loaded:
            return None
        return SimpleNamespace(
            info=SimpleNamespace(
                is_base_model=self.base_model,
                display_name=lambda: "Fake 1B",
                path="/models/fake.gguf",
            ),
            loaded=SimpleNamespace(n_ctx=self.n_ctx, path="/models/fake.gguf"),
        )

    def _maybe_hold(self, sent: int) -> None:
        if self.hold is not None and self.hold(len(self.requests), sent):
            self.holding.set()
            self._wake.wait(timeout=30)
            self._wake.clear()

    def cancel(self) -> None:
        super().cancel()
        self._wake.set()

    def go_on(self) -> None:
        self.holding.clear()
        self._wake.set()

    def close(self) -> None:
        self._wake.set()


MakeWindow = Callable[..., MainWindow]


@pytest.fixture
def make_window(qtbot: QtBot, app_home: Path) -> Iterator[MakeWindow]:
    """The real window on a fake engine; closed (drafts flushed) afterwards."""
    windows: list[MainWindow] = []

    def make(client: FakeClient | None = None, **settings: Any) -> MainWindow:
        values = {"temperature": 0.0, "max_tokens": 400, **settings}
        window = MainWindow(EngineBridge(client or FakeClient()), Settings(**values), app_paths())
        windows.append(window)
        window.show()
        window.activateWindow()
        qtbot.waitExposed(window)
        qtbot.waitUntil(window.isActiveWindow)  # shortcuts (Ctrl+Enter, Esc) need it
        return window

    yield make
    for window in windows:
        window.close()
        window.deleteLater()
    QApplication.processEvents()


def show_tab(window: MainWindow, tab: ToolTab[Any]) -> None:
    window.show_tab(tab)


def finished(tab: ToolTab[Any]) -> Callable[[], bool]:
    def done() -> bool:
        return not tab.running and not tab._bridge.is_busy() and "tokens/s" in tab.stats.text()

    return done


def ctrl_enter(qtbot: QtBot, widget: Any) -> None:
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


# ---------------------------------------------------------------- Email
def test_email_streams_subject_and_body_and_opens_the_mail_client(
    qtbot: QtBot, make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []

    def open_url(url: QUrl) -> bool:
        opened.append(bytes(url.toEncoded().data()).decode())
        return True

    monkeypatch.setattr(email_tab, "open_url", open_url)
    client = FakeClient()
    window = make_window(client)
    tab = window.email_tab
    assert not tab.generate_button.isEnabled()
    assert "Write a few notes" in tab.hint.text()

    tab.form.notes.setPlainText("thank Anna for the review; the release moves to Friday")
    tab.form.recipient.setText("Anna")
    tab.form.relationship.setText("a colleague")
    tab.form.sign_off.setText("Sam")
    tab.form.tone.setCurrentText("friendly")
    assert tab.generate_button.isEnabled()
    ctrl_enter(qtbot, tab.form.notes)
    qtbot.waitUntil(finished(tab), timeout=WAIT_MS)

    asked = client.requests[0]
    assert "warm and friendly" in asked.system
    assert "Recipient: Anna (a colleague)." in asked.user
    assert "Sign the email as: Sam." in asked.user
    # Subject and body apart; the model's "[Your Name]" replaced by the sign-off.
    assert tab.form.draft().subject == "Release moves to Friday"
    assert tab.form.draft().body.startswith("Hi Anna,")
    # The app's closing for a friendly English email, and the name: nothing after it.
    assert tab.form.draft().body.endswith("The release moves to Friday.\n\nBest wishes,\nSam")
    assert "[Your Name]" not in tab.output.toPlainText()
    assert "Release moves to Friday" in tab.form.subject_view.text()
    assert tab.stats.text().startswith(f"{len(tab.output.toPlainText().split())} words")
    assert window.settings.email_tone == "friendly"

    tab.form.to_address.setText("anna@example.com")
    qtbot.mouseClick(tab.form.mail_button, Qt.MouseButton.LeftButton)
    [url] = opened
    assert url.startswith("mailto:anna@example.com?subject=Release%20moves%20to%20Friday&body=Hi")
    assert "%0D%0A" in url
    assert not tab.error.isVisible()

    qtbot.mouseClick(tab.form.copy_subject, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == "Release moves to Friday"

    # A body too long for a mail link is shortened, and the tab says so.
    tab.output.setPlainText("Subject: Minutes\n\n" + "All the details of the meeting. " * 200)
    qtbot.mouseClick(tab.form.mail_button, Qt.MouseButton.LeftButton)
    assert len(opened[-1]) <= 2000
    assert tab.notice.isVisible()
    assert "too long for a mail link" in tab.notice.text()


def test_a_reply_uses_the_original_email_and_gets_a_re_subject(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    client = FakeClient()
    window = make_window(client)
    tab = window.email_tab
    tab.form.reply_mode.setChecked(True)
    assert tab.form.original.isVisible()
    assert "Paste the email you are answering" in tab.hint.text()
    tab.form.original.setPlainText(
        "Subject: Meeting next week\n\nHi Sam, does Tuesday 10:00 work?\nBob"
    )
    # Notes are optional in a reply: the original email is enough.
    assert tab.generate_button.isEnabled()
    qtbot.mouseClick(tab.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(finished(tab), timeout=WAIT_MS)

    assert "does Tuesday 10:00 work?" in client.requests[0].user
    assert "drafts replies" in client.requests[0].system
    assert tab.form.draft().subject == "Re: Meeting next week"
    assert tab.output.toPlainText().startswith("Subject: Re: Meeting next week\n\nHi Bob,")
    assert tab.output.toPlainText().endswith("10:00 works for me.\n\nBest regards,")  # no name


def test_sign_as_defaults_to_the_account_name_and_remembers_what_the_user_types(
    qtbot: QtBot, open_window: OpenWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import account_named

    account_named(monkeypatch, "Sam Lee,Room 4,,")
    first = open_window(None, {})
    assert first.email_tab.form.sign_off.text() == "Sam Lee"
    first.close()
    assert load_settings().settings.email_sign_off is None  # still follows the account

    again = open_window()
    assert again.email_tab.form.sign_off.text() == "Sam Lee"
    qtbot.keyClicks(again.email_tab.form.sign_off, ", PhD")
    again.close()
    assert load_settings().settings.email_sign_off == "Sam Lee, PhD"

    typed = open_window()
    assert typed.email_tab.form.sign_off.text() == "Sam Lee, PhD"
    typed.email_tab.form.sign_off.clear()  # no name, on purpose
    typed.close()

    cleared = open_window()
    assert cleared.email_tab.form.sign_off.text() == ""
    assert load_settings().settings.email_sign_off == ""


def test_generate_is_disabled_with_a_hint_without_a_model(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window(FakeClient(loaded=False))
    for tab in window.tool_tabs:
        tab.input.setPlainText("some text")
        assert not tab.generate_button.isEnabled(), tab.tab_id
        assert "Open a model" in tab.hint.text()
    window.summarize_tab.input.setPlainText("")
    assert window.summarize_tab.hint.text()


def test_follow_ups_rewrite_the_output_and_can_be_undone(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    client = FakeClient()
    window = make_window(client)
    tab = window.email_tab
    tab.form.notes.setPlainText("release on Friday")
    tab.generate()
    qtbot.waitUntil(finished(tab), timeout=WAIT_MS)
    first = tab.output.toPlainText()
    for button in tab.follow_ups.values():
        assert button.isEnabled()
    assert [b.text() for b in tab.follow_ups.values()] == [
        "Shorter",
        "Longer",
        "More formal",
        "More friendly",
        "Fix grammar and spelling",
    ]

    # The user edits the result; the rewrite works on the edited text.
    tab.output.setPlainText(first + "\nP.S. cake")
    qtbot.mouseClick(tab.follow_ups["shorter"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(finished(tab), timeout=WAIT_MS)
    asked = client.requests[-1]
    assert "You are an editor" in asked.system
    assert "email" in asked.system
    assert "P.S. cake" in asked.user
    assert tab.output.toPlainText().startswith("Subject: Friday\n\nHi Anna, the release")
    assert tab.undo_button.isVisible()
    qtbot.mouseClick(tab.undo_button, Qt.MouseButton.LeftButton)
    assert tab.output.toPlainText() == first + "\nP.S. cake"


def test_too_long_notes_are_refused_then_summarized_and_the_summary_goes_back_to_email(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    client = FakeClient(n_ctx=400)
    window = make_window(client)
    tab = window.email_tab
    long_notes = " ".join(f"point{n}" for n in range(600))
    tab.form.notes.setPlainText(long_notes)
    tab.generate()
    qtbot.waitUntil(tab.error.isVisible, timeout=WAIT_MS)
    assert "Too much text in the notes" in tab.error.text()
    assert "summarize it first" in tab.error.text()
    assert client.requests == [], "a request was sent although the notes cannot fit"
    assert tab.error_action.isVisible()
    assert tab.form.notes.toPlainText() == long_notes
    qtbot.waitUntil(tab.generate_button.isEnabled)

    # Summarize first: the text moves to Summarize and the summary starts at once.
    qtbot.mouseClick(tab.error_action, Qt.MouseButton.LeftButton)
    summarize = window.summarize_tab
    assert window.current_tab() is summarize
    assert summarize.input.toPlainText() == long_notes
    assert summarize.running or client.requests, "the summary did not start"
    assert "too long for Email" in summarize.notice.text()
    assert summarize.notice.isVisible()
    assert not tab.error.isVisible()
    offer = summarize.form.use_button
    assert not offer.isVisible(), "offered before there is a summary"
    qtbot.waitUntil(finished(summarize), timeout=WAIT_MS)
    summary = summarize.output.toPlainText()
    assert summary.strip()
    assert any("summar" in r.system.lower() for r in client.requests)

    # The finished summary offers to go back, named after the tool that sent it.
    assert offer.isVisible()
    assert offer.text() == "Use in Email"
    assert offer.accessibleName() == "Use in Email"
    assert offer.focusPolicy() & Qt.FocusPolicy.TabFocus
    show_tab(window, window.report_tab)  # the offer survives looking elsewhere
    show_tab(window, summarize)
    assert offer.isVisible()

    # The keyboard reaches it: Tab from the summary goes on to the offer.
    summarize.output.setFocus()
    qtbot.waitUntil(summarize.output.hasFocus)
    for _ in range(12):
        if offer.hasFocus():
            break
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert offer.hasFocus(), "Tab never reached the offer"
    qtbot.keyClick(offer, Qt.Key.Key_Space)
    assert window.current_tab() is tab
    assert tab.form.notes.toPlainText() == summary
    assert tab.form.notes.hasFocus()
    assert not offer.isVisible()
    assert window.store is not None
    saved = window.store.load_draft("email")
    assert saved is not None
    assert saved["inputs"]["notes"] == summary, "the draft was not saved"
    tab.form.notes.undo()  # one step takes the summary back out
    assert tab.form.notes.toPlainText() == long_notes


def test_summarize_first_while_summarize_is_busy_keeps_the_offer_where_it_was(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    client = FakeClient(n_ctx=400, hold=lambda number, sent: number == 1 and sent == 1)
    window = make_window(client)
    tab = window.email_tab
    tab.form.notes.setPlainText(" ".join(f"point{n}" for n in range(600)))
    tab.generate()
    qtbot.waitUntil(tab.error_action.isVisible, timeout=WAIT_MS)
    refused = tab.error.text()
    summarize = window.summarize_tab
    show_tab(window, summarize)
    summarize.input.setPlainText("A text of its own. " * 30)
    qtbot.waitUntil(summarize.generate_button.isEnabled)
    summarize.generate()
    qtbot.waitUntil(client.holding.is_set, timeout=WAIT_MS)
    show_tab(window, tab)
    qtbot.mouseClick(tab.error_action, Qt.MouseButton.LeftButton)
    assert window.current_tab() is tab
    assert tab.error_action.isVisible(), "Summarize first was lost"
    assert tab.error.text() == refused
    assert "busy" in window.statusBar().currentMessage()
    assert summarize.input.toPlainText() == "A text of its own. " * 30
    summarize.stop()
    qtbot.waitUntil(lambda: not summarize.running, timeout=WAIT_MS)


def test_summarize_first_keeps_the_text_the_summarize_tab_had_in_its_history(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    client = FakeClient(n_ctx=400)
    window = make_window(client)
    summarize = window.summarize_tab
    summarize.input.setPlainText("My own text about the harbour, not summarized yet.")
    summarize.form.focus.setText("the ferry")
    window.summarize_first("The long notes " * 20, "report")
    qtbot.waitUntil(finished(summarize), timeout=WAIT_MS)
    assert "kept in History" in summarize.notice.text()
    assert window.store is not None
    kept = window.store.history("summarize")
    assert [entry.inputs["input"] for entry in kept] == [
        "The long notes " * 20,  # the summary that just ran
        "My own text about the harbour, not summarized yet.",
    ]
    assert kept[1].options["focus"] == "the ferry"
    assert summarize.form.use_button.text() == "Use in Report"
    summarize.input.undo()  # and the box's own undo brings it back too
    assert summarize.input.toPlainText() == "My own text about the harbour, not summarized yet."


def test_the_offer_goes_when_another_job_starts_in_summarize(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    client = FakeClient(n_ctx=400)
    window = make_window(client)
    summarize = window.summarize_tab
    window.summarize_first("Notes that were too long for the report. " * 10, "report")
    qtbot.waitUntil(finished(summarize), timeout=WAIT_MS)
    offer = summarize.form.use_button
    assert offer.isVisible()
    summarize.output.setPlainText("My edited summary.")  # editing keeps the offer
    assert offer.isVisible()
    summarize.regenerate()
    assert not offer.isVisible()
    qtbot.waitUntil(finished(summarize), timeout=WAIT_MS)
    assert not offer.isVisible(), "a new job's summary offered to go back"
    window.use_summary()  # nothing is asked for: nothing happens
    assert window.current_tab() is summarize
    assert window.report_tab.input.toPlainText() == ""


def test_a_stopped_round_trip_summary_offers_nothing_until_one_is_finished(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    client = FakeClient(n_ctx=400, hold=lambda number, sent: number == 1 and sent == 1)
    window = make_window(client)
    summarize = window.summarize_tab
    window.summarize_first("A paragraph of the long report notes. " * 12, "report")
    qtbot.waitUntil(client.holding.is_set, timeout=WAIT_MS)
    summarize.stop()
    qtbot.waitUntil(lambda: not summarize.running, timeout=WAIT_MS)
    assert not summarize.form.use_button.isVisible()
    qtbot.waitUntil(summarize.generate_button.isEnabled, timeout=WAIT_MS)
    summarize.generate()  # tried again: this one is still for the report
    qtbot.waitUntil(finished(summarize), timeout=WAIT_MS)
    assert summarize.form.use_button.isVisible()
    qtbot.mouseClick(summarize.form.use_button, Qt.MouseButton.LeftButton)
    assert window.current_tab() is window.report_tab
    assert window.report_tab.input.toPlainText() == summarize.output.toPlainText()


def test_a_reply_to_a_too_long_email_gets_the_summary_in_place_of_that_email(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    client = FakeClient(n_ctx=400)
    window = make_window(client)
    tab = window.email_tab
    tab.form.reply_mode.setChecked(True)
    long_email = "Subject: Plans\n\n" + " ".join(f"item{n}" for n in range(600))
    tab.form.original.setPlainText(long_email)
    tab.form.notes.setPlainText("say yes")
    tab.generate()
    qtbot.waitUntil(tab.error_action.isVisible, timeout=WAIT_MS)
    qtbot.waitUntil(tab.generate_button.isEnabled)
    qtbot.mouseClick(tab.error_action, Qt.MouseButton.LeftButton)
    summarize = window.summarize_tab
    assert summarize.input.toPlainText() == long_email
    qtbot.waitUntil(finished(summarize), timeout=WAIT_MS)
    qtbot.mouseClick(summarize.form.use_button, Qt.MouseButton.LeftButton)
    assert tab.form.original.toPlainText() == summarize.output.toPlainText()
    assert tab.form.notes.toPlainText() == "say yes"


# ---------------------------------------------------------------- Summarize
def long_text(paragraphs: int = 12, words_each: int = 60) -> str:
    return "\n\n".join(
        f"Paragraph {n}: " + " ".join(f"word{n}x{i}" for i in range(words_each))
        for n in range(1, paragraphs + 1)
    )


def test_a_long_text_is_summarized_chunk_by_chunk_with_progress(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    client = FakeClient(n_ctx=1024)
    window = make_window(client)
    tab = window.summarize_tab
    show_tab(window, tab)
    labels: list[str] = []
    tab._jobs.progress.connect(lambda event: labels.append(event.label))
    tab.input.setPlainText(long_text(paragraphs=40))
    tab.form.length.setCurrentIndex(tab.form.length.findData("bullets"))
    tab.form.focus.setText("the budget")
    ctrl_enter(qtbot, tab.input)
    qtbot.waitUntil(finished(tab), timeout=WAIT_MS)

    chunks = [label for label in labels if label.startswith("Summarizing chunk")]
    assert len(chunks) >= 3
    total = len(chunks)
    assert chunks[0] == f"Summarizing chunk 1 of {total}"
    assert chunks[-1] == f"Summarizing chunk {total} of {total}"
    assert labels[-1] == "Writing the summary"
    assert tab.output.toPlainText() == "The budget grows by ten percent next year."
    assert "the budget" in client.requests[-1].user
    assert f"{total} of {total} parts summarized" in tab.stats.text()
    assert tab.progress_label.text() == "Done"
    assert tab.progress.value() == tab.progress.maximum()


def test_stop_during_a_long_summary_keeps_the_parts_done(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    client = FakeClient(n_ctx=512, hold=lambda request, sent: request == 3 and sent == 2)
    window = make_window(client)
    tab = window.summarize_tab
    show_tab(window, tab)
    tab.input.setPlainText(long_text())
    tab.generate()
    qtbot.waitUntil(client.holding.is_set, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "chunk 3 of" in tab.progress_label.text())
    assert tab.progress.isVisible()
    assert tab.progress.value() == 2
    assert tab.stop_button.isEnabled()
    assert "Esc" in tab.hint.text()

    tab.input.setFocus()
    qtbot.keyClick(tab.input, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: tab.stats.text().startswith("Stopped"), timeout=WAIT_MS)
    assert tab.output.toPlainText() == (
        "Part 1 says the budget grows.\n\nPart 2 says the budget grows."
    )
    assert tab.progress_label.text().startswith("Stopped: Summarizing chunk 3 of")
    assert len(client.requests) == 3, "a new request started after Stop"
    qtbot.waitUntil(tab.generate_button.isEnabled)
    assert not tab.output.isReadOnly()


# ---------------------------------------------------------------- Translate
def test_translate_detects_the_source_and_translates_paragraph_by_paragraph(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    client = FakeClient()
    window = make_window(client)
    tab = window.translate_tab
    show_tab(window, tab)
    assert tab.form.target.count() >= 20
    assert tab.form.source.itemText(0) == "Detect automatically"

    text = (
        "Bonjour à tous, la réunion est déplacée à vendredi.\n\n"
        "- apportez vos notes\n- le café est offert\n\n## Ordre du jour"
    )
    tab.input.setPlainText(text)
    qtbot.waitUntil(lambda: tab.form.detected.text() == "Detected: French", timeout=WAIT_MS)
    tab.form.target.setCurrentIndex(tab.form.target.findData("de"))
    tab.form.formality.setCurrentIndex(tab.form.formality.findData("formal"))
    previews: list[str] = []
    tab._jobs.preview.connect(previews.append)
    labels: list[str] = []
    tab._jobs.progress.connect(lambda event: labels.append(event.label))
    ctrl_enter(qtbot, tab.input)
    qtbot.waitUntil(finished(tab), timeout=WAIT_MS)

    assert labels == [
        "Translating paragraph 1 of 3",
        "Translating paragraph 2 of 3",
        "Translating paragraph 3 of 3",
    ]
    assert "from French into German" in client.requests[0].system
    assert "formal form of address" in client.requests[0].system
    # Layout kept: list markers, heading marks and blank lines are not sent, only words.
    assert tab.output.toPlainText() == (
        "[fr] Bonjour à tous, la réunion est déplacée à vendredi.\n\n"
        "- [fr] apportez vos notes\n- [fr] le café est offert\n\n## [fr] Ordre du jour"
    )
    # While it ran, the untranslated paragraphs stayed in the original beside the done ones.
    assert previews[0].startswith("[fr] Bonjour")
    assert "- apportez vos notes" in previews[0]
    assert "3 of 3 paragraphs translated" in tab.stats.text()
    assert "from French" in tab.stats.text()

    tab.form.swap()
    assert tab.form.source.currentData() == "de"
    assert tab.form.target.currentData() == "fr"
    assert tab.input.toPlainText().startswith("[fr] Bonjour")
    assert tab.output.toPlainText() == ""


def test_swap_needs_a_known_source_language(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window()
    tab = window.translate_tab
    show_tab(window, tab)
    tab.input.setPlainText("12345")
    tab.form.detect_now()
    qtbot.waitUntil(lambda: "nothing to go on" in tab.form.detected.text(), timeout=WAIT_MS)
    tab.form.swap()
    assert tab.error.isVisible()
    assert "source language is not known" in tab.error.text()
    assert tab.form.source.currentData() == "auto"


# ---------------------------------------------------------------- Report
def test_report_outline_is_editable_before_the_sections_are_written(
    qtbot: QtBot, make_window: MakeWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = FakeClient()
    window = make_window(client)
    tab = window.report_tab
    show_tab(window, tab)
    tab.input.setPlainText("- login outage 09:10-09:55\n- cause: expired certificate")
    tab.form.kind.setCurrentIndex(tab.form.kind.findData("incident"))
    tab.form.title.setText("Login outage")
    ctrl_enter(qtbot, tab.input)
    qtbot.waitUntil(lambda: not tab.running and tab.form.write_button.isEnabled(), timeout=WAIT_MS)
    assert "incident report" in client.requests[0].system
    assert tab.form.outline.toPlainText() == "Summary\nImpact\nRoot cause"
    assert tab.output.toPlainText() == ""
    assert "Write the report" in tab.hint.text()

    # The person edits the outline: one section out, one in.
    tab.form.outline.setPlainText("Summary\nRoot cause\nFollow-up actions")
    ctrl_enter(qtbot, tab.form.outline)  # Ctrl+Enter in the outline writes the report
    qtbot.waitUntil(finished(tab), timeout=WAIT_MS)
    asked = [section_of(r) for r in client.requests[1:]]
    assert asked == ["Summary", "Root cause", "Follow-up actions"]
    markdown = tab.output.toPlainText()
    assert markdown.startswith("# Login outage\n\n## Summary\n\nBody of Summary")
    assert "## Follow-up actions\n\nBody of Follow-up actions, from the notes." in markdown
    assert "3 of 3 sections written" in tab.stats.text()

    # Formatted view: real headings, not "##" characters.
    tab.form.render_markdown()
    assert tab.form.views.currentWidget() is tab.form.rendered
    rendered = tab.form.rendered.document()
    headings = [
        rendered.findBlockByNumber(n).text()
        for n in range(rendered.blockCount())
        if rendered.findBlockByNumber(n).blockFormat().headingLevel() == 2
    ]
    assert headings == ["Summary", "Root cause", "Follow-up actions"]
    assert "##" not in tab.form.rendered.toPlainText()

    # Export: .md, .docx with real headings, .pdf through Qt.
    saved: dict[str, Path] = {}
    for suffix in (".md", ".docx", ".pdf"):
        target = tmp_path / f"report{suffix}"
        monkeypatch.setattr(output_panel, "ask_save_path", lambda *_a, target=target: str(target))
        qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
        assert not tab.error.isVisible(), tab.error.text()
        saved[suffix] = target
    assert saved[".md"].read_text(encoding="utf-8") == markdown.rstrip("\n") + "\n"
    document = docx.Document(str(saved[".docx"]))
    styled = [(p.style.name, p.text) for p in document.paragraphs if p.text]
    assert ("Heading 1", "Login outage") in styled
    assert ("Heading 2", "Root cause") in styled
    pdf = saved[".pdf"].read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert b"%%EOF" in pdf[-64:]

    # The PDF opens again as a document, in the Summarize tab.
    summarize = window.summarize_tab
    summarize.load_document(str(saved[".pdf"]))
    # pypdf reads the words of Qt's PDFs with tabs between them; the reader makes spaces.
    qtbot.waitUntil(
        lambda: "Root cause" in summarize.input.toPlainText(),
        timeout=WAIT_MS,
    )
    assert "report.pdf · 1 page ·" in summarize.document_info.text()


def test_report_streams_sections_into_the_view_and_stop_keeps_the_done_ones(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    client = FakeClient(hold=lambda request, sent: request == 2 and sent == 3)
    window = make_window(client)
    tab = window.report_tab
    tab.input.setPlainText("notes")
    tab.form.outline.setPlainText("Summary\nDetails")
    tab.form.title.setText("Weekly")
    tab.form.write_report()
    qtbot.waitUntil(client.holding.is_set, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "## Details\n\nBody of Details," in tab.output.toPlainText())
    assert tab.output.toPlainText().startswith("# Weekly\n\n## Summary\n\nBody of Summary")
    assert tab.progress_label.text() == "Writing section 2 of 2: Details"
    tab.stop()
    qtbot.waitUntil(lambda: tab.stats.text().startswith("Stopped"), timeout=WAIT_MS)
    kept = tab.output.toPlainText()
    assert kept.startswith("# Weekly\n\n## Summary\n\nBody of Summary, from the notes.")
    assert "## Details\n\nBody of Details," in kept


def test_a_custom_report_needs_an_instruction(qtbot: QtBot, make_window: MakeWindow) -> None:
    client = FakeClient()
    window = make_window(client)
    tab = window.report_tab
    show_tab(window, tab)
    tab.input.setPlainText("notes")
    tab.form.kind.setCurrentIndex(tab.form.kind.findData("custom"))
    tab.generate()
    assert tab.error.isVisible()
    assert "custom report needs an instruction" in tab.error.text()
    assert client.requests == []
    tab.form.instruction.setText("a quarterly review for the board")
    tab.generate()
    qtbot.waitUntil(tab.form.write_button.isEnabled, timeout=WAIT_MS)
    assert "Instruction: a quarterly review for the board" in client.requests[0].system
    assert not tab.error.isVisible()


# ---------------------------------------------------------------- documents
def test_documents_open_or_drop_and_each_bad_file_says_why(
    qtbot: QtBot, make_window: MakeWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window()
    tab = window.summarize_tab
    show_tab(window, tab)
    qtbot.keyClicks(tab.input, "what I had typed")
    notes = tmp_path / "notes.md"
    notes.write_text("# Plan\n\nShip on Friday.\n", encoding="utf-8")
    monkeypatch.setattr(input_panel, "ask_open_path", lambda *_args: str(notes))
    qtbot.mouseClick(tab.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.input.toPlainText() == "# Plan\n\nShip on Friday.\n")
    assert tab.document_info.text() == "notes.md · 5 words"
    # The document replaced the typed text as one edit: Ctrl+Z brings that text back.
    qtbot.keyClick(tab.input, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert tab.input.toPlainText() == "what I had typed"
    qtbot.keyClick(
        tab.input,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert tab.input.toPlainText() == "# Plan\n\nShip on Friday.\n"

    word = tmp_path / "minutes.docx"
    document = docx.Document()
    document.add_heading("Minutes", level=1)
    document.add_paragraph("Budget approved.")
    document.save(str(word))
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(word))])
    drop = QDropEvent(
        QPointF(5, 5),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    tab.input.dropEvent(drop)
    assert drop.isAccepted()
    qtbot.waitUntil(lambda: tab.input.toPlainText() == "# Minutes\n\nBudget approved.\n")

    binary = tmp_path / "photo.txt"
    binary.write_bytes(bytes(range(256)) * 4)
    tab.load_document(str(binary))
    qtbot.waitUntil(tab.error.isVisible, timeout=WAIT_MS)
    assert "photo.txt looks like a binary file" in tab.error.text()
    assert tab.input.toPlainText() == "# Minutes\n\nBudget approved.\n", "text was replaced"

    latin = tmp_path / "old.txt"
    latin.write_bytes("Grüße aus Köln".encode("latin-1"))
    tab.load_document(str(latin))
    qtbot.waitUntil(lambda: "old.txt is not UTF-8" in tab.error.text(), timeout=WAIT_MS)

    tab.load_document(str(tmp_path / "gone.pdf"))
    qtbot.waitUntil(lambda: "does not exist" in tab.error.text(), timeout=WAIT_MS)
    assert len(tab.error.text().split(". ")) <= 3


# ---------------------------------------------------------------- history
def test_history_lists_searches_reopens_deletes_and_clears(
    qtbot: QtBot, make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = FakeClient()
    window = make_window(client)
    tab = window.summarize_tab
    show_tab(window, tab)
    for text in ("The first text about apples.", "The second text about pears."):
        tab.input.setPlainText(text)
        tab.generate()
        qtbot.waitUntil(finished(tab), timeout=WAIT_MS)

    qtbot.mouseClick(tab.history_button, Qt.MouseButton.LeftButton)
    panel = tab.history
    assert panel.isVisible()
    assert panel.entries.count() == 2
    panel.search.setText("apples")
    qtbot.waitUntil(lambda: panel.entries.count() == 1)

    tab.input.setPlainText("something else")
    tab.output.setPlainText("")
    panel.entries.setCurrentRow(0)
    qtbot.mouseClick(panel.reopen_button, Qt.MouseButton.LeftButton)
    assert tab.input.toPlainText() == "The first text about apples."
    assert tab.output.toPlainText() == "The budget grows by ten percent next year."
    assert tab.stats.text().startswith("Reopened from history")

    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    assert panel.entries.count() == 0
    assert "Nothing matches" in panel.empty.text()
    panel.search.clear()
    qtbot.waitUntil(lambda: panel.entries.count() == 1)

    # Other tabs keep their own history.
    assert window.email_tab.history.entries.count() == 0
    asked: list[str] = []
    monkeypatch.setattr(history, "confirm", lambda _p, _t, text: asked.append(text) or True)
    qtbot.mouseClick(panel.clear_button, Qt.MouseButton.LeftButton)
    [question] = asked
    assert "cannot be undone" in question
    assert panel.entries.count() == 0
    store = window.store
    assert store is not None
    assert store.history("summarize") == []


# ---------------------------------------------------------------- drafts
def test_drafts_held_by_another_program_are_not_lost_and_typing_goes_on(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    with open_store().store as store:
        store.save_draft("report", {"inputs": {"text": "notes from before"}})
    holder = LockHolder(app_paths().data_dir / DB_NAME, "exclusive")
    try:
        window = make_window()
        banner = window.notice
        assert banner.isVisible()
        assert banner.text().startswith("Another program (perhaps a second Desktop SLM window)")
        window.email_tab.form.notes.setPlainText("typed while another program holds the drafts")
        store = window.store
        assert store is not None
        qtbot.waitUntil(
            lambda: (
                (store.load_draft("email") or {}).get("inputs", {}).get("notes", "")
                == "typed while another program holds the drafts"
            ),
            timeout=10_000,
        )
        assert list(app_paths().data_dir.glob("*.bad")) == []
    finally:
        holder.release()
    window.close()  # the other program let go: the new draft is written now

    with open_store().store as again:
        assert again.load_draft("report") == {"inputs": {"text": "notes from before"}}
        email = again.load_draft("email")
        assert email is not None
        assert email["inputs"]["notes"] == "typed while another program holds the drafts"


def test_a_window_closed_without_typing_does_not_announce_restored_drafts(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    first = make_window()
    first.email_tab.form.tone.setCurrentText("friendly")  # a change, but no text
    first.close()  # flushes the (empty) drafts

    again = make_window()
    assert again.email_tab.form.tone.currentText() == "friendly"
    qtbot.wait(200)  # past the first paint, when a restore would be announced
    assert again.statusBar().currentMessage() == ""
    assert again.model_label.isVisible()


def test_every_tab_is_autosaved_and_restored_in_a_new_window(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window()
    window.email_tab.form.reply_mode.setChecked(True)
    window.email_tab.form.original.setPlainText("Can we meet?")
    window.email_tab.form.notes.setPlainText("yes, Tuesday")
    window.email_tab.form.sign_off.setText("Sam")
    window.report_tab.input.setPlainText("outage notes")
    window.report_tab.form.kind.setCurrentIndex(window.report_tab.form.kind.findData("minutes"))
    window.report_tab.form.outline.setPlainText("Attendees\nDecisions")
    window.report_tab.output.setPlainText("# Minutes\n\n## Attendees\n\nAll.")
    window.translate_tab.input.setPlainText("Hallo Welt")
    window.translate_tab.form.target.setCurrentIndex(
        window.translate_tab.form.target.findData("es")
    )
    window.summarize_tab.input.setPlainText("a long text")
    window.summarize_tab.form.focus.setText("costs")
    store = window.store
    assert store is not None

    def saved() -> bool:
        drafts = store.drafts()
        return (
            drafts.get("summarize", {}).get("options", {}).get("focus") == "costs"
            and drafts.get("email", {}).get("options", {}).get("sign_off") == "Sam"
        )

    started = time.monotonic()
    qtbot.waitUntil(saved, timeout=5_000)
    assert time.monotonic() - started < 3.0, "drafts were saved too late"  # 1.5 s + a busy CPU
    window.close()

    again = make_window()
    # Said once the window is up, in place of the model name, not drawn over it.
    qtbot.waitUntil(lambda: again.statusBar().currentMessage() == "Your drafts were restored.")
    assert not again.model_label.isVisible()
    email = again.email_tab.form
    assert email.reply_mode.isChecked()
    assert email.original.isVisible()
    assert email.original.toPlainText() == "Can we meet?"
    assert email.notes.toPlainText() == "yes, Tuesday"
    assert email.sign_off.text() == "Sam"
    assert again.report_tab.form.kind.currentData() == "minutes"
    assert again.report_tab.form.outline.toPlainText() == "Attendees\nDecisions"
    assert again.report_tab.output.toPlainText() == "# Minutes\n\n## Attendees\n\nAll."
    assert "Attendees" in again.report_tab.form.rendered.toPlainText()
    assert again.translate_tab.input.toPlainText() == "Hallo Welt"
    assert again.translate_tab.form.target.currentData() == "es"
    assert again.summarize_tab.form.focus.text() == "costs"


DRIVER = """
import json, os, sys
from PySide6.QtCore import QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from desktop_slm.ui.app import create_window

app = QApplication(sys.argv[:1])
window = create_window()
window.show()

def type_then_wait():
    notes = window.email_tab.form.notes
    notes.setFocus()
    QTest.keyClicks(notes, "ask Anna whether the demo at 10:00 still works")
    QTest.keyClicks(window.summarize_tab.form.focus, "budget")
    print("typed", flush=True)  # the test kills this process once the draft is saved

def report_restored():
    print(json.dumps({
        "notes": window.email_tab.form.notes.toPlainText(),
        "focus": window.summarize_tab.form.focus.text(),
    }), flush=True)
    window.close()
    app.quit()

QTimer.singleShot(0, report_restored if sys.argv[1] == "restore" else type_then_wait)
app.exec()
"""


def test_a_killed_app_keeps_the_draft_typed_two_seconds_before(
    tmp_path: Path, app_home: Path
) -> None:
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER, encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    app = subprocess.Popen(
        [sys.executable, str(driver), "type"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert app.stdout is not None
        line = app.stdout.readline()
        assert line.strip() == "typed", app.stderr.read() if app.stderr else line
        typed_at = time.monotonic()
        database = app_home / "data" / "drafts.sqlite3"
        saved: tuple[str, str] = ("", "")
        # Both tabs' drafts are on disk within the autosave delay (1.5 s) of typing.
        while time.monotonic() - typed_at < 3.0 and saved[1] != "budget":
            time.sleep(0.05)  # polling another process's database, not a Qt event
            saved = _saved_drafts(database)
        assert saved == ("ask Anna whether the demo at 10:00 still works", "budget")
        app.send_signal(signal.SIGKILL)
        assert app.wait(timeout=10) == -signal.SIGKILL
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
        for stream in (app.stdout, app.stderr):
            if stream is not None:
                stream.close()

    restored = subprocess.run(
        [sys.executable, str(driver), "restore"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    state = json.loads(restored.stdout.strip().splitlines()[-1])
    assert state == {"notes": "ask Anna whether the demo at 10:00 still works", "focus": "budget"}
    opened = open_store(app_paths())
    opened.store.close()
    assert opened.notice is None, "the database was damaged by the kill"


def _saved_drafts(database: Path) -> tuple[str, str]:
    """The Email notes and the Summarize focus in the drafts database, read as another
    program would."""
    if not database.exists():
        return "", ""
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1) as db:
            rows = dict(db.execute("SELECT tab, state FROM drafts").fetchall())
    except sqlite3.OperationalError:  # the table does not exist yet
        return "", ""
    email = json.loads(rows.get("email", "{}"))
    summarize = json.loads(rows.get("summarize", "{}"))
    return (
        str(email.get("inputs", {}).get("notes", "")),
        str(summarize.get("options", {}).get("focus", "")),
    )


# ---------------------------------------------------------------- the real model
def test_real_model_summarizes_translates_and_writes_a_report(
    qtbot: QtBot, open_window: OpenWindow, smollm2_path: Path
) -> None:
    window = open_window(smollm2_path, FAST_SETTINGS)
    wait_loaded(qtbot, window, smollm2_path)

    summarize = window.summarize_tab
    show_tab(window, summarize)
    summarize.input.setPlainText(
        "The city council approved the new budget on Monday. Spending on schools rises "
        "by ten percent, and two new bus lines start in March. Taxes stay the same."
    )
    qtbot.waitUntil(summarize.generate_button.isEnabled)
    summarize.generate()
    qtbot.waitUntil(finished(summarize), timeout=REAL_MS)
    assert len(summarize.output.toPlainText().split()) >= 3
    assert "<|im_" not in summarize.output.toPlainText()

    translate = window.translate_tab
    show_tab(window, translate)
    translate.input.setPlainText("Good morning.\n\nThe meeting starts at ten.")
    translate.form.target.setCurrentIndex(translate.form.target.findData("fr"))
    qtbot.waitUntil(translate.generate_button.isEnabled)
    translate.generate()
    qtbot.waitUntil(finished(translate), timeout=REAL_MS)
    translated = translate.output.toPlainText()
    assert translated.count("\n\n") == 1, "the paragraphs were not kept"
    assert translated != "Good morning.\n\nThe meeting starts at ten."
    assert "2 of 2 paragraphs translated" in translate.stats.text()

    rep = window.report_tab
    show_tab(window, rep)
    rep.input.setPlainText("- shipped the login page\n- next: payments\n- risk: one tester")
    rep.form.sections.setValue(2)
    qtbot.waitUntil(rep.generate_button.isEnabled)
    rep.generate()
    qtbot.waitUntil(rep.form.write_button.isEnabled, timeout=REAL_MS)
    outline = report.outline_from_text(rep.form.outline.toPlainText(), "Status")
    assert 1 <= len(outline.sections) <= 2
    rep.form.write_report()
    qtbot.waitUntil(finished(rep), timeout=REAL_MS)
    markdown = rep.output.toPlainText()
    assert markdown.startswith("# ")
    assert markdown.count("\n## ") == len(outline.sections)
    assert window.state_label.text() == "Idle"


def test_real_model_answer_cut_by_the_length_ends_a_sentence_and_the_tab_says_so(
    qtbot: QtBot, open_window: OpenWindow, smollm2_path: Path
) -> None:
    window = open_window(smollm2_path, {**FAST_SETTINGS, "max_tokens": 12})
    wait_loaded(qtbot, window, smollm2_path)
    summarize = window.summarize_tab
    show_tab(window, summarize)
    summarize.input.setPlainText(
        "The city council approved the new budget on Monday. Spending on schools rises "
        "by ten percent, and two new bus lines start in March. Taxes stay the same. The "
        "mayor said the harbour will be repaired next year and the library opens on Sundays."
    )
    qtbot.waitUntil(summarize.generate_button.isEnabled)
    summarize.generate()
    qtbot.waitUntil(finished(summarize), timeout=REAL_MS)
    shown = summarize.output.toPlainText()
    assert shown.strip()
    assert not ends_mid_sentence(shown), shown
    assert summarize.notice.isVisible()
    assert summarize.notice.text() == SHORTENED


def test_real_models_emails_end_with_the_apps_closing_and_name(
    qtbot: QtBot, open_window: OpenWindow, smollm2_path: Path
) -> None:
    window = open_window(smollm2_path, {**FAST_SETTINGS, "max_tokens": 160})
    wait_loaded(qtbot, window, smollm2_path)
    tab = window.email_tab
    tab.form.sign_off.setText("Sam Lee")
    tab.form.recipient.setText("Anna")
    for tone, notes in (
        ("professional", "the release moves to Friday; ask if the demo at 10:00 still works"),
        ("friendly", "thank Anna for the cake; see you at the party on Saturday"),
    ):
        tab.form.tone.setCurrentText(tone)
        tab.form.notes.setPlainText(notes)
        qtbot.waitUntil(tab.generate_button.isEnabled)
        tab.generate()
        qtbot.waitUntil(finished(tab), timeout=REAL_MS)
        draft = tab.form.draft()
        assert draft.subject.strip(), tab.output.toPlainText()
        closing = email.closing_line("English", tone)
        assert draft.body.endswith(f"\n\n{closing}\nSam Lee"), draft.body
        # The name once as a signature (a sentence of the body may mention it).
        signed = [line for line in draft.body.splitlines() if "Sam Lee" in line]
        assert [line for line in signed if len(line.split()) <= 5] == ["Sam Lee"], draft.body
        assert not any(line.startswith("Subject") for line in draft.body.splitlines())


def test_real_model_round_trip_too_long_notes_summarized_then_used_in_email(
    qtbot: QtBot, open_window: OpenWindow, smollm2_path: Path
) -> None:
    # A small context, so a few hundred words are too long for an email.
    window = open_window(smollm2_path, {**FAST_SETTINGS, "n_ctx": 512})
    wait_loaded(qtbot, window, smollm2_path)
    tab = window.email_tab
    long_notes = "\n\n".join(
        f"Week {n}: the harbour team repaired pier {n}, the ferry ran on time, and the "
        f"budget for the new crane stayed at {n * 10} thousand euros."
        for n in range(1, 16)
    )
    tab.form.notes.setPlainText(long_notes)
    qtbot.waitUntil(tab.generate_button.isEnabled)
    tab.generate()
    qtbot.waitUntil(tab.error_action.isVisible, timeout=REAL_MS)
    assert "Too much text" in tab.error.text()
    qtbot.waitUntil(tab.generate_button.isEnabled)

    qtbot.mouseClick(tab.error_action, Qt.MouseButton.LeftButton)
    summarize = window.summarize_tab
    assert window.current_tab() is summarize
    assert summarize.running, "Summarize first did not start the summary"
    qtbot.waitUntil(finished(summarize), timeout=2 * REAL_MS)  # parts, then their merge
    summary = summarize.output.toPlainText()
    assert summary.strip()
    assert "parts summarized" in summarize.stats.text()  # it was long: done part by part
    offer = summarize.form.use_button
    assert offer.isVisible()
    assert offer.text() == "Use in Email"

    qtbot.mouseClick(offer, Qt.MouseButton.LeftButton)
    assert window.current_tab() is tab
    assert tab.form.notes.toPlainText() == summary
    qtbot.waitUntil(tab.generate_button.isEnabled)
    tab.generate()  # the summary fits where the notes did not
    qtbot.waitUntil(finished(tab), timeout=REAL_MS)
    assert not tab.error.isVisible()
    assert tab.output.toPlainText().strip()
