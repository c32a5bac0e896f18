"""Where the app keeps its files, and the typed settings saved between runs."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import sys
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from desktop_slm import APP_NAME
from desktop_slm.fsutil import atomic_write_text, set_aside

log = logging.getLogger(__name__)

HOME_ENV = "DESKTOP_SLM_HOME"
SETTINGS_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class AppPaths:
    """The four folders the app writes to."""

    config_dir: Path
    data_dir: Path
    cache_dir: Path
    log_dir: Path

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "desktop-slm.log"

    def as_dict(self) -> dict[str, str]:
        return {f.name: str(getattr(self, f.name)) for f in dataclasses.fields(self)}


def app_paths() -> AppPaths:
    """Folders from ``DESKTOP_SLM_HOME`` if set, else where the OS expects them."""
    home = os.environ.get(HOME_ENV)
    if home:
        base = Path(home).expanduser().absolute()
        return AppPaths(base / "config", base / "data", base / "cache", base / "logs")
    return AppPaths(
        Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
        Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
        Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
    )


ENGINES = ("local", "server")
"""``Settings.engine``: this computer, or a team's OpenAI-compatible server."""

EDITOR_ZOOM_MIN, EDITOR_ZOOM_MAX = 50, 300
"""The editors' zoom, in percent of the normal text size."""


@dataclass
class Settings:
    """Everything the user can set. ``None`` means "choose automatically".

    The active model and each model's own context, temperature, answer length and
    threads are not here: ``models.selection.ModelSelection`` keeps them. The values
    here are the global ones, for models with none remembered.
    """

    n_threads: int | None = None
    n_ctx: int | None = None
    temperature: float = 0.7
    max_tokens: int = 512
    email_tone: str = "professional"
    email_length: str = "medium"
    email_language: str = "English"
    prepare_while_typing: bool = True
    """Evaluate the request while the user pauses typing, so Generate answers at once."""
    suggest_while_typing: bool = True
    """Show a grey continuation at the cursor when the user pauses typing (Tab accepts it)."""
    prepare_on_battery: bool = False
    """Prepare answers and suggest also when saving power (on battery below 30 %, or in
    the system's power-saver mode): ``engine.power`` says when that is."""
    window_geometry: str | None = None
    editor_zoom: int = 100
    """Text size of the writing tabs' text boxes, in percent (Ctrl+Plus, Ctrl+Minus, Ctrl+0)."""
    email_sign_off: str | None = None
    """The name emails are signed with, as the user last set it ("" means no name).
    ``None`` until they set one: then the account's full name (:func:`account_full_name`)."""
    languages: list[str] | None = None
    """ISO 639-1 codes of the languages the user writes and translates into, as set in
    Preferences; ``None`` until they set them: then the OS locale's language and the Email
    tab's (``models.user_languages.user_languages``)."""
    engine: str = "local"
    """Which engine answers: ``"local"`` (this computer's worker) or ``"server"`` (the team
    server at :attr:`server_url`)."""
    server_url: str = ""
    """The team server's address, as the user typed it (its API key is never here: the
    keyring keeps it, ``engine.remote.set_server_key``)."""
    server_model: str | None = None
    """The server's model the user chose; ``None``: the server's only one."""
    servers_told: list[str] = field(default_factory=list)
    """Servers the user has agreed to send text to (the first-use question), by address."""
    schema_version: int = field(default=SETTINGS_SCHEMA_VERSION)

    def validated(self) -> Settings:
        """Replace out-of-range values by defaults so a hand-edited file cannot break the app.

        The email options are names the Email tool knows; it checks them where it uses
        them (``tools.email.EmailRequest.from_settings``), so this module needs no tool.
        """
        default = Settings()
        if self.n_threads is not None and not 1 <= self.n_threads <= 512:
            self.n_threads = None
        if self.n_ctx is not None and not 256 <= self.n_ctx <= 1_048_576:
            self.n_ctx = None
        if not 0.0 <= self.temperature <= 2.0:
            self.temperature = default.temperature
        if not 1 <= self.max_tokens <= 32_768:
            self.max_tokens = default.max_tokens
        if not EDITOR_ZOOM_MIN <= self.editor_zoom <= EDITOR_ZOOM_MAX:
            self.editor_zoom = default.editor_zoom
        if not self.email_language.strip():
            self.email_language = default.email_language
        if self.languages is not None:
            # Codes as typed by hand are kept only if they look like ISO 639-1 codes.
            codes = [c.strip().lower() for c in self.languages]
            kept = [c for c in dict.fromkeys(codes) if len(c) == 2 and c.isalpha()]
            self.languages = kept or None
        if self.engine not in ENGINES or (self.engine == "server" and not self.server_url.strip()):
            self.engine = "local"
        self.server_model = (self.server_model or "").strip() or None
        self.servers_told = list(dict.fromkeys(u.strip() for u in self.servers_told if u.strip()))
        self.schema_version = SETTINGS_SCHEMA_VERSION
        return self


def sign_off_name(settings: Settings) -> str:
    """The name to sign emails with: the one the user set, else the account's full name."""
    if settings.email_sign_off is not None:
        return settings.email_sign_off.strip()
    return account_full_name()


def account_full_name() -> str:
    """The user's full name from the operating-system account, or "" when it has none.

    POSIX (Linux, macOS): the first comma field of the passwd entry's GECOS field
    ("Sam Lee,Room 1,…"), unless that is just the login name again. Windows: the
    account's display name. Never raises.
    """
    try:
        if sys.platform == "win32":
            return _windows_display_name()
        return _posix_full_name()
    except (OSError, KeyError, ValueError, AttributeError):
        log.debug("no full name for this account", exc_info=True)
        return ""


def _posix_full_name() -> str:
    import pwd

    entry = pwd.getpwuid(os.getuid())
    name = (entry.pw_gecos or "").split(",", 1)[0].strip()
    # "root" for root, or the login name again: not a name to sign an email with.
    return "" if name.casefold() == entry.pw_name.casefold() else name


def _windows_display_name() -> str:  # pragma: no cover - Windows only
    import ctypes

    name_display = 3  # EXTENDED_NAME_FORMAT.NameDisplay
    secur32 = ctypes.WinDLL("secur32")  # type: ignore[attr-defined,unused-ignore]
    size = ctypes.c_ulong(0)
    secur32.GetUserNameExW(name_display, None, ctypes.byref(size))
    if not size.value:
        return ""
    buffer = ctypes.create_unicode_buffer(size.value + 1)
    if not secur32.GetUserNameExW(name_display, buffer, ctypes.byref(size)):
        return ""
    return buffer.value.strip()


@dataclass(frozen=True)
class LoadedSettings:
    settings: Settings
    notice: str | None = None
    """A one-time message for the user, e.g. that a corrupt file was set aside."""


def _type_ok(value: object, annotation: object) -> bool:  # noqa: PLR0911 (one per kind)
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_type_ok(value, arg) for arg in typing.get_args(annotation))
    if annotation is type(None):
        return value is None
    if origin is list:
        (item,) = typing.get_args(annotation)
        return isinstance(value, list) and all(_type_ok(v, item) for v in value)
    if annotation is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(annotation, type):
        return isinstance(value, annotation)
    return False


def load_settings(paths: AppPaths | None = None) -> LoadedSettings:
    """Read settings; a corrupt file is set aside (``settings.json.<time>.bad``), defaults used."""
    paths = paths or app_paths()
    path = paths.settings_file
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return LoadedSettings(Settings())
    except OSError as exc:
        return LoadedSettings(
            Settings(),
            f"Could not read your settings ({exc.strerror}); using defaults for this session.",
        )
    try:
        data = json.loads(raw.decode("utf-8"))  # UnicodeDecodeError is a ValueError too
        if not isinstance(data, dict):
            raise ValueError("settings file does not hold a JSON object")
    except (ValueError, RecursionError) as exc:
        log.warning("corrupt settings file %s: %s", path, exc)
        try:
            bad = set_aside(path)
        except OSError:
            log.exception("could not set aside corrupt settings file %s", path)
            return LoadedSettings(
                Settings(),
                f"Your settings file {path} is damaged and could not be moved aside; "
                "default settings are in use.",
            )
        return LoadedSettings(
            Settings(),
            f"Your settings file was damaged and has been kept as {bad}; "
            "default settings are in use.",
        )
    hints = typing.get_type_hints(Settings)
    values: dict[str, object] = {}
    for f in dataclasses.fields(Settings):
        if f.name in data and _type_ok(data[f.name], hints[f.name]):
            values[f.name] = data[f.name]
        elif f.name in data:
            log.warning("ignoring setting %s=%r (wrong type)", f.name, data[f.name])
    settings = Settings(**values)  # type: ignore[arg-type]
    return LoadedSettings(settings.validated())


def save_settings(settings: Settings, paths: AppPaths | None = None) -> None:
    paths = paths or app_paths()
    payload = json.dumps(dataclasses.asdict(settings), indent=2, sort_keys=True) + "\n"
    atomic_write_text(paths.settings_file, payload)
