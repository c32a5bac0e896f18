"""Names and identifiers every installer recipe shares (one place to change them)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

EXECUTABLE = "desktop-slm"  # the program and the bundle folder (all platforms)
GUI_EXECUTABLE = "DesktopSLM"  # Windows only: the windowed twin the Start menu starts
DISPLAY_NAME = "Desktop SLM"
# Reverse-DNS ID for AppStream, the .desktop file and the macOS bundle. The project
# has no domain of its own yet: change it here (and rename packaging/linux/*) once it does.
APP_ID = "io.github.desktopslm.DesktopSLM"
SUMMARY = "Private writing assistant with a local language model"
DESCRIPTION = "A private writing assistant that runs a small language model on your own computer."
MAINTAINER = "Desktop SLM developers <desktop-slm@users.noreply.github.com>"


def version() -> str:
    """The app version, read from the source without importing it."""
    text = (ROOT / "desktop_slm" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)
    if not match:
        raise SystemExit("desktop_slm/__init__.py has no __version__")
    return match.group(1)


def info_plist() -> dict[str, object]:
    """macOS Info.plist entries beyond the ones PyInstaller writes itself."""
    return {
        "CFBundleName": DISPLAY_NAME,
        "CFBundleDisplayName": DISPLAY_NAME,
        "CFBundleShortVersionString": version(),
        "CFBundleVersion": version(),
        "LSMinimumSystemVersion": "12.0",
        "LSApplicationCategoryType": "public.app-category.productivity",
        "NSHighResolutionCapable": True,
        "NSHumanReadableCopyright": "Copyright (c) 2026 Desktop SLM developers. MIT License.",
        # Nothing is opened by default: no document types, no URL schemes.
    }
