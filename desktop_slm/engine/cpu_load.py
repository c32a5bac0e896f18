"""How busy the other programs keep the CPU, so generation does not fight them for cores.

llama.cpp's threads meet at a barrier hundreds of times per token. When another
program holds a core, a thread waiting at that barrier spins while the thread it
waits for is not running: on a 2-core machine with one busy core, two threads gave
2-33 tokens/s where one thread gave 75 (measured here with SmolLM2-135M). So the
worker watches the load that is not its own and gives up the cores it cannot have.
"""

from __future__ import annotations

import math
import threading
import time

import psutil

SAMPLE_S = 0.5
MIN_WINDOW_S = 0.2
# A core counts as taken when others keep it this busy (in cores, summed over all).
MARGIN = 0.35


def choose_threads(physical_cores: int, other_load: float) -> int:
    """Threads for the next request: the physical cores others leave free, at least one."""
    taken = max(0, math.ceil(other_load - MARGIN))
    return max(1, min(physical_cores, physical_cores - taken))


class OtherLoad:
    """Samples, in the background, how many cores other processes keep busy."""

    def __init__(self, interval: float = SAMPLE_S) -> None:
        self._interval = interval
        self._process = psutil.Process()
        self._lock = threading.Lock()
        self._value = 0.0
        self._stop = threading.Event()
        self._last = self._snapshot()
        self._thread = threading.Thread(target=self._run, name="cpu-load", daemon=True)
        self._thread.start()

    def _snapshot(self) -> tuple[float, float, float]:
        total = psutil.cpu_times()
        busy = sum(
            getattr(total, name, 0.0)
            for name in ("user", "nice", "system", "irq", "softirq", "steal")
        )
        own = self._process.cpu_times()
        return time.monotonic(), busy, own.user + own.system

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.sample()

    def sample(self) -> float:
        now = self._snapshot()
        wall = now[0] - self._last[0]
        if wall < MIN_WINDOW_S:
            return self.value  # too short a window to say anything
        if wall > 0:
            others = max(0.0, (now[1] - self._last[1]) - (now[2] - self._last[2])) / wall
            with self._lock:
                self._value = others
        self._last = now
        return self.value

    @property
    def value(self) -> float:
        """Cores' worth of CPU that other processes used in the last interval."""
        with self._lock:
            return self._value

    def close(self) -> None:
        self._stop.set()
