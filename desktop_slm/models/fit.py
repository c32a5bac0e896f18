"""Whether a model fits this computer: "Runs well", "Tight" or "Too large for this computer"."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from desktop_slm.engine import hardware

# What llama.cpp needs besides the weights and the KV cache: compute buffers, the
# tokenizer, the worker process itself. Measured around 150-250 MB for 0.1-4B models.
RUNTIME_OVERHEAD_BYTES = 300_000_000
# "Tight" still fits when the user closes other programs: part of the total memory.
TIGHT_SHARE_OF_TOTAL = 0.8
# When a file's architecture is unknown (a search result), its KV cache per token is
# estimated from its size: small GGUFs of 0.5-4B parameters need 12-400 KB per token.
_UNKNOWN_KV_BYTES_PER_TOKEN_PER_GB = 100_000
_MIN_UNKNOWN_KV_BYTES_PER_TOKEN = 32_768


class Fit(enum.StrEnum):
    RUNS_WELL = "Runs well"
    TIGHT = "Tight"
    TOO_LARGE = "Too large for this computer"


@dataclass(frozen=True)
class Memory:
    """The two numbers a fit label depends on (``psutil`` by default, fixed in tests)."""

    total: int
    available: int

    @classmethod
    def detect(cls) -> Memory:
        hw = hardware.detect()
        return cls(total=hw.total_ram, available=hw.available_ram)


def estimated_kv_bytes_per_token(file_size: int) -> int:
    """A rough KV cache size per token for a model known only by its file size."""
    estimate = file_size * _UNKNOWN_KV_BYTES_PER_TOKEN_PER_GB // 1_000_000_000
    return max(_MIN_UNKNOWN_KV_BYTES_PER_TOKEN, estimate)


def memory_needed(file_size: int, kv_bytes_per_token: int, n_ctx: int) -> int:
    """Bytes of memory to run a model: the weights, an f16 KV cache of ``n_ctx``, overhead."""
    return file_size + kv_bytes_per_token * n_ctx + RUNTIME_OVERHEAD_BYTES


def fit_label(
    file_size: int,
    kv_bytes_per_token: int,
    *,
    n_ctx: int = hardware.DEFAULT_CONTEXT,
    memory: Memory | None = None,
) -> Fit:
    """How well a model of ``file_size`` bytes runs here at a context of ``n_ctx`` tokens.

    "Runs well" uses the same share of the memory available now as the automatic
    context choice (:data:`hardware.MEMORY_SHARE`); "Tight" fits in most of the total
    memory, so it runs once other programs are closed.
    """
    memory = memory or Memory.detect()
    need = memory_needed(file_size, kv_bytes_per_token, n_ctx)
    if need <= memory.available * hardware.MEMORY_SHARE:
        return Fit.RUNS_WELL
    if need <= memory.total * TIGHT_SHARE_OF_TOTAL:
        return Fit.TIGHT
    return Fit.TOO_LARGE
