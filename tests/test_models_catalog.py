"""The curated catalog: what ships, how a broken file is reported, the pick for a computer."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from desktop_slm import resources
from desktop_slm.models.catalog import load_catalog
from desktop_slm.models.errors import CatalogError
from desktop_slm.models.fit import Fit, Memory, fit_label

GB = 1_000_000_000


def shipped() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resources.resource_path("catalog.json").read_text())
    return data


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def test_the_shipped_catalog_offers_small_instruction_models() -> None:
    catalog = load_catalog()

    assert len(catalog.entries) >= 8
    assert all(0.1e9 < e.parameters <= 4.1e9 for e in catalog.entries)
    assert all(e.preferred_file.endswith(".gguf") for e in catalog.entries)
    assert {s for e in catalog.entries for s in e.strengths} == {"email", "translation", "summary"}
    assert not any("qat" in e.repo for e in catalog.entries)  # the gated Google repos
    research = catalog.get("Qwen/Qwen2.5-3B-Instruct-GGUF")
    assert research is not None
    assert research.license == "qwen-research"
    assert not research.open_license
    thinkers = {e.id for e in catalog.entries if e.thinks_by_default}
    assert {"qwen3-1.7b", "qwen3-4b", "smollm3-3b"} <= thinkers
    assert catalog.get("qwen2.5-1.5b-instruct") is catalog.get("qwen/qwen2.5-1.5b-instruct-gguf")
    assert catalog.get("smollm2-360m-instruct") is not None
    assert catalog.get("smollm2-360m-instruct").parameters_label == "362M"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("ram_gb", "cores", "expected"),
    [
        pytest.param(32, 8, "llama-3.2-3b-instruct", id="big-laptop"),
        pytest.param(16, 2, "qwen2.5-1.5b-instruct", id="two-cores"),
        pytest.param(2.4, 4, "qwen2.5-0.5b-instruct", id="little-memory"),
        pytest.param(0.5, 4, None, id="nothing-fits"),
    ],
)
def test_the_recommendation_fits_memory_and_cpu(
    ram_gb: float, cores: int, expected: str | None
) -> None:
    memory = Memory(total=int(ram_gb * GB), available=int(ram_gb * GB * 0.75))
    pick = load_catalog().recommended(memory=memory, physical_cores=cores)

    assert (pick.id if pick else None) == expected
    if pick is not None:
        assert pick.fit(memory=memory) is Fit.RUNS_WELL
        assert not pick.thinks_by_default  # a writing tool must not show <think> blocks


def test_fit_labels_follow_memory() -> None:
    memory = Memory(total=8 * GB, available=4 * GB)
    assert fit_label(1 * GB, 30_000, n_ctx=4096, memory=memory) is Fit.RUNS_WELL
    assert fit_label(4 * GB, 30_000, n_ctx=4096, memory=memory) is Fit.TIGHT
    assert fit_label(7 * GB, 30_000, n_ctx=4096, memory=memory) is Fit.TOO_LARGE
    # The KV cache counts: a long context can make a small file too large.
    assert fit_label(1 * GB, 400_000, n_ctx=131_072, memory=memory) is Fit.TOO_LARGE


@pytest.mark.parametrize(
    ("change", "words"),
    [
        pytest.param(lambda d: d.update(schema_version=99), "schema_version is 99", id="version"),
        pytest.param(lambda d: d["models"][0].pop("repo"), "needs a text 'repo'", id="no-repo"),
        pytest.param(
            lambda d: d["models"][1].update(parameters="big"), "'parameters'", id="bad-number"
        ),
        pytest.param(
            lambda d: d["models"][2].update(strengths=["poetry"]), "poetry", id="bad-strength"
        ),
        pytest.param(
            lambda d: d["models"].append(dict(d["models"][0])), "appears twice", id="duplicate"
        ),
        pytest.param(lambda d: d.update(models=[]), "non-empty", id="empty"),
    ],
)
def test_a_broken_catalog_says_what_is_wrong(tmp_path: Path, change: Any, words: str) -> None:
    data = shipped()
    change(data)
    with pytest.raises(CatalogError) as caught:
        load_catalog(write(tmp_path, data))
    message = str(caught.value)
    assert words in message
    assert str(tmp_path / "catalog.json") in message
    assert caught.value.code == "bad_catalog"


def test_a_catalog_that_is_not_json_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(CatalogError) as caught:
        load_catalog(write(tmp_path, '{\n "schema_version": 1,\n "models": [,]\n}'))
    assert "not valid JSON at line 3" in str(caught.value)
    with pytest.raises(CatalogError) as missing:
        load_catalog(tmp_path / "gone.json")
    assert "missing" in str(missing.value)


def test_resources_are_found_in_a_frozen_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert resources.resource_path("catalog.json").is_file()
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.resource_path("catalog.json") == tmp_path / "resources" / "catalog.json"
