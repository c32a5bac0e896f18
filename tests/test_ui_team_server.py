"""The window on a team server: Preferences > Engine, the status bar, the first-use question,
a lost server and the way back to this computer, against llama-cpp-python's real server."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QTabWidget
from pytestqt.qtbot import QtBot

from desktop_slm.config import Settings, app_paths, load_settings
from desktop_slm.engine.remote import server_key, set_server_key
from desktop_slm.ui import messages
from desktop_slm.ui.main_window import MainWindow
from desktop_slm.ui.preferences import PreferencesDialog
from tests import test_ui
from tests.support.team_server import SERVER_KEY, TeamServer, team_server
from tests.test_models_hub import _MemoryKeyring
from tests.test_ui import (
    ANSWER_MS,
    FAST_SETTINGS,
    LOAD_MS,
    NOTES,
    OpenWindow,
    Shown,
    press_generate,
    type_notes,
    wait_finished,
    wait_loaded,
)

pytestmark = pytest.mark.slow

# The window tests' fixtures: no dialog may block; real windows and workers are cleaned up.
shown = test_ui.shown
open_window = test_ui.open_window

CONNECT_MS = 30_000
QUIET = {**FAST_SETTINGS, "prepare_while_typing": False, "suggest_while_typing": False}


@pytest.fixture(scope="module")
def server(smollm2_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TeamServer]:
    with team_server(smollm2_path, tmp_path_factory.mktemp("server")) as running:
        yield running


@pytest.fixture(autouse=True)
def memory_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[_MemoryKeyring]:
    import keyring
    from keyring.backend import KeyringBackend

    monkeypatch.delenv("DESKTOP_SLM_SERVER_KEY", raising=False)
    monkeypatch.delenv("DESKTOP_SLM_SERVER", raising=False)
    backend = type("MemoryKeyring", (_MemoryKeyring, KeyringBackend), {})()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@dataclass
class Asked:
    """The first-use questions the window asked, and the answer the test gives."""

    answer: bool = False
    texts: list[str] = field(default_factory=list)


@pytest.fixture(autouse=True)
def asked(monkeypatch: pytest.MonkeyPatch) -> Asked:
    record = Asked()

    def ask(_parent: object, _title: str, text: str, action: str) -> bool:
        assert action == "Send"
        record.texts.append(text)
        return record.answer

    monkeypatch.setattr(messages, "asker", ask)
    return record


# ---------------------------------------------------------------- helpers
def preferences(window: MainWindow) -> PreferencesDialog:
    return PreferencesDialog(window.preferences_settings(), window, power=window.power.state)


def choose_server(
    qtbot: QtBot, window: MainWindow, url: str, key: str | None = SERVER_KEY
) -> PreferencesDialog:
    """Preferences > Engine > A server, the address and key typed, Test connection, OK."""
    dialog = preferences(window)
    dialog.engine.server.setChecked(True)
    dialog.engine.url.setText(url)
    if key is not None:
        dialog.engine.key.setText(key)
    dialog.engine.test_button.click()
    qtbot.waitUntil(dialog.engine.test_button.isEnabled, timeout=CONNECT_MS)
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    window.apply_preferences(dialog)
    return dialog


def wait_server(qtbot: QtBot, window: MainWindow, server: TeamServer) -> None:
    name = f"Server {server.url.split('://')[1]} · smollm2"
    qtbot.waitUntil(lambda: window.model_label.text() == name, timeout=CONNECT_MS)
    qtbot.waitUntil(lambda: not window.bridge.is_busy())


def requests_sent(server: TeamServer) -> int:
    """How many answers the server was asked for (its access log)."""
    return server.log.read_text(errors="replace").count("POST /v1/chat/completions")


def saved_settings() -> str:
    return app_paths().settings_file.read_text(encoding="utf-8")


# ---------------------------------------------------------------- tests
def test_test_connection_lists_the_servers_models_and_a_wrong_key_is_one_sentence(
    qtbot: QtBot, open_window: OpenWindow, server: TeamServer
) -> None:
    window = open_window(settings=QUIET)
    dialog = preferences(window)
    engine = dialog.engine
    assert engine.local.isChecked(), "This computer is the default"
    assert not engine.test_button.isEnabled()

    engine.server.setChecked(True)
    engine.url.setText(server.url)
    engine.key.setText("not-the-key")
    engine.test_button.click()
    qtbot.waitUntil(engine.test_button.isEnabled, timeout=CONNECT_MS)
    assert engine.result.text() == "The server refused the API key."
    assert engine.model.count() == 0

    engine.key.setText(SERVER_KEY)
    engine.test_button.click()
    assert not engine.test_button.isEnabled(), "the test runs in the background"
    qtbot.waitUntil(engine.test_button.isEnabled, timeout=CONNECT_MS)
    assert engine.result.text() == "Connected: 1 model."
    assert [engine.model.itemText(i) for i in range(engine.model.count())] == ["smollm2"]

    engine.url.setText("127.0.0.1:1")  # nothing listens on port 1
    engine.test_button.click()
    qtbot.waitUntil(engine.test_button.isEnabled, timeout=CONNECT_MS)
    assert engine.result.text().startswith("Cannot reach the server at http://127.0.0.1:1")
    assert "Traceback" not in engine.result.text()
    dialog.reject()


def test_a_server_answers_in_the_email_tab_after_the_user_agrees_once(
    qtbot: QtBot,
    open_window: OpenWindow,
    server: TeamServer,
    asked: Asked,
    memory_keyring: _MemoryKeyring,
) -> None:
    window = open_window(settings=QUIET)
    choose_server(qtbot, window, server.url)
    wait_server(qtbot, window, server)
    assert window.bridge.client.pid is None, "a local worker started for a server"
    tab = window.email_tab
    window.show_tab(tab)

    # The key went to the keyring, never to settings.json.
    assert server_key(server.url) == SERVER_KEY
    assert SERVER_KEY in memory_keyring.store.values()
    settings = saved_settings()
    assert SERVER_KEY not in settings
    assert json.loads(settings)["engine"] == "server"
    assert json.loads(settings)["server_url"] == server.url

    # The Models tab lists the server's models while it is the engine.
    models = window.models_tab
    window.show_tab(models)
    qtbot.waitUntil(lambda: models.server.models.count() == 1, timeout=CONNECT_MS)
    assert models.server.models.item(0).text().startswith("smollm2")
    sections = models.findChild(QTabWidget, "modelSections")
    assert sections is not None
    assert sections.tabText(0) == "On the server"
    window.show_tab(tab)

    # First Generate: the window says where the text goes; Cancel sends nothing.
    type_notes(qtbot, window)
    qtbot.waitUntil(tab.generate_button.isEnabled)
    before = requests_sent(server)
    press_generate(qtbot, window)
    assert len(asked.texts) == 1
    assert server.url in asked.texts[0]
    assert not tab.running
    qtbot.wait(1000)
    assert tab.output.toPlainText() == ""
    assert requests_sent(server) == before
    assert server.url not in load_settings().settings.servers_told

    # Send: a real answer streams from the server; the question is not asked again.
    asked.answer = True
    states: list[str] = []
    window.bridge.throughput.connect(lambda _rate: states.append(window.state_label.text()))
    press_generate(qtbot, window)
    assert tab.running
    wait_finished(qtbot, window)
    answer = tab.output.toPlainText()
    assert len(answer.split()) >= 5
    assert not tab.error.isVisible()
    assert requests_sent(server) > before
    assert any(s.startswith("Generating… ") for s in states)
    assert window.model_label.text() == f"Server {server.url.split('://')[1]} · smollm2"

    asked.answer = False  # asked again, this would cancel
    press_generate(qtbot, window)
    wait_finished(qtbot, window)
    assert len(asked.texts) == 2, "the first-use question came back"
    assert load_settings().settings.servers_told == [server.url]
    assert SERVER_KEY not in saved_settings()


def test_a_wrong_key_in_the_window_is_one_sentence(
    qtbot: QtBot, open_window: OpenWindow, server: TeamServer, shown: Shown
) -> None:
    window = open_window(settings=QUIET)
    choose_server(qtbot, window, server.url, key="wrong-key")
    qtbot.waitUntil(lambda: bool(shown.calls), timeout=CONNECT_MS)
    ((_title, text),) = shown.take()
    assert "the server refused the API key" in text
    assert "Preferences" in text
    assert "Traceback" not in text
    assert window.bridge.server is None
    assert window.bridge.active_model is None


def test_a_server_killed_mid_answer_keeps_the_text_so_far_and_the_window_lives(
    qtbot: QtBot,
    open_window: OpenWindow,
    smollm2_path: Path,
    tmp_path: Path,
    asked: Asked,
) -> None:
    asked.answer = True
    window = open_window(settings={**QUIET, "max_tokens": 2000, "email_length": "long"})
    with team_server(smollm2_path, tmp_path) as dying:
        choose_server(qtbot, window, dying.url)
        wait_server(qtbot, window, dying)
        tab = window.email_tab
        window.show_tab(tab)
        notes = "Write a very long, detailed email about every step of the office move. " * 3
        tab.form.notes.setPlainText(notes)
        qtbot.waitUntil(tab.generate_button.isEnabled)
        press_generate(qtbot, window)
        qtbot.waitUntil(lambda: len(tab.output.toPlainText().split()) >= 5, timeout=ANSWER_MS)
        dying.kill()
        qtbot.waitUntil(lambda: not tab.running, timeout=ANSWER_MS)
    so_far = tab.output.toPlainText()
    assert len(so_far.split()) >= 5, "the text streamed before the server died was lost"
    assert tab.error.isVisible()
    assert "stopped answering" in tab.error.text()
    assert "Traceback" not in tab.error.text()
    assert tab.form.notes.toPlainText() == notes, "the draft was not kept"
    assert window.isVisible()
    qtbot.waitUntil(tab.generate_button.isEnabled)  # the window takes the next request


def test_back_to_this_computer_generates_with_the_local_model(
    qtbot: QtBot, open_window: OpenWindow, server: TeamServer, smollm2_path: Path, asked: Asked
) -> None:
    asked.answer = True
    window = open_window(smollm2_path, QUIET)
    local_name = wait_loaded(qtbot, window, smollm2_path)
    choose_server(qtbot, window, server.url)
    wait_server(qtbot, window, server)
    assert window.bridge.client.active_model is None, "the local model kept its memory"

    dialog = preferences(window)
    assert dialog.engine.server.isChecked()
    assert dialog.engine.url.text() == server.url
    assert dialog.engine.key.text() == "", "the key is never shown"
    dialog.engine.local.setChecked(True)
    dialog.accept()
    window.apply_preferences(dialog)
    qtbot.waitUntil(lambda: window.model_label.text() == local_name, timeout=LOAD_MS)
    assert window.bridge.server is None
    assert load_settings().settings.engine == "local"
    sections = window.models_tab.findChild(QTabWidget, "modelSections")
    assert sections is not None
    assert sections.indexOf(window.models_tab.server) < 0

    tab = window.email_tab
    window.show_tab(tab)
    asked.texts.clear()
    type_notes(qtbot, window, NOTES)
    qtbot.waitUntil(tab.generate_button.isEnabled, timeout=LOAD_MS)
    press_generate(qtbot, window)
    wait_finished(qtbot, window)
    assert tab.output.toPlainText().strip()
    assert asked.texts == [], "this computer's engine asked about sending text"
    assert window.bridge.client.pid is not None


def test_a_server_in_the_settings_is_the_engine_at_start(
    qtbot: QtBot, open_window: OpenWindow, server: TeamServer
) -> None:
    set_server_key(server.url, SERVER_KEY)
    window = open_window(settings={**QUIET, "engine": "server", "server_url": server.url})
    wait_server(qtbot, window, server)
    assert window.bridge.client.pid is None
    assert window.welcome is None


def test_settings_of_an_older_version_load_with_this_computer_as_the_engine(
    app_home: Path,
) -> None:
    config = app_home / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "settings.json").write_text('{"temperature": 0.2, "schema_version": 1}')
    settings = load_settings().settings
    assert (settings.engine, settings.server_url, settings.server_model) == ("local", "", None)
    assert settings.temperature == 0.2
    (config / "settings.json").write_text('{"engine": "server", "server_url": ""}')
    assert load_settings().settings.engine == "local", "a server without an address"


def test_an_empty_key_field_keeps_the_kept_key_and_forget_removes_it(
    qtbot: QtBot, memory_keyring: _MemoryKeyring
) -> None:
    url = "http://gpu01:8000"

    def ok(key: str = "", *, forget: bool = False) -> PreferencesDialog:
        dialog = PreferencesDialog(Settings(engine="server", server_url=url))
        qtbot.addWidget(dialog)
        dialog.engine.key.setText(key)
        dialog.engine.forget_key.setChecked(forget)
        dialog.accept()
        assert dialog.result() == QDialog.DialogCode.Accepted
        return dialog

    ok("secret-1")
    assert server_key(url) == "secret-1"
    dialog = ok()
    assert server_key(url) == "secret-1", "an empty field forgot the key"
    assert dialog.engine.forget_key.isVisibleTo(dialog)
    assert "kept" in dialog.engine.key.placeholderText()
    ok(forget=True)
    assert server_key(url) is None
    assert memory_keyring.store == {}
    settings = Settings()
    ok("secret-2").apply_to(settings)
    assert (settings.engine, settings.server_url) == ("server", url)
    assert "secret-2" not in json.dumps(dataclasses.asdict(settings))


def test_the_models_tab_lists_the_servers_models_and_use_switches_the_servers_model(
    qtbot: QtBot, open_window: OpenWindow, smollm2_path: Path, tmp_path: Path, shown: Shown
) -> None:
    with team_server(smollm2_path, tmp_path, aliases=("smollm2", "smollm2-b")) as two:
        set_server_key(two.url, SERVER_KEY)
        # A server of several models with none chosen says where to choose one.
        window = open_window(settings={**QUIET, "engine": "server", "server_url": two.url})
        qtbot.waitUntil(lambda: bool(shown.calls), timeout=CONNECT_MS)
        ((_title, text),) = shown.take()
        assert "offers 2 models (smollm2, smollm2-b)" in text
        assert text.endswith("choose one in File > Preferences > Engine.")
        assert "--model" not in text

        dialog = choose_server(qtbot, window, two.url, key=None)
        assert dialog.engine.result.text() == "Connected: 2 models."
        wait_server(qtbot, window, two)

        models = window.models_tab
        window.show_tab(models)
        page = models.server
        qtbot.waitUntil(lambda: page.models.count() == 2, timeout=CONNECT_MS)
        assert [page.models.item(i).text() for i in range(2)] == ["smollm2", "smollm2-b"]
        assert two.url in page.about.text()
        page.models.setCurrentRow(0)
        assert not page.use_button.isEnabled(), "Use offered for the model in use"
        page.models.setCurrentRow(1)
        page.use_button.click()
        host = two.url.split("://")[1]
        qtbot.waitUntil(
            lambda: window.model_label.text() == f"Server {host} · smollm2-b", timeout=CONNECT_MS
        )
        assert load_settings().settings.server_model == "smollm2-b"
        active = window.bridge.active_model
        assert active is not None
        assert active.info.name == "smollm2-b"
