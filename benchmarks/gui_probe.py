"""Run in its own process by gui_bench: the real window streams an answer while a 1 ms
timer measures how long the event loop ever stalls; reports peak memory of both processes.

    python -m benchmarks.gui_probe MODEL MAX_TOKENS   -> one JSON line on stdout
"""

from __future__ import annotations

import json
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from benchmarks.common import vm_hwm
from desktop_slm.ui.app import create_window


def main() -> int:
    model, max_tokens = sys.argv[1], int(sys.argv[2])
    app = QApplication(sys.argv[:1])
    window = create_window(model=model)
    window.settings.temperature = 0.0
    window.settings.max_tokens = max_tokens
    window.email_tab.form.length.setCurrentText("long")
    window.show()

    gaps: dict[str, list[float]] = {"starting": [], "idle": [], "generating": [], "done": []}
    last = [time.perf_counter()]
    phase = ["starting"]

    def tick() -> None:
        now = time.perf_counter()
        gaps[phase[0]].append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(1)
    timer.timeout.connect(tick)
    timer.start()

    deadline = time.monotonic() + 120

    def wait(condition: object) -> None:
        while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
            app.processEvents()
            time.sleep(0.0005)

    wait(lambda: window.bridge.active_model is not None and not window.bridge.is_busy())
    # The tabs other than Email are built after the first paint, one per turn of the
    # loop; let that finish so the idle baseline is the idle window.
    settle_until = time.monotonic() + 1.0
    wait(lambda: time.monotonic() > settle_until)
    # Idle baseline: the same loop, same timer, no generation, for two seconds.
    phase[0] = "idle"
    last[0] = time.perf_counter()
    idle_until = time.monotonic() + 2.0
    wait(lambda: time.monotonic() > idle_until)
    window.email_tab.form.notes.setPlainText(
        "- thank the whole team for the launch\n- explain the new on-call rota in detail\n"
        "- invite everyone to the retrospective on Friday at 10:00 in room 4"
    )
    finished: list[object] = []
    window.bridge.generationFinished.connect(finished.append)
    phase[0] = "generating"
    last[0] = time.perf_counter()
    window.email_tab.generate()
    wait(lambda: bool(finished) or not window.email_tab.running)  # answered, or failed
    phase[0] = "done"
    active = window.bridge.active_model
    assert active is not None
    worker_pid = window.bridge.client.pid
    worker_peak = vm_hwm(worker_pid) if worker_pid else 0
    own_peak = vm_hwm(os.getpid())
    window.close()
    print(
        json.dumps(
            {
                "max_stall_s": max(gaps["generating"], default=None),
                "idle_max_stall_s": max(gaps["idle"], default=None),
                "startup_max_stall_s": max(gaps["starting"], default=None),
                "ticks": len(gaps["generating"]),
                "tokens": sum(getattr(c, "completion_tokens", 0) for c in finished),
                "window_peak_rss": own_peak,
                "worker_peak_rss": worker_peak,
                "n_ctx": active.loaded.n_ctx,
                "n_threads": active.loaded.n_threads,
            }
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
