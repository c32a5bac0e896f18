"""What this computer offers the model: cores, memory and CPU features."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass

import psutil

from desktop_slm.engine.lanes import SUGGEST_CONTEXTS, SUGGEST_N_CTX

DEFAULT_CONTEXT = 4096
MIN_CONTEXT = 512
# What llama.cpp needs besides the weights and the KV cache: compute buffers, the
# tokenizer, the worker process itself. Measured 110-150 MB for SmolLM2-135M and Gemma 3
# 270M at a context of 4096 (resident memory after a 240-token prompt, weights included
# as they are read), plus about 50 MB for the worker's Python.
RUNTIME_OVERHEAD_BYTES = 200_000_000
# Inline suggestions run on up to SUGGEST_CONTEXTS contexts of their own (engine/lanes.py).
SUGGESTION_KV_TOKENS = SUGGEST_CONTEXTS * SUGGEST_N_CTX
# A model runs well when it leaves room for what other programs need next: 15% of the
# memory available now, and at least half a gigabyte of it.
ROOM_SHARE_OF_AVAILABLE = 0.85
ROOM_HEADROOM_BYTES = 500_000_000

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
    automatic choice is ``DEFAULT_CONTEXT``, lowered until everything the model needs
    (:func:`memory_needed`) fits in :func:`room_for_models` of the memory available now:
    the same rule as the Models tab's "Runs well".
    """
    trained = trained_context if trained_context > 0 else DEFAULT_CONTEXT
    if requested:
        return max(MIN_CONTEXT, min(requested, trained))
    available = available_ram if available_ram is not None else psutil.virtual_memory().available
    budget = room_for_models(available) - memory_needed(model_file_size, kv_bytes_per_token, 0)
    n_ctx = min(DEFAULT_CONTEXT, trained)
    if kv_bytes_per_token > 0:
        while n_ctx > MIN_CONTEXT and n_ctx * kv_bytes_per_token > budget:
            n_ctx //= 2
    return max(min(MIN_CONTEXT, trained), n_ctx)


def room_for_models(available: int) -> float:
    """Bytes a model may take of ``available`` and still leave room for other programs."""
    return min(available * ROOM_SHARE_OF_AVAILABLE, available - ROOM_HEADROOM_BYTES)


def memory_needed(file_size: int, kv_bytes_per_token: int, n_ctx: int) -> int:
    """Bytes of memory to run a model: the weights, an f16 KV cache of ``n_ctx`` and of the
    suggestion contexts, and the runtime's overhead."""
    kv_tokens = n_ctx + SUGGESTION_KV_TOKENS
    return file_size + kv_bytes_per_token * kv_tokens + RUNTIME_OVERHEAD_BYTES


def human_bytes(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(size) < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"
