"""Everything but the window works on a machine without Qt (servers, scripts, CI)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import desktop_slm

PACKAGE_DIR = Path(desktop_slm.__file__).resolve().parent
QT_MODULES = ("PySide6", "shiboken6")

_WITHOUT_QT = textwrap.dedent(
    """
    import contextlib
    import importlib
    import io
    import json
    import pkgutil
    import sys

    BLOCKED = ("PySide6", "shiboken6", "pytestqt")

    class BlockQt:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{name} is blocked in this test", name=name)
            return None

    sys.meta_path.insert(0, BlockQt())

    import desktop_slm

    def fail(name):
        raise ImportError(f"package {name} cannot be imported without Qt")

    imported = []
    for module in pkgutil.walk_packages(desktop_slm.__path__, "desktop_slm.", onerror=fail):
        if module.name == "desktop_slm.ui" or module.name.startswith("desktop_slm.ui."):
            continue
        if module.name == "desktop_slm.__main__":
            continue  # running it would start the command line
        importlib.import_module(module.name)
        imported.append(module.name)

    from desktop_slm import cli

    code = cli.main(["doctor", "--json"])
    message = io.StringIO()
    with contextlib.redirect_stderr(message):
        window_code = cli.main([])  # the window cannot open: a one-line reason, no traceback
    leaked = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
    report = {"imported": imported, "doctor_exit": code, "leaked": leaked,
              "window_exit": window_code, "window_message": message.getvalue()}
    print(json.dumps(report), file=sys.stderr)
    """
)


def test_core_imports_and_runs_without_qt(app_home: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _WITHOUT_QT],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    assert report["doctor_exit"] == 0
    assert report["leaked"] == []
    assert report["window_exit"] == 1
    assert report["window_message"].count("\n") == 1
    assert "PySide6" in report["window_message"]
    assert "doctor" in report["window_message"]
    for expected in (
        "desktop_slm.cli",
        "desktop_slm.config",
        "desktop_slm.engine.client",
        "desktop_slm.engine.worker",
        "desktop_slm.tools.email",
    ):
        assert expected in report["imported"]
    doctor = json.loads(proc.stdout)
    assert doctor["cpu"]["physical_cores"] >= 1
    assert doctor["folders"]["config_dir"].startswith(str(app_home))


def _imports(tree: ast.AST) -> list[tuple[str, ast.stmt]]:
    found: list[tuple[str, ast.stmt]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node))
            found += [(f"{node.module}.{alias.name}", node) for alias in node.names]
    return found


def test_only_the_ui_package_imports_qt() -> None:
    offenders = []
    checked = 0
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        relative = path.relative_to(PACKAGE_DIR)
        if relative.parts[0] == "ui":
            continue
        checked += 1
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        offenders += [
            f"{relative}:{node.lineno} imports {name}"
            for name, node in _imports(tree)
            if name.split(".")[0] in QT_MODULES
        ]
    assert checked >= 10
    assert offenders == []


def test_cli_imports_the_window_only_when_it_opens_it() -> None:
    tree = ast.parse((PACKAGE_DIR / "cli.py").read_text(encoding="utf-8"))
    module_level = [stmt for stmt in tree.body if isinstance(stmt, ast.Import | ast.ImportFrom)]
    # Imports under ``if TYPE_CHECKING:`` or try/except at module level count as well.
    for stmt in tree.body:
        if isinstance(stmt, ast.If | ast.Try):
            module_level += [
                node for node in ast.walk(stmt) if isinstance(node, ast.Import | ast.ImportFrom)
            ]
    names = [name for stmt in module_level for name, _ in _imports(stmt)]
    assert names, "cli.py has no module-level imports at all?"
    assert not [n for n in names if n == "desktop_slm.ui" or n.startswith("desktop_slm.ui.")]
    assert not [n for n in names if n.split(".")[0] in QT_MODULES]
    # ... and the window is still reachable through a lazy import.
    lazy = [name for name, _ in _imports(tree) if name.startswith("desktop_slm.ui")]
    assert lazy, "cli.py no longer opens the window at all"
