"""One window per user and data folder, with the real program started as a user starts it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_app_process import _wait_for_model_saved

CLI = [sys.executable, "-m", "desktop_slm"]
START_S = 60.0  # a window's start on a busy 2-core machine, with margin
HAND_OVER_S = 20.0  # the issue asks for 2 s; the bound leaves room for a busy machine
LISTENING = "listening for other launches on "


class Window:
    """A ``desktop-slm`` window process and its log."""

    def __init__(self, home: Path, *args: str | Path) -> None:
        self.home = home
        self.process = subprocess.Popen(
            [*CLI, *map(str, args)],
            env=_env(home),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def log(self) -> str:
        try:
            return (self.home / "logs" / "desktop-slm.log").read_text("utf-8")
        except FileNotFoundError:
            return ""

    def own_lines(self) -> list[str]:
        marker = f" {self.process.pid} "
        return [line for line in self.log().splitlines() if marker in line]

    def wait_for(self, text: str, timeout: float = START_S) -> str:
        """The first line this process logged that contains ``text``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [line for line in self.own_lines() if text in line]
            if found:
                return found[0]
            assert self.process.poll() is None, f"the window exited: {self.own_lines()}"
            time.sleep(0.1)
        raise AssertionError(f"the window never logged {text!r}: {self.own_lines()}")

    def socket_path(self) -> Path:
        """Where the window listens, once it does."""
        return _socket_of(self.wait_for(LISTENING))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        # A window terminated before its first paint (or killed) leaves its socket file
        # in the temp folder; the next launch would recover it, but none comes.
        for line in self.own_lines():
            if LISTENING in line:
                _socket_of(line).unlink(missing_ok=True)


def _socket_of(line: str) -> Path:
    return Path(line.split(LISTENING, 1)[1].strip())


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "DESKTOP_SLM_HOME": str(home)}


def launch(home: Path, *args: str | Path, cwd: Path | None = None) -> tuple[int, str, float]:
    """A second launch run to its end: exit code, stderr and how long it took."""
    started = time.monotonic()
    done = subprocess.run(
        [*CLI, *map(str, args)],
        env=_env(home),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=HAND_OVER_S,
        check=False,
    )
    return done.returncode, done.stderr, time.monotonic() - started


@pytest.fixture
def windows() -> Iterator[list[Window]]:
    started: list[Window] = []
    yield started
    for window in started:
        window.stop()


def test_a_second_launch_hands_its_model_and_file_to_the_window_and_exits(
    app_home: Path, windows: list[Window], smollm2_path: Path, tmp_path: Path
) -> None:
    first = Window(app_home)
    windows.append(first)
    first.socket_path()

    code, stderr, _took = launch(app_home, "--model", smollm2_path)
    assert code == 0, stderr
    assert "already open" in stderr
    first.wait_for(f"switching model for another launch: {smollm2_path}")
    _wait_for_model_saved(app_home, smollm2_path)

    # A relative file name means the file in the launch's own folder.
    (tmp_path / "notes.txt").write_text("Budget approved on Tuesday.\n", "utf-8")
    code, stderr, _took = launch(app_home, "notes.txt", cwd=tmp_path)
    assert code == 0, stderr
    first.wait_for(f"opening a document for another launch: {tmp_path / 'notes.txt'}")

    # Both launches ended at once instead of opening a window of their own.
    assert first.process.poll() is None
    assert len(re.findall(r"listening for other launches", first.log())) == 1
    assert "Traceback" not in first.log()


def test_a_missing_file_is_refused_before_anything_starts(app_home: Path) -> None:
    code, stderr, _took = launch(app_home, "no-such-notes.txt")
    assert code == 2
    assert stderr.strip().splitlines()[-1] == (
        "desktop-slm: error: there is no file or command 'no-such-notes.txt' (see --help)"
    )


def test_after_kill_9_the_next_launch_becomes_the_window(
    app_home: Path, windows: list[Window], tmp_path: Path
) -> None:
    first = Window(app_home)
    windows.append(first)
    socket_path = first.socket_path()
    first.process.send_signal(signal.SIGKILL)
    first.process.wait(timeout=30)
    assert socket_path.exists(), "no stale socket: this test would prove nothing"

    second = Window(app_home)
    windows.append(second)
    assert second.socket_path() == socket_path
    # It really is the window now: a third launch is handed to it.
    code, stderr, _took = launch(app_home)
    assert code == 0, stderr
    second.wait_for("request from another launch")

    # Another data folder is another instance, beside this one.
    other = Window(tmp_path / "other-home")
    windows.append(other)
    assert other.socket_path() != socket_path
    assert second.process.poll() is None


def test_run_works_beside_a_running_window(
    app_home: Path, windows: list[Window], smollm2_path: Path
) -> None:
    first = Window(app_home)
    windows.append(first)
    first.socket_path()
    done = subprocess.run(
        [*CLI, "run", "email", "--model", str(smollm2_path), "--max-tokens", "16"],
        env=_env(app_home),
        input="- thank Anna for the review",
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
    done = subprocess.run(
        [*CLI, "models", "list"],
        env=_env(app_home),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert first.process.poll() is None
    assert "request from another launch" not in first.log()
