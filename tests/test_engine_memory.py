"""The context size chosen at load time follows the same memory rule as "Runs well".

A model the Models tab calls "Runs well" at 4,096 tokens must load with 4,096 tokens, and
one that does not must get a smaller context, never one that pushes the machine into
swap. The suggestion contexts (engine/lanes.py) count too.
"""

from __future__ import annotations

import pytest

from desktop_slm.engine import hardware
from desktop_slm.models.fit import Fit, Memory, fit_label

GB = 1_000_000_000
# A 4B Q4_K_M: 2.5 GB of weights, 144 KB of KV cache per token (Qwen3-4B).
FILE, KV = int(2.5 * GB), 144 * 1024


@pytest.mark.parametrize("available_gb", [1.5, 3.0, 3.6, 3.9, 4.2, 5.0, 8.0, 16.0])
def test_a_model_that_runs_well_loads_with_the_full_context(available_gb: float) -> None:
    available = int(available_gb * GB)
    label = fit_label(FILE, KV, n_ctx=4096, memory=Memory(total=16 * GB, available=available))
    chosen = hardware.choose_context(
        trained_context=32_768, model_file_size=FILE, kv_bytes_per_token=KV, available_ram=available
    )
    assert (chosen == 4096) == (label is Fit.RUNS_WELL)
    if chosen > hardware.MIN_CONTEXT:  # what was chosen fits: the weights, KV and the rest
        need = hardware.memory_needed(FILE, KV, chosen)
        assert need <= hardware.room_for_models(available)


def test_the_suggestion_contexts_are_counted() -> None:
    without = FILE + KV * 4096 + hardware.RUNTIME_OVERHEAD_BYTES
    assert hardware.memory_needed(FILE, KV, 4096) == without + KV * 2048


def test_a_users_choice_wins_up_to_what_the_model_was_trained_for() -> None:
    def choose(requested: int | None, trained: int = 8192) -> int:
        return hardware.choose_context(
            trained_context=trained,
            model_file_size=FILE,
            kv_bytes_per_token=KV,
            requested=requested,
            available_ram=1 * GB,
        )

    assert choose(16_384) == 8192
    assert choose(100) == hardware.MIN_CONTEXT
    assert choose(None) == hardware.MIN_CONTEXT  # too little memory: the smallest
    assert choose(None, trained=256) == 256  # never past the trained context
