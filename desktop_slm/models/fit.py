"""Whether a model fits this computer ("Runs well", "Tight", "Too large") and how fast it writes.

Writing speed: to produce one token llama.cpp reads every weight of the model once, so
a CPU writes at most (memory bandwidth / file size) tokens per second, and no faster
than its cores can multiply quantized weights. :func:`measured_bandwidth` times a
memory copy once (a fraction of a second) and keeps the figure in the cache folder;
:func:`expected_tokens_per_second` turns it and the core count into the estimate shown
beside the fit label. docs/models.md explains the figures.
"""

from __future__ import annotations

import enum
import functools
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from desktop_slm.config import AppPaths, app_paths
from desktop_slm.engine import hardware
from desktop_slm.fsutil import atomic_write_text

log = logging.getLogger(__name__)

# "Tight" still fits when the user closes other programs: part of the total memory.
TIGHT_SHARE_OF_TOTAL = 0.8
# When a file's architecture is unknown (a search result), its KV cache per token is
# estimated from its size: small GGUFs of 0.5-4B parameters need 12-400 KB per token.
_UNKNOWN_KV_BYTES_PER_TOKEN_PER_GB = 100_000
_MIN_UNKNOWN_KV_BYTES_PER_TOKEN = 32_768

# Token generation reads the weights at about this share of the bandwidth a plain memory
# copy reaches (bytes read + written per second): llama.cpp's decoding streams the
# weights and does little else, the copy measurement moves each byte twice.
DECODE_SHARE_OF_COPY_BANDWIDTH = 0.8
# How many bytes of Q4/Q8 weights one core multiplies per second when memory is not the
# limit (AVX2 laptop cores; SmolLM2-135M Q4_1, 98 MB, writes 75-85 tokens/s on 2 threads).
WEIGHT_BYTES_PER_CORE_PER_SECOND = 4_000_000_000
# Below this a writing tool feels slow: about 4 words a second, a fast reading pace.
READABLE_TOKENS_PER_SECOND = 5.0
_COPY_BYTES = 64 * 1024 * 1024
_COPY_BUDGET_SECONDS = 0.4
_COPY_CHUNK_BYTES = 4 * 1024 * 1024
_BANDWIDTH_FILE = "bandwidth.json"


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


def fit_label(
    file_size: int,
    kv_bytes_per_token: int,
    *,
    n_ctx: int = hardware.DEFAULT_CONTEXT,
    memory: Memory | None = None,
) -> Fit:
    """How well a model of ``file_size`` bytes runs here at a context of ``n_ctx`` tokens.

    "Runs well": the weights, the KV cache and the overhead fit in the memory available
    now with room to spare (:func:`hardware.room_for_models`, the rule that also chooses
    the context size when a model loads); "Tight" fits in most of the total memory, so it
    runs once other programs are closed.
    """
    memory = memory or Memory.detect()
    need = hardware.memory_needed(file_size, kv_bytes_per_token, n_ctx)
    if need <= hardware.room_for_models(memory.available):
        return Fit.RUNS_WELL
    if need <= memory.total * TIGHT_SHARE_OF_TOTAL:
        return Fit.TIGHT
    return Fit.TOO_LARGE


def expected_tokens_per_second(file_size: int, *, bandwidth: float, cores: int) -> float:
    """Tokens per second a model file of ``file_size`` bytes is expected to write here.

    The lower of two limits: the memory (``bandwidth``, bytes/s of a plain copy) and the
    arithmetic of ``cores`` physical cores.
    """
    if file_size <= 0:
        return 0.0
    by_memory = bandwidth * DECODE_SHARE_OF_COPY_BANDWIDTH
    by_cores = max(1, cores) * WEIGHT_BYTES_PER_CORE_PER_SECOND
    return min(by_memory, by_cores) / file_size


def speed_label(tokens_per_second: float | None) -> str:
    """ "about 12 tokens/s" as shown beside a fit label; empty when not known."""
    if tokens_per_second is None:
        return ""
    if tokens_per_second < 1:
        return "under 1 token/s"
    shown = round(tokens_per_second) if tokens_per_second < 20 else 5 * round(tokens_per_second / 5)
    return f"about {shown} tokens/s"


def measure_copy_bandwidth(size: int = _COPY_BYTES, budget: float = _COPY_BUDGET_SECONDS) -> float:
    """Bytes per second moved by copying ``size`` bytes in memory: the best of a few tries.

    Bounded: at most 10 copies, and no new one once ``budget`` seconds have passed
    (at least 3, so one slow copy while another program runs does not decide alone).
    """
    # In slices of a few megabytes: each is one memcpy holding the GIL, so the window's
    # thread gets its turn between them.
    chunk = min(size, _COPY_CHUNK_BYTES)
    source, target = memoryview(bytearray(size)), memoryview(bytearray(size))
    ones = b"\x01" * chunk
    for start in range(0, size, chunk):  # written, so the pages really exist
        source[start : start + chunk] = ones[: min(chunk, size - start)]
    best = float("inf")
    started = time.perf_counter()
    tries = 0
    while tries < 3 or (tries < 10 and time.perf_counter() - started < budget):
        begin = time.perf_counter()
        for start in range(0, size, chunk):
            target[start : start + chunk] = source[start : start + chunk]
        best = min(best, time.perf_counter() - begin)
        tries += 1
    return 2 * size / max(best, 1e-9)


def measured_bandwidth(paths: AppPaths | None = None) -> float:
    """This computer's memory copy bandwidth (bytes/s), measured once and kept.

    The figure is kept in the cache folder for this CPU model (a different computer with
    the same home folder measures again) and in memory for the rest of the process.
    """
    folder = (paths or app_paths()).cache_dir
    return _bandwidth_for(folder, hardware.detect().cpu_model)


@functools.cache
def _bandwidth_for(folder: Path, cpu_model: str) -> float:
    path = folder / _BANDWIDTH_FILE
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
        if kept.get("cpu") == cpu_model and float(kept["bytes_per_second"]) > 0:
            return float(kept["bytes_per_second"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass  # not measured yet, or a damaged file: measure again
    bandwidth = measure_copy_bandwidth()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(
            path,
            json.dumps({"cpu": cpu_model, "bytes_per_second": bandwidth}) + "\n",
        )
    except OSError as exc:
        log.warning("cannot keep the memory bandwidth in %s: %s", path, exc)
    return bandwidth
