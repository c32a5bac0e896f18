"""This machine's measured speeds per model (prompt reading and writing), for time estimates.

Every answered request reports its speeds (``Completion.timings``); :class:`SpeedBook`
keeps a running average per model file in ``speeds.json`` in the app's cache folder, so
the next long job can say how long it will take before it has measured anything itself.
The file is small and bounded (:data:`MAX_MODELS`), written atomically, and only a hint:
a damaged or unreadable file is treated as empty and replaced on the next write. Two
processes writing at once (the window and the CLI) may lose one measurement, never the
file.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop_slm.config import app_paths
from desktop_slm.engine.protocol import Completion
from desktop_slm.fsutil import atomic_write_text

log = logging.getLogger(__name__)

SPEEDS_FILE = "speeds.json"
FORMAT_VERSION = 1
MAX_MODELS = 32
"""Models remembered; the one measured longest ago is forgotten first."""
MIN_READ_TOKENS = 64
"""A prompt with fewer newly read tokens measures the request's overhead, not reading."""
MIN_WRITE_TOKENS = 16
NEW_WEIGHT = 0.3
"""How far one new measurement moves the stored average (machines get busy, then idle)."""


@dataclass(frozen=True)
class MeasuredSpeed:
    """Tokens per second of one model on this machine; 0 for "not measured yet"."""

    read_tokens_per_s: float = 0.0
    write_tokens_per_s: float = 0.0


def observed_speed(completion: Completion) -> MeasuredSpeed:
    """What ``completion`` measured, leaving out figures too small to mean anything."""
    timings = completion.timings
    read_tokens = completion.prompt_tokens - completion.cached_prompt_tokens
    read = timings.prompt_tokens_per_s if read_tokens >= MIN_READ_TOKENS else 0.0
    write = timings.tokens_per_s if completion.completion_tokens >= MIN_WRITE_TOKENS else 0.0
    return MeasuredSpeed(max(0.0, read), max(0.0, write))


def _blend(old: float, new: float) -> float:
    if new <= 0:
        return old
    if old <= 0:
        return new
    return old + NEW_WEIGHT * (new - old)


def _positive(value: Any) -> float:
    """``value`` if it is a finite positive number, else 0 (a damaged entry)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 1e12:
        return float(value)
    return 0.0


class SpeedBook:
    """Measured speeds per model file, kept in ``path`` (``speeds.json``)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def default(cls) -> SpeedBook:
        """The book in the app's cache folder (``DESKTOP_SLM_HOME`` aware)."""
        return cls(app_paths().cache_dir / SPEEDS_FILE)

    def _read(self) -> dict[str, dict[str, float]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:  # damaged: only a hint, start again
            log.warning("ignoring the measured speeds in %s: %s", self.path, exc)
            return {}
        models = data.get("models") if isinstance(data, dict) else None
        if not isinstance(models, dict):
            return {}
        entries: dict[str, dict[str, float]] = {}
        for model, entry in models.items():
            if not isinstance(entry, dict):
                continue
            values = {key: _positive(entry.get(key)) for key in ("read", "write", "updated")}
            if values["read"] or values["write"]:
                entries[str(model)] = values
        return entries

    def get(self, model: str) -> MeasuredSpeed | None:
        """The speeds measured for ``model`` (a file path), None when never measured."""
        entry = self._read().get(model)
        if entry is None:
            return None
        return MeasuredSpeed(entry["read"], entry["write"])

    def record(self, model: str, completion: Completion) -> MeasuredSpeed | None:
        """Fold the speeds ``completion`` measured into ``model``'s average; the new average.

        Nothing is written when the request measured nothing useful (a short prompt read
        from the cache, a few tokens written). A file that cannot be written is logged.
        """
        seen = observed_speed(completion)
        if not (seen.read_tokens_per_s or seen.write_tokens_per_s):
            return None
        entries = self._read()
        old = entries.get(model, {})
        entry = {
            "read": _blend(old.get("read", 0.0), seen.read_tokens_per_s),
            "write": _blend(old.get("write", 0.0), seen.write_tokens_per_s),
            "updated": time.time(),
        }
        entries[model] = entry
        newest = sorted(entries.items(), key=lambda item: item[1]["updated"], reverse=True)
        kept = dict(newest[:MAX_MODELS])
        text = json.dumps({"version": FORMAT_VERSION, "models": kept}, indent=1)
        try:
            atomic_write_text(self.path, text)
        except OSError as exc:
            log.warning("could not keep the measured speeds in %s: %s", self.path, exc)
        return MeasuredSpeed(entry["read"], entry["write"])
