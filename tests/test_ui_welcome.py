"""The welcome page of a first launch, driven like a person would, in the real window.

The fake Hub (``tests/fakehub.py``) serves the real test models; the catalog is the
Models tab tests' small one (SmolLM2 135M is the pick, Gemma 3 270M has a restrictive
licence) and the computer's memory is fixed, as there.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop_slm.models.fit import Memory
from desktop_slm.ui.models import dialogs
from desktop_slm.ui.welcome import WelcomePage, speed_text
from tests import test_ui, test_ui_models
from tests.fakehub import GATED_REPO, GEMMA_REPO, FakeHub
from tests.support.test_models import GEMMA3_BASE, SMOLLM2
from tests.test_ui import FAST_SETTINGS, NOTES, OpenWindow, tab_names, type_notes, wait_loaded
from tests.test_ui_models import DOWNLOAD_MS, WORK_MS, click, installed, open_models

# The window tests' fixtures, and the Models tab tests' fake Hub, catalog and machine.
open_window = test_ui.open_window
shown = test_ui.shown
test_catalog = test_ui_models.test_catalog
tokens = test_ui_models.tokens
machine = test_ui_models.machine
fake_hub = test_ui_models.fake_hub
other_apps = test_ui_models.other_apps

TABS = ["Email", "Report", "Translate", "Summarize", "Analyze", "Models"]


def welcome_of(qtbot: QtBot, window: test_ui.MainWindow) -> WelcomePage:
    """The welcome page, once it shows the recommendation (or says there is none)."""
    page = window.welcome
    assert page is not None, "the window did not open on its welcome page"
    qtbot.waitUntil(lambda: page.view is not None, timeout=WORK_MS)
    return page


def test_a_fresh_profile_opens_on_the_welcome_and_one_click_downloads_and_opens_the_pick(
    qtbot: QtBot, open_window: OpenWindow, fake_hub: FakeHub
) -> None:
    window = open_window(settings=FAST_SETTINGS)
    assert tab_names(window) == ["Welcome", *TABS]
    page = welcome_of(qtbot, window)
    assert window.current_tab() is page
    assert page.isVisible()
    text = page.recommendation.text()
    assert "SmolLM2 135M Instruct" in text
    assert "135M parameters" in text
    assert "98.4 MB" in text
    assert "apache-2.0 (an open licence)" in text
    assert re.search(r"writes (about \d+ words?|less than a word) a second here|speed here", text)
    assert page.download_button.text() == "Download"
    assert page.have_file_button.isVisible()
    assert fake_hub.requests == [], "the welcome page contacted the Hub before Download"

    # It never keeps the user from the writing tabs and their drafts.
    window.show_tab(window.email_tab)
    type_notes(qtbot, window)
    assert "Open a model" in window.email_tab.hint.text()
    window.show_tab(page)

    click(qtbot, page.download_button)
    qtbot.waitUntil(page.progress.isVisible, timeout=WORK_MS)
    assert page.download_button.text() == "Downloading…"
    assert not page.download_button.isEnabled()
    tab = window.models_tab  # the same download, listed there too
    qtbot.waitUntil(lambda: SMOLLM2.filename in installed(tab), timeout=DOWNLOAD_MS)
    smol = Path(installed(tab)[SMOLLM2.filename])
    wait_loaded(qtbot, window, smol)

    # Loaded: the welcome has gone, the Email tab is in front with the notes typed before.
    qtbot.waitUntil(lambda: window.welcome is None)
    assert tab_names(window) == TABS
    assert window.current_tab() is window.email_tab
    assert window.email_tab.form.notes.toPlainText() == NOTES
    assert "Open a model" not in window.email_tab.hint.text()
    window.close()

    # The next start opens the model, not the welcome.
    again = open_window(settings=FAST_SETTINGS)
    assert again.welcome is None
    assert tab_names(again) == TABS
    wait_loaded(qtbot, again, smol)


def test_i_already_have_a_gguf_opens_it_from_the_welcome(
    qtbot: QtBot,
    open_window: OpenWindow,
    machine: None,
    smollm2_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[str] = []
    monkeypatch.setattr(dialogs, "choose_gguf_file", lambda _parent: str(smollm2_path))

    def ask_import_mode(_parent: object, path: str) -> str:
        asked.append(path)
        return "in_place"

    monkeypatch.setattr(dialogs, "ask_import_mode", ask_import_mode)
    window = open_window(settings=FAST_SETTINGS)
    page = welcome_of(qtbot, window)
    click(qtbot, page.have_file_button)
    assert asked == [str(smollm2_path)]  # copy or in place, as the Models tab asks
    wait_loaded(qtbot, window, smollm2_path)
    qtbot.waitUntil(lambda: window.welcome is None)
    [model] = window.models_tab.installed.view.models if window.models_tab.installed.view else ()
    assert (model.path, model.in_place) == (str(smollm2_path), True)
    assert window.current_tab() is window.email_tab


def test_a_model_another_app_keeps_is_offered_on_the_welcome_and_used_in_place(
    qtbot: QtBot,
    open_window: OpenWindow,
    machine: None,
    other_apps: tuple[Path, Path],
) -> None:
    snapshot, blob = other_apps
    window = open_window(settings=FAST_SETTINGS)
    page = welcome_of(qtbot, window)
    qtbot.waitUntil(lambda: len(page.use_buttons) == 2, timeout=WORK_MS)
    assert "used where they are" in page.found_status.text()
    assert [f.name for f in page.found] == [SMOLLM2.filename, "gemma3:270m"]
    assert page.use_buttons[str(snapshot)].isVisible()

    click(qtbot, page.use_buttons[str(snapshot)])
    wait_loaded(qtbot, window, snapshot)
    qtbot.waitUntil(lambda: window.welcome is None)
    [model] = window.models_tab.installed.view.models if window.models_tab.installed.view else ()
    assert (model.path, model.in_place) == (str(snapshot), True)
    assert window.current_tab() is window.email_tab
    assert blob.exists()


def test_with_no_model_that_fits_the_welcome_says_so_and_points_to_the_models_tab(
    qtbot: QtBot, open_window: OpenWindow, machine: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    tight = Memory(total=1_000_000_000, available=40_000_000)
    monkeypatch.setattr(Memory, "detect", classmethod(lambda cls: tight))
    window = open_window()
    page = welcome_of(qtbot, window)
    text = page.recommendation.text()
    assert "None of the catalog's models runs well on this computer" in text
    assert "40 MB" in text or "40.0 MB" in text
    assert not page.download_button.isVisible()
    page.recommendation.linkActivated.emit("models")
    assert window.current_tab() is window.models_tab
    assert window.welcome is page  # still there: no model is open yet


def test_a_gated_pick_says_in_one_sentence_what_to_do_and_retries_with_the_token(
    qtbot: QtBot,
    *,
    open_window: OpenWindow,
    fake_hub: FakeHub,
    test_catalog: Path,
    tokens: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    shown: test_ui.Shown,
) -> None:
    data = json.loads(test_catalog.read_text(encoding="utf-8"))
    smol = data["models"][0]
    smol["recommend_rank"] = 2
    gated = {
        **smol,
        "id": "gated-model",
        "repo": GATED_REPO,
        "display_name": "Gated Model",
        "preferred_file": "gated-Q4_K_M.gguf",
        "expected_size_bytes": 104,
        "recommend_rank": 1,
    }
    data["models"].append(gated)
    test_catalog.write_text(json.dumps(data), encoding="utf-8")
    fake_hub.repos[GATED_REPO].refused_tokens.add("hf_not_accepted")

    window = open_window()
    page = welcome_of(qtbot, window)
    assert "Gated Model" in page.recommendation.text()
    click(qtbot, page.download_button)

    # No token: the Hub answers 401; one sentence says what to do, with a button for it.
    qtbot.waitUntil(page.gated.isVisible, timeout=WORK_MS)
    assert page.token_button.isVisible()
    sentence = page.gated.text()
    assert f"accept its licence on huggingface.co/{GATED_REPO}" in sentence
    assert "Hub access token" in sentence
    assert sentence.endswith(".")
    assert ". " not in sentence  # one sentence
    assert not shown.calls  # and no dialog on top of it

    # A token whose account has not accepted the terms: 403, and the same sentence.
    monkeypatch.setattr(dialogs, "ask_token", lambda _parent: "hf_not_accepted")
    before = len(fake_hub.file_requests("gated-Q4_K_M.gguf", "HEAD"))
    click(qtbot, page.token_button)
    qtbot.waitUntil(lambda: tokens.get("token") == "hf_not_accepted", timeout=WORK_MS)
    qtbot.waitUntil(
        lambda: len(fake_hub.file_requests("gated-Q4_K_M.gguf", "HEAD")) > before,
        timeout=WORK_MS,
    )
    sent = fake_hub.file_requests("gated-Q4_K_M.gguf", "HEAD")[-1].headers
    assert sent["authorization"] == "Bearer hf_not_accepted"
    qtbot.waitUntil(page.gated.isVisible, timeout=WORK_MS)
    assert page.gated.text() == sentence
    assert installed(window.models_tab) == {}
    assert not shown.calls


def test_a_restrictive_licence_is_shown_and_confirmed_before_its_download_starts(
    qtbot: QtBot,
    open_window: OpenWindow,
    fake_hub: FakeHub,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answers = [False, True]
    asked: list[tuple[str, str]] = []

    def confirm(_parent: object, title: str, text: str, action: str) -> bool:
        asked.append((title, f"{text} [{action}]"))
        return answers.pop(0)

    monkeypatch.setattr(dialogs, "confirm", confirm)
    window = open_window()
    tab = open_models(qtbot, window)
    tab.sections.setCurrentWidget(tab.catalog)
    button = tab.catalog.download_buttons["gemma-3-270m"]

    # Declined: nothing is asked of the Hub.
    click(qtbot, button)
    [(title, text)] = asked
    assert title == "The licence of Gemma 3 270M (base)"
    assert "“gemma” licence, which is not an open licence" in text
    assert f"huggingface.co/{GEMMA_REPO}" in text
    assert "[Accept and download]" in text
    assert button.text() == "Download"
    assert fake_hub.requests == []

    # Accepted: the download starts.
    click(qtbot, button)
    assert len(asked) == 2
    qtbot.waitUntil(
        lambda: bool(fake_hub.file_requests(GEMMA3_BASE.filename, "HEAD")), timeout=WORK_MS
    )

    # An openly licensed model is not asked about.
    click(qtbot, tab.catalog.download_buttons["smollm2-135m-instruct"])
    assert len(asked) == 2


def test_the_expected_speed_is_said_in_words() -> None:
    assert speed_text(None) == "speed here not known yet"
    assert speed_text(20.0) == "writes about 15 words a second here"
    assert speed_text(1.4) == "writes about 1 word a second here"
    assert speed_text(0.5) == "writes less than a word a second here"
