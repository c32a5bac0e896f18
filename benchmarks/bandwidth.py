"""The physical ceiling for generation: memory read bandwidth / bytes read per token."""

from __future__ import annotations

import statistics
import threading
import time

import numpy as np


def read_bandwidth(threads: int, size_bytes: int = 1 << 30, repeats: int = 5) -> float:
    """Bytes per second that ``threads`` threads can stream from RAM (numpy sums, no GIL)."""
    data = np.ones(size_bytes // 8, dtype=np.float64)
    parts = np.array_split(data, threads)
    results: list[float] = []
    for _ in range(repeats):
        workers = [threading.Thread(target=np.sum, args=(part,)) for part in parts]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        results.append(data.nbytes / (time.perf_counter() - started))
    del data
    return statistics.median(results)
