"""Which model architectures the bundled llama.cpp can run, read from its own library file.

llama.cpp names every architecture it implements in one table of C strings
(``LLM_ARCH_NAMES`` in ``src/llama-arch.cpp``): ``"llama"``, ``"qwen3"``, ``"gemma4"``...
They are stored in ``libllama`` as NUL-terminated strings, so the library file itself
says which names this build knows, without loading it or a model. The linker merges a
string that ends another one into it (``"qwen2"`` is the tail of ``"rwkv6qwen2"``), so
every tail of a stored name counts as a name too. The file is read once
per process (a few megabytes; files over :data:`_MAX_LIBRARY_BYTES` are not read) and
the answer is cached for its path, size and modification time.

An architecture is runnable when the library names it *and* the app can use it for
writing (:data:`desktop_slm.engine.gguf_check.SUPPORTED_ARCHITECTURES`, which leaves
out embedding and diffusion models). When the library cannot be found or read (a
frozen build that moved it, an unusual platform), the app's own list decides alone.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import re
import sys
from pathlib import Path
from typing import Final

from desktop_slm.engine.gguf_check import SUPPORTED_ARCHITECTURES

log = logging.getLogger(__name__)

_MAX_LIBRARY_BYTES: Final = 512 * 1024 * 1024
# An architecture name between two NUL bytes: lower-case letters, digits, '_', '-', '.'.
_NAME: Final = re.compile(rb"(?<=\x00)[a-z][a-z0-9_.\-]{1,40}(?=\x00)")


def library_file() -> Path | None:
    """The bundled ``libllama`` (found without importing ``llama_cpp``), or None."""
    try:
        spec = importlib.util.find_spec("llama_cpp")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    package = Path(next(iter(spec.submodule_search_locations)))
    names = {"win32": ("llama.dll", "libllama.dll"), "darwin": ("libllama.dylib",)}
    for folder in (package / "lib", package.parent / "bin", package.parent / "lib"):
        for name in names.get(sys.platform, ("libllama.so",)):
            if (folder / name).is_file():
                return folder / name
    return None


def names_in_library(path: Path) -> frozenset[str] | None:
    """Every architecture-like name stored in the library at ``path``; None if unreadable."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return _names_cached(str(path), stat.st_size, stat.st_mtime_ns)


@functools.cache
def _names_cached(path: str, size: int, mtime_ns: int) -> frozenset[str] | None:
    del mtime_ns  # part of the cache key only: a replaced library is read again
    if size > _MAX_LIBRARY_BYTES:
        log.warning("not reading %s for architecture names: %d bytes", path, size)
        return None
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        log.warning("cannot read %s for architecture names: %s", path, exc)
        return None
    # finditer, not findall: the GIL can pass to the window's thread between matches.
    stored = {m.group().decode("ascii") for m in _NAME.finditer(data)}
    return frozenset(name[start:] for name in stored for start in range(len(name) - 1))


def runnable_architectures(library: Path | None = None) -> frozenset[str]:
    """The architectures the bundled llama.cpp can load and the app can write with."""
    path = library or library_file()
    known = names_in_library(path) if path is not None else None
    if known is None:
        return SUPPORTED_ARCHITECTURES
    return SUPPORTED_ARCHITECTURES & known


def engine_runs(architecture: str | None, library: Path | None = None) -> bool:
    """Whether the bundled llama.cpp runs a model of ``architecture`` (None: not known, yes)."""
    return architecture is None or architecture in runnable_architectures(library)
