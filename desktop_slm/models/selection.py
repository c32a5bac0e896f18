"""The one home of the active model and of each model's remembered settings.

The window, the command line and ``doctor`` read and write the model choice only
through :class:`ModelSelection`. It keeps ``selection.json`` in the models folder:

* ``active``: the absolute path of the model every tool uses (an installed model or
  any .gguf the user opened), or null;
* ``models``: per model file, the context size, temperature, answer length and
  threads remembered for it. A model with none remembered uses the global
  Preferences (:class:`~desktop_slm.config.Settings`).

Earlier versions kept the active model in ``settings.json`` (``model_path``) and in
``library.json`` (``active`` and each model's ``defaults``); a missing
``selection.json`` is built from those once (:meth:`ModelSelection._migrate`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

from desktop_slm import APP_NAME
from desktop_slm.config import AppPaths, Settings, app_paths
from desktop_slm.errors import UserFacingError
from desktop_slm.fsutil import atomic_write_text, exclusive_lock

log = logging.getLogger(__name__)

SELECTION_SCHEMA_VERSION: Final = 1


@dataclass(frozen=True)
class ModelSettings:
    """What a model runs with: its own remembered values, or the global Preferences."""

    n_ctx: int | None
    """Context size in tokens; None: automatic."""
    temperature: float
    max_tokens: int
    """The longest single answer, in tokens (``--max-tokens`` on the command line)."""
    n_threads: int | None
    """None: automatic."""

    @classmethod
    def of(cls, settings: Settings) -> ModelSettings:
        """The global values of Preferences."""
        return cls(settings.n_ctx, settings.temperature, settings.max_tokens, settings.n_threads)

    @classmethod
    def from_dict(cls, data: object, fallback: ModelSettings) -> ModelSettings | None:
        """Values read from a file; None when unusable (a bad entry must not cost the rest).

        Keys that are missing (written by an older version) take ``fallback``'s value.
        """
        if not isinstance(data, Mapping):
            return None
        values = {**asdict(fallback), **{k: v for k, v in data.items() if k in _FIELDS}}
        if not _types_ok(values):
            return None
        wanted = cls(**values)
        checked = Settings(
            n_ctx=wanted.n_ctx,
            temperature=float(wanted.temperature),
            max_tokens=wanted.max_tokens,
            n_threads=wanted.n_threads,
        ).validated()  # out-of-range values are replaced by defaults: refuse those
        return wanted if cls.of(checked) == wanted else None


_FIELDS: Final = ("n_ctx", "temperature", "max_tokens", "n_threads")


def _types_ok(values: Mapping[str, Any]) -> bool:
    def whole(value: object, *, optional: bool) -> bool:
        if value is None:
            return optional
        return isinstance(value, int) and not isinstance(value, bool)

    temperature = values["temperature"]
    return (
        whole(values["n_ctx"], optional=True)
        and whole(values["n_threads"], optional=True)
        and whole(values["max_tokens"], optional=False)
        and isinstance(temperature, int | float)
        and not isinstance(temperature, bool)
    )


def _key(path: str | os.PathLike[str]) -> str:
    """The same file under any spelling of its path."""
    return os.path.realpath(os.path.expanduser(os.fspath(path)))


class ModelSelection:
    """Which model is active and what each model remembers; safe across threads."""

    def __init__(self, paths: AppPaths | None = None) -> None:
        self.paths = paths or app_paths()
        self._thread_lock = threading.RLock()

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        """One reader-writer at a time across threads and processes (the window and the CLI)."""
        self.file.parent.mkdir(parents=True, exist_ok=True)
        with self._thread_lock, exclusive_lock(self.file.with_name(".selection.lock"), wait=30):
            yield

    @property
    def file(self) -> Path:
        return self.paths.models_dir / "selection.json"

    # ------------------------------------------------------------- storage
    def _read(self) -> tuple[str | None, dict[str, Any]]:
        try:
            raw = self.file.read_bytes()
        except FileNotFoundError:
            return self._migrate()
        except OSError as exc:
            log.warning("cannot read %s: %s", self.file, exc)
            return None, {}
        try:
            data = json.loads(raw.decode("utf-8"))
            if not isinstance(data, dict):
                raise ValueError("not an object")
        except (ValueError, RecursionError) as exc:
            # Only a choice and preferences: start afresh rather than stop the app.
            log.warning("damaged %s (%s); starting with no model chosen", self.file, exc)
            return None, {}
        active = data.get("active")
        models = data.get("models")
        return (
            active if isinstance(active, str) and active else None,
            dict(models) if isinstance(models, dict) else {},
        )

    def _write(self, active: str | None, models: Mapping[str, Any]) -> None:
        payload = {
            "schema_version": SELECTION_SCHEMA_VERSION,
            "active": active,
            "models": dict(models),
        }
        atomic_write_text(self.file, json.dumps(payload, indent=2, sort_keys=True) + "\n")

    def _migrate(self) -> tuple[str | None, dict[str, Any]]:
        """The choice as earlier versions kept it: library.json, then settings.json.

        Written to ``selection.json`` at once, so it survives the next write of
        library.json (which no longer keeps it).
        """
        active: str | None = None
        models: dict[str, Any] = {}
        library = _json_object(self.paths.models_dir / "library.json")
        entries = library.get("models") if isinstance(library.get("models"), list) else []
        for entry in entries or ():
            if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
                continue
            if entry.get("id") == library.get("active"):
                active = entry["path"]
            defaults = entry.get("defaults")
            if isinstance(defaults, dict):
                models[_key(entry["path"])] = {
                    k: v for k, v in defaults.items() if k in ("n_ctx", "temperature")
                }
        if active is None:
            legacy = _json_object(self.paths.settings_file).get("model_path")
            active = legacy if isinstance(legacy, str) and legacy else None
        if active is not None or models:
            log.info("model choice moved into %s", self.file)
            try:
                self._write(active, models)
            except OSError as exc:
                log.warning("cannot write %s: %s", self.file, exc)
        return active, models

    # ------------------------------------------------------------- the active model
    def active_path(self) -> str | None:
        """The model every tool uses, or None when none has been chosen."""
        with self._lock():
            return self._read()[0]

    def choose(self, path: str | os.PathLike[str] | None) -> None:
        """Make the model at ``path`` the active one (None: no model)."""
        with self._lock():
            _, models = self._read()
            self._write(str(Path(path).expanduser().absolute()) if path else None, models)

    def choose_if_none(self, path: str | os.PathLike[str]) -> bool:
        """Make ``path`` active when no model is; True if it now is."""
        with self._lock():
            active, models = self._read()
            if active is None:
                self._write(str(Path(path).expanduser().absolute()), models)
            return active is None or _key(active) == _key(path)

    def is_active(self, path: str | os.PathLike[str]) -> bool:
        active = self.active_path()
        return active is not None and _key(active) == _key(path)

    def forget(self, path: str | os.PathLike[str]) -> bool:
        """A model file went away: drop what it remembers; True if it was the active one."""
        with self._lock():
            active, models = self._read()
            models.pop(_key(path), None)
            was_active = active is not None and _key(active) == _key(path)
            self._write(None if was_active else active, models)
        return was_active

    def resolve(self, choice: str | None = None) -> Path:
        """The .gguf to use: ``choice`` (an installed model's ID or a path), else the active one.

        Raises :class:`UserFacingError` saying what to do when there is none.
        """
        from desktop_slm.models.library import ModelLibrary

        library = ModelLibrary(self.paths)
        choice = choice or self.active_path()
        if not choice:
            if library.models():
                raise UserFacingError(
                    f"No model is active. Choose one with '{APP_NAME} models use ID' "
                    "(see 'models list'), or pass --model PATH to a .gguf file.",
                    code="no_model",
                )
            raise UserFacingError(
                f"No model installed. Run '{APP_NAME} models pull REPO' or open the Models tab, "
                "or pass --model PATH to a .gguf file.",
                code="no_model",
            )
        installed = library.resolve(choice)
        if installed is not None:
            return Path(installed.path)
        path = Path(choice).expanduser()
        if not path.exists() and "/" not in choice and not choice.lower().endswith(".gguf"):
            raise UserFacingError(
                f"No installed model has the ID '{choice}' and there is no file by that name. "
                f"Run '{APP_NAME} models list' to see the installed models.",
                code="not_installed",
            )
        return path

    # ------------------------------------------------------------- per-model settings
    def remembered(self, path: str | os.PathLike[str], settings: Settings) -> ModelSettings | None:
        """What ``path`` remembers, or None when it uses the global Preferences."""
        with self._lock():
            entry = self._read()[1].get(_key(path))
        if entry is None:
            return None
        return ModelSettings.from_dict(entry, ModelSettings.of(settings))

    def settings_for(
        self, path: str | os.PathLike[str] | None, settings: Settings
    ) -> ModelSettings:
        """The values a model runs with: its own remembered ones, else the global ones."""
        remembered = self.remembered(path, settings) if path else None
        return remembered or ModelSettings.of(settings)

    def remember(self, path: str | os.PathLike[str], values: ModelSettings | None) -> None:
        """Keep ``values`` for the model at ``path`` (None: use the global ones again)."""
        with self._lock():
            active, models = self._read()
            if values is None:
                models.pop(_key(path), None)
            else:
                models[_key(path)] = asdict(values)
            self._write(active, models)


def migrate_legacy_choice(paths: AppPaths) -> None:
    """Move an earlier version's model choice into ``selection.json`` if not done yet."""
    selection = ModelSelection(paths)
    with selection._lock():
        if not selection.file.exists():
            selection._migrate()


def _json_object(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}
