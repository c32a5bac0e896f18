"""What every benchmark shares: interleaved repetitions, ratios, machine facts, results."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from desktop_slm.engine import hardware


@dataclass
class Figure:
    """One row of the results table: ours against a baseline measured in the same run."""

    key: str
    what: str
    baseline: str
    unit: str
    ours: list[float]
    base: list[float]
    target: str
    # "higher": ratio = ours / base should be high; "lower": ratio = ours / base should be low
    better: str = "higher"
    threshold: float | None = None
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def ratios(self) -> list[float]:
        return [a / b for a, b in zip(self.ours, self.base, strict=True) if b]

    def summary(self) -> dict[str, Any]:
        ratios = self.ratios()
        ratio = statistics.median(ratios) if ratios else float("nan")
        met = None
        if self.threshold is not None and ratios:
            met = ratio >= self.threshold if self.better == "higher" else ratio <= self.threshold
        data = asdict(self)
        data.update(
            ours_median=_round(statistics.median(self.ours)),
            ours_min=_round(min(self.ours)),
            ours_max=_round(max(self.ours)),
            base_median=_round(statistics.median(self.base)),
            ratio_median=_round(ratio, 3),
            ratio_min=_round(min(ratios), 3) if ratios else None,
            ratio_max=_round(max(ratios), 3) if ratios else None,
            repeats=len(ratios),
            target_met=met,
        )
        data["ours"] = [_round(v) for v in self.ours]
        data["base"] = [_round(v) for v in self.base]
        return data


def _round(value: float, digits: int = 4) -> float:
    return round(value, digits)


def interleave(
    repeats: int, ours: Callable[[], float], base: Callable[[], float]
) -> tuple[list[float], list[float]]:
    """Run B A B A ...: the machine's noise lands on both sides alike."""
    a_values: list[float] = []
    b_values: list[float] = []
    for _ in range(repeats):
        b_values.append(base())
        a_values.append(ours())
    return a_values, b_values


def machine() -> dict[str, Any]:
    hw = hardware.detect()
    import platform

    return {
        "cpu": hw.cpu_model,
        "cpu_features": list(hw.cpu_flags),
        "physical_cores": hw.physical_cores,
        "logical_cores": hw.logical_cores,
        "ram_bytes": hw.total_ram,
        "python": platform.python_version(),
        "load_average_at_start": list(_loadavg()),
    }


def _loadavg() -> tuple[float, ...]:
    try:
        import os

        return tuple(round(x, 2) for x in os.getloadavg())
    except OSError:
        return ()


class Stopwatch:
    def __enter__(self) -> Stopwatch:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start


def vm_hwm(pid: int) -> int:
    """Peak resident memory of a live process, in bytes (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0
