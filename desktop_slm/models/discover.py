"""Find GGUF models other apps already downloaded, so they can be used in place.

Looked at: the Hugging Face cache, LM Studio's models folder, GPT4All's folder and
Ollama's blob store (through its manifests). Listing is cheap on purpose: a file counts
when its name says GGUF (Ollama: its manifest does) and its first four bytes are the
GGUF signature. The full check (:func:`~desktop_slm.engine.gguf_check.inspect_model`)
runs when the user picks one, through :meth:`ModelLibrary.import_file`.

Each walk stops at a depth limit and a shared time limit, follows folder links only to
folders it has not seen (no symlink loops) and never reads tensor data. Split models
(``-00001-of-00003``) and ``mmproj`` image encoders are left out: neither is a model the
app can load on its own.
"""

from __future__ import annotations

import json
import logging
import os
import re
import stat
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from desktop_slm.models.hub import split_part

log = logging.getLogger(__name__)

HOME_ENV: Final = "DESKTOP_SLM_DISCOVER_HOME"
"""Look under this folder instead of the user's home (tests; a second user account)."""

HF_CACHE: Final = "Hugging Face cache"
LM_STUDIO: Final = "LM Studio"
GPT4ALL: Final = "GPT4All"
OLLAMA: Final = "Ollama"

OLLAMA_MODEL_LAYER: Final = "application/vnd.ollama.image.model"
_GGUF_MAGIC: Final = b"GGUF"
_MAX_MANIFEST_BYTES: Final = 1024 * 1024
_DIGEST_RE: Final = re.compile(r"^sha256[:-](?P<hex>[0-9a-f]{64})$")
_HF_REPO_DIR: Final = re.compile(r"^models--(?P<org>[^/]+?)--(?P<name>[^/]+)$")


@dataclass(frozen=True)
class FoundModel:
    """A model file another app keeps."""

    source: str
    """Which app: "Hugging Face cache", "LM Studio", "GPT4All" or "Ollama"."""
    name: str
    """What that app calls it: the file name, or "<model>:<tag>" for Ollama."""
    path: str
    size_bytes: int
    installed: bool
    """Already in the library (the same file)."""
    repo: str | None = None
    """The Hub repository (Hugging Face cache; LM Studio's publisher/model folders)."""
    file: str | None = None
    """The file's path inside ``repo``."""


@dataclass(frozen=True)
class SearchRoots:
    """Where each app keeps its models; folders that do not exist are skipped."""

    hf_cache: tuple[Path, ...] = ()
    lm_studio: tuple[Path, ...] = ()
    gpt4all: tuple[Path, ...] = ()
    ollama: tuple[Path, ...] = ()

    @classmethod
    def default(
        cls, *, home: Path | None = None, env: Mapping[str, str] | None = None
    ) -> SearchRoots:
        """The usual places on Linux, macOS and Windows, honouring each app's own variable.

        ``HF_HUB_CACHE``, ``HF_HOME``, ``XDG_CACHE_HOME`` and ``OLLAMA_MODELS`` are used
        when set. ``home`` (else ``DESKTOP_SLM_DISCOVER_HOME``, else the user's home)
        replaces the home folder in every other path.
        """
        env = os.environ if env is None else env
        override = home or (Path(env[HOME_ENV]) if env.get(HOME_ENV) else None)
        base = override or Path.home()

        if env.get("HF_HUB_CACHE"):
            hf = [Path(env["HF_HUB_CACHE"])]
        elif env.get("HF_HOME"):
            hf = [Path(env["HF_HOME"]) / "hub"]
        elif env.get("XDG_CACHE_HOME") and override is None:
            hf = [Path(env["XDG_CACHE_HOME"]) / "huggingface" / "hub"]
        else:
            hf = [base / ".cache" / "huggingface" / "hub"]

        lm_studio = [base / ".lmstudio" / "models", base / ".cache" / "lm-studio" / "models"]

        gpt4all = [
            base / ".local" / "share" / "nomic.ai" / "GPT4All",  # Linux
            base / "Library" / "Application Support" / "nomic.ai" / "GPT4All",  # macOS
            base / "AppData" / "Local" / "nomic.ai" / "GPT4All",  # Windows
        ]
        if env.get("XDG_DATA_HOME") and override is None:
            gpt4all.insert(0, Path(env["XDG_DATA_HOME"]) / "nomic.ai" / "GPT4All")

        if env.get("OLLAMA_MODELS"):
            ollama = [Path(env["OLLAMA_MODELS"])]
        else:
            ollama = [base / ".ollama" / "models"]
            if override is None and sys.platform.startswith("linux"):
                ollama.append(Path("/usr/share/ollama/.ollama/models"))  # the system service

        def unique(paths: Iterable[Path]) -> tuple[Path, ...]:
            return tuple(dict.fromkeys(p.expanduser() for p in paths))

        return cls(unique(hf), unique(lm_studio), unique(gpt4all), unique(ollama))


@dataclass(frozen=True)
class Discovery:
    """What a search found, and whether it stopped before looking everywhere."""

    found: tuple[FoundModel, ...]
    stopped_early: bool
    """The time limit ran out; some folders were not looked at."""


class _Deadline:
    def __init__(self, seconds: float, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._end = clock() + seconds
        self.hit = False

    def passed(self) -> bool:
        if not self.hit and self._clock() >= self._end:
            self.hit = True
        return self.hit


def find_models(
    roots: SearchRoots | None = None,
    *,
    installed_paths: Iterable[str] = (),
    time_limit_s: float = 5.0,
    max_depth: int = 6,
    clock: Callable[[], float] = time.monotonic,
) -> Discovery:
    """List the GGUF models the other apps keep, without reading more than their headers.

    ``installed_paths`` are the library's files: a found file that is one of them is
    marked ``installed``. The same file reached twice (a link) is listed once.
    """
    roots = roots or SearchRoots.default()
    deadline = _Deadline(time_limit_s, clock)
    installed = {_real(p) for p in installed_paths}
    found: list[FoundModel] = []
    seen: set[str] = set()

    def scans() -> Iterator[tuple[str, Iterator[_Find]]]:
        for root in roots.hf_cache:
            yield HF_CACHE, _scan_hf_cache(root, deadline, max_depth)
        for root in roots.lm_studio:
            yield LM_STUDIO, _scan_tree(root, deadline, max_depth, publisher_layout=True)
        for root in roots.gpt4all:
            # GPT4All keeps its models directly in its folder.
            yield GPT4ALL, _scan_tree(root, deadline, 0, publisher_layout=False)
        for root in roots.ollama:
            yield OLLAMA, _scan_ollama(root, deadline, max_depth)

    for source, scan in scans():
        for name, path, repo, file in scan:
            real = _real(str(path))
            if real in seen:
                continue
            seen.add(real)
            try:
                size = os.stat(path).st_size
            except OSError:
                continue
            found.append(
                FoundModel(
                    source=source,
                    name=name,
                    path=str(path),
                    size_bytes=size,
                    installed=real in installed,
                    repo=repo,
                    file=file,
                )
            )
        if deadline.passed():
            break
    if deadline.hit:
        log.info("model search stopped at its time limit after %d finds", len(found))
    return Discovery(tuple(found), deadline.hit)


# ---------------------------------------------------------------- one app at a time
_Find = tuple[str, Path, str | None, str | None]
"""(name, path, repo, file in repo)."""


def _scan_hf_cache(root: Path, deadline: _Deadline, max_depth: int) -> Iterator[_Find]:
    """``models--org--name/snapshots/<revision>/**.gguf``: the newest revision of each file."""
    for repo_dir in _list_dirs(root):
        if deadline.passed():
            return
        match = _HF_REPO_DIR.match(repo_dir.name)
        if match is None:
            continue
        repo = f"{match['org']}/{match['name']}"
        snapshots = repo_dir / "snapshots"
        revisions = sorted(_list_dirs(snapshots), key=_mtime, reverse=True)
        taken: set[str] = set()
        for revision in revisions:
            for path in _walk_files(revision, deadline, max_depth):
                rel = path.relative_to(revision).as_posix()
                if rel in taken or not _is_model_file(path):
                    continue
                taken.add(rel)
                yield path.name, path, repo, rel


def _scan_tree(
    root: Path, deadline: _Deadline, max_depth: int, *, publisher_layout: bool
) -> Iterator[_Find]:
    """Every GGUF file below ``root``; LM Studio keeps them as ``publisher/model/file``."""
    for path in _walk_files(root, deadline, max_depth):
        if not _is_model_file(path):
            continue
        parts = path.relative_to(root).parts
        repo = f"{parts[0]}/{parts[1]}" if publisher_layout and len(parts) == 3 else None
        yield path.name, path, repo, path.name if repo else None


def _scan_ollama(root: Path, deadline: _Deadline, max_depth: int) -> Iterator[_Find]:
    """``manifests/<registry>/<namespace>/<model>/<tag>`` name the blob holding the weights."""
    manifests = root / "manifests"
    for manifest in _walk_files(manifests, deadline, max_depth):
        parts = manifest.relative_to(manifests).parts
        if len(parts) != 4:
            continue
        registry, namespace, model, tag = parts
        blob = _ollama_model_blob(manifest, root / "blobs")
        if blob is None or not _has_gguf_magic(blob):
            continue
        name = f"{model}:{tag}"
        if namespace != "library":
            name = f"{namespace}/{name}"
        if registry != "registry.ollama.ai":
            name = f"{registry}/{name}"
        yield name, blob, None, None


def _ollama_model_blob(manifest: Path, blobs: Path) -> Path | None:
    try:
        with manifest.open("rb") as handle:
            raw = handle.read(_MAX_MANIFEST_BYTES + 1)
        if len(raw) > _MAX_MANIFEST_BYTES:
            return None
        data = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    layers = data.get("layers") if isinstance(data, dict) else None
    if not isinstance(layers, list):
        return None
    for layer in layers:
        if not isinstance(layer, dict) or layer.get("mediaType") != OLLAMA_MODEL_LAYER:
            continue
        digest = layer.get("digest")
        match = _DIGEST_RE.match(digest) if isinstance(digest, str) else None
        if match is not None:
            return blobs / f"sha256-{match['hex']}"
    return None


# ---------------------------------------------------------------- files and folders
def _is_model_file(path: Path) -> bool:
    name = path.name.lower()
    if not name.endswith(".gguf") or split_part(path.name) is not None:
        return False
    if "mmproj" in name or "projector" in name:
        return False
    return _has_gguf_magic(path)


def _has_gguf_magic(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(4) == _GGUF_MAGIC
    except OSError:
        return False


def _list_dirs(folder: Path) -> list[Path]:
    try:
        with os.scandir(folder) as entries:
            return sorted(Path(e.path) for e in entries if _is_dir(e))
    except OSError:
        return []


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()  # follows links
    except OSError:
        return False


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _walk_files(root: Path, deadline: _Deadline, max_depth: int) -> Iterator[Path]:
    """Regular files below ``root`` (links followed), each folder visited at most once."""
    visited: set[tuple[int, int]] = set()
    stack: list[tuple[Path, int]] = [(root, 0)]
    while stack:
        if deadline.passed():
            return
        folder, depth = stack.pop()
        try:
            st = folder.stat()
        except OSError:
            continue
        key = (st.st_dev, st.st_ino)
        if key in visited or not stat.S_ISDIR(st.st_mode):
            continue
        visited.add(key)
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        folders: list[Path] = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir():
                    if depth < max_depth:
                        folders.append(Path(entry.path))
                elif entry.is_file():
                    yield Path(entry.path)
            except OSError:
                continue
        stack.extend((f, depth + 1) for f in reversed(folders))


def _real(path: str) -> str:
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        return path
