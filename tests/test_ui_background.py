"""The one helper for work off the GUI thread (``ui/bridge/background.py``)."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

from desktop_slm.errors import UserFacingError
from desktop_slm.ui.bridge.background import Background, Failure


def test_results_and_failures_come_back_on_the_gui_thread(qtbot: QtBot) -> None:
    owner = QObject()
    background = Background(owner)
    gui = threading.current_thread()
    values: list[tuple[int, bool]] = []
    background.start(
        lambda: 42,
        name="answer",
        done=lambda v: values.append((v, threading.current_thread() is gui)),
    )
    qtbot.waitUntil(lambda: values == [(42, True)])

    failures: list[Failure] = []
    background.start(
        lambda: 1 // 0, name="bug", what_failed="Counting failed", failed=failures.append
    )
    background.start(_refuse, name="user", failed=failures.append)
    qtbot.waitUntil(lambda: len(failures) == 2)
    assert (
        Failure("Counting failed (ZeroDivisionError). Details are in the log.", "bug") in failures
    )
    assert Failure("The file is empty.", "empty") in failures


@pytest.mark.parametrize("ending", ["closed", "deleted"])
def test_nothing_arrives_after_the_owner_closes_or_is_gone(qtbot: QtBot, ending: str) -> None:
    owner = QObject()
    background = Background(owner)
    release = threading.Event()
    late: list[object] = []
    thread = background.start(release.wait, name="slow", done=late.append, failed=late.append)
    assert thread is not None
    if ending == "closed":
        background.close()
        assert background.start(lambda: 1, name="refused", done=late.append) is None
    else:
        owner.deleteLater()
        qtbot.waitUntil(lambda: not _alive(background))
    release.set()
    thread.join(timeout=5)
    qtbot.wait(100)
    assert late == []


def _refuse() -> None:
    raise UserFacingError("The file is empty.", code="empty")


def _alive(obj: QObject) -> bool:
    try:
        obj.objectName()
    except RuntimeError:
        return False
    return True
