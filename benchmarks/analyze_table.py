"""``python -m benchmarks.analyze_table``: how long the Analyze tab's batch view holds the
event loop while 10,000 finished rows arrive (a resumed batch sends them all at once).

All rows are handed to the view at once; it adds them ``ROWS_PER_TURN`` at a time, one
group per turn of the event loop, to the table model and the chart. Prints the whole
time, the median and the worst turn (target: every turn under 50 ms, the stall a person
notices), and one row added to a full table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtWidgets import QApplication

    from desktop_slm.tools.analyze import SENTIMENTS, Analysis, Entity, Sentiment
    from desktop_slm.tools.batch import BatchRow
    from desktop_slm.ui.analyze.batch_view import BatchPanel

    app = QApplication.instance() or QApplication([])
    panel = BatchPanel()
    panel.resize(900, 600)
    panel.show()
    app.processEvents()
    panel.reset("text", args.rows)
    rows = [
        BatchRow(
            i,
            {"text": f"Feedback number {i} about the delivery to Berlin and the X200."},
            Analysis(
                Sentiment(SENTIMENTS[i % 4], "because"),
                (Entity("Berlin", "place"), Entity(f"Customer {i % 50}", "person")),
                (),
                ("Call back",),
            ),
        )
        for i in range(args.rows)
    ]
    times: list[float] = []
    started = time.perf_counter()
    panel.add_rows(rows)  # all at once, as when a batch resumes
    while panel.model.rowCount() < args.rows:
        before = time.perf_counter()
        app.processEvents()  # one turn of the event loop: a group of rows, then a paint
        times.append((time.perf_counter() - before) * 1000)
    total = (time.perf_counter() - started) * 1000
    before = time.perf_counter()
    panel.add_rows([rows[0]])
    while panel.model.rowCount() <= args.rows:
        app.processEvents()
    one = (time.perf_counter() - before) * 1000
    print(
        f"{args.rows:,} rows at once: shown in {total:.0f} ms over {len(times)} turns of "
        f"the event loop; per turn median {statistics.median(times):.1f} ms, worst "
        f"{max(times):.1f} ms (target < 50 ms); one more row {one:.1f} ms"
    )


if __name__ == "__main__":
    main()
