"""The running window's end of "one instance": what another launch sends it, good or bad."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop_slm.config import app_paths
from desktop_slm.ui import instance
from desktop_slm.ui.app import create_window
from desktop_slm.ui.main_window import MainWindow
from tests.test_ui import LOAD_MS, OpenWindow, wait_loaded

# The window fixtures of test_ui, found by pytest under these names.
from tests.test_ui import open_window as test_ui_open_window  # noqa: F401
from tests.test_ui import shown as test_ui_shown  # noqa: F401 (autouse: no error dialogs)


class Launch:
    """One connection to the window's socket, sent from a thread as another process would.

    The window answers on the GUI thread, so the test thread must keep Qt's loop running
    (``qtbot.waitUntil``) while this waits.
    """

    def __init__(self, path: str, payload: bytes, *, close: bool = False) -> None:
        self.answer: bytes | None = None
        self._thread = threading.Thread(target=self._run, args=(path, payload, close))
        self._thread.start()

    def _run(self, path: str, payload: bytes, close: bool) -> None:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(10)
            sock.connect(path)
            try:
                sock.sendall(payload)
                if close:
                    sock.shutdown(socket.SHUT_WR)
                received = b""
                while chunk := sock.recv(4096):
                    received += chunk
            except OSError:  # the window may hang up before reading everything
                received = b""
            self.answer = received

    def done(self) -> bool:
        return not self._thread.is_alive()

    def reply(self, qtbot: QtBot) -> dict[str, object] | None:
        qtbot.waitUntil(self.done, timeout=10_000)
        assert self.answer is not None
        if not self.answer:
            return None
        value: dict[str, object] = json.loads(self.answer)
        return value


@pytest.fixture
def window_with_server(
    request: pytest.FixtureRequest,
) -> Iterator[tuple[MainWindow, instance.InstanceServer, str]]:
    """A window wired to its socket as ``run_app`` wires it."""
    server = instance.claim(instance.LaunchRequest(), app_paths().data_dir)
    assert server is not None, "another window already listens for this test's home"
    assert server.listening
    open_window: OpenWindow = request.getfixturevalue("test_ui_open_window")
    window = open_window()
    server.serve(window)
    path = server._server.fullServerName()
    yield window, server, path
    server.close()
    server.deleteLater()


def test_garbage_on_the_socket_is_ignored_and_the_window_keeps_listening(
    qtbot: QtBot,
    window_with_server: tuple[MainWindow, instance.InstanceServer, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    window, server, path = window_with_server
    received: list[instance.LaunchRequest] = []
    server.requested.connect(received.append)
    garbage = [
        b"\x00\xff\xfe binary\n",
        b"not json at all\n",
        b"[1, 2, 3]\n",
        b'{"v": 99, "model": "/m.gguf"}\n',
        b'{"v": 1, "model": 42}\n',
        b'{"v": 1, "file": "", "model": null}\n',
        b'{"v": 1, "model": "/m.gguf", "exec": "rm -rf /"}\n',
        b'{"v": 1, "model": "' + b"x" * (instance.MAX_PATH_CHARS + 1) + b'"}\n',
        b"{" + b" " * (instance.MAX_REQUEST_BYTES + 10),  # no end in sight
    ]
    for payload in garbage:
        assert Launch(path, payload).reply(qtbot) in (
            {"ok": False, "error": "not a Desktop SLM launch request"},
            None,  # the oversized one may be cut off while still sending
        ), payload[:40]
    # A launch that connects and says nothing is dropped after the read timeout.
    silent = Launch(path, b"")
    qtbot.waitUntil(silent.done, timeout=instance.READ_TIMEOUT_MS + 5_000)

    assert received == []
    assert window.isVisible()
    assert window.model_label.text() == "No model"
    assert caplog.text.count("ignored a malformed request") == len(garbage) + 1
    # Still listening: a proper request after all that is applied, even one whose
    # sender hangs up without the final newline.
    good = instance.LaunchRequest(model=None, file=None).encode()
    assert Launch(path, good).reply(qtbot) == {"ok": True}
    Launch(path, good.rstrip(b"\n"), close=True).reply(qtbot)
    qtbot.waitUntil(lambda: len(received) == 2)
    assert received == [instance.LaunchRequest(), instance.LaunchRequest()]


def test_a_request_switches_model_opens_the_document_and_restores_the_window(
    qtbot: QtBot,
    window_with_server: tuple[MainWindow, instance.InstanceServer, str],
    smollm2_path: Path,
    tmp_path: Path,
) -> None:
    window, _server, path = window_with_server
    document = tmp_path / "minutes.txt"
    document.write_text("The board met on Tuesday and approved the budget.\n", "utf-8")
    window.showMinimized()
    qtbot.waitUntil(window.isMinimized)

    request = instance.LaunchRequest(model=str(smollm2_path), file=str(document))
    assert Launch(path, request.encode()).reply(qtbot) == {"ok": True}

    qtbot.waitUntil(lambda: not window.isMinimized())
    wait_loaded(qtbot, window, smollm2_path)
    assert window.selection.active_path() == str(smollm2_path)
    tab = window.summarize_tab
    qtbot.waitUntil(lambda: "approved the budget" in tab.input.toPlainText(), timeout=LOAD_MS)
    assert tab.document_info.text() == "minutes.txt · 9 words"
    assert window.current_tab() is tab


def test_a_closing_window_stops_listening_so_the_next_launch_opens_its_own(
    qtbot: QtBot, window_with_server: tuple[MainWindow, instance.InstanceServer, str]
) -> None:
    window, server, path = window_with_server
    assert Path(path).exists()
    window.close()  # at the start of the close, not after its slow part
    assert not server.listening
    assert not Path(path).exists()
    name = instance.server_name(app_paths().data_dir)
    assert instance.hand_over(name, instance.LaunchRequest()) is False


def test_two_data_folders_are_two_instances(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    assert instance.server_name(one) != instance.server_name(two)
    # The same folder by another spelling is the same instance.
    assert instance.server_name(one) == instance.server_name(tmp_path / "two" / ".." / "one")


def test_a_file_given_at_launch_opens_in_the_summarize_tab(qtbot: QtBot, tmp_path: Path) -> None:
    document = tmp_path / "minutes.md"
    document.write_text("# Minutes\n\nThe board approved the budget.\n", "utf-8")
    window = create_window(document=str(document))
    qtbot.addWidget(window)
    try:
        window.show()
        tab = window.summarize_tab
        qtbot.waitUntil(lambda: "approved the budget" in tab.input.toPlainText(), timeout=LOAD_MS)
        assert window.current_tab() is tab
        assert tab.document_info.text().startswith("minutes.md · ")
    finally:
        window.close()
        for handler in list(logging.getLogger().handlers):  # the log file in this test's home
            if getattr(handler, "_desktop_slm", False):
                logging.getLogger().removeHandler(handler)
                handler.close()
