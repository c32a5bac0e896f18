"""Settings survive restarts, hand edits and crashes; app folders follow DESKTOP_SLM_HOME."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from desktop_slm.config import (
    AppPaths,
    LoadedSettings,
    Settings,
    account_full_name,
    app_paths,
    load_settings,
    save_settings,
    sign_off_name,
)


@pytest.fixture
def paths() -> AppPaths:
    return app_paths()


def write_settings(paths: AppPaths, content: str | bytes) -> Path:
    path = paths.settings_file
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def assert_defaults(loaded: LoadedSettings) -> None:
    assert loaded.settings == Settings()


def test_app_paths_live_under_desktop_slm_home(app_home: Path) -> None:
    paths = app_paths()
    folders = [paths.config_dir, paths.data_dir, paths.cache_dir, paths.log_dir]
    assert len(set(folders)) == 4
    for folder in folders:
        assert folder.is_relative_to(app_home)
    assert paths.settings_file.is_relative_to(paths.config_dir)
    assert paths.log_file.is_relative_to(paths.log_dir)
    assert set(paths.as_dict().values()) == {str(f) for f in folders}


def test_settings_round_trip(paths: AppPaths) -> None:
    assert not paths.config_dir.exists()
    chosen = Settings(
        n_threads=3,
        n_ctx=2048,
        temperature=0.2,
        max_tokens=300,
        email_tone="friendly",
        email_length="short",
        email_language="German",
        window_geometry="AdnQywADAAA=",
        editor_zoom=130,
    )
    save_settings(chosen, paths)

    loaded = load_settings(paths)
    assert loaded.notice is None
    assert loaded.settings == chosen
    # The file is plain JSON a person can read and edit.
    on_disk = json.loads(paths.settings_file.read_text(encoding="utf-8"))
    assert on_disk["email_language"] == "German"
    assert on_disk["temperature"] == 0.2


def test_missing_file_gives_defaults_without_a_notice(paths: AppPaths) -> None:
    loaded = load_settings(paths)
    assert_defaults(loaded)
    assert loaded.notice is None
    assert not paths.settings_file.exists(), "loading must not create the file"


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("{not json", id="broken-json"),
        pytest.param('["model_path", "/x.gguf"]', id="json-array"),
        pytest.param(b'{"model_path": "\xff\xfe"}', id="not-utf8"),
        pytest.param("", id="empty"),
    ],
)
def test_corrupt_file_is_kept_as_bad_and_defaults_are_used(
    paths: AppPaths, content: str | bytes
) -> None:
    path = write_settings(paths, content)
    original = path.read_bytes()

    loaded = load_settings(paths)

    assert_defaults(loaded)
    [bad] = path.parent.glob("settings.json.*.bad")
    assert bad.read_bytes() == original
    assert loaded.notice is not None
    assert str(bad) in loaded.notice
    assert not path.exists()
    # The notice is given once: the next start finds no damaged file.
    again = load_settings(paths)
    assert again.notice is None
    assert_defaults(again)


def test_unreadable_settings_give_defaults_and_a_notice(paths: AppPaths) -> None:
    paths.settings_file.mkdir(parents=True)  # a folder where the file should be
    loaded = load_settings(paths)
    assert_defaults(loaded)
    assert loaded.notice is not None
    assert "defaults" in loaded.notice
    assert paths.settings_file.is_dir(), "something that is not a file must not be moved"


def test_wrong_typed_fields_are_ignored_one_by_one(paths: AppPaths) -> None:
    write_settings(
        paths,
        json.dumps(
            {
                "n_threads": "eight",
                "temperature": 0.2,
                "n_ctx": True,  # a bool is not a context size
                "max_tokens": 12.5,
                "window_geometry": 42,
                "email_language": "French",
                "unknown_future_key": [1, 2, 3],
            }
        ),
    )
    loaded = load_settings(paths)
    default = Settings()
    assert loaded.notice is None
    assert loaded.settings.temperature == 0.2
    assert loaded.settings.email_language == "French"
    assert loaded.settings.n_threads is default.n_threads
    assert loaded.settings.n_ctx is default.n_ctx
    assert loaded.settings.max_tokens == default.max_tokens
    assert loaded.settings.window_geometry is None
    assert paths.settings_file.exists(), "a readable file with a few bad values is kept"


def test_integer_temperature_is_accepted(paths: AppPaths) -> None:
    write_settings(paths, '{"temperature": 1}')
    assert load_settings(paths).settings.temperature == 1


def test_out_of_range_values_are_reset(paths: AppPaths) -> None:
    write_settings(
        paths,
        json.dumps(
            {
                "n_threads": 0,
                "n_ctx": 16,
                "temperature": 7.5,
                "max_tokens": -3,
                "email_tone": "grumpy",
                "email_length": "epic",
                "email_language": "   ",
                "window_geometry": "AdnQywADAAA=",
                "editor_zoom": 5000,
            }
        ),
    )
    loaded = load_settings(paths)
    default = Settings()
    # The tone and length are the Email tool's names: it checks them where it uses them
    # (test_tools_email.py); the settings keep what was written.
    assert loaded.settings == Settings(
        window_geometry="AdnQywADAAA=", email_tone="grumpy", email_length="epic"
    )
    assert loaded.settings.temperature == default.temperature


def test_nan_temperature_is_reset(paths: AppPaths) -> None:
    write_settings(paths, '{"temperature": NaN, "n_threads": 4}')
    loaded = load_settings(paths)
    assert loaded.settings.temperature == Settings().temperature
    assert loaded.settings.n_threads == 4


def _folder_listing(paths: AppPaths) -> list[str]:
    return sorted(os.listdir(paths.config_dir))


def test_failed_rename_leaves_the_old_settings_intact(
    paths: AppPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    save_settings(Settings(email_language="German", temperature=0.3), paths)
    before = paths.settings_file.read_bytes()

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="No space left"):
        save_settings(Settings(email_language="French"), paths)
    monkeypatch.undo()

    assert paths.settings_file.read_bytes() == before
    assert _folder_listing(paths) == ["settings.json"], "a temporary file was left behind"
    assert load_settings(paths).settings.email_language == "German"


def test_failed_write_leaves_the_old_settings_intact(
    paths: AppPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    save_settings(Settings(email_language="German"), paths)
    before = paths.settings_file.read_bytes()

    def crash(_fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="Input/output"):
        save_settings(Settings(email_language="French"), paths)
    monkeypatch.undo()

    assert paths.settings_file.read_bytes() == before
    assert _folder_listing(paths) == ["settings.json"]


def test_unserialisable_settings_do_not_touch_the_file(paths: AppPaths) -> None:
    save_settings(Settings(email_language="German"), paths)
    before = paths.settings_file.read_bytes()
    broken = Settings(window_geometry=object())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        save_settings(broken, paths)
    assert paths.settings_file.read_bytes() == before
    assert _folder_listing(paths) == ["settings.json"]


def test_each_damaged_settings_file_is_kept_under_its_own_name(paths: AppPaths) -> None:
    for content in ("{first", "{second"):  # two incidents, most likely within one second
        write_settings(paths, content)
        loaded = load_settings(paths)
        assert_defaults(loaded)
        [named] = [p for p in paths.config_dir.glob("*.bad") if str(p) in str(loaded.notice)]
        assert named.read_text() == content
    kept = list(paths.config_dir.glob("settings.json.*.bad"))
    assert len(kept) == 2
    assert {p.read_text() for p in kept} == {"{first", "{second"}


@pytest.mark.skipif(os.name != "posix", reason="the passwd database is POSIX")
@pytest.mark.parametrize(
    ("gecos", "name"),
    [
        ("Sam Lee,Room 4,555-0100,", "Sam Lee"),  # the first comma field only
        ("  Zoë Ångström  ", "Zoë Ångström"),
        (",,,", ""),  # adduser without a full name
        ("", ""),
    ],
)
def test_the_sign_off_name_defaults_to_the_accounts_full_name(
    monkeypatch: pytest.MonkeyPatch, gecos: str, name: str
) -> None:
    from tests.conftest import account_named

    account_named(monkeypatch, gecos)
    assert account_full_name() == name
    assert sign_off_name(Settings()) == name
    # What the user set wins, also "" (no name on purpose).
    assert sign_off_name(Settings(email_sign_off="Dr. S. Lee")) == "Dr. S. Lee"
    assert sign_off_name(Settings(email_sign_off="")) == ""


@pytest.mark.skipif(os.name != "posix", reason="the passwd database is POSIX")
def test_a_gecos_that_is_only_the_login_name_is_no_full_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pwd

    from tests.conftest import account_named

    account_named(monkeypatch, pwd.getpwuid(os.getuid()).pw_name.upper())
    assert account_full_name() == ""


def test_the_sign_off_name_is_remembered_including_no_name(paths: AppPaths) -> None:
    for value in ("Sam Lee", ""):
        save_settings(Settings(email_sign_off=value), paths)
        assert load_settings(paths).settings.email_sign_off == value
    save_settings(Settings(), paths)
    assert load_settings(paths).settings.email_sign_off is None
