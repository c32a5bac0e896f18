"""Rotating log files in the OS log folder; the log is where tracebacks go."""

from __future__ import annotations

import logging
import logging.handlers

from desktop_slm.config import AppPaths, app_paths

_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"


def setup_logging(paths: AppPaths | None = None, *, level: int = logging.INFO) -> AppPaths:
    """Send log records to a rotating file; safe to call more than once."""
    paths = paths or app_paths()
    root = logging.getLogger()
    root.setLevel(level)
    for old in list(root.handlers):
        if getattr(old, "_desktop_slm", False):
            root.removeHandler(old)
            old.close()
    try:
        paths.log_dir.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            paths.log_file, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler._desktop_slm = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    return paths
