"""``python -m benchmarks``: run every benchmark and write ``results/latest.json``."""

from benchmarks.throughput import main

raise SystemExit(main())
