"""What this computer offers the model: cores, memory and CPU features."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass

import psutil

DEFAULT_CONTEXT = 4096
MIN_CONTEXT = 512
# Share of the available memory the model file and its KV cache may take together.
MEMORY_SHARE = 0.6

INTERESTING_FLAGS = (
    "sse3",
    "ssse3",
    "sse4_1",
    "sse4_2",
    "avx",
    "f16c",
    "fma",
    "avx2",
    "avx512f",
    "avx512bw",
    "avx512vl",
    "avx512_vnni",
    "avx_vnni",
    "amx_int8",
    "neon",
    "asimd",
    "sve",
)


@dataclass(frozen=True)
class Hardware:
    physical_cores: int
    logical_cores: int
    total_ram: int
    available_ram: int
    cpu_model: str
    cpu_flags: tuple[str, ...]
    machine: str


def physical_cores() -> int:
    """Physical cores: llama.cpp runs fastest with one thread per core, not per hyperthread."""
    count = psutil.cpu_count(logical=False) or os.cpu_count() or 1
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = count
    return max(1, min(count, usable))


def _cpuinfo() -> tuple[str, tuple[str, ...]]:
    model = platform.processor() or platform.machine()
    flags: set[str] = set()
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                key = key.strip()
                if key in ("model name", "Model") and model in ("", platform.machine()):
                    model = value.strip()
                elif key in ("flags", "Features") and not flags:
                    flags = set(value.split())
    except OSError:
        pass
    return model, tuple(f for f in INTERESTING_FLAGS if f in flags)


def detect() -> Hardware:
    memory = psutil.virtual_memory()
    model, flags = _cpuinfo()
    return Hardware(
        physical_cores=physical_cores(),
        logical_cores=psutil.cpu_count(logical=True) or 1,
        total_ram=memory.total,
        available_ram=memory.available,
        cpu_model=model,
        cpu_flags=flags,
        machine=platform.machine(),
    )


def choose_context(
    *,
    trained_context: int,
    model_file_size: int,
    kv_bytes_per_token: int,
    requested: int | None = None,
    available_ram: int | None = None,
) -> int:
    """The context size to load a model with.

    A user's choice wins but never exceeds what the model was trained for. The
    automatic choice is ``DEFAULT_CONTEXT``, lowered until the file and the KV cache
    fit in ``MEMORY_SHARE`` of the memory available now.
    """
    trained = trained_context if trained_context > 0 else DEFAULT_CONTEXT
    if requested:
        return max(MIN_CONTEXT, min(requested, trained))
    available = available_ram if available_ram is not None else psutil.virtual_memory().available
    budget = int(available * MEMORY_SHARE) - model_file_size
    n_ctx = min(DEFAULT_CONTEXT, trained)
    if kv_bytes_per_token > 0:
        while n_ctx > MIN_CONTEXT and n_ctx * kv_bytes_per_token > budget:
            n_ctx //= 2
    return max(min(MIN_CONTEXT, trained), n_ctx)


def human_bytes(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(size) < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"
