"""Automatic threads give way to other programs; chosen threads are kept."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_slm.engine import hardware
from desktop_slm.engine.client import EngineClient
from desktop_slm.engine.cpu_load import OtherLoad, choose_threads
from desktop_slm.engine.protocol import Completion, SamplingOptions

SHORT = SamplingOptions(max_tokens=4, temperature=0.0)
ASK = [{"role": "user", "content": "Say hi."}]


@pytest.mark.parametrize(
    ("cores", "other", "expected"),
    [(4, 0.0, 4), (4, 0.3, 4), (4, 1.0, 3), (4, 2.6, 1), (2, 1.0, 1), (2, 5.0, 1), (1, 0.0, 1)],
)
def test_threads_leave_the_cores_other_programs_use(
    cores: int, other: float, expected: int
) -> None:
    assert choose_threads(cores, other) == expected


@pytest.fixture
def busy_core() -> Iterator[None]:
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        load = OtherLoad(interval=0.25)
        deadline = time.monotonic() + 10
        while load.value < 0.8 and time.monotonic() < deadline:  # the hog is visible
            time.sleep(0.05)
        load.close()
        yield
    finally:
        hog.kill()
        hog.wait()


def answer(client: EngineClient) -> Completion:
    done = [e for e in client.chat(ASK, SHORT) if isinstance(e, Completion)]
    return done[0]


def test_automatic_threads_give_way_to_a_busy_core(
    engine: EngineClient, smollm2_path: Path, busy_core: None
) -> None:
    physical = hardware.physical_cores()
    engine.load(smollm2_path, n_ctx=512)  # threads: automatic
    time.sleep(0.6)  # one sampling window of the worker's load monitor
    done = answer(engine)
    assert done.n_threads == max(1, physical - 1)


def test_threads_chosen_by_the_user_are_kept_under_load(
    engine: EngineClient, smollm2_path: Path, busy_core: None
) -> None:
    physical = hardware.physical_cores()
    engine.load(smollm2_path, n_ctx=512, n_threads=physical)
    time.sleep(0.6)
    assert answer(engine).n_threads == physical
