"""Where start-up time goes, phase by phase, in one process (the start-up figure's profile).

    python -m benchmarks.startup_profile [--repeats N]

Each phase runs in a fresh interpreter, like a launch; medians in milliseconds. For
the module-by-module view, run ``python -X importtime -m desktop_slm --model M`` with
``DESKTOP_SLM_STARTUP_PROBE=1``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PHASES = r"""
import json, sys, time
t0 = time.perf_counter()
from PySide6.QtWidgets import QApplication, QWidget
t1 = time.perf_counter()
app = QApplication(sys.argv[:1])
import PySide6.QtCore as QtCore
t2 = time.perf_counter()
QtCore.Qt  # PySide6 builds the Qt namespace's Python enums on first use
t3 = time.perf_counter()
from desktop_slm.config import app_paths, load_settings
from desktop_slm.logsetup import setup_logging
from desktop_slm.ui import messages
from desktop_slm.ui.bridge.engine import EngineBridge
from desktop_slm.ui.main_window import MainWindow
t4 = time.perf_counter()
paths = app_paths()
setup_logging(paths)
messages.install_excepthook(paths.log_file)
settings = load_settings(paths).settings
t5 = time.perf_counter()
window = MainWindow(EngineBridge(), settings, paths)
t6 = time.perf_counter()
window.show()
app.processEvents()
t7 = time.perf_counter()
window.close()
print(json.dumps({
    "import PySide6.QtWidgets": t1 - t0,
    "QApplication": t2 - t1,
    "Qt namespace (enums)": t3 - t2,
    "import the window's modules": t4 - t3,
    "logging, settings": t5 - t4,
    "build the window (Email tab only)": t6 - t5,
    "show and paint": t7 - t6,
}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.startup_profile")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    runs: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="desktop-slm-startup-") as home:
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "DESKTOP_SLM_HOME": home,
            "PYTHONPATH": str(ROOT),
        }
        for _ in range(args.repeats):
            done = subprocess.run(
                [sys.executable, "-c", PHASES],
                env=env,
                capture_output=True,
                text=True,
                check=True,
                timeout=120,
            )
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    for phase in runs[0]:
        print(f"{statistics.median(r[phase] for r in runs) * 1000:7.1f} ms  {phase}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
