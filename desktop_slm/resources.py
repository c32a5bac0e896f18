"""Find files shipped in ``resources/``: next to the source tree, or inside a frozen bundle."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    """The ``resources/`` folder: in a PyInstaller bundle (``sys._MEIPASS``) or the repo root."""
    bundle = getattr(sys, "_MEIPASS", None)
    base = Path(bundle) if bundle else Path(__file__).resolve().parents[1]
    return base / "resources"


def resource_path(name: str) -> Path:
    """A file from ``resources/``; it may not exist (callers say what is missing)."""
    return resources_dir() / name
