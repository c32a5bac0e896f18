"""The library of installed models: import, verify, remove, a damaged file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from desktop_slm.config import app_paths
from desktop_slm.errors import ModelFileError
from desktop_slm.models.errors import LibraryError
from desktop_slm.models.library import LIBRARY_SCHEMA_VERSION, ModelLibrary
from desktop_slm.models.selection import ModelSelection
from tests.support.test_models import GEMMA3_BASE, SMOLLM2


@pytest.fixture
def library(app_home: Path) -> ModelLibrary:
    return ModelLibrary(app_paths())


def test_import_copies_a_checked_model_and_records_what_the_user_sees(
    library: ModelLibrary, smollm2_path: Path
) -> None:
    progress: list[tuple[int, int]] = []
    model = library.import_file(smollm2_path, on_progress=lambda d, t: progress.append((d, t)))

    assert Path(model.path).parent == library.folder
    assert Path(model.path).read_bytes()[:4] == b"GGUF"
    assert smollm2_path.exists()  # the user's own file is untouched
    assert model.id == "smollm2-135m-instruct.q4_1"
    assert (model.size_bytes, model.sha256) == (SMOLLM2.size, SMOLLM2.sha256)
    assert (model.quant, model.architecture) == ("Q4_1", "llama")
    assert model.trained_context == 8192
    assert 130_000_000 < model.parameters < 140_000_000
    assert not model.is_base_model
    assert not model.in_place
    assert progress[-1] == (SMOLLM2.size, SMOLLM2.size)
    assert library.total_bytes() == SMOLLM2.size
    saved = json.loads(library.file.read_text())
    assert saved["schema_version"] == LIBRARY_SCHEMA_VERSION
    assert [m["id"] for m in saved["models"]] == [model.id]
    assert not list(library.folder.glob(".*.tmp"))  # the copy went through a temp file


def test_import_in_place_uses_the_file_where_it_is_and_rm_only_forgets_it(
    library: ModelLibrary, gemma_base_path: Path
) -> None:
    model = library.import_file(gemma_base_path, in_place=True)

    assert model.path == str(gemma_base_path)
    assert model.in_place
    assert model.is_base_model
    assert library.total_bytes() == 0  # it takes no space in the library
    selection = ModelSelection(library.paths)
    selection.choose(model.path)
    assert selection.is_active(model.path)

    library.remove(model.id)
    assert gemma_base_path.exists()
    assert library.models() == []
    assert selection.active_path() is None


def test_import_refuses_a_file_that_is_not_a_model(library: ModelLibrary, tmp_path: Path) -> None:
    junk = tmp_path / "notes.gguf"
    junk.write_bytes(b"these are not weights" * 100)
    with pytest.raises(ModelFileError) as caught:
        library.import_file(junk)
    assert "notes.gguf" in str(caught.value)
    assert library.models() == []
    assert not list(library.folder.glob("*.gguf"))


def test_the_same_model_is_not_imported_twice(library: ModelLibrary, smollm2_path: Path) -> None:
    first = library.import_file(smollm2_path, in_place=True)
    with pytest.raises(LibraryError) as caught:
        library.import_file(smollm2_path)
    assert first.id in str(caught.value)
    assert len(library.models()) == 1
    assert not list(library.folder.glob("*.gguf"))


def test_verify_finds_a_damaged_or_missing_file(library: ModelLibrary, smollm2_path: Path) -> None:
    model = library.import_file(smollm2_path)
    assert library.verify(model.id).ok

    with open(model.path, "r+b") as handle:
        handle.seek(SMOLLM2.size // 2)
        byte = handle.read(1)
        handle.seek(SMOLLM2.size // 2)
        handle.write(bytes([byte[0] ^ 1]))
    damaged = library.verify(model.id)
    assert not damaged.ok
    assert "damaged" in (damaged.problem or "")

    os.unlink(model.path)
    missing = library.verify(model.id)
    assert not missing.ok
    assert "missing" in (missing.problem or "")


def test_remove_deletes_the_file_and_clears_the_active_model(
    library: ModelLibrary, smollm2_path: Path
) -> None:
    model = library.import_file(smollm2_path)
    selection = ModelSelection(library.paths)
    selection.choose(model.path)

    library.remove(model.id)

    assert not Path(model.path).exists()
    assert selection.active_path() is None
    assert library.total_bytes() == 0
    with pytest.raises(LibraryError) as caught:
        library.remove(model.id)
    assert caught.value.code == "not_installed"


def test_a_file_outside_the_library_is_never_deleted(
    library: ModelLibrary, smollm2_path: Path, tmp_path: Path
) -> None:
    model = library.import_file(smollm2_path, in_place=True)
    # A hand-edited library.json claims the outside file is ours.
    data = json.loads(library.file.read_text())
    data["models"][0]["in_place"] = False
    library.file.write_text(json.dumps(data))

    with pytest.raises(LibraryError) as caught:
        library.remove(model.id)

    assert caught.value.code == "outside_library"
    assert smollm2_path.exists()
    assert [m.id for m in library.models()] == [model.id]


def test_a_damaged_library_file_is_kept_aside_and_rebuilt_from_the_folder(
    library: ModelLibrary, smollm2_path: Path
) -> None:
    model = library.import_file(smollm2_path)
    library.file.write_text('{"models": [ {"id": oops')

    fresh = ModelLibrary(library.paths)
    models = fresh.models()

    assert [(m.path, m.sha256) for m in models] == [(model.path, SMOLLM2.sha256)]
    assert fresh.notice is not None
    [bad] = library.folder.glob("library.json.*.bad")
    assert str(bad) in fresh.notice
    assert bad.read_text().startswith('{"models"')
    assert json.loads(library.file.read_text())["schema_version"] == LIBRARY_SCHEMA_VERSION


def test_ids_stay_unique_and_resolve_accepts_an_id_or_a_path(
    library: ModelLibrary, smollm2_path: Path, gemma_base_path: Path, tmp_path: Path
) -> None:
    a = library.import_file(smollm2_path, in_place=True)
    b = library.import_file(gemma_base_path, in_place=True)
    assert a.id != b.id
    assert b.id == "gemma-3-270m-q4_k_m"
    assert library.resolve(a.id) == a
    assert library.resolve(str(gemma_base_path)) == b
    assert library.resolve("nothing-like-it") is None
    assert GEMMA3_BASE.filename in b.path


def test_a_library_file_with_keys_of_an_earlier_version_still_loads(
    library: ModelLibrary, smollm2_path: Path, gemma_base_path: Path
) -> None:
    a = library.import_file(smollm2_path, in_place=True)
    b = library.import_file(gemma_base_path, in_place=True)
    data = json.loads(library.file.read_text())
    data["models"][1]["defaults"] = {"n_ctx": "big", "temperature": 9}  # 0.1 kept these here
    library.file.write_text(json.dumps(data))

    fresh = ModelLibrary(library.paths)
    assert [m.id for m in fresh.models()] == [a.id, b.id]
    assert fresh.notice is None  # not treated as a damaged library: in-place models stay


def test_each_damaged_library_file_is_kept_under_its_own_name(library: ModelLibrary) -> None:
    library.folder.mkdir(parents=True)
    for garbage in ("first damage", "second damage"):
        library.file.write_text(garbage)
        fresh = ModelLibrary(library.paths)
        assert fresh.models() == []
        assert fresh.notice is not None
        [named] = [p for p in library.folder.glob("*.bad") if str(p) in fresh.notice]
        assert named.read_text() == garbage
    kept = list(library.folder.glob("library.json.*.bad"))
    assert sorted(p.read_text() for p in kept) == ["first damage", "second damage"]
