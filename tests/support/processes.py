"""Helpers to look at processes the tests started."""

from __future__ import annotations

import time

import psutil


def wait_gone(pid: int, timeout: float = 10.0) -> bool:
    """True once process ``pid`` no longer exists; a zombie still counts as there."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not psutil.pid_exists(pid):
            return True
        time.sleep(0.05)
    return False
