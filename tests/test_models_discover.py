"""Finding models other apps keep (HF cache, LM Studio, GPT4All, Ollama) and using them in place.

Each app's folder layout is built in ``tmp_path`` with tiny real GGUF files.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_slm.config import app_paths
from desktop_slm.models.discover import (
    GPT4ALL,
    HF_CACHE,
    HOME_ENV,
    LM_STUDIO,
    OLLAMA,
    OLLAMA_MODEL_LAYER,
    SearchRoots,
    find_models,
)
from desktop_slm.models.library import ModelLibrary
from tests.test_gguf_check import CHATML, write_tiny_model

REVISION = "a" * 40


_made = itertools.count()


def tiny(path: Path) -> Path:
    """A small valid model; each one has different bytes (a comment in its chat template)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_tiny_model(path, chat_template=CHATML + f"{{# {next(_made)} #}}")


def hf_model(cache: Path, repo: str, filename: str, *, revision: str = REVISION) -> Path:
    """A file as huggingface_hub stores it: a snapshot link to a blob named by its hash."""
    repo_dir = cache / f"models--{repo.replace('/', '--')}"
    blob = tiny(repo_dir / "blobs" / "tmp.gguf")
    digest = hashlib.sha256(blob.read_bytes()).hexdigest()
    named = blob.with_name(digest)
    blob.rename(named)
    link = repo_dir / "snapshots" / revision / filename
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(os.path.relpath(named, link.parent))
    return link


def ollama_model(root: Path, model: str, tag: str, *, namespace: str = "library") -> Path:
    blobs = root / "blobs"
    blobs.mkdir(parents=True, exist_ok=True)
    weights = tiny(blobs / "weights.tmp")
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    blob = weights.with_name(f"sha256-{digest}")
    weights.rename(blob)
    projector = blobs / f"sha256-{'b' * 64}"
    tiny(projector)
    manifest = root / "manifests" / "registry.ollama.ai" / namespace / model / tag
    manifest.parent.mkdir(parents=True, exist_ok=True)
    layers = [
        {"mediaType": "application/vnd.ollama.image.projector", "digest": f"sha256:{'b' * 64}"},
        {"mediaType": OLLAMA_MODEL_LAYER, "digest": f"sha256:{digest}", "size": 1},
        {"mediaType": "application/vnd.ollama.image.template", "digest": f"sha256:{'c' * 64}"},
    ]
    manifest.write_text(json.dumps({"schemaVersion": 2, "layers": layers}), encoding="utf-8")
    return blob


@pytest.fixture
def other_apps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder where all four apps left models, and things that are not models."""
    home = tmp_path / "user"
    for name in ("HF_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "OLLAMA_MODELS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(HOME_ENV, str(home))

    cache = home / ".cache" / "huggingface" / "hub"
    hf_model(cache, "bartowski/Qwen2.5-0.5B-Instruct-GGUF", "Qwen2.5-0.5B-Instruct-Q4_K_M.gguf")
    hf_model(cache, "org/Split-GGUF", "Split-Q8_0-00001-of-00002.gguf")
    hf_model(cache, "org/Vision-GGUF", "mmproj-Vision-f16.gguf")
    (cache / "models--org--Notes" / "snapshots" / REVISION).mkdir(parents=True)
    (cache / "models--org--Notes" / "snapshots" / REVISION / "readme.gguf").write_text("hello")

    lms = home / ".lmstudio" / "models"
    tiny(_mkdir(lms / "lmstudio-community" / "gemma-3-1b-it-GGUF") / "gemma-q4.gguf")
    (lms / "lmstudio-community" / "loop").symlink_to(lms)  # a folder link back up: no loop
    (lms / "fake.gguf").write_bytes(b"PK\x03\x04 not a model")

    gpt4all = _mkdir(home / ".local" / "share" / "nomic.ai" / "GPT4All")
    tiny(gpt4all / "Llama-3.2-1B-Instruct-Q4_0.gguf")
    tiny(_mkdir(gpt4all / "deep") / "hidden.gguf")  # GPT4All keeps files at the top

    ollama_model(home / ".ollama" / "models", "llama3.2", "1b")
    return home


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def summary(found: Iterator[object] | list[object]) -> list[tuple[str, ...]]:
    return [
        (m.source, m.name, m.repo or "", m.file or "")  # type: ignore[attr-defined]
        for m in found
    ]


def test_each_apps_models_are_found_with_names_people_know(other_apps: Path) -> None:
    result = find_models()

    assert not result.stopped_early
    assert summary(result.found) == [
        (
            HF_CACHE,
            "Qwen2.5-0.5B-Instruct-Q4_K_M.gguf",
            "bartowski/Qwen2.5-0.5B-Instruct-GGUF",
            "Qwen2.5-0.5B-Instruct-Q4_K_M.gguf",
        ),
        (
            LM_STUDIO,
            "gemma-q4.gguf",
            "lmstudio-community/gemma-3-1b-it-GGUF",
            "gemma-q4.gguf",
        ),
        (GPT4ALL, "Llama-3.2-1B-Instruct-Q4_0.gguf", "", ""),
        (OLLAMA, "llama3.2:1b", "", ""),
    ]
    for model in result.found:
        assert model.size_bytes == os.path.getsize(model.path) > 0
        assert not model.installed
    ollama = result.found[-1]
    assert Path(ollama.path).name.startswith("sha256-")


def test_a_found_model_is_used_in_place_under_its_apps_name(
    other_apps: Path, app_home: Path
) -> None:
    library = ModelLibrary(app_paths())
    hf, _lms, _gpt4all, ollama = find_models().found

    model = library.import_file(ollama.path, in_place=True, name=ollama.name)
    assert (model.name, model.id, model.path) == ("llama3.2:1b", "llama3.2-1b", ollama.path)
    assert model.in_place
    from_hub = library.import_file(hf.path, in_place=True, name=None, repo=hf.repo, file=hf.file)
    assert (from_hub.repo, from_hub.file) == (hf.repo, hf.file)
    assert library.total_bytes() == 0  # nothing was copied
    assert not list(library.folder.glob("*.gguf"))

    again = find_models(installed_paths=[m.path for m in library.models()]).found
    assert [m.installed for m in again] == [True, False, False, True]


def test_the_apps_own_variables_and_a_home_override_choose_where_to_look(tmp_path: Path) -> None:
    env = {
        "HF_HOME": str(tmp_path / "hf"),
        "OLLAMA_MODELS": str(tmp_path / "ollama"),
        HOME_ENV: str(tmp_path / "home"),
    }
    roots = SearchRoots.default(env=env)
    assert roots.hf_cache == (tmp_path / "hf" / "hub",)
    assert roots.ollama == (tmp_path / "ollama",)
    assert tmp_path / "home" / ".lmstudio" / "models" in roots.lm_studio
    assert tmp_path / "home" / ".cache" / "lm-studio" / "models" in roots.lm_studio
    assert roots.gpt4all[0] == tmp_path / "home" / ".local" / "share" / "nomic.ai" / "GPT4All"
    assert len(roots.gpt4all) == 3  # Linux, macOS, Windows

    roots = SearchRoots.default(env={"HF_HUB_CACHE": "/x/hub", "HF_HOME": "/y"}, home=tmp_path)
    assert roots.hf_cache == (Path("/x/hub"),)
    assert roots.ollama == (tmp_path / ".ollama" / "models",)


def test_the_search_stops_at_its_time_and_depth_limits(tmp_path: Path) -> None:
    lms = tmp_path / "lms"
    deep = lms
    for level in range(5):
        deep = _mkdir(deep / f"level{level}")
        tiny(deep / f"model{level}.gguf")
    roots = SearchRoots(lm_studio=(lms,))

    shallow = find_models(roots, max_depth=2).found
    assert [m.name for m in shallow] == ["model0.gguf", "model1.gguf"]

    ticks = iter(range(1000))
    result = find_models(roots, time_limit_s=3, clock=lambda: float(next(ticks)))
    assert result.stopped_early
    assert len(result.found) < 5


def test_nothing_there_finds_nothing(tmp_path: Path) -> None:
    roots = SearchRoots(
        hf_cache=(tmp_path / "a",),
        lm_studio=(tmp_path / "b",),
        gpt4all=(tmp_path / "c",),
        ollama=(tmp_path / "d",),
    )
    result = find_models(roots)
    assert (result.found, result.stopped_early) == ((), False)


def test_a_broken_ollama_manifest_or_missing_blob_is_skipped(tmp_path: Path) -> None:
    root = tmp_path / "ollama"
    ollama_model(root, "good", "latest")
    manifests = root / "manifests" / "registry.ollama.ai" / "library"
    _mkdir(manifests / "broken")
    (manifests / "broken" / "latest").write_text("{not json")
    _mkdir(manifests / "gone")
    layer = {"mediaType": OLLAMA_MODEL_LAYER, "digest": f"sha256:{'d' * 64}"}
    (manifests / "gone" / "latest").write_text(json.dumps({"layers": [layer]}))
    _mkdir(manifests / "dots")
    bad = {"mediaType": OLLAMA_MODEL_LAYER, "digest": "sha256:../../etc/passwd"}
    (manifests / "dots" / "latest").write_text(json.dumps({"layers": [bad]}))

    found = find_models(SearchRoots(ollama=(root,))).found
    assert [m.name for m in found] == ["good:latest"]
