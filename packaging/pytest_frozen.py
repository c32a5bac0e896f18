"""pytest plugin: run the command-line tests against an installed (frozen) Desktop SLM.

    PYTHONPATH=packaging .venv/bin/python -m pytest -p pytest_frozen \\
        --frozen-app /usr/lib/desktop-slm/desktop-slm tests/test_cli.py tests/test_models_cli.py

The test modules start the program as ``CLI`` (``python -m desktop_slm``); this plugin
points that list at the frozen program instead, so the same assertions check the
installed app: its exit codes, messages, doctor, the engine worker inside it,
Hugging Face Hub access (against the tests' fake Hub) and model management.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

MODULES = ("tests.test_cli", "tests.test_models_cli", "tests.test_cli_tools")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--frozen-app", metavar="PATH", help="the frozen desktop-slm program")


def pytest_collection_finish(session: pytest.Session) -> None:
    app = session.config.getoption("--frozen-app")
    if not app:
        return
    if not Path(app).is_file():
        raise pytest.UsageError(f"--frozen-app {app} does not exist")
    for name in MODULES:
        module = sys.modules.get(name)
        if module is not None and isinstance(getattr(module, "CLI", None), list):
            module.CLI[:] = [app]
