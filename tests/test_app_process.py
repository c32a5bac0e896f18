"""The real program started as a user starts it: its worker never outlives it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.support.processes import wait_gone


def _start_app(model: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.Popen(
        [sys.executable, "-m", "desktop_slm", "--model", str(model)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait_for_worker(app: subprocess.Popen[bytes], timeout: float = 60.0) -> psutil.Process:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert app.poll() is None, app.stderr.read().decode() if app.stderr else "app exited"
        for child in psutil.Process(app.pid).children(recursive=True):
            try:
                if "engine-worker" in child.cmdline():
                    return child
            except psutil.NoSuchProcess:
                continue
        time.sleep(0.1)
    raise AssertionError("the app did not start its engine worker")


def _wait_for_model_saved(home: Path, model: Path, timeout: float = 60.0) -> None:
    """The window records the model as the active one once it has loaded."""
    selection = home / "data" / "models" / "selection.json"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if json.loads(selection.read_text("utf-8")).get("active") == str(model):
                return
        except (OSError, ValueError):
            pass
        time.sleep(0.1)
    raise AssertionError("the app did not load the model")


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_worker_ends_when_the_app_is_killed(
    smollm2_path: Path, how: signal.Signals, app_home: Path
) -> None:
    app = _start_app(smollm2_path)
    try:
        worker = _wait_for_worker(app)
        _wait_for_model_saved(app_home, smollm2_path)
        app.send_signal(how)
        app.wait(timeout=30)
        assert wait_gone(worker.pid, timeout=15), "the engine worker outlived the app"
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
        if app.stderr:
            app.stderr.close()
    # The app wrote its log where DESKTOP_SLM_HOME says, and nothing crashed on the way.
    log = (app_home / "logs" / "desktop-slm.log").read_text(encoding="utf-8")
    assert "window shown" in log
    assert "Traceback" not in log
    if how == signal.SIGTERM:
        # A polite termination (logout, kill) closes the window properly.
        assert app.returncode == 0
        assert "closing on signal SIGTERM" in log
        settings = json.loads((app_home / "config" / "settings.json").read_text("utf-8"))
        assert settings["window_geometry"], "the window did not save its state on SIGTERM"
