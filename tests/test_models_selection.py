"""The active model and each model's remembered settings: one home, read by window and CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_slm.config import AppPaths, Settings, app_paths, save_settings
from desktop_slm.errors import UserFacingError
from desktop_slm.models.library import ModelLibrary
from desktop_slm.models.selection import ModelSelection, ModelSettings


@pytest.fixture
def paths(app_home: Path) -> AppPaths:
    return app_paths()


def test_the_choice_survives_a_restart_and_forgetting_the_active_model_clears_it(
    paths: AppPaths, smollm2_path: Path, gemma_base_path: Path
) -> None:
    selection = ModelSelection(paths)
    assert selection.active_path() is None
    selection.choose(smollm2_path)
    assert ModelSelection(paths).active_path() == str(smollm2_path)
    spelled_otherwise = smollm2_path.parent / ".." / smollm2_path.parent.name / smollm2_path.name
    assert selection.is_active(spelled_otherwise)

    assert not selection.choose_if_none(gemma_base_path)  # one is chosen already
    assert selection.active_path() == str(smollm2_path)

    assert not selection.forget(gemma_base_path)
    assert selection.forget(smollm2_path)
    assert selection.active_path() is None
    assert selection.choose_if_none(gemma_base_path)
    assert selection.active_path() == str(gemma_base_path)


def test_each_model_remembers_its_own_settings_and_others_use_the_global_ones(
    paths: AppPaths, smollm2_path: Path, gemma_base_path: Path
) -> None:
    settings = Settings(n_ctx=None, temperature=0.7, max_tokens=512, n_threads=None)
    selection = ModelSelection(paths)
    own = ModelSettings(n_ctx=1024, temperature=0.2, max_tokens=128, n_threads=1)
    selection.remember(smollm2_path, own)

    fresh = ModelSelection(paths)
    assert fresh.settings_for(smollm2_path, settings) == own
    assert fresh.settings_for(gemma_base_path, settings) == ModelSettings.of(settings)
    assert fresh.settings_for(None, settings) == ModelSettings.of(settings)
    # The global values change; the model with its own values keeps them.
    warmer = Settings(temperature=1.1, max_tokens=64)
    assert fresh.settings_for(smollm2_path, warmer) == own
    assert fresh.settings_for(gemma_base_path, warmer).temperature == 1.1

    fresh.remember(smollm2_path, None)
    assert fresh.settings_for(smollm2_path, warmer) == ModelSettings.of(warmer)


@pytest.mark.parametrize(
    "entry",
    [
        pytest.param({"n_ctx": "big", "temperature": 0.3}, id="text-context"),
        pytest.param({"temperature": 9}, id="temperature-out-of-range"),
        pytest.param({"max_tokens": 0}, id="no-answer"),
        pytest.param({"n_threads": True}, id="bool-threads"),
        pytest.param(["not", "an", "object"], id="list"),
    ],
)
def test_a_bad_remembered_entry_falls_back_to_the_global_settings(
    paths: AppPaths, smollm2_path: Path, entry: object
) -> None:
    selection = ModelSelection(paths)
    selection.choose(smollm2_path)
    data = json.loads(selection.file.read_text())
    data["models"] = {str(smollm2_path.resolve()): entry}
    selection.file.write_text(json.dumps(data))

    settings = Settings(temperature=0.4)
    assert selection.settings_for(smollm2_path, settings) == ModelSettings.of(settings)
    assert selection.active_path() == str(smollm2_path)  # the rest of the file still counts


def test_a_damaged_selection_file_means_no_model_chosen_not_a_crash(
    paths: AppPaths, smollm2_path: Path
) -> None:
    selection = ModelSelection(paths)
    selection.choose(smollm2_path)
    selection.file.write_bytes(b"\xff{ not json")
    assert selection.active_path() is None
    selection.choose(smollm2_path)  # and it can be written again
    assert selection.active_path() == str(smollm2_path)


def test_an_earlier_versions_choice_moves_into_the_selection(
    paths: AppPaths, smollm2_path: Path, gemma_base_path: Path
) -> None:
    """0.1 kept the active model in library.json and settings.json, defaults per model."""
    library = ModelLibrary(paths)
    smol = library.import_file(smollm2_path, in_place=True)
    gemma = library.import_file(gemma_base_path, in_place=True)
    data = json.loads(library.file.read_text())
    data["active"] = smol.id
    data["models"][0]["defaults"] = {"n_ctx": 2048, "temperature": 0.2}
    library.file.write_text(json.dumps(data))
    settings_file = paths.settings_file
    settings_file.parent.mkdir(parents=True, exist_ok=True)
    settings_file.write_text(json.dumps({"model_path": str(gemma_base_path), "max_tokens": 300}))

    # Any write of the library (here: forgetting another model) comes first.
    library.remove(gemma.id)
    assert "active" not in json.loads(library.file.read_text())

    selection = ModelSelection(paths)
    assert selection.active_path() == str(smollm2_path)  # the library's choice wins
    settings = Settings(max_tokens=300)
    tuned = selection.settings_for(smollm2_path, settings)
    assert (tuned.n_ctx, tuned.temperature, tuned.max_tokens) == (2048, 0.2, 300)


def test_settings_files_of_an_earlier_version_name_the_active_model(
    paths: AppPaths, smollm2_path: Path
) -> None:
    save_settings(Settings(), paths)
    data = json.loads(paths.settings_file.read_text())
    data["model_path"] = str(smollm2_path)
    paths.settings_file.write_text(json.dumps(data))
    assert ModelSelection(paths).active_path() == str(smollm2_path)
    assert ModelSelection(paths).file.exists()


def test_resolve_names_what_to_do_without_a_model(paths: AppPaths, smollm2_path: Path) -> None:
    selection = ModelSelection(paths)
    with pytest.raises(UserFacingError, match="models pull"):
        selection.resolve()
    model = ModelLibrary(paths).import_file(smollm2_path, in_place=True)
    with pytest.raises(UserFacingError, match="models use"):
        selection.resolve()
    assert selection.resolve(model.id) == smollm2_path
    with pytest.raises(UserFacingError, match="models list"):
        selection.resolve("no-such-model")
    selection.choose(smollm2_path)
    assert selection.resolve() == smollm2_path


def test_two_processes_choosing_at_once_leave_a_whole_file(
    paths: AppPaths, smollm2_path: Path, gemma_base_path: Path
) -> None:
    """The window and the CLI may write at the same time: the file stays valid JSON."""
    script = (
        "import sys\n"
        "from desktop_slm.models.selection import ModelSelection, ModelSettings\n"
        "s = ModelSelection()\n"
        "for i in range(40):\n"
        "    s.choose(sys.argv[1])\n"
        "    s.remember(sys.argv[1], ModelSettings(None, 0.5, 100 + i, None))\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(path)])
        for path in (smollm2_path, gemma_base_path)
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    selection = ModelSelection(paths)
    assert selection.active_path() in (str(smollm2_path), str(gemma_base_path))
    for path in (smollm2_path, gemma_base_path):
        remembered = selection.remembered(path, Settings())
        assert remembered is not None
        assert remembered.max_tokens == 139  # no write was lost
