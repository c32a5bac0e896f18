"""Load llama.cpp's CPU backend from our own files and say which CPU variant runs.

A portable llama.cpp build (``GGML_BACKEND_DL=ON``, ``GGML_CPU_ALL_VARIANTS=ON``)
has no CPU code in ``libggml`` itself: one ``libggml-cpu-<variant>.so`` per CPU
generation (x64, sse42, sandybridge, haswell, skylakex, zen4, ...) is loaded at run
time, and llama.cpp picks the one with the best score for this CPU. Left to itself,
llama.cpp looks for them next to the *executable* and in the *current directory*:
the wrong place in a virtual environment (pip puts them in ``site-packages/bin``),
and the current directory is no place to load code from. So before llama.cpp
initialises, :func:`load_cpu_backend` loads them from the folder we ship them in
(``llama_cpp/lib`` in the installed app). A build with the CPU code linked in (a
developer's ``GGML_NATIVE`` build) has its backend registered already: nothing to
load, and the report says so.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import logging
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_VARIANT_FILE = re.compile(
    r"^(?:lib)?ggml-cpu(?:-(?P<variant>[A-Za-z0-9_]+))?\.(?:so(?:\.\d+)*|dll|dylib)$"
)


@dataclass(frozen=True)
class CpuBackend:
    """The llama.cpp CPU code this process runs."""

    variant: str | None
    """``haswell``, ``sse42``, ...; None for a build with a single, linked-in CPU backend."""
    library: str | None
    """The file the CPU code was loaded from (None if it cannot be told)."""
    features: tuple[str, ...]
    """What that code was compiled to use, as llama.cpp reports it (``AVX2``, ``FMA``...)."""
    searched: str | None = None
    """The folder the variants were loaded from (None: nothing had to be loaded)."""
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "variant": self.variant,
            "library": self.library,
            "features": list(self.features),
            "loaded_from": self.searched,
            **({"error": self.error} if self.error else {}),
        }


def variant_dirs(llama_cpp_dir: Path) -> list[Path]:
    """Where the CPU variant libraries may be, best first.

    ``llama_cpp/lib`` is where the installers put them (next to ``libggml-base``,
    which they need); ``site-packages/bin`` is where pip puts them when the portable
    wheel is installed into a virtual environment.
    """
    return [llama_cpp_dir / "lib", llama_cpp_dir.parent / "bin"]


def _has_variants(folder: Path) -> bool:
    try:
        return any(_VARIANT_FILE.match(entry.name) for entry in folder.iterdir())
    except OSError:
        return False


def _ggml(llama_cpp: Any) -> Any:
    """The libggml that libllama uses (llama_cpp's own ``_ggml`` module may load a copy)."""
    if sys.platform == "win32":  # GetProcAddress does not search dependencies: open the same file
        return ctypes.CDLL(str(Path(llama_cpp.__file__).parent / "lib" / "ggml.dll"))
    # dlsym on libllama's handle searches its dependencies, i.e. the libggml it linked.
    return llama_cpp.llama_cpp._lib


def _declare(ggml: Any) -> None:
    ggml.ggml_backend_reg_count.restype = ctypes.c_size_t
    ggml.ggml_backend_reg_count.argtypes = []
    ggml.ggml_backend_load_all_from_path.restype = None
    ggml.ggml_backend_load_all_from_path.argtypes = [ctypes.c_char_p]
    ggml.ggml_backend_reg_by_name.restype = ctypes.c_void_p
    ggml.ggml_backend_reg_by_name.argtypes = [ctypes.c_char_p]
    ggml.ggml_backend_reg_get_proc_address.restype = ctypes.c_void_p
    ggml.ggml_backend_reg_get_proc_address.argtypes = [ctypes.c_void_p, ctypes.c_char_p]


class _Feature(ctypes.Structure):
    _fields_ = (("name", ctypes.c_char_p), ("value", ctypes.c_char_p))


def _features(get_features: int, reg: int) -> tuple[str, ...]:
    prototype = ctypes.CFUNCTYPE(ctypes.POINTER(_Feature), ctypes.c_void_p)
    array = prototype(get_features)(reg)
    names: list[str] = []
    for i in range(64):  # the list ends with a NULL name; 64 is a guard, not a limit
        feature = array[i]
        if not feature.name:
            break
        name = feature.name.decode(errors="replace")
        value = (feature.value or b"").decode(errors="replace")
        names.append(name if value == "1" else f"{name}={value}")
    return tuple(names)


class _DlInfo(ctypes.Structure):
    _fields_ = (
        ("dli_fname", ctypes.c_char_p),
        ("dli_fbase", ctypes.c_void_p),
        ("dli_sname", ctypes.c_char_p),
        ("dli_saddr", ctypes.c_void_p),
    )


@contextlib.contextmanager
def _quiet_llama_log() -> Iterator[None]:
    """llama-cpp-python prints llama.cpp's info messages until a model is loaded quietly.

    Its table maps ggml's INFO to WARNING and WARN to ERROR, so ERROR is the level that
    hides info and still shows warnings (what ``Llama(verbose=False)`` sets too).
    """
    logger = logging.getLogger("llama-cpp-python")
    level = logger.level
    logger.setLevel(max(level, logging.ERROR))
    try:
        yield
    finally:
        logger.setLevel(level)


def library_of(address: int) -> str | None:
    """The shared library file that holds the code at ``address``."""
    with contextlib.suppress(OSError, AttributeError):
        if sys.platform == "win32":
            kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
            module = ctypes.c_void_p()
            from_address, unchanged_refcount = 0x4, 0x2
            if kernel32.GetModuleHandleExW(
                from_address | unchanged_refcount, ctypes.c_void_p(address), ctypes.byref(module)
            ):
                buffer = ctypes.create_unicode_buffer(32768)
                if kernel32.GetModuleFileNameW(module, buffer, len(buffer)):
                    return str(buffer.value)
            return None
        dladdr = ctypes.CDLL(None).dladdr
        dladdr.argtypes = [ctypes.c_void_p, ctypes.POINTER(_DlInfo)]
        info = _DlInfo()
        if dladdr(ctypes.c_void_p(address), ctypes.byref(info)) and info.dli_fname:
            return os.path.realpath(os.fsdecode(info.dli_fname))
    return None


@functools.cache
def load_cpu_backend() -> CpuBackend:
    """Make sure llama.cpp has its CPU backend (loading the best variant) and describe it.

    Call before the first ``llama_cpp.Llama``; later calls return the first answer.
    Never raises: a failure is described in ``CpuBackend.error``.
    """
    try:
        import llama_cpp

        ggml = _ggml(llama_cpp)
        _declare(ggml)
    except (ImportError, OSError, AttributeError) as exc:
        return CpuBackend(None, None, (), error=f"llama.cpp could not be loaded: {exc}")
    searched: str | None = None
    if ggml.ggml_backend_reg_count() == 0:  # dynamic backends: none loaded yet
        package_dir = Path(llama_cpp.__file__).resolve().parent
        for folder in variant_dirs(package_dir):
            if _has_variants(folder):
                searched = str(folder)
                with _quiet_llama_log():  # "loaded CPU backend from ..." is for the report
                    ggml.ggml_backend_load_all_from_path(os.fsencode(folder))
                break
    reg = ggml.ggml_backend_reg_by_name(b"CPU")
    if not reg:
        where = searched or " or ".join(str(d) for d in variant_dirs(Path(llama_cpp.__file__)))
        return CpuBackend(
            None,
            None,
            (),
            searched,
            error=f"no llama.cpp CPU backend could be loaded (looked in {where}); "
            "reinstall Desktop SLM",
        )
    get_features = ggml.ggml_backend_reg_get_proc_address(reg, b"ggml_backend_get_features")
    library = library_of(get_features) if get_features else None
    features = _features(get_features, reg) if get_features else ()
    variant = None
    if library:
        match = _VARIANT_FILE.match(os.path.basename(library))
        variant = match.group("variant") if match else None
    return CpuBackend(variant, library, features, searched)


def describe(report: dict[str, Any]) -> str:
    """One line for people from :meth:`CpuBackend.as_dict` (used by ``doctor``)."""
    if report.get("error"):
        return str(report["error"])
    name = os.path.basename(report.get("library") or "") or "unknown library"
    features = " ".join(report.get("features") or ()) or "no SIMD features"
    if report.get("variant"):
        return f"{report['variant']} variant, chosen for this CPU ({name}: {features})"
    return f"built in ({name}: {features}); a build for one CPU type, not portable"
