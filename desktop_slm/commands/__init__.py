"""Command-line commands that register themselves with ``desktop_slm.cli``."""
