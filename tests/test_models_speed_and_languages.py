"""What the catalog rests on: the engine's architectures, speed here, the user's languages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_slm.config import Settings, app_paths, load_settings, save_settings
from desktop_slm.engine import architectures, hardware
from desktop_slm.languages import UnknownLanguage
from desktop_slm.models import fit
from desktop_slm.models.fit import expected_tokens_per_second, measured_bandwidth, speed_label
from desktop_slm.models.user_languages import (
    language_code,
    locale_language,
    parse_languages,
    user_languages,
)

GB = 1_000_000_000


# ---------------------------------------------------------------- the engine's architectures
def test_the_bundled_library_names_what_it_runs() -> None:
    library = architectures.library_file()
    assert library is not None
    assert library.is_file()
    runnable = architectures.runnable_architectures()
    # The architectures of the 2025-26 models, and the old ones whose names the linker
    # stores only as the tail of a longer one ("qwen2" in "rwkv6qwen2").
    assert {"llama", "qwen2", "qwen3", "qwen35", "gemma3", "gemma4", "phi3"} <= runnable
    assert {"granite", "granitehybrid", "smollm3"} <= runnable
    assert not architectures.engine_runs("gemma99")
    assert "bert" not in runnable  # in the library, but no model to write with


def test_an_older_library_makes_newer_architectures_unsupported(tmp_path: Path) -> None:
    old = tmp_path / "libllama.so"
    old.write_bytes(b"\x7fELF\x00llama\x00gemma3\x00rwkv6qwen2\x00(unknown)\x00some text\x00")

    runnable = architectures.runnable_architectures(old)

    assert runnable == {"llama", "gemma3", "rwkv6qwen2", "qwen2"}
    assert architectures.engine_runs("gemma3", old)
    assert not architectures.engine_runs("gemma4", old)
    assert architectures.engine_runs(None, old)  # nothing to check
    # A library that cannot be read: the app's own list decides.
    missing = tmp_path / "gone.so"
    assert architectures.runnable_architectures(missing) >= {"gemma4", "qwen35"}


# ---------------------------------------------------------------- speed here
def test_speed_follows_file_size_memory_and_cores() -> None:
    fast = expected_tokens_per_second(2 * GB, bandwidth=20e9, cores=8)
    assert fast == pytest.approx(8.0)  # 80% of 20 GB/s over 2 GB of weights
    assert expected_tokens_per_second(1 * GB, bandwidth=20e9, cores=8) == pytest.approx(16.0)
    # Two cores cannot keep up with the memory: they set the pace.
    assert expected_tokens_per_second(2 * GB, bandwidth=20e9, cores=2) == pytest.approx(4.0)
    assert expected_tokens_per_second(2 * GB, bandwidth=5e9, cores=8) == pytest.approx(2.0)
    assert speed_label(12.4) == "about 12 tokens/s"
    assert speed_label(47) == "about 45 tokens/s"
    assert speed_label(0.4) == "under 1 token/s"
    assert speed_label(None) == ""


def test_memory_bandwidth_is_measured_once_and_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    fit._bandwidth_for.cache_clear()
    measured: list[float] = []
    real = fit.measure_copy_bandwidth

    def measure() -> float:
        measured.append(real(size=4 * 1024 * 1024, budget=0.05))
        return measured[-1]

    monkeypatch.setattr(fit, "measure_copy_bandwidth", measure)
    first = measured_bandwidth()
    assert first > 100e6  # any computer copies more than 100 MB/s
    kept = app_paths().cache_dir / "bandwidth.json"
    assert json.loads(kept.read_text())["bytes_per_second"] == first

    fit._bandwidth_for.cache_clear()  # a new process: read from the cache folder
    assert measured_bandwidth() == first
    assert len(measured) == 1

    kept.write_text("{damaged")
    fit._bandwidth_for.cache_clear()
    assert measured_bandwidth() > 100e6
    assert len(measured) == 2
    cpu = json.loads(kept.read_text())["cpu"]
    assert cpu == hardware.detect().cpu_model
    fit._bandwidth_for.cache_clear()


# ---------------------------------------------------------------- the user's languages
@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("de_DE.UTF-8", "de"),
        ("pt_BR", "pt"),
        ("fr-CA", "fr"),
        ("English_United States", "en"),
        ("nb_NO.UTF-8", "no"),
        ("sr_RS@latin", "sr"),
        ("C.UTF-8", None),
        ("POSIX", None),
        ("", None),
    ],
)
def test_locale_names_give_language_codes(value: str, code: str | None) -> None:
    assert language_code(value) == code


def test_the_users_languages_come_from_the_locale_then_from_preferences(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for variable in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "de_AT.UTF-8")
    assert locale_language() == "de"
    settings = Settings()
    assert user_languages(settings) == ("de", "en")  # the locale, the Email tab's English

    settings.email_language = "German"
    assert user_languages(settings) == ("de",)

    settings.languages = ["fr", "uk"]
    assert user_languages(settings) == ("fr", "uk")

    monkeypatch.setenv("LANG", "C")
    assert user_languages(Settings(email_language="Italian")) == ("it",)
    monkeypatch.setenv("LANGUAGE", "pl:en")  # ignored in the C locale, as gettext does
    assert user_languages(Settings()) == ("en",)
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    assert user_languages(Settings()) == ("pl", "en")


def test_languages_typed_by_the_user_are_checked_and_remembered() -> None:
    assert parse_languages("German, fr; français ,, ") == ("de", "fr")
    with pytest.raises(UnknownLanguage, match="Klingon"):
        parse_languages("English, Klingon")

    paths = app_paths()
    save_settings(Settings(languages=["de", "fr"]), paths)
    assert load_settings(paths).settings.languages == ["de", "fr"]
    paths.settings_file.write_text(json.dumps({"languages": ["de", 7]}))
    assert load_settings(paths).settings.languages is None  # wrong type: ignored
    paths.settings_file.write_text(json.dumps({"languages": ["DE", "german", "de", " fr"]}))
    assert load_settings(paths).settings.languages == ["de", "fr"]
